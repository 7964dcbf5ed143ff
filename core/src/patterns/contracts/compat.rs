//! Compatibility of two contract versions, by their definitions: **backward** — every
//! record valid under the old version is valid under the new (consumers on the new
//! version read old data); **forward** — every record valid under the new version is valid
//! under the old (consumers still on the old version read new data); **full** — both.
//!
//! A verdict is found by searching for a witness: a record valid under one version and
//! not the other, built from each field's boundary values, its absence, null, an extra
//! field, and the values each rule turns on. Every reason carries its witness, checked
//! by the validator itself.

use crate::json::{self, Value};

use super::contract::{Contract, Field, FieldType, Rule};
use super::validate::{timestamp_text, validate};

/// The "now" witnesses are judged at (2024-02-01T00:00:00Z).
pub const NOW_MS: i64 = 31 * 86_400_000;

/// Why a direction fails: what the other version rejects, on which record.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub text: String,
    /// A record the one version accepts and the other rejects.
    pub witness: Value,
}

/// The verdicts for `old` → `new`.
#[derive(Clone, Debug, PartialEq)]
pub struct Compat {
    pub backward: Vec<Reason>,
    pub forward: Vec<Reason>,
}

impl Compat {
    pub fn full(&self) -> bool {
        self.backward.is_empty() && self.forward.is_empty()
    }

    /// The rollout the verdicts allow, in a sentence.
    pub fn advice(&self) -> &'static str {
        match (self.backward.is_empty(), self.forward.is_empty()) {
            (true, true) => "✓ Fully compatible: producers and consumers may upgrade in either order.",
            (true, false) => "✗ Not fully compatible: only backward holds, so upgrade the consumers first, then the producers.",
            (false, true) => "✗ Not fully compatible: only forward holds, so upgrade the producers first, then the consumers.",
            (false, false) => "✗ Neither direction holds: whichever side upgrades first, the other rejects some of its records. Split the change into compatible steps (add the new field optional or with a default, move both sides over, then drop the old one in a later version), or publish it as a new contract next to the old one.",
        }
    }
}

fn valid(c: &Contract, r: &Value) -> bool {
    validate(c, r, NOW_MS, false).is_empty()
}

/// Values of `f`'s type worth trying: its bounds, small and large numbers, each enum
/// value, a plain string, timestamps on either side of now.
fn candidates(f: &Field, other: Option<&Field>) -> Vec<Value> {
    let n = |s: &str| Value::Number(s.to_string());
    let s = |x: &str| Value::String(x.to_string());
    let mut out = Vec::new();
    match f.ty {
        FieldType::Int | FieldType::Decimal => {
            for b in [&f.min, &f.max].into_iter().flatten() {
                out.push(n(b));
                // The nearest whole numbers inside the bounds.
                if let Some((u, sc)) = json::decimal(b) {
                    let div = 10i128.pow(sc.min(30));
                    for w in [u.div_euclid(div), u.div_euclid(div) + 1] {
                        out.push(n(&w.to_string()));
                    }
                }
            }
            for x in [
                "0",
                "1",
                "-1",
                "1000000000",
                "-1000000000",
                "0.5",
                "0.01",
                "-0.01",
                "99999.99",
            ] {
                out.push(n(x));
            }
            if let Some(o) = other {
                for b in [&o.min, &o.max].into_iter().flatten() {
                    out.push(n(b));
                }
            }
        }
        FieldType::String => {
            out.push(s("x"));
            out.push(s(""));
            out.push(s(&timestamp_text(NOW_MS - 86_400_000)));
            if let Some(o) = other {
                out.extend(o.values.iter().map(|v| s(v)));
            }
        }
        FieldType::Enum => out.extend(f.values.iter().map(|v| s(v))),
        FieldType::Timestamp => {
            out.push(s(&timestamp_text(NOW_MS - 86_400_000)));
            out.push(s(&timestamp_text(NOW_MS - 2 * 86_400_000)));
        }
    }
    out.retain(|v| super::validate::type_ok(f.ty, v) || f.ty == FieldType::String);
    out
}

/// A record valid under `c` if one is easily found: each required field at its first
/// value that keeps the record valid.
fn base(c: &Contract) -> Option<Value> {
    let mut r: Vec<(String, Value)> = Vec::new();
    for f in c.fields.iter().filter(|f| f.required) {
        let v = candidates(f, None).into_iter().next()?;
        r.push((f.name.clone(), v));
    }
    let mut rec = Value::Object(r);
    if valid(c, &rec) {
        return Some(rec);
    }
    // A rule may need an optional field (required_when) or another value: try each.
    for f in &c.fields {
        for v in candidates(f, None) {
            let mut tried = rec.clone();
            set(&mut tried, &f.name, Some(v));
            if valid(c, &tried) {
                return Some(tried);
            }
            if validate(c, &tried, NOW_MS, false).len() < validate(c, &rec, NOW_MS, false).len() {
                rec = tried;
            }
        }
    }
    valid(c, &rec).then_some(rec)
}

fn set(r: &mut Value, k: &str, v: Option<Value>) {
    if let Value::Object(pairs) = r {
        match v {
            None => pairs.retain(|(x, _)| x != k),
            Some(v) => match pairs.iter_mut().find(|(x, _)| x == k) {
                Some(slot) => slot.1 = v,
                None => pairs.push((k.to_string(), v)),
            },
        }
    }
}

/// Records valid under `a` that `b` rejects, one reason per thing `b` objects to.
pub fn rejected(a: &Contract, b: &Contract, a_name: &str, b_name: &str) -> Vec<Reason> {
    let Some(start) = base(a) else {
        return Vec::new();
    };
    let mut tries: Vec<Value> = vec![start.clone()];
    let names: Vec<&str> = a
        .fields
        .iter()
        .chain(&b.fields)
        .map(|f| f.name.as_str())
        .collect();
    for name in &names {
        let fa = a.field(name);
        let fb = b.field(name);
        let mut values: Vec<Option<Value>> = vec![None, Some(Value::Null)];
        match fa {
            Some(f) => values.extend(candidates(f, fb).into_iter().map(Some)),
            None => values.push(Some(Value::String("x".into()))),
        }
        for v in values {
            let mut r = start.clone();
            set(&mut r, name, v);
            tries.push(r);
        }
    }
    tries.push({
        let mut r = start.clone();
        set(&mut r, "x_extra", Some(Value::String("x".into())));
        r
    });
    // The values each rule of either version turns on.
    for rule in a.rules.iter().chain(&b.rules) {
        let mut r = start.clone();
        match rule {
            Rule::NotInFuture { field } => set(
                &mut r,
                field,
                Some(Value::String(timestamp_text(NOW_MS + 86_400_000))),
            ),
            Rule::NotBefore { field, other } => {
                set(
                    &mut r,
                    field,
                    Some(Value::String(timestamp_text(NOW_MS - 2 * 86_400_000))),
                );
                set(
                    &mut r,
                    other,
                    Some(Value::String(timestamp_text(NOW_MS - 86_400_000))),
                );
            }
            Rule::RequiredWhen {
                field,
                when,
                equals,
                ..
            } => {
                set(&mut r, when, Some(Value::String(equals.clone())));
                set(&mut r, field, None);
            }
        }
        tries.push(r);
    }
    let mut out: Vec<Reason> = Vec::new();
    for r in tries {
        if !valid(a, &r) {
            continue;
        }
        for v in validate(b, &r, NOW_MS, false) {
            let key = format!("{}:{:?}", v.field, v.kind);
            if out.iter().any(|x| x.text.starts_with(&key)) {
                continue;
            }
            out.push(Reason {
                text: format!(
                    "{key} — {a_name} accepts it, {b_name} does not: {}",
                    v.detail
                ),
                witness: r.clone(),
            });
        }
    }
    // Shown without the key prefix used to de-duplicate.
    for reason in &mut out {
        if let Some((_, rest)) = reason.text.split_once(" — ") {
            reason.text = rest.to_string();
        }
    }
    out
}

/// Backward and forward verdicts for a new version of a contract.
pub fn check(old: &Contract, new: &Contract) -> Compat {
    Compat {
        backward: rejected(old, new, "the old version", "the new one"),
        forward: rejected(new, old, "the new version", "the old one"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn adding_an_optional_field_is_backward_but_not_forward_compatible_when_extras_are_rejected() {
        let old = Contract::default();
        let mut new = old.clone();
        new.version = 2;
        new.fields.push(Field {
            name: "channel".into(),
            ty: FieldType::String,
            required: false,
            min: None,
            max: None,
            values: Vec::new(),
            default: None,
        });
        let c = check(&old, &new);
        assert!(c.backward.is_empty(), "{:?}", c.backward);
        assert!(!c.forward.is_empty());
        assert!(c.forward[0].text.contains("channel"), "{:?}", c.forward);
        for r in &c.forward {
            assert!(valid(&new, &r.witness) && !valid(&old, &r.witness));
        }
        assert!(check(&old, &old).full());
    }

    #[test]
    fn tightening_a_bound_or_an_enum_breaks_backward_compatibility() {
        let old = Contract::default();
        let mut new = old.clone();
        new.fields[2].min = Some("1".into());
        new.fields[3].values.pop();
        let c = check(&old, &new);
        let texts: Vec<&str> = c.backward.iter().map(|r| r.text.as_str()).collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains("amount") && t.contains("minimum")),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.contains("status")), "{texts:?}");
        assert!(c.forward.is_empty(), "{:?}", c.forward);
    }

    /// A field the new version requires breaks old records that lack it, unless it has a
    /// default: Pydantic fills a field with a default in, so it is not missing (checked on
    /// Pydantic by conformance/tests/test_contracts.py).
    #[test]
    fn a_new_required_field_is_backward_compatible_only_with_a_default() {
        let old = Contract::default();
        let mut new = old.clone();
        new.version = 2;
        new.fields.push(Field {
            name: "channel".into(),
            ty: FieldType::Enum,
            required: true,
            min: None,
            max: None,
            values: vec!["web".into(), "app".into()],
            default: None,
        });
        let without = check(&old, &new);
        assert!(
            without
                .backward
                .iter()
                .any(|r| r.text.contains("channel is required but missing")),
            "{:?}",
            without.backward
        );
        new.fields[7].default = Some(Value::String("web".into()));
        let with = check(&old, &new);
        assert!(with.backward.is_empty(), "{:?}", with.backward);
        assert!(!with.forward.is_empty(), "v1 still rejects channel");
        assert!(
            with.advice().contains("consumers first"),
            "{}",
            with.advice()
        );
    }

    #[test]
    fn the_advice_follows_the_verdicts() {
        let old = Contract::default();
        let mut new = old.clone();
        // Tighter amount (not backward) and a new enum value (not forward).
        new.fields[2].min = Some("1".into());
        new.fields[3].values.push("refunded".into());
        let c = check(&old, &new);
        assert!(!c.backward.is_empty() && !c.forward.is_empty());
        let advice = c.advice();
        assert!(advice.starts_with("✗ Neither direction holds"), "{advice}");
        assert!(!advice.contains("upgrade one side first"), "{advice}");
        assert!(check(&old, &old).advice().starts_with("✓ Fully compatible"));
        let mut wider = old.clone();
        wider.fields[3].values.push("refunded".into());
        assert!(check(&old, &wider)
            .advice()
            .contains("upgrade the consumers first"));
        assert!(check(&wider, &old)
            .advice()
            .contains("upgrade the producers first"));
    }
}
