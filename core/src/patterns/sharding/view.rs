//! Plain data the sharding page draws.

use std::sync::Arc;

use super::router::{Ring, Scheme};
use super::scenario::{ring_fraction, Last, MoveKind, MoveReport, Sharding};

/// Most arcs the ring picture gets; beyond that the ring is drawn in equal buckets, each
/// coloured by the shard owning its midpoint (the page says so).
pub const MAX_RING_ARCS: usize = 360;

/// One live shard.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardView {
    pub id: u32,
    /// Distinct keys stored on it.
    pub keys: u64,
    /// Events routed to it since the start (traffic).
    pub events: u64,
    /// It was added by the last change.
    pub is_new: bool,
    /// It received the last event.
    pub is_target: bool,
}

/// A stretch of the ring owned by one shard, as fractions of the ring `[0, 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RingArc {
    pub start: f64,
    pub end: f64,
    pub shard: u32,
}

/// Everything the page shows for one state.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardingView {
    pub scheme: Scheme,
    pub vnodes_per_shard: u32,
    pub shards: Vec<ShardView>,
    pub ring: Vec<RingArc>,
    pub ring_points: usize,
    pub ring_bucketed: bool,
    pub events_routed: u64,
    pub keys_stored: u64,
    /// Max keys on a shard over the mean (1.0 = perfectly even).
    pub keys_max_over_mean: f64,
    /// Standard deviation of keys per shard.
    pub keys_stddev: f64,
    /// Max events on a shard over the mean: traffic imbalance (hot keys show here).
    pub events_max_over_mean: f64,
    pub last: Last,
    pub last_change: Option<Arc<MoveReport>>,
}

/// `(max / mean, population standard deviation)`; `(1, 0)` when empty.
pub fn imbalance(values: &[u64]) -> (f64, f64) {
    if values.is_empty() {
        return (1.0, 0.0);
    }
    let n = values.len() as f64;
    let sum: u64 = values.iter().sum();
    let mean = sum as f64 / n;
    if mean == 0.0 {
        return (1.0, 0.0);
    }
    let max = values.iter().copied().max().unwrap_or(0) as f64;
    let var = values
        .iter()
        .map(|v| {
            let d = *v as f64 - mean;
            d * d
        })
        .sum::<f64>()
        / n;
    (max / mean, var.sqrt())
}

/// The ring as arcs (merged runs of one owner), or equal buckets when there are too many.
pub fn ring_arcs(ring: &Ring) -> (Vec<RingArc>, bool) {
    let pts = ring.points();
    if pts.is_empty() {
        return (Vec::new(), false);
    }
    // The arc ending at point i (exclusive of the previous point) belongs to point i's shard.
    let mut runs: Vec<RingArc> = Vec::new();
    let mut start = 0.0;
    for (pos, shard) in pts {
        let end = ring_fraction(*pos);
        match runs.last_mut() {
            Some(last) if last.shard == *shard => last.end = end,
            _ => runs.push(RingArc {
                start,
                end,
                shard: *shard,
            }),
        }
        start = end;
    }
    // The stretch after the last point wraps to the first point's owner.
    let first_owner = pts[0].1;
    runs.push(RingArc {
        start,
        end: 1.0,
        shard: first_owner,
    });
    if runs.len() <= MAX_RING_ARCS {
        return (runs, false);
    }
    let buckets = (0..MAX_RING_ARCS)
        .map(|i| {
            let start = i as f64 / MAX_RING_ARCS as f64;
            let end = (i + 1) as f64 / MAX_RING_ARCS as f64;
            let mid = ((2 * i + 1) as u128 * (1u128 << 64) / (2 * MAX_RING_ARCS as u128)) as u64;
            let shard = ring.owner(mid).map_or(0, |p| p.1);
            RingArc { start, end, shard }
        })
        .collect();
    (buckets, true)
}

impl ShardingView {
    pub fn of(s: &Sharding) -> Self {
        let target = match &s.last {
            Last::Routed(r) => Some(r.shard),
            _ => None,
        };
        let new_shard = match &s.last_change {
            Some(m) => match m.kind {
                MoveKind::Added(id) => Some(id),
                MoveKind::Removed(_) => None,
            },
            None => None,
        };
        let shards: Vec<ShardView> = s
            .router
            .shards()
            .iter()
            .map(|id| ShardView {
                id: *id,
                keys: s.keys_per_shard.get(*id),
                events: s.events_per_shard.get(*id),
                is_new: new_shard == Some(*id),
                is_target: target == Some(*id),
            })
            .collect();
        let keys: Vec<u64> = shards.iter().map(|v| v.keys).collect();
        let events: Vec<u64> = shards.iter().map(|v| v.events).collect();
        let (keys_max_over_mean, keys_stddev) = imbalance(&keys);
        let (events_max_over_mean, _) = imbalance(&events);
        let (ring, ring_bucketed) = s.router.ring().map(ring_arcs).unwrap_or_default();
        ShardingView {
            scheme: s.router.scheme(),
            vnodes_per_shard: s.router.vnodes(),
            shards,
            ring,
            ring_points: s.router.ring().map_or(0, |r| r.points().len()),
            ring_bucketed,
            events_routed: s.steps_done,
            keys_stored: s.keys_stored,
            keys_max_over_mean,
            keys_stddev,
            events_max_over_mean,
            last: s.last.clone(),
            last_change: s.last_change.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn imbalance_of_even_and_uneven_loads() {
        assert_eq!(imbalance(&[5, 5, 5, 5]), (1.0, 0.0));
        let (r, sd) = imbalance(&[0, 0, 0, 8]);
        assert_eq!(r, 4.0);
        assert!((sd - 12f64.sqrt()).abs() < 1e-12);
        assert_eq!(imbalance(&[]), (1.0, 0.0));
    }

    #[test]
    fn arcs_cover_the_ring_once_and_agree_with_ownership() {
        let ring = Ring::new(&[0, 1, 2], 4);
        let (arcs, bucketed) = ring_arcs(&ring);
        assert!(!bucketed);
        assert_eq!(arcs.first().map(|a| a.start), Some(0.0));
        assert_eq!(arcs.last().map(|a| a.end), Some(1.0));
        for w in arcs.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_ne!(w[0].shard, w[1].shard, "adjacent runs are merged");
        }
        let big = Ring::new(&(0..64).collect::<Vec<_>>(), 200);
        let (arcs, bucketed) = ring_arcs(&big);
        assert!(bucketed);
        assert_eq!(arcs.len(), MAX_RING_ARCS);
    }
}
