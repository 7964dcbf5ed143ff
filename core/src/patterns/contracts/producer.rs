//! The producer: order records as a pure function of the seed, a record's index, the share
//! of invalid records and the kinds of defect chosen, and the drifts faults ship (a new
//! field, a renamed one, a changed type) from a record on.

use crate::hash::key_hash;
use crate::json::Value;

use super::validate::timestamp_text;

/// Sim-epoch milliseconds of the first record's arrival (2024-01-15T09:00:00Z).
pub const START_MS: i64 = 14 * 86_400_000 + 9 * 3_600_000;

/// A way a record is made invalid on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    Missing,
    Type,
    Range,
    Enum,
    Future,
    Cross,
}

impl Defect {
    pub const ALL: [Defect; 6] = [
        Defect::Missing,
        Defect::Type,
        Defect::Range,
        Defect::Enum,
        Defect::Future,
        Defect::Cross,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Defect::Missing => "missing",
            Defect::Type => "type",
            Defect::Range => "range",
            Defect::Enum => "enum",
            Defect::Future => "future",
            Defect::Cross => "cross",
        }
    }
}

/// A change the producer ships without a contract change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drift {
    /// A new field, `channel`.
    NewField,
    /// `user_id` renamed `customer_id`.
    Rename,
    /// `amount` sent as a string.
    TypeChange,
}

impl Drift {
    pub fn kind(self) -> &'static str {
        match self {
            Drift::NewField => "new-field",
            Drift::Rename => "rename-field",
            Drift::TypeChange => "type-change",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Drift::NewField => "ships a new field, channel",
            Drift::Rename => "renames user_id to customer_id",
            Drift::TypeChange => "sends amount as a string",
        }
    }
}

/// A drift shipped at record `from`, rolled back at `until` (if it was).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shipped {
    pub from: u64,
    pub until: Option<u64>,
    pub drift: Drift,
}

impl Shipped {
    pub fn covers(&self, i: u64) -> bool {
        self.from <= i && self.until.is_none_or(|u| i < u)
    }
}

/// The producer's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Producer {
    pub seed: u64,
    pub invalid: f64,
    /// The defects to draw from (empty: none).
    pub defects: Vec<Defect>,
    pub gap_us: u64,
    /// Drifts shipped (and perhaps rolled back).
    pub drifts: Vec<Shipped>,
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn cents_text(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        c.unsigned_abs() / 100,
        c.unsigned_abs() % 100
    )
}

impl Producer {
    fn draw(&self, i: u64, salt: u64) -> u64 {
        key_hash(
            self.seed.rotate_left(17)
                ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ salt.wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
        )
    }

    /// When record `i` arrives (sim-epoch ms): the validator's "now".
    pub fn arrival_ms(&self, i: u64) -> i64 {
        START_MS + (i.saturating_mul(self.gap_us) / 1_000) as i64
    }

    /// The defect record `i` carries, if any.
    pub fn defect(&self, i: u64) -> Option<Defect> {
        if self.defects.is_empty() || unit(self.draw(i, 1)) >= self.invalid {
            return None;
        }
        self.defects
            .get((self.draw(i, 2) % self.defects.len() as u64) as usize)
            .copied()
    }

    /// Whether drift `d` is in force for record `i`.
    pub fn drifted(&self, i: u64, d: Drift) -> bool {
        self.drifts.iter().any(|s| s.drift == d && s.covers(i))
    }

    /// Record `i` as the producer sends it.
    pub fn record(&self, i: u64) -> Value {
        let now = self.arrival_ms(i);
        let s = |x: &str| Value::String(x.to_string());
        let n = |x: String| Value::Number(x);
        let h = self.draw(i, 3);
        let status = match h % 100 {
            0..=29 => "pending",
            30..=84 => "completed",
            _ => "cancelled",
        };
        let ordered = now - (self.draw(i, 4) % (3 * 86_400_000)) as i64;
        let shipped = ordered + ((now - ordered) as f64 * 0.6) as i64;
        let cents = 100 + (self.draw(i, 5) % 49_900) as i64;
        let mut r: Vec<(String, Value)> = vec![
            ("order_id".into(), n((1_000 + i).to_string())),
            ("user_id".into(), n((1 + self.draw(i, 6) % 500).to_string())),
            (
                "amount".into(),
                if self.drifted(i, Drift::TypeChange) {
                    s(&cents_text(cents))
                } else {
                    n(cents_text(cents))
                },
            ),
            ("status".into(), s(status)),
            ("order_date".into(), s(&timestamp_text(ordered))),
        ];
        if status == "completed" {
            r.push(("shipped_at".into(), s(&timestamp_text(shipped))));
        }
        if self.draw(i, 7).is_multiple_of(5) {
            r.push(("coupon".into(), s("SPRING10")));
        }
        let set = |r: &mut Vec<(String, Value)>, k: &str, v: Value| match r
            .iter_mut()
            .find(|(x, _)| x == k)
        {
            Some(slot) => slot.1 = v,
            None => r.push((k.to_string(), v)),
        };
        let pick = self.draw(i, 8);
        match self.defect(i) {
            None => {}
            Some(Defect::Missing) => match pick % 3 {
                0 => r.retain(|(k, _)| k != "user_id"),
                1 => set(&mut r, "amount", Value::Null),
                _ => r.retain(|(k, _)| k != "order_date"),
            },
            Some(Defect::Type) => match pick % 2 {
                0 => set(&mut r, "order_id", s(&(1_000 + i).to_string())),
                _ => set(&mut r, "order_date", s("15/01/2024 12:00")),
            },
            Some(Defect::Range) => match pick % 3 {
                0 => set(&mut r, "amount", n("0".into())),
                1 => set(&mut r, "amount", n(format!("-{}", cents_text(cents)))),
                _ => set(&mut r, "user_id", n("0".into())),
            },
            Some(Defect::Enum) => set(
                &mut r,
                "status",
                s(if pick.is_multiple_of(2) {
                    "shipped"
                } else {
                    "COMPLETED"
                }),
            ),
            Some(Defect::Future) => set(
                &mut r,
                "order_date",
                s(&timestamp_text(
                    now + 3_600_000 + (pick % (2 * 86_400_000)) as i64,
                )),
            ),
            Some(Defect::Cross) => {
                if pick.is_multiple_of(2) {
                    set(&mut r, "status", s("completed"));
                    r.retain(|(k, _)| k != "shipped_at");
                } else {
                    set(&mut r, "status", s("completed"));
                    set(
                        &mut r,
                        "shipped_at",
                        s(&timestamp_text(ordered - 86_400_000)),
                    );
                }
            }
        }
        if self.drifted(i, Drift::Rename) {
            if let Some(slot) = r.iter_mut().find(|(k, _)| k == "user_id") {
                slot.0 = "customer_id".into();
            }
        }
        if self.drifted(i, Drift::NewField) {
            r.push((
                "channel".into(),
                s(if pick.is_multiple_of(3) { "app" } else { "web" }),
            ));
        }
        Value::Object(r)
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract::Contract;
    use super::super::validate::validate;
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn producer(invalid: f64) -> Producer {
        Producer {
            seed: 5,
            invalid,
            defects: Defect::ALL.to_vec(),
            gap_us: 20_000,
            drifts: Vec::new(),
        }
    }

    #[test]
    fn clean_records_pass_and_each_defect_breaks_the_default_contract() {
        let c = Contract::default();
        let p = producer(0.0);
        for i in 0..2_000 {
            let v = validate(&c, &p.record(i), p.arrival_ms(i), false);
            assert!(v.is_empty(), "record {i}: {v:?} {}", p.record(i).to_text());
        }
        let p = producer(1.0);
        for i in 0..2_000 {
            assert!(
                !validate(&c, &p.record(i), p.arrival_ms(i), false).is_empty(),
                "record {i} {}",
                p.record(i).to_text()
            );
        }
        let p = producer(0.2);
        let bad = (0..5_000).filter(|i| p.defect(*i).is_some()).count();
        assert!((800..1_200).contains(&bad), "{bad}");
    }

    #[test]
    fn drifts_start_at_their_record() {
        let mut p = producer(0.0);
        let at = |from, until, drift| Shipped { from, until, drift };
        p.drifts = vec![
            at(10, Some(30), Drift::Rename),
            at(20, None, Drift::NewField),
        ];
        assert!(p.record(9).get("user_id").is_some());
        assert!(p.record(10).get("customer_id").is_some() && p.record(10).get("user_id").is_none());
        assert!(p.record(19).get("channel").is_none() && p.record(20).get("channel").is_some());
        assert!(p.record(30).get("user_id").is_some(), "rolled back at 30");
    }
}
