//! Lambda: an immutable master log; a batch layer recomputing accurate views every period
//! up to a cut-off; a speed layer keeping incremental views since the cut-off; a serving
//! layer adding the two per window. Served answers are checked against the truth so far
//! ([`crate::oracle::streaming`]).

pub mod code;
pub mod compare;
pub mod layers;
pub mod params;
pub mod scenario;
pub mod view;

pub use params::LambdaParams;
pub use scenario::Lambda;
pub use view::{LambdaView, Sample, WindowRow};
