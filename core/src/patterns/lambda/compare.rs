//! /compare/lambda-vs-kappa: the same seed and input through Lambda (side A) and Kappa
//! (side B): how stale the answers readers see are, how many closed windows are right
//! against the final truth, and how much work each does, sampled over simulated time.

use crate::format::{count, duration_ms, percent, time_of_day};
use crate::oracle::streaming::Answer;
use crate::patterns::kappa::{Disposition, Kappa, KappaParams, WindowResult};
use crate::sim::compare::{Pair, Side};
use crate::sim::params::ParamSpec;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Params, Preset, SimTime};
use crate::stream::{load, Agg, Rule};

use super::layers::{window_index, SpeedOutcome};
use super::params::LambdaParams;
use super::scenario::Lambda;

/// The pair.
pub struct LambdaVsKappa;

/// One parameter set per side, with the shared workload and window kept equal.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaVsKappaParams {
    pub lambda: LambdaParams,
    pub kappa: KappaParams,
}

impl Default for LambdaVsKappaParams {
    fn default() -> Self {
        LambdaVsKappaParams {
            lambda: LambdaParams::default(),
            kappa: KappaParams {
                // Both count revenue the corrected way.
                version: Rule::V2,
                ..KappaParams::default()
            },
        }
    }
}

const L: &[ParamSpec] = super::params::SPECS;
const K: &[ParamSpec] = crate::patterns::kappa::params::SPECS;

const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "a.period",
        ..L[0]
    },
    ParamSpec {
        name: "a.batch",
        ..L[1]
    },
    ParamSpec {
        name: "a.retention",
        ..L[3]
    },
    ParamSpec {
        name: "b.delay",
        ..K[4]
    },
    ParamSpec {
        name: "b.checkpoint",
        ..K[7]
    },
    ParamSpec {
        name: "b.catchup",
        ..K[8]
    },
    // Shared: the query's window (Lambda's definition) and the stream's workload.
    L[2],
    load::EVENTS,
    load::USERS,
    load::INTERVAL,
    load::LATE_SHARE,
    load::LATENESS,
    load::DUPS,
];

const SHARED: &[&str] = &[
    "size",
    "events",
    "users",
    "interval",
    "lateshare",
    "lateness",
    "dups",
];

impl Params for LambdaVsKappaParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn get(&self, field: &str) -> Option<String> {
        match field.split_once('.') {
            Some(("a", f)) => self.lambda.get(f),
            Some(("b", f)) => self.kappa.get(f),
            _ if SHARED.contains(&field) => self.lambda.get(field),
            _ => None,
        }
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if Self::spec(field).is_none() {
            return Err(ParamError::new(field, "is not a parameter of this page"));
        }
        let named = |e: ParamError| ParamError::new(field, e.message);
        match field.split_once('.') {
            Some(("a", f)) => self.lambda.set(f, value).map_err(named),
            Some(("b", f)) => self.kappa.set(f, value).map_err(named),
            _ => {
                // Validate once, then apply to both so the sides never disagree.
                let mut l = self.lambda.clone();
                l.set(field, value)?;
                let mut k = self.kappa.clone();
                k.set(field, value)?;
                self.lambda = l;
                self.kappa = k;
                Ok(())
            }
        }
    }
}

/// One sample of both sides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairSample {
    pub time_ms: i64,
    /// Share of closed windows whose available answer equals the final truth.
    pub a_accuracy: f64,
    pub b_accuracy: f64,
    /// Age of the newest data in the answers readers can see.
    pub a_staleness_ms: i64,
    pub b_staleness_ms: i64,
    /// Events read so far (Lambda: every batch run's whole-log read plus the speed layer).
    pub a_work: u64,
    pub b_work: u64,
}

/// What the pair samples as it goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub samples: PVec<PairSample>,
    steps: u64,
    /// Latency to first answer, summed over windows (ms) and counted: from a window's end
    /// until a reader can first see an answer for it (0 if before its end).
    pub a_first_ms: (i64, u64),
    pub b_first_ms: (i64, u64),
    a_windows: usize,
}

impl Tally {
    /// Mean latency to first answer per side, if any window was answered.
    pub fn first_answer_ms(&self) -> (Option<i64>, Option<i64>) {
        let mean = |(sum, n): (i64, u64)| (n > 0).then(|| sum / n as i64);
        (mean(self.a_first_ms), mean(self.b_first_ms))
    }
}

/// One window side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiffRow {
    pub start_ms: i64,
    /// Lambda's served answer.
    pub lambda: Agg,
    /// Kappa's emitted result, if the watermark has passed the window.
    pub kappa: Option<Agg>,
    pub truth: Answer,
}

/// The `diff` hook's content.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamDiff {
    pub rows: Vec<DiffRow>,
    /// Mean latency to first answer per side (Lambda, Kappa), ms.
    pub first_answer_ms: (Option<i64>, Option<i64>),
    pub now: PairSample,
    pub samples: PVec<PairSample>,
    /// Closed windows where the two sides' available answers differ.
    pub disagree: u64,
    pub closed_windows: u64,
}

fn end_of(l: &Lambda) -> u64 {
    l.params().events
}

/// Kappa's emitted result for the window starting at `start_ms` (tumbling, emitted in
/// window order: binary search by start).
fn kappa_result(k: &Kappa, start_ms: i64) -> Option<WindowResult> {
    let out = &k.live().output;
    let (mut lo, mut hi) = (0usize, out.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        match out.get(mid).map(|r| r.key.start_ms) {
            Some(s) if s < start_ms => lo = mid + 1,
            _ => hi = mid,
        }
    }
    out.get(lo).filter(|r| r.key.start_ms == start_ms).copied()
}

fn final_truth(l: &Lambda, w: usize) -> Answer {
    l.truth()
        .window_final(w as i64 * l.params().size_min * 60_000, l.extra())
}

fn same(a: Agg, t: Answer) -> bool {
    a.events == t.events && a.revenue_cents == t.revenue_cents
}

/// Windows whose end has passed the head of the log, `0..n`.
fn closed_windows(l: &Lambda) -> usize {
    let size = l.params().size_min * 60_000;
    let head = l.log().head_time().0;
    window_index(head, size).unwrap_or(0).min(l.windows_seen())
}

/// Every closed window judged: how many each side answers right, and on how many the
/// sides' answers differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Closed {
    pub windows: usize,
    pub a_ok: usize,
    pub b_ok: usize,
    pub disagree: u64,
}

/// Judges every closed window in one walk, in window order: Lambda's served answer,
/// Kappa's emitted result (its output is in window order) and the final truth (panes in
/// order). Runs every frame on /compare/lambda-vs-kappa, so no search per window.
pub fn closed_now(a: &Lambda, b: &Kappa) -> Closed {
    let windows = closed_windows(a);
    let size = a.params().size_min * 60_000;
    let mut finals = a.truth().finals(a.extra());
    let mut emitted = b.live().output.iter().peekable();
    let mut c = Closed {
        windows,
        ..Closed::default()
    };
    for w in 0..windows {
        let start = w as i64 * size;
        while emitted.next_if(|r| r.key.start_ms < start).is_some() {}
        let kappa = emitted
            .peek()
            .filter(|r| r.key.start_ms == start)
            .map(|r| r.agg);
        let t = finals.at(start);
        let served = a.serving(w);
        c.a_ok += usize::from(same(served, t));
        c.b_ok += usize::from(kappa.is_some_and(|k| same(k, t)));
        c.disagree += u64::from(kappa != Some(served));
    }
    c
}

/// Both sides' numbers now.
pub fn sample_now(a: &Lambda, b: &Kappa) -> PairSample {
    sample_with(a, b, &closed_now(a, b))
}

fn sample_with(a: &Lambda, b: &Kappa, c: &Closed) -> PairSample {
    let (closed, a_ok, b_ok) = (c.windows, c.a_ok, c.b_ok);
    let share = |n: usize| {
        if closed == 0 {
            1.0
        } else {
            n as f64 / closed as f64
        }
    };
    let head = a.log().head_time().0;
    let b_newest = b.live().output.last().map_or(0, |r| r.key.end_ms);
    PairSample {
        time_ms: head,
        a_accuracy: share(a_ok),
        b_accuracy: share(b_ok),
        a_staleness_ms: a.freshness_ms(),
        b_staleness_ms: (head - b_newest).max(0),
        a_work: a.batch_work() + a.log().len(),
        b_work: b.live().read + b.next_job().map_or(0, |j| j.read),
    }
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "crash",
        label: "Crash the stream processing",
        help: "Lambda's speed layer loses its state until a later batch run is served; Kappa's job restarts from its last checkpoint and replays.",
    },
    FaultSpec {
        kind: "duplicates",
        label: "Redeliver 5 events",
        help: "The last 5 events arrive again on both sides (same ids): both filter them.",
    },
    FaultSpec {
        kind: "very-late",
        label: "Very late events",
        help: "The same 8 events from 3 hours ago reach both: Lambda's next batch run counts them; Kappa's windows closed long ago (side output).",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "defaults",
        label: "Side by side",
        description: "Lambda answers at once and is exact after each batch run; Kappa answers a window once the watermark passes it, exact only for events within the allowed delay.",
        seed: 42,
        params: &[],
        faults: &[],
        step: 1200,
    },
    Preset {
        name: "kappa-exact",
        label: "Kappa with delay ≥ lateness",
        description: "Kappa's allowed delay covers the maximum lateness: every window it emits is exact, 10 minutes after the window ends; Lambda reads the whole log every hour to get the same answers.",
        seed: 42,
        params: &[("b.delay", "600")],
        faults: &[],
        step: 3000,
    },
    Preset {
        name: "very-late",
        label: "Very late events",
        description: "Events from 3 hours ago: Lambda's batch layer folds them in at its next run; Kappa has closed those windows and keeps the events in its side output.",
        seed: 42,
        params: &[],
        faults: &[(1600, "very-late")],
        step: 1950,
    },
    Preset {
        name: "crash",
        label: "Crash both",
        description: "Lambda's served answers fall short until a batch run started after the crash is served; Kappa re-reads from its checkpoint and its results do not change.",
        seed: 42,
        params: &[],
        faults: &[(790, "crash")],
        step: 800,
    },
];

impl Pair for LambdaVsKappa {
    type A = Lambda;
    type B = Kappa;
    type Params = LambdaVsKappaParams;
    type Tally = Tally;
    type Diff = StreamDiff;
    const SLUG: &'static str = "compare-lambda-vs-kappa";

    fn split(p: &LambdaVsKappaParams) -> (LambdaParams, KappaParams) {
        (p.lambda.clone(), p.kappa.clone())
    }

    fn after_step(a: &Lambda, b: &Kappa, tally: &mut Tally) {
        tally.steps += 1;
        let head = a.log().head_time().0;
        let size = a.params().size_min * 60_000;
        // Lambda answers a window as soon as its first event reaches the speed layer.
        while tally.a_windows < a.windows_seen() {
            let end = (tally.a_windows as i64 + 1) * size;
            tally.a_first_ms.0 += (head - end).max(0);
            tally.a_first_ms.1 += 1;
            tally.a_windows += 1;
        }
        // Kappa answers a window when the watermark passes its end.
        for r in &b.last().live_emitted {
            tally.b_first_ms.0 += (head - r.key.end_ms).max(0);
            tally.b_first_ms.1 += 1;
        }
        let every = (end_of(a) / 400).max(1);
        if tally.steps.is_multiple_of(every) || a.log().complete() {
            tally.samples.push(sample_now(a, b));
        }
    }

    fn after_fault(_a: &Lambda, _b: &Kappa, _tally: &mut Tally) {}

    fn side_fault(side: Side, fault: &Fault) -> Fault {
        match (side, fault.kind.as_str()) {
            (Side::A, "crash") => Fault {
                kind: "crash-speed".into(),
                arg: fault.arg,
            },
            _ => fault.clone(),
        }
    }

    fn diff(
        a: &Lambda,
        b: &Kappa,
        _views: (&super::view::LambdaView, &crate::patterns::kappa::KappaView),
        tally: &Tally,
    ) -> StreamDiff {
        let size = a.params().size_min * 60_000;
        let closed = closed_now(a, b);
        let n = a.windows_seen();
        let rows = (n.saturating_sub(12)..n)
            .map(|w| DiffRow {
                start_ms: w as i64 * size,
                lambda: a.serving(w),
                kappa: kappa_result(b, w as i64 * size).map(|r| r.agg),
                truth: final_truth(a, w),
            })
            .collect();
        StreamDiff {
            rows,
            first_answer_ms: tally.first_answer_ms(),
            now: sample_with(a, b, &closed),
            samples: tally.samples.clone(),
            disagree: closed.disagree,
            closed_windows: closed.windows as u64,
        }
    }

    fn narrate(a: &Lambda, b: &Kappa) -> String {
        if let Some(f) = &a.last().fault {
            return format!(
                "Lambda: {f} Kappa: {}",
                b.last().fault.clone().unwrap_or_default()
            );
        }
        let Some((_, e)) = a.last().appended else {
            return "Start: the same empty log on both sides.".into();
        };
        let size = a.params().size_min * 60_000;
        let lambda = match (a.last().batch_served, a.last().speed) {
            (Some(run), _) => format!("Lambda serves batch run #{run}'s exact views"),
            (None, Some(SpeedOutcome::TooLate)) => {
                "Lambda's speed layer refuses it (too old); a batch run will count it".into()
            }
            (None, Some(SpeedOutcome::Duplicate)) => "Lambda filters the repeat".into(),
            _ => match window_index(e.event_time.0, size) {
                Some(w) => format!(
                    "Lambda serves its window at once ({} events)",
                    a.serving(w).events
                ),
                None => "Lambda counts it".into(),
            },
        };
        let emitted = b.last().live_emitted.len();
        let kappa = match b.last().disposition {
            Some((_, Disposition::Late, _)) => {
                "Kappa: its window already closed, so it goes to the side output".into()
            }
            Some((_, Disposition::Duplicate, _)) => "Kappa filters the repeat".into(),
            _ if emitted > 0 => format!(
                "Kappa's watermark passes {} and it emits {emitted} window(s)",
                time_of_day(SimTime(b.live().output.last().map_or(0, |r| r.key.end_ms)))
            ),
            _ => format!(
                "Kappa holds it in an open window until the watermark (now {}) passes its end",
                b.live()
                    .watermark()
                    .map_or("none".into(), |w| time_of_day(SimTime(w)))
            ),
        };
        format!(
            "Event #{} ({}): {lambda}; {kappa}.",
            e.event_id,
            time_of_day(e.event_time)
        )
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a batch run served, a late event, a Kappa window emitted late, or a fault"
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }
}

/// The trade-off in two or three sentences, from the measured numbers.
pub fn trade_off(d: &StreamDiff) -> String {
    let n = &d.now;
    let first = |ms: Option<i64>| ms.map_or("—".to_string(), duration_ms);
    format!(
        "A window's first answer comes {} after its end on Lambda and {} on Kappa (means); right now readers see data {} old from Lambda and {} old from Kappa. Of {} closed windows, Lambda's served answers are right for {} and Kappa's emitted results for {} (a window Kappa has not emitted yet counts as not answered). Lambda has read {} events to get there (each batch run re-reads the whole log), Kappa {}.",
        first(d.first_answer_ms.0),
        first(d.first_answer_ms.1),
        duration_ms(n.a_staleness_ms),
        duration_ms(n.b_staleness_ms),
        count(d.closed_windows),
        percent(n.a_accuracy),
        percent(n.b_accuracy),
        count(n.a_work),
        count(n.b_work)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Compare, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    type C = Compare<LambdaVsKappa>;

    fn run(p: &LambdaVsKappaParams, steps: u64, faults: &[(u64, &str)]) -> C {
        let mut c = C::new(p, 42).unwrap();
        for s in 0..steps {
            for (at, kind) in faults {
                if *at == s {
                    c.apply(&Fault::new(kind)).unwrap();
                }
            }
            c.step();
        }
        c
    }

    #[test]
    fn shared_fields_stay_equal_on_both_sides_and_side_fields_are_prefixed() {
        let mut p = LambdaVsKappaParams::default();
        p.set("size", "15").unwrap();
        p.set("b.delay", "300").unwrap();
        p.set("a.period", "30").unwrap();
        assert_eq!((p.lambda.size_min, p.kappa.size_min), (15, 15));
        assert_eq!(p.kappa.delay_s, 300);
        assert_eq!(p.lambda.period_min, 30);
        let e = p.set("b.delay", "-1").unwrap_err();
        assert_eq!(e.field, "b.delay");
        assert!(p.set("a.delay", "1").is_err(), "Lambda has no delay");
        assert!(p.set("size", "0").is_err());
        assert_eq!(
            p.lambda.size_min, 15,
            "a rejected shared value changes neither side"
        );
    }

    #[test]
    fn both_sides_read_the_same_log() {
        let c = run(&LambdaVsKappaParams::default(), 500, &[]);
        for o in (0..500).step_by(37) {
            assert_eq!(c.a.log().get(o), c.b.log().get(o));
        }
    }

    #[test]
    fn very_late_events_heal_on_lambda_and_stay_late_on_kappa() {
        let p = LambdaVsKappaParams::default();
        let c = run(&p, 2000, &[(1600, "very-late")]);
        let v = c.view();
        assert_eq!(
            c.b.live()
                .late
                .iter()
                .filter(|l| l.event.event_id >= crate::stream::INJECTED_ID_BASE)
                .count(),
            8
        );
        assert_eq!(c.a.errors(), (0, 0), "Lambda's batch run read them");
        assert!(
            v.diff.now.a_accuracy > v.diff.now.b_accuracy,
            "{:?}",
            v.diff.now
        );
        assert!(
            v.diff.now.a_work > 3 * v.diff.now.b_work,
            "Lambda re-reads the log: {:?}",
            v.diff.now
        );
    }

    #[test]
    fn with_delay_covering_lateness_kappa_is_exact_and_both_agree_at_the_end() {
        let mut p = LambdaVsKappaParams::default();
        p.set("b.delay", "600").unwrap();
        let c = run(&p, p.lambda.events, &[]);
        let v = c.view();
        assert_eq!(v.diff.now.b_accuracy, 1.0);
        assert!(v
            .diff
            .rows
            .iter()
            .all(|r| r.kappa.is_none_or(|k| same(k, r.truth))));
        assert!(v.diff.samples.len() >= 300);
        assert!(trade_off(&v.diff).contains("Kappa"));
        // Kappa answers a window only after its end plus the allowed delay (600 s here).
        let (a, b) = v.diff.first_answer_ms;
        assert!(
            a.unwrap() < 60_000,
            "Lambda answers during the window: {a:?}"
        );
        // (The end-of-input watermark closes the last windows sooner: the mean is a bit less.)
        assert!(
            b.unwrap() >= 500_000,
            "Kappa waits for the watermark: {b:?}"
        );
    }

    #[test]
    fn a_crash_maps_to_each_sides_own_crash() {
        // Kappa checkpoints every 200 events: at 790 it restarts from 600.
        let c = run(&LambdaVsKappaParams::default(), 791, &[(790, "crash")]);
        assert!(c.a.errors().0 < 0, "Lambda's speed state is gone");
        assert!(c.b.view().live.lag > 0, "Kappa replays from its checkpoint");
    }

    #[test]
    fn presets_land_on_what_they_describe() {
        use crate::sim::Timeline;
        for preset in PRESETS {
            let (p, faults) = preset.load::<LambdaVsKappaParams>();
            let mut tl = Timeline::new(C::new(&p, preset.seed).unwrap(), faults);
            assert!(tl.rejected_faults().is_empty(), "{}", preset.name);
            tl.seek(preset.step);
            let c = tl.current();
            let d = c.view().diff;
            match preset.name {
                "defaults" => assert!(d.now.a_accuracy > d.now.b_accuracy),
                "kappa-exact" => assert_eq!(d.now.b_accuracy, 1.0),
                "very-late" => assert_eq!(c.a.errors(), (0, 0), "Lambda healed"),
                "crash" => assert!(c.a.errors().0 < 0 && c.b.view().live.lag > 0),
                other => panic!("preset {other} has no check"),
            }
        }
    }
}
