//! Multi-level caching: app instances each with an L1 LRU (size, TTL), a shared L2 (size,
//! TTL), a database with latency; cache-aside reads, writes by invalidation, write-through
//! or write-behind; stale reads, stampedes and coalescing; the note's L1 that always
//! answers as a pitfall. Reads are judged by [`crate::oracle::caching`].

pub mod code;
pub mod compare;
pub mod feed;
pub mod lru;
pub mod params;
pub mod scenario;
pub mod sweep;
pub mod view;

pub use params::CacheParams;
pub use scenario::Caching;
pub use view::CacheView;
