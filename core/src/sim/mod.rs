//! The simulation kernel shared by every pattern: seeded randomness, simulated calendar
//! time, validated parameters, faults, the `Scenario` trait and the `Timeline` that gives
//! exact step-back and seek.

pub mod code;
pub mod compare;
pub mod fault;
pub mod params;
pub mod parray;
pub mod preset;
pub mod pvec;
pub mod rng;
pub mod scenario;
pub mod time;
pub mod timeline;

pub use code::CodeView;
pub use compare::{Compare, CompareView, Pair, Side};
pub use fault::{Fault, FaultAt, FaultSpec};
pub use params::{ParamError, ParamKind, ParamSpec, Params};
pub use preset::{PitfallSpec, Preset};
pub use pvec::PVec;
pub use rng::Rng;
pub use scenario::Scenario;
pub use time::SimTime;
pub use timeline::{NarrationLine, Timeline};
