//! The lakehouse: raw orders land in bronze as Arrow data files; a silver job MERGEs them
//! typed, valid and de-duplicated into day partitions; a gold job keeps per-user totals.
//! Every table is a Delta Lake table: a log of optimistic commits (versions 0, 1, 2…) over
//! immutable files with per-file min/max statistics, so any version can be read again (time
//! travel), small files can be compacted (OPTIMIZE … ZORDER BY) and queries skip the files
//! that cannot match. The oracle
//! ([`crate::oracle::lakehouse`]) folds the feed itself.

pub mod code;
pub mod files;
pub mod jobs;
pub mod params;
pub mod scenario;
pub mod source;
pub mod table;
pub mod view;

pub use params::LakeParams;
pub use scenario::Lakehouse;
pub use view::LakeView;
