//! pipelab-core: deterministic, I/O-free simulations of data-engineering patterns.
//!
//! Everything here is a pure function of a seed, parameters and the faults a learner
//! injected. No clocks, threads, global randomness or platform-dependent floats
//! (see `clippy.toml`), so a run replays bit-for-bit natively and in wasm32.

#![forbid(unsafe_code)]

pub mod calendar;
pub mod format;
pub mod hash;
pub mod json;
pub mod learn;
pub mod link;
pub mod oracle;
pub mod orders;
pub mod patterns;
pub mod registry;
pub mod sim;
pub mod sort;
pub mod stream;
pub mod workload;
