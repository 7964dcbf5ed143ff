//! A data contract: fields with a type, required or not, a range or an enum, a default
//! for a record that leaves the field out, cross-field rules, and whether fields it does
//! not name are allowed. Read from JSON (pasted or from
//! a link) into checked plain data, every problem named by its path; written back as
//! canonical JSON, so a link holds exactly what the page shows.

use crate::json::{self, Value};

/// Most fields a contract may have.
pub const MAX_FIELDS: usize = 24;
/// Most cross-field rules.
pub const MAX_RULES: usize = 12;
/// Longest field name, enum value or contract name.
pub const MAX_NAME: usize = 40;
/// Most enum values.
pub const MAX_VALUES: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Int,
    Decimal,
    String,
    Timestamp,
    Enum,
}

impl FieldType {
    pub const ALL: [FieldType; 5] = [
        FieldType::Int,
        FieldType::Decimal,
        FieldType::String,
        FieldType::Timestamp,
        FieldType::Enum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Decimal => "decimal",
            FieldType::String => "string",
            FieldType::Timestamp => "timestamp",
            FieldType::Enum => "enum",
        }
    }

    pub fn parse(s: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// "an int", "a decimal", …
    pub fn with_article(self) -> String {
        let a = if self == FieldType::Int || self == FieldType::Enum {
            "an"
        } else {
            "a"
        };
        format!("{a} {}", self.as_str())
    }

    /// Whether `min`/`max` apply.
    pub fn numeric(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Decimal)
    }
}

/// One field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    pub required: bool,
    /// Bounds as JSON number text (exact decimals), numeric types only.
    pub min: Option<String>,
    pub max: Option<String>,
    /// The allowed values of an enum.
    pub values: Vec<String>,
    /// The value a record that leaves the field out gets (as a Pydantic field default: the
    /// field is then not missing; `null` is still refused when the field is required).
    /// Never null, never a timestamp; valid for the field's type, range and enum.
    pub default: Option<Value>,
}

/// A cross-field rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// The timestamp `field` is not after the record's arrival.
    NotInFuture { field: String },
    /// The timestamp `field` is not before the timestamp `other` (when both are there).
    NotBefore { field: String, other: String },
    /// `field` must be present (and not null) when `when` equals `equals`.
    RequiredWhen {
        field: String,
        when: String,
        equals: String,
    },
}

impl Rule {
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::NotInFuture { .. } => "not_in_future",
            Rule::NotBefore { .. } => "not_before",
            Rule::RequiredWhen { .. } => "required_when",
        }
    }

    /// The rule in words.
    pub fn text(&self) -> String {
        match self {
            Rule::NotInFuture { field } => format!("{field} is not in the future"),
            Rule::NotBefore { field, other } => format!("{field} is not before {other}"),
            Rule::RequiredWhen {
                field,
                when,
                equals,
            } => format!("{field} is required when {when} = {equals}"),
        }
    }
}

/// A contract.
#[derive(Clone, Debug, PartialEq)]
pub struct Contract {
    pub name: String,
    pub version: u32,
    pub fields: Vec<Field>,
    pub rules: Vec<Rule>,
    /// Fields the contract does not name: allowed, or a violation.
    pub allow_extra: bool,
}

fn field(name: &str, ty: FieldType, required: bool) -> Field {
    Field {
        name: name.into(),
        ty,
        required,
        min: None,
        max: None,
        values: Vec::new(),
        default: None,
    }
}

impl Default for Contract {
    /// The orders contract the page starts with.
    fn default() -> Self {
        Contract {
            name: "orders".into(),
            version: 1,
            fields: vec![
                Field {
                    min: Some("1".into()),
                    ..field("order_id", FieldType::Int, true)
                },
                Field {
                    min: Some("1".into()),
                    ..field("user_id", FieldType::Int, true)
                },
                Field {
                    min: Some("0.01".into()),
                    max: Some("10000".into()),
                    ..field("amount", FieldType::Decimal, true)
                },
                Field {
                    values: vec!["pending".into(), "completed".into(), "cancelled".into()],
                    ..field("status", FieldType::Enum, true)
                },
                field("order_date", FieldType::Timestamp, true),
                field("shipped_at", FieldType::Timestamp, false),
                field("coupon", FieldType::String, false),
            ],
            rules: vec![
                Rule::NotInFuture {
                    field: "order_date".into(),
                },
                Rule::NotBefore {
                    field: "shipped_at".into(),
                    other: "order_date".into(),
                },
                Rule::RequiredWhen {
                    field: "shipped_at".into(),
                    when: "status".into(),
                    equals: "completed".into(),
                },
            ],
            allow_extra: false,
        }
    }
}

fn name_at(v: Option<&Value>, path: &str) -> Result<String, String> {
    match v {
        None => Err(format!("{path}: missing")),
        Some(Value::String(s)) if s.trim().is_empty() => Err(format!("{path}: empty")),
        Some(Value::String(s)) if s.chars().count() > MAX_NAME => {
            Err(format!("{path}: longer than {MAX_NAME} characters"))
        }
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{path}: expected a string, got {}", other.kind())),
    }
}

fn bound_at(v: Option<&Value>, path: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if json::decimal(n).is_some() => Ok(Some(n.clone())),
        Some(Value::Number(n)) => Err(format!("{path}: {n} is too large or too precise")),
        Some(other) => Err(format!("{path}: expected a number, got {}", other.kind())),
    }
}

/// A field's default: a value the field itself accepts (its type, range and enum), so a
/// record that leaves the field out is valid on that field.
fn default_at(f: &Field, d: &Value, path: &str) -> Result<Value, String> {
    match (f.ty, d) {
        (_, Value::Null) => Err(format!(
            "{path}: null is not a default (leave the field not required instead)"
        )),
        (FieldType::Timestamp, _) => Err(format!(
            "{path}: a timestamp field takes no default here (its rules compare it with the record's arrival)"
        )),
        _ => {
            let bare = Field {
                default: None,
                ..f.clone()
            };
            let probe = Contract {
                name: "default".into(),
                version: 1,
                fields: vec![bare],
                rules: Vec::new(),
                allow_extra: false,
            };
            let record = Value::Object(vec![(f.name.clone(), d.clone())]);
            match super::validate::validate(&probe, &record, 0, false).first() {
                None => Ok(d.clone()),
                Some(v) => Err(format!("{path}: {}", v.detail)),
            }
        }
    }
}

fn allowed_keys(v: &Value, keys: &[&str], path: &str) -> Result<(), String> {
    if let Value::Object(f) = v {
        if let Some((k, _)) = f.iter().find(|(k, _)| !keys.contains(&k.as_str())) {
            return Err(format!(
                "{path}: unknown key “{}” (expected {})",
                crate::sim::params::shorten(k),
                keys.join(", ")
            ));
        }
    }
    Ok(())
}

impl Contract {
    /// Reads a contract from JSON text: a syntax error names its line and column, a
    /// wrong shape its path (`fields[2].type`).
    pub fn parse(text: &str) -> Result<Contract, String> {
        let v = json::parse(text).map_err(|e| format!("invalid JSON at {e}"))?;
        Contract::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Contract, String> {
        if !matches!(v, Value::Object(_)) {
            return Err(format!("the contract must be an object, not {}", v.kind()));
        }
        allowed_keys(
            v,
            &["name", "version", "fields", "rules", "extra_fields"],
            "contract",
        )?;
        let name = name_at(v.get("name"), "name")?;
        let version = match v.get("version") {
            Some(Value::Number(n)) => n
                .parse::<u32>()
                .ok()
                .filter(|x| (1..=999).contains(x))
                .ok_or_else(|| format!("version: {n} is not a whole number from 1 to 999"))?,
            None => return Err("version: missing".into()),
            Some(o) => return Err(format!("version: expected a number, got {}", o.kind())),
        };
        let allow_extra = match v.get("extra_fields") {
            None => false,
            Some(Value::String(s)) if s == "reject" => false,
            Some(Value::String(s)) if s == "allow" => true,
            Some(o) => {
                return Err(format!(
                    "extra_fields: expected \"allow\" or \"reject\", got {}",
                    crate::sim::params::shorten(&o.to_text())
                ))
            }
        };
        let Some(Value::Array(items)) = v.get("fields") else {
            return Err("fields: expected an array of fields".into());
        };
        if items.is_empty() || items.len() > MAX_FIELDS {
            return Err(format!(
                "fields: from 1 to {MAX_FIELDS} fields, not {}",
                items.len()
            ));
        }
        let mut fields: Vec<Field> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("fields[{i}]");
            if !matches!(item, Value::Object(_)) {
                return Err(format!("{path}: expected an object, got {}", item.kind()));
            }
            allowed_keys(
                item,
                &[
                    "name", "type", "required", "min", "max", "values", "default",
                ],
                &path,
            )?;
            let name = name_at(item.get("name"), &format!("{path}.name"))?;
            if fields.iter().any(|f| f.name == name) {
                return Err(format!("{path}.name: “{name}” is already a field"));
            }
            let ty_text = name_at(item.get("type"), &format!("{path}.type"))?;
            let ty = FieldType::parse(&ty_text).ok_or_else(|| {
                format!(
                    "{path}.type: “{}” is not one of int, decimal, string, timestamp, enum",
                    crate::sim::params::shorten(&ty_text)
                )
            })?;
            let required = match item.get("required") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(o) => {
                    return Err(format!(
                        "{path}.required: expected true or false, got {}",
                        o.kind()
                    ))
                }
            };
            let min = bound_at(item.get("min"), &format!("{path}.min"))?;
            let max = bound_at(item.get("max"), &format!("{path}.max"))?;
            if (min.is_some() || max.is_some()) && !ty.numeric() {
                return Err(format!(
                    "{path}: min and max apply to int and decimal fields only"
                ));
            }
            if let (Some(a), Some(b)) = (&min, &max) {
                let (a2, b2) = (json::decimal(a), json::decimal(b));
                if let (Some(a2), Some(b2)) = (a2, b2) {
                    if json::cmp_decimal(a2, b2) == std::cmp::Ordering::Greater {
                        return Err(format!("{path}: min {a} is above max {b}"));
                    }
                }
            }
            let values = match item.get("values") {
                None => Vec::new(),
                Some(Value::Array(vs)) => {
                    let mut out: Vec<String> = Vec::new();
                    for (j, x) in vs.iter().enumerate() {
                        let s = name_at(Some(x), &format!("{path}.values[{j}]"))?;
                        if out.contains(&s) {
                            return Err(format!("{path}.values[{j}]: “{s}” is listed twice"));
                        }
                        out.push(s);
                    }
                    out
                }
                Some(o) => {
                    return Err(format!(
                        "{path}.values: expected an array of strings, got {}",
                        o.kind()
                    ))
                }
            };
            if ty == FieldType::Enum && (values.is_empty() || values.len() > MAX_VALUES) {
                return Err(format!(
                    "{path}.values: an enum needs from 1 to {MAX_VALUES} values"
                ));
            }
            if ty != FieldType::Enum && !values.is_empty() {
                return Err(format!("{path}.values: only an enum has values"));
            }
            let mut f = Field {
                name,
                ty,
                required,
                min,
                max,
                values,
                default: None,
            };
            if let Some(d) = item.get("default") {
                f.default = Some(default_at(&f, d, &format!("{path}.default"))?);
            }
            fields.push(f);
        }
        let items = match v.get("rules") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(o) => return Err(format!("rules: expected an array, got {}", o.kind())),
        };
        if items.len() > MAX_RULES {
            return Err(format!("rules: at most {MAX_RULES}"));
        }
        let field_of =
            |name: &str, path: &str, want: Option<FieldType>| -> Result<String, String> {
                match fields.iter().find(|f| f.name == name) {
                    None => Err(format!(
                        "{path}: “{}” is not a field of the contract",
                        crate::sim::params::shorten(name)
                    )),
                    Some(f) if want.is_some_and(|t| t != f.ty) => Err(format!(
                        "{path}: “{name}” is {} field; this rule needs a {} field",
                        f.ty.with_article(),
                        want.map_or("", |t| t.as_str())
                    )),
                    Some(f) => Ok(f.name.clone()),
                }
            };
        let mut rules = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("rules[{i}]");
            if !matches!(item, Value::Object(_)) {
                return Err(format!("{path}: expected an object, got {}", item.kind()));
            }
            let kind = name_at(item.get("rule"), &format!("{path}.rule"))?;
            let get = |k: &str| name_at(item.get(k), &format!("{path}.{k}"));
            let ts = Some(FieldType::Timestamp);
            let rule = match kind.as_str() {
                "not_in_future" => {
                    allowed_keys(item, &["rule", "field"], &path)?;
                    Rule::NotInFuture {
                        field: field_of(&get("field")?, &format!("{path}.field"), ts)?,
                    }
                }
                "not_before" => {
                    allowed_keys(item, &["rule", "field", "other"], &path)?;
                    Rule::NotBefore {
                        field: field_of(&get("field")?, &format!("{path}.field"), ts)?,
                        other: field_of(&get("other")?, &format!("{path}.other"), ts)?,
                    }
                }
                "required_when" => {
                    allowed_keys(item, &["rule", "field", "when", "equals"], &path)?;
                    Rule::RequiredWhen {
                        field: field_of(&get("field")?, &format!("{path}.field"), None)?,
                        when: field_of(&get("when")?, &format!("{path}.when"), None)?,
                        equals: get("equals")?,
                    }
                }
                other => {
                    return Err(format!(
                        "{path}.rule: “{}” is not one of not_in_future, not_before, required_when",
                        crate::sim::params::shorten(other)
                    ))
                }
            };
            rules.push(rule);
        }
        Ok(Contract {
            name,
            version,
            fields,
            rules,
            allow_extra,
        })
    }

    /// The contract as a JSON value (canonical: the keys in a fixed order, defaults left
    /// out).
    pub fn to_value(&self) -> Value {
        let s = |x: &str| Value::String(x.to_string());
        let fields = self
            .fields
            .iter()
            .map(|f| {
                let mut o = vec![
                    ("name".to_string(), s(&f.name)),
                    ("type".to_string(), s(f.ty.as_str())),
                ];
                if f.required {
                    o.push(("required".into(), Value::Bool(true)));
                }
                if let Some(m) = &f.min {
                    o.push(("min".into(), Value::Number(m.clone())));
                }
                if let Some(m) = &f.max {
                    o.push(("max".into(), Value::Number(m.clone())));
                }
                if !f.values.is_empty() {
                    o.push((
                        "values".into(),
                        Value::Array(f.values.iter().map(|v| s(v)).collect()),
                    ));
                }
                if let Some(d) = &f.default {
                    o.push(("default".into(), d.clone()));
                }
                Value::Object(o)
            })
            .collect();
        let rules = self
            .rules
            .iter()
            .map(|r| {
                let mut o = vec![("rule".to_string(), s(r.kind()))];
                match r {
                    Rule::NotInFuture { field } => o.push(("field".into(), s(field))),
                    Rule::NotBefore { field, other } => {
                        o.push(("field".into(), s(field)));
                        o.push(("other".into(), s(other)));
                    }
                    Rule::RequiredWhen {
                        field,
                        when,
                        equals,
                    } => {
                        o.push(("field".into(), s(field)));
                        o.push(("when".into(), s(when)));
                        o.push(("equals".into(), s(equals)));
                    }
                }
                Value::Object(o)
            })
            .collect();
        Value::Object(vec![
            ("name".into(), s(&self.name)),
            ("version".into(), Value::Number(self.version.to_string())),
            ("fields".into(), Value::Array(fields)),
            ("rules".into(), Value::Array(rules)),
            (
                "extra_fields".into(),
                s(if self.allow_extra { "allow" } else { "reject" }),
            ),
        ])
    }

    /// Compact canonical JSON (the link's form).
    pub fn to_json(&self) -> String {
        self.to_value().to_text()
    }

    /// Indented JSON, one field or rule per line (the editor's form).
    pub fn to_pretty(&self) -> String {
        let v = self.to_value();
        let line = |items: Option<&Value>| match items {
            Some(Value::Array(xs)) => xs
                .iter()
                .map(|x| format!("    {}", x.to_text()))
                .collect::<Vec<_>>()
                .join(",\n"),
            _ => String::new(),
        };
        format!(
            "{{\n  \"name\": {},\n  \"version\": {},\n  \"fields\": [\n{}\n  ],\n  \"rules\": [\n{}\n  ],\n  \"extra_fields\": \"{}\"\n}}",
            v.get("name").map_or(String::new(), Value::to_text),
            self.version,
            line(v.get("fields")),
            line(v.get("rules")),
            if self.allow_extra { "allow" } else { "reject" }
        )
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_default_round_trips_through_both_forms() {
        let c = Contract::default();
        assert_eq!(Contract::parse(&c.to_json()), Ok(c.clone()));
        assert_eq!(Contract::parse(&c.to_pretty()), Ok(c));
    }

    #[test]
    fn problems_are_named_by_position_or_path() {
        let e =
            Contract::parse("{\"name\": \"x\",\n \"version\": 1,\n \"fields\": [}").unwrap_err();
        assert!(e.starts_with("invalid JSON at line 3, column 13"), "{e}");
        let mut v = Contract::default().to_value();
        if let Value::Object(f) = &mut v {
            if let Some((_, Value::Array(fs))) = f.iter_mut().find(|(k, _)| k == "fields") {
                fs[2] = json::parse(r#"{"name":"amount","type":"money"}"#).unwrap();
            }
        }
        let e = Contract::from_value(&v).unwrap_err();
        assert!(
            e.starts_with("fields[2].type: “money” is not one of"),
            "{e}"
        );
        let e = Contract::parse(
            r#"{"name":"o","version":1,"fields":[{"name":"a","type":"int","min":5,"max":1}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("min 5 is above max 1"), "{e}");
        let e = Contract::parse(r#"{"name":"o","version":1,"fields":[{"name":"a","type":"int"}],"rules":[{"rule":"not_in_future","field":"a"}]}"#).unwrap_err();
        assert!(
            e.contains("is an int field; this rule needs a timestamp field"),
            "{e}"
        );
        assert!(Contract::parse("[]").is_err());
        assert!(Contract::parse("").is_err());
    }

    #[test]
    fn a_default_round_trips_and_must_be_a_value_the_field_accepts() {
        let text = r#"{"name":"o","version":1,"fields":[{"name":"channel","type":"enum","required":true,"values":["web","app"],"default":"web"},{"name":"n","type":"int","min":1,"default":3}]}"#;
        let c = Contract::parse(text).unwrap();
        assert_eq!(c.fields[0].default, Some(Value::String("web".into())));
        assert_eq!(Contract::parse(&c.to_json()), Ok(c.clone()));
        assert_eq!(Contract::parse(&c.to_pretty()), Ok(c));
        for (bad, why) in [
            (
                r#"{"name":"c","type":"enum","values":["web"],"default":"sms"}"#,
                "is not one of web",
            ),
            (
                r#"{"name":"n","type":"int","min":1,"default":0}"#,
                "below the minimum 1",
            ),
            (
                r#"{"name":"n","type":"int","default":"3"}"#,
                "should be an int",
            ),
            (
                r#"{"name":"n","type":"int","default":null}"#,
                "null is not a default",
            ),
            (
                r#"{"name":"t","type":"timestamp","default":"2024-01-01T00:00:00Z"}"#,
                "takes no default",
            ),
        ] {
            let e = Contract::parse(&format!(r#"{{"name":"o","version":1,"fields":[{bad}]}}"#))
                .unwrap_err();
            assert!(
                e.starts_with("fields[0].default: ") && e.contains(why),
                "{e}"
            );
        }
    }
}
