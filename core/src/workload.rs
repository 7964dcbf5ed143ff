//! The shared order-event workload every pattern draws from: orders moving through a
//! lifecycle (created → paid → shipped, or cancelled), with skewed users, late arrivals and
//! duplicates. Deterministic from a seed; each random decision has its own sub-stream so
//! extending one never shifts another. Events come out in *arrival* order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use crate::sim::{Rng, SimTime};

/// Lifecycle status carried by an order event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrderStatus {
    Created,
    Paid,
    Shipped,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

/// One order event. A duplicate delivery shares its original's `event_id` (and content) and
/// has `duplicate = true`; ground truth counts distinct ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderEvent {
    pub event_id: u64,
    pub order_id: u64,
    pub user_id: u32,
    pub product_id: u32,
    pub amount_cents: i64,
    pub status: OrderStatus,
    pub event_time: SimTime,
    pub arrival_time: SimTime,
    pub duplicate: bool,
}

impl OrderEvent {
    /// How late the event arrived relative to when it happened, in ms.
    pub fn lateness_ms(&self) -> i64 {
        self.arrival_time.0 - self.event_time.0
    }
}

/// The workload's knobs. Validation happens in the pattern's parameters; the generator
/// clamps anything out of range rather than panicking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkloadParams {
    /// Distinct users (shard keys), `1..`.
    pub users: u32,
    /// Zipf exponent of user popularity; 0 = uniform. User 1 is the hottest.
    pub skew: f64,
    /// Mean gap between consecutive events in event time, ms.
    pub mean_gap_ms: i64,
    /// Share of events that arrive late, `[0, 1]`.
    pub late_fraction: f64,
    /// The latest an event can arrive after it happened, ms.
    pub max_lateness_ms: i64,
    /// Share of events delivered twice, `[0, 1]`.
    pub duplicate_fraction: f64,
    /// Distinct products, `1..`.
    pub products: u32,
}

impl Default for WorkloadParams {
    fn default() -> Self {
        WorkloadParams {
            users: 1000,
            skew: 0.0,
            mean_gap_ms: 60_000,
            late_fraction: 0.05,
            max_lateness_ms: 10 * 60_000,
            duplicate_fraction: 0.01,
            products: 50,
        }
    }
}

/// Normal network delay of an on-time event: up to this many ms.
const ON_TIME_DELAY_MS: i64 = 1_000;
/// A duplicate is redelivered up to this long after its original.
const REDELIVERY_MAX_MS: i64 = 5_000;
/// Orders still open (not shipped or cancelled) that later events may advance.
const OPEN_ORDERS_CAPACITY: usize = 256;

#[derive(Clone, Copy, Debug)]
struct OpenOrder {
    order_id: u64,
    user_id: u32,
    product_id: u32,
    amount_cents: i64,
    status: OrderStatus,
}

/// The generator. Its state is bounded (the reorder buffer holds at most the events of one
/// maximum-lateness window), so cloning it for checkpoints stays cheap.
#[derive(Clone, Debug)]
pub struct Workload {
    params: WorkloadParams,
    /// Cumulative Zipf weights over users (shared, immutable); `None` when uniform.
    zipf_cdf: Option<Arc<[f64]>>,
    rng_gap: Rng,
    rng_user: Rng,
    rng_order: Rng,
    rng_late: Rng,
    rng_dup: Rng,
    next_event_id: u64,
    next_order_id: u64,
    next_event_time_ms: i64,
    seq: u64,
    pending: BinaryHeap<Reverse<(i64, u64, OrderEvent)>>,
    open: Vec<OpenOrder>,
}

impl Workload {
    /// A generator for `seed` (sub-streams are named `workload.*`).
    pub fn new(params: WorkloadParams, seed: u64) -> Self {
        let params = WorkloadParams {
            users: params.users.max(1),
            skew: if params.skew.is_finite() {
                params.skew.clamp(0.0, 10.0)
            } else {
                0.0
            },
            mean_gap_ms: params.mean_gap_ms.clamp(1, 365 * 86_400_000),
            late_fraction: clamp_unit(params.late_fraction),
            max_lateness_ms: params.max_lateness_ms.clamp(0, 365 * 86_400_000),
            duplicate_fraction: clamp_unit(params.duplicate_fraction),
            products: params.products.max(1),
        };
        let zipf_cdf = (params.skew > 0.0).then(|| zipf_cdf(params.users, params.skew));
        Workload {
            params,
            zipf_cdf,
            rng_gap: Rng::stream(seed, "workload.gap"),
            rng_user: Rng::stream(seed, "workload.user"),
            rng_order: Rng::stream(seed, "workload.order"),
            rng_late: Rng::stream(seed, "workload.late"),
            rng_dup: Rng::stream(seed, "workload.dup"),
            next_event_id: 1,
            next_order_id: 1,
            next_event_time_ms: 0,
            seq: 0,
            pending: BinaryHeap::new(),
            open: Vec::with_capacity(OPEN_ORDERS_CAPACITY),
        }
    }

    pub fn params(&self) -> &WorkloadParams {
        &self.params
    }

    /// The next event in arrival order (ties by generation order). Never ends.
    pub fn next_event(&mut self) -> OrderEvent {
        loop {
            if let Some(Reverse((arrival, _, event))) = self.pending.peek() {
                // Every event not yet generated happens at or after `next_event_time_ms`
                // and arrives no earlier, so nothing can overtake this one.
                if *arrival <= self.next_event_time_ms {
                    let e = *event;
                    self.pending.pop();
                    return e;
                }
            }
            self.generate_one();
        }
    }

    fn pick_user(&mut self) -> u32 {
        match &self.zipf_cdf {
            None => 1 + self.rng_user.below(self.params.users as u64) as u32,
            Some(cdf) => {
                let total = cdf.last().copied().unwrap_or(1.0);
                let u = self.rng_user.unit_f64() * total;
                let rank = cdf.partition_point(|c| *c <= u);
                (rank.min(cdf.len() - 1) + 1) as u32
            }
        }
    }

    fn push(&mut self, event: OrderEvent) {
        self.seq += 1;
        self.pending
            .push(Reverse((event.arrival_time.0, self.seq, event)));
    }

    /// Generates the next original event (and maybe its duplicate) into the reorder buffer.
    fn generate_one(&mut self) {
        let t = self.next_event_time_ms;
        let open_new = self.open.is_empty()
            || (self.open.len() < OPEN_ORDERS_CAPACITY && self.rng_order.chance(0.45));
        let (order, status) = if open_new {
            let user_id = self.pick_user();
            let product_id = 1 + self.rng_order.below(self.params.products as u64) as u32;
            let unit_price = product_price_cents(product_id);
            let quantity = 1 + self.rng_order.below(3) as i64;
            let order = OpenOrder {
                order_id: self.next_order_id,
                user_id,
                product_id,
                amount_cents: unit_price * quantity,
                status: OrderStatus::Created,
            };
            self.next_order_id += 1;
            self.open.push(order);
            (order, OrderStatus::Created)
        } else {
            let i = self.rng_order.below(self.open.len() as u64) as usize;
            let current = self.open[i].status;
            let next = match current {
                OrderStatus::Created if self.rng_order.chance(0.85) => OrderStatus::Paid,
                OrderStatus::Paid if self.rng_order.chance(0.92) => OrderStatus::Shipped,
                _ => OrderStatus::Cancelled,
            };
            let order = self.open[i];
            if matches!(next, OrderStatus::Shipped | OrderStatus::Cancelled) {
                self.open.swap_remove(i);
            } else {
                self.open[i].status = next;
            }
            (order, next)
        };
        let delay = if self.params.max_lateness_ms > ON_TIME_DELAY_MS
            && self.rng_late.chance(self.params.late_fraction)
        {
            self.rng_late
                .range_inclusive(ON_TIME_DELAY_MS + 1, self.params.max_lateness_ms)
        } else {
            self.rng_late
                .range_inclusive(0, ON_TIME_DELAY_MS.min(self.params.max_lateness_ms))
        };
        let event = OrderEvent {
            event_id: self.next_event_id,
            order_id: order.order_id,
            user_id: order.user_id,
            product_id: order.product_id,
            amount_cents: order.amount_cents,
            status,
            event_time: SimTime(t),
            arrival_time: SimTime(t + delay),
            duplicate: false,
        };
        self.next_event_id += 1;
        self.push(event);
        if self.rng_dup.chance(self.params.duplicate_fraction) {
            // A redelivery of this event a little later, never past the maximum lateness
            // and never before the original (so the reorder buffer stays correct).
            let redelivery_ms = self.rng_dup.range_inclusive(1, REDELIVERY_MAX_MS);
            let latest = t + self.params.max_lateness_ms;
            let arrival = (event.arrival_time.0 + redelivery_ms)
                .min(latest)
                .max(event.arrival_time.0);
            self.push(OrderEvent {
                arrival_time: SimTime(arrival),
                duplicate: true,
                ..event
            });
        }
        let gap = self
            .rng_gap
            .range_inclusive(1, 2 * self.params.mean_gap_ms - 1);
        self.next_event_time_ms = t + gap;
    }
}

fn clamp_unit(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A fixed price list: products cost between $4.99 and $249.99.
pub fn product_price_cents(product_id: u32) -> i64 {
    let h = crate::hash::bytes_hash(&product_id.to_le_bytes(), 0x0070_7269_6365);
    499 + (h % 24_500) as i64
}

/// Cumulative weights `sum_{k<=i} 1 / k^s` for ranks `1..=users` (libm's `pow`, identical on
/// every target).
pub(crate) fn zipf_cdf(users: u32, s: f64) -> Arc<[f64]> {
    let mut acc = 0.0;
    (1..=users)
        .map(|k| {
            acc += 1.0 / libm::pow(k as f64, s);
            acc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn take(params: WorkloadParams, seed: u64, n: usize) -> Vec<OrderEvent> {
        let mut w = Workload::new(params, seed);
        (0..n).map(|_| w.next_event()).collect()
    }

    #[test]
    fn same_seed_same_events_different_seed_different_events() {
        let p = WorkloadParams::default();
        assert_eq!(take(p, 1, 500), take(p, 1, 500));
        assert_ne!(take(p, 1, 500), take(p, 2, 500));
    }

    #[test]
    fn events_come_out_in_arrival_order_and_late_ones_are_late() {
        let p = WorkloadParams {
            late_fraction: 0.2,
            ..WorkloadParams::default()
        };
        let events = take(p, 7, 5_000);
        assert!(events
            .windows(2)
            .all(|w| w[0].arrival_time <= w[1].arrival_time));
        let late = events
            .iter()
            .filter(|e| e.lateness_ms() > ON_TIME_DELAY_MS)
            .count();
        let share = late as f64 / events.len() as f64;
        assert!((0.12..0.28).contains(&share), "late share {share}");
        assert!(events.iter().all(|e| e.lateness_ms() >= 0));
        assert!(events.iter().all(|e| e.lateness_ms() <= p.max_lateness_ms));
    }

    #[test]
    fn duplicates_share_their_originals_id_and_content() {
        let p = WorkloadParams {
            duplicate_fraction: 0.2,
            ..WorkloadParams::default()
        };
        let events = take(p, 3, 3_000);
        let dups: Vec<_> = events.iter().filter(|e| e.duplicate).collect();
        assert!(dups.len() > 300, "{} duplicates", dups.len());
        for d in dups {
            let orig = events
                .iter()
                .find(|e| !e.duplicate && e.event_id == d.event_id);
            if let Some(o) = orig {
                assert_eq!(
                    (o.order_id, o.user_id, o.amount_cents, o.event_time),
                    (d.order_id, d.user_id, d.amount_cents, d.event_time)
                );
                assert!(d.arrival_time >= o.arrival_time);
            }
        }
    }

    #[test]
    fn orders_follow_their_lifecycle() {
        let events = take(WorkloadParams::default(), 11, 5_000);
        let mut status = std::collections::BTreeMap::new();
        for e in events.iter().filter(|e| !e.duplicate) {
            // Arrival order can swap two events of one order when one is late, so check in
            // event-time order below instead.
            status
                .entry(e.order_id)
                .or_insert_with(Vec::new)
                .push((e.event_time, e.status));
        }
        for (_, mut seq) in status {
            seq.sort();
            let names: Vec<_> = seq.iter().map(|(_, s)| *s).collect();
            assert_eq!(names[0], OrderStatus::Created);
            for w in names.windows(2) {
                let ok = matches!(
                    w,
                    [OrderStatus::Created, OrderStatus::Paid]
                        | [OrderStatus::Created, OrderStatus::Cancelled]
                        | [OrderStatus::Paid, OrderStatus::Shipped]
                        | [OrderStatus::Paid, OrderStatus::Cancelled]
                );
                assert!(ok, "illegal transition {w:?}");
            }
        }
    }

    #[test]
    fn zipf_skew_makes_user_one_the_hottest() {
        let p = WorkloadParams {
            skew: 1.2,
            users: 100,
            ..WorkloadParams::default()
        };
        let events = take(p, 5, 10_000);
        let mut counts = [0u32; 101];
        for e in events.iter().filter(|e| e.status == OrderStatus::Created) {
            counts[e.user_id as usize] += 1;
        }
        let created: u32 = counts.iter().sum();
        // Independent expectation: weight of rank 1 over the harmonic-like sum.
        let total: f64 = (1..=100).map(|k| 1.0 / libm::pow(k as f64, 1.2)).sum();
        let expected = created as f64 / total;
        let got = counts[1] as f64;
        assert!(
            (got - expected).abs() < expected * 0.15,
            "user 1: {got} vs {expected}"
        );
        assert!(counts[1] > counts[50] * 10);
    }

    #[test]
    fn spans_months_of_calendar_time() {
        let p = WorkloadParams {
            mean_gap_ms: 600_000,
            ..WorkloadParams::default()
        };
        let events = take(p, 1, 20_000);
        let last = events.last().map(|e| e.event_time.civil()).unwrap();
        assert!(last.month >= 4, "reaches past March 31: {last:?}");
    }
}
