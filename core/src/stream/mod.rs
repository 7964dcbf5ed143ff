//! Pieces shared by the streaming patterns (Lambda, Kappa): the retained event log, event-time
//! windows, the per-window aggregate and the duplicate filter.

pub mod dedupe;
pub mod load;
pub mod log;
pub mod window;

pub use dedupe::{RecentIds, Seen};
pub use log::{EventLog, INJECTED_ID_BASE};
pub use window::{flink_interval, Agg, Rule, WindowKey, WindowKind, Windows};
