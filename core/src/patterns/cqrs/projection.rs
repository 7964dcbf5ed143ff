//! The read side: two read models built from the event log by projectors, each with its
//! own position (the next log position it will apply).
//!
//! - orders by user: a row per order (the materialized order a client reads back) and a
//!   row per customer (orders, open orders, money spent);
//! - revenue by day: payments on their day, minus refunds of paid orders cancelled.
//!
//! Idempotent projection: a projector skips an event at a position it has already
//! applied, so an at-least-once delivery (a redelivered event) changes nothing.

use crate::orders::domain::OrderId;
use crate::orders::{EventBody, Status};
use crate::sim::parray::PArray;

use super::scenario::LogEvent;

const MS_PER_DAY: i64 = 86_400_000;

/// An order as the orders-by-user read model holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderRow {
    pub user: u32,
    pub status: Status,
    pub items: u32,
    pub total_cents: i64,
    pub paid_cents: i64,
    /// Events applied for this order (its version as this model knows it).
    pub version: u32,
}

/// A customer's row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRow {
    pub orders: u32,
    pub open: u32,
    pub spent_cents: i64,
}

/// Which read model a projector maintains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    ByUser,
    RevenueByDay,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::ByUser => "orders by user",
            Model::RevenueByDay => "revenue by day",
        }
    }
}

/// A projector and the read model it owns.
#[derive(Clone, Debug, PartialEq)]
pub struct Projector {
    pub model: Model,
    /// The next log position it will apply (everything before is in the model).
    pub next: u64,
    /// The broker's delivery cursor for this subscription (rewound by a redelivery).
    pub cursor: u64,
    pub applied: u64,
    pub duplicates_skipped: u64,
    pub duplicates_applied: u64,
    pub rebuilds: u64,
    /// Money spent over all customers (by user) or revenue over all days, in cents.
    pub money_total: i64,
    /// Orders (by user) — both models track them: revenue needs what a cancelled order paid.
    orders: PArray<OrderRow>,
    users: PArray<UserRow>,
    days: PArray<i64>,
    days_seen: usize,
}

impl Projector {
    pub fn new(model: Model) -> Self {
        Projector {
            model,
            next: 0,
            cursor: 0,
            applied: 0,
            duplicates_skipped: 0,
            duplicates_applied: 0,
            rebuilds: 0,
            money_total: 0,
            orders: PArray::new(),
            users: PArray::new(),
            days: PArray::new(),
            days_seen: 0,
        }
    }

    pub fn order(&self, order: OrderId) -> OrderRow {
        self.orders.get(order as usize)
    }

    pub fn user(&self, user: u32) -> UserRow {
        self.users.get(user as usize)
    }

    /// Revenue of day `d` (0 = the first day), in cents.
    pub fn day(&self, d: usize) -> i64 {
        self.days.get(d)
    }

    /// Days that have had a payment or refund (indices `0..n`).
    pub fn days_seen(&self) -> usize {
        self.days_seen
    }

    /// Loses the read model and starts again from position 0 (a crashed projector whose
    /// store was not durable is rebuilt from the log).
    pub fn rebuild(&mut self) {
        let rebuilds = self.rebuilds + 1;
        *self = Projector::new(self.model);
        self.rebuilds = rebuilds;
    }

    /// Receives the event at `pos`. With `idempotent`, an event before `next` is skipped.
    /// Returns whether the model changed.
    pub fn receive(&mut self, pos: u64, e: &LogEvent, idempotent: bool) -> bool {
        if pos < self.next {
            if idempotent {
                self.duplicates_skipped += 1;
                return false;
            }
            self.duplicates_applied += 1;
        }
        self.apply(e);
        self.applied += 1;
        self.next = self.next.max(pos + 1);
        true
    }

    fn apply(&mut self, e: &LogEvent) {
        let before = self.orders.get(e.order as usize);
        let day = (e.at_ms.max(0) / MS_PER_DAY) as usize;
        let mut revenue = 0i64;
        self.orders.update(e.order as usize, |o| {
            o.version += 1;
            match e.body {
                EventBody::Created { user } => {
                    o.user = user;
                    o.status = Status::Open;
                }
                EventBody::ItemAdded { amount_cents } => {
                    o.items += 1;
                    o.total_cents += amount_cents;
                }
                EventBody::Paid { amount_cents } => {
                    o.status = Status::Paid;
                    o.paid_cents = amount_cents;
                    revenue = amount_cents;
                }
                EventBody::Shipped => o.status = Status::Shipped,
                EventBody::Cancelled => {
                    if before.status == Status::Paid {
                        revenue = -before.paid_cents;
                    }
                    o.status = Status::Cancelled;
                }
            }
        });
        self.money_total += revenue;
        match self.model {
            Model::ByUser => {
                let user = match e.body {
                    EventBody::Created { user } => user,
                    _ => before.user,
                };
                self.users.update(user as usize, |u| match e.body {
                    EventBody::Created { .. } => {
                        u.orders += 1;
                        u.open += 1;
                    }
                    EventBody::Paid { amount_cents } => u.spent_cents += amount_cents,
                    EventBody::Shipped => u.open = u.open.saturating_sub(1),
                    EventBody::Cancelled => {
                        u.open = u.open.saturating_sub(1);
                        u.spent_cents += revenue;
                    }
                    EventBody::ItemAdded { .. } => {}
                });
            }
            Model::RevenueByDay => {
                if revenue != 0 {
                    self.days.update(day, |d| *d += revenue);
                    self.days_seen = self.days_seen.max(day + 1);
                }
            }
        }
    }
}
