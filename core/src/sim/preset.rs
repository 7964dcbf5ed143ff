//! Named scenarios worth seeing, as data (params, seed, faults, starting step).

/// A preset as the page lists it. Fields not named keep their defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// Stable id used in the `preset` select.
    pub name: &'static str,
    pub label: &'static str,
    /// One or two sentences on what to look at.
    pub description: &'static str,
    pub seed: u64,
    pub params: &'static [(&'static str, &'static str)],
    /// `(step, fault)`, the fault as `kind` or `kind:arg`.
    pub faults: &'static [(u64, &'static str)],
    /// The step to land on.
    pub step: u64,
}

/// A pitfall toggle: the reference note's mistake, switchable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PitfallSpec {
    pub name: &'static str,
    pub label: &'static str,
    /// What the note does wrong and what damage to watch for.
    pub help: &'static str,
}
