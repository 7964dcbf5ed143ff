//! The code panel: the contract as a Pydantic v2 model (Python), generated from the
//! current contract, with the lines of the fields and rules the last record broke lit.
//! Written for pipelab.

use crate::json::Value;
use crate::sim::code::CodeView;

use super::contract::{Contract, FieldType, Rule};
use super::scenario::{Contracts, Last};

const NOTE: &str = "The note's contract puts the \"order date not in the future\" check in a validator for status and reads v.order_date off the status value. Pydantic hands that validator the validated status, a Status member with no order_date, so it raises AttributeError; Pydantic turns only ValueError and AssertionError (and their subclasses) raised in a validator into validation errors, so the AttributeError escapes model_validate_json and the except ValidationError around it, and the pipeline stops at the first record whose status is valid (without a status field the model cannot even be defined). Pointed at order_date, it would still fail: datetime.now() carries no time zone, and comparing it with the aware order_date the page's model declares raises TypeError. It also types money as float, and returns on the first error instead of listing every violation.";

/// The Python class name of a contract or an enum field (`order_status` → `OrderStatus`).
pub fn class_name(name: &str) -> String {
    let mut out: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|h| h.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'C');
    }
    out
}

fn py_type(f: &super::contract::Field) -> String {
    match f.ty {
        FieldType::Int => "StrictInt".into(),
        FieldType::Decimal => "Decimal".into(),
        FieldType::String => "StrictStr".into(),
        FieldType::Timestamp => "AwareDatetime".into(),
        FieldType::Enum => class_name(&f.name),
    }
}

/// The Python names of an enum's members, in order: upper-case, `_` for anything else,
/// never starting with a digit, never twice.
fn member_names(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let mut id: String = v
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        if id.is_empty() {
            id = "EMPTY".into();
        }
        if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
            id.insert_str(0, "V_");
        }
        let mut unique = id.clone();
        let mut n = 2;
        while out.contains(&unique) {
            unique = format!("{id}_{n}");
            n += 1;
        }
        out.push(unique);
    }
    out
}

/// A Python string literal (JSON's escapes are Python's too).
fn py_str(s: &str) -> String {
    let mut out = String::new();
    crate::json::write_string(&mut out, s);
    out
}

fn bound(f: &super::contract::Field, b: &str) -> String {
    if f.ty == FieldType::Decimal {
        format!("Decimal(\"{b}\")")
    } else {
        b.to_string()
    }
}

/// A default as a Python value of the field's type.
fn py_default(f: &super::contract::Field, d: &Value) -> String {
    match (f.ty, d) {
        (FieldType::Decimal, Value::Number(n)) => format!("Decimal(\"{n}\")"),
        (FieldType::Enum, Value::String(s)) => {
            let names = member_names(&f.values);
            match f.values.iter().position(|v| v == s) {
                Some(i) => format!("{}.{}", class_name(&f.name), names[i]),
                None => py_str(s),
            }
        }
        (_, Value::String(s)) => py_str(s),
        (_, other) => other.to_text(),
    }
}

/// A raw JSON value as the Python literal `json.loads` gives (for `d.get(name, default)`).
fn py_raw(d: &Value) -> String {
    match d {
        Value::String(s) => py_str(s),
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        other => other.to_text(),
    }
}

fn listing(c: &Contract, note: bool) -> Vec<(String, String)> {
    let mut l: Vec<(String, String)> = Vec::new();
    let mut add = |tag: &str, text: String| l.push((tag.to_string(), text));
    add("", "import json".into());
    add("", "from datetime import datetime".into());
    add("", "from decimal import Decimal".into());
    add("", "from enum import Enum".into());
    add(
        "",
        "from pydantic import (AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr,"
            .into(),
    );
    add(
        "",
        "                      ValidationError, field_validator)".into(),
    );
    for f in c.fields.iter().filter(|f| f.ty == FieldType::Enum) {
        add("", String::new());
        add(
            &f.name,
            format!("class {}(str, Enum):", class_name(&f.name)),
        );
        for (v, id) in f.values.iter().zip(member_names(&f.values)) {
            add(&f.name, format!("    {id} = {}", py_str(v)));
        }
    }
    add("", String::new());
    add(
        "",
        format!(
            "class {}(BaseModel):   # contract {} v{}: each field on its own",
            class_name(&c.name),
            c.name,
            c.version
        ),
    );
    add(
        "extra",
        format!(
            "    model_config = ConfigDict(strict=True, extra=\"{}\")",
            if c.allow_extra { "allow" } else { "forbid" }
        ),
    );
    for f in &c.fields {
        let mut args: Vec<String> = Vec::new();
        if let Some(m) = &f.min {
            args.push(format!("ge={}", bound(f, m)));
        }
        if let Some(m) = &f.max {
            args.push(format!("le={}", bound(f, m)));
        }
        let ty = if f.required {
            py_type(f)
        } else {
            format!("{} | None", py_type(f))
        };
        // What a record that leaves the field out gets: the default, None, or nothing
        // (then the field is missing).
        let default = match (&f.default, f.required) {
            (Some(d), _) => Some(py_default(f, d)),
            (None, false) => Some("None".to_string()),
            (None, true) => None,
        };
        let line = match (default, args.is_empty()) {
            (None, true) => format!("    {}: {ty}", f.name),
            (None, false) => format!("    {}: {ty} = Field({})", f.name, args.join(", ")),
            (Some(d), true) => format!("    {}: {ty} = {d}", f.name),
            (Some(d), false) => format!("    {}: {ty} = Field({d}, {})", f.name, args.join(", ")),
        };
        add(&f.name, line);
    }
    let decimals: Vec<String> = c
        .fields
        .iter()
        .filter(|f| f.ty == FieldType::Decimal)
        .map(|f| format!("\"{}\"", f.name))
        .collect();
    if !decimals.is_empty() {
        add("", String::new());
        add(
            "decimal",
            format!(
                "    @field_validator({}, mode=\"before\")",
                decimals.join(", ")
            ),
        );
        add("decimal", "    @classmethod".into());
        add(
            "decimal",
            "    def a_json_number(cls, v):   # strict JSON mode alone takes \"12.50\" for a Decimal"
                .into(),
        );
        add(
            "decimal",
            "        if isinstance(v, (int, float)) and not isinstance(v, bool):".into(),
        );
        add("decimal", "            return Decimal(str(v))".into());
        add(
            "decimal",
            "        return v                  # anything else fails the Decimal check".into(),
        );
    }
    for r in &c.rules {
        let Rule::NotInFuture { field } = r else {
            continue;
        };
        add("", String::new());
        if note {
            add(
                "rule:not_in_future",
                "    @field_validator(\"status\")          # the note: the wrong field".into(),
            );
            add("rule:not_in_future", "    @classmethod".into());
            add(
                "rule:not_in_future",
                format!("    def validate_{field}(cls, v, info):"),
            );
            add(
                "rule:not_in_future",
                format!("        if v.{field} > datetime.now():   # v is the status"),
            );
            add(
                "rule:not_in_future",
                format!("            raise ValueError(\"{field} cannot be in future\")"),
            );
            add("rule:not_in_future", "        return v".into());
        } else {
            let optional = c.field(field).is_some_and(|f| !f.required);
            add(
                "rule:not_in_future",
                format!("    @field_validator(\"{field}\")"),
            );
            add("rule:not_in_future", "    @classmethod".into());
            add(
                "rule:not_in_future",
                format!("    def {field}_not_in_future(cls, v, info):"),
            );
            add(
                "rule:not_in_future",
                format!(
                    "        if {}v > info.context[\"arrived_at\"]:   # the record's arrival",
                    if optional { "v is not None and " } else { "" }
                ),
            );
            add(
                "rule:not_in_future",
                format!("            raise ValueError(\"{field} is in the future\")"),
            );
            add("rule:not_in_future", "        return v".into());
        }
    }
    // The rules across fields read the record as sent, defaults filled in.
    let get = |name: &str| match c.field(name).and_then(|f| f.default.as_ref()) {
        Some(d) => format!("d.get(\"{name}\", {})", py_raw(d)),
        None => format!("d.get(\"{name}\")"),
    };
    let across: Vec<&Rule> = c
        .rules
        .iter()
        .filter(|r| !matches!(r, Rule::NotInFuture { .. }))
        .collect();
    if !across.is_empty() {
        add("", String::new());
        add(
            "ts",
            "def ts(v):                         # a timestamp as sent, or None".into(),
        );
        add("ts", "    try:".into());
        add(
            "ts",
            "        return datetime.strptime(v, \"%Y-%m-%dT%H:%M:%S%z\")".into(),
        );
        add("ts", "    except (TypeError, ValueError):".into());
        add("ts", "        return None".into());
        add("", String::new());
        add(
            "across",
            "# Rules across fields, on the record as sent: they run even when a field failed."
                .into(),
        );
        add(
            "across",
            "# (Pydantic runs a @model_validator(mode=\"after\") only once every field is valid.)"
                .into(),
        );
        add("across", "def cross_field(d: dict) -> list[dict]:".into());
        add("across", "    errors = []".into());
        for r in across {
            match r {
                Rule::NotBefore { field, other } => {
                    add(
                        "rule:not_before",
                        format!(
                            "    if (a := ts({})) and (b := ts({})) and a < b:",
                            get(field),
                            get(other)
                        ),
                    );
                    add(
                        "rule:not_before",
                        format!(
                            "        errors.append({{\"loc\": (\"{field}\",), \"msg\": \"{field} is before {other}\"}})"
                        ),
                    );
                }
                Rule::RequiredWhen {
                    field,
                    when,
                    equals,
                } => {
                    add(
                        "rule:required_when",
                        format!(
                            "    if {} == {} and {} is None:",
                            get(when),
                            py_str(equals),
                            get(field)
                        ),
                    );
                    add(
                        "rule:required_when",
                        format!(
                            "        errors.append({{\"loc\": (\"{field}\",), \"msg\": {}}})",
                            py_str(&format!("{field} is required when {when} is {equals}"))
                        ),
                    );
                }
                Rule::NotInFuture { .. } => {}
            }
        }
        add("across", "    return errors".into());
    }
    add("", String::new());
    add(
        "check",
        "def check(raw: bytes, arrived_at: datetime):".into(),
    );
    add("check", "    errors = []".into());
    add("check", "    try:".into());
    add(
        "check",
        format!(
            "        order = {}.model_validate_json(raw, context={{\"arrived_at\": arrived_at}})",
            class_name(&c.name)
        ),
    );
    add(
        "dead",
        "    except ValidationError as e:           # every field's violations, not the first"
            .into(),
    );
    add("dead", "        order, errors = None, e.errors()".into());
    if c.rules
        .iter()
        .any(|r| !matches!(r, Rule::NotInFuture { .. }))
    {
        add("check", "    record = json.loads(raw)".into());
        add("check", "    if isinstance(record, dict):".into());
        add(
            "check",
            "        errors += cross_field(record)       # and every rule across fields".into(),
        );
    }
    add(
        "check",
        "    return (None, errors) if errors else (order, [])   # errors → the dead-letter table"
            .into(),
    );
    l
}

/// The listing for the current contract, with the last record's broken fields lit.
pub fn code_view(s: &Contracts) -> CodeView {
    use super::validate::Kind;
    let c = &s.params().contract;
    let lines = listing(c, s.params().wrong_field);
    let mut active: Vec<String> = Vec::new();
    match s.last() {
        Last::Record { violations, .. } => {
            active.push("check".into());
            if !violations.is_empty() {
                active.push("dead".into());
            }
            for v in violations {
                active.push(v.field.clone());
                let decimal = c
                    .field(&v.field)
                    .is_some_and(|f| f.ty == FieldType::Decimal);
                let rule = match v.kind {
                    Kind::Future => Some("rule:not_in_future"),
                    Kind::Before => Some("rule:not_before"),
                    Kind::RequiredWhen => Some("rule:required_when"),
                    Kind::Unknown => Some("extra"),
                    Kind::Type if decimal => Some("decimal"),
                    _ => None,
                };
                active.extend(rule.map(String::from));
                if v.kind.across_fields() {
                    active.push("across".into());
                }
            }
        }
        // The note's validator raised: the call that never returned, and the validator.
        Last::Down { index, since, .. } if index == since => {
            active.push("check".into());
            active.push("rule:not_in_future".into());
        }
        _ => {}
    }
    let tags: Vec<&str> = active.iter().map(String::as_str).collect();
    CodeView::tagged(
        "python",
        "Python: the contract as a Pydantic v2 model",
        lines.iter().map(|(t, l)| (t.as_str(), l.clone())).collect(),
        &tags,
        Some(NOTE),
    )
}

#[cfg(test)]
mod tests {
    use super::super::params::ContractParams;
    use super::*;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_model_follows_the_contract_and_lights_the_broken_fields() {
        let mut s = Contracts::new(&ContractParams::default(), 1).unwrap();
        s.step();
        while !matches!(s.last(), Last::Record { violations, .. } if !violations.is_empty()) {
            s.step();
        }
        let c = code_view(&s);
        assert!(c
            .lines
            .iter()
            .any(|l| l
                .contains("amount: Decimal = Field(ge=Decimal(\"0.01\"), le=Decimal(\"10000\"))")));
        assert!(c.lines.iter().any(|l| l.contains("extra=\"forbid\"")));
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("class Status(str, Enum):")));
        let lit: Vec<&str> = c.active.iter().map(|&i| c.lines[i].as_str()).collect();
        assert!(lit.iter().any(|l| l.contains("e.errors()")), "{lit:?}");
        let note = ContractParams {
            wrong_field: true,
            ..ContractParams::default()
        };
        let c = code_view(&Contracts::new(&note, 1).unwrap());
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("@field_validator(\"status\")")));
    }
}
