//! Ground truth for contracts: a second validator, written separately, that reads the
//! contract as plain JSON (never the parsed `Contract`) and each record's JSON, and lists
//! every rule broken as `(field, kind)`. A record is accepted iff the list is empty.

use crate::json::{self, Value};
use crate::patterns::contracts::producer::Producer;

/// One broken rule: the field and a kind name (`missing`, `null`, `type`, `min`, `max`,
/// `enum`, `unknown`, `future`, `before`, `required_when`).
pub type Broken = (String, &'static str);

/// The contract as JSON.
pub struct Judge {
    contract: Value,
}

fn ms(s: &str) -> Option<i64> {
    // YYYY-MM-DDTHH:MM:SSZ only.
    let b = s.as_bytes();
    let shape = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !shape {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?
            .parse::<i64>()
            .ok()
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = crate::calendar::days_since_epoch(y, mo as u32, d as u32)?;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + se * 1_000)
}

fn is_int(n: &str) -> bool {
    let digits = n.strip_prefix('-').unwrap_or(n);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) && n.parse::<i64>().is_ok()
}

impl Judge {
    /// `None` if the text is not a contract the page would accept.
    pub fn new(contract_json: &str) -> Option<Judge> {
        crate::patterns::contracts::Contract::parse(contract_json).ok()?;
        Some(Judge {
            contract: json::parse(contract_json).ok()?,
        })
    }

    fn fields(&self) -> &[Value] {
        match self.contract.get("fields") {
            Some(Value::Array(f)) => f,
            _ => &[],
        }
    }

    fn field(&self, name: &str) -> Option<&Value> {
        self.fields()
            .iter()
            .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
    }

    /// Every rule `record` breaks at arrival time `now_ms`.
    pub fn broken(&self, record: &Value, now_ms: i64) -> Vec<Broken> {
        let mut out: Vec<Broken> = Vec::new();
        let Value::Object(pairs) = record else {
            return vec![("(record)".into(), "type")];
        };
        for f in self.fields() {
            let name = f.get("name").and_then(Value::as_str).unwrap_or("");
            let ty = f.get("type").and_then(Value::as_str).unwrap_or("");
            let required = f.get("required") == Some(&Value::Bool(true));
            let Some(v) = pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v) else {
                if required {
                    out.push((name.into(), "missing"));
                }
                continue;
            };
            if *v == Value::Null {
                if required {
                    out.push((name.into(), "null"));
                }
                continue;
            }
            let typed = match (ty, v) {
                ("int", Value::Number(n)) => is_int(n),
                ("decimal", Value::Number(n)) => json::decimal(n).is_some(),
                ("string" | "enum", Value::String(_)) => true,
                ("timestamp", Value::String(s)) => ms(s).is_some(),
                _ => false,
            };
            if !typed {
                out.push((name.into(), "type"));
                continue;
            }
            if let Value::Number(n) = v {
                let x = json::decimal(n);
                for (key, want, kind) in [
                    ("min", std::cmp::Ordering::Less, "min"),
                    ("max", std::cmp::Ordering::Greater, "max"),
                ] {
                    if let (Some(Value::Number(b)), Some(x)) = (f.get(key), x) {
                        if json::decimal(b).is_some_and(|b| json::cmp_decimal(x, b) == want) {
                            out.push((name.into(), kind));
                        }
                    }
                }
            }
            if ty == "enum" {
                let allowed = match f.get("values") {
                    Some(Value::Array(vs)) => vs.contains(v),
                    _ => false,
                };
                if !allowed {
                    out.push((name.into(), "enum"));
                }
            }
        }
        if self.contract.get("extra_fields").and_then(Value::as_str) != Some("allow") {
            for (k, _) in pairs {
                if self.field(k).is_none() {
                    out.push((k.clone(), "unknown"));
                }
            }
        }
        let at = |name: &str| record.get(name).and_then(Value::as_str).and_then(ms);
        if let Some(Value::Array(rules)) = self.contract.get("rules") {
            for r in rules {
                let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
                match s("rule") {
                    "not_in_future" if at(s("field")).is_some_and(|t| t > now_ms) => {
                        out.push((s("field").into(), "future"))
                    }
                    "not_before" => {
                        if let (Some(a), Some(b)) = (at(s("field")), at(s("other"))) {
                            if a < b {
                                out.push((s("field").into(), "before"));
                            }
                        }
                    }
                    "required_when" => {
                        let on = record.get(s("when")).and_then(Value::as_str) == Some(s("equals"));
                        let gone = matches!(record.get(s("field")), None | Some(Value::Null));
                        if on && gone {
                            out.push((s("field").into(), "required_when"));
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// Accepted and dead-lettered records, and violations, over the first `n` records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub accepted: u64,
    pub dead: u64,
    pub violations: u64,
}

pub fn tally(judge: &Judge, producer: &Producer, n: u64) -> Tally {
    let mut t = Tally::default();
    for i in 0..n {
        let b = judge.broken(&producer.record(i), producer.arrival_ms(i));
        if b.is_empty() {
            t.accepted += 1;
        } else {
            t.dead += 1;
            t.violations += b.len() as u64;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::contracts::validate::{timestamp, timestamp_text};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn its_own_timestamp_reader_agrees_with_the_calendar() {
        for t in [
            0,
            1,
            86_399_999,
            59 * 86_400_000 + 3_600_000,
            365 * 86_400_000,
        ] {
            let text = timestamp_text(t / 1_000 * 1_000);
            assert_eq!(ms(&text), timestamp(&text), "{text}");
        }
        assert_eq!(ms("2024-02-30T00:00:00Z"), None);
        assert_eq!(ms("2024-01-01 00:00:00Z"), None);
        assert!(Judge::new("{").is_none());
    }
}
