//! The caching state machine: one request per step through a fleet of app instances, each
//! with an L1 LRU, a shared L2 and a database with latency. Reads are cache-aside (L1,
//! then L2, then the database, filling on the way back); writes invalidate, write through
//! or write behind. Database reads take time, so concurrent misses on one key either all
//! read the database (a stampede) or wait for the first (coalescing). Every read is judged
//! against the newest acknowledged write of its key.

use std::sync::Arc;

use crate::sim::parray::PArray;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario};

use super::feed::{Feed, Mark, Request, HOT_KEY};
use super::lru::{Lookup, Lru};
use super::params::{CacheParams, WriteMode};

/// What an L1 hit costs.
pub const L1_US: u64 = 50;
/// What a round trip to L2 costs.
pub const L2_US: u64 = 1_000;
/// How long an L2 outage lasts.
pub const OUTAGE_US: u64 = 2_000_000;
/// Latency histogram bucket upper bounds (µs); the last bucket is everything above.
pub const BUCKETS_US: [u64; 12] = [
    60,
    200,
    1_100,
    2_000,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    1_000_000,
    u64::MAX,
];

/// Where a read's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    L1,
    L2,
    /// Read the database itself.
    Db,
    /// Waited for another request's database read of the same key.
    Coalesced,
    /// The note's L1 made the value up (pitfall).
    MadeUp,
}

impl Served {
    pub fn label(self) -> &'static str {
        match self {
            Served::L1 => "L1",
            Served::L2 => "L2",
            Served::Db => "database",
            Served::Coalesced => "database (coalesced)",
            Served::MadeUp => "L1 (made up)",
        }
    }
}

/// One read as served: the version returned against the newest acknowledged one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadRec {
    pub index: u32,
    pub key: u32,
    pub version: u32,
    pub newest: u32,
    pub served: Served,
    pub latency_us: u32,
}

impl ReadRec {
    pub fn stale(&self) -> bool {
        self.version < self.newest
    }
}

/// One database read: `(key, start, done, the key's acknowledged version at the start)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DbRead {
    pub key: u32,
    pub start_us: u64,
    pub done_us: u64,
    pub acked_at_start: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InFlight {
    key: u32,
    done_us: u64,
    /// The version the database held when the read started (what it returns).
    version: u32,
    acked_at_start: u32,
    /// Instances whose L1 is filled when it returns (bit per instance).
    instances: u8,
}

/// Counters over the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Stats {
    pub reads: u64,
    pub writes: u64,
    pub l1_hits: u64,
    pub l2_hits: u64,
    pub db_reads: u64,
    pub coalesced: u64,
    pub stale: u64,
    /// L2 deletes or sets a write could not make (L2 down).
    pub lost_updates: u64,
    pub db_writes: u64,
    pub latency_sum_us: u64,
    /// The most database reads in flight at once.
    pub peak_in_flight: u32,
}

/// A point of the over-time charts: counts within one window of requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Sample {
    pub step: u64,
    pub reads: u32,
    pub l1_hits: u32,
    pub l2_hits: u32,
    pub db_reads: u32,
    pub stale: u32,
    /// Latency histogram of the window's reads.
    pub buckets: [u32; 12],
}

/// What the last step or fault did.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Read {
        req: Request,
        rec: ReadRec,
        /// Requests (including this one) now reading this key from the database.
        db_readers: u32,
    },
    Write {
        req: Request,
        version: u32,
        /// L2 was down: its copy could not be deleted or updated.
        l2_missed: bool,
        /// Instances whose L1 still holds an older version.
        stale_l1: Vec<u32>,
    },
    Outage,
    HotExpiry {
        burst: u64,
    },
    WriteOne,
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Caching {
    params: CacheParams,
    feed: Feed,
    served: u64,
    now_us: u64,
    l1: Vec<Lru>,
    l2: Lru,
    l2_down_until_us: Option<u64>,
    /// Version per key the database holds.
    db: PArray<u32>,
    /// Newest acknowledged version per key (what a read should return).
    acked: PArray<u32>,
    in_flight: Vec<InFlight>,
    /// Write-behind writes waiting for the database: `(due, key, version)` in due order.
    behind: std::collections::VecDeque<(u64, u32, u32)>,
    stats: Stats,
    buckets: [u64; 12],
    window: Sample,
    samples: PVec<Sample>,
    reads_log: PVec<ReadRec>,
    db_log: PVec<DbRead>,
    last: Last,
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "l2-outage",
        label: "L2 outage (2 s)",
        help: "The shared cache is unreachable for two seconds: reads fall through to the database and writes cannot delete or update L2's copies.",
    },
    FaultSpec {
        kind: "hot-key-expiry",
        label: "Hot key expires",
        help: "The hottest key leaves every cache just as a burst of requests for it arrives: a stampede on the database, unless requests are coalesced.",
    },
    FaultSpec {
        kind: "write-one-instance",
        label: "Write on one instance",
        help: "Instance 0 updates the hot key; the next requests read it on the other instances. With the note's local-only invalidation they get their old copy.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "note-l1",
        label: "The note's L1 answers everything",
        description: "With the note's @lru_cache, every read is an L1 hit, even for keys written since: from the first write on, reads are stale and L2 and the database are never asked.",
        seed: 42,
        params: &[("l1-always-answers", "on")],
        faults: &[],
        step: 3_000,
    },
    Preset {
        name: "local-invalidation",
        label: "A write on one instance, stale L1s on the others",
        description: "Only the writer's L1 is cleared (as in the note): at step 1,000 instance 0 updates the hot key and instances 1 and 2 answer from their old copies until their TTL runs out.",
        seed: 42,
        params: &[("l1sync", "local")],
        faults: &[(1_000, "write-one-instance")],
        step: 1_002,
    },
    Preset {
        name: "stampede",
        label: "Hot key expires: a stampede",
        description: "At step 2,000 the hot key expires as 50 requests for it arrive: dozens of them miss and read the database at once.",
        seed: 42,
        params: &[],
        faults: &[(2_000, "hot-key-expiry")],
        step: 2_050,
    },
    Preset {
        name: "coalesced",
        label: "The same expiry with request coalescing",
        description: "The same burst, but the first miss reads the database and the other 49 wait for it: one database read.",
        seed: 42,
        params: &[("coalesce", "on")],
        faults: &[(2_000, "hot-key-expiry")],
        step: 2_050,
    },
    Preset {
        name: "outage",
        label: "L2 outage loses invalidations",
        description: "L2 is down for two seconds from step 1,000: reads go to the database, and the writes made meanwhile cannot delete L2's copies, which are served stale once it is back.",
        seed: 42,
        params: &[("writes", "0.3")],
        faults: &[(1_000, "l2-outage")],
        step: 2_500,
    },
    Preset {
        name: "write-behind",
        label: "Write-behind: the database lags",
        description: "Writes reach the caches at once and the database a second later; a read that misses the caches meanwhile gets the old value from the database.",
        seed: 42,
        params: &[("write", "write-behind"), ("l1", "20"), ("l2", "100")],
        faults: &[],
        step: 5_000,
    },
];

fn bucket_of(us: u64) -> usize {
    BUCKETS_US
        .iter()
        .position(|b| us <= *b)
        .unwrap_or(BUCKETS_US.len() - 1)
}

impl Caching {
    pub fn params(&self) -> &CacheParams {
        &self.params
    }

    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    pub fn served(&self) -> u64 {
        self.served
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    pub fn l1(&self) -> &[Lru] {
        &self.l1
    }

    pub fn l2(&self) -> &Lru {
        &self.l2
    }

    pub fn l2_up(&self) -> bool {
        self.l2_down_until_us.is_none()
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn buckets(&self) -> &[u64; 12] {
        &self.buckets
    }

    pub fn samples(&self) -> &PVec<Sample> {
        &self.samples
    }

    pub fn reads_log(&self) -> &PVec<ReadRec> {
        &self.reads_log
    }

    pub fn db_log(&self) -> &PVec<DbRead> {
        &self.db_log
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub fn pending_writes(&self) -> usize {
        self.behind.len()
    }

    /// The database's version of `key`, and the newest acknowledged one.
    pub fn versions(&self, key: u32) -> (u32, u32) {
        (self.db.get(key as usize), self.acked.get(key as usize))
    }

    fn now_ms(&self) -> u32 {
        (self.now_us / 1_000).min(u32::MAX as u64 - 1) as u32
    }

    /// Write-through and write-behind fill only with a value no write has overtaken (the
    /// writer already stored a newer one); invalidation fills with whatever the read got,
    /// as plain cache-aside does — the race where a slow read re-fills an old value.
    fn guarded(&self) -> bool {
        self.params.write != WriteMode::Invalidate
    }

    /// Everything due by `t`: database reads returning (filling the caches), write-behind
    /// writes reaching the database, the end of an outage.
    fn advance_to(&mut self, t: u64) {
        self.now_us = self.now_us.max(t);
        let now_ms = self.now_ms();
        while let Some(i) = (0..self.in_flight.len())
            .filter(|&i| self.in_flight[i].done_us <= t)
            .min_by_key(|&i| self.in_flight[i].done_us)
        {
            let f = self.in_flight.remove(i);
            let outdated = self.acked.get(f.key as usize) > f.version;
            if self.guarded() && outdated {
                continue;
            }
            if self.l2_down_until_us.is_none() {
                self.l2.put(f.key, f.version, now_ms);
            }
            for (n, cache) in self.l1.iter_mut().enumerate() {
                if f.instances & (1 << n) != 0 {
                    cache.put(f.key, f.version, now_ms);
                }
            }
        }
        while self.behind.front().is_some_and(|w| w.0 <= t) {
            if let Some((_, key, version)) = self.behind.pop_front() {
                self.db.update(key as usize, |v| *v = (*v).max(version));
                self.stats.db_writes += 1;
            }
        }
        if self.l2_down_until_us.is_some_and(|end| end <= t) {
            self.l2_down_until_us = None;
        }
    }

    fn record_read(&mut self, rec: ReadRec) {
        self.stats.reads += 1;
        self.stats.latency_sum_us += rec.latency_us as u64;
        let b = bucket_of(rec.latency_us as u64);
        self.buckets[b] += 1;
        self.window.reads += 1;
        self.window.buckets[b] += 1;
        match rec.served {
            Served::L1 | Served::MadeUp => {
                self.stats.l1_hits += 1;
                self.window.l1_hits += 1;
            }
            Served::L2 => {
                self.stats.l2_hits += 1;
                self.window.l2_hits += 1;
            }
            Served::Db | Served::Coalesced => {}
        }
        if rec.stale() {
            self.stats.stale += 1;
            self.window.stale += 1;
        }
        self.reads_log.push(rec);
    }

    fn read(&mut self, r: Request) -> Last {
        let now_ms = self.now_ms();
        let key = r.key;
        let newest = self.acked.get(key as usize);
        let inst = (r.instance as usize).min(self.l1.len() - 1);
        let mut rec = ReadRec {
            index: r.index,
            key,
            version: 0,
            newest,
            served: Served::L1,
            latency_us: L1_US as u32,
        };
        let mut db_readers = 0;
        if let Lookup::Hit { version } = self.l1[inst].get(key, now_ms) {
            rec.version = version;
        } else if self.params.l1_answers {
            // The note's decorated function builds the profile itself and caches it.
            self.l1[inst].put(key, 0, now_ms);
            rec.served = Served::MadeUp;
            rec.latency_us = (L1_US + 1_000) as u32;
        } else {
            let l2 = if self.l2_down_until_us.is_none() {
                self.l2.get(key, now_ms)
            } else {
                Lookup::Miss
            };
            if let Lookup::Hit { version } = l2 {
                self.l1[inst].put(key, version, now_ms);
                rec.version = version;
                rec.served = Served::L2;
                rec.latency_us = (L1_US + L2_US) as u32;
            } else {
                let probe = if self.l2_down_until_us.is_none() {
                    L2_US
                } else {
                    0
                };
                let join = self
                    .in_flight
                    .iter_mut()
                    .find(|f| f.key == key && f.acked_at_start == newest)
                    .filter(|_| self.params.coalesce);
                match join {
                    Some(f) => {
                        f.instances |= 1 << inst;
                        rec.version = f.version;
                        rec.served = Served::Coalesced;
                        rec.latency_us = (L1_US + probe + f.done_us.saturating_sub(r.at_us)) as u32;
                        self.stats.coalesced += 1;
                    }
                    None => {
                        let version = self.db.get(key as usize);
                        let done_us = r.at_us + self.params.db_ms as u64 * 1_000;
                        self.in_flight.push(InFlight {
                            key,
                            done_us,
                            version,
                            acked_at_start: newest,
                            instances: 1 << inst,
                        });
                        self.db_log.push(DbRead {
                            key,
                            start_us: r.at_us,
                            done_us,
                            acked_at_start: newest,
                        });
                        self.stats.db_reads += 1;
                        self.window.db_reads += 1;
                        self.stats.peak_in_flight =
                            self.stats.peak_in_flight.max(self.in_flight.len() as u32);
                        rec.version = version;
                        rec.served = Served::Db;
                        rec.latency_us = (L1_US + probe + self.params.db_ms as u64 * 1_000) as u32;
                    }
                }
                db_readers = self.in_flight.iter().filter(|f| f.key == key).count() as u32;
            }
        }
        self.record_read(rec);
        Last::Read {
            req: r,
            rec,
            db_readers,
        }
    }

    fn write(&mut self, r: Request) -> Last {
        let now_ms = self.now_ms();
        let key = r.key;
        let version = self.acked.get(key as usize) + 1;
        let inst = (r.instance as usize).min(self.l1.len() - 1);
        let l2_up = self.l2_down_until_us.is_none();
        self.stats.writes += 1;
        self.acked.update(key as usize, |v| *v = version);
        let mut commit_db = true;
        // The note's L1 is a memoised function: a write can only clear it (cache_clear),
        // never store the new value in it.
        let l1_put = !self.params.l1_answers;
        match self.params.write {
            WriteMode::Invalidate => {
                if l2_up {
                    self.l2.remove(key);
                }
                self.l1[inst].remove(key);
            }
            WriteMode::WriteThrough => {
                if l2_up {
                    self.l2.put(key, version, now_ms);
                }
                if l1_put {
                    self.l1[inst].put(key, version, now_ms);
                } else {
                    self.l1[inst].remove(key);
                }
            }
            WriteMode::WriteBehind => {
                if l2_up {
                    self.l2.put(key, version, now_ms);
                    self.behind.push_back((
                        r.at_us + self.params.behind_ms as u64 * 1_000,
                        key,
                        version,
                    ));
                    commit_db = false;
                }
                if l1_put {
                    self.l1[inst].put(key, version, now_ms);
                } else {
                    self.l1[inst].remove(key);
                }
            }
        }
        if commit_db {
            self.db.update(key as usize, |v| *v = version);
            self.stats.db_writes += 1;
        }
        if !l2_up {
            self.stats.lost_updates += 1;
        }
        if !self.params.l1_local {
            for (n, cache) in self.l1.iter_mut().enumerate() {
                if n != inst {
                    cache.remove(key);
                }
            }
        }
        let stale_l1 = self
            .l1
            .iter()
            .enumerate()
            .filter(|(_, c)| c.peek(key).is_some_and(|(v, _)| v < version))
            .map(|(n, _)| n as u32)
            .collect();
        let latency = match self.params.write {
            WriteMode::WriteBehind if l2_up => L2_US,
            _ => self.params.db_ms as u64 * 1_000 + if l2_up { L2_US } else { 0 },
        };
        self.stats.latency_sum_us += latency;
        Last::Write {
            req: r,
            version,
            l2_missed: !l2_up,
            stale_l1,
        }
    }
}

impl Scenario for Caching {
    type Params = CacheParams;
    type View = super::view::CacheView;
    const SLUG: &'static str = "caching";

    fn new(params: &CacheParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = crate::sim::Params::validate(params);
        if !errors.is_empty() {
            return Err(errors);
        }
        let p = params.clone();
        Ok(Caching {
            feed: Feed::new(seed, p.keys, p.instances, p.skew, p.writes, p.gap_us()),
            served: 0,
            now_us: 0,
            l1: (0..p.instances)
                .map(|_| Lru::new(p.l1, p.l1_ttl_ms))
                .collect(),
            l2: Lru::new(p.l2, p.l2_ttl_ms),
            l2_down_until_us: None,
            db: PArray::new(),
            acked: PArray::new(),
            in_flight: Vec::new(),
            behind: std::collections::VecDeque::new(),
            stats: Stats::default(),
            buckets: [0; 12],
            window: Sample::default(),
            samples: PVec::new(),
            reads_log: PVec::new(),
            db_log: PVec::new(),
            last: Last::Start,
            params: p,
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.requests
    }

    fn step(&mut self) {
        let r = self.feed.request(self.served);
        self.advance_to(r.at_us);
        self.last = if r.write { self.write(r) } else { self.read(r) };
        self.served += 1;
        let every = (self.params.requests / 200).max(25);
        if self.served.is_multiple_of(every) {
            let mut w = std::mem::take(&mut self.window);
            w.step = self.served;
            self.samples.push(w);
        }
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let left = self.params.requests.saturating_sub(self.served);
        match fault.kind.as_str() {
            "l2-outage" => {
                // A second outage while one lasts restarts its two seconds.
                self.l2_down_until_us = Some(self.now_us + OUTAGE_US);
                self.last = Last::Outage;
            }
            "hot-key-expiry" => {
                if left == 0 {
                    return Err("every request has been served".into());
                }
                for c in &mut self.l1 {
                    c.remove(HOT_KEY);
                }
                self.l2.remove(HOT_KEY);
                let len = (self.params.burst as u64).min(left);
                self.feed.mark(Mark::Burst {
                    from: self.served,
                    len,
                });
                self.last = Last::HotExpiry { burst: len };
            }
            "write-one-instance" => {
                if left == 0 {
                    return Err("every request has been served".into());
                }
                let len = (self.params.instances as u64).min(left);
                self.feed.mark(Mark::WriteOne {
                    from: self.served,
                    len,
                });
                self.last = Last::WriteOne;
            }
            other => return Err(format!("this page has no fault “{other}”")),
        }
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a stale read, a stampede (a second database read of one key at once), a write L2 missed, or a fault"
    }

    fn narrate(&self) -> String {
        super::view::narrate(self)
    }

    fn is_notable(&self) -> bool {
        match &self.last {
            Last::Start => false,
            Last::Read {
                rec, db_readers, ..
            } => rec.stale() || (*db_readers == 2 && rec.served == Served::Db),
            Last::Write { l2_missed, .. } => *l2_missed,
            _ => true,
        }
    }

    fn view(&self) -> super::view::CacheView {
        super::view::CacheView::of(self)
    }
}

/// Shared so the compare page and the sweep can run a side without the Timeline.
pub fn run_to_end(params: &CacheParams, seed: u64) -> Option<Arc<Caching>> {
    let mut s = Caching::new(params, seed).ok()?;
    for _ in 0..s.total_steps() {
        s.step();
    }
    Some(Arc::new(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::caching::judge;
    use crate::sim::Timeline;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn preset(name: &str) -> Caching {
        let p = PRESETS.iter().find(|p| p.name == name).unwrap();
        let (params, faults) = p.load::<CacheParams>();
        let mut t = Timeline::new(Caching::new(&params, p.seed).unwrap(), faults);
        t.seek(p.step);
        t.current().clone()
    }

    /// The scenario's own stale count equals the oracle's verdict on the same reads.
    fn agrees_with_the_oracle(s: &Caching) {
        let v = judge(
            s.feed(),
            s.served(),
            s.reads_log().iter().map(|r| (r.index, r.key, r.version)),
        );
        assert_eq!(v.reads, s.stats().reads);
        assert_eq!(v.stale, s.stats().stale);
        assert_eq!(v.from_the_future, 0);
    }

    #[test]
    fn the_notes_l1_answers_every_read_and_misses_every_write() {
        let s = preset("note-l1");
        let st = s.stats();
        assert_eq!(st.l1_hits, st.reads);
        assert_eq!((st.l2_hits, st.db_reads), (0, 0));
        assert!(st.stale > st.reads / 20, "{st:?}");
        assert!(s.reads_log().iter().all(|r| r.version == 0));
        agrees_with_the_oracle(&s);
    }

    #[test]
    fn local_invalidation_leaves_the_other_instances_stale() {
        let s = preset("local-invalidation");
        let Last::Read { req, rec, .. } = s.last() else {
            panic!("{:?}", s.last())
        };
        assert_eq!((req.key, req.instance), (HOT_KEY, 1));
        assert!(rec.stale() && rec.served == Served::L1, "{rec:?}");
        agrees_with_the_oracle(&s);
        let fixed = {
            let p = PRESETS
                .iter()
                .find(|p| p.name == "local-invalidation")
                .unwrap();
            let (mut params, faults) = p.load::<CacheParams>();
            params.l1_local = false;
            let mut t = Timeline::new(Caching::new(&params, p.seed).unwrap(), faults);
            t.seek(p.step);
            t.current().clone()
        };
        let Last::Read { rec, .. } = fixed.last() else {
            panic!()
        };
        assert!(!rec.stale(), "broadcast reaches every L1");
    }

    #[test]
    fn a_hot_key_expiry_stampedes_unless_requests_are_coalesced() {
        let hot_reads = |s: &Caching| {
            s.db_log()
                .iter()
                .filter(|d| d.key == HOT_KEY && d.start_us >= s.feed().request(2_000).at_us)
                .count()
        };
        let wild = preset("stampede");
        assert!(hot_reads(&wild) >= 40, "{}", hot_reads(&wild));
        assert!(wild.stats().peak_in_flight >= 40);
        let calm = preset("coalesced");
        assert_eq!(hot_reads(&calm), 1);
        assert!(calm.stats().coalesced >= 45);
        agrees_with_the_oracle(&calm);
    }

    #[test]
    fn an_outage_loses_updates_and_write_behind_lags() {
        let s = preset("outage");
        assert!(s.stats().lost_updates > 0);
        assert!(s.stats().stale > 0);
        assert!(s.l2_up(), "back after two seconds");
        agrees_with_the_oracle(&s);
        let wb = preset("write-behind");
        assert!(wb.stats().stale > 0);
        assert!(
            wb.stats().db_writes < wb.stats().writes,
            "some still queued"
        );
        agrees_with_the_oracle(&wb);
    }
}
