//! The partitioned table's definition: its partitions and their bounds, as PostgreSQL's
//! declarative partitioning defines them, and the router that finds a row's partition.
//! Hash bounds are `(MODULUS m, REMAINDER r)`; range bounds are `FROM (a) TO (b)` with `b`
//! excluded; a DEFAULT partition takes what no other accepts.

use crate::calendar::{day_text, days_since_epoch};
use crate::hash::pg_partition_hash;

use super::params::{Interval, Scheme};

/// The largest hash modulus a split may reach (and the size of the router's slot table).
pub const MAX_MODULUS: u32 = 1024;
/// The most partitions a table may have.
pub const MAX_PARTITIONS: usize = 64;

/// One partition's bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// `FOR VALUES WITH (MODULUS m, REMAINDER r)`: `hash(user_id) mod m = r`.
    Hash { modulus: u32, remainder: u32 },
    /// `FOR VALUES FROM (from) TO (to)`: order days `from <= day < to`.
    Range { from: u32, to: u32 },
    /// `DEFAULT`: rows no other partition accepts.
    Default,
}

impl Bound {
    /// The bound as its DDL clause.
    pub fn sql(&self) -> String {
        match *self {
            Bound::Hash { modulus, remainder } => {
                format!("FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})")
            }
            Bound::Range { from, to } => format!(
                "FOR VALUES FROM ('{}') TO ('{}')",
                day_text(from),
                day_text(to)
            ),
            Bound::Default => "DEFAULT".to_string(),
        }
    }
}

/// One partition: its table name and bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartDef {
    pub name: String,
    pub bound: Bound,
}

/// Why an insert found no partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoPartition {
    pub day: u32,
}

impl NoPartition {
    /// PostgreSQL's error for the row, with its DETAIL line.
    pub fn message(&self) -> String {
        format!(
            "no partition of relation \"orders\" found for row — partition key (order_date) = ({})",
            day_text(self.day)
        )
    }
}

/// The partition key's hash (the same for every row of a user).
pub fn user_hash(user: u32) -> u64 {
    pg_partition_hash(user as i64)
}

/// A table's partitions and the lookup structures its router uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub scheme: Scheme,
    parts: Vec<PartDef>,
    /// Hash: the partition of each residue modulo the largest modulus.
    slots: Vec<u16>,
    /// Range: `(from, to, partition)` sorted by `from`, not overlapping.
    ranges: Vec<(u32, u32, u16)>,
    default: Option<u16>,
}

/// The first day of interval `k` (0 = the one starting 2024-01-01).
pub fn interval_start(interval: Interval, k: u32) -> u32 {
    let month = k as i64 * interval.months() as i64;
    let days = days_since_epoch(2024 + month / 12, (month % 12) as u32 + 1, 1).unwrap_or(0);
    days.max(0) as u32
}

/// The interval containing `day`.
pub fn interval_of(interval: Interval, day: u32) -> u32 {
    let mut k = day / 31 / interval.months();
    while interval_start(interval, k + 1) <= day {
        k += 1;
    }
    k
}

/// A range partition's table name: `orders_2024_q1` or `orders_2024_03`.
fn interval_name(interval: Interval, k: u32) -> String {
    let month = k * interval.months();
    let year = 2024 + month / 12;
    match interval {
        Interval::Quarter => format!("orders_{year}_q{}", month % 12 / 3 + 1),
        Interval::Month => format!("orders_{year}_{:02}", month % 12 + 1),
    }
}

impl Layout {
    /// `n` hash partitions `orders_p0..` of modulus `n`.
    pub fn hash(n: u32) -> Layout {
        let n = n.clamp(1, MAX_PARTITIONS as u32);
        let parts = (0..n)
            .map(|r| PartDef {
                name: format!("orders_p{r}"),
                bound: Bound::Hash {
                    modulus: n,
                    remainder: r,
                },
            })
            .collect();
        Layout::build(Scheme::Hash, parts)
    }

    /// One range partition per interval covering days `0..days`; `closed` writes each upper
    /// bound as the interval's last day (the note's mistake); `default` adds a DEFAULT.
    pub fn range(days: u32, interval: Interval, closed: bool, default: bool) -> Layout {
        let last = interval_of(interval, days.max(1) - 1);
        let mut parts: Vec<PartDef> = (0..=last)
            .map(|k| Layout::range_part(interval, k, closed))
            .collect();
        if default {
            parts.push(PartDef {
                name: "orders_default".into(),
                bound: Bound::Default,
            });
        }
        Layout::build(Scheme::Range, parts)
    }

    fn range_part(interval: Interval, k: u32, closed: bool) -> PartDef {
        let from = interval_start(interval, k);
        let next = interval_start(interval, k + 1);
        PartDef {
            name: interval_name(interval, k),
            bound: Bound::Range {
                from,
                to: if closed { next - 1 } else { next },
            },
        }
    }

    /// Builds the router's tables; bounds are trusted to be well formed (the constructors
    /// and the growth operations only make well-formed ones).
    fn build(scheme: Scheme, parts: Vec<PartDef>) -> Layout {
        let max_mod = parts
            .iter()
            .filter_map(|p| match p.bound {
                Bound::Hash { modulus, .. } => Some(modulus),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let mut slots = vec![0u16; max_mod as usize];
        let mut ranges = Vec::new();
        let mut default = None;
        for (i, p) in parts.iter().enumerate() {
            match p.bound {
                Bound::Hash { modulus, remainder } => {
                    let mut x = remainder;
                    while x < max_mod {
                        slots[x as usize] = i as u16;
                        x += modulus.max(1);
                    }
                }
                Bound::Range { from, to } => ranges.push((from, to, i as u16)),
                Bound::Default => default = Some(i as u16),
            }
        }
        ranges.sort_unstable();
        Layout {
            scheme,
            parts,
            slots,
            ranges,
            default,
        }
    }

    pub fn parts(&self) -> &[PartDef] {
        &self.parts
    }

    pub fn bounds(&self) -> Vec<Bound> {
        self.parts.iter().map(|p| p.bound).collect()
    }

    pub fn default_part(&self) -> Option<usize> {
        self.default.map(|d| d as usize)
    }

    /// Range partitions `(from, to, partition)` sorted by `from`.
    pub fn ranges(&self) -> impl Iterator<Item = (u32, u32, usize)> + '_ {
        self.ranges.iter().map(|&(f, t, p)| (f, t, p as usize))
    }

    /// The partition of a row: by the user's hash, or by binary search over the ranges.
    pub fn route(&self, user: u32, day: u32) -> Result<usize, NoPartition> {
        match self.scheme {
            Scheme::Hash => {
                let m = self.slots.len() as u64;
                if m == 0 {
                    return Err(NoPartition { day });
                }
                Ok(self.slots[(user_hash(user) % m) as usize] as usize)
            }
            Scheme::Range => {
                let i = self.ranges.partition_point(|r| r.0 <= day);
                match i.checked_sub(1).map(|i| self.ranges[i]) {
                    Some((_, to, p)) if day < to => Ok(p as usize),
                    _ => self.default.map(|d| d as usize).ok_or(NoPartition { day }),
                }
            }
        }
    }

    /// The hash partition a user's rows live in (hash layouts only).
    pub fn hash_home(&self, user: u32) -> Option<usize> {
        let m = self.slots.len() as u64;
        (m > 0).then(|| self.slots[(user_hash(user) % m) as usize] as usize)
    }

    /// Hash: splits partition `p` (m, r) into (2m, r), keeping its name, and a new
    /// (2m, r + m) appended last.
    pub fn split(&self, p: usize) -> Result<Layout, String> {
        if self.parts.len() >= MAX_PARTITIONS {
            return Err(format!("the table already has {MAX_PARTITIONS} partitions"));
        }
        let Some(Bound::Hash { modulus, remainder }) = self.parts.get(p).map(|d| d.bound) else {
            return Err(format!("there is no hash partition {p}"));
        };
        if modulus * 2 > MAX_MODULUS {
            return Err(format!(
                "splitting {} would need modulus {} (this page stops at {MAX_MODULUS})",
                self.parts[p].name,
                modulus * 2
            ));
        }
        let mut parts = self.parts.clone();
        parts[p].bound = Bound::Hash {
            modulus: modulus * 2,
            remainder,
        };
        parts.push(PartDef {
            name: format!("orders_p{}", self.next_hash_number()),
            bound: Bound::Hash {
                modulus: modulus * 2,
                remainder: remainder + modulus,
            },
        });
        Ok(Layout::build(Scheme::Hash, parts))
    }

    fn next_hash_number(&self) -> usize {
        self.parts
            .iter()
            .filter_map(|p| p.name.strip_prefix("orders_p")?.parse::<usize>().ok())
            .max()
            .map_or(0, |n| n + 1)
    }

    /// Hash: a new table of `n + 1` partitions of modulus `n + 1`.
    pub fn rebuilt(&self) -> Result<Layout, String> {
        let n = self.parts.len() + 1;
        if n > MAX_PARTITIONS {
            return Err(format!("the table already has {MAX_PARTITIONS} partitions"));
        }
        Ok(Layout::hash(n as u32))
    }

    /// Range: the next interval's partition after the last one, in the same style as the
    /// others (the note's closed bounds stay closed).
    pub fn with_next_range(&self, interval: Interval, closed: bool) -> Result<Layout, String> {
        if self.parts.len() >= MAX_PARTITIONS {
            return Err(format!("the table already has {MAX_PARTITIONS} partitions"));
        }
        let next = self
            .ranges
            .last()
            .map_or(0, |&(from, _, _)| interval_of(interval, from) + 1);
        if interval_start(interval, next + 1) > u16::MAX as u32 {
            return Err("that partition's dates are too far ahead".into());
        }
        let mut parts = self.parts.clone();
        let at = self.default.map_or(parts.len(), |d| d as usize);
        parts.insert(at, Layout::range_part(interval, next, closed));
        Ok(Layout::build(Scheme::Range, parts))
    }

    /// Whether every day in `from..=to` has a range partition (so DEFAULT can be pruned).
    pub fn covers(&self, from: u32, to: u32) -> bool {
        let mut next = from;
        for &(f, t, _) in &self.ranges {
            if f > next {
                break;
            }
            if t > next {
                next = t;
            }
            if next > to {
                return true;
            }
        }
        next > to
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn quarters_are_half_open_unless_the_note_closes_them() {
        let good = Layout::range(182, Interval::Quarter, false, false);
        let names: Vec<&str> = good.parts().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["orders_2024_q1", "orders_2024_q2"]);
        assert_eq!(
            good.parts()[0].bound.sql(),
            "FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')"
        );
        // Day 90 is 2024-03-31 (a leap year).
        assert_eq!(good.route(7, 90), Ok(0));
        assert_eq!(good.route(7, 91), Ok(1));
        let note = Layout::range(182, Interval::Quarter, true, false);
        assert_eq!(
            note.parts()[0].bound.sql(),
            "FOR VALUES FROM ('2024-01-01') TO ('2024-03-31')"
        );
        assert_eq!(note.route(7, 90), Err(NoPartition { day: 90 }));
        assert_eq!(note.route(7, 89), Ok(0));
        assert_eq!(note.route(7, 181), Err(NoPartition { day: 181 }), "06-30");
        let caught = Layout::range(182, Interval::Quarter, true, true);
        assert_eq!(caught.route(7, 90), Ok(2), "DEFAULT takes it");
        assert_eq!(caught.route(7, 400), Ok(2));
        let months = Layout::range(60, Interval::Month, false, false);
        assert_eq!(months.parts()[1].name, "orders_2024_02");
        assert_eq!(months.route(1, 59), Ok(1), "2024-02-29");
        assert_eq!(
            months.route(1, 60),
            Err(NoPartition { day: 60 }),
            "March has none"
        );
    }

    #[test]
    fn a_split_halves_one_partition_and_keeps_every_residue_covered_once() {
        let l = Layout::hash(4);
        let s = l.split(1).unwrap();
        assert_eq!(s.parts().len(), 5);
        assert_eq!(s.parts()[4].name, "orders_p4");
        assert_eq!(
            s.parts()[4].bound,
            Bound::Hash {
                modulus: 8,
                remainder: 5
            }
        );
        for user in 1..2_000 {
            let (before, after) = (l.route(user, 0).unwrap(), s.route(user, 0).unwrap());
            if before != 1 {
                assert_eq!(before, after, "only partition 1's rows can move");
            } else {
                assert!(after == 1 || after == 4);
            }
        }
        assert!(Layout::hash(1).split(0).unwrap().split(0).is_ok());
    }

    #[test]
    fn a_new_range_goes_after_the_last_and_before_default() {
        let l = Layout::range(182, Interval::Quarter, false, true);
        let n = l.with_next_range(Interval::Quarter, false).unwrap();
        let names: Vec<&str> = n.parts().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "orders_2024_q1",
                "orders_2024_q2",
                "orders_2024_q3",
                "orders_default"
            ]
        );
        assert_eq!(n.route(1, 200), Ok(2));
        assert!(n.covers(0, 273));
        assert!(!n.covers(0, 274), "2024-10-01 has no partition");
        assert!(!Layout::range(182, Interval::Quarter, true, false).covers(80, 95));
    }
}
