//! The event-sourcing state machine: one command per step. The write model loads the
//! command's order (from its newest snapshot plus the later events, or — the note's way —
//! by scanning the whole log), decides, and appends the event with the version it loaded
//! as the expected version; every `snapshot` events it stores the order's state.

use crate::format::{count, money};
use crate::orders::domain::OrderId;
use crate::orders::schema::encode_v1;
use crate::orders::{
    decide, evolve, Command, CommandGen, OrderState, Rejection, Status, StoredBody,
};
use crate::sim::parray::PArray;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Rng, Scenario};

use super::params::EsParams;
use super::store::{Conflict, Loaded, Store};
use super::view::{EsView, Sample};

/// Simulated time between commands.
pub const COMMAND_EVERY_MS: i64 = 2_000;
/// The first command's time: 09:00 on the first day.
pub const START_MS: i64 = 9 * 3_600_000;
/// History points kept for the replay-cost chart (at most about this many).
const SAMPLES: u64 = 400;

/// Who sent a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// The order service.
    Service,
    /// An old instance of the service that still writes the v1 schema.
    Legacy,
    /// The two racing writers of the concurrency fault.
    A,
    B,
}

impl Writer {
    pub fn label(self) -> &'static str {
        match self {
            Writer::Service => "the order service",
            Writer::Legacy => "the old (v1) service",
            Writer::A => "writer A",
            Writer::B => "writer B",
        }
    }
}

/// What became of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Appended { pos: u64, version: u32, schema: u8 },
    Rejected(Rejection),
    Conflict(Conflict),
}

/// What happened to the snapshot store after an append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotOutcome {
    None,
    Written {
        version: u32,
    },
    /// The writer crashed after the append and before the snapshot.
    Crashed {
        version: u32,
    },
}

/// Events read to load an order, three ways.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadCost {
    /// What this configuration read.
    pub actual: u64,
    /// From the newest snapshot (equals `stream` when snapshots are off).
    pub snapshot: u64,
    /// The order's whole stream, no snapshots.
    pub stream: u64,
    /// The note's scan: every event in the log.
    pub scan: u64,
}

impl ReadCost {
    fn add(&mut self, o: &ReadCost) {
        self.actual += o.actual;
        self.snapshot += o.snapshot;
        self.stream += o.stream;
        self.scan += o.scan;
    }
}

/// One command handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handled {
    pub order: OrderId,
    pub command: Command,
    pub writer: Writer,
    /// The version the writer loaded (and expects on append).
    pub loaded_version: u32,
    pub from_snapshot: Option<u32>,
    pub upcasts: u32,
    pub cost: ReadCost,
    pub outcome: Outcome,
    pub snapshot: SnapshotOutcome,
}

/// A refused command, for the rejections table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RejectedRow {
    pub step: u64,
    pub order: OrderId,
    pub command: Command,
    pub writer: Writer,
    pub reason: Rejection,
}

/// Running totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub commands: u64,
    pub appended: u64,
    pub rejected: u64,
    pub conflicts: u64,
    pub retries: u64,
    pub snapshots: u64,
    pub crashes: u64,
    pub v1_events: u64,
    pub upcasts: u64,
    pub read: ReadCost,
}

/// What the last step (or fault) did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Last {
    pub handled: Vec<Handled>,
    /// A fault's own sentence.
    pub fault: Option<String>,
    /// The step retried writer B's command.
    pub retry: bool,
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct EventSourcing {
    params: EsParams,
    seed: u64,
    gen: CommandGen,
    legacy: Rng,
    store: Store,
    /// Each order's current fold as the writers know it: the generator reads it to pick
    /// sensible commands; the write model never decides from it (it loads).
    known: PArray<OrderState>,
    totals: Totals,
    rejections: PVec<RejectedRow>,
    /// Writer B's command, to retry at the next step.
    retry: Option<(OrderId, Command)>,
    crash_armed: bool,
    samples: PVec<Sample>,
    window: (ReadCost, u64),
    last: Last,
    steps: u64,
}

pub(crate) const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "concurrent-writer",
        label: "Concurrent writer",
        help: "Two writers load the same order at the same version and both append: the second gets a version conflict, reloads and retries (and may now be refused).",
    },
    FaultSpec {
        kind: "crash-snapshot",
        label: "Crash before the snapshot",
        help: "The next writer that should store a snapshot crashes after appending its event: the log has the event, the snapshot store does not, and loads replay a little more until the next snapshot.",
    },
    FaultSpec {
        kind: "v1-event",
        label: "A v1 event",
        help: "An old instance of the service handles the next command and writes the event in the v1 schema (customer as a string, amounts in dollars): reads upcast it.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "long-orders",
        label: "Long orders: snapshots pay off",
        description: "Orders collect about 60 items. With a snapshot every 10 events a load reads at most 10; without, it reads the whole stream (compare the two lines of the replay-cost chart).",
        seed: 7,
        params: &[("items", "60"), ("open", "4"), ("snapshot", "10")],
        faults: &[],
        step: 600,
    },
    Preset {
        name: "full-scan",
        label: "The note's full scan",
        description: "Each load reads every event of every order: the events read per command grow with the log.",
        seed: 7,
        params: &[("full-scan", "on")],
        faults: &[],
        step: 800,
    },
    Preset {
        name: "conflict",
        label: "Two writers, one order",
        description: "At step 40 two writers race on the same order: one appends, the other gets a version conflict and retries at step 41.",
        seed: 11,
        params: &[],
        faults: &[(40, "concurrent-writer")],
        step: 40,
    },
    Preset {
        name: "crash",
        label: "Crash between append and snapshot",
        description: "The writer that should store the next snapshot crashes after its append: nothing is lost (the log has the event), the next load just reads further back.",
        seed: 5,
        params: &[("snapshot", "5"), ("invalid", "0")],
        faults: &[(30, "crash-snapshot")],
        step: 30,
    },
    Preset {
        name: "old-events",
        label: "Old and new schemas in one log",
        description: "A quarter of the events come from an old service writing schema v1; every read upcasts them, so the folds never see the old shape.",
        seed: 3,
        params: &[("v1share", "0.25")],
        faults: &[],
        step: 200,
    },
    Preset {
        name: "invalid",
        label: "Many invalid commands",
        description: "A third of the commands break the rules: each is refused with its reason and nothing is appended.",
        seed: 9,
        params: &[("invalid", "0.33")],
        faults: &[],
        step: 120,
    },
];

impl EventSourcing {
    pub fn params(&self) -> &EsParams {
        &self.params
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn store(&self) -> &Store {
        &self.store
    }
    pub fn totals(&self) -> &Totals {
        &self.totals
    }
    pub fn last(&self) -> &Last {
        &self.last
    }
    pub fn rejections(&self) -> &PVec<RejectedRow> {
        &self.rejections
    }
    pub fn samples(&self) -> &PVec<Sample> {
        &self.samples
    }
    pub fn steps(&self) -> u64 {
        self.steps
    }
    pub fn pending_retry(&self) -> Option<(OrderId, Command)> {
        self.retry
    }
    pub fn crash_armed(&self) -> bool {
        self.crash_armed
    }
    /// Orders created or attempted so far (ids `1..=n`).
    pub fn orders(&self) -> u32 {
        self.gen.orders()
    }
    /// The writers' copy of an order's state (the fold at its newest version).
    pub fn known(&self, order: OrderId) -> OrderState {
        self.known.get(order as usize)
    }
    /// The order the last step was about.
    pub fn focus(&self) -> Option<OrderId> {
        self.last.handled.last().map(|h| h.order)
    }

    fn now_ms(&self) -> i64 {
        START_MS + self.steps as i64 * COMMAND_EVERY_MS
    }

    /// Loads `order` the configured way and prices the three ways.
    fn load(&self, order: OrderId) -> (Loaded, ReadCost) {
        let snap = self.store.load(order, self.params.snapshot_every > 0);
        let stream = self.store.version(order) as u64;
        let cost = ReadCost {
            actual: if self.params.full_scan {
                self.store.len()
            } else {
                snap.read as u64
            },
            snapshot: snap.read as u64,
            stream,
            scan: self.store.len(),
        };
        // The note's scan gives the same fold (a property test checks it) and would read
        // every event of the log on every command: its cost is counted, not re-run.
        let mut loaded = snap;
        if self.params.full_scan {
            loaded.from_snapshot = None;
            loaded.read = cost.actual as u32;
        }
        (loaded, cost)
    }

    /// One writer handles one command: load, decide, append (with the loaded version as
    /// the expected one), maybe snapshot.
    fn handle(&mut self, order: OrderId, command: Command, writer: Writer, v1: bool) -> Handled {
        let (loaded, cost) = self.load(order);
        self.handle_loaded(order, command, writer, v1, loaded, cost)
    }

    fn handle_loaded(
        &mut self,
        order: OrderId,
        command: Command,
        writer: Writer,
        v1: bool,
        loaded: Loaded,
        cost: ReadCost,
    ) -> Handled {
        self.totals.commands += 1;
        self.totals.read.add(&cost);
        self.totals.upcasts += loaded.upcasts as u64;
        self.window.0.add(&cost);
        self.window.1 += 1;
        let mut handled = Handled {
            order,
            command,
            writer,
            loaded_version: loaded.state.version,
            from_snapshot: loaded.from_snapshot,
            upcasts: loaded.upcasts,
            cost,
            outcome: Outcome::Rejected(Rejection::NoSuchOrder),
            snapshot: SnapshotOutcome::None,
        };
        let event = match decide(&loaded.state, &command) {
            Ok(e) => e,
            Err(reason) => {
                self.totals.rejected += 1;
                self.rejections.push(RejectedRow {
                    step: self.steps,
                    order,
                    command,
                    writer,
                    reason,
                });
                handled.outcome = Outcome::Rejected(reason);
                return handled;
            }
        };
        let body = if v1 {
            StoredBody::V1(encode_v1(&event).into())
        } else {
            StoredBody::V2(event)
        };
        let schema = body.schema();
        match self
            .store
            .append(order, loaded.state.version, body, self.now_ms())
        {
            Err(conflict) => {
                self.totals.conflicts += 1;
                handled.outcome = Outcome::Conflict(conflict);
            }
            Ok(pos) => {
                self.totals.appended += 1;
                if v1 {
                    self.totals.v1_events += 1;
                }
                let state = evolve(&loaded.state, &event);
                self.known.update(order as usize, |s| *s = state);
                handled.outcome = Outcome::Appended {
                    pos,
                    version: state.version,
                    schema,
                };
                // The note's scan never starts from a snapshot, so it stores none.
                let every = if self.params.uses_snapshots() {
                    self.params.snapshot_every
                } else {
                    0
                };
                let since =
                    state.version - self.store.latest_snapshot(order).map_or(0, |s| s.version);
                if every > 0 && since >= every {
                    if self.crash_armed {
                        self.crash_armed = false;
                        self.totals.crashes += 1;
                        handled.snapshot = SnapshotOutcome::Crashed {
                            version: state.version,
                        };
                    } else {
                        self.store.write_snapshot(order, state);
                        self.totals.snapshots += 1;
                        handled.snapshot = SnapshotOutcome::Written {
                            version: state.version,
                        };
                    }
                }
            }
        }
        handled
    }

    fn sample(&mut self) {
        let every = (self.params.commands / SAMPLES).max(1);
        if !self.steps.is_multiple_of(every) {
            return;
        }
        let (cost, n) = std::mem::take(&mut self.window);
        let n = n.max(1) as f64;
        self.samples.push(Sample {
            step: self.steps,
            snapshot: cost.snapshot as f64 / n,
            stream: cost.stream as f64 / n,
            scan: cost.scan as f64 / n,
            log_len: self.store.len(),
        });
    }

    /// The first order in flight that is open or paid (what a racing writer can touch),
    /// preferring the order the last step touched.
    fn race_target(&self) -> Option<OrderId> {
        let live = |o: OrderId| matches!(self.known(o).status, Status::Open | Status::Paid);
        self.focus()
            .filter(|o| live(*o) && self.gen.in_flight().any(|f| f == *o))
            .or_else(|| self.gen.in_flight().find(|o| live(*o)))
    }
}

impl Scenario for EventSourcing {
    type Params = EsParams;
    type View = EsView;
    const SLUG: &'static str = "event-sourcing";

    fn new(params: &EsParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EventSourcing {
            params: params.clone(),
            seed,
            gen: CommandGen::new(params.workload(), seed),
            legacy: Rng::stream(seed, "event-sourcing.legacy"),
            store: Store::new(),
            known: PArray::new(),
            totals: Totals::default(),
            rejections: PVec::new(),
            retry: None,
            crash_armed: false,
            samples: PVec::new(),
            window: (ReadCost::default(), 0),
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
        let handled = if let Some((order, command)) = self.retry.take() {
            self.totals.retries += 1;
            last.retry = true;
            self.handle(order, command, Writer::B, false)
        } else {
            let known = &self.known;
            let (order, command) = self.gen.next(|o| known.get(o as usize));
            let v1 = self.legacy.chance(self.params.v1_share);
            let writer = if v1 { Writer::Legacy } else { Writer::Service };
            self.handle(order, command, writer, v1)
        };
        last.handled.push(handled);
        self.last = last;
        self.sample();
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let mut last = Last::default();
        match fault.kind.as_str() {
            "concurrent-writer" => {
                if self.retry.is_some() {
                    return Err("writer B is still waiting to retry: step once first".into());
                }
                let order = self
                    .race_target()
                    .ok_or("no order is open or paid yet: step until one is created")?;
                let known = &self.known;
                let a = self
                    .gen
                    .planned_for(order, |o| known.get(o as usize))
                    .unwrap_or(Command::Cancel);
                // Writer B wants something valid at the version both loaded: a second
                // item while the order is open, a cancellation once it is paid.
                let b = match self.known(order).status {
                    Status::Open => Command::AddItem {
                        amount_cents: self.gen.amount(),
                    },
                    _ => Command::Cancel,
                };
                // Both load before either appends.
                let (la, ca) = self.load(order);
                let (lb, cb) = self.load(order);
                let ha = self.handle_loaded(order, a, Writer::A, false, la, ca);
                let hb = self.handle_loaded(order, b, Writer::B, false, lb, cb);
                if matches!(hb.outcome, Outcome::Conflict(_)) {
                    self.retry = Some((order, b));
                }
                last.fault = Some(race_sentence(&ha, &hb));
                last.handled = vec![ha, hb];
            }
            "crash-snapshot" => {
                if self.params.snapshot_every == 0 {
                    return Err("snapshots are off (snapshot every 0 events): there is no snapshot to crash before".into());
                }
                if !self.params.uses_snapshots() {
                    return Err("the note's full scan stores no snapshots: there is no snapshot to crash before".into());
                }
                if self.crash_armed {
                    return Err("a crash is already waiting for the next snapshot".into());
                }
                self.crash_armed = true;
                last.fault = Some("The next writer that has to store a snapshot will crash right after appending its event.".into());
            }
            "v1-event" => {
                let known = &self.known;
                let (order, command) = self.gen.next_valid(|o| known.get(o as usize));
                let h = self.handle(order, command, Writer::Legacy, true);
                last.fault = Some(format!(
                    "An old instance of the service handles {} for order #{order}: {}",
                    command.label(),
                    outcome_sentence(&h)
                ));
                last.handled.push(h);
            }
            other => return Err(format!("unknown fault \"{other}\"")),
        }
        self.last = last;
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a refused command, a version conflict or its retry, a crash before a snapshot, or a v1 event"
    }

    fn narrate(&self) -> String {
        narrate(self)
    }

    fn is_notable(&self) -> bool {
        self.last.fault.is_some()
            || self.last.retry
            || self.last.handled.iter().any(|h| {
                !matches!(h.outcome, Outcome::Appended { .. })
                    || matches!(h.snapshot, SnapshotOutcome::Crashed { .. })
                    || matches!(h.outcome, Outcome::Appended { schema: 1, .. })
            })
    }

    fn view(&self) -> EsView {
        EsView::of(self)
    }
}

/// What happened to the command, as the end of a sentence.
pub fn outcome_sentence(h: &Handled) -> String {
    match h.outcome {
        Outcome::Rejected(r) => format!("refused — {}. Nothing is appended.", r.reason()),
        Outcome::Conflict(c) => format!(
            "its append expected version {} but the stream is at {}: a version conflict, nothing is appended.",
            c.expected, c.actual
        ),
        Outcome::Appended {
            pos,
            version,
            schema,
        } => {
            let name = match h.command {
                Command::Create { .. } => "OrderCreated",
                Command::AddItem { .. } => "ItemAdded",
                Command::Pay { .. } => "OrderPaid",
                Command::Ship => "OrderShipped",
                Command::Cancel => "OrderCancelled",
            };
            let snap = match h.snapshot {
                SnapshotOutcome::None => String::new(),
                SnapshotOutcome::Written { version } => {
                    format!(" A snapshot of the order at version {version} is stored.")
                }
                SnapshotOutcome::Crashed { version } => format!(
                    " Then the writer crashed before storing the snapshot for version {version}: the event is safe in the log, the next load reads further back."
                ),
            };
            format!(
                "{name}{} appended as event {} (version {version}).{snap}",
                if schema == 1 { " (schema v1)" } else { "" },
                count(pos + 1),
            )
        }
    }
}

fn load_sentence(h: &Handled, full_scan: bool) -> String {
    if full_scan {
        return format!(
            "the note's get_state reads all {} events of the log to rebuild it (its own stream has {})",
            count(h.cost.scan),
            h.cost.stream
        );
    }
    let up = if h.upcasts > 0 {
        format!(
            ", upcasting {} v1 event{}",
            h.upcasts,
            if h.upcasts == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    match h.from_snapshot {
        Some(v) => format!(
            "loaded from its snapshot at version {v} plus {} event{}{up}",
            h.cost.snapshot,
            if h.cost.snapshot == 1 { "" } else { "s" }
        ),
        None if h.cost.stream == 0 => "no events yet".to_string(),
        None => format!("loaded by replaying its {} events{up}", h.cost.stream),
    }
}

fn race_sentence(a: &Handled, b: &Handled) -> String {
    format!(
        "Writers A and B both load order #{} at version {}. A sends {}: {} B sends {}: {}{}",
        a.order,
        a.loaded_version,
        a.command.label(),
        outcome_sentence(a),
        b.command.label(),
        outcome_sentence(b),
        if matches!(b.outcome, Outcome::Conflict(_)) {
            " B will reload and retry at the next step."
        } else {
            ""
        }
    )
}

fn narrate(s: &EventSourcing) -> String {
    if let Some(f) = &s.last.fault {
        return f.clone();
    }
    let Some(h) = s.last.handled.last() else {
        return format!(
            "Start: an empty event store. {} orders are worked on at once; {}.",
            s.params.open,
            if s.params.full_scan {
                "orders are rebuilt the note's way, by scanning the whole log".to_string()
            } else if s.params.snapshot_every > 0 {
                format!(
                    "a snapshot is stored every {} events of an order",
                    s.params.snapshot_every
                )
            } else {
                "snapshots are off".to_string()
            }
        );
    };
    let who = if s.last.retry {
        "Writer B reloads and retries".to_string()
    } else if h.writer == Writer::Legacy {
        "The old (v1) service handles".to_string()
    } else {
        "Command".to_string()
    };
    let what = match h.command {
        Command::Pay { amount_cents } => format!("PayOrder({})", money(amount_cents)),
        c => c.label(),
    };
    format!(
        "{who} {what} for order #{} ({}, version {}): {}",
        h.order,
        load_sentence(h, s.params.full_scan),
        h.loaded_version,
        outcome_sentence(h)
    )
}
