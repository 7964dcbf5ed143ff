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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

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
