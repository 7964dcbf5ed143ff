//! Shared UI pieces. Each takes plain signals and callbacks (never a pattern type), so every
//! page reuses them and browser tests mount them alone.

pub mod badge;
pub mod chart;
pub mod code;
pub mod explainer;
pub mod faults;
pub mod help;
pub mod narration;
pub mod questions;
pub mod save;
pub mod scenario;
pub mod table;
pub mod tour;
pub mod transport;
