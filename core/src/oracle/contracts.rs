//! Ground truth for contracts: a second validator, written separately, that reads the
//! contract as plain JSON (never the parsed `Contract`, never the pattern's readers) and
//! each record's JSON, and lists every rule broken as `(field, kind)`. A record is accepted
//! iff the list is empty. Its numbers, dates and contract shape are read by code of its
//! own: only the JSON parser and the producer's records are shared with the page.
//!
//! The rules, as the page's contract states them: a field the record leaves out takes its
//! `default` if it has one; a required field must be there and not null; an int is a JSON
//! integer, a decimal any JSON number, a string or enum a JSON string, a timestamp a string
//! `YYYY-MM-DDTHH:MM:SSZ` naming a real date and time; bounds are inclusive and exact; an
//! enum's value is one of its values; unnamed fields are violations unless allowed; a
//! timestamp with a not-in-future rule may not be after the record's arrival (checked when
//! it is a timestamp at all); the cross-field rules are judged on the record as sent,
//! whatever its fields' own verdicts.

use std::cmp::Ordering;

use crate::json::{self, Value};
use crate::patterns::contracts::producer::Producer;

/// One broken rule: the field and a kind name (`missing`, `null`, `type`, `min`, `max`,
/// `enum`, `unknown`, `future`, `before`, `required_when`).
pub type Broken = (String, &'static str);

/// The contract as JSON.
pub struct Judge {
    contract: Value,
}

/// Days from 0000-01-01 to the first day of year `y` (`y` ≥ 0; year 0 is a leap year).
fn days_before_year(y: i64) -> i64 {
    let leaps = (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
    365 * y + leaps
}

/// Milliseconds from 2024-01-01T00:00:00Z to a `YYYY-MM-DDTHH:MM:SSZ` text naming a real
/// instant, else `None`.
fn ms(s: &str) -> Option<i64> {
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
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        let mut x = 0i64;
        for c in t.bytes() {
            if !c.is_ascii_digit() {
                return None;
            }
            x = x * 10 + i64::from(c - b'0');
        }
        Some(x)
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if h > 23 || mi > 59 || se > 59 || !(1..=12).contains(&mo) || d < 1 {
        return None;
    }
    let leap = y % 400 == 0 || (y % 4 == 0 && y % 100 != 0);
    const LENGTHS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let month = mo as usize - 1;
    let length = LENGTHS[month] + i64::from(leap && month == 1);
    if d > length {
        return None;
    }
    let before_month: i64 = LENGTHS[..month].iter().sum::<i64>() + i64::from(leap && month > 1);
    let day = days_before_year(y) + before_month + d - 1 - days_before_year(2024);
    Some(((day * 24 + h) * 60 + mi) * 60_000 + se * 1_000)
}

/// A JSON number read for comparison: negative, its digits with no leading or trailing
/// zero, and where the decimal point sits relative to the first of them (value =
/// 0.digits × 10^point). Zero has no digits.
struct Num {
    negative: bool,
    digits: Vec<u8>,
    point: i128,
}

fn read_number(text: &str) -> Option<Num> {
    let mut rest = text.as_bytes();
    let negative = rest.first() == Some(&b'-');
    if negative {
        rest = &rest[1..];
    }
    let mut digits: Vec<u8> = Vec::new();
    let mut point: i128 = 0;
    let mut seen_dot = false;
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            c @ b'0'..=b'9' => {
                if digits.is_empty() && c == b'0' {
                    // A leading zero: moves the point left if after the dot.
                    if seen_dot {
                        point -= 1;
                    }
                } else {
                    digits.push(c);
                    if !seen_dot {
                        point += 1;
                    }
                }
            }
            b'.' => seen_dot = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    if i < rest.len() {
        let exp = &rest[i + 1..];
        let (sign, body) = match exp.first() {
            Some(b'-') => (-1, &exp[1..]),
            Some(b'+') => (1, &exp[1..]),
            _ => (1, exp),
        };
        if body.is_empty() {
            return None;
        }
        let mut e: i128 = 0;
        for c in body {
            if !c.is_ascii_digit() {
                return None;
            }
            // Past this, no bound can tell the difference.
            e = (e * 10 + i128::from(c - b'0')).min(1 << 80);
        }
        point += sign * e;
    }
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    Some(Num {
        negative,
        digits,
        point,
    })
}

/// `a` compared with `b`, exactly.
fn compare(a: &Num, b: &Num) -> Ordering {
    let rank = |n: &Num| match (n.digits.is_empty(), n.negative) {
        (true, _) => 1,
        (false, true) => 0,
        (false, false) => 2,
    };
    let by_rank = rank(a).cmp(&rank(b));
    if by_rank != Ordering::Equal || a.digits.is_empty() {
        return by_rank;
    }
    let mut size = a.point.cmp(&b.point);
    if size == Ordering::Equal {
        let n = a.digits.len().max(b.digits.len());
        for k in 0..n {
            let x = a.digits.get(k).copied().unwrap_or(b'0');
            let y = b.digits.get(k).copied().unwrap_or(b'0');
            if x != y {
                size = x.cmp(&y);
                break;
            }
        }
    }
    if a.negative {
        size.reverse()
    } else {
        size
    }
}

fn is_int(n: &str) -> bool {
    let digits = n.strip_prefix('-').unwrap_or(n);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

impl Judge {
    /// `None` if the text is not a JSON object with a `fields` array of objects, each with
    /// a name and a type.
    pub fn new(contract_json: &str) -> Option<Judge> {
        let contract = json::parse(contract_json).ok()?;
        let Some(Value::Array(fields)) = contract.get("fields") else {
            return None;
        };
        let named = |f: &Value| {
            f.get("name").and_then(Value::as_str).is_some()
                && f.get("type").and_then(Value::as_str).is_some()
        };
        fields.iter().all(named).then_some(Judge { contract })
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

    /// What `record` gives field `name`: its own value, else the field's default.
    fn value<'a>(&'a self, record: &'a Value, name: &str) -> Option<&'a Value> {
        record
            .get(name)
            .or_else(|| self.field(name).and_then(|f| f.get("default")))
    }

    fn rules(&self) -> &[Value] {
        match self.contract.get("rules") {
            Some(Value::Array(r)) => r,
            _ => &[],
        }
    }

    /// Every rule `record` breaks at arrival time `now_ms`.
    pub fn broken(&self, record: &Value, now_ms: i64) -> Vec<Broken> {
        let mut out: Vec<Broken> = Vec::new();
        let Value::Object(pairs) = record else {
            return vec![("(record)".into(), "type")];
        };
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        for f in self.fields() {
            let name = text(f, "name");
            let ty = text(f, "type");
            let required = f.get("required") == Some(&Value::Bool(true));
            let Some(v) = self.value(record, &name) else {
                if required {
                    out.push((name, "missing"));
                }
                continue;
            };
            if *v == Value::Null {
                if required {
                    out.push((name, "null"));
                }
                continue;
            }
            let typed = match (ty.as_str(), v) {
                ("int", Value::Number(n)) => is_int(n),
                ("decimal", Value::Number(_)) => true,
                ("string" | "enum", Value::String(_)) => true,
                ("timestamp", Value::String(s)) => ms(s).is_some(),
                _ => false,
            };
            if !typed {
                out.push((name, "type"));
                continue;
            }
            if let Some(x) = match v {
                Value::Number(n) => read_number(n),
                _ => None,
            } {
                for (key, want, kind) in [
                    ("min", Ordering::Less, "min"),
                    ("max", Ordering::Greater, "max"),
                ] {
                    if let Some(Value::Number(b)) = f.get(key) {
                        if read_number(b).is_some_and(|b| compare(&x, &b) == want) {
                            out.push((name.clone(), kind));
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
                    out.push((name.clone(), "enum"));
                }
            }
            let future_rule = self.rules().iter().any(|r| {
                r.get("rule").and_then(Value::as_str) == Some("not_in_future")
                    && r.get("field").and_then(Value::as_str) == Some(name.as_str())
            });
            if future_rule && v.as_str().and_then(ms).is_some_and(|t| t > now_ms) {
                out.push((name, "future"));
            }
        }
        if self.contract.get("extra_fields").and_then(Value::as_str) != Some("allow") {
            for (k, _) in pairs {
                if self.field(k).is_none() {
                    out.push((k.clone(), "unknown"));
                }
            }
        }
        let at = |name: &str| {
            self.value(record, name)
                .and_then(Value::as_str)
                .and_then(ms)
        };
        for r in self.rules() {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            match s("rule") {
                "not_before" => {
                    if let (Some(a), Some(b)) = (at(s("field")), at(s("other"))) {
                        if a < b {
                            out.push((s("field").into(), "before"));
                        }
                    }
                }
                "required_when" => {
                    let on =
                        self.value(record, s("when")).and_then(Value::as_str) == Some(s("equals"));
                    let gone = matches!(self.value(record, s("field")), None | Some(Value::Null));
                    if on && gone {
                        out.push((s("field").into(), "required_when"));
                    }
                }
                _ => {}
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
    use crate::patterns::contracts::validate::{cmp_number, timestamp, timestamp_text};
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
            -86_400_000,
            -(366 * 86_400_000),
            3_000 * 86_400_000,
            -(700_000 * 86_400_000),
        ] {
            let text = timestamp_text(t / 1_000 * 1_000);
            assert_eq!(ms(&text), timestamp(&text), "{text}");
        }
        assert_eq!(ms("2024-02-30T00:00:00Z"), None);
        assert_eq!(ms("2023-02-29T00:00:00Z"), None);
        assert!(ms("2024-02-29T00:00:00Z").is_some());
        assert!(ms("2000-02-29T00:00:00Z").is_some());
        assert_eq!(ms("1900-02-29T00:00:00Z"), None);
        assert_eq!(ms("2024-01-01 00:00:00Z"), None);
        assert_eq!(ms("2024-01-01T24:00:00Z"), None);
        assert!(Judge::new("{").is_none());
        assert!(Judge::new("[]").is_none());
        assert!(Judge::new(r#"{"fields":[{"name":"a"}]}"#).is_none());
    }

    #[test]
    fn its_own_number_comparison_agrees_with_the_pattern() {
        let texts = [
            "0",
            "-0",
            "0.0",
            "1",
            "-1",
            "0.01",
            "0.010",
            "1e-2",
            "10000",
            "1e4",
            "1E+4",
            "10000.0000000000000001",
            "9999.99",
            "-0.01",
            "-1e-2",
            "123456789012345678901234567890123",
            "1e32",
            "1e99999999999999999999",
            "-1e99999999999999999999",
            "5e-400",
            "0.5",
            "50.5",
        ];
        for a in texts {
            for b in texts {
                let (x, y) = (read_number(a).unwrap(), read_number(b).unwrap());
                assert_eq!(compare(&x, &y), cmp_number(a, b), "{a} vs {b}");
            }
        }
    }

    /// The readers are its own (issue 22): no decimal reader or comparison, calendar,
    /// contract parser or validator of the page's. Only the JSON parser and the producer's
    /// records are shared.
    #[test]
    fn it_reads_with_code_of_its_own() {
        let src = include_str!("contracts.rs");
        let body = src.split("#[cfg(test)]").next().unwrap_or("");
        for shared in [
            "json::decimal",
            "cmp_decimal",
            "calendar::",
            "Contract::parse",
            "Contract::from_value",
            "contracts::contract",
            "contracts::validate",
            "contracts::Contract",
        ] {
            assert!(!body.contains(shared), "the oracle uses {shared}");
        }
    }
}
