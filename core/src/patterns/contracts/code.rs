//! The code panel: the contract as a Pydantic v2 model (Python), generated from the
//! current contract, with the lines of the fields and rules the last record broke lit.
//! Written for pipelab.

use crate::sim::code::CodeView;

use super::contract::{Contract, FieldType, Rule};
use super::scenario::{Contracts, Last};

const NOTE: &str = "The note's contract puts the \"order date not in the future\" check in a validator for status and reads v.order_date off the status value: the check never looks at order_date (in pydantic it raises AttributeError instead of a validation error, and values does not hold order_date yet, since status is validated first). It also compares against datetime.now() without a time zone, types money as float, and returns on the first error instead of listing every violation.";

fn py_type(f: &super::contract::Field) -> String {
    match f.ty {
        FieldType::Int => "StrictInt".into(),
        FieldType::Decimal => "Decimal".into(),
        FieldType::String => "StrictStr".into(),
        FieldType::Timestamp => "AwareDatetime".into(),
        FieldType::Enum => camel(&f.name),
    }
}

fn camel(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|h| h.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn bound(f: &super::contract::Field, b: &str) -> String {
    if f.ty == FieldType::Decimal {
        format!("Decimal(\"{b}\")")
    } else {
        b.to_string()
    }
}

fn listing(c: &Contract, note: bool) -> Vec<(String, String)> {
    let mut l: Vec<(String, String)> = Vec::new();
    let mut add = |tag: &str, text: String| l.push((tag.to_string(), text));
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
        "                      ValidationError, field_validator, model_validator)".into(),
    );
    for f in c.fields.iter().filter(|f| f.ty == FieldType::Enum) {
        add("", String::new());
        add(&f.name, format!("class {}(str, Enum):", camel(&f.name)));
        for v in &f.values {
            let id: String = v
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            add(
                &f.name,
                format!(
                    "    {} = \"{}\"",
                    if id.is_empty() { "EMPTY".into() } else { id },
                    v.replace('"', "\\\"")
                ),
            );
        }
    }
    add("", String::new());
    add(
        "",
        format!(
            "class {}(BaseModel):   # contract {} v{}",
            camel(&c.name),
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
        let ty = py_type(f);
        let line = match (f.required, args.is_empty()) {
            (true, true) => format!("    {}: {ty}", f.name),
            (true, false) => format!("    {}: {ty} = Field({})", f.name, args.join(", ")),
            (false, true) => format!("    {}: {ty} | None = None", f.name),
            (false, false) => format!(
                "    {}: {ty} | None = Field(None, {})",
                f.name,
                args.join(", ")
            ),
        };
        add(&f.name, line);
    }
    for r in &c.rules {
        add("", String::new());
        match r {
            Rule::NotInFuture { field } if note => {
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
            }
            Rule::NotInFuture { field } => {
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
                    "        if v > info.context[\"arrived_at\"]:   # the record's arrival".into(),
                );
                add(
                    "rule:not_in_future",
                    format!("            raise ValueError(\"{field} is in the future\")"),
                );
                add("rule:not_in_future", "        return v".into());
            }
            Rule::NotBefore { field, other } => {
                add(
                    "rule:not_before",
                    "    @model_validator(mode=\"after\")".into(),
                );
                add(
                    "rule:not_before",
                    format!("    def {field}_not_before_{other}(self):"),
                );
                add(
                    "rule:not_before",
                    format!(
                        "        if self.{field} and self.{other} and self.{field} < self.{other}:"
                    ),
                );
                add(
                    "rule:not_before",
                    format!("            raise ValueError(\"{field} is before {other}\")"),
                );
                add("rule:not_before", "        return self".into());
            }
            Rule::RequiredWhen {
                field,
                when,
                equals,
            } => {
                add(
                    "rule:required_when",
                    "    @model_validator(mode=\"after\")".into(),
                );
                add(
                    "rule:required_when",
                    format!("    def {field}_required_when_{when}(self):"),
                );
                add(
                    "rule:required_when",
                    format!("        if self.{when} == \"{equals}\" and self.{field} is None:"),
                );
                add("rule:required_when", format!("            raise ValueError(\"{field} is required when {when} is {equals}\")"));
                add("rule:required_when", "        return self".into());
            }
        }
    }
    add("", String::new());
    add(
        "check",
        "def check(raw: bytes, arrived_at: datetime):".into(),
    );
    add("check", "    try:".into());
    add("ok", format!("        return {}.model_validate_json(raw, context={{\"arrived_at\": arrived_at}}), []", camel(&c.name)));
    add(
        "dead",
        "    except ValidationError as e:           # every violation, not the first".into(),
    );
    add(
        "dead",
        "        return None, e.errors()            # → the dead-letter table".into(),
    );
    l
}

/// The listing for the current contract, with the last record's broken fields lit.
pub fn code_view(s: &Contracts) -> CodeView {
    let c = &s.params().contract;
    let lines = listing(c, s.params().wrong_field);
    let mut active: Vec<String> = Vec::new();
    if let Last::Record { violations, .. } = s.last() {
        active.push("check".into());
        if violations.is_empty() {
            active.push("ok".into());
        } else {
            active.push("dead".into());
        }
        for v in violations {
            active.push(v.field.clone());
            let rule = match v.kind {
                super::validate::Kind::Future => Some("rule:not_in_future"),
                super::validate::Kind::Before => Some("rule:not_before"),
                super::validate::Kind::RequiredWhen => Some("rule:required_when"),
                super::validate::Kind::Unknown => Some("extra"),
                _ => None,
            };
            active.extend(rule.map(String::from));
        }
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
