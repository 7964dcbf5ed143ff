//! What the event-sourcing page draws: the log's newest events, the order the last command
//! touched (its events beside its fold), totals, and the replay cost over time.

use crate::oracle::orders::{Ledger, OrderFold};
use crate::orders::domain::OrderId;
use crate::orders::{Command, OrderState};
use crate::sim::PVec;

use super::scenario::{EventSourcing, Handled, Totals};
use super::store::Store;

/// One point of the replay-cost history: mean events read per load since the previous
/// point, three ways, and the log's length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub step: u64,
    pub snapshot: f64,
    pub stream: f64,
    pub scan: f64,
    pub log_len: u64,
}

/// One event as the tables and the picture show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    pub pos: u64,
    pub order: OrderId,
    pub version: u32,
    /// The event type (after upcasting), or "unreadable".
    pub name: &'static str,
    pub schema: u8,
    pub amount_cents: Option<i64>,
    pub at_ms: i64,
    /// The stored document as JSON.
    pub json: String,
}

/// An event of the log, if `pos` is in it.
pub fn event_row(store: &Store, pos: u64) -> Option<EventRow> {
    let e = store.event(pos)?;
    let read = e.body.read();
    Some(EventRow {
        pos,
        order: e.order,
        version: e.version,
        name: read.as_ref().map_or("unreadable", |b| b.name()),
        schema: e.body.schema(),
        amount_cents: read.ok().and_then(|b| b.amount_cents()),
        at_ms: e.at_ms,
        json: e.body.json(),
    })
}

/// One order: its stream beside its fold, and its snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderDetail {
    pub order: OrderId,
    /// Loaded from the log now (newest snapshot + later events).
    pub state: OrderState,
    pub events: Vec<EventRow>,
    /// `(version, position)` of each snapshot, oldest first.
    pub snapshots: Vec<(u32, u64)>,
    /// Events a load reads now: from the newest snapshot, the whole stream, the note's scan.
    pub read_snapshot: u32,
    pub read_stream: u32,
    pub read_scan: u64,
    /// The oracle's fold of the stored events (their JSON, through its own table).
    pub oracle: OrderFold,
}

/// The oracle's fold of `events` (one order's, oldest first).
fn oracle_fold(events: &[EventRow]) -> OrderFold {
    let mut l = Ledger::new();
    for e in events {
        // An event the oracle's table refuses leaves its fold short: the badge shows it.
        let _ = l.apply(e.order, &e.json);
    }
    events.first().map(|e| l.get(e.order)).unwrap_or_default()
}

/// Whether a loaded state equals the oracle's fold: `None` if it does, else the
/// difference in total (cents) or, if the totals agree, in version.
pub fn mismatch(state: &OrderState, o: &OrderFold) -> Option<i64> {
    let stage = match state.status {
        crate::orders::Status::None => "",
        s => s.label(),
    };
    let same = (
        stage,
        state.user,
        state.items,
        state.total_cents,
        state.paid_cents,
        state.version,
    ) == (
        o.stage,
        o.user,
        o.items,
        o.total_cents,
        o.paid_cents,
        o.events,
    );
    if same {
        None
    } else if state.total_cents != o.total_cents {
        Some(state.total_cents - o.total_cents)
    } else {
        Some(state.version as i64 - o.events as i64)
    }
}

/// A temporal query: `order` as of its `version`-th event, with the oracle's fold of its
/// first `version` events and how many events the load read.
pub fn as_of(s: &EventSourcing, order: OrderId, version: u32) -> (OrderState, OrderFold, u32) {
    let store = s.store();
    let stream = store.stream(order);
    if version == 0 || stream.is_empty() {
        return (OrderState::default(), OrderFold::default(), 0);
    }
    let k = (version as usize).min(stream.len());
    let pos = stream[k - 1];
    let loaded = store.load_as_of(order, pos);
    let rows: Vec<EventRow> = stream[..k]
        .iter()
        .filter_map(|p| event_row(store, *p))
        .collect();
    (loaded.state, oracle_fold(&rows), loaded.read)
}

pub fn order_detail(s: &EventSourcing, order: OrderId) -> OrderDetail {
    let store = s.store();
    let loaded = store.load(order, true);
    let events: Vec<EventRow> = store
        .stream(order)
        .into_iter()
        .filter_map(|p| event_row(store, p))
        .collect();
    OrderDetail {
        order,
        state: loaded.state,
        oracle: oracle_fold(&events),
        events,
        snapshots: store
            .snapshots_of(order)
            .iter()
            .map(|x| (x.version, x.pos))
            .collect(),
        read_snapshot: loaded.read,
        read_stream: store.version(order),
        read_scan: store.len(),
    }
}

/// Newest events shown in the picture.
pub const RECENT: u64 = 16;

/// The page's view.
#[derive(Clone, Debug, PartialEq)]
pub struct EsView {
    pub step: u64,
    pub total: u64,
    pub log_len: u64,
    pub orders: u32,
    pub totals: Totals,
    pub snapshot_every: u32,
    pub full_scan: bool,
    pub handled: Vec<Handled>,
    pub fault: Option<String>,
    pub retry: bool,
    pub pending_retry: Option<(OrderId, Command)>,
    pub crash_armed: bool,
    pub focus: Option<OrderDetail>,
    pub recent: Vec<EventRow>,
    pub samples: PVec<Sample>,
}

impl EsView {
    pub fn of(s: &EventSourcing) -> EsView {
        let store = s.store();
        let len = store.len();
        EsView {
            step: s.steps(),
            total: s.params().commands,
            log_len: len,
            orders: s.orders(),
            totals: *s.totals(),
            snapshot_every: s.params().snapshot_every,
            full_scan: s.params().full_scan,
            handled: s.last().handled.clone(),
            fault: s.last().fault.clone(),
            retry: s.last().retry,
            pending_retry: s.pending_retry(),
            crash_armed: s.crash_armed(),
            focus: s.focus().map(|o| order_detail(s, o)),
            recent: (len.saturating_sub(RECENT)..len)
                .filter_map(|p| event_row(store, p))
                .collect(),
            samples: s.samples().clone(),
        }
    }
}
