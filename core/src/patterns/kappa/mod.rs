//! Kappa: one log, one stream processor. Event-time windows (tumbling, sliding, session),
//! a watermark of latest event time − allowed delay, late events to a side output,
//! checkpoints and restart, and reprocessing a new code version from offset 0. Window
//! results are checked against [`crate::oracle::streaming`].

pub mod code;
pub mod params;
pub mod processor;
pub mod scenario;
pub mod view;

pub use params::KappaParams;
pub use processor::{Disposition, Job, JobConfig, LateRecord, WindowResult};
pub use scenario::Kappa;
pub use view::{Dot, JobView, KappaView, OpenRow, Score, TruthHandle};
