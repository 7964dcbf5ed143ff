//! The `Timeline` owns one run of a [`Scenario`]: checkpoints every `interval` steps and the
//! faults recorded at their steps. Stepping back and seeking restore the nearest checkpoint
//! at or before the target and replay, so they are exact and cost at most one interval of
//! replay once the run has been built.

use super::{Fault, FaultAt, Scenario};

/// How many checkpoints a fully built run keeps at most (the interval grows with the run).
pub const MAX_CHECKPOINTS: u64 = 1024;
/// The smallest checkpoint interval, for short runs.
pub const MIN_INTERVAL: u64 = 64;

/// `(step, sentence, notable)`: one line of the narration log.
pub type NarrationLine = (u64, String, bool);

/// What injecting a fault did to the recorded future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InjectOutcome {
    /// Faults recorded after the current step that were discarded (a fork of the replay).
    pub dropped_later_faults: usize,
}

/// A run with exact time travel. See the module docs.
#[derive(Clone)]
pub struct Timeline<S: Scenario> {
    base: S,
    total: u64,
    tape: Tape<S>,
    current: S,
    step: u64,
    /// A scratch state extending the checkpoints in the background (see [`Self::build`]).
    builder: Option<(S, u64)>,
    replayed_steps: u64,
}

/// The recorded part of a run: checkpoints and faults. Kept apart from the current state so
/// stepping can borrow both mutably without cloning the state.
#[derive(Clone)]
struct Tape<S> {
    interval: u64,
    /// `checkpoints[i]` is the state at step `i * interval` with that step's faults applied.
    /// Invariant: contiguous from 0 and `checkpoints.len() > step / interval`.
    checkpoints: Vec<S>,
    /// Sorted by step; faults at the same step keep their insertion order.
    faults: Vec<FaultAt>,
    /// Recorded faults that could not apply in the current configuration, with the reason.
    rejected: Vec<(u64, Fault, String)>,
}

impl<S: Scenario> Tape<S> {
    fn apply_faults_at(&mut self, state: &mut S, step: u64) {
        let lo = self.faults.partition_point(|f| f.step < step);
        let hi = self.faults.partition_point(|f| f.step <= step);
        for i in lo..hi {
            let fault = self.faults[i].fault.clone();
            let outcome = state.apply(&fault);
            self.rejected
                .retain(|(s, f, _)| !(*s == step && *f == fault));
            if let Err(why) = outcome {
                self.rejected.push((step, fault, why));
                sort_rejected(&mut self.rejected);
            }
        }
    }

    /// Advances `state` (at `at`) by one step, applying faults and recording a checkpoint
    /// when it lands on an interval boundary not yet checkpointed.
    fn advance(&mut self, state: &mut S, at: u64) -> u64 {
        state.step();
        let next = at + 1;
        self.apply_faults_at(state, next);
        if next.is_multiple_of(self.interval)
            && (next / self.interval) as usize == self.checkpoints.len()
        {
            self.checkpoints.push(state.clone());
        }
        next
    }

    /// Index of the checkpoint to restore for `target`.
    fn index_for(&self, target: u64) -> usize {
        ((target / self.interval) as usize).min(self.checkpoints.len() - 1)
    }
}

/// The checkpoint interval of a run of `total` steps keeping at most `max` checkpoints.
fn interval_for(total: u64, max: u64) -> u64 {
    MIN_INTERVAL.max(total.div_ceil(max.max(1)))
}

/// How many checkpoints a fully built run of `total` steps keeps (what a scenario's state
/// costs in memory, times this, is the run's footprint).
pub fn checkpoints_for(total: u64) -> u64 {
    total / interval_for(total, MAX_CHECKPOINTS) + 1
}

impl<S: Scenario> Timeline<S> {
    /// A run starting at step 0 with `faults` recorded (those past the end are dropped).
    pub fn new(scenario: S, mut faults: Vec<FaultAt>) -> Self {
        let total = scenario.total_steps();
        let interval = interval_for(total, S::MAX_CHECKPOINTS);
        faults.retain(|f| f.step <= total);
        super::fault::sort_by_step(&mut faults);
        let mut tl = Timeline {
            base: scenario.clone(),
            total,
            tape: Tape {
                interval,
                checkpoints: Vec::new(),
                faults,
                rejected: Vec::new(),
            },
            current: scenario,
            step: 0,
            builder: None,
            replayed_steps: 0,
        };
        let mut first = tl.base.clone();
        tl.tape.apply_faults_at(&mut first, 0);
        tl.current = first.clone();
        tl.tape.checkpoints.push(first);
        tl
    }

    /// The current step (0 = initial state).
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The last step.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Steps between checkpoints: the most any seek replays once the run is built.
    pub fn interval(&self) -> u64 {
        self.tape.interval
    }

    /// The state at the current step.
    pub fn current(&self) -> &S {
        &self.current
    }

    /// The recorded faults, sorted by step.
    pub fn faults(&self) -> &[FaultAt] {
        &self.tape.faults
    }

    /// Recorded faults that could not be applied (e.g. after a parameter change), with why.
    pub fn rejected_faults(&self) -> Vec<(u64, Fault, String)> {
        self.tape.rejected.clone()
    }

    /// Steps replayed by seeks and step-backs since the last [`Self::reset_replay_count`].
    pub fn replayed_steps(&self) -> u64 {
        self.replayed_steps
    }

    pub fn reset_replay_count(&mut self) {
        self.replayed_steps = 0;
    }

    /// Steps covered by checkpoints so far (seeks up to here are cheap).
    pub fn built_until(&self) -> u64 {
        ((self.tape.checkpoints.len() as u64 - 1) * self.tape.interval).min(self.total)
    }

    /// Whether checkpoints cover the whole run.
    pub fn is_built(&self) -> bool {
        self.built_until() + self.tape.interval > self.total
    }

    /// Approximate number of checkpoints held (for memory reports).
    pub fn checkpoint_count(&self) -> usize {
        self.tape.checkpoints.len()
    }

    /// One step forward; `false` at the end.
    pub fn step_forward(&mut self) -> bool {
        if self.step >= self.total {
            return false;
        }
        self.step = self.tape.advance(&mut self.current, self.step);
        true
    }

    /// One step back (exact replay); `false` at step 0.
    pub fn step_back(&mut self) -> bool {
        if self.step == 0 {
            return false;
        }
        self.seek(self.step - 1);
        true
    }

    /// Moves to step `target` (clamped to the end) exactly.
    pub fn seek(&mut self, target: u64) {
        let target = target.min(self.total);
        if target == self.step {
            return;
        }
        let idx = self.tape.index_for(target);
        let cp_step = idx as u64 * self.tape.interval;
        // Replay from the current state when it lies between the checkpoint and the target.
        if !(self.step >= cp_step && self.step < target) {
            self.current = self.tape.checkpoints[idx].clone();
            self.step = cp_step;
        }
        while self.step < target {
            self.step = self.tape.advance(&mut self.current, self.step);
            self.replayed_steps += 1;
        }
    }

    /// Extends checkpoints toward the end by at most `max_steps` steps of work, without
    /// moving the current step. Returns `true` once the whole run is built. The UI calls this
    /// in small chunks so a long run is prepared without freezing the page.
    pub fn build(&mut self, max_steps: u64) -> bool {
        if self.is_built() {
            self.builder = None;
            return true;
        }
        let (mut state, mut at) = match self.builder.take() {
            Some((s, at)) if at >= self.built_until() => (s, at),
            _ => {
                let last = self.tape.checkpoints.len() - 1;
                (
                    self.tape.checkpoints[last].clone(),
                    last as u64 * self.tape.interval,
                )
            }
        };
        let mut budget = max_steps;
        while budget > 0 && at < self.total && !self.is_built() {
            at = self.tape.advance(&mut state, at);
            budget -= 1;
        }
        let done = self.is_built();
        if !done {
            self.builder = Some((state, at));
        }
        done
    }

    /// Drops checkpoints at or after `step` (they may include changed faults) and restores
    /// the invariant that checkpoint 0 exists.
    fn invalidate_from(&mut self, step: u64) {
        let keep = step.div_ceil(self.tape.interval) as usize;
        self.tape.checkpoints.truncate(keep);
        self.builder = None;
        if self.tape.checkpoints.is_empty() {
            let mut first = self.base.clone();
            self.tape.apply_faults_at(&mut first, 0);
            self.tape.checkpoints.push(first);
        }
    }

    /// Injects `fault` at the current step: it applies now, is visible at this step, and
    /// discards every fault recorded after it. If it cannot apply, nothing changes.
    pub fn inject(&mut self, fault: Fault) -> Result<InjectOutcome, String> {
        let mut next = self.current.clone();
        next.apply(&fault)?;
        let n = self.step;
        let before = self.tape.faults.len();
        self.tape.faults.retain(|f| f.step <= n);
        let dropped_later_faults = before - self.tape.faults.len();
        self.tape.faults.push(FaultAt { step: n, fault });
        self.tape.rejected.retain(|(s, _, _)| *s <= n);
        self.invalidate_from(n);
        if n.is_multiple_of(self.tape.interval)
            && (n / self.tape.interval) as usize == self.tape.checkpoints.len()
        {
            self.tape.checkpoints.push(next.clone());
        } else if n == 0 {
            self.tape.checkpoints[0] = next.clone();
        }
        self.current = next;
        Ok(InjectOutcome {
            dropped_later_faults,
        })
    }

    /// Removes the `index`-th recorded fault and replays to the current step without it.
    pub fn remove_fault(&mut self, index: usize) -> Option<FaultAt> {
        if index >= self.tape.faults.len() {
            return None;
        }
        let removed = self.tape.faults.remove(index);
        self.tape
            .rejected
            .retain(|(s, f, _)| !(*s == removed.step && *f == removed.fault));
        self.invalidate_from(removed.step);
        let target = self.step;
        let idx = self.tape.index_for(target);
        self.current = self.tape.checkpoints[idx].clone();
        self.step = idx as u64 * self.tape.interval;
        self.seek(target);
        Some(removed)
    }

    /// Steps forward until a notable step or the end, at most `max_steps` steps.
    /// Returns `true` if it stopped on a notable step.
    pub fn seek_next_notable(&mut self, max_steps: u64) -> bool {
        let mut budget = max_steps;
        while budget > 0 && self.step_forward() {
            budget -= 1;
            if self.current.is_notable() {
                return true;
            }
        }
        false
    }

    /// `(step, sentence, notable)` for each step in `from..=to` (clamped to the run), computed
    /// on a scratch copy: the current step does not move. Costs at most one interval plus
    /// the range, for steps already covered by checkpoints.
    pub fn narrations(&mut self, from: u64, to: u64) -> Vec<NarrationLine> {
        let to = to.min(self.total);
        if from > to {
            return Vec::new();
        }
        let idx = self.tape.index_for(from);
        let mut at = idx as u64 * self.tape.interval;
        let mut state = self.tape.checkpoints[idx].clone();
        while at < from {
            at = self.tape.advance(&mut state, at);
        }
        let mut out = Vec::with_capacity((to - from + 1) as usize);
        loop {
            out.push((at, state.narrate(), state.is_notable()));
            if at >= to {
                break;
            }
            at = self.tape.advance(&mut state, at);
        }
        out
    }
}

/// Rejected faults in (step, fault) order; one non-generic copy for every `Timeline<S>`.
#[inline(never)]
fn sort_rejected(v: &mut [(u64, Fault, String)]) {
    v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
}
