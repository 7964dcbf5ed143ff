//! What the event-sourcing page draws: the log's newest events, the order the last command
//! touched (its events beside its fold), totals, and the replay cost over time.

use crate::format::count;
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

/// The order panel's sentence on what a load reads. One convention with the picture's
/// bars, the narration and the replay-cost chart: the events the last command's load read,
/// counted before its append (its own event is not read). An order the last command did
/// not touch has no such load: the sentence then prices a load made now, and says so.
pub fn read_cost_sentence(d: &OrderDetail, last: Option<&Handled>) -> String {
    let events = |n: u64| format!("{} event{}", count(n), if n == 1 { "" } else { "s" });
    match last.filter(|h| h.order == d.order) {
        Some(h) => format!(
            "The last command's load of this order, before its append, read {} after the newest snapshot, {} without snapshots and {} with the note's full scan (the picture's bars).",
            events(h.cost.snapshot),
            events(h.cost.stream),
            events(h.cost.scan)
        ),
        None => format!(
            "A load of this order now would read {} after the newest snapshot, {} without snapshots and {} with the note's full scan.",
            events(d.read_snapshot as u64),
            events(d.read_stream as u64),
            events(d.read_scan)
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::event_sourcing::EsParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Issue 22 (newcomer): the picture's bars said "3 / 33 / 559" (the last command's load,
    /// before its append) while the order panel said "4 / 34 / 560" (a load made after it)
    /// for the same order. The panel now gives the bars' numbers for the last command's
    /// order and says which load they count; the old panel's numbers are one event more.
    #[test]
    fn the_order_panel_counts_the_load_the_picture_shows() {
        let mut s = EventSourcing::new(&EsParams::default(), 42).unwrap();
        let mut checked = 0;
        for _ in 0..600 {
            s.step();
            let Some(h) = s.last().handled.last().copied() else {
                continue;
            };
            let d = order_detail(&s, h.order);
            let text = read_cost_sentence(&d, Some(&h));
            let bars = format!(
                "read {} event{} after the newest snapshot, {} event{} without snapshots and {} event{} with",
                h.cost.snapshot,
                if h.cost.snapshot == 1 { "" } else { "s" },
                h.cost.stream,
                if h.cost.stream == 1 { "" } else { "s" },
                count(h.cost.scan),
                if h.cost.scan == 1 { "" } else { "s" },
            );
            assert!(text.contains(&bars), "{text} / {bars}");
            assert!(text.contains("before its append"));
            if matches!(h.outcome, super::super::scenario::Outcome::Appended { .. }) {
                // What the old panel printed: a load after the append, one more event.
                assert_eq!(d.read_stream as u64, h.cost.stream + 1);
                assert_eq!(d.read_scan, h.cost.scan + 1);
                checked += 1;
            }
            let other = read_cost_sentence(&d, None);
            assert!(other.starts_with("A load of this order now would read"));
            let stream = count(d.read_stream as u64);
            assert!(other.contains(&format!(", {stream} event")), "{other}");
        }
        assert!(checked > 100);
    }
}
