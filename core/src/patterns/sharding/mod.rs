//! Sharding orders by user id: mod-N vs a consistent-hash ring with virtual nodes.
//! Each step routes one order event; adding or removing a shard is a fault that moves keys,
//! checked against [`crate::oracle::sharding`].

pub mod code;
pub mod compare;
pub mod params;
pub mod router;
pub mod scenario;
pub mod view;

pub use params::ShardingParams;
pub use router::{RouteDetail, Router, Scheme};
pub use scenario::{KeyMove, MoveKind, MoveReport, Sharding};
pub use view::{HotKeyView, QueryView, RingArc, ShardView, ShardingView, SweepPoint};

/// The workload + sharding kernel for throughput comparisons (native vs wasm): routes
/// `events` events of the default scenario and returns a checksum so the work is not
/// optimised away.
pub fn kernel_checksum(events: u32) -> u64 {
    use crate::sim::Scenario;
    let params = ShardingParams {
        events: events.max(1) as u64,
        ..ShardingParams::default()
    };
    let Ok(mut s) = Sharding::new(&params, 42) else {
        return 0;
    };
    for _ in 0..events {
        s.step();
    }
    let v = s.view();
    v.shards.iter().fold(v.keys_stored, |acc, sh| {
        acc.wrapping_mul(31).wrapping_add(sh.events)
    })
}
