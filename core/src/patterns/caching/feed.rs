//! The requests: a pure function of the seed, a request's index and the marks faults
//! leave (a burst of reads for the hot key, a write on one instance followed by reads on
//! the others). Requests arrive `gap` apart; a burst's arrive 0.1 ms apart.

use std::sync::Arc;

use crate::hash::key_hash;

/// The hottest key under Zipf skew.
pub const HOT_KEY: u32 = 1;
/// Gap between a burst's requests.
pub const BURST_GAP_US: u64 = 100;

/// Why a request looks the way it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Workload,
    /// Part of a hot-key burst.
    Burst,
    /// A planted write (on one instance, or the second of two interleaved writers), or
    /// the reads that follow it.
    Planted,
    /// The first of two interleaved writers: it commits to the database, then stalls
    /// before its cache step, which lands after the second writer's.
    Paused,
}

/// One request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub index: u32,
    pub at_us: u64,
    pub instance: u32,
    pub key: u32,
    pub write: bool,
    pub origin: Origin,
}

/// What a fault changed about the requests still to come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Requests `from..from + len` read [`HOT_KEY`], 0.1 ms apart, on every instance in turn.
    Burst { from: u64, len: u64 },
    /// Request `from` writes [`HOT_KEY`] on instance 0; the next `instances - 1` read it on
    /// instances 1, 2, ….
    WriteOne { from: u64, len: u64 },
    /// Request `from` writes [`HOT_KEY`] on instance 0 and stalls before its cache step
    /// ([`Origin::Paused`]); request `from + 1` writes it on instance 1; the next ones
    /// read it on instances 0, 1, … in turn.
    Interleave { from: u64, len: u64 },
}

#[derive(Clone, Debug)]
pub struct Feed {
    seed: u64,
    keys: u32,
    instances: u32,
    writes: f64,
    gap_us: u64,
    cdf: Option<Arc<[f64]>>,
    marks: Vec<Mark>,
}

fn draw(seed: u64, index: u64, salt: u64) -> u64 {
    key_hash(seed.rotate_left(29) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ salt)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

impl Feed {
    pub fn new(seed: u64, keys: u32, instances: u32, skew: f64, writes: f64, gap_us: u64) -> Feed {
        let keys = keys.max(1);
        Feed {
            seed,
            keys,
            instances: instances.max(1),
            writes: if writes.is_finite() {
                writes.clamp(0.0, 1.0)
            } else {
                0.0
            },
            gap_us: gap_us.max(1),
            cdf: (skew.is_finite() && skew > 0.0)
                .then(|| crate::workload::zipf_cdf(keys, skew.min(10.0))),
            marks: Vec::new(),
        }
    }

    pub fn mark(&mut self, m: Mark) {
        self.marks.push(m);
    }

    pub fn keys(&self) -> u32 {
        self.keys
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    fn key(&self, index: u64) -> u32 {
        let h = draw(self.seed, index, 0x4B);
        match &self.cdf {
            None => 1 + (h % self.keys as u64) as u32,
            Some(cdf) => {
                let total = cdf.last().copied().unwrap_or(1.0);
                let rank = cdf.partition_point(|c| *c <= unit(h) * total);
                (rank.min(cdf.len() - 1) + 1) as u32
            }
        }
    }

    /// Burst requests before `index` (they arrive faster, so later requests come earlier).
    /// Bursts may overlap (two expiries at one step): a request counts once.
    fn burst_before(&self, index: u64) -> u64 {
        let mut spans: Vec<(u64, u64)> = self
            .marks
            .iter()
            .filter_map(|m| match *m {
                Mark::Burst { from, len } if from < index => {
                    Some((from, from.saturating_add(len).min(index)))
                }
                _ => None,
            })
            .collect();
        spans.sort_unstable();
        let mut total = 0;
        let mut covered_to = 0;
        for (from, to) in spans {
            let from = from.max(covered_to);
            if to > from {
                total += to - from;
                covered_to = to;
            }
        }
        total
    }

    /// Request `index`.
    pub fn request(&self, index: u64) -> Request {
        let fast = self.burst_before(index);
        let at_us = (index - fast) * self.gap_us + fast * BURST_GAP_US;
        let planted = self.marks.iter().rev().find_map(|m| match *m {
            Mark::Burst { from, len } if index >= from && index - from < len => Some((
                Origin::Burst,
                ((index - from) % self.instances as u64) as u32,
                false,
            )),
            Mark::WriteOne { from, len } if index >= from && index - from < len => {
                let k = index - from;
                Some((Origin::Planted, (k % self.instances as u64) as u32, k == 0))
            }
            Mark::Interleave { from, len } if index >= from && index - from < len => {
                let k = index - from;
                let instance = match k {
                    0 => 0,
                    1 => 1 % self.instances,
                    _ => ((k - 2) % self.instances as u64) as u32,
                };
                let origin = if k == 0 {
                    Origin::Paused
                } else {
                    Origin::Planted
                };
                Some((origin, instance, k < 2))
            }
            _ => None,
        });
        match planted {
            Some((origin, instance, write)) => Request {
                index: index as u32,
                at_us,
                instance,
                key: HOT_KEY,
                write,
                origin,
            },
            None => Request {
                index: index as u32,
                at_us,
                instance: (draw(self.seed, index, 0x1A) % self.instances as u64) as u32,
                key: self.key(index),
                write: unit(draw(self.seed, index, 0x3E)) < self.writes,
                origin: Origin::Workload,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn overlapping_bursts_count_each_request_once() {
        // Two expiries at one step mark the same burst twice (found by the caching property
        // tests: the double count made `index - fast` underflow).
        let mut f = Feed::new(3, 1_000, 1, 0.0, 0.0, 2_000);
        f.mark(Mark::Burst { from: 0, len: 38 });
        f.mark(Mark::Burst { from: 0, len: 38 });
        f.mark(Mark::Burst { from: 20, len: 40 });
        let rs: Vec<Request> = (0..100).map(|i| f.request(i)).collect();
        assert!(rs[..60]
            .windows(2)
            .all(|w| w[1].at_us == w[0].at_us + BURST_GAP_US));
        assert!(rs[60..]
            .windows(2)
            .all(|w| w[1].at_us == w[0].at_us + 2_000));
        assert_eq!(rs[60].at_us, 60 * BURST_GAP_US);
    }

    #[test]
    fn requests_are_skewed_timed_and_marked() {
        let mut f = Feed::new(3, 1_000, 3, 1.2, 0.2, 2_000);
        let rs: Vec<Request> = (0..5_000).map(|i| f.request(i)).collect();
        assert!(rs.windows(2).all(|w| w[1].at_us == w[0].at_us + 2_000));
        let hot = rs.iter().filter(|r| r.key == HOT_KEY).count();
        assert!(hot > 400, "{hot}");
        let writes = rs.iter().filter(|r| r.write).count();
        assert!((800..1_200).contains(&writes), "{writes}");
        f.mark(Mark::Burst { from: 100, len: 10 });
        f.mark(Mark::WriteOne { from: 200, len: 3 });
        let b: Vec<Request> = (100..111).map(|i| f.request(i)).collect();
        assert!(b[..10]
            .iter()
            .all(|r| r.key == HOT_KEY && !r.write && r.origin == Origin::Burst));
        assert_eq!(b[1].at_us - b[0].at_us, BURST_GAP_US);
        assert_eq!(
            b[10].at_us - b[9].at_us,
            BURST_GAP_US,
            "the request after the burst"
        );
        assert_eq!(f.request(111).at_us - f.request(110).at_us, 2_000);
        let w: Vec<Request> = (200..203).map(|i| f.request(i)).collect();
        assert!(w[0].write && w[0].instance == 0);
        assert_eq!((w[1].instance, w[2].instance), (1, 2));
        assert!(!w[1].write && w[1].key == HOT_KEY);
        f.mark(Mark::Interleave { from: 300, len: 5 });
        let w: Vec<Request> = (300..305).map(|i| f.request(i)).collect();
        assert!(w.iter().all(|r| r.key == HOT_KEY));
        assert_eq!(
            w.iter().map(|r| (r.write, r.instance)).collect::<Vec<_>>(),
            [(true, 0), (true, 1), (false, 0), (false, 1), (false, 2)]
        );
        assert_eq!(
            (w[0].origin, w[1].origin),
            (Origin::Paused, Origin::Planted)
        );
    }
}
