//! Orders' ground truth, written without `crate::orders`: events are read from their stored
//! JSON text (both schemas, parsed here by plain string search), and the order life is a
//! table of allowed `(stage before, event, stage after)` rows. Used to check event
//! sourcing's folds, snapshots and validation, and CQRS's read models.

use std::collections::BTreeMap;

/// `(stage before, event type, stage after)`; "" is "no such order yet".
const ALLOWED: &[(&str, &str, &str)] = &[
    ("", "OrderCreated", "open"),
    ("open", "ItemAdded", "open"),
    ("open", "OrderPaid", "paid"),
    ("open", "OrderCancelled", "cancelled"),
    ("paid", "OrderCancelled", "cancelled"),
    ("paid", "OrderShipped", "shipped"),
];

/// An order as the oracle folds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFold {
    pub stage: &'static str,
    pub user: u32,
    pub items: u32,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub events: u32,
}

/// A stored event's fields, read from its JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub kind: String,
    pub user: Option<u32>,
    pub amount_cents: Option<i64>,
}

/// The text after `"key":` up to the next `,` or `}`, without quotes or spaces.
fn raw_value<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let at = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[at..].trim_start().strip_prefix(':')?;
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"'))
}

/// Reads an event of either schema: v2 `amount_cents`/`user_id`, v1 `amount` (dollars,
/// "d", "d.c" or "d.cc") / `customer`.
pub fn parse(json: &str) -> Option<Parsed> {
    let kind = raw_value(json, "type")?.to_string();
    let user = raw_value(json, "user_id")
        .or_else(|| raw_value(json, "customer"))
        .and_then(|u| u.parse().ok());
    let amount_cents = match raw_value(json, "amount_cents") {
        Some(c) => Some(c.parse().ok()?),
        None => match raw_value(json, "amount") {
            Some(d) => {
                let mut parts = d.splitn(2, '.');
                let dollars: i64 = parts.next()?.parse().ok()?;
                let cents = match parts.next() {
                    None => 0,
                    Some(f) if f.len() == 1 => f.parse::<i64>().ok()? * 10,
                    Some(f) if f.len() == 2 => f.parse::<i64>().ok()?,
                    Some(_) => return None,
                };
                Some(dollars * 100 + cents)
            }
            None => None,
        },
    };
    Some(Parsed {
        kind,
        user,
        amount_cents,
    })
}

/// Every order's fold, event by event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    pub orders: BTreeMap<u32, OrderFold>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, order: u32) -> OrderFold {
        self.orders.get(&order).cloned().unwrap_or_default()
    }

    /// Applies a stored event (JSON of either schema). An event the table does not allow,
    /// or one that does not parse, is an error: a correct store never holds one.
    pub fn apply(&mut self, order: u32, json: &str) -> Result<(), String> {
        let e = parse(json).ok_or_else(|| format!("unreadable event {json}"))?;
        let o = self.orders.entry(order).or_default();
        let row = ALLOWED
            .iter()
            .find(|(before, kind, _)| *before == o.stage && *kind == e.kind)
            .ok_or_else(|| format!("{} on a {:?} order #{order}", e.kind, o.stage))?;
        o.stage = row.2;
        o.events += 1;
        match e.kind.as_str() {
            "OrderCreated" => o.user = e.user.unwrap_or(0),
            "ItemAdded" => {
                o.items += 1;
                o.total_cents += e.amount_cents.unwrap_or(0);
            }
            "OrderPaid" => o.paid_cents = e.amount_cents.unwrap_or(0),
            _ => {}
        }
        Ok(())
    }

    /// Whether a command (named by the event it asks for) may be appended to `order`:
    /// the table allows it, a payment has items and matches the total.
    pub fn allows(&self, order: u32, event_kind: &str, amount_cents: Option<i64>) -> bool {
        let o = self.get(order);
        let in_table = ALLOWED
            .iter()
            .any(|(before, kind, _)| *before == o.stage && *kind == event_kind);
        in_table
            && (event_kind != "OrderPaid" || (o.items > 0 && amount_cents == Some(o.total_cents)))
    }
}

/// The CQRS read models as the oracle folds them: per customer (orders, open orders,
/// money spent) and revenue per day (payments on their day, minus refunds when a paid
/// order is cancelled). Events come as their type name and fields, in log order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadTruth {
    pub ledger: Ledger,
    /// user → (orders, open, spent cents)
    pub users: BTreeMap<u32, (u32, u32, i64)>,
    /// day index (from the epoch) → revenue cents
    pub days: BTreeMap<i64, i64>,
    pub spent_total: i64,
    pub revenue_total: i64,
    pub events: u64,
}

impl ReadTruth {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one event given as stored JSON (either schema) at `at_ms`.
    pub fn apply(&mut self, order: u32, json: &str, at_ms: i64) -> Result<(), String> {
        let before = self.ledger.get(order);
        self.ledger.apply(order, json)?;
        let e = parse(json).ok_or("unreadable")?;
        self.events += 1;
        let after = self.ledger.get(order);
        let day = at_ms.div_euclid(86_400_000);
        let money = match (before.stage, after.stage) {
            ("open", "paid") => after.paid_cents,
            ("paid", "cancelled") => -before.paid_cents,
            _ => 0,
        };
        let row = self.users.entry(after.user).or_default();
        match e.kind.as_str() {
            "OrderCreated" => {
                row.0 += 1;
                row.1 += 1;
            }
            "OrderShipped" | "OrderCancelled" => row.1 -= 1,
            _ => {}
        }
        row.2 += money;
        self.spent_total += money;
        if money != 0 {
            *self.days.entry(day).or_default() += money;
            self.revenue_total += money;
        }
        Ok(())
    }
}

/// An order in [`PrefixTruth`]: its stage (index into `STAGES`), customer and payment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot {
    stage: u8,
    user: u32,
    paid_cents: i64,
}

const STAGES: [&str; 5] = ["", "open", "paid", "shipped", "cancelled"];

/// The same read-model fold as [`ReadTruth`], kept in shared-chunk arrays so a scenario
/// can carry it forward event by event and clone it cheaply at checkpoints: the truth at
/// a log position, for the badges beside a read model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrefixTruth {
    orders: crate::sim::parray::PArray<Slot>,
    /// user → (orders, open, spent cents)
    users: crate::sim::parray::PArray<(u32, u32, i64)>,
    days: crate::sim::parray::PArray<i64>,
    pub spent_total: i64,
    pub revenue_total: i64,
    /// Events folded: the log position this truth stands at.
    pub events: u64,
}

impl PrefixTruth {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn user(&self, user: u32) -> (u32, u32, i64) {
        self.users.get(user as usize)
    }

    pub fn day(&self, day: usize) -> i64 {
        self.days.get(day)
    }

    /// Applies the next event of the log: its type name, the user of a creation, the
    /// amount of a payment. An event the table does not allow is an error and changes
    /// nothing.
    pub fn apply(
        &mut self,
        order: u32,
        kind: &str,
        user: u32,
        amount_cents: i64,
        at_ms: i64,
    ) -> Result<(), String> {
        let before = self.orders.get(order as usize);
        let from = STAGES[before.stage as usize % STAGES.len()];
        let to = ALLOWED
            .iter()
            .find(|(b, k, _)| *b == from && *k == kind)
            .map(|r| r.2)
            .ok_or_else(|| format!("{kind} on a {from:?} order #{order}"))?;
        let stage = STAGES.iter().position(|s| *s == to).unwrap_or(0) as u8;
        let mut slot = before;
        slot.stage = stage;
        if kind == "OrderCreated" {
            slot.user = user;
        }
        let money = match (from, to) {
            ("open", "paid") => {
                slot.paid_cents = amount_cents;
                amount_cents
            }
            ("paid", "cancelled") => -before.paid_cents,
            _ => 0,
        };
        self.orders.update(order as usize, |s| *s = slot);
        self.users.update(slot.user as usize, |u| {
            if kind == "OrderCreated" {
                u.0 += 1;
                u.1 += 1;
            }
            if to == "shipped" || to == "cancelled" {
                u.1 = u.1.saturating_sub(1);
            }
            u.2 += money;
        });
        if money != 0 {
            self.days
                .update(at_ms.div_euclid(86_400_000).max(0) as usize, |d| {
                    *d += money
                });
            self.revenue_total += money;
        }
        self.spent_total += money;
        self.events += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn read_truth_refunds_a_paid_order_cancelled_on_a_later_day() {
        let mut t = ReadTruth::new();
        let day = 86_400_000;
        t.apply(1, r#"{"type":"OrderCreated","customer":"3"}"#, 0)
            .unwrap();
        t.apply(1, r#"{"type":"ItemAdded","amount":"5"}"#, 0)
            .unwrap();
        t.apply(1, r#"{"type":"OrderPaid","amount":"5"}"#, 10)
            .unwrap();
        t.apply(1, r#"{"type":"OrderCancelled"}"#, 2 * day + 5)
            .unwrap();
        assert_eq!(t.users[&3], (1, 0, 0));
        assert_eq!((t.days[&0], t.days[&2], t.revenue_total), (500, -500, 0));
        assert!(t.apply(1, r#"{"type":"OrderShipped"}"#, 0).is_err());
        // The prefix form folds the same events to the same rows.
        let mut p = PrefixTruth::new();
        p.apply(1, "OrderCreated", 3, 0, 0).unwrap();
        p.apply(1, "ItemAdded", 0, 500, 0).unwrap();
        p.apply(1, "OrderPaid", 0, 500, 10).unwrap();
        p.apply(1, "OrderCancelled", 0, 0, 2 * day + 5).unwrap();
        assert_eq!(p.user(3), (1, 0, 0));
        assert_eq!((p.day(0), p.day(2), p.revenue_total), (500, -500, 0));
        assert!(p.apply(1, "OrderShipped", 0, 0, 0).is_err());
    }

    #[test]
    fn folds_both_schemas_and_refuses_what_the_table_does_not_allow() {
        let mut l = Ledger::new();
        l.apply(4, r#"{"type":"OrderCreated","customer":"9"}"#)
            .unwrap();
        l.apply(
            4,
            r#"{"type":"ItemAdded","schema":2,"amount_cents":250,"currency":"USD"}"#,
        )
        .unwrap();
        l.apply(4, r#"{"type":"ItemAdded","amount":"1.5"}"#)
            .unwrap();
        assert!(!l.allows(4, "OrderPaid", Some(250)));
        assert!(l.allows(4, "OrderPaid", Some(400)));
        l.apply(4, r#"{"type":"OrderPaid","amount":"4.00"}"#)
            .unwrap();
        assert!(l.apply(4, r#"{"type":"ItemAdded","amount":"1"}"#).is_err());
        l.apply(4, r#"{"type":"OrderShipped"}"#).unwrap();
        assert!(!l.allows(4, "OrderShipped", None));
        let o = l.get(4);
        assert_eq!(
            (
                o.stage,
                o.user,
                o.items,
                o.total_cents,
                o.paid_cents,
                o.events
            ),
            ("shipped", 9, 2, 400, 400, 5)
        );
    }
}
