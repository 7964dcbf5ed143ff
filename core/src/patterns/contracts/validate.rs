//! The validator: a record (a JSON object) against a contract, every violation reported —
//! missing and null required fields, wrong types, out-of-range numbers, values outside an
//! enum, fields the contract does not name, and the cross-field rules. The note's pitfall
//! hangs the date check on the wrong field.

use crate::json::{self, Value};

use super::contract::{Contract, FieldType, Rule};

/// What kind of rule a violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Missing,
    Null,
    Type,
    BelowMin,
    AboveMax,
    NotInEnum,
    Unknown,
    Future,
    Before,
    RequiredWhen,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Missing,
        Kind::Null,
        Kind::Type,
        Kind::BelowMin,
        Kind::AboveMax,
        Kind::NotInEnum,
        Kind::Unknown,
        Kind::Future,
        Kind::Before,
        Kind::RequiredWhen,
    ];

    /// A one-word label (chart axes).
    pub fn short(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Null => "null",
            Kind::Type => "type",
            Kind::BelowMin => "min",
            Kind::AboveMax => "max",
            Kind::NotInEnum => "enum",
            Kind::Unknown => "unknown",
            Kind::Future => "future",
            Kind::Before => "order",
            Kind::RequiredWhen => "when",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Null => "null",
            Kind::Type => "wrong type",
            Kind::BelowMin => "below min",
            Kind::AboveMax => "above max",
            Kind::NotInEnum => "not in enum",
            Kind::Unknown => "unknown field",
            Kind::Future => "in the future",
            Kind::Before => "out of order",
            Kind::RequiredWhen => "required here",
        }
    }
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub field: String,
    pub kind: Kind,
    pub detail: String,
}

/// A timestamp as the contract reads it: `YYYY-MM-DDTHH:MM:SSZ` → ms since 2024-01-01.
pub fn timestamp(text: &str) -> Option<i64> {
    let t = text.strip_suffix('Z')?;
    if t.len() != 19 || t.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    crate::calendar::parse_when(t).ok()
}

/// The timestamp text of `ms` since 2024-01-01.
pub fn timestamp_text(ms: i64) -> String {
    crate::calendar::at_text(ms).replacen(' ', "T", 1) + "Z"
}

/// Whether `v` is of type `ty` (enum values checked separately).
pub fn type_ok(ty: FieldType, v: &Value) -> bool {
    match (ty, v) {
        (FieldType::Int, Value::Number(n)) => {
            !n.contains(['.', 'e', 'E']) && n.parse::<i64>().is_ok()
        }
        (FieldType::Decimal, Value::Number(n)) => json::decimal(n).is_some(),
        (FieldType::String | FieldType::Enum, Value::String(_)) => true,
        (FieldType::Timestamp, Value::String(s)) => timestamp(s).is_some(),
        _ => false,
    }
}

fn show(v: &Value) -> String {
    crate::sim::params::shorten(&v.to_text())
}

/// Every rule `record` breaks under `contract`, at arrival time `now_ms`. With
/// `wrong_field` (the note's validator) the not-in-future check reads `status` instead of
/// its own field.
pub fn validate(
    contract: &Contract,
    record: &Value,
    now_ms: i64,
    wrong_field: bool,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let v = |field: &str, kind: Kind, detail: String| Violation {
        field: field.to_string(),
        kind,
        detail,
    };
    let Value::Object(pairs) = record else {
        out.push(v(
            "(record)",
            Kind::Type,
            format!("expected an object, got {}", record.kind()),
        ));
        return out;
    };
    for f in &contract.fields {
        let name = f.name.as_str();
        match record.get(name) {
            None => {
                if f.required {
                    out.push(v(
                        name,
                        Kind::Missing,
                        format!("{name} is required but missing"),
                    ));
                }
            }
            Some(Value::Null) => {
                if f.required {
                    out.push(v(name, Kind::Null, format!("{name} is required but null")));
                }
            }
            Some(x) if !type_ok(f.ty, x) => out.push(v(
                name,
                Kind::Type,
                format!(
                    "{name} should be {}, got {} {}",
                    f.ty.with_article(),
                    x.kind(),
                    show(x)
                ),
            )),
            Some(x) => {
                if let (Value::Number(n), true) = (x, f.ty.numeric()) {
                    let val = json::decimal(n);
                    let cmp = |b: &Option<String>| {
                        b.as_deref()
                            .and_then(json::decimal)
                            .zip(val)
                            .map(|(b, x)| json::cmp_decimal(x, b))
                    };
                    if cmp(&f.min) == Some(std::cmp::Ordering::Less) {
                        out.push(v(
                            name,
                            Kind::BelowMin,
                            format!(
                                "{name} {n} is below the minimum {}",
                                f.min.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                    if cmp(&f.max) == Some(std::cmp::Ordering::Greater) {
                        out.push(v(
                            name,
                            Kind::AboveMax,
                            format!(
                                "{name} {n} is above the maximum {}",
                                f.max.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                }
                if let (FieldType::Enum, Value::String(s)) = (f.ty, x) {
                    if !f.values.contains(s) {
                        out.push(v(
                            name,
                            Kind::NotInEnum,
                            format!(
                                "{name} “{}” is not one of {}",
                                crate::sim::params::shorten(s),
                                f.values.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
    }
    if !contract.allow_extra {
        for (k, _) in pairs {
            if contract.field(k).is_none() {
                out.push(v(k, Kind::Unknown, format!("{k} is not in the contract")));
            }
        }
    }
    let ts = |name: &str| record.get(name).and_then(Value::as_str).and_then(timestamp);
    for rule in &contract.rules {
        match rule {
            Rule::NotInFuture { field } => {
                let checked = if wrong_field {
                    "status"
                } else {
                    field.as_str()
                };
                if let Some(t) = ts(checked).filter(|t| *t > now_ms) {
                    out.push(v(
                        field,
                        Kind::Future,
                        format!(
                            "{field} {} is after the record arrived ({})",
                            timestamp_text(t),
                            timestamp_text(now_ms)
                        ),
                    ));
                }
            }
            Rule::NotBefore { field, other } => {
                if let (Some(a), Some(b)) = (ts(field), ts(other)) {
                    if a < b {
                        out.push(v(field, Kind::Before, format!("{field} is before {other}")));
                    }
                }
            }
            Rule::RequiredWhen {
                field,
                when,
                equals,
            } => {
                let triggered = record.get(when).and_then(Value::as_str) == Some(equals.as_str());
                let absent = matches!(record.get(field), None | Some(Value::Null));
                if triggered && absent {
                    out.push(v(
                        field,
                        Kind::RequiredWhen,
                        format!("{field} is required when {when} is {equals}"),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn rec(text: &str) -> Value {
        json::parse(text).unwrap()
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let c = Contract::default();
        let now = timestamp("2024-02-01T00:00:00Z").unwrap();
        let good = rec(
            r#"{"order_id":1,"user_id":7,"amount":12.50,"status":"completed","order_date":"2024-01-15T12:00:00Z","shipped_at":"2024-01-16T09:00:00Z"}"#,
        );
        assert_eq!(validate(&c, &good, now, false), vec![]);
        let bad = rec(
            r#"{"order_id":"1","amount":0,"status":"completed","order_date":"2024-03-01T00:00:00Z","channel":"web","user_id":null}"#,
        );
        let kinds: Vec<(String, Kind)> = validate(&c, &bad, now, false)
            .into_iter()
            .map(|v| (v.field, v.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("order_id".into(), Kind::Type),
                ("user_id".into(), Kind::Null),
                ("amount".into(), Kind::BelowMin),
                ("channel".into(), Kind::Unknown),
                ("order_date".into(), Kind::Future),
                ("shipped_at".into(), Kind::RequiredWhen),
            ]
        );
        // The note's validator never sees the future date.
        assert!(!validate(&c, &bad, now, true)
            .iter()
            .any(|v| v.kind == Kind::Future));
        assert_eq!(
            timestamp_text(timestamp("2024-03-31T23:59:07Z").unwrap()),
            "2024-03-31T23:59:07Z"
        );
        assert_eq!(timestamp("2024-03-31 23:59:07Z"), None);
    }
}
