//! The retained event log: the whole input generated once from the seed (the "tape"),
//! appended one event per step, plus the events faults inserted at the head. Consumers read
//! it by offset, so a job can start again from offset 0 (reprocessing) or from a checkpoint.

use std::sync::Arc;

use crate::sim::SimTime;
use crate::workload::{OrderEvent, Workload, WorkloadParams};

/// Ids of events a fault inserts start here, far past any generated id.
pub const INJECTED_ID_BASE: u64 = 1 << 48;

/// Events a fault inserted, starting at log offset `at`.
#[derive(Clone, Debug, PartialEq)]
struct Insert {
    at: u64,
    events: Vec<OrderEvent>,
}

/// The log. Cloning shares the tape and the inserts.
#[derive(Clone, Debug, PartialEq)]
pub struct EventLog {
    /// `Arc<Vec>` rather than `Arc<[T]>`: collecting into `Arc<[T]>` builds a `Vec` and
    /// copies it, doubling the peak memory of a million-event log (56 MB).
    tape: Arc<Vec<OrderEvent>>,
    /// Tape events appended so far.
    arrived: u64,
    inserts: Arc<Vec<Insert>>,
    inserted: u64,
}

impl EventLog {
    /// Generates the whole input: `events` workload events in arrival order.
    pub fn generate(params: WorkloadParams, seed: u64, events: u64) -> Self {
        let mut w = Workload::new(params, seed);
        let tape: Arc<Vec<OrderEvent>> = Arc::new((0..events).map(|_| w.next_event()).collect());
        EventLog {
            tape,
            arrived: 0,
            inserts: Arc::new(Vec::new()),
            inserted: 0,
        }
    }

    /// Every event the input will ever hold, in arrival order (what the oracle reads).
    pub fn tape(&self) -> &Arc<Vec<OrderEvent>> {
        &self.tape
    }

    /// Tape events appended so far.
    pub fn arrived(&self) -> u64 {
        self.arrived
    }

    /// Events in the log (the head offset).
    pub fn len(&self) -> u64 {
        self.arrived + self.inserted
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every tape event has arrived.
    pub fn complete(&self) -> bool {
        self.arrived as usize >= self.tape.len()
    }

    /// Appends the next tape event; `None` once the tape is used up.
    pub fn append_next(&mut self) -> Option<OrderEvent> {
        let e = *self.tape.get(self.arrived as usize)?;
        self.arrived += 1;
        Some(e)
    }

    /// The last appended event's arrival time (or the epoch).
    pub fn head_time(&self) -> SimTime {
        let tape_last = self
            .arrived
            .checked_sub(1)
            .and_then(|i| self.tape.get(i as usize))
            .map(|e| e.arrival_time.0);
        let ins_last = self
            .inserts
            .last()
            .and_then(|i| i.events.last())
            .map(|e| e.arrival_time.0);
        SimTime(tape_last.max(ins_last).unwrap_or(0))
    }

    /// Inserts `events` at the head (their arrival time should be the head's).
    pub fn insert(&mut self, events: Vec<OrderEvent>) {
        if events.is_empty() {
            return;
        }
        let n = events.len() as u64;
        let at = self.len();
        Arc::make_mut(&mut self.inserts).push(Insert { at, events });
        self.inserted += n;
    }

    /// Every inserted event so far.
    pub fn inserted(&self) -> impl Iterator<Item = &OrderEvent> + '_ {
        self.inserts.iter().flat_map(|i| i.events.iter())
    }

    /// The last `n` events again (same ids and content), arriving at the head's time: what
    /// a source that redelivers sends.
    pub fn redeliveries(&self, n: u64) -> Vec<OrderEvent> {
        let len = self.len();
        let head = self.head_time();
        (len.saturating_sub(n)..len)
            .filter_map(|o| self.get(o))
            .map(|e| OrderEvent {
                arrival_time: head,
                duplicate: true,
                ..e
            })
            .collect()
    }

    /// `n` new paid orders that happened about `age_ms` (up to 20 minutes more) before the
    /// head and arrive now, with ids from `first_id`; drawn from `seed` and the log's
    /// length, so both sides of a compare view get the same ones.
    pub fn very_late(
        &self,
        seed: u64,
        first_id: u64,
        n: u64,
        users: u32,
        age_ms: i64,
    ) -> Vec<OrderEvent> {
        let head = self.head_time().0;
        let mut rng = crate::sim::Rng::stream(seed ^ self.len(), "stream.very-late");
        (0..n)
            .map(|i| {
                let product_id = 1 + rng.below(50) as u32;
                OrderEvent {
                    event_id: first_id + i,
                    order_id: first_id + i,
                    user_id: 1 + rng.below(users.max(1) as u64) as u32,
                    product_id,
                    amount_cents: crate::workload::product_price_cents(product_id),
                    status: crate::workload::OrderStatus::Paid,
                    event_time: SimTime(head - age_ms - rng.range_inclusive(0, 20 * 60_000)),
                    arrival_time: SimTime(head),
                    duplicate: false,
                }
            })
            .collect()
    }

    /// The event at log `offset`, if it has arrived.
    pub fn get(&self, offset: u64) -> Option<OrderEvent> {
        if offset >= self.len() {
            return None;
        }
        let mut before = 0u64;
        for ins in self.inserts.iter() {
            if offset < ins.at {
                break;
            }
            let n = ins.events.len() as u64;
            if offset < ins.at + n {
                return ins.events.get((offset - ins.at) as usize).copied();
            }
            before += n;
        }
        self.tape.get((offset - before) as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn offsets_interleave_tape_and_inserts_in_arrival_order() {
        let mut log = EventLog::generate(WorkloadParams::default(), 7, 5);
        let tape = log.tape().clone();
        log.append_next();
        log.append_next();
        let extra = OrderEvent {
            event_id: INJECTED_ID_BASE,
            ..tape[0]
        };
        log.insert(vec![extra, extra]);
        log.append_next();
        assert_eq!(log.len(), 5);
        let ids: Vec<u64> = (0..6)
            .filter_map(|o| log.get(o))
            .map(|e| e.event_id)
            .collect();
        assert_eq!(
            ids,
            vec![
                tape[0].event_id,
                tape[1].event_id,
                INJECTED_ID_BASE,
                INJECTED_ID_BASE,
                tape[2].event_id
            ]
        );
        log.append_next();
        log.append_next();
        assert!(log.complete());
        assert_eq!(log.append_next(), None);
    }
}
