//! What the event-sourcing page draws: the log's newest events, the order the last command
//! touched (its events beside its fold), totals, and the replay cost over time.

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
}

pub fn order_detail(s: &EventSourcing, order: OrderId) -> OrderDetail {
    let store = s.store();
    let loaded = store.load(order, true);
    OrderDetail {
        order,
        state: loaded.state,
        events: store
            .stream(order)
            .into_iter()
            .filter_map(|p| event_row(store, p))
            .collect(),
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
