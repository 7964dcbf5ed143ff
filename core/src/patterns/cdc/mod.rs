//! Change data capture: a source table whose WAL a log-based connector turns into
//! Debezium change events (an initial snapshot, then streaming; each delete followed by a
//! tombstone) on keyed topic partitions, a sink MERGEing them into a target (guarded by
//! LSN, or plain) and skipping tombstones, and query-based polling beside it (which misses
//! deletes, overwritten states and transactions that commit behind its watermark). Faults: connector restart (redelivery), a stalled partition (cross-partition
//! reordering), a sink crash. Checked by [`crate::oracle::cdc`].

pub mod code;
pub mod feed;
pub mod merge;
pub mod params;
pub mod scenario;
pub mod topic;
pub mod view;

pub use params::CdcParams;
pub use scenario::Cdc;
pub use view::CdcView;
