//! The validator: a record (a JSON object) against a contract, every violation reported —
//! missing and null required fields, wrong types, out-of-range numbers, values outside an
//! enum, fields the contract does not name, and the cross-field rules, which are judged on
//! the record as sent even when one of its fields failed (the listing does the same; a
//! Pydantic `@model_validator(mode="after")` would not run then, see
//! [`plain_after_count`]). A field the record leaves out takes its default, if it has one.
//! The note's pitfall hangs the date check on the status validator, which raises in Python
//! ([`note_crash`]).

use std::cmp::Ordering;

use crate::json::Value;

use super::contract::{Contract, Field, FieldType, Rule};

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

    /// Whether the kind is a rule across fields (checked after each field on its own).
    pub fn across_fields(self) -> bool {
        matches!(self, Kind::Before | Kind::RequiredWhen)
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

/// A JSON number's text as sign, significant digits (no leading or trailing zeros) and
/// the power of ten of the place just left of the first digit: 12.5 → (false, "125", 2),
/// 0.05 → (false, "5", -1); zero → `None`. Exponents are clamped far past any bound.
fn significant(n: &str) -> Option<(bool, String, i64)> {
    let (neg, rest) = match n.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, n),
    };
    let (mantissa, exp) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => {
            let (minus, digits) = match e.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, e.strip_prefix('+').unwrap_or(e)),
            };
            let mut x: i64 = 0;
            for b in digits.bytes().filter(u8::is_ascii_digit) {
                x = (x * 10 + i64::from(b - b'0')).min(1_000_000_000_000);
            }
            (m, if minus { -x } else { x })
        }
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int.chars().chain(frac.chars()).collect();
    let lead = all.bytes().take_while(|b| *b == b'0').count();
    let digits = all[lead..].trim_end_matches('0');
    if digits.is_empty() {
        return None;
    }
    Some((
        neg,
        digits.to_string(),
        int.len() as i64 - lead as i64 + exp,
    ))
}

/// Compares two JSON numbers exactly, whatever their size or precision.
pub fn cmp_number(a: &str, b: &str) -> Ordering {
    let sign = |x: &Option<(bool, String, i64)>| match x {
        None => 0,
        Some((true, ..)) => -1,
        Some((false, ..)) => 1,
    };
    let (x, y) = (significant(a), significant(b));
    match sign(&x).cmp(&sign(&y)) {
        Ordering::Equal => {}
        other => return other,
    }
    let (Some((neg, dx, ex)), Some((_, dy, ey))) = (x, y) else {
        return Ordering::Equal;
    };
    let magnitude = ex.cmp(&ey).then_with(|| dx.cmp(&dy));
    if neg {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// Whether `v` is of type `ty` (enum values checked separately). An int is a JSON integer
/// (no fraction, no exponent), a decimal any JSON number; neither is a string.
pub fn type_ok(ty: FieldType, v: &Value) -> bool {
    match (ty, v) {
        (FieldType::Int, Value::Number(n)) => !n.contains(['.', 'e', 'E']),
        (FieldType::Decimal, Value::Number(_)) => true,
        (FieldType::String | FieldType::Enum, Value::String(_)) => true,
        (FieldType::Timestamp, Value::String(s)) => timestamp(s).is_some(),
        _ => false,
    }
}

fn show(v: &Value) -> String {
    crate::sim::params::shorten(&v.to_text())
}

/// The value `record` gives field `f`: its own, else the field's default (a field the
/// record leaves out and that has no default: `None`).
pub fn value_of<'a>(record: &'a Value, f: &'a Field) -> Option<&'a Value> {
    record.get(&f.name).or(f.default.as_ref())
}

/// Every rule `record` breaks under `contract`, at arrival time `now_ms`. With
/// `wrong_field` (the note's validator) nothing checks the not-in-future rules: the note
/// hangs them on status instead (and in Python that raises, see [`note_crash`]).
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
    let future_checked = |name: &str| {
        !wrong_field
            && contract
                .rules
                .iter()
                .any(|r| matches!(r, Rule::NotInFuture { field } if field == name))
    };
    for f in &contract.fields {
        let name = f.name.as_str();
        match value_of(record, f) {
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
                    if let Some(min) = f.min.as_deref().filter(|m| cmp_number(n, m).is_lt()) {
                        out.push(v(
                            name,
                            Kind::BelowMin,
                            format!("{name} {n} is below the minimum {min}"),
                        ));
                    }
                    if let Some(max) = f.max.as_deref().filter(|m| cmp_number(n, m).is_gt()) {
                        out.push(v(
                            name,
                            Kind::AboveMax,
                            format!("{name} {n} is above the maximum {max}"),
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
                // A field's own rule: checked once its type holds, like a field validator.
                if let (Some(t), true) = (x.as_str().and_then(timestamp), future_checked(name)) {
                    if t > now_ms {
                        out.push(v(
                            name,
                            Kind::Future,
                            format!(
                                "{name} {} is after the record arrived ({})",
                                timestamp_text(t),
                                timestamp_text(now_ms)
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
    // The rules across fields, on the record as sent (defaults filled in), whether or not
    // its fields passed on their own.
    let get = |name: &str| match contract.field(name) {
        Some(f) => value_of(record, f),
        None => record.get(name),
    };
    let ts = |name: &str| {
        contract
            .field(name)
            .filter(|f| f.ty == FieldType::Timestamp)
            .and(get(name))
            .and_then(Value::as_str)
            .and_then(timestamp)
    };
    for rule in &contract.rules {
        match rule {
            Rule::NotInFuture { .. } => {} // a field's own rule, above
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
                let triggered = get(when).and_then(Value::as_str) == Some(equals.as_str());
                let absent = matches!(get(field), None | Some(Value::Null));
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

/// How many of `violations` the same model would report with its cross-field rules in
/// `@model_validator(mode="after")` methods: Pydantic runs those only once every field
/// validated, and stops at the first that raises. So: the field-level ones if there are
/// any, else at most one.
pub fn plain_after_count(violations: &[Violation]) -> usize {
    let own = violations
        .iter()
        .filter(|v| !v.kind.across_fields())
        .count();
    if own > 0 {
        own
    } else {
        violations.len().min(1)
    }
}

/// The Python class a validated value of `f` has (as Pydantic hands it to a validator).
fn py_class(f: &Field, v: &Value) -> String {
    if *v == Value::Null {
        return "NoneType".into();
    }
    match f.ty {
        FieldType::Int => "int".into(),
        FieldType::Decimal => "Decimal".into(),
        FieldType::String => "str".into(),
        FieldType::Timestamp => "datetime".into(),
        FieldType::Enum => super::code::class_name(&f.name),
    }
}

/// What the note's validator does to `record` under `contract` in Python, if it raises:
/// it is a `@field_validator("status")` that reads `v.<date field>` off the status value.
/// Without a status field the model cannot even be defined (Pydantic refuses a validator
/// for a field it does not have); with one, every record whose status validates raises
/// `AttributeError`, which Pydantic does not turn into a validation error (it does that
/// for `ValueError` and `AssertionError` only), so it escapes `except ValidationError`.
/// A record whose status fails (or that leaves status out, even with a default, which
/// Pydantic does not validate) is dead-lettered as usual. `None`: it does not raise, or
/// the contract has no not-in-future rule for the note to misplace.
pub fn note_crash(contract: &Contract, record: &Value) -> Option<String> {
    let date = contract.rules.iter().find_map(|r| match r {
        Rule::NotInFuture { field } => Some(field.as_str()),
        _ => None,
    })?;
    let Some(status) = contract.field("status") else {
        return Some(format!(
            "PydanticUserError: Decorators defined with incorrect fields: validate_{date} is declared for status, a field {} does not have",
            super::code::class_name(&contract.name)
        ));
    };
    if !matches!(record, Value::Object(_)) {
        return None;
    }
    let sent = record.get("status")?;
    let alone = Contract {
        fields: vec![Field {
            default: None,
            ..status.clone()
        }],
        rules: Vec::new(),
        allow_extra: true,
        ..contract.clone()
    };
    let probe = Value::Object(vec![("status".into(), sent.clone())]);
    validate(&alone, &probe, 0, true).is_empty().then(|| {
        format!(
            "AttributeError: '{}' object has no attribute '{date}'",
            py_class(status, sent)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
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
                ("order_date".into(), Kind::Future),
                ("channel".into(), Kind::Unknown),
                ("shipped_at".into(), Kind::RequiredWhen),
            ]
        );
        // The note's validator never checks the date (it raises first, see note_crash).
        assert!(!validate(&c, &bad, now, true)
            .iter()
            .any(|v| v.kind == Kind::Future));
        assert_eq!(
            timestamp_text(timestamp("2024-03-31T23:59:07Z").unwrap()),
            "2024-03-31T23:59:07Z"
        );
        assert_eq!(timestamp("2024-03-31 23:59:07Z"), None);
    }

    /// Question contracts-05's record: four violations, one of them across fields; a model
    /// with its cross-field rules in after-validators reports three (checked on Pydantic by
    /// conformance/tests/test_contracts.py).
    #[test]
    fn cross_field_rules_are_reported_even_when_a_field_failed() {
        let c = Contract::default();
        let now = timestamp("2024-01-15T09:00:00Z").unwrap();
        let r = rec(
            r#"{"order_id":"1001","user_id":7,"amount":0,"status":"completed","order_date":"2024-01-14T10:00:00Z","channel":"web"}"#,
        );
        let v = validate(&c, &r, now, false);
        assert_eq!(v.len(), 4, "{v:?}");
        assert!(v.iter().any(|x| x.kind == Kind::RequiredWhen));
        assert_eq!(plain_after_count(&v), 3);
        // All fields valid: after-validators stop at the first rule that fails.
        let two = Contract {
            rules: vec![
                Rule::RequiredWhen {
                    field: "shipped_at".into(),
                    when: "status".into(),
                    equals: "completed".into(),
                },
                Rule::RequiredWhen {
                    field: "coupon".into(),
                    when: "status".into(),
                    equals: "completed".into(),
                },
            ],
            ..Contract::default()
        };
        let r = rec(
            r#"{"order_id":1,"user_id":7,"amount":3,"status":"completed","order_date":"2024-01-14T10:00:00Z"}"#,
        );
        let v = validate(&two, &r, now, false);
        assert_eq!((v.len(), plain_after_count(&v)), (2, 1));
        assert_eq!(plain_after_count(&[]), 0);
    }

    #[test]
    fn numbers_compare_exactly_at_any_size() {
        use Ordering::*;
        for (a, b, want) in [
            ("0.01", "0", Greater),
            ("0", "-0", Equal),
            ("-0.0", "0e5", Equal),
            ("12.50", "12.5", Equal),
            ("1e2", "100", Equal),
            ("1E+2", "99.999", Greater),
            ("10000.0000000000000001", "10000", Greater),
            ("-5", "-3", Less),
            ("-0.5", "-0.50001", Greater),
            ("123456789012345678901234567890123", "1e32", Greater),
            ("1e-30", "0", Greater),
            ("-1e99999999999999999999", "-1e400", Less),
            ("0.05", "0.1", Less),
        ] {
            assert_eq!(cmp_number(a, b), want, "{a} vs {b}");
            assert_eq!(cmp_number(b, a), want.reverse(), "{b} vs {a}");
        }
        let c = Contract::default();
        let r = rec(
            r#"{"order_id":1,"user_id":7,"amount":10000.0000000000000001,"status":"pending","order_date":"2024-01-14T10:00:00Z"}"#,
        );
        let v = validate(&c, &r, timestamp("2024-01-15T09:00:00Z").unwrap(), false);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kind, Kind::AboveMax);
    }

    #[test]
    fn a_left_out_field_takes_its_default() {
        let mut c = Contract::default();
        c.fields[3].default = Some(Value::String("completed".into()));
        c.fields[1].default = Some(Value::Number("7".into()));
        let now = timestamp("2024-01-15T09:00:00Z").unwrap();
        let r = rec(r#"{"order_id":1,"amount":3,"order_date":"2024-01-14T10:00:00Z"}"#);
        // user_id and status are filled in; status completed then requires shipped_at.
        let kinds: Vec<Kind> = validate(&c, &r, now, false)
            .into_iter()
            .map(|v| v.kind)
            .collect();
        assert_eq!(kinds, vec![Kind::RequiredWhen]);
        // null is not left out: a required field still refuses it.
        let r = rec(
            r#"{"order_id":1,"user_id":null,"amount":3,"status":"pending","order_date":"2024-01-14T10:00:00Z"}"#,
        );
        assert_eq!(validate(&c, &r, now, false)[0].kind, Kind::Null);
    }

    #[test]
    fn the_notes_validator_raises_on_every_record_whose_status_validates() {
        let c = Contract::default();
        let ok = rec(
            r#"{"order_id":1,"user_id":7,"amount":3,"status":"pending","order_date":"2099-01-14T10:00:00Z"}"#,
        );
        assert_eq!(
            note_crash(&c, &ok).as_deref(),
            Some("AttributeError: 'Status' object has no attribute 'order_date'")
        );
        // A status that fails its enum never reaches the validator: dead-lettered as usual.
        let bad = rec(r#"{"order_id":1,"status":"shipped"}"#);
        assert_eq!(note_crash(&c, &bad), None);
        assert_eq!(note_crash(&c, &rec(r#"{"order_id":1}"#)), None);
        // No not-in-future rule: the note's validator is not in the listing.
        let plain = Contract {
            rules: Vec::new(),
            ..Contract::default()
        };
        assert_eq!(note_crash(&plain, &ok), None);
        // No status field: the model cannot be defined.
        let mut gone = Contract::default();
        gone.fields.retain(|f| f.name != "status");
        gone.rules
            .retain(|r| !matches!(r, Rule::RequiredWhen { .. }));
        assert!(note_crash(&gone, &ok).is_some_and(
            |e| e.starts_with("PydanticUserError: Decorators defined with incorrect fields")
        ));
        // An optional status sent as null reaches the validator as None.
        let mut loose = Contract::default();
        loose.fields[3].required = false;
        let null = rec(r#"{"status":null}"#);
        assert_eq!(
            note_crash(&loose, &null).as_deref(),
            Some("AttributeError: 'NoneType' object has no attribute 'order_date'")
        );
    }
}
