//! Two designs on the same seed and input, side by side: a [`Compare`] is itself a
//! [`Scenario`], so one [`super::Timeline`] (one transport, exact seek, faults) drives both.
//! A step consumes one input event on each side; a fault applies to both or to neither.
//! A pair supplies only its two sides, how its parameters split, and its diff.

use super::{Fault, FaultSpec, ParamError, Params, Preset, Scenario};

/// Which side of a compare view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    /// The hook and URL prefix (`a`, `b`).
    pub fn prefix(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
        }
    }
}

/// One compare pair: its two scenarios, its parameters and what it diffs.
pub trait Pair: 'static {
    type A: Scenario;
    type B: Scenario;
    /// Shared fields under their own names, per-side fields as `a.<field>` / `b.<field>`.
    type Params: Params;
    /// What the pair keeps up to date step by step to diff cheaply (e.g. counters).
    type Tally: Clone + std::fmt::Debug + Default;
    /// The diff shown in the `diff` hook: plain data.
    type Diff: Clone + std::fmt::Debug + PartialEq;

    /// The page slug (`compare-modn-vs-ring`, whose root hook is `page-compare-modn-vs-ring`).
    const SLUG: &'static str;

    /// Each side's own parameters.
    fn split(
        params: &Self::Params,
    ) -> (<Self::A as Scenario>::Params, <Self::B as Scenario>::Params);

    /// Called after both sides stepped.
    fn after_step(a: &Self::A, b: &Self::B, tally: &mut Self::Tally);

    /// Called after a fault applied to both sides.
    fn after_fault(a: &Self::A, b: &Self::B, tally: &mut Self::Tally);

    /// The diff, given both sides and the views already computed for this frame (so a
    /// view is never built twice).
    fn diff(
        a: &Self::A,
        b: &Self::B,
        views: (&<Self::A as Scenario>::View, &<Self::B as Scenario>::View),
        tally: &Self::Tally,
    ) -> Self::Diff;

    /// One sentence covering both sides.
    fn narrate(a: &Self::A, b: &Self::B) -> String;

    fn presets() -> &'static [Preset];

    fn notable_means() -> &'static str;

    /// The fault buttons: by default side A's (a fault applies to both sides).
    fn fault_specs() -> &'static [FaultSpec] {
        <Self::A as Scenario>::fault_specs()
    }

    /// The fault a side receives for a fault of the page (by default the same one), for
    /// pairs whose sides name the same failure differently.
    fn side_fault(side: Side, fault: &Fault) -> Fault {
        let _ = side;
        fault.clone()
    }
}

/// Both sides and the pair's tally.
pub struct Compare<P: Pair> {
    pub a: P::A,
    pub b: P::B,
    pub tally: P::Tally,
}

impl<P: Pair> Clone for Compare<P> {
    fn clone(&self) -> Self {
        Compare {
            a: self.a.clone(),
            b: self.b.clone(),
            tally: self.tally.clone(),
        }
    }
}

impl<P: Pair> std::fmt::Debug for Compare<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compare")
            .field("tally", &self.tally)
            .finish_non_exhaustive()
    }
}

/// The plain-data view of both sides and their diff.
pub struct CompareView<P: Pair> {
    pub a: <P::A as Scenario>::View,
    pub b: <P::B as Scenario>::View,
    pub diff: P::Diff,
}

impl<P: Pair> std::fmt::Debug for CompareView<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompareView")
            .field("a", &self.a)
            .field("b", &self.b)
            .field("diff", &self.diff)
            .finish()
    }
}

impl<P: Pair> Clone for CompareView<P>
where
    <P::A as Scenario>::View: Clone,
    <P::B as Scenario>::View: Clone,
{
    fn clone(&self) -> Self {
        CompareView {
            a: self.a.clone(),
            b: self.b.clone(),
            diff: self.diff.clone(),
        }
    }
}

impl<P: Pair> PartialEq for CompareView<P>
where
    <P::A as Scenario>::View: PartialEq,
    <P::B as Scenario>::View: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.a == other.a && self.b == other.b && self.diff == other.diff
    }
}

/// Prefixes a side's parameter errors with its side (`a.vnodes: …`).
fn side_errors(side: Side, errors: Vec<ParamError>) -> Vec<ParamError> {
    errors
        .into_iter()
        .map(|e| ParamError {
            field: format!("{}.{}", side.prefix(), e.field),
            message: e.message,
        })
        .collect()
}

impl<P: Pair> Scenario for Compare<P> {
    type Params = P::Params;
    type View = CompareView<P>;
    const SLUG: &'static str = P::SLUG;

    fn new(params: &P::Params, seed: u64) -> Result<Self, Vec<ParamError>> {
        let (pa, pb) = P::split(params);
        let a = P::A::new(&pa, seed);
        let b = P::B::new(&pb, seed);
        match (a, b) {
            (Ok(a), Ok(b)) => Ok(Compare {
                a,
                b,
                tally: P::Tally::default(),
            }),
            (a, b) => {
                let mut errors = a.err().map(|e| side_errors(Side::A, e)).unwrap_or_default();
                errors.extend(b.err().map(|e| side_errors(Side::B, e)).unwrap_or_default());
                Err(errors)
            }
        }
    }

    /// Both sides read the same input; the shorter run bounds the comparison.
    fn total_steps(&self) -> u64 {
        self.a.total_steps().min(self.b.total_steps())
    }

    fn step(&mut self) {
        self.a.step();
        self.b.step();
        P::after_step(&self.a, &self.b, &mut self.tally);
    }

    /// Applies to both sides or to neither: if B refuses, A is put back.
    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let before = self.a.clone();
        self.a
            .apply(&P::side_fault(Side::A, fault))
            .map_err(|e| format!("side A: {e}"))?;
        if let Err(e) = self.b.apply(&P::side_fault(Side::B, fault)) {
            self.a = before;
            return Err(format!("side B: {e}"));
        }
        P::after_fault(&self.a, &self.b, &mut self.tally);
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        P::fault_specs()
    }

    fn presets() -> &'static [Preset] {
        P::presets()
    }

    fn notable_means() -> &'static str {
        P::notable_means()
    }

    fn narrate(&self) -> String {
        P::narrate(&self.a, &self.b)
    }

    fn is_notable(&self) -> bool {
        self.a.is_notable() || self.b.is_notable()
    }

    fn view(&self) -> CompareView<P> {
        let (a, b) = (self.a.view(), self.b.view());
        let diff = P::diff(&self.a, &self.b, (&a, &b), &self.tally);
        CompareView { a, b, diff }
    }
}
