//! Batch writes: rows arriving at a rate, written one at a time, as batched statements or
//! as bulk copies under a round-trip + per-row + commit cost model; a bad row fails its
//! batch (bisect or retry), a lost acknowledgement makes the writer resend (an idempotency
//! key makes that harmless). The oracle ([`crate::oracle::batch`]) judges the table.

pub mod code;
pub mod params;
pub mod scenario;
pub mod view;
pub mod writer;

pub use params::BatchParams;
pub use scenario::BatchWrites;
pub use view::BatchView;
