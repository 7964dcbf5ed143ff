//! The Lambda state machine: one event appended to the master log per step; a batch run
//! starts every period with a cut-off at the head of the log and is served when it finishes;
//! the speed layer covers what came after the served cut-off; the serving layer adds the
//! two per window. Every touched window's served answer is compared with the truth so far.

use std::sync::Arc;

use crate::format::{count, duration_ms, money, time_of_day};
use crate::oracle::streaming::{StreamTruth, WindowDef};
use crate::sim::parray::PArray;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario, SimTime};
use crate::stream::{Agg, EventLog, INJECTED_ID_BASE};
use crate::workload::OrderEvent;

use super::layers::{window_index, BatchFold, BatchViews, SpeedLayer, SpeedOutcome};
use super::params::LambdaParams;
use super::view::{LambdaView, Sample};

/// Events the "duplicates" fault redelivers.
pub const REDELIVERED: u64 = 5;
/// Events the "very late" fault inserts, and how old they are.
pub const VERY_LATE_EVENTS: u64 = 8;

/// A batch run in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub views: BatchViews,
    /// When its views will be served.
    pub done_ms: i64,
}

/// What the last step (or fault) did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Last {
    pub appended: Option<(u64, OrderEvent)>,
    pub speed: Option<SpeedOutcome>,
    pub batch_started: Option<u64>,
    pub batch_served: Option<u64>,
    /// With the pitfall, the events counted twice right after a batch was served.
    pub double_counted: Option<i64>,
    pub fault: Option<String>,
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Lambda {
    params: LambdaParams,
    seed: u64,
    log: EventLog,
    truth: Arc<StreamTruth>,
    /// New events inserted by faults (not redeliveries): part of the truth.
    extra: Arc<Vec<OrderEvent>>,
    fold: BatchFold,
    served: BatchViews,
    running: Option<Running>,
    next_batch_ms: i64,
    /// Events read by all batch runs (each reads the whole log up to its cut-off).
    batch_work: u64,
    speed: SpeedLayer,
    /// Per window: served − truth so far (events), as last refreshed.
    error: PArray<i64>,
    error_sum: i64,
    error_abs: u64,
    windows_seen: usize,
    /// Windows of events at or after the served cut-off (what serving a run can change).
    dirty_served: Vec<usize>,
    /// Windows of events at or after the running batch's cut-off.
    dirty_running: Vec<usize>,
    samples: PVec<Sample>,
    last: Last,
    steps: u64,
}

impl Lambda {
    pub fn params(&self) -> &LambdaParams {
        &self.params
    }
    pub fn log(&self) -> &EventLog {
        &self.log
    }
    pub fn served(&self) -> &BatchViews {
        &self.served
    }
    pub fn running(&self) -> Option<&Running> {
        self.running.as_ref()
    }
    pub fn speed(&self) -> &SpeedLayer {
        &self.speed
    }
    pub fn last(&self) -> &Last {
        &self.last
    }
    pub fn truth(&self) -> &Arc<StreamTruth> {
        &self.truth
    }
    pub fn extra(&self) -> &Arc<Vec<OrderEvent>> {
        &self.extra
    }
    pub fn batch_work(&self) -> u64 {
        self.batch_work
    }
    pub fn fold_distinct(&self) -> u64 {
        self.fold.distinct
    }
    pub fn errors(&self) -> (i64, u64) {
        (self.error_sum, self.error_abs)
    }
    pub fn samples(&self) -> &PVec<Sample> {
        &self.samples
    }
    /// Windows that have held an event (indices `0..n`).
    pub fn windows_seen(&self) -> usize {
        self.windows_seen
    }

    fn size_ms(&self) -> i64 {
        self.params.size_min * 60_000
    }

    /// The served answer for window `w`: batch view plus speed view.
    pub fn serving(&self, w: usize) -> Agg {
        let mut a = self.served.views.get(w);
        a.add(self.speed.get(w));
        a
    }

    /// The truth so far for window `w`.
    pub fn truth_so_far(&self, w: usize) -> Agg {
        let t = self
            .truth
            .window(w as i64 * self.size_ms(), self.log.arrived(), &self.extra);
        Agg {
            events: t.events,
            revenue_cents: t.revenue_cents,
        }
    }

    /// The final truth for window `w` (the whole input, plus events faults inserted).
    pub fn final_truth(&self, w: usize) -> Agg {
        let t = self
            .truth
            .window_final(w as i64 * self.size_ms(), &self.extra);
        Agg {
            events: t.events,
            revenue_cents: t.revenue_cents,
        }
    }

    fn refresh(&mut self, w: usize) {
        let new = self.serving(w).events as i64 - self.truth_so_far(w).events as i64;
        let old = self.error.get(w);
        if new != old {
            self.error_sum += new - old;
            self.error_abs = (self.error_abs as i64 + new.abs() - old.abs()).max(0) as u64;
            self.error.update(w, |v| *v = new);
        }
    }

    /// Records the window of an event the batch layer folded: serving it later can change
    /// that window's answer.
    fn note_window(&mut self, e: &OrderEvent) -> Option<usize> {
        let w = window_index(e.event_time.0, self.size_ms())?;
        self.windows_seen = self.windows_seen.max(w + 1);
        for list in std::iter::once(&mut self.dirty_served)
            .chain(self.running.is_some().then_some(&mut self.dirty_running))
        {
            if let Err(at) = list.binary_search(&w) {
                list.insert(at, w);
            }
        }
        Some(w)
    }

    /// Freshness: how far behind the head the newest event in the served answers is.
    pub fn freshness_ms(&self) -> i64 {
        let head = self.log.head_time().0;
        let newest = self
            .speed
            .last_counted_ms
            .unwrap_or(0)
            .max(self.served.cutoff_ms);
        (head - newest).max(0)
    }

    fn sample(&mut self) {
        let every = (self.params.events / 1000).max(1);
        if !self.steps.is_multiple_of(every) && !self.log.complete() {
            return;
        }
        let total = self.fold.distinct.max(1);
        self.samples.push(Sample {
            time_ms: self.log.head_time().0,
            accuracy: 1.0 - (self.error_abs as f64 / total as f64).min(1.0),
            freshness_ms: self.freshness_ms(),
            error_events: self.error_sum,
        });
    }

    fn serve_running(&mut self, last: &mut Last) {
        let Some(run) = self.running.take() else {
            return;
        };
        last.batch_served = Some(run.views.run);
        self.served = run.views;
        let next = self.speed.next.take().unwrap_or_default();
        if !self.params.union_all {
            // The correct merge: the speed layer now only covers the new cut-off onwards.
            self.speed.current = next;
        }
        // Only windows with events since the previous cut-off can have changed: their batch
        // views grew and their speed views moved to the new generation.
        let dirty = std::mem::take(&mut self.dirty_served);
        for w in dirty {
            self.refresh(w);
        }
        self.dirty_served = std::mem::take(&mut self.dirty_running);
        if self.params.union_all {
            last.double_counted = Some(self.error_sum);
        }
    }
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "crash-speed",
        label: "Crash the speed layer",
        help: "The speed layer restarts empty at the head of the log: what it held since the cut-off is missing from serving until a batch run covers it.",
    },
    FaultSpec {
        kind: "duplicates",
        label: "Redeliver 5 events",
        help: "The source sends the last 5 events again (same ids). Both layers count an id once.",
    },
    FaultSpec {
        kind: "very-late",
        label: "Very late events",
        help: "8 events that happened 3 hours ago arrive now: older than the speed layer keeps, so only the next batch run counts them.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "batch-served",
        label: "A batch run is served",
        description: "Step onto the moment a batch run's views are served: the speed layer drops what the batch now covers, and serving equals the truth so far.",
        seed: 42,
        params: &[],
        faults: &[],
        step: 433,
    },
    Preset {
        name: "speed-crash",
        label: "The speed layer crashes",
        description: "The speed layer crashes at step 800: the last minutes vanish from the served answers until the next batch run is served.",
        seed: 42,
        params: &[],
        faults: &[(800, "crash-speed")],
        step: 830,
    },
    Preset {
        name: "very-late",
        label: "Events older than the speed layer keeps",
        description: "Events from 3 hours ago arrive at step 1600: the speed layer refuses them and serving stays short until a batch run recomputes from the master log.",
        seed: 42,
        params: &[],
        faults: &[(1600, "very-late")],
        step: 1610,
    },
    Preset {
        name: "note-union-all",
        label: "The note's UNION ALL (pitfall)",
        description: "The speed layer never forgets what the batch covered and serving adds both: right after each batch run, every event the speed layer still holds from before the cut-off is counted twice.",
        seed: 42,
        params: &[("union-all", "on")],
        faults: &[],
        step: 433,
    },
    Preset {
        name: "fast-batches",
        label: "Batch every 15 minutes",
        description: "Short periods keep the speed layer small, but every run re-reads the whole log: work grows with the square of the run.",
        seed: 42,
        params: &[("period", "15"), ("batch", "3")],
        faults: &[],
        step: 1500,
    },
];

impl Scenario for Lambda {
    type Params = LambdaParams;
    type View = LambdaView;
    const SLUG: &'static str = "lambda";

    fn new(params: &LambdaParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let log = EventLog::generate(params.workload(), seed, params.events);
        let truth = Arc::new(StreamTruth::build(
            log.tape(),
            WindowDef::Tumbling {
                size_ms: params.size_min * 60_000,
            },
            true,
        ));
        Ok(Lambda {
            params: params.clone(),
            seed,
            log,
            truth,
            extra: Arc::new(Vec::new()),
            fold: BatchFold::default(),
            served: BatchViews::empty(),
            running: None,
            next_batch_ms: params.period_min * 60_000,
            batch_work: 0,
            speed: SpeedLayer::default(),
            error: PArray::new(),
            error_sum: 0,
            error_abs: 0,
            windows_seen: 0,
            dirty_served: Vec::new(),
            dirty_running: Vec::new(),
            samples: PVec::new(),
            last: Last::default(),
            steps: 0,
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.events
    }

    fn step(&mut self) {
        self.steps += 1;
        let mut last = Last::default();
        let head_ms = self.log.head_time().0;
        if self.running.is_none() && !self.log.is_empty() && head_ms >= self.next_batch_ms {
            // A batch run starts: its cut-off is the head of the log right now.
            let run = self.served.run + 1;
            let cutoff = self.log.len();
            self.batch_work += cutoff;
            self.running = Some(Running {
                views: BatchViews {
                    cutoff,
                    cutoff_ms: head_ms,
                    views: self.fold.views.clone(),
                    run,
                },
                done_ms: head_ms + self.params.batch_min * 60_000,
            });
            self.speed.next = Some(Vec::new());
            let period = self.params.period_min * 60_000;
            while self.next_batch_ms <= head_ms {
                self.next_batch_ms += period;
            }
            last.batch_started = Some(run);
        }
        let offset = self.log.len();
        if let Some(e) = self.log.append_next() {
            last.appended = Some((offset, e));
            self.fold.fold(&e, self.size_ms(), self.params.rule());
            let (outcome, expired) = self.speed.add(
                &e,
                self.size_ms(),
                self.params.retention_min * 60_000,
                self.params.rule(),
            );
            last.speed = Some(outcome);
            if let Some(w) = self.note_window(&e) {
                self.refresh(w);
            }
            for w in expired {
                self.refresh(w);
            }
        }
        if self
            .running
            .as_ref()
            .is_some_and(|r| self.log.head_time().0 >= r.done_ms)
        {
            self.serve_running(&mut last);
        }
        self.last = last;
        self.sample();
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let size = self.size_ms();
        let retention = self.params.retention_min * 60_000;
        let rule = self.params.rule();
        let sentence = match fault.kind.as_str() {
            "crash-speed" => {
                let held = self.speed.crash();
                if self.running.is_some() {
                    self.speed.next = Some(Vec::new());
                }
                for w in held {
                    self.refresh(w);
                }
                format!(
                    "The speed layer crashes and restarts empty at offset {}: everything it held since the cut-off at offset {} is missing from serving until a batch run covers it.",
                    self.log.len(),
                    self.served.cutoff
                )
            }
            "duplicates" => {
                if self.log.is_empty() {
                    return Err("no event has arrived yet".into());
                }
                let again = self.log.redeliveries(REDELIVERED);
                let k = again.len();
                self.log.insert(again.clone());
                for e in &again {
                    self.fold.fold(e, size, rule);
                    self.speed.add(e, size, retention, rule);
                }
                format!(
                    "The source redelivers the last {k} events (same ids): the batch layer's and the speed layer's id filters both drop them, so no answer changes."
                )
            }
            "very-late" => {
                let head = self.log.head_time().0;
                let age = 3 * 3_600_000;
                if head < age + 3_600_000 {
                    return Err("the run has not reached 4 hours of event time yet".into());
                }
                let first = INJECTED_ID_BASE + self.extra.len() as u64;
                let events =
                    self.log
                        .very_late(self.seed, first, VERY_LATE_EVENTS, self.params.users, age);
                Arc::make_mut(&mut self.extra).extend(events.iter().copied());
                self.log.insert(events.clone());
                let mut refused = 0;
                for e in &events {
                    self.fold.fold(e, size, rule);
                    let (o, _) = self.speed.add(e, size, retention, rule);
                    refused += u64::from(o == SpeedOutcome::TooLate);
                    if let Some(w) = self.note_window(e) {
                        self.refresh(w);
                    }
                }
                format!(
                    "{VERY_LATE_EVENTS} events that happened about 3 hours ago arrive now; the speed layer keeps only {}, so it refuses {refused} of them: serving is short until the next batch run, which reads them from the master log.",
                    duration_ms(retention)
                )
            }
            other => return Err(format!("“{other}” is not a fault of this page")),
        };
        self.last = Last {
            fault: Some(sentence),
            ..Last::default()
        };
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a batch run served, an event too late for the speed layer, or a fault"
    }

    fn narrate(&self) -> String {
        narrate(self)
    }

    fn is_notable(&self) -> bool {
        let l = &self.last;
        l.fault.is_some() || l.batch_served.is_some() || l.speed == Some(SpeedOutcome::TooLate)
    }

    fn view(&self) -> LambdaView {
        LambdaView::of(self)
    }
}

fn window_range(w: usize, size_ms: i64) -> String {
    let start = w as i64 * size_ms;
    format!(
        "{}–{}",
        time_of_day(SimTime(start)),
        time_of_day(SimTime(start + size_ms))
    )
}

fn narrate(l: &Lambda) -> String {
    let last = &l.last;
    if let Some(f) = &last.fault {
        return f.clone();
    }
    if l.steps == 0 {
        return format!(
            "Start: an empty master log. A batch run starts every {} and takes {}; the speed layer keeps {} of windows; serving adds the two per {} window.",
            duration_ms(l.params.period_min * 60_000),
            duration_ms(l.params.batch_min * 60_000),
            duration_ms(l.params.retention_min * 60_000),
            duration_ms(l.size_ms()),
        );
    }
    let mut out = String::new();
    if let Some(run) = last.batch_started {
        if let Some(r) = &l.running {
            out.push_str(&format!(
                "Batch run #{run} starts: it recomputes every view from the whole master log up to offset {} (cut-off {}); its views will be served at {}. ",
                count(r.views.cutoff),
                time_of_day(SimTime(r.views.cutoff_ms)),
                time_of_day(SimTime(r.done_ms))
            ));
        }
    }
    if let Some((offset, e)) = last.appended {
        let delay = e.lateness_ms();
        let arrives = if delay > 1000 {
            format!("arrives {} after it happened", duration_ms(delay))
        } else {
            "arrives as it happens".to_string()
        };
        let w = window_index(e.event_time.0, l.size_ms());
        let speed = match last.speed {
            Some(SpeedOutcome::Duplicate) => {
                "the speed layer has seen its id and does not count it again".to_string()
            }
            Some(SpeedOutcome::TooLate) => format!(
                "its window is older than the speed layer keeps ({}), so only the next batch run will count it",
                duration_ms(l.params.retention_min * 60_000)
            ),
            _ => match w {
                Some(w) => {
                    let s = l.serving(w);
                    let b = l.served.views.get(w);
                    format!(
                        "the speed layer adds it to the {} window, served as {} = batch {} + speed {} ({})",
                        window_range(w, l.size_ms()),
                        s.events,
                        b.events,
                        s.events - b.events,
                        money(s.revenue_cents)
                    )
                }
                None => "its window is before the epoch".to_string(),
            },
        };
        out.push_str(&format!(
            "Event #{} (user {}, {}) {arrives} and is appended to the master log at offset {}; {speed}.",
            e.event_id,
            e.user_id,
            time_of_day(e.event_time),
            count(offset)
        ));
    }
    if let Some(run) = last.batch_served {
        match last.double_counted {
            Some(extra) if extra != 0 => out.push_str(&format!(
                " Batch run #{run} is served (cut-off offset {}) — but the note's serving view is batch UNION ALL speed and the speed layer still holds the events before the cut-off: {} events are counted twice. (The note's DAG is worse still: it unions its stream table twice, its CREATE TABLE IF NOT EXISTS … AS never recomputes the batch table after the first run, and its merge runs alongside the batch task, not after it.)",
                count(l.served.cutoff),
                count(extra.unsigned_abs())
            )),
            _ => out.push_str(&format!(
                " Batch run #{run} is served: views for offsets before {} come from the batch layer, the speed layer drops what it covered and keeps only what came after.{}",
                count(l.served.cutoff),
                if l.error_abs == 0 {
                    " Serving now equals the truth so far."
                } else {
                    ""
                }
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Timeline;

    /// The pitfall's narration names the note's other merge mistakes too.
    #[test]
    fn the_pitfalls_narration_names_the_notes_merge_mistakes() {
        let preset = PRESETS.iter().find(|p| p.name == "note-union-all").unwrap();
        let (p, faults) = preset.load::<LambdaParams>();
        let mut tl = Timeline::new(Lambda::new(&p, preset.seed).unwrap(), faults);
        tl.seek(preset.step);
        let n = tl.current().narrate();
        for needle in ["counted twice", "twice", "IF NOT EXISTS", "alongside"] {
            assert!(n.contains(needle), "{needle}: {n}");
        }
    }
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Each preset lands where its description says: on a served batch run, or just after
    /// its fault with the damage visible.
    #[test]
    fn presets_land_on_what_they_describe() {
        for preset in PRESETS {
            let (p, faults) = preset.load::<LambdaParams>();
            let mut tl = Timeline::new(Lambda::new(&p, preset.seed).unwrap(), faults);
            tl.seek(preset.step);
            let l = tl.current();
            match preset.name {
                "batch-served" => {
                    assert!(l.last().batch_served.is_some());
                    assert_eq!(l.errors(), (0, 0));
                }
                "note-union-all" => assert!(l.last().double_counted.unwrap_or(0) > 0),
                "speed-crash" | "very-late" => assert!(l.errors().0 < 0, "{}", preset.name),
                _ => assert!(l.served().run > 0, "{}", preset.name),
            }
        }
    }
}
