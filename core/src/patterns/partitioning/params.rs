//! Partitioning's parameters: the scheme (hash by user or range by order date), the
//! workload (orders, users, skew, the span of order dates), how hash partitions grow, and
//! the pitfall (the note's quarter bounds that stop a day short).

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

/// Largest run the page allows (PAGE-CONTRACT.md asks for at least 1,000,000).
pub const MAX_ROWS: i64 = 1_000_000;

/// The pitfall's name (`pitfall-closed-quarter-bounds`).
pub const PITFALL_CLOSED_BOUNDS: &str = "closed-quarter-bounds";

/// How a row picks its partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `PARTITION BY HASH (user_id)`: `hash(user) mod modulus = remainder`.
    Hash,
    /// `PARTITION BY RANGE (order_date)`: one partition per quarter or month.
    Range,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Hash => "hash",
            Scheme::Range => "range",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scheme::Hash => "hash by user_id",
            Scheme::Range => "range by order_date",
        }
    }
}

/// The length of one range partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Quarter,
    Month,
}

impl Interval {
    /// Months per partition.
    pub fn months(self) -> u32 {
        match self {
            Interval::Quarter => 3,
            Interval::Month => 1,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Interval::Quarter => "quarter",
            Interval::Month => "month",
        }
    }
}

/// What "add a partition" does to a hash-partitioned table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grow {
    /// Split one partition (modulus m, remainder r) into (2m, r) and (2m, r + m): only its
    /// rows are read, and about half of them move.
    Split,
    /// A new table with N + 1 partitions of modulus N + 1: every row is re-hashed and most
    /// of them move.
    Rebuild,
}

/// A B-tree index on one column of the table (PostgreSQL creates one per partition).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    None,
    /// `CREATE INDEX ON orders (user_id)`.
    UserId,
    /// `CREATE INDEX ON orders (order_date)`.
    OrderDate,
}

impl Index {
    pub fn as_str(self) -> &'static str {
        match self {
            Index::None => "none",
            Index::UserId => "user_id",
            Index::OrderDate => "order_date",
        }
    }

    /// The column it indexes, if any.
    pub fn column(self) -> Option<&'static str> {
        match self {
            Index::None => None,
            Index::UserId => Some("user_id"),
            Index::OrderDate => Some("order_date"),
        }
    }
}

const SCHEMES: &[(&str, &str)] = &[
    ("hash", "hash by user_id"),
    ("range", "range by order_date"),
];

pub(super) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "scheme",
        label: "Partition by",
        help: "Hash of the user id (a user's orders live together) or ranges of the order date (a quarter's or month's orders live together).",
        kind: ParamKind::Choice(SCHEMES),
    },
    ParamSpec {
        name: "rows",
        label: "Orders",
        help: "Orders inserted in the run: one step inserts one order.",
        kind: ParamKind::Int { min: 1, max: MAX_ROWS },
    },
    ParamSpec {
        name: "users",
        label: "Users",
        help: "Distinct user ids placing orders.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "skew",
        label: "User skew (Zipf s)",
        help: "0 = every user equally active; higher = a few users place most orders (user 1 the most).",
        kind: ParamKind::Float { min: 0.0, max: 3.0 },
    },
    ParamSpec {
        name: "days",
        label: "Days of orders",
        help: "The order dates run from 2024-01-01 over this many days, in order; range partitions are created for the quarters (or months) they cover.",
        kind: ParamKind::Int { min: 1, max: 730 },
    },
    ParamSpec {
        name: "partitions",
        label: "Hash partitions",
        help: "Partitions of a hash-partitioned table at the start (MODULUS N, REMAINDER 0..N-1).",
        kind: ParamKind::Int { min: 1, max: 32 },
    },
    ParamSpec {
        name: "interval",
        label: "Range partition length",
        help: "One range partition per quarter or per month.",
        kind: ParamKind::Choice(&[("quarter", "a quarter"), ("month", "a month")]),
    },
    ParamSpec {
        name: "default",
        label: "DEFAULT partition",
        help: "A range-partitioned table can have a DEFAULT partition that takes every row no other partition accepts, instead of refusing the insert (hash-partitioned tables cannot have one).",
        kind: ParamKind::Choice(&[("off", "no"), ("on", "yes")]),
    },
    ParamSpec {
        name: "grow",
        label: "Adding a hash partition",
        help: "Split the biggest partition in two (only its rows move), or rebuild the table with one more partition (nearly every row moves).",
        kind: ParamKind::Choice(&[("split", "split one partition"), ("rebuild", "rebuild with N+1")]),
    },
    ParamSpec {
        name: "burst",
        label: "Hot-key burst (orders)",
        help: "Orders the hot-key burst fault sends from user 1 on one day.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "index",
        label: "Index on",
        help: "A B-tree index (one per partition). A query that filters on the indexed column reads only its matching rows in each partition it touches, one index descent per partition, with or without pruning; without an index every touched partition is read whole.",
        kind: ParamKind::Choice(&[("none", "no index"), ("user_id", "user_id"), ("order_date", "order_date")]),
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_CLOSED_BOUNDS,
    label: "The note's quarter bounds: FROM ('2024-01-01') TO ('2024-03-31')",
    help: "A range partition's upper bound is exclusive, so TO ('2024-03-31') stops before the last day of the quarter: every order dated 03-31 (or 06-30, …) matches no partition and its INSERT fails. Fix: TO ('2024-04-01') (the next quarter's first day), or a DEFAULT partition to catch the rest.",
}];

/// Validated partitioning parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct PartParams {
    pub scheme: Scheme,
    pub rows: u64,
    pub users: u32,
    pub skew: f64,
    pub days: u32,
    pub partitions: u32,
    pub interval: Interval,
    pub default_partition: bool,
    pub grow: Grow,
    pub burst: u32,
    pub index: Index,
    /// The note's bounds (pitfall).
    pub closed_bounds: bool,
}

impl Default for PartParams {
    fn default() -> Self {
        PartParams {
            scheme: Scheme::Range,
            rows: 3_000,
            users: 500,
            skew: 0.8,
            days: 182,
            partitions: 4,
            interval: Interval::Quarter,
            default_partition: false,
            grow: Grow::Split,
            burst: 300,
            index: Index::None,
            closed_bounds: false,
        }
    }
}

impl Params for PartParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        let on_off = |b: bool| if b { "on" } else { "off" }.to_string();
        Some(match field {
            "scheme" => self.scheme.as_str().to_string(),
            "rows" => self.rows.to_string(),
            "users" => self.users.to_string(),
            "skew" => format!("{}", self.skew),
            "days" => self.days.to_string(),
            "partitions" => self.partitions.to_string(),
            "interval" => self.interval.noun().to_string(),
            "default" => on_off(self.default_partition),
            "grow" => match self.grow {
                Grow::Split => "split",
                Grow::Rebuild => "rebuild",
            }
            .to_string(),
            "burst" => self.burst.to_string(),
            "index" => self.index.as_str().to_string(),
            PITFALL_CLOSED_BOUNDS => on_off(self.closed_bounds),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_CLOSED_BOUNDS {
            self.closed_bounds = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "scheme" => {
                self.scheme = match parse_choice(spec, value)? {
                    "hash" => Scheme::Hash,
                    _ => Scheme::Range,
                }
            }
            "rows" => self.rows = parse_int(spec, value)? as u64,
            "users" => self.users = parse_int(spec, value)? as u32,
            "skew" => self.skew = parse_float(spec, value)?,
            "days" => self.days = parse_int(spec, value)? as u32,
            "partitions" => self.partitions = parse_int(spec, value)? as u32,
            "interval" => {
                self.interval = match parse_choice(spec, value)? {
                    "month" => Interval::Month,
                    _ => Interval::Quarter,
                }
            }
            "default" => self.default_partition = parse_choice(spec, value)? == "on",
            "grow" => {
                self.grow = match parse_choice(spec, value)? {
                    "rebuild" => Grow::Rebuild,
                    _ => Grow::Split,
                }
            }
            "burst" => self.burst = parse_int(spec, value)? as u32,
            "index" => {
                self.index = match parse_choice(spec, value)? {
                    "user_id" => Index::UserId,
                    "order_date" => Index::OrderDate,
                    _ => Index::None,
                }
            }
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl PartParams {
    /// Every bound checked again (values may have been built in code, not parsed).
    pub fn validate(&self) -> Vec<ParamError> {
        self.bound_errors()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_field_round_trips_through_text_and_bad_values_name_their_bound() {
        let mut p = PartParams::default();
        p.set("scheme", "hash").unwrap();
        p.set("interval", "month").unwrap();
        p.set("default", "on").unwrap();
        p.set("grow", "rebuild").unwrap();
        p.set(PITFALL_CLOSED_BOUNDS, "on").unwrap();
        p.set("skew", "1.5").unwrap();
        let mut q = PartParams::default();
        for s in PartParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(
            PITFALL_CLOSED_BOUNDS,
            &p.get(PITFALL_CLOSED_BOUNDS).unwrap(),
        )
        .unwrap();
        assert_eq!(p, q);
        let e = p.set("rows", "0").unwrap_err();
        assert!(e.message.contains("1 to 1000000"), "{}", e.message);
        assert!(p.set("days", "731").is_err());
        assert!(p.set("interval", "week").is_err());
        assert!(p.set(PITFALL_CLOSED_BOUNDS, "maybe").is_err());
        assert_eq!(
            p.interval,
            Interval::Month,
            "a refused value changes nothing"
        );
        let bad = PartParams {
            partitions: 0,
            skew: f64::NAN,
            ..PartParams::default()
        };
        assert_eq!(bad.validate().len(), 2);
    }
}
