//! The CQRS state machine. Each step a client sends a command: the write model checks it
//! against the order's state and appends the event to the log; the client then reads its
//! order back from the orders-by-user read model. Every `poll` steps each projector applies
//! up to `batch` events from the log, so the read side lags the write side.

use crate::format::{count, duration_ms};
use crate::oracle::orders::PrefixTruth;
use crate::orders::domain::OrderId;
use crate::orders::{decide, evolve, Command, CommandGen, EventBody, OrderState, Rejection};
use crate::sim::parray::PArray;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario};

use super::params::{CqrsParams, ReadMode};
use super::projection::{Model, Projector};
use super::view::{CqrsView, Sample};

/// Simulated time between steps.
pub const STEP_MS: i64 = 120_000;
/// The first command's time: 09:00 on the first day.
pub const START_MS: i64 = 9 * 3_600_000;
/// Events the broker delivers again on "duplicate delivery".
pub const REDELIVERED: u64 = 20;
/// A write burst: this many steps with this many extra commands each.
pub const BURST_STEPS: u64 = 40;
pub const BURST_EXTRA: u32 = 6;
/// A waiting read gives up after this many steps.
pub const READ_TIMEOUT_STEPS: u64 = 60;
const SAMPLES: u64 = 400;

/// One event in the log (its position is its index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEvent {
    pub order: OrderId,
    pub body: EventBody,
    pub at_ms: i64,
}

/// A read a client issued right after its own write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingRead {
    pub order: OrderId,
    /// The order's version after the write.
    pub version: u32,
    /// The write's log position (the token).
    pub token: u64,
    pub issued: u64,
}

/// How a read ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadResult {
    /// It saw its own write.
    Fresh,
    /// It saw the order as it was before the write (read-your-own-write violated).
    Stale { seen: u32 },
    /// It waited and gave up.
    TimedOut,
}

/// An answered read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadAnswer {
    pub read: PendingRead,
    pub answered: u64,
    pub result: ReadResult,
}

/// A command handled by the write model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handled {
    pub order: OrderId,
    pub command: Command,
    pub result: Result<u64, Rejection>,
}

/// Read-after-write statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub issued: u64,
    pub fresh: u64,
    pub stale: u64,
    pub timed_out: u64,
    /// Steps waited by answered reads, summed, and the longest.
    pub waited_steps: u64,
    pub longest_wait: u64,
}

/// What the last step (or fault) did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Last {
    pub handled: Vec<Handled>,
    /// Events each projector applied (by user, revenue) and duplicates each skipped.
    pub projected: [u64; 2],
    pub skipped: [u64; 2],
    /// Redelivered events a non-idempotent projection applied again.
    pub reapplied: [u64; 2],
    pub answers: Vec<ReadAnswer>,
    pub fault: Option<String>,
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Cqrs {
    params: CqrsParams,
    gen: CommandGen,
    /// The write model: each order's state (its own store, not the read side's).
    write: PArray<OrderState>,
    log: PVec<LogEvent>,
    projectors: [Projector; 2],
    pending: Vec<PendingRead>,
    answers: PVec<ReadAnswer>,
    reads: ReadStats,
    rejected: u64,
    burst_left: u64,
    samples: PVec<Sample>,
    window: (u64, u64, u64),
    /// The oracle's fold of the whole log, and of the log up to each projector's position.
    truth_head: PrefixTruth,
    truth_at: [PrefixTruth; 2],
    last: Last,
    steps: u64,
}

/// Feeds one log event to an oracle fold (which never sees the domain types' logic).
fn feed(t: &mut PrefixTruth, e: &LogEvent) {
    let (user, amount) = match e.body {
        EventBody::Created { user } => (user, 0),
        b => (0, b.amount_cents().unwrap_or(0)),
    };
    // A refused event leaves the oracle short: the badges then show the difference.
    let _ = t.apply(e.order, e.body.name(), user, amount, e.at_ms);
}

pub(crate) const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "crash-projector",
        label: "Crash the projectors",
        help: "Both projectors crash and their read models are lost: they are rebuilt by replaying the log from position 0, in batches, while reads see old data.",
    },
    FaultSpec {
        kind: "duplicates",
        label: "Duplicate delivery",
        help: "The broker delivers the last 20 events again (at-least-once delivery). An idempotent projection skips them; a plain one counts them twice.",
    },
    FaultSpec {
        kind: "write-burst",
        label: "Write burst",
        help: "For the next 40 steps clients send 6 extra commands per step: the lag grows while the burst lasts and drains after it.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "stale-reads",
        label: "Stale reads",
        description: "Projectors run every 10 steps: most clients read their order back before it was projected and see the old version.",
        seed: 4,
        params: &[("poll", "10"), ("batch", "20")],
        faults: &[],
        step: 120,
    },
    Preset {
        name: "wait-version",
        label: "Fix: wait for the version",
        description: "The same lag, but each read waits until the read model has the order at the version the write produced: no stale read, a measured wait instead.",
        seed: 4,
        params: &[("poll", "10"), ("batch", "20"), ("reads", "wait-version")],
        faults: &[],
        step: 120,
    },
    Preset {
        name: "burst",
        label: "A write burst",
        description: "At step 100 clients send seven commands per step for 40 steps; the projectors apply 8 events every 5 steps, so the lag climbs to a few hundred events, then drains over the next few hundred steps (see the lag chart).",
        seed: 8,
        params: &[],
        faults: &[(100, "write-burst")],
        step: 600,
    },
    Preset {
        name: "rebuild",
        label: "Crash and rebuild from 0",
        description: "At step 300 both projectors lose their read models and replay the log from position 0 in batches of 40.",
        seed: 2,
        params: &[("batch", "40")],
        faults: &[(300, "crash-projector")],
        step: 320,
    },
    Preset {
        name: "duplicates",
        label: "Duplicates, not idempotent",
        description: "The broker redelivers 20 events; without idempotency the read models count them twice and never recover (compare the badges with idempotency on).",
        seed: 6,
        params: &[("idempotent", "off")],
        faults: &[(200, "duplicates")],
        step: 210,
    },
    Preset {
        name: "split-topics",
        label: "The note's two topics",
        description: "Commands go to order_commands, the read side consumes order_queries: the read models stay empty and every read is stale.",
        seed: 4,
        params: &[("split-topics", "on")],
        faults: &[],
        step: 100,
    },
];

impl Cqrs {
    pub fn params(&self) -> &CqrsParams {
        &self.params
    }
    pub fn log(&self) -> &PVec<LogEvent> {
        &self.log
    }
    pub fn projector(&self, m: Model) -> &Projector {
        &self.projectors[m as usize]
    }
    pub fn write_state(&self, order: OrderId) -> OrderState {
        self.write.get(order as usize)
    }
    pub fn orders(&self) -> u32 {
        self.gen.orders()
    }
    pub fn reads(&self) -> &ReadStats {
        &self.reads
    }
    pub fn answers(&self) -> &PVec<ReadAnswer> {
        &self.answers
    }
    pub fn pending(&self) -> &[PendingRead] {
        &self.pending
    }
    pub fn rejected(&self) -> u64 {
        self.rejected
    }
    pub fn last(&self) -> &Last {
        &self.last
    }
    pub fn samples(&self) -> &PVec<Sample> {
        &self.samples
    }
    pub fn steps(&self) -> u64 {
        self.steps
    }
    pub fn burst_left(&self) -> u64 {
        self.burst_left
    }
    /// The oracle's fold of the whole log.
    pub fn truth_head(&self) -> &PrefixTruth {
        &self.truth_head
    }
    /// The oracle's fold of the log up to the projector's position.
    pub fn truth_at(&self, m: Model) -> &PrefixTruth {
        &self.truth_at[m as usize]
    }
    /// Events the projector has not applied yet.
    pub fn lag(&self, m: Model) -> u64 {
        (self.log.len() as u64).saturating_sub(self.projector(m).next)
    }

    /// A copy whose projectors have applied everything in the log ("once lag drains"),
    /// without new commands. With the note's two topics nothing ever arrives.
    pub fn drained(&self) -> Cqrs {
        let mut s = self.clone();
        let mut guard = 0u64;
        while (s.lag(Model::ByUser) > 0 || s.lag(Model::RevenueByDay) > 0)
            && !s.params.split_topics
            && guard < s.log.len() as u64 + 1
        {
            s.project();
            guard += 1;
        }
        s
    }

    fn now_ms(&self) -> i64 {
        START_MS + self.steps as i64 * STEP_MS
    }

    /// The write model handles one command; an accepted one is appended to the log.
    fn command(&mut self) -> Handled {
        let write = &self.write;
        let (order, command) = self.gen.next(|o| write.get(o as usize));
        let state = self.write.get(order as usize);
        let result = decide(&state, &command).map(|body| {
            let pos = self.log.len() as u64;
            let e = LogEvent {
                order,
                body,
                at_ms: self.now_ms(),
            };
            feed(&mut self.truth_head, &e);
            self.log.push(e);
            self.write
                .update(order as usize, |s| *s = evolve(&state, &body));
            pos
        });
        if result.is_err() {
            self.rejected += 1;
        }
        Handled {
            order,
            command,
            result,
        }
    }

    /// Each projector applies up to `batch` events from its delivery cursor.
    fn project(&mut self) -> ([u64; 2], [u64; 2], [u64; 2]) {
        let (mut applied, mut skipped, mut reapplied) = ([0; 2], [0; 2], [0; 2]);
        if self.params.split_topics {
            // The read side consumes a topic nobody writes to.
            return (applied, skipped, reapplied);
        }
        let idempotent = self.params.idempotent;
        for (i, p) in self.projectors.iter_mut().enumerate() {
            let before = (p.duplicates_skipped, p.duplicates_applied);
            let end = (p.cursor + self.params.batch).min(self.log.len() as u64);
            for pos in p.cursor..end {
                if let Some(e) = self.log.get(pos as usize) {
                    if p.receive(pos, e, idempotent) {
                        applied[i] += 1;
                    }
                }
            }
            p.cursor = end;
            skipped[i] = p.duplicates_skipped - before.0;
            reapplied[i] = p.duplicates_applied - before.1;
            let t = &mut self.truth_at[i];
            while t.events < p.next {
                match self.log.get(t.events as usize) {
                    Some(e) => feed(t, e),
                    None => break,
                }
            }
        }
        (applied, skipped, reapplied)
    }

    /// Answers the reads whose condition holds (or that waited too long).
    fn resolve(&mut self) -> Vec<ReadAnswer> {
        let by_user = &self.projectors[Model::ByUser as usize];
        let mode = self.params.reads;
        let now = self.steps;
        let mut out = Vec::new();
        self.pending.retain(|r| {
            let seen = by_user.order(r.order).version;
            let ready = match mode {
                ReadMode::Immediate => true,
                ReadMode::WaitVersion => seen >= r.version,
                ReadMode::Token => by_user.next > r.token,
            };
            let result = if ready {
                if seen >= r.version {
                    ReadResult::Fresh
                } else {
                    ReadResult::Stale { seen }
                }
            } else if now - r.issued >= READ_TIMEOUT_STEPS {
                ReadResult::TimedOut
            } else {
                return true;
            };
            out.push(ReadAnswer {
                read: *r,
                answered: now,
                result,
            });
            false
        });
        for a in &out {
            let waited = a.answered - a.read.issued;
            match a.result {
                ReadResult::Fresh => self.reads.fresh += 1,
                ReadResult::Stale { .. } => self.reads.stale += 1,
                ReadResult::TimedOut => self.reads.timed_out += 1,
            }
            if a.result != ReadResult::TimedOut {
                self.reads.waited_steps += waited;
                self.reads.longest_wait = self.reads.longest_wait.max(waited);
            }
            self.answers.push(*a);
        }
        out
    }

    fn sample(&mut self, stale: u64, reads: u64) {
        self.window.0 += stale;
        self.window.1 += reads;
        let every = (self.params.commands / SAMPLES).max(1);
        if !self.steps.is_multiple_of(every) {
            return;
        }
        let (stale, reads, _) = std::mem::take(&mut self.window);
        self.samples.push(Sample {
            step: self.steps,
            lag_by_user: self.lag(Model::ByUser),
            lag_revenue: self.lag(Model::RevenueByDay),
            stale_share: if reads == 0 {
                0.0
            } else {
                stale as f64 / reads as f64
            },
        });
    }
}

impl Scenario for Cqrs {
    type Params = CqrsParams;
    type View = CqrsView;
    const SLUG: &'static str = "cqrs";

    fn new(params: &CqrsParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Cqrs {
            params: params.clone(),
            gen: CommandGen::new(params.workload(), seed),
            write: PArray::new(),
            log: PVec::new(),
            projectors: [
                Projector::new(Model::ByUser),
                Projector::new(Model::RevenueByDay),
            ],
            pending: Vec::new(),
            answers: PVec::new(),
            reads: ReadStats::default(),
            rejected: 0,
            burst_left: 0,
            samples: PVec::new(),
            window: (0, 0, 0),
            truth_head: PrefixTruth::new(),
            truth_at: [PrefixTruth::new(), PrefixTruth::new()],
            last: Last::default(),
            steps: 0,
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.commands
    }

    fn step(&mut self) {
        self.steps += 1;
        let mut last = Last::default();
        let extra = if self.burst_left > 0 {
            self.burst_left -= 1;
            BURST_EXTRA
        } else {
            0
        };
        for i in 0..=extra {
            let h = self.command();
            // The first client of the step reads its order back right after writing it.
            if i == 0 {
                if let Ok(pos) = h.result {
                    self.reads.issued += 1;
                    self.pending.push(PendingRead {
                        order: h.order,
                        version: self.write.get(h.order as usize).version,
                        token: pos,
                        issued: self.steps,
                    });
                }
            }
            last.handled.push(h);
        }
        if self.steps.is_multiple_of(self.params.poll_steps) {
            (last.projected, last.skipped, last.reapplied) = self.project();
        }
        last.answers = self.resolve();
        let stale = last
            .answers
            .iter()
            .filter(|a| matches!(a.result, ReadResult::Stale { .. }))
            .count() as u64;
        let answered = last.answers.len() as u64;
        self.last = last;
        self.sample(stale, answered);
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let sentence = match fault.kind.as_str() {
            "crash-projector" => {
                for p in &mut self.projectors {
                    p.rebuild();
                }
                self.truth_at = [PrefixTruth::new(), PrefixTruth::new()];
                format!(
                    "Both projectors crash and lose their read models. They restart from log position 0 and replay {} events, {} per run every {}.",
                    count(self.log.len() as u64),
                    self.params.batch,
                    steps_text(self.params.poll_steps)
                )
            }
            "duplicates" => {
                let mut n = 0;
                for p in &mut self.projectors {
                    let back = REDELIVERED.min(p.cursor);
                    p.cursor -= back;
                    n = n.max(back);
                }
                if n == 0 {
                    return Err(
                        "nothing was delivered yet: step until the projectors have run".into(),
                    );
                }
                format!(
                    "The broker redelivers the last {n} events to both projectors (at-least-once delivery). {}",
                    if self.params.idempotent {
                        "Each read model remembers the last position it applied, so it will skip them."
                    } else {
                        "The projection is not idempotent: they will be applied a second time."
                    }
                )
            }
            "write-burst" => {
                if self.burst_left > 0 {
                    return Err("a write burst is already under way".into());
                }
                self.burst_left = BURST_STEPS;
                format!(
                    "A write burst: for the next {BURST_STEPS} steps clients send {} commands per step; the projectors still apply {} events every {}.",
                    BURST_EXTRA + 1,
                    self.params.batch,
                    steps_text(self.params.poll_steps)
                )
            }
            other => return Err(format!("unknown fault \"{other}\"")),
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
        "a stale read, a read that timed out, a skipped or re-applied duplicate, or a fault"
    }

    fn narrate(&self) -> String {
        narrate(self)
    }

    fn is_notable(&self) -> bool {
        let l = &self.last;
        l.fault.is_some()
            || l.skipped.iter().chain(&l.reapplied).any(|n| *n > 0)
            || l.answers
                .iter()
                .any(|a| !matches!(a.result, ReadResult::Fresh))
    }

    fn view(&self) -> CqrsView {
        CqrsView::of(self)
    }
}

fn steps_text(n: u64) -> String {
    format!(
        "{} step{} ({})",
        n,
        if n == 1 { "" } else { "s" },
        duration_ms(n as i64 * STEP_MS)
    )
}

/// One answered read as a sentence.
pub fn answer_sentence(a: &ReadAnswer) -> String {
    let waited = a.answered - a.read.issued;
    let wait = if waited == 0 {
        String::new()
    } else {
        format!(" after waiting {}", steps_text(waited))
    };
    match a.result {
        ReadResult::Fresh => format!(
            "the client reads order #{} back{wait} and sees its write (version {}).",
            a.read.order, a.read.version
        ),
        ReadResult::Stale { seen } => format!(
            "the client reads order #{} back{wait} and sees version {seen}, not the version {} it just wrote: a stale read.",
            a.read.order, a.read.version
        ),
        ReadResult::TimedOut => format!(
            "the client's read of order #{} gives up after {}: the read model never reached version {}.",
            a.read.order,
            steps_text(waited),
            a.read.version
        ),
    }
}

fn narrate(s: &Cqrs) -> String {
    let l = &s.last;
    if let Some(f) = &l.fault {
        return f.clone();
    }
    let Some(h) = l.handled.first() else {
        return format!(
            "Start: an empty event log and empty read models. Projectors apply up to {} events every {}; reads after a write {}.",
            s.params.batch,
            steps_text(s.params.poll_steps),
            match s.params.reads {
                ReadMode::Immediate => "go straight to the read model",
                ReadMode::WaitVersion => "wait for the version they wrote",
                ReadMode::Token => "carry a position token and wait for it",
            }
        );
    };
    let write = match h.result {
        Ok(pos) => format!(
            "{} for order #{} becomes event {} in the log",
            h.command.label(),
            h.order,
            count(pos + 1)
        ),
        Err(r) => format!(
            "{} for order #{} is refused ({}): no event",
            h.command.label(),
            h.order,
            r.reason()
        ),
    };
    let burst = if l.handled.len() > 1 {
        format!(" (and {} more commands in the burst)", l.handled.len() - 1)
    } else {
        String::new()
    };
    let projected = if l.projected.iter().any(|n| *n > 0) || l.skipped.iter().any(|n| *n > 0) {
        format!(
            " The projectors apply {} and {} events{}; lag {} / {}.",
            l.projected[0],
            l.projected[1],
            if l.skipped.iter().any(|n| *n > 0) {
                format!(
                    ", skipping {} redelivered ones",
                    l.skipped[0] + l.skipped[1]
                )
            } else {
                String::new()
            },
            count(s.lag(Model::ByUser)),
            count(s.lag(Model::RevenueByDay))
        )
    } else {
        format!(
            " Lag {} / {} events.",
            count(s.lag(Model::ByUser)),
            count(s.lag(Model::RevenueByDay))
        )
    };
    let read = l
        .answers
        .iter()
        .rev()
        .find(|a| !matches!(a.result, ReadResult::Fresh))
        .or(l.answers.last())
        .map(|a| format!(" Then {}", answer_sentence(a)))
        .unwrap_or_default();
    format!("{write}{burst}.{projected}{read}")
}
