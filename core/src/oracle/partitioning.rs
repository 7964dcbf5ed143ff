//! Ground truth for partitioning without the router: each row's partition found by
//! testing it against every bound's definition (no slot table, no binary search), the
//! table's rows re-derived from the feed, and queries answered by scanning every row. It
//! reads the feed (the input) and the bounds (the DDL, plain data), never the router.

use crate::hash::pg_partition_hash;
use crate::patterns::partitioning::feed::{Feed, Order};
use crate::patterns::partitioning::layout::{Bound, PartDef};

/// Whether an explicit bound accepts the row (DEFAULT accepts nothing by itself).
pub fn accepts(bound: &Bound, o: &Order) -> bool {
    match *bound {
        Bound::Hash { modulus, remainder } => {
            modulus > 0 && pg_partition_hash(o.user as i64) % modulus as u64 == remainder as u64
        }
        Bound::Range { from, to } => from <= o.day && o.day < to,
        Bound::Default => false,
    }
}

/// Where a row belongs under a set of bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Home {
    /// Exactly one explicit bound accepts it.
    One(usize),
    /// None does; the DEFAULT partition takes it.
    Default(usize),
    /// None does and there is no DEFAULT: the insert fails.
    Nowhere,
    /// More than one accepts it: the bounds overlap (a broken table).
    Several(Vec<usize>),
}

impl Home {
    pub fn part(&self) -> Option<usize> {
        match self {
            Home::One(p) | Home::Default(p) => Some(*p),
            _ => None,
        }
    }
}

pub fn home(bounds: &[Bound], o: &Order) -> Home {
    let hits: Vec<usize> = (0..bounds.len())
        .filter(|&i| accepts(&bounds[i], o))
        .collect();
    match hits.len() {
        1 => Home::One(hits[0]),
        0 => match bounds.iter().position(|b| *b == Bound::Default) {
            Some(d) => Home::Default(d),
            None => Home::Nowhere,
        },
        _ => Home::Several(hits),
    }
}

/// The bounds in force when row `index` was inserted (`history` is sorted by first row).
fn bounds_at(history: &[(u64, Vec<Bound>)], index: u64) -> &[Bound] {
    history
        .iter()
        .rev()
        .find(|(from, _)| *from <= index)
        .map_or(&[], |(_, b)| b.as_slice())
}

/// The table as it should be after rows `0..inserted`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Census {
    /// Rows per partition of the current bounds.
    pub per_part: Vec<u64>,
    /// Inserts that found no partition when they ran.
    pub rejected: u64,
    /// Rows more than one bound accepted (must be 0).
    pub overlapping: u64,
}

/// Each row is kept iff the bounds in force at its insert gave it a home; a kept row is
/// counted where the current bounds put it (partitions added later take their rows from
/// DEFAULT; a split or rebuilt table re-homes every row).
pub fn census(
    feed: &Feed,
    inserted: u64,
    history: &[(u64, Vec<Bound>)],
    current: &[Bound],
) -> Census {
    census_rows(feed, 0..inserted, history, current)
}

impl Census {
    /// Adds another slice's census (of other rows, under the same current bounds).
    pub fn add(&mut self, other: &Census) {
        if self.per_part.len() < other.per_part.len() {
            self.per_part.resize(other.per_part.len(), 0);
        }
        for (a, b) in self.per_part.iter_mut().zip(&other.per_part) {
            *a += b;
        }
        self.rejected += other.rejected;
        self.overlapping += other.overlapping;
    }
}

/// `census` of the rows in `rows` only: the census of `0..n` is the sum of its slices', so a
/// page can spread a long run's census over several tasks.
pub fn census_rows(
    feed: &Feed,
    rows: std::ops::Range<u64>,
    history: &[(u64, Vec<Bound>)],
    current: &[Bound],
) -> Census {
    let mut c = Census {
        per_part: vec![0; current.len()],
        ..Census::default()
    };
    for i in rows {
        let o = feed.order(i);
        match home(bounds_at(history, i), &o) {
            Home::Nowhere => c.rejected += 1,
            Home::Several(_) => c.overlapping += 1,
            _ => match home(current, &o) {
                Home::One(p) | Home::Default(p) => c.per_part[p] += 1,
                Home::Several(_) => c.overlapping += 1,
                // Partitions are only added, so a row kept once always has a home.
                Home::Nowhere => c.rejected += 1,
            },
        }
    }
    c
}

/// A query by full scan of every kept row: matching rows and their cents.
pub fn scan(
    feed: &Feed,
    inserted: u64,
    history: &[(u64, Vec<Bound>)],
    matches: impl Fn(&Order) -> bool,
) -> (u64, u64) {
    scan_all(feed, inserted, history, &[&matches])[0]
}

/// Several queries in one full scan: `(rows, cents)` per predicate.
pub fn scan_all(
    feed: &Feed,
    inserted: u64,
    history: &[(u64, Vec<Bound>)],
    predicates: &[&dyn Fn(&Order) -> bool],
) -> Vec<(u64, u64)> {
    scan_all_rows(feed, 0..inserted, history, predicates)
}

/// `scan_all` of the rows in `rows` only (slices add up to the whole scan).
pub fn scan_all_rows(
    feed: &Feed,
    rows: std::ops::Range<u64>,
    history: &[(u64, Vec<Bound>)],
    predicates: &[&dyn Fn(&Order) -> bool],
) -> Vec<(u64, u64)> {
    let mut out = vec![(0u64, 0u64); predicates.len()];
    for i in rows {
        let o = feed.order(i);
        let kept = matches!(
            home(bounds_at(history, i), &o),
            Home::One(_) | Home::Default(_)
        );
        if !kept {
            continue;
        }
        for (slot, matches) in out.iter_mut().zip(predicates) {
            if matches(&o) {
                slot.0 += 1;
                slot.1 += o.amount_cents as u64;
            }
        }
    }
    out
}

/// Rows whose partition (by table name) differs between two definitions.
pub fn moved<'a>(
    rows: impl Iterator<Item = &'a Order>,
    before: &[PartDef],
    after: &[PartDef],
) -> u64 {
    let (b, a): (Vec<Bound>, Vec<Bound>) = (
        before.iter().map(|p| p.bound).collect(),
        after.iter().map(|p| p.bound).collect(),
    );
    rows.filter(|o| {
        let name = |defs: &[PartDef], h: Home| h.part().map(|p| defs[p].name.clone());
        name(before, home(&b, o)) != name(after, home(&a, o))
    })
    .count() as u64
}
