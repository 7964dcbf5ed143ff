//! /compare/hash-vs-range: the same orders inserted into a table partitioned by hash of
//! the user (side A) and one partitioned by quarter of the order date (side B), the same
//! faults on both, and the same queries run against both: rows each reads and returns.

use crate::format::count;
use crate::sim::compare::Pair;
use crate::sim::{ParamError, ParamSpec, Params, PitfallSpec, Preset};

use super::params::{PartParams, Scheme};
use super::query::{canned, rows_read, Query};
use super::scenario::{Last, Partitioning};
use super::view::PartView;

/// The pair.
pub struct HashVsRange;

/// The shared settings (the scheme is the side).
#[derive(Clone, Debug, PartialEq)]
pub struct HashVsRangeParams {
    pub shared: PartParams,
}

impl Default for HashVsRangeParams {
    fn default() -> Self {
        HashVsRangeParams {
            shared: PartParams {
                rows: 2_000,
                ..PartParams::default()
            },
        }
    }
}

/// Every partitioning field but the scheme.
const SPECS: &[ParamSpec] = &[
    super::params::SPECS[1],
    super::params::SPECS[2],
    super::params::SPECS[3],
    super::params::SPECS[4],
    super::params::SPECS[5],
    super::params::SPECS[6],
    super::params::SPECS[7],
    super::params::SPECS[8],
    super::params::SPECS[9],
];

impl Params for HashVsRangeParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PartParams::pitfalls()
    }

    fn get(&self, field: &str) -> Option<String> {
        if field == "scheme" {
            return None;
        }
        self.shared.get(field)
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == "scheme" {
            return Err(ParamError::new(field, "is not a parameter of this page"));
        }
        self.shared.set(field, value)
    }
}

/// Rows each side's copy of a ready-made query has returned so far (kept step by step).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub a_rows: Vec<u64>,
    pub b_rows: Vec<u64>,
}

/// One query on both sides.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryDiff {
    pub label: &'static str,
    pub sql: String,
    pub a_parts: usize,
    pub b_parts: usize,
    pub a_read: u64,
    pub b_read: u64,
    pub a_rows: u64,
    pub b_rows: u64,
}

/// The `diff` hook's content.
#[derive(Clone, Debug, PartialEq)]
pub struct PartDiff {
    pub queries: Vec<QueryDiff>,
    pub a_rejected: u64,
    pub b_rejected: u64,
    pub a_max_over_mean: f64,
    pub b_max_over_mean: f64,
    /// Rows moved by each side's last added partition.
    pub a_moved: Option<u64>,
    pub b_moved: Option<u64>,
}

fn bump(rows: &mut Vec<u64>, s: &Partitioning, queries: &[(&'static str, Query)]) {
    rows.resize(queries.len(), 0);
    if let Last::Stored { order, .. } = s.last() {
        for (i, (_, q)) in queries.iter().enumerate() {
            if q.matches(order) {
                rows[i] += 1;
            }
        }
    }
}

impl Pair for HashVsRange {
    type A = Partitioning;
    type B = Partitioning;
    type Params = HashVsRangeParams;
    type Tally = Tally;
    type Diff = PartDiff;
    const SLUG: &'static str = "compare-hash-vs-range";

    fn split(p: &HashVsRangeParams) -> (PartParams, PartParams) {
        (
            PartParams {
                scheme: Scheme::Hash,
                ..p.shared.clone()
            },
            PartParams {
                scheme: Scheme::Range,
                ..p.shared.clone()
            },
        )
    }

    fn after_step(a: &Partitioning, b: &Partitioning, t: &mut Tally) {
        let queries = canned(a.params().days);
        bump(&mut t.a_rows, a, &queries);
        bump(&mut t.b_rows, b, &queries);
    }

    fn after_fault(_: &Partitioning, _: &Partitioning, _: &mut Tally) {}

    fn diff(
        a: &Partitioning,
        b: &Partitioning,
        views: (&PartView, &PartView),
        t: &Tally,
    ) -> PartDiff {
        let queries = canned(a.params().days)
            .into_iter()
            .enumerate()
            .map(|(i, (label, q))| {
                let (pa, ra) = rows_read(a, &q);
                let (pb, rb) = rows_read(b, &q);
                QueryDiff {
                    label,
                    sql: q.sql(),
                    a_parts: pa.touched.len(),
                    b_parts: pb.touched.len(),
                    a_read: ra,
                    b_read: rb,
                    a_rows: t.a_rows.get(i).copied().unwrap_or(0),
                    b_rows: t.b_rows.get(i).copied().unwrap_or(0),
                }
            })
            .collect();
        PartDiff {
            queries,
            a_rejected: views.0.rejected,
            b_rejected: views.1.rejected,
            a_max_over_mean: views.0.max_over_mean,
            b_max_over_mean: views.1.max_over_mean,
            a_moved: views.0.last_move.as_ref().map(|m| m.moved),
            b_moved: views.1.last_move.as_ref().map(|m| m.moved),
        }
    }

    fn narrate(a: &Partitioning, b: &Partitioning) -> String {
        format!(
            "A (hash): {} B (range): {}",
            super::view::narrate(a),
            super::view::narrate(b)
        )
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a refused insert on either side, a partition added, a hot-key burst or a new quarter"
    }
}

const PRESETS: &[Preset] = &[
    Preset {
        name: "same-queries",
        label: "The same five queries on both tables",
        description: "At the end of the run: a user's orders cost one hash partition but every quarter; a date range costs one quarter but every hash partition.",
        seed: 42,
        params: &[],
        faults: &[],
        step: 2_000,
    },
    Preset {
        name: "note-bounds",
        label: "The note's quarter bounds on side B",
        description: "With the note's TO ('2024-03-31') the range side refuses every order of March 31 and June 30; the hash side keeps them. The queries' answers differ by exactly those rows.",
        seed: 42,
        params: &[("closed-quarter-bounds", "on")],
        faults: &[],
        step: 2_000,
    },
    Preset {
        name: "grow-both",
        label: "Add a partition to both",
        description: "At step 1,000 both tables gain a partition: the hash side splits its biggest (half of its rows move), the range side creates Q3 (nothing moves).",
        seed: 42,
        params: &[],
        faults: &[(1_000, "add-partition")],
        step: 1_000,
    },
];

type Predicate = dyn Fn(&super::feed::Order) -> bool;

/// What the oracle's full scan returns for each ready-made query on one side (the side's
/// tally must equal it).
pub fn oracle_rows(s: &Partitioning) -> Vec<u64> {
    oracle_rows_in(s, 0..s.inserted())
}

/// `oracle_rows` over the inserted rows in `rows` only (slices add up to the whole scan).
pub fn oracle_rows_in(s: &Partitioning, rows: std::ops::Range<u64>) -> Vec<u64> {
    let rows = rows.start.min(s.inserted())..rows.end.min(s.inserted());
    let queries = canned(s.params().days);
    let preds: Vec<Box<Predicate>> = queries
        .iter()
        .map(|(_, q)| {
            let q = *q;
            Box::new(move |o: &super::feed::Order| q.matches(o)) as Box<dyn Fn(&_) -> bool>
        })
        .collect();
    let refs: Vec<&dyn Fn(&super::feed::Order) -> bool> =
        preds.iter().map(|b| b.as_ref()).collect();
    crate::oracle::partitioning::scan_all_rows(s.feed(), rows, &s.history_bounds(), &refs)
        .into_iter()
        .map(|(rows, _)| rows)
        .collect()
}

/// Both sides' code in one panel: A's listing, then B's.
pub fn code_view(a: &Partitioning, b: &Partitioning, q: &Query) -> crate::sim::CodeView {
    crate::sim::CodeView::side_by_side(
        super::code::code_view(a, q),
        super::code::code_view(b, q),
        [
            "-- Side A: hash by user_id",
            "-- Side B: range by order_date",
        ],
        "PostgreSQL: side A, then side B",
    )
}

/// The trade-off in a few sentences, from the diff's numbers.
pub fn trade_off(d: &PartDiff) -> String {
    let user = d.queries.first();
    let dates = d.queries.get(2);
    let mut out = String::new();
    if let Some(q) = user {
        out.push_str(&format!(
            "A user's orders: hash reads {} rows in {} partition(s), range reads {} in {}. ",
            count(q.a_read),
            q.a_parts,
            count(q.b_read),
            q.b_parts
        ));
    }
    if let Some(q) = dates {
        out.push_str(&format!(
            "Two weeks of dates: hash reads {} rows in {} partitions, range {} in {}. ",
            count(q.a_read),
            q.a_parts,
            count(q.b_read),
            q.b_parts
        ));
    }
    out.push_str(&format!(
        "Biggest partition over the mean: hash {:.2}, range {:.2}. ",
        d.a_max_over_mean, d.b_max_over_mean
    ));
    if d.a_rejected != d.b_rejected {
        out.push_str(&format!(
            "Refused inserts: hash {}, range {} — a range table refuses dates no partition covers; a hash table accepts every user. ",
            count(d.a_rejected),
            count(d.b_rejected)
        ));
    }
    if let (Some(a), Some(b)) = (d.a_moved, d.b_moved) {
        out.push_str(&format!(
            "The last added partition moved {} rows on the hash side and {} on the range side. ",
            count(a),
            count(b)
        ));
    }
    let agree = d.queries.iter().all(|q| q.a_rows == q.b_rows);
    out.push_str(if agree {
        "Both return the same rows for every query: partitioning changes what is read, never the answer."
    } else {
        "The answers differ: one side refused rows the other kept."
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::partitioning::scan;
    use crate::sim::{Compare, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(p: &HashVsRangeParams) -> Compare<HashVsRange> {
        let mut c = Compare::<HashVsRange>::new(p, 42).unwrap();
        for _ in 0..c.total_steps() {
            c.step();
        }
        c
    }

    #[test]
    fn both_sides_answer_alike_and_read_what_their_scheme_prunes() {
        let c = run(&HashVsRangeParams::default());
        let d = c.view().diff;
        for (q, (_, query)) in d.queries.iter().zip(canned(c.a.params().days)) {
            let truth = scan(c.a.feed(), c.a.inserted(), &c.a.history_bounds(), |o| {
                query.matches(o)
            });
            assert_eq!((q.a_rows, q.b_rows), (truth.0, truth.0), "{}", q.sql);
        }
        let rows: Vec<u64> = d.queries.iter().map(|q| q.a_rows).collect();
        assert_eq!(oracle_rows(&c.a), rows);
        let user = &d.queries[0];
        assert_eq!((user.a_parts, user.b_parts), (1, 2));
        assert!(user.a_read < user.b_read);
        let dates = &d.queries[2];
        assert_eq!((dates.a_parts, dates.b_parts), (4, 1));
        assert!(dates.b_read < dates.a_read);
        assert!(trade_off(&d).contains("never the answer"));
    }

    #[test]
    fn the_notes_bounds_make_the_range_side_lose_the_quarter_ends() {
        let mut p = HashVsRangeParams::default();
        p.set(super::super::params::PITFALL_CLOSED_BOUNDS, "on")
            .unwrap();
        let c = run(&p);
        let d = c.view().diff;
        assert_eq!(d.a_rejected, 0);
        assert!(d.b_rejected > 0);
        // "The last day of March" returns rows on A only; B refused every one of them.
        let march = &d.queries[4];
        assert!(march.a_rows > 0);
        assert_eq!(march.b_rows, 0);
        assert!(trade_off(&d).contains("answers differ"));
    }
}
