//! CQRS: commands are checked by a write model and become events in a log; projectors
//! build read models (orders by user, revenue by day) from the log, asynchronously, with a
//! poll interval and a batch size. Reads after writes can be stale; waiting for a version
//! or a position token fixes it. The oracle folds the log independently
//! ([`crate::oracle::orders::PrefixTruth`]).

pub mod code;
pub mod params;
pub mod projection;
pub mod scenario;
pub mod view;

pub use params::CqrsParams;
pub use scenario::Cqrs;
pub use view::CqrsView;
