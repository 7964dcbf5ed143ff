//! Sharding orders by user id: mod-N vs a consistent-hash ring with virtual nodes.
//! Each step routes one order event; adding or removing a shard is a fault that moves keys,
//! checked against [`crate::oracle::sharding`].

pub mod code;
pub mod params;
pub mod router;
mod scenario;
pub mod view;

pub use params::ShardingParams;
pub use router::{RouteDetail, Router, Scheme};
pub use scenario::{KeyMove, MoveKind, MoveReport, Sharding};
pub use view::{RingArc, ShardView, ShardingView};
