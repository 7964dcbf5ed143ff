//! The Kappa state machine: a log appended one event per step, the live job that readers
//! use, and (after a code-version change) a second job replaying the log from offset 0 into
//! a new output until it catches up and readers switch to it.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::format::{count, duration_ms, money, time_of_day};
use crate::oracle::streaming::{Answer, StreamTruth, WindowDef};
use crate::sim::{Fault, FaultSpec, ParamError, Preset, Rng, Scenario, SimTime};
use crate::sort::sort_pairs;
use crate::stream::{EventLog, Rule, WindowKey, WindowKind, INJECTED_ID_BASE};
use crate::workload::{product_price_cents, OrderEvent, OrderStatus};

use super::params::KappaParams;
use super::processor::{Disposition, Job, JobConfig, WindowResult};
use super::view::{Dot, KappaView, Score, TruthHandle};

/// Events in the "late burst" fault.
pub const BURST_EVENTS: u64 = 12;
/// Dots kept for the event-time × processing-time picture.
pub const DOTS: usize = 60;

/// What the last step or fault did, for narration and "next notable".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Last {
    pub appended: Option<OrderEvent>,
    /// Log offsets the live job read this step, `from..to`.
    pub live_read: (u64, u64),
    /// What the live job did with the last event it read.
    pub disposition: Option<LastRead>,
    pub live_emitted: Vec<WindowResult>,
    pub next_read: (u64, u64),
    pub next_emitted: u32,
    pub switched: bool,
    pub ended: bool,
    /// A fault's own sentence.
    pub fault: Option<String>,
}

/// The last event a job read: the event, what it did with it, the watermark after it.
pub type LastRead = (OrderEvent, Disposition, Option<i64>);

/// One job's reading in a step: offsets `from..to`, its last read, the results it emitted.
type ReadOutcome = (u64, u64, Option<LastRead>, Vec<WindowResult>);

/// The scenario.
#[derive(Clone, Debug)]
pub struct Kappa {
    params: KappaParams,
    seed: u64,
    log: EventLog,
    /// Oracles for v1 and v2 (index by [`rule_index`]).
    truth: Arc<[StreamTruth; 2]>,
    live: Job,
    next: Option<Job>,
    /// The live job's last checkpoint.
    saved: Option<Job>,
    score_live: Score,
    score_next: Score,
    dots: VecDeque<Dot>,
    last: Last,
    switched_at: Option<u64>,
    /// After the end of input: final windows the live job never emitted.
    missing: Option<u64>,
    steps: u64,
    scratch: Vec<WindowKey>,
}

pub fn rule_index(rule: Rule) -> usize {
    match rule {
        Rule::V1 => 0,
        Rule::V2 => 1,
    }
}

fn window_def(p: &KappaParams) -> WindowDef {
    let w = p.windows();
    match w.kind {
        WindowKind::Tumbling => WindowDef::Tumbling { size_ms: w.size_ms },
        WindowKind::Sliding => WindowDef::Sliding {
            size_ms: w.size_ms,
            slide_ms: w.slide_ms,
        },
        WindowKind::Session => WindowDef::Session { gap_ms: w.gap_ms },
    }
}

impl Kappa {
    pub fn params(&self) -> &KappaParams {
        &self.params
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn live(&self) -> &Job {
        &self.live
    }

    pub fn next_job(&self) -> Option<&Job> {
        self.next.as_ref()
    }

    pub fn log(&self) -> &EventLog {
        &self.log
    }

    pub fn saved_offset(&self) -> Option<u64> {
        self.saved.as_ref().map(|j| j.offset)
    }

    fn job_config(&self, rule: Rule) -> JobConfig {
        JobConfig {
            windows: self.params.windows(),
            rule,
            delay_ms: self.params.delay_s * 1000,
            watermarks: !self.params.latest_offset,
            side_output: self.params.side_output,
        }
    }

    /// The note's source declares no WATERMARK, so Flink's planner rejects the job when it
    /// is submitted (a window TVF needs a time attribute): no job ever runs.
    pub fn rejected(&self) -> bool {
        self.params.latest_offset
    }

    /// Where a newly started job begins: offset 0, or the head with the note's source.
    fn start_offset(&self) -> u64 {
        if self.params.latest_offset {
            self.log.len()
        } else {
            0
        }
    }

    /// New events faults inserted (redeliveries repeat tape ids and are not new).
    fn extra(&self) -> Vec<OrderEvent> {
        self.log
            .inserted()
            .filter(|e| e.event_id >= INJECTED_ID_BASE)
            .copied()
            .collect()
    }

    fn is_session(&self) -> bool {
        self.params.window == WindowKind::Session
    }

    /// Judges `results` against the final truth into `score`.
    fn score_results(&self, rule: Rule, results: &[WindowResult], score: &mut Score) {
        let extra = self.extra();
        let truth = &self.truth[rule_index(rule)];
        for r in results {
            if r.repeat {
                score.repeated += 1;
                continue;
            }
            let (ok, delta, _) = judge_key(truth, &extra, r, self.is_session());
            score.checked += 1;
            if !ok {
                score.wrong += 1;
            }
            score.delta_events += delta;
        }
    }

    /// Re-judges every result of both jobs (the final truth moved: events were inserted).
    fn rescore(&mut self) {
        let mut s = Score::default();
        let live: Vec<WindowResult> = self.live.output.iter().copied().collect();
        self.score_results(self.live.cfg.rule, &live, &mut s);
        self.score_live = s;
        let mut s = Score::default();
        if let Some(next) = &self.next {
            let out: Vec<WindowResult> = next.output.iter().copied().collect();
            self.score_results(next.cfg.rule, &out, &mut s);
        }
        self.score_next = s;
        if self.live.ended() || self.missing.is_some() {
            self.missing = Some(self.count_missing());
        }
    }

    /// Final windows (or sessions) the live job has no result for.
    fn count_missing(&self) -> u64 {
        let extra = self.extra();
        let truth = &self.truth[rule_index(self.live.cfg.rule)];
        // A window is identified by its start (and user, for sessions).
        let mut emitted: Vec<(i64, u64)> = self
            .live
            .output
            .iter()
            .map(|r| (r.key.start_ms, r.key.user as u64))
            .collect();
        sort_pairs(&mut emitted);
        let has = |k: (i64, u64)| emitted.binary_search(&k).is_ok();
        if self.is_session() {
            truth
                .all_sessions(&extra)
                .iter()
                .filter(|s| !has((s.start_ms, s.user as u64)))
                .count() as u64
        } else {
            truth
                .all_windows(&extra)
                .iter()
                .filter(|(start, _)| !has((*start, 0)))
                .count() as u64
        }
    }

    /// Reads up to `budget` events into `job` (the live one records dots).
    fn read(
        job: &mut Job,
        log: &EventLog,
        budget: u64,
        scratch: &mut Vec<WindowKey>,
        dots: Option<&mut VecDeque<Dot>>,
    ) -> ReadOutcome {
        let from = job.offset;
        let before = job.output.len();
        let mut last = None;
        let mut dots = dots;
        let mut n = 0;
        while n < budget {
            let Some(e) = log.get(job.offset) else { break };
            let offset = job.offset;
            let (d, _) = job.process(offset, &e, scratch);
            let wm = job.watermark();
            if let Some(dots) = dots.as_deref_mut() {
                if dots.len() == DOTS {
                    dots.pop_front();
                }
                dots.push_back(Dot {
                    offset,
                    event: e,
                    disposition: d,
                    watermark_ms: wm,
                });
            }
            last = Some((e, d, wm));
            n += 1;
        }
        let emitted = job.output.page(before, usize::MAX);
        (from, job.offset, last, emitted)
    }
}

/// [`judge`] for either kind of window.
pub fn judge_key(
    truth: &StreamTruth,
    extra: &[OrderEvent],
    r: &WindowResult,
    session: bool,
) -> (bool, i64, Answer) {
    let t = if session {
        truth
            .session_final(r.key.user, r.key.start_ms, extra)
            .filter(|s| s.end_ms == r.key.end_ms)
            .map(|s| s.answer)
            .unwrap_or_default()
    } else {
        truth.window_final(r.key.start_ms, extra)
    };
    let ok = t.events == r.agg.events && t.revenue_cents == r.agg.revenue_cents;
    (ok, r.agg.events as i64 - t.events as i64, t)
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "late-burst",
        label: "Late burst",
        help: "12 events that happened well before the watermark arrive now (a phone back online): their windows have already closed.",
    },
    FaultSpec {
        kind: "crash",
        label: "Crash the processor",
        help: "The job dies and restarts from its last checkpoint: it re-reads the log from the saved offset and catches up. An at-least-once sink writes the results since the checkpoint again; an exactly-once sink's aborted transaction hid them.",
    },
    FaultSpec {
        kind: "duplicates",
        label: "Redeliver 5 events",
        help: "The source sends the last 5 events again (same ids); the job's id filter drops them.",
    },
    FaultSpec {
        kind: "very-late",
        label: "Very late events",
        help: "8 events that happened 3 hours ago arrive now: their windows closed long ago.",
    },
    FaultSpec {
        kind: "code-version",
        label: "Deploy code v2",
        help: "Start v2 of the job from offset 0 into a new output; readers switch once it has caught up with the head.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "late-data",
        label: "Late events and the side output",
        description: "Allowed delay 60 s while 10% of events arrive up to 10 min late: late events land in the side output and the closed windows stay short of the final truth.",
        seed: 42,
        params: &[],
        faults: &[],
        step: 400,
    },
    Preset {
        name: "delay-covers-lateness",
        label: "Allowed delay ≥ maximum lateness",
        description: "The allowed delay equals the maximum lateness: no event is late and every emitted window equals the final truth — at the price of emitting 10 minutes later.",
        seed: 42,
        params: &[("delay", "600")],
        faults: &[],
        step: 3000,
    },
    Preset {
        name: "reprocess-v2",
        label: "Reprocess with code v2",
        description: "v2 starts from offset 0 into a new output and catches up 8 events per step; both outputs are visible until readers switch.",
        seed: 42,
        params: &[],
        faults: &[(1200, "code-version")],
        step: 1300,
    },
    Preset {
        name: "crash-restart",
        label: "Crash and restart from a checkpoint",
        description: "The job crashes 180 events after its last checkpoint, restarts from the saved offset and replays; its windows come out the same, and the at-least-once sink writes the ones it had written since the checkpoint a second time.",
        seed: 42,
        params: &[("checkpoint", "500")],
        faults: &[(1180, "crash")],
        step: 1185,
    },
    Preset {
        name: "sessions",
        label: "Session windows",
        description: "Per-user sessions closed by 15 minutes of inactivity; a late event can bridge two sessions into one.",
        seed: 7,
        params: &[("window", "session"), ("delay", "600")],
        faults: &[],
        step: 600,
    },
    Preset {
        name: "sliding",
        label: "Sliding windows",
        description: "10-minute windows every 5 minutes: each event counts in two windows, and a late event can miss one and make the other.",
        seed: 42,
        params: &[("window", "sliding")],
        faults: &[],
        step: 500,
    },
    Preset {
        name: "note-source",
        label: "The note's source (pitfall)",
        description: "No WATERMARK: Flink rejects the job at planning (the window TVF needs a time attribute), so nothing runs and the log grows unread; v2 with the same source is rejected too, and its latest-offset would have skipped the history anyway.",
        seed: 42,
        params: &[("latest-offset", "on")],
        faults: &[(1000, "code-version")],
        step: 1100,
    },
];

impl Scenario for Kappa {
    type Params = KappaParams;
    type View = KappaView;
    const SLUG: &'static str = "kappa";

    fn new(params: &KappaParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let log = EventLog::generate(params.workload(), seed, params.events);
        let def = window_def(params);
        let truth = Arc::new([
            StreamTruth::build(log.tape(), def, false),
            StreamTruth::build(log.tape(), def, true),
        ]);
        let mut k = Kappa {
            params: params.clone(),
            seed,
            log,
            truth,
            live: Job::new(
                JobConfig {
                    windows: params.windows(),
                    rule: params.version,
                    delay_ms: 0,
                    watermarks: true,
                    side_output: true,
                },
                0,
            ),
            next: None,
            saved: None,
            score_live: Score::default(),
            score_next: Score::default(),
            dots: VecDeque::with_capacity(DOTS),
            last: Last::default(),
            switched_at: None,
            missing: None,
            steps: 0,
            scratch: Vec::new(),
        };
        k.live = Job::new(k.job_config(params.version), 0);
        Ok(k)
    }

    fn total_steps(&self) -> u64 {
        self.params.events
    }

    fn step(&mut self) {
        self.steps += 1;
        let mut last = Last {
            appended: self.log.append_next(),
            ..Last::default()
        };
        if self.rejected() {
            // Nothing runs: the log grows and nobody reads it.
            self.last = last;
            return;
        }
        let end = self.log.complete();
        let head = self.log.len();
        let catchup = self.params.catchup_events;
        let budget = |job: &Job| {
            if end {
                u64::MAX
            } else if job.offset + 1 >= head {
                1
            } else {
                catchup
            }
        };

        let b = budget(&self.live);
        let (from, to, disp, mut emitted) = Self::read(
            &mut self.live,
            &self.log,
            b,
            &mut self.scratch,
            Some(&mut self.dots),
        );
        if end && self.live.offset >= head {
            let before = self.live.output.len();
            if self.live.end_of_input() > 0 || self.live.ended() {
                last.ended = true;
            }
            emitted.extend(self.live.output.page(before, usize::MAX));
        }
        last.live_read = (from, to);
        last.disposition = disp;
        let mut s = self.score_live;
        self.score_results(self.live.cfg.rule, &emitted, &mut s);
        self.score_live = s;
        last.live_emitted = emitted;
        let since = self.saved.as_ref().map_or(0, |j| j.offset);
        if self.live.offset >= since + self.params.checkpoint_events {
            self.saved = Some(self.live.clone());
        }

        if let Some(mut next) = self.next.take() {
            let b = budget(&next);
            let (from, to, _, mut out) =
                Self::read(&mut next, &self.log, b, &mut self.scratch, None);
            if end && next.offset >= head {
                let before = next.output.len();
                next.end_of_input();
                out.extend(next.output.page(before, usize::MAX));
            }
            last.next_read = (from, to);
            last.next_emitted = out.len() as u32;
            let mut s = self.score_next;
            self.score_results(next.cfg.rule, &out, &mut s);
            self.score_next = s;
            if next.offset >= head {
                // Caught up: readers switch to the new output; the old job stops.
                self.live = next;
                self.score_live = self.score_next;
                self.score_next = Score::default();
                self.saved = Some(self.live.clone());
                self.switched_at = Some(self.steps);
                last.switched = true;
            } else {
                self.next = Some(next);
            }
        }
        if end {
            self.missing = Some(self.count_missing());
        }
        self.last = last;
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let sentence = match fault.kind.as_str() {
            "late-burst" => {
                if self.log.is_empty() {
                    return Err("no event has arrived yet".into());
                }
                let head = self.log.head_time().0;
                let mut rng = Rng::stream(
                    self.seed ^ self.log.len().wrapping_mul(0x9e37),
                    "kappa.late-burst",
                );
                let w = self.params.windows();
                let span_ms = match w.kind {
                    WindowKind::Session => w.gap_ms,
                    _ => w.size_ms,
                };
                let first_id = INJECTED_ID_BASE + (self.log.len() - self.log.arrived());
                let events: Vec<OrderEvent> = (0..BURST_EVENTS)
                    .map(|i| {
                        // Behind the watermark by more than a window: their windows closed.
                        let behind = self.params.delay_s * 1000
                            + span_ms
                            + rng.range_inclusive(60_000, 10 * 60_000);
                        let product_id = 1 + rng.below(50) as u32;
                        OrderEvent {
                            event_id: first_id + i,
                            order_id: first_id + i,
                            user_id: 1 + rng.below(self.params.users as u64) as u32,
                            product_id,
                            amount_cents: product_price_cents(product_id),
                            status: if rng.chance(0.5) {
                                OrderStatus::Paid
                            } else {
                                OrderStatus::Created
                            },
                            event_time: SimTime(head - behind),
                            arrival_time: SimTime(head),
                            duplicate: false,
                        }
                    })
                    .collect();
                let oldest = events
                    .iter()
                    .map(|e| head - e.event_time.0)
                    .max()
                    .unwrap_or(0);
                self.log.insert(events);
                self.rescore();
                format!(
                    "A burst of {BURST_EVENTS} events arrives at offsets {}–{}, up to {} after they happened; the job reads them next.",
                    self.log.len() - BURST_EVENTS,
                    self.log.len() - 1,
                    duration_ms(oldest)
                )
            }
            "duplicates" => {
                if self.log.is_empty() {
                    return Err("no event has arrived yet".into());
                }
                let again = self
                    .log
                    .redeliveries(crate::patterns::lambda::scenario::REDELIVERED);
                let k = again.len();
                self.log.insert(again);
                format!("The source redelivers the last {k} events (same ids); the job reads them next and its id filter drops them.")
            }
            "very-late" => {
                let age = 3 * 3_600_000;
                if self.log.head_time().0 < age + 3_600_000 {
                    return Err("the run has not reached 4 hours of event time yet".into());
                }
                let first = INJECTED_ID_BASE + (self.log.len() - self.log.arrived());
                let n = crate::patterns::lambda::scenario::VERY_LATE_EVENTS;
                let events = self
                    .log
                    .very_late(self.seed, first, n, self.params.users, age);
                self.log.insert(events);
                self.rescore();
                format!("{n} events that happened about 3 hours ago arrive now: every window they belong to closed long ago, so the job will treat them as late.")
            }
            "crash" => {
                if self.rejected() {
                    return Err(
                        "no job is running: Flink rejected the note's job when it was submitted"
                            .into(),
                    );
                }
                let mut restored = match &self.saved {
                    Some(j) => j.clone(),
                    None => Job::new(self.job_config(self.live.cfg.rule), self.start_offset()),
                };
                let lost = self.live.offset.saturating_sub(restored.offset);
                let from = restored.offset;
                let written = self.live.emitted.saturating_sub(restored.emitted);
                if !self.params.exactly_once {
                    // At-least-once: what the sink wrote is out there; the replay writes the
                    // same results again.
                    restored.written = self.live.written;
                    restored.output = self.live.output.clone();
                }
                self.live = restored;
                self.rescore();
                let start = if self.saved.is_some() {
                    format!("The processor crashes and restarts from its checkpoint at offset {from}: {} events read since then are read again", count(lost))
                } else {
                    format!("The processor crashes before its first checkpoint and restarts from offset 0: {} events are read again", count(lost))
                };
                let sink = match (written, self.params.exactly_once) {
                    (0, _) => "; it had written no result since then".to_string(),
                    (n, true) => format!(
                        "; the {} results it wrote since then were in a Kafka transaction the crash aborted: read_committed readers never saw them, and the replay writes them once",
                        count(n)
                    ),
                    (n, false) => format!(
                        "; its at-least-once sink had already published the {} results written since then, and the replay writes them again: readers of the topic see them twice (same values)",
                        count(n)
                    ),
                };
                format!("{start}{sink}.")
            }
            "code-version" => {
                if self.live.cfg.rule == Rule::V2 {
                    return Err("the job already runs v2".into());
                }
                if self.next.is_some() {
                    return Err("v2 is already catching up".into());
                }
                let start = self.start_offset();
                if self.rejected() {
                    format!("v2 is submitted with the same source and Flink rejects it too (no WATERMARK). Had it declared one, its 'latest-offset' would start it at offset {start}, the head: it would skip all {} events already in the log and have no history to replay.", count(start))
                } else {
                    self.next = Some(Job::new(self.job_config(Rule::V2), start));
                    self.score_next = Score::default();
                    format!("v2 is deployed and replays the log from offset 0 into a new output, {} events per step; readers stay on v1 until v2 reaches the head (offset {}).", self.params.catchup_events, self.log.len())
                }
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
        "a late event, a fault, readers switching to a new version, or the end of input"
    }

    fn narrate(&self) -> String {
        narrate(self)
    }

    fn is_notable(&self) -> bool {
        let l = &self.last;
        l.fault.is_some()
            || l.switched
            || l.ended
            || matches!(
                l.disposition,
                Some((_, Disposition::Late | Disposition::PartlyLate { .. }, _))
            )
    }

    fn view(&self) -> KappaView {
        KappaView::of(
            self,
            &self.dots,
            self.score_live,
            self.score_next,
            self.switched_at,
            self.missing,
            TruthHandle::new(self.truth.clone(), Arc::new(self.extra())),
        )
    }
}

fn window_label(k: &WindowKey) -> String {
    let range = format!(
        "{}–{}",
        time_of_day(SimTime(k.start_ms)),
        time_of_day(SimTime(k.end_ms))
    );
    if k.user != 0 {
        format!("user {}'s {range} session", k.user)
    } else {
        format!("{range} window")
    }
}

/// The note's job never runs: every step says why.
fn narrate_rejected(k: &Kappa) -> String {
    let why = "Flink rejected the note's job when it was submitted: its source declares no WATERMARK, so event_time is not a time attribute and the window TVF refuses it (ValidationException: The window function requires the timecol is a time attribute type, but is TIMESTAMP(3).)";
    match (k.steps, k.last.appended) {
        (0, _) => format!("Start: an empty log. {why}. No job runs."),
        (_, Some(e)) => format!(
            "Event #{} is appended at offset {}; no job reads it. {why}. {} events wait unread.",
            e.event_id,
            count(k.log.len().saturating_sub(1)),
            count(k.log.len())
        ),
        (_, None) => format!(
            "The log is complete ({} events) and no job ever read it. {why}.",
            count(k.log.len())
        ),
    }
}

fn narrate(k: &Kappa) -> String {
    let l = &k.last;
    if let Some(f) = &l.fault {
        return f.clone();
    }
    if k.rejected() {
        return narrate_rejected(k);
    }
    if k.steps == 0 {
        return format!(
            "Start: an empty log and one job (code {}) counting orders and revenue in {}, watermark = latest event time − {}.",
            k.live.cfg.rule.as_str(),
            k.params.windows().describe(),
            duration_ms(k.params.delay_s * 1000),
        );
    }
    let mut out = String::new();
    let (from, to) = l.live_read;
    match (&l.disposition, to - from) {
        (_, 0) => out.push_str("The job has nothing new to read."),
        (Some((e, d, wm)), 1) => {
            // How long it took to arrive (read time − event time); "late" is kept for
            // events behind the watermark.
            let delay = e.lateness_ms();
            let arrives = if delay > 1000 {
                format!("arrives {} after it happened", duration_ms(delay))
            } else {
                "arrives as it happens".to_string()
            };
            let wm_text = match wm {
                Some(w) if *w == i64::MAX => "the end-of-input watermark".to_string(),
                Some(w) => format!("the watermark is {}", time_of_day(SimTime(*w))),
                None => "there is no watermark".to_string(),
            };
            let what = match d {
                Disposition::Duplicate => format!(
                    "Event #{} is delivered again; the job has seen its id, so it is not counted twice.",
                    e.event_id
                ),
                Disposition::Counted { windows } => {
                    let w = k.live.open().iter().rev().find(|(key, _)| {
                        key.start_ms <= e.event_time.0
                            && e.event_time.0 < key.end_ms
                            && (key.user == 0 || key.user == e.user_id)
                    });
                    let place = match (windows, w) {
                        (1, Some((key, agg))) => format!(
                            "counted in the {} ({} events so far)",
                            window_label(key),
                            agg.events
                        ),
                        (n, _) => format!("counted in {n} open windows"),
                    };
                    format!(
                        "Event #{} (user {}, {}) {arrives}; {place}; {wm_text}.",
                        e.event_id,
                        e.user_id,
                        time_of_day(e.event_time),
                    )
                }
                Disposition::Late => format!(
                    "Event #{} (user {}, {}) {arrives}; {wm_text}, so its window has already closed and the event {}.",
                    e.event_id,
                    e.user_id,
                    time_of_day(e.event_time),
                    if k.params.side_output {
                        "goes to the late-data side output"
                    } else {
                        "is dropped"
                    }
                ),
                Disposition::PartlyLate { counted, missed } => format!(
                    "Event #{} (user {}, {}) {arrives}; {wm_text}: {missed} of its windows already closed without it, it counts in the other {counted}.",
                    e.event_id,
                    e.user_id,
                    time_of_day(e.event_time),
                ),
            };
            out.push_str(&what);
        }
        _ => out.push_str(&format!(
            "The {} job catches up: it reads offsets {}–{} ({} behind the head).",
            k.live.cfg.rule.as_str(),
            from,
            to - 1,
            count(k.log.len().saturating_sub(to))
        )),
    }
    let repeats = l.live_emitted.iter().filter(|r| r.repeat).count();
    if let [one] = l.live_emitted.as_slice() {
        out.push_str(&format!(
            " The watermark passed {}, so the {} emits {} events, {}{}.",
            time_of_day(SimTime(one.key.end_ms)),
            window_label(&one.key),
            one.agg.events,
            money(one.agg.revenue_cents),
            if one.repeat {
                " again: the at-least-once sink had written it before the crash"
            } else if k.params.exactly_once {
                "; read_committed readers see it once the next checkpoint commits the sink's transaction"
            } else {
                ""
            }
        ));
    } else if l.live_emitted.len() > 1 && !l.ended {
        out.push_str(&format!(" {} windows emit", l.live_emitted.len()));
        if repeats > 0 {
            out.push_str(&format!(
                ", {repeats} of them again (written before the crash by the at-least-once sink)"
            ));
        }
        out.push('.');
    }
    if l.ended {
        if k.live.cfg.watermarks {
            out.push_str(&format!(
                " End of input: the watermark jumps to +∞ and the last {} windows close.",
                l.live_emitted.len()
            ));
        } else {
            out.push_str(&format!(
                " End of input, but the job declares no watermark: its {} windows never close and nothing is emitted.",
                k.live.open().len()
            ));
        }
    }
    let (nf, nt) = l.next_read;
    if nt > nf && k.next.is_some() {
        {
            out.push_str(&format!(
                " v2 replays offsets {}–{} ({} of {}).",
                nf,
                nt - 1,
                count(nt),
                count(k.log.len())
            ));
        }
    }
    if l.switched {
        out.push_str(&format!(
            " {} caught up with the head of the log: readers switch to its output and the old job stops.",
            k.live.cfg.rule.as_str()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Timeline;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn crashed(exactly_once: bool) -> (Kappa, usize, usize) {
        let p = KappaParams {
            checkpoint_events: 500,
            exactly_once,
            ..KappaParams::default()
        };
        let mut k = Kappa::new(&p, 42).unwrap();
        for _ in 0..1180 {
            k.step();
        }
        let at_checkpoint = k.saved.as_ref().map_or(0, |j| j.output.len());
        let before = k.live.output.len();
        assert!(
            before > at_checkpoint,
            "results were written since the checkpoint"
        );
        k.apply(&Fault::new("crash")).unwrap();
        (k, at_checkpoint, before)
    }

    /// At-least-once (the Kafka sink's default): the results written between the checkpoint
    /// and the crash were published and stay; the replay writes the same ones again.
    #[test]
    fn an_at_least_once_sink_writes_the_results_since_the_checkpoint_twice() {
        let (mut k, at_checkpoint, before) = crashed(false);
        let written = (before - at_checkpoint) as u64;
        assert_eq!(
            k.live.output.len(),
            before,
            "published rows are not taken back"
        );
        assert!(k
            .last
            .fault
            .as_deref()
            .unwrap_or_default()
            .contains("twice"));
        for _ in 0..300 {
            k.step();
        }
        let out: Vec<WindowResult> = k.live.output.iter().copied().collect();
        let repeats: Vec<&WindowResult> = out.iter().filter(|r| r.repeat).collect();
        assert_eq!(repeats.len() as u64, written);
        assert_eq!(k.score_live.repeated, written);
        for r in repeats {
            let first = out.iter().find(|o| o.key == r.key).unwrap();
            assert!(
                !first.repeat && first.agg == r.agg,
                "the same window, the same values"
            );
        }
    }

    /// Exactly-once: those results were in the aborted transaction; nothing is written twice.
    #[test]
    fn an_exactly_once_sink_writes_each_result_once() {
        let (mut k, at_checkpoint, _) = crashed(true);
        assert_eq!(k.live.output.len(), at_checkpoint);
        assert!(k
            .last
            .fault
            .as_deref()
            .unwrap_or_default()
            .contains("aborted"));
        for _ in 0..300 {
            k.step();
        }
        assert!(k.live.output.iter().all(|r| !r.repeat));
        assert_eq!(k.score_live.repeated, 0);
    }

    /// The note's source is rejected by the planner: no job reads, a crash has nothing to
    /// crash, and v2 with the same source is rejected too.
    #[test]
    fn the_notes_job_never_runs() {
        let p = KappaParams {
            latest_offset: true,
            ..KappaParams::default()
        };
        let mut k = Kappa::new(&p, 42).unwrap();
        assert!(k.narrate().contains("rejected"));
        for _ in 0..50 {
            k.step();
        }
        assert_eq!((k.live.read, k.live.offset), (0, 0));
        assert!(k.narrate().contains("no job reads it"), "{}", k.narrate());
        assert!(k.apply(&Fault::new("crash")).is_err());
        k.apply(&Fault::new("code-version")).unwrap();
        assert!(k.next.is_none());
        assert!(k.narrate().contains("latest-offset"));
    }

    /// "Late" means behind the watermark; an event that merely took a while to arrive but
    /// is counted is described by its arrival delay, not as late.
    #[test]
    fn a_delayed_event_that_counts_is_not_called_late() {
        let mut k = Kappa::new(&KappaParams::default(), 42).unwrap();
        let mut seen = 0;
        for _ in 0..600 {
            k.step();
            if let Some((e, Disposition::Counted { .. }, _)) = k.last.disposition {
                if e.lateness_ms() > 60_000 {
                    let n = k.narrate();
                    assert!(!n.contains(" late"), "{n}");
                    assert!(n.contains("after it happened"), "{n}");
                    seen += 1;
                }
            }
        }
        assert!(
            seen > 0,
            "the default stream has delayed events that still count"
        );
    }

    /// Each preset lands on the state its description promises.
    #[test]
    fn presets_land_on_what_they_describe() {
        for preset in PRESETS {
            let (p, faults) = preset.load::<KappaParams>();
            let mut tl = Timeline::new(Kappa::new(&p, preset.seed).unwrap(), faults);
            assert!(tl.rejected_faults().is_empty(), "{}", preset.name);
            tl.seek(preset.step);
            let v = tl.current().view();
            let name = preset.name;
            match name {
                "late-data" => assert!(!v.live.late.is_empty() && v.live.score.wrong > 0, "{name}"),
                "delay-covers-lateness" => {
                    assert_eq!(
                        (v.live.late.len(), v.live.score.wrong, v.missing),
                        (0, 0, Some(0))
                    )
                }
                "reprocess-v2" => assert!(v.next.is_some(), "{name}: v2 is catching up"),
                "crash-restart" => assert!(v.live.lag > 0, "{name}: replaying after the crash"),
                "sessions" => assert!(v.live.output.iter().any(|r| r.key.user != 0), "{name}"),
                "sliding" => assert!(v.live.output.len() > 1, "{name}"),
                "note-source" => {
                    assert!(
                        v.live.output.is_empty()
                            && v.live.read == 0
                            && v.live.version == Rule::V1
                            && v.next.is_none()
                            && v.head > 1000,
                        "{name}: nothing runs"
                    );
                    assert!(tl.current().narrate().contains("rejected"), "{name}");
                }
                other => panic!("preset {other} has no check"),
            }
        }
    }
}
