//! The controller every simulation page uses: it owns a [`Timeline`] and turns user actions
//! (step, seek, play, parameters, seed, faults, presets) into timeline calls, keeps the URL
//! in step with the state, and runs the frame loop (play, chunked rebuilds, background
//! checkpoint building) within a per-frame time budget. No pattern logic lives here.

use std::any::Any;
use std::marker::PhantomData;

use leptos::prelude::*;
use pipelab_core::link::{self, LinkState};
use pipelab_core::sim::timeline::InjectOutcome;
use pipelab_core::sim::{Fault, FaultAt, NarrationLine, Params, Scenario, Timeline};

use crate::browser;

/// Named speeds in steps per second; `max` runs as many steps as fit in the frame budget.
pub const SPEEDS: &[(&str, &str, f64)] = &[
    ("1", "1 step/s", 1.0),
    ("5", "5 steps/s", 5.0),
    ("20", "20 steps/s", 20.0),
    ("60", "60 steps/s", 60.0),
    ("250", "250 steps/s", 250.0),
    ("max", "max", f64::INFINITY),
];
pub const DEFAULT_SPEED: usize = 2;
/// Main-thread time one frame may spend stepping (well under the 50 ms long-task line).
pub const FRAME_BUDGET_MS: f64 = 8.0;
/// Stepping time of the first frame of play; each next frame adds as much, up to the budget.
const PLAY_RAMP_MS: f64 = 2.0;
/// Background checkpoint building right after a seek-bar input gets only this much of a
/// frame, so the render of the next input is not queued behind it.
const IDLE_BUDGET_AFTER_INPUT_MS: f64 = 2.0;
/// How long after a seek input the background build stays on the small budget.
const INPUT_QUIET_MS: f64 = 300.0;
/// During play the URL is rewritten at most this often.
const URL_WRITE_INTERVAL_MS: f64 = 500.0;
/// "Next notable event" looks this far ahead at most in one click.
pub const NOTABLE_SCAN_STEPS: u64 = 200_000;

/// The scenario-typed half of a run, behind a trait object so the controller below is
/// compiled once for every page (it was one copy per simulation type, ~13 KB of wasm each).
pub trait Run: Send + Sync + 'static {
    fn as_any(&self) -> &dyn Any;
    fn step(&self) -> u64;
    fn total(&self) -> u64;
    fn interval(&self) -> u64;
    fn built_until(&self) -> u64;
    fn is_built(&self) -> bool;
    fn step_forward(&mut self) -> bool;
    fn step_back(&mut self) -> bool;
    fn seek(&mut self, n: u64);
    fn build(&mut self, max_steps: u64) -> bool;
    fn seek_next_notable(&mut self, max_steps: u64) -> bool;
    fn narrations(&mut self, from: u64, to: u64) -> Vec<NarrationLine>;
    fn narrate(&self) -> String;
    fn faults(&self) -> Vec<FaultAt>;
    fn rejected_faults(&self) -> Vec<(u64, Fault, String)>;
    fn inject(&mut self, fault: Fault) -> Result<InjectOutcome, String>;
    fn remove_fault(&mut self, index: usize);
    /// `(field, value)` of every parameter in form order.
    fn param_values(&self) -> Vec<(String, String)>;
    /// Sets a parameter (or pitfall toggle) from text: `Ok(true)` if its value changed.
    fn set_param(&mut self, field: &str, value: &str) -> Result<bool, String>;
    /// A fresh timeline for the current parameters and `seed`, keeping the faults.
    fn rebuild(&mut self, seed: u64);
    /// Loads preset `name` (parameters, seed, faults): `(seed, step, description, the
    /// pitfalls it switches on)`.
    fn load_preset(&mut self, name: &str) -> Option<(u64, u64, &'static str, Vec<String>)>;
    /// Default parameters, no faults.
    fn reset(&mut self, seed: u64);
    /// The query string for the current state (with the tour slide, if one is open).
    fn query(&self, seed: u64, pitfalls: &[String], tour: Option<u32>) -> String;
    /// Loads the state a link's query holds (a tour slide): `(seed, step, pitfalls)`, or
    /// why not (keys its page does not know: content and page disagree).
    fn load_query(&mut self, query: &str) -> Result<(u64, u64, Vec<String>), String>;
}

/// A [`Run`] of scenario `S`: its parameters and its timeline.
struct TypedRun<S: Scenario> {
    params: S::Params,
    tl: Timeline<S>,
}

impl<S> Run for TypedRun<S>
where
    S: Scenario + Send + Sync + 'static,
    S::Params: Send + Sync + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn step(&self) -> u64 {
        self.tl.step()
    }
    fn total(&self) -> u64 {
        self.tl.total()
    }
    fn interval(&self) -> u64 {
        self.tl.interval()
    }
    fn built_until(&self) -> u64 {
        self.tl.built_until()
    }
    fn is_built(&self) -> bool {
        self.tl.is_built()
    }
    fn step_forward(&mut self) -> bool {
        self.tl.step_forward()
    }
    fn step_back(&mut self) -> bool {
        self.tl.step_back()
    }
    fn seek(&mut self, n: u64) {
        self.tl.seek(n)
    }
    fn build(&mut self, max_steps: u64) -> bool {
        self.tl.build(max_steps)
    }
    fn seek_next_notable(&mut self, max_steps: u64) -> bool {
        self.tl.seek_next_notable(max_steps)
    }
    fn narrations(&mut self, from: u64, to: u64) -> Vec<NarrationLine> {
        self.tl.narrations(from, to)
    }
    fn narrate(&self) -> String {
        self.tl.current().narrate()
    }
    fn faults(&self) -> Vec<FaultAt> {
        self.tl.faults().to_vec()
    }
    fn rejected_faults(&self) -> Vec<(u64, Fault, String)> {
        self.tl.rejected_faults()
    }
    fn inject(&mut self, fault: Fault) -> Result<InjectOutcome, String> {
        self.tl.inject(fault)
    }
    fn remove_fault(&mut self, index: usize) {
        self.tl.remove_fault(index);
    }
    fn param_values(&self) -> Vec<(String, String)> {
        S::Params::specs()
            .iter()
            .filter_map(|s| self.params.get(s.name).map(|v| (s.name.to_string(), v)))
            .collect()
    }
    fn set_param(&mut self, field: &str, value: &str) -> Result<bool, String> {
        let mut next = self.params.clone();
        next.set(field, value).map_err(|e| e.message)?;
        let changed = next != self.params;
        self.params = next;
        Ok(changed)
    }
    fn rebuild(&mut self, seed: u64) {
        let faults = self.tl.faults().to_vec();
        self.tl = build_timeline::<S>(&self.params, seed, faults);
    }
    fn load_preset(&mut self, name: &str) -> Option<(u64, u64, &'static str, Vec<String>)> {
        let preset = S::presets().iter().find(|p| p.name == name)?;
        let state = preset.link_state::<S::Params>();
        self.tl = build_timeline::<S>(&state.params, state.seed, state.faults);
        self.params = state.params;
        Some((state.seed, state.step, preset.description, state.pitfalls))
    }
    fn reset(&mut self, seed: u64) {
        self.params = S::Params::default();
        self.tl = build_timeline::<S>(&self.params, seed, Vec::new());
    }
    fn query(&self, seed: u64, pitfalls: &[String], tour: Option<u32>) -> String {
        link::encode(&LinkState {
            seed,
            step: self.tl.step(),
            params: self.params.clone(),
            faults: self.tl.faults().to_vec(),
            pitfalls: pitfalls.to_vec(),
            tour,
        })
    }
    fn load_query(&mut self, query: &str) -> Result<(u64, u64, Vec<String>), String> {
        let d = link::decode::<S::Params>(query, S::fault_specs());
        if let Some(v) = d.unknown_version {
            return Err(format!("unknown link version {v}"));
        }
        if let Some(i) = d.ignored.first() {
            return Err(format!("{} ({})", i.key, i.reason));
        }
        let state = d.state;
        self.tl = build_timeline::<S>(&state.params, state.seed, state.faults);
        self.params = state.params;
        Ok((state.seed, state.step, state.pitfalls))
    }
}

/// The controller, not generic: owns the run, maps actions to it, writes the URL and runs
/// the frame loop. `Copy`: every field is an arena handle.
#[derive(Clone, Copy)]
pub struct SimCore {
    run: StoredValue<Box<dyn Run>>,
    /// Bumped on every change to the run; reads through [`Sim::with`] track it.
    rev: RwSignal<u64>,
    /// Bumped when the parameters change.
    params_rev: RwSignal<u64>,
    pub seed: RwSignal<u64>,
    pub pitfalls: RwSignal<Vec<String>>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<usize>,
    /// A seek waiting for checkpoints to be built (long runs), shown as progress.
    pub pending: RwSignal<Option<u64>>,
    /// Fraction of the run covered by checkpoints, updated while a pending seek builds (a
    /// signal of its own so progress does not re-render the whole page every frame).
    build_progress: RwSignal<f64>,
    /// A one-line message about the last action (a discarded future, a rejected fault).
    pub notice: RwSignal<Option<String>>,
    /// What the URL held that was ignored.
    pub url_error: RwSignal<Option<String>>,
    /// Invalid values typed into parameter inputs: `(field, (text, message))`.
    pub param_errors: RwSignal<Vec<(String, (String, String))>>,
    /// The guided tour's open slide (1-based, as in the URL's `tour=`).
    pub tour: RwSignal<Option<u32>>,
    /// The page was opened by a link holding only `tour` (and `v`): the slide's state is
    /// to be loaded (read before the first URL write replaces the query).
    pub tour_link_bare: bool,
    frame: StoredValue<FrameState>,
}

/// Handle to one page's simulation of scenario `S`: the [`SimCore`] plus typed access to
/// the timeline and parameters for the page's own views. `Copy`.
pub struct Sim<S> {
    core: SimCore,
    _scenario: PhantomData<fn() -> S>,
}

impl<S> Clone for Sim<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Sim<S> {}

impl<S> std::ops::Deref for Sim<S> {
    type Target = SimCore;
    fn deref(&self) -> &SimCore {
        &self.core
    }
}

#[derive(Default)]
struct FrameState {
    running: bool,
    last_frame_ms: f64,
    carry_steps: f64,
    /// Frames played since play started (the stepping budget ramps up over the first few).
    play_frames: u32,
    last_url_write_ms: f64,
    /// A throttled URL write is scheduled.
    url_write_scheduled: bool,
    /// When the last seek input arrived (for the background build's budget).
    last_input_ms: f64,
}

fn build_timeline<S: Scenario>(params: &S::Params, seed: u64, faults: Vec<FaultAt>) -> Timeline<S> {
    let scenario = match S::new(params, seed) {
        Ok(s) => s,
        // Params were validated field by field; if the whole set is still rejected, fall
        // back to defaults rather than leave the page without a run.
        Err(_) => match S::new(&S::Params::default(), seed) {
            Ok(s) => s,
            Err(_) => unreachable!("default parameters are valid"), // ok: defaults are tested valid for every pattern
        },
    };
    Timeline::new(scenario, faults)
}

impl<S> Sim<S>
where
    S: Scenario + Send + Sync + 'static,
    S::Params: Send + Sync + 'static,
{
    /// A simulation initialised from the page's URL (invalid keys fall back one by one).
    pub fn from_url() -> Self {
        let search = browser::location_search();
        let tour_link_bare = search
            .trim_start_matches('?')
            .split('&')
            .filter(|kv| !kv.is_empty())
            .all(|kv| kv.starts_with("v=") || kv.starts_with("tour="));
        let decoded = link::decode::<S::Params>(&search, S::fault_specs());
        let url_error = if let Some(v) = &decoded.unknown_version {
            Some(format!(
                "This link has an unknown version (v={v}); it was opened with the default scenario."
            ))
        } else if decoded.ignored.is_empty() {
            None
        } else {
            let parts: Vec<String> = decoded
                .ignored
                .iter()
                .map(|i| format!("{} ({})", i.key, i.reason))
                .collect();
            Some(format!(
                "Some settings in the link were invalid and were ignored: {}.",
                parts.join("; ")
            ))
        };
        let state = decoded.state;
        let tl = build_timeline::<S>(&state.params, state.seed, state.faults.clone());
        let run = TypedRun {
            params: state.params,
            tl,
        };
        Sim {
            core: SimCore::new(
                Box::new(run),
                state.seed,
                state.pitfalls,
                url_error,
                state.step,
                state.tour,
                tour_link_bare,
            ),
            _scenario: PhantomData,
        }
    }

    fn typed<R>(run: &dyn Run, f: impl FnOnce(&TypedRun<S>) -> R) -> R {
        match run.as_any().downcast_ref::<TypedRun<S>>() {
            Some(t) => f(t),
            None => unreachable!("a Sim<S> always holds a TypedRun<S>"), // ok: built only in from_url
        }
    }

    /// Reads the timeline, tracking changes.
    pub fn with<R>(&self, f: impl FnOnce(&Timeline<S>) -> R) -> R {
        self.core.rev.track();
        self.core
            .run
            .with_value(|r| Self::typed(r.as_ref(), |t| f(&t.tl)))
    }

    /// Reads the timeline without subscribing (event handlers, on-demand what-ifs).
    pub fn with_untracked<R>(&self, f: impl FnOnce(&Timeline<S>) -> R) -> Option<R> {
        self.core
            .run
            .try_with_value(|r| Self::typed(r.as_ref(), |t| f(&t.tl)))
    }

    /// The answer of a "predict, then step" question: steps a copy of the current state
    /// once and lets `judge` say which choice is right and why (at the end of the run it
    /// asks the learner to step back instead).
    pub fn predict_next(
        self,
        judge: impl Fn(&S) -> (usize, String) + Send + Sync + 'static,
    ) -> Callback<(), (usize, String)> {
        Callback::new(move |()| {
            self.with_untracked(|t| {
                if t.step() >= t.total() {
                    return (0, "The run is over: step back and ask again.".to_string());
                }
                let mut s = t.current().clone();
                s.step();
                judge(&s)
            })
            .unwrap_or((0, String::new()))
        })
    }

    /// Reads the parameters, tracking changes to them.
    pub fn params_with<R>(&self, f: impl FnOnce(&S::Params) -> R) -> R {
        self.core.params_rev.track();
        self.core
            .run
            .with_value(|r| Self::typed(r.as_ref(), |t| f(&t.params)))
    }
}

impl SimCore {
    fn new(
        run: Box<dyn Run>,
        seed: u64,
        pitfalls: Vec<String>,
        url_error: Option<String>,
        step: u64,
        tour: Option<u32>,
        tour_link_bare: bool,
    ) -> Self {
        let sim = SimCore {
            run: StoredValue::new(run),
            rev: RwSignal::new(0),
            params_rev: RwSignal::new(0),
            seed: RwSignal::new(seed),
            pitfalls: RwSignal::new(pitfalls),
            playing: RwSignal::new(false),
            speed: RwSignal::new(DEFAULT_SPEED),
            pending: RwSignal::new(None),
            build_progress: RwSignal::new(0.0),
            notice: RwSignal::new(None),
            url_error: RwSignal::new(url_error),
            param_errors: RwSignal::new(Vec::new()),
            tour: RwSignal::new(tour),
            tour_link_bare,
            frame: StoredValue::new(FrameState::default()),
        };
        sim.go_to(step);
        sim.ensure_loop();
        sim
    }

    /// Reads the run, tracking changes.
    fn with<R>(&self, f: impl FnOnce(&dyn Run) -> R) -> R {
        self.rev.track();
        self.run.with_value(|r| f(r.as_ref()))
    }

    /// Changes the run and notifies readers; `None` if the page is already gone.
    fn mutate<R>(&self, f: impl FnOnce(&mut dyn Run) -> R) -> Option<R> {
        let out = self.run.try_update_value(|r| f(r.as_mut()));
        if out.is_some() {
            self.rev.update(|r| *r += 1);
        }
        out
    }

    /// `(field, value)` of every parameter, tracking parameter changes.
    pub fn param_values(&self) -> Vec<(String, String)> {
        self.params_rev.track();
        self.run.with_value(|r| r.param_values())
    }

    /// The current step's narration, tracking changes.
    pub fn narrate(&self) -> String {
        self.with(|t| t.narrate())
    }

    pub fn step(&self) -> u64 {
        self.with(|t| t.step())
    }

    pub fn total(&self) -> u64 {
        self.with(|t| t.total())
    }

    pub fn faults(&self) -> Vec<FaultAt> {
        self.with(|t| t.faults())
    }

    pub fn rejected_faults(&self) -> Vec<(u64, Fault, String)> {
        self.with(|t| t.rejected_faults())
    }

    /// Fraction of the run covered by checkpoints (for the progress hint of a pending seek).
    pub fn built_fraction(&self) -> f64 {
        self.build_progress.get()
    }

    // ---- transport -------------------------------------------------------------------

    pub fn step_forward(&self) {
        self.playing.set(false);
        self.pending.set(None);
        self.mutate(|t| t.step_forward());
        self.write_url(true);
    }

    pub fn step_back(&self) {
        self.playing.set(false);
        self.pending.set(None);
        self.mutate(|t| t.step_back());
        self.write_url(true);
    }

    pub fn to_start(&self) {
        self.playing.set(false);
        self.go_to(0);
    }

    pub fn to_end(&self) {
        self.playing.set(false);
        let total = self.run.with_value(|t| t.total());
        self.go_to(total);
    }

    /// Seeks to `n` (clamped): at once if checkpoints cover it, else in chunks over frames.
    /// The URL follows at once.
    pub fn go_to(&self, n: u64) {
        self.go_to_inner(n, true);
    }

    /// A seek-bar drag: like [`Self::go_to`] but the URL is written shortly after the input,
    /// at most twice a second, never inside it (each `replaceState` costs milliseconds and
    /// browsers throttle them).
    pub fn scrub_to(&self, n: u64) {
        self.go_to_inner(n, false);
    }

    fn go_to_inner(&self, n: u64, url_now: bool) {
        self.frame
            .update_value(|f| f.last_input_ms = browser::now_ms());
        let (total, near) = self.run.with_value(|t| {
            let n = n.min(t.total());
            let near = n <= t.built_until() + t.interval()
                || (n >= t.step() && n - t.step() <= 2 * t.interval());
            (t.total(), near)
        });
        let n = n.min(total);
        if near {
            self.pending.set(None);
            self.mutate(|t| t.seek(n));
            if url_now {
                self.write_url(true);
            } else {
                self.schedule_url_write();
            }
        } else {
            self.pending.set(Some(n));
            self.ensure_loop();
        }
    }

    pub fn toggle_play(&self) {
        if self.playing.get_untracked() {
            self.playing.set(false);
            self.write_url(true);
        } else {
            let at_end = self.run.with_value(|t| t.step() >= t.total());
            if at_end {
                self.go_to(0);
            }
            self.pending.set(None);
            self.frame.update_value(|f| {
                f.last_frame_ms = browser::now_ms();
                f.carry_steps = 0.0;
                f.play_frames = 0;
            });
            self.playing.set(true);
            self.ensure_loop();
        }
    }

    pub fn faster(&self) {
        self.speed.update(|s| *s = (*s + 1).min(SPEEDS.len() - 1));
    }

    pub fn slower(&self) {
        self.speed.update(|s| *s = s.saturating_sub(1));
    }

    /// Steps forward to the next notable step (or as far as the scan limit allows).
    pub fn next_notable(&self) {
        self.playing.set(false);
        let found = self
            .mutate(|t| t.seek_next_notable(NOTABLE_SCAN_STEPS))
            .unwrap_or(true);
        if !found {
            let at_end = self.run.with_value(|t| t.step() >= t.total());
            self.notice.set(Some(if at_end {
                "No notable event between there and the end of the run.".to_string()
            } else {
                format!(
                    "No notable event in the next {} steps; stopped there.",
                    pipelab_core::format::count(NOTABLE_SCAN_STEPS)
                )
            }));
        } else {
            self.notice.set(None);
        }
        self.write_url(true);
    }

    /// `(step, sentence, notable)` for steps `from..=to`; does not move the current step.
    pub fn narrations(&self, from: u64, to: u64) -> Vec<NarrationLine> {
        self.rev.track();
        self.run
            .try_update_value(|t| t.narrations(from, to))
            .unwrap_or_default()
    }

    // ---- scenario --------------------------------------------------------------------

    fn rebuild(&self) {
        let seed = self.seed.get_untracked();
        // Where the user is headed: a seek still building (an earlier rebuild's, or a
        // deep link's) has not moved the step yet, and must not be dropped for step 0.
        let step = self
            .pending
            .get_untracked()
            .unwrap_or_else(|| self.run.with_value(|t| t.step()));
        self.run.update_value(|r| r.rebuild(seed));
        self.rev.update(|r| *r += 1);
        self.go_to(step);
        self.ensure_loop();
    }

    /// Sets one parameter from text; an invalid value is kept in the form with its message.
    pub fn set_param(&self, field: &str, value: &str) {
        match self.run.try_update_value(|r| r.set_param(field, value)) {
            Some(Ok(changed)) => {
                self.param_errors.update(|e| e.retain(|(f, _)| f != field));
                if changed {
                    self.params_rev.update(|r| *r += 1);
                    self.rebuild();
                }
            }
            Some(Err(message)) => self.param_errors.update(|errs| {
                errs.retain(|(f, _)| f != field);
                errs.push((field.to_string(), (value.to_string(), message)));
            }),
            None => {}
        }
    }

    /// Applies a seed typed by the user (a decimal u64).
    pub fn set_seed_text(&self, text: &str) -> Result<(), String> {
        match text.trim().parse::<u64>() {
            Ok(seed) => {
                self.seed.set(seed);
                self.rebuild();
                Ok(())
            }
            Err(_) => Err(format!(
                "“{}” is not a seed: use a whole number from 0 to 18446744073709551615",
                pipelab_core::sim::params::shorten(text)
            )),
        }
    }

    pub fn random_seed(&self) {
        let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        self.seed.set((hi << 32) | lo);
        self.rebuild();
    }

    pub fn set_pitfall(&self, name: &str, on: bool) {
        let value = if on { "on" } else { "off" };
        if let Some(Ok(true)) = self.run.try_update_value(|r| r.set_param(name, value)) {
            self.params_rev.update(|r| *r += 1);
        }
        self.pitfalls.update(|p| {
            p.retain(|x| x != name);
            if on {
                link::insert_pitfall(p, name);
            }
        });
        self.rebuild();
    }

    /// Injects a fault at the current step.
    pub fn inject(&self, kind: &str) {
        self.inject_fault(Fault::new(kind));
    }

    /// Injects `fault` (with its argument, e.g. which shard) at the current step.
    pub fn inject_fault(&self, fault: Fault) {
        self.playing.set(false);
        match self
            .mutate(|t| t.inject(fault))
            .unwrap_or(Err("the page was closed".into()))
        {
            Ok(outcome) if outcome.dropped_later_faults > 0 => self.notice.set(Some(format!(
                "Injected here; {} fault{} recorded later in the run {} discarded (injecting forks the replay).",
                outcome.dropped_later_faults,
                if outcome.dropped_later_faults == 1 { "" } else { "s" },
                if outcome.dropped_later_faults == 1 { "was" } else { "were" }
            ))),
            Ok(_) => self.notice.set(None),
            Err(why) => self.notice.set(Some(format!("Cannot inject that fault here: {why}."))),
        }
        self.write_url(true);
    }

    pub fn remove_fault(&self, index: usize) {
        self.mutate(|t| t.remove_fault(index));
        self.write_url(true);
    }

    /// Loads a named preset: its seed, parameters, faults and starting step.
    pub fn apply_preset(&self, name: &str) {
        let Some(Some((seed, step, description, pitfalls))) =
            self.run.try_update_value(|r| r.load_preset(name))
        else {
            return;
        };
        self.playing.set(false);
        self.param_errors.set(Vec::new());
        self.seed.set(seed);
        // The preset's pitfalls are ticked, and so in the link.
        self.pitfalls.set(pitfalls);
        self.params_rev.update(|r| *r += 1);
        self.rev.update(|r| *r += 1);
        self.notice.set(Some(description.to_string()));
        self.go_to(step);
        self.ensure_loop();
    }

    /// Back to the default scenario at step 0.
    pub fn reset(&self) {
        self.playing.set(false);
        self.param_errors.set(Vec::new());
        self.seed.set(link::DEFAULT_SEED);
        self.pitfalls.set(Vec::new());
        self.notice.set(None);
        self.run.update_value(|r| r.reset(link::DEFAULT_SEED));
        self.params_rev.update(|r| *r += 1);
        self.rev.update(|r| *r += 1);
        self.pending.set(None);
        self.write_url(true);
        self.ensure_loop();
    }

    // ---- URL -------------------------------------------------------------------------

    /// The query string for the current state (through the one encoder).
    pub fn query(&self) -> String {
        let seed = self.seed.get_untracked();
        let tour = self.tour.get_untracked();
        self.pitfalls
            .with_untracked(|p| self.run.with_value(|r| r.query(seed, p, tour)))
    }

    /// Loads the state of a link's query (a tour slide) and lands on its step.
    pub fn load_query(&self, query: &str) -> Result<(), String> {
        let Some(loaded) = self.run.try_update_value(|r| r.load_query(query)) else {
            return Ok(());
        };
        let (seed, step, pitfalls) = loaded?;
        self.playing.set(false);
        self.param_errors.set(Vec::new());
        self.pending.set(None);
        self.seed.set(seed);
        self.pitfalls.set(pitfalls);
        self.params_rev.update(|r| *r += 1);
        self.rev.update(|r| *r += 1);
        self.go_to(step);
        self.write_url(true);
        self.ensure_loop();
        Ok(())
    }

    /// Opens the tour at `slide` (1-based) or closes it (`None`), and says so in the URL.
    pub fn set_tour(&self, slide: Option<u32>) {
        self.tour.set(slide);
        self.write_url(true);
    }

    /// A full link to the current state.
    pub fn link(&self) -> String {
        let href = browser::location_href();
        let base = href.split('?').next().unwrap_or_default().to_string();
        format!("{base}?{}", self.query())
    }

    fn write_url(&self, force: bool) {
        let now = browser::now_ms();
        let due = self
            .frame
            .try_with_value(|f| force || now - f.last_url_write_ms >= URL_WRITE_INTERVAL_MS)
            .unwrap_or(false);
        if due {
            browser::replace_query(&self.query());
            self.frame.update_value(|f| f.last_url_write_ms = now);
        } else {
            self.schedule_url_write();
        }
    }

    /// Makes sure the current state reaches the URL within [`URL_WRITE_INTERVAL_MS`] without
    /// writing it now (throttled play, seek-bar drags: `replaceState` costs milliseconds).
    fn schedule_url_write(&self) {
        let scheduled = self
            .frame
            .try_update_value(|f| std::mem::replace(&mut f.url_write_scheduled, true))
            .unwrap_or(true);
        if !scheduled {
            let sim = *self;
            set_timeout(
                move || {
                    if sim
                        .frame
                        .try_update_value(|f| f.url_write_scheduled = false)
                        .is_some()
                    {
                        sim.write_url(true);
                    }
                },
                std::time::Duration::from_millis(URL_WRITE_INTERVAL_MS as u64),
            );
        }
    }

    // ---- frame loop ------------------------------------------------------------------

    fn ensure_loop(&self) {
        let already = self.frame.try_with_value(|f| f.running).unwrap_or(true);
        if !already {
            self.frame.update_value(|f| f.running = true);
            let sim = *self;
            request_animation_frame(move || sim.frame());
        }
    }

    /// One frame of work; schedules the next while there is work left.
    fn frame(self) {
        // The page may have been left: its arena values are gone, so stop quietly.
        let Some(playing) = self.playing.try_get_untracked() else {
            return;
        };
        let start = browser::now_ms();
        let mut deadline = start + FRAME_BUDGET_MS;
        let mut more = false;
        if playing {
            let rate = SPEEDS[self.speed.get_untracked().min(SPEEDS.len() - 1)].2;
            let due = self
                .frame
                .try_update_value(|f| {
                    let dt = (start - f.last_frame_ms).clamp(0.0, 250.0);
                    f.last_frame_ms = start;
                    // The first frames after pressing play also re-render the controls
                    // and run code for the first time: step for 2, 4, 6 ms, then the budget.
                    f.play_frames = f.play_frames.saturating_add(1);
                    deadline = start + FRAME_BUDGET_MS.min(PLAY_RAMP_MS * f.play_frames as f64);
                    if rate.is_finite() {
                        let d = f.carry_steps + dt * rate / 1000.0;
                        let n = d.floor();
                        f.carry_steps = d - n;
                        n as u64
                    } else {
                        u64::MAX
                    }
                })
                .unwrap_or(0);
            let ended = self.mutate(|t| {
                let mut done = 0u64;
                while done < due {
                    if !t.step_forward() {
                        return true;
                    }
                    done += 1;
                    if done.is_multiple_of(64) && browser::now_ms() >= deadline {
                        break;
                    }
                }
                t.step() >= t.total()
            });
            if ended == Some(true) {
                self.playing.set(false);
                self.write_url(true);
            } else {
                self.write_url(false);
                more = true;
            }
        } else if let Some(target) = self.pending.get_untracked() {
            let covered = self.run.try_update_value(|t| {
                while t.built_until() + t.interval() <= target && !t.is_built() {
                    t.build(2048);
                    if browser::now_ms() >= deadline {
                        break;
                    }
                }
                t.built_until() + t.interval() > target || t.is_built()
            });
            if covered == Some(true) {
                self.pending.set(None);
                self.mutate(|t| t.seek(target));
                self.write_url(true);
            } else if let Some(f) = self.run.try_with_value(|t| {
                if t.total() == 0 {
                    1.0
                } else {
                    t.built_until() as f64 / t.total() as f64
                }
            }) {
                self.build_progress.set(f);
            }
            more = true;
        } else {
            // Idle: build checkpoints ahead so scrubbing is instant later, yielding most of
            // the frame to rendering while the user is dragging.
            let recent = self
                .frame
                .try_with_value(|f| start - f.last_input_ms < INPUT_QUIET_MS)
                .unwrap_or(false);
            let deadline = if recent {
                start + IDLE_BUDGET_AFTER_INPUT_MS
            } else {
                deadline
            };
            let built = self.run.try_update_value(|t| {
                while !t.is_built() && browser::now_ms() < deadline {
                    t.build(2048);
                }
                t.is_built()
            });
            more = built == Some(false);
        }
        if more {
            request_animation_frame(move || self.frame());
        } else {
            self.frame.update_value(|f| f.running = false);
        }
    }
}

/// How many rows one slice of a [`sliced`] check reads: about 20 ms of an oracle's pass
/// on this machine, so the page stays under the 50 ms a task may take.
pub const SLICE_ROWS: u64 = 40_000;

/// One [`sliced`] check: how many rows a key has, its starting answer, and one slice's work.
struct SliceJob<K, A> {
    rows: Box<dyn Fn(&K) -> u64>,
    start: Box<dyn Fn(&K) -> A>,
    work: Box<SliceWork<K, A>>,
}

/// One slice's work: rows `lo..hi` of a key taken into the answer.
type SliceWork<K, A> = dyn Fn(&K, &mut A, std::ops::Range<u64>);

/// A check too dear for one task — an oracle's pass over every row of a long run — run in
/// slices of [`SLICE_ROWS`] rows, one timer task each, once `settled` holds a key. The answer
/// (with the key it is for) appears when every row is done; a new key abandons the slices
/// in flight. `start(key)` is the answer before any row; `work(key, answer, lo..hi)` takes
/// rows `lo..hi` into it, in order, so the answer equals one pass over `0..rows(key)`.
pub fn sliced<K, A>(
    settled: RwSignal<Option<K>>,
    rows: impl Fn(&K) -> u64 + 'static,
    start: impl Fn(&K) -> A + 'static,
    work: impl Fn(&K, &mut A, std::ops::Range<u64>) + 'static,
) -> RwSignal<Option<(K, A)>>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    A: Send + Sync + 'static,
{
    let out = RwSignal::new(None::<(K, A)>);
    let job = std::rc::Rc::new(SliceJob {
        rows: Box::new(rows),
        start: Box::new(start),
        work: Box::new(work),
    });
    Effect::new(move |_| {
        let Some(k) = settled.get() else {
            return;
        };
        let n = (job.rows)(&k);
        let answer = (job.start)(&k);
        next_slice(job.clone(), settled, out, k, 0, n, answer);
    });
    out
}

fn next_slice<K, A>(
    job: std::rc::Rc<SliceJob<K, A>>,
    settled: RwSignal<Option<K>>,
    out: RwSignal<Option<(K, A)>>,
    key: K,
    done: u64,
    rows: u64,
    mut answer: A,
) where
    K: Clone + PartialEq + Send + Sync + 'static,
    A: Send + Sync + 'static,
{
    set_timeout(
        move || {
            if settled.try_get_untracked().flatten().as_ref() != Some(&key) {
                return;
            }
            let end = done.saturating_add(SLICE_ROWS).min(rows);
            (job.work)(&key, &mut answer, done..end);
            if end < rows {
                next_slice(job, settled, out, key, end, rows, answer);
            } else {
                let _ = out.try_set(Some((key, answer)));
            }
        },
        std::time::Duration::ZERO,
    );
}

/// `key`'s value once the page has been still — not playing, `key` unchanged — for 300 ms
/// (`None` before that). Checks too dear for every frame, such as an oracle's full scan,
/// run on it instead of on `key`; a reader compares it with `key` to know it is current.
pub fn settled<K>(key: Memo<K>, playing: RwSignal<bool>) -> RwSignal<Option<K>>
where
    K: Clone + PartialEq + Send + Sync + 'static,
{
    let out = RwSignal::new(None::<K>);
    Effect::new(move |_| {
        let k = key.get();
        if playing.get() {
            return;
        }
        set_timeout(
            move || {
                if key.try_get_untracked().as_ref() == Some(&k) {
                    let _ = out.try_set(Some(k));
                }
            },
            std::time::Duration::from_millis(300),
        );
    });
    out
}
