//! The CQRS state machine. Each step a client sends a command: the write model checks it
//! against the order's state, commits the new state and gets the event into the log —
//! through a transactional outbox (the state and an outbox row in one commit, a relay
//! sending the row) or directly (save, then send: two writes). The client then reads its
//! order back from the orders-by-user read model. Every `poll` steps each projector applies
//! up to `batch` events from the log, so the read side lags the write side.
//!
//! The log is one partition: a position here is an offset in that partition (a keyed,
//! multi-partition topic has one such sequence per partition; the listing keeps one
//! position per partition). It keeps every event (unlimited retention), which a rebuild
//! from position 0 needs: the crash-projector narration says what Kafka's default
//! retention or a compacted topic would leave of it.

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
/// Kafka's default `retention.ms` (7 days), for the rebuild's narration.
pub const KAFKA_DEFAULT_RETENTION_MS: i64 = 7 * 86_400_000;
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

/// Where an accepted command's event went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    /// In the log at this position (the client's position token).
    Logged(u64),
    /// Committed with its outbox row; the relay sends it when the process is back.
    Outbox,
    /// Saved in the write database, never sent: the process died between the two writes.
    Lost,
}

impl Published {
    /// The log position, if the event is in the log.
    pub fn position(self) -> Option<u64> {
        match self {
            Published::Logged(p) => Some(p),
            _ => None,
        }
    }
}

/// A command handled by the write model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handled {
    pub order: OrderId,
    pub command: Command,
    pub result: Result<Published, Rejection>,
    /// Its process died between the commit and the send (the crash fault).
    pub crashed: bool,
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
    /// Events the relay sent from the outbox at the start of the step (left by a crash),
    /// as `(first position, count)`.
    pub relayed: Option<(u64, u64)>,
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
    /// Outbox rows committed and not yet sent (oldest first).
    outbox: Vec<LogEvent>,
    /// The next accepted payment's process dies between its commit and its send.
    crash_armed: bool,
    /// The process crashed this step: its relay sends nothing until the next step.
    relay_down: bool,
    crashes: u64,
    /// Events committed by the write side that never reached the log (direct sends only).
    lost: u64,
    samples: PVec<Sample>,
    window: (u64, u64, u64),
    /// The oracle's fold of every event the write side committed (the log's events, those
    /// waiting in the outbox and those lost), and of the log up to each projector's
    /// position.
    truth_head: PrefixTruth,
    truth_at: [PrefixTruth; 2],
    /// Log positions fed to each `truth_at` (an event the oracle refuses — a log that
    /// lost an event — is still passed over).
    truth_fed: [u64; 2],
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
        help: "Both projectors crash and their read models are lost: they are rebuilt by replaying the log from position 0, in batches, while reads see old data. This needs the log to keep every event; Kafka's default retention deletes events after 7 days and a compacted topic keeps only each order's newest event, and then a replay from 0 rebuilds wrong models.",
    },
    FaultSpec {
        kind: "crash-before-send",
        label: "Crash between the two writes",
        help: "The next accepted payment's process dies right after its database commit, before the event reaches Kafka. Save-then-send loses the event: the write model has the payment, the log and the read models never will. With the outbox the event committed with the state; the relay sends it when the process is back, a step later.",
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
        step: 125,
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
        name: "dual-write",
        label: "Save, then send: a crash loses a payment",
        description: "Events are saved, then sent to Kafka. At step 20 the next payment's process dies between the two writes: the write model has the payment, the log never gets it, and the read models stay short of it for good (the final-truth badges). Switch Publish events to the outbox: the same crash only delays the event by a step.",
        seed: 3,
        params: &[("publish", "direct")],
        faults: &[(20, "crash-before-send")],
        step: 60,
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
    /// Outbox rows committed and not sent yet.
    pub fn outbox(&self) -> &[LogEvent] {
        &self.outbox
    }
    pub fn crash_armed(&self) -> bool {
        self.crash_armed
    }
    /// Crashes between a commit and its send so far.
    pub fn crashes(&self) -> u64 {
        self.crashes
    }
    /// Events the write side committed that never reached the log.
    pub fn lost(&self) -> u64 {
        self.lost
    }
    /// Events the projector has not applied yet.
    pub fn lag(&self, m: Model) -> u64 {
        (self.log.len() as u64).saturating_sub(self.projector(m).next)
    }

    /// A copy whose projectors have applied everything in the log ("once lag drains"),
    /// without new commands. With the note's two topics nothing ever arrives.
    pub fn drained(&self) -> Cqrs {
        let mut s = self.clone();
        s.relay_down = false;
        s.relay();
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

    /// The relay sends every outbox row, oldest first; returns `(first position, count)`.
    fn relay(&mut self) -> Option<(u64, u64)> {
        if self.relay_down || self.outbox.is_empty() {
            return None;
        }
        let first = self.log.len() as u64;
        let n = self.outbox.len() as u64;
        for e in self.outbox.drain(..) {
            self.log.push(e);
        }
        Some((first, n))
    }

    /// The write model handles one command: an accepted one commits the new state and its
    /// event reaches the log (through the outbox and the relay, or by a direct send) — or,
    /// after a crash between the two writes, waits in the outbox or is lost.
    fn command(&mut self) -> Handled {
        let write = &self.write;
        let (order, command) = self.gen.next(|o| write.get(o as usize));
        let state = self.write.get(order as usize);
        let mut crashed = false;
        let result = decide(&state, &command).map(|body| {
            let e = LogEvent {
                order,
                body,
                at_ms: self.now_ms(),
            };
            // The commit: the write model's new state (and, with the outbox, its row).
            feed(&mut self.truth_head, &e);
            self.write
                .update(order as usize, |s| *s = evolve(&state, &body));
            let crash = self.crash_armed && matches!(body, EventBody::Paid { .. });
            if crash {
                self.crash_armed = false;
                self.crashes += 1;
                self.relay_down = true;
                crashed = true;
            }
            if self.params.outbox {
                self.outbox.push(e);
                match self.relay() {
                    Some((first, n)) => Published::Logged(first + n - 1),
                    None => Published::Outbox,
                }
            } else if crash {
                self.lost += 1;
                Published::Lost
            } else {
                self.log.push(e);
                Published::Logged(self.log.len() as u64 - 1)
            }
        });
        if result.is_err() {
            self.rejected += 1;
        }
        Handled {
            order,
            command,
            result,
            crashed,
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
            let fed = &mut self.truth_fed[i];
            while *fed < p.next {
                match self.log.get(*fed as usize) {
                    Some(e) => feed(t, e),
                    None => break,
                }
                *fed += 1;
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
            outbox: Vec::new(),
            crash_armed: false,
            relay_down: false,
            crashes: 0,
            lost: 0,
            samples: PVec::new(),
            window: (0, 0, 0),
            truth_head: PrefixTruth::new(),
            truth_at: [PrefixTruth::new(), PrefixTruth::new()],
            truth_fed: [0, 0],
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
        // A crashed process is back: its relay first sends what the outbox kept.
        self.relay_down = false;
        last.relayed = self.relay();
        let extra = if self.burst_left > 0 {
            self.burst_left -= 1;
            BURST_EXTRA
        } else {
            0
        };
        for i in 0..=extra {
            let h = self.command();
            // The first client of the step reads its order back right after writing it
            // (a client whose process died got no answer, and no token).
            if i == 0 {
                if let Ok(Published::Logged(pos)) = h.result {
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
                self.truth_fed = [0, 0];
                format!(
                    "Both projectors crash and lose their read models. They restart from log position 0 and replay {} events, {} per run every {}. {}",
                    count(self.log.len() as u64),
                    self.params.batch,
                    steps_text(self.params.poll_steps),
                    retention_sentence(self)
                )
            }
            "crash-before-send" => {
                if self.crash_armed {
                    return Err("a crash is already waiting for the next payment".into());
                }
                self.crash_armed = true;
                if self.params.outbox {
                    "The next accepted payment's process will die right after its database commit. With the outbox its event committed with the new state: the relay will send it when the process is back.".to_string()
                } else {
                    "The next accepted payment's process will die right after its database commit, before its send to Kafka: the write database will have the payment and the log never will.".to_string()
                }
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
        "a stale read, a read that timed out, a skipped or re-applied duplicate, a crash between the two writes, the relay catching up, or a fault"
    }

    fn narrate(&self) -> String {
        narrate(self)
    }

    fn is_notable(&self) -> bool {
        let l = &self.last;
        l.fault.is_some()
            || l.relayed.is_some()
            || l.handled
                .iter()
                .any(|h| matches!(h.result, Ok(Published::Outbox | Published::Lost)))
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

/// What the rebuild's replay from position 0 assumes, and what a real topic's retention
/// or compaction would leave of it at this step.
fn retention_sentence(s: &Cqrs) -> String {
    let now = s.now_ms();
    let cutoff = now - KAFKA_DEFAULT_RETENTION_MS;
    // The log is in time order: count the events older than the cutoff.
    let (mut lo, mut hi) = (0usize, s.log.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if s.log.get(mid).is_some_and(|e| e.at_ms < cutoff) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let old = lo as u64;
    let days = KAFKA_DEFAULT_RETENTION_MS / 86_400_000;
    let steps = KAFKA_DEFAULT_RETENTION_MS / STEP_MS;
    let retention = if old == 0 {
        format!("Kafka's default retention (retention.ms, {days} days: {} steps here) would not have deleted any of them yet, but past it a replay from 0 starts at the oldest event kept and the rebuilt models miss everything older", count(steps as u64))
    } else {
        format!("with Kafka's default retention (retention.ms, {days} days: {} steps here) the oldest {} of them would already be deleted and the rebuilt models would miss them", count(steps as u64), count(old))
    };
    format!(
        "A replay from 0 needs every event since the first: this log keeps them all (unlimited retention); {retention}; a compacted topic (cleanup.policy=compact) keeps only the newest event of each order key, so a replay would fold last events only. Keep the topic's retention unlimited, or rebuild from a snapshot of the read model plus the events after it."
    )
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
    let relayed = match l.relayed {
        Some((first, n)) => format!(
            "The process is back: its relay sends the {} left in the outbox (event{} {}). ",
            if n == 1 {
                "event".to_string()
            } else {
                format!("{n} events")
            },
            if n == 1 { "" } else { "s from" },
            count(first + 1)
        ),
        None => String::new(),
    };
    let write = match h.result {
        Ok(Published::Logged(pos)) => format!(
            "{} for order #{} becomes event {} in the log",
            h.command.label(),
            h.order,
            count(pos + 1)
        ),
        Ok(Published::Outbox) if h.crashed => format!(
            "{} for order #{} commits with its outbox row, then the process dies before the relay sends it: nothing is lost, the relay sends it when the process is back (the client got no answer)",
            h.command.label(),
            h.order
        ),
        Ok(Published::Outbox) => format!(
            "{} for order #{} commits with its outbox row; the relay is down until the next step",
            h.command.label(),
            h.order
        ),
        Ok(Published::Lost) => format!(
            "{} for order #{} is saved in the write database, then the process dies before sending it to Kafka: the event is lost (the write model has it, the log and the read models never will; {} lost so far)",
            h.command.label(),
            h.order,
            count(s.lost)
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
    // The read worth telling: a stale or timed-out one, else the one that waited longest.
    let read = l
        .answers
        .iter()
        .rev()
        .find(|a| !matches!(a.result, ReadResult::Fresh))
        .or_else(|| l.answers.iter().max_by_key(|a| a.answered - a.read.issued))
        .map(|a| format!(" Then {}", answer_sentence(a)))
        .unwrap_or_default();
    let crashed = l
        .handled
        .iter()
        .skip(1)
        .find(|x| x.crashed)
        .map(|x| match x.result {
            Ok(Published::Lost) => format!(
                " In the burst, {} for order #{} is saved and lost: its process died before the send.",
                x.command.label(),
                x.order
            ),
            _ => format!(
                " In the burst, {} for order #{} commits with its outbox row and its process dies before the relay sends it; it waits there, with the burst's later events, until the next step.",
                x.command.label(),
                x.order
            ),
        })
        .unwrap_or_default();
    format!("{relayed}{write}{burst}.{crashed}{projected}{read}")
}
