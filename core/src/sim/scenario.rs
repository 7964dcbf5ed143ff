//! The one idea of the core: a pattern is a deterministic state machine advanced one
//! discrete step at a time from outside (the UI's frame loop, a test, a benchmark).

use super::{Fault, FaultSpec, ParamError, Params, Preset};

/// A pattern's simulation. `Clone` must be cheap relative to the run (keep growing history
/// in shared structures) because the [`super::Timeline`] clones it for checkpoints.
pub trait Scenario: Clone {
    type Params: Params;
    /// Plain data the UI draws. `Debug` output is hashed by the determinism check.
    type View: std::fmt::Debug;

    /// The route slug (`/sharding`).
    const SLUG: &'static str;

    /// The most checkpoints a run keeps. A scenario whose clone is a few hundred bytes but
    /// whose step is costly may keep more, so a seek replays fewer steps.
    const MAX_CHECKPOINTS: u64 = super::timeline::MAX_CHECKPOINTS;

    /// Builds step 0. Validates `params` again (they may come from anywhere) and returns
    /// every problem found rather than panicking.
    fn new(params: &Self::Params, seed: u64) -> Result<Self, Vec<ParamError>>;

    /// The number of the last step (`step-total`); fixed for a given params/seed.
    fn total_steps(&self) -> u64;

    /// Advances one step. Called only while fewer than `total_steps()` steps were taken.
    fn step(&mut self);

    /// Applies `fault` now. An error says why it cannot apply (e.g. the last shard cannot
    /// be removed); the state is then unchanged.
    fn apply(&mut self, fault: &Fault) -> Result<(), String>;

    /// The faults this pattern offers.
    fn fault_specs() -> &'static [FaultSpec];

    /// Named scenarios worth seeing.
    fn presets() -> &'static [Preset];

    /// What "notable" means on this page, for the "next notable event" button's tooltip.
    fn notable_means() -> &'static str;

    /// One plain sentence describing what the last step (or fault) did.
    fn narrate(&self) -> String;

    /// Whether the last step or fault is worth jumping to ("next notable event").
    fn is_notable(&self) -> bool;

    /// The plain-data view of the current state.
    fn view(&self) -> Self::View;
}
