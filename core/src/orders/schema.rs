//! The two event schemas. The current writer stores v2 events as typed values; an old
//! writer (service v1) stored JSON documents with the customer id as a string under
//! `customer` and amounts as decimal dollar strings. Reads upcast v1 to v2, so the fold only
//! ever sees the current schema.
//!
//! v1: `{"type":"ItemAdded","amount":"12.30"}`, `{"type":"OrderCreated","customer":"17"}`
//! v2: `{"type":"ItemAdded","schema":2,"amount_cents":1230,"currency":"USD"}`

use std::sync::Arc;

use super::domain::EventBody;

/// An event as the store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredBody {
    V2(EventBody),
    /// A document written by the old service, kept byte for byte (the log is immutable).
    V1(Arc<str>),
}

impl StoredBody {
    /// The event in the current schema: v2 as is, v1 through [`upcast`].
    pub fn read(&self) -> Result<EventBody, String> {
        match self {
            StoredBody::V2(e) => Ok(*e),
            StoredBody::V1(doc) => upcast(doc),
        }
    }

    pub fn schema(&self) -> u8 {
        match self {
            StoredBody::V2(_) => 2,
            StoredBody::V1(_) => 1,
        }
    }

    /// The stored document as JSON text.
    pub fn json(&self) -> String {
        match self {
            StoredBody::V2(e) => encode_v2(e),
            StoredBody::V1(doc) => doc.to_string(),
        }
    }
}

/// The v2 JSON of an event.
pub fn encode_v2(e: &EventBody) -> String {
    let head = format!("{{\"type\":\"{}\",\"schema\":2", e.name());
    match e {
        EventBody::Created { user } => format!("{head},\"user_id\":{user},\"currency\":\"USD\"}}"),
        EventBody::ItemAdded { amount_cents } | EventBody::Paid { amount_cents } => {
            format!("{head},\"amount_cents\":{amount_cents},\"currency\":\"USD\"}}")
        }
        EventBody::Shipped | EventBody::Cancelled => format!("{head}}}"),
    }
}

/// The document the old (v1) service writes for `e`.
pub fn encode_v1(e: &EventBody) -> String {
    let head = format!("{{\"type\":\"{}\"", e.name());
    match e {
        EventBody::Created { user } => format!("{head},\"customer\":\"{user}\"}}"),
        EventBody::ItemAdded { amount_cents } | EventBody::Paid { amount_cents } => {
            let c = amount_cents.unsigned_abs();
            let sign = if *amount_cents < 0 { "-" } else { "" };
            format!("{head},\"amount\":\"{sign}{}.{:02}\"}}", c / 100, c % 100)
        }
        EventBody::Shipped | EventBody::Cancelled => format!("{head}}}"),
    }
}

/// Reads a v1 document as a v2 event: `customer` (a string) becomes `user_id`, a decimal
/// dollar `amount` becomes integer cents. Errors name what is wrong; never panics.
pub fn upcast(doc: &str) -> Result<EventBody, String> {
    let fields = flat_object(doc)?;
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| format!("v1 event has no \"{key}\""))
    };
    match get("type")? {
        "OrderCreated" => {
            let customer = get("customer")?;
            let user = customer
                .parse::<u32>()
                .map_err(|_| format!("customer \"{customer}\" is not a number"))?;
            Ok(EventBody::Created { user })
        }
        "ItemAdded" => Ok(EventBody::ItemAdded {
            amount_cents: dollars_to_cents(get("amount")?)?,
        }),
        "OrderPaid" => Ok(EventBody::Paid {
            amount_cents: dollars_to_cents(get("amount")?)?,
        }),
        "OrderShipped" => Ok(EventBody::Shipped),
        "OrderCancelled" => Ok(EventBody::Cancelled),
        other => Err(format!("unknown v1 event type \"{other}\"")),
    }
}

/// `"12.3"` → 1230 cents, with integer arithmetic only (at most two decimals).
pub fn dollars_to_cents(text: &str) -> Result<i64, String> {
    let bad = || format!("amount \"{text}\" is not a dollar amount");
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = w
        .checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .ok_or_else(bad)?;
    Ok(if neg { -cents } else { cents })
}

/// A flat JSON object whose values are strings or integers, as `(key, value text)` pairs.
fn flat_object(doc: &str) -> Result<Vec<(String, String)>, String> {
    let mut chars = doc.trim().chars().peekable();
    let err = |what: &str| format!("v1 event is not a flat JSON object ({what})");
    if chars.next() != Some('{') {
        return Err(err("no opening brace"));
    }
    let mut out = Vec::new();
    let string = |chars: &mut std::iter::Peekable<std::str::Chars>| -> Option<String> {
        let mut s = String::new();
        loop {
            match chars.next()? {
                '"' => return Some(s),
                '\\' => s.push(chars.next()?),
                c => s.push(c),
            }
        }
    };
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some('}') if out.is_empty() => break,
            Some('"') => {}
            _ => return Err(err("expected a key")),
        }
        let key = string(&mut chars).ok_or_else(|| err("unterminated key"))?;
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some(':') {
            return Err(err("expected ':'"));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let value = if chars.peek() == Some(&'"') {
            chars.next();
            string(&mut chars).ok_or_else(|| err("unterminated value"))?
        } else {
            let mut v = String::new();
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == '-')
            {
                v.extend(chars.next());
            }
            if v.is_empty() {
                return Err(err("expected a string or a number"));
            }
            v
        };
        out.push((key, value));
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some(',') => continue,
            Some('}') => break,
            _ => return Err(err("expected ',' or '}'")),
        }
    }
    if chars.any(|c| !c.is_whitespace()) {
        return Err(err("text after the object"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_v1_document_upcasts_to_the_event_it_was_written_from() {
        for e in [
            EventBody::Created { user: 17 },
            EventBody::ItemAdded { amount_cents: 1230 },
            EventBody::ItemAdded { amount_cents: 5 },
            EventBody::Paid {
                amount_cents: 100_000,
            },
            EventBody::Shipped,
            EventBody::Cancelled,
        ] {
            let doc = encode_v1(&e);
            assert!(!doc.contains("schema"), "{doc}");
            assert_eq!(upcast(&doc), Ok(e), "{doc}");
        }
        assert_eq!(
            encode_v1(&EventBody::ItemAdded { amount_cents: 1230 }),
            r#"{"type":"ItemAdded","amount":"12.30"}"#
        );
    }

    #[test]
    fn hand_written_v1_documents_and_dollar_amounts() {
        assert_eq!(
            upcast(r#" { "amount" : "7.5", "type": "OrderPaid" } "#),
            Ok(EventBody::Paid { amount_cents: 750 })
        );
        assert_eq!(dollars_to_cents("0.07"), Ok(7));
        assert_eq!(dollars_to_cents("12"), Ok(1200));
        for bad in [
            "",
            ".5",
            "1.234",
            "1e3",
            "abc",
            "99999999999999999999",
            "1.-2",
        ] {
            assert!(dollars_to_cents(bad).is_err(), "{bad}");
        }
        for bad in [
            "",
            "{",
            "[]",
            r#"{"type":"ItemAdded"}"#,
            r#"{"type":"Refunded"}"#,
            r#"{"type":"OrderCreated","customer":"x"}"#,
            r#"{"type":"OrderShipped"} trailing"#,
            r#"{"type" "OrderShipped"}"#,
        ] {
            assert!(upcast(bad).is_err(), "{bad}");
        }
    }
}
