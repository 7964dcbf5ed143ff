//! Event sourcing: every change to an order is an event appended to one log; an order's
//! state is the fold of its events. Commands are checked against that fold, appends carry
//! the version they expect, snapshots shorten loads, and old (v1) events are upcast on read.
//! The oracle ([`crate::oracle::orders`]) folds the log independently.

pub mod code;
pub mod params;
pub mod scenario;
pub mod store;
pub mod view;

pub use params::EsParams;
pub use scenario::EventSourcing;
pub use view::EsView;
