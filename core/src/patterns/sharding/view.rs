//! Plain data the sharding page draws.

use std::sync::Arc;

use crate::hash::key_hash;
use crate::oracle::sharding::{assign, Layout};

use super::router::{Ring, Scheme};
use super::scenario::{key_label, ring_fraction, Last, MoveKind, MoveReport, Sharding, HOT_USER};

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
    pub hot: HotKeyView,
    /// The two queries of the current step, when an order was routed.
    pub queries: Option<QueryView>,
}

/// The hottest user's traffic and where it lands.
#[derive(Clone, Debug, PartialEq)]
pub struct HotKeyView {
    pub user: u32,
    pub events: u64,
    /// Its share of all routed orders.
    pub share: f64,
    /// Sub-keys it is split into (1 = not salted).
    pub salt: u32,
    /// `(shard, orders)` for every shard that received its orders, by shard id.
    pub per_shard: Vec<(u32, u64)>,
    /// Shards a read of all its orders must touch now (one per distinct sub-key shard).
    pub read_shards: Vec<u32>,
}

/// Routing the current order's two typical reads.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryView {
    /// "All orders of user X": has the shard key, so it goes where the key lives.
    pub by_key_label: String,
    pub by_key_shards: Vec<u32>,
    /// "All orders with this status": no shard key, so every shard is asked.
    pub status: &'static str,
    pub scatter_shards: Vec<u32>,
}

/// One point of the virtual-node sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    pub vnodes: u32,
    pub max_over_mean: f64,
    pub stddev: f64,
}

/// Virtual-node counts the sweep tries.
pub const SWEEP_VNODES: &[u32] = &[1, 2, 5, 10, 20, 50, 100, 200, 500];
/// Keys the sweep places (user ids 1..=n): enough for a stable shape, cheap enough to
/// recompute whenever the shard count changes.
pub const SWEEP_KEYS: u32 = 5000;

/// Keys-per-shard imbalance of a ring over `shards` for each count in [`SWEEP_VNODES`],
/// placing user ids `1..=min(users, SWEEP_KEYS)` with the oracle's sweep.
pub fn vnode_sweep(shards: &[u32], users: u32) -> Vec<SweepPoint> {
    let keys: Vec<u64> = (1..=users.clamp(1, SWEEP_KEYS) as u64).collect();
    SWEEP_VNODES
        .iter()
        .map(|v| {
            let owners = assign(
                &Layout::Ring {
                    shards: shards.to_vec(),
                    vnodes: *v,
                },
                &keys,
            );
            let mut counts: Vec<u64> = vec![0; shards.len()];
            for o in owners {
                if let Ok(i) = shards.binary_search(&o) {
                    counts[i] += 1;
                }
            }
            let (max_over_mean, stddev) = imbalance(&counts);
            SweepPoint {
                vnodes: *v,
                max_over_mean,
                stddev,
            }
        })
        .collect()
}

fn hot_key_view(s: &Sharding) -> HotKeyView {
    let p = &s.params;
    let subkeys: Vec<u64> = if p.salt > 1 {
        (0..p.salt as u64).map(|i| p.users as u64 + 1 + i).collect()
    } else {
        vec![HOT_USER as u64]
    };
    let mut read_shards: Vec<u32> = subkeys
        .iter()
        .filter_map(|k| s.router.route(key_hash(*k)).map(|r| r.0))
        .collect();
    read_shards.sort_unstable();
    read_shards.dedup();
    HotKeyView {
        user: HOT_USER,
        events: s.hot_events,
        share: if s.steps_done == 0 {
            0.0
        } else {
            s.hot_events as f64 / s.steps_done as f64
        },
        salt: p.salt,
        per_shard: s.hot_per_shard.entries().to_vec(),
        read_shards,
    }
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
            hot: hot_key_view(s),
            queries: match &s.last {
                Last::Routed(r) => {
                    let user_key = r.event.user_id as u64;
                    let by_key_shards = if r.event.user_id == HOT_USER && s.params.salt > 1 {
                        hot_key_view(s).read_shards
                    } else {
                        s.router.shards_for_query(Some(key_hash(user_key)))
                    };
                    Some(QueryView {
                        by_key_label: key_label(user_key, &s.params),
                        by_key_shards,
                        status: r.event.status.as_str(),
                        scatter_shards: s.router.shards_for_query(None),
                    })
                }
                _ => None,
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
    fn imbalance_of_even_and_uneven_loads() {
        assert_eq!(imbalance(&[5, 5, 5, 5]), (1.0, 0.0));
        let (r, sd) = imbalance(&[0, 0, 0, 8]);
        assert_eq!(r, 4.0);
        assert!((sd - 12f64.sqrt()).abs() < 1e-12);
        assert_eq!(imbalance(&[]), (1.0, 0.0));
    }

    #[test]
    fn the_sweep_evens_out_with_more_vnodes_and_counts_every_key() {
        let pts = vnode_sweep(&[0, 1, 2, 3], 4000);
        assert_eq!(pts.len(), SWEEP_VNODES.len());
        let first = pts[0].max_over_mean;
        let last = pts[pts.len() - 1].max_over_mean;
        assert!(last < first, "{last} vs {first}");
        assert!(last < 1.2, "{last}");
        assert!(pts
            .iter()
            .all(|p| p.max_over_mean >= 1.0 && p.stddev >= 0.0));
    }

    #[test]
    fn salting_spreads_the_hot_user_and_widens_its_reads() {
        use crate::sim::Scenario;
        let mut p = super::super::ShardingParams {
            skew: 1.5,
            events: 3000,
            ..Default::default()
        };
        let run = |p: &super::super::ShardingParams| {
            let mut s = Sharding::new(p, 3).unwrap();
            for _ in 0..p.events {
                s.step();
            }
            s.view()
        };
        let plain = run(&p);
        assert_eq!(
            plain.hot.per_shard.len(),
            1,
            "unsalted: one shard takes all of user 1"
        );
        assert_eq!(plain.hot.read_shards.len(), 1);
        assert!(plain.hot.share > 0.1, "{}", plain.hot.share);
        p.salt = 8;
        let salted = run(&p);
        assert!(salted.hot.per_shard.len() > 1);
        assert_eq!(salted.hot.read_shards.len(), salted.hot.per_shard.len());
        assert!(salted.events_max_over_mean < plain.events_max_over_mean);
        let total: u64 = salted.hot.per_shard.iter().map(|e| e.1).sum();
        assert_eq!(total, salted.hot.events);
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
