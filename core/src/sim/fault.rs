//! Faults: the failure buttons of a pattern, recorded at the step where they were injected.

/// One fault a pattern offers (its `fault-<kind>` button).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub kind: &'static str,
    pub label: &'static str,
    /// One sentence on what it breaks.
    pub help: &'static str,
}

/// A fault as recorded and linked: a kind and an optional numeric argument
/// (e.g. which shard to remove).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fault {
    pub kind: String,
    pub arg: Option<u32>,
}

impl Fault {
    pub fn new(kind: &str) -> Self {
        Fault {
            kind: kind.to_string(),
            arg: None,
        }
    }

    pub fn with_arg(kind: &str, arg: u32) -> Self {
        Fault {
            kind: kind.to_string(),
            arg: Some(arg),
        }
    }

    /// `kind` or `kind:arg` as presets write it; a bad argument leaves it off.
    pub fn from_preset(text: &str) -> Self {
        match text.split_once(':') {
            Some((kind, arg)) => Fault {
                kind: kind.to_string(),
                arg: arg.parse().ok(),
            },
            None => Fault::new(text),
        }
    }
}

/// A fault injected at a step: it applies after that step, consumes no step and is
/// visible at that step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FaultAt {
    pub step: u64,
    pub fault: Fault,
}

/// Sorts faults by step, keeping the injection order of faults at the same step. Not
/// generic on purpose: every `Timeline<S>` and link decoder calls this one copy.
#[inline(never)]
pub fn sort_by_step(faults: &mut [FaultAt]) {
    faults.sort_by_key(|f| f.step);
}
