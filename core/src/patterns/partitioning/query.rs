//! Queries on the partitioned table: a point lookup by user, a date range, or both.
//! The planner prunes partitions whose bound cannot hold a matching row (hash: the user's
//! partition; range: the partitions overlapping the dates, DEFAULT unless the dates are
//! covered); the executor reads only those. The oracle answers the same query by a full
//! scan.

use crate::calendar::day_text;

use super::feed::Order;
use super::layout::Layout;
use super::params::{Index, Scheme};
use super::scenario::Partitioning;

/// `WHERE user_id = u AND order_date BETWEEN from AND to`, each part optional (days
/// inclusive, as SQL's BETWEEN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Query {
    pub user: Option<u32>,
    pub from: Option<u32>,
    pub to: Option<u32>,
}

impl Query {
    pub fn matches(&self, o: &Order) -> bool {
        self.user.is_none_or(|u| o.user == u)
            && self.from.is_none_or(|f| o.day >= f)
            && self.to.is_none_or(|t| o.day <= t)
    }

    /// The WHERE clause.
    pub fn sql(&self) -> String {
        let mut terms = Vec::new();
        if let Some(u) = self.user {
            terms.push(format!("user_id = {u}"));
        }
        match (self.from, self.to) {
            (Some(f), Some(t)) => terms.push(format!(
                "order_date BETWEEN '{}' AND '{}'",
                day_text(f),
                day_text(t)
            )),
            (Some(f), None) => terms.push(format!("order_date >= '{}'", day_text(f))),
            (None, Some(t)) => terms.push(format!("order_date <= '{}'", day_text(t))),
            (None, None) => {}
        }
        if terms.is_empty() {
            "SELECT count(*), sum(amount) FROM orders;".to_string()
        } else {
            format!(
                "SELECT count(*), sum(amount) FROM orders WHERE {};",
                terms.join(" AND ")
            )
        }
    }

    /// An empty date range (from after to) matches nothing.
    pub fn is_empty_range(&self) -> bool {
        matches!((self.from, self.to), (Some(f), Some(t)) if f > t)
    }
}

/// The queries the page offers ready-made: `(label, query)`.
pub fn canned(days: u32) -> Vec<(&'static str, Query)> {
    let last = days.max(1) - 1;
    vec![
        (
            "orders of user 37",
            Query {
                user: Some(37),
                ..Query::default()
            },
        ),
        (
            "orders of user 1 (the hottest)",
            Query {
                user: Some(1),
                ..Query::default()
            },
        ),
        (
            "2024-01-15 to 2024-01-31",
            Query {
                from: Some(14.min(last)),
                to: Some(30.min(last)),
                ..Query::default()
            },
        ),
        (
            "user 37 in the second quarter",
            Query {
                user: Some(37),
                from: Some(91),
                to: Some(181),
            },
        ),
        (
            "the last day of March",
            Query {
                from: Some(90),
                to: Some(90),
                ..Query::default()
            },
        ),
    ]
}

/// Why each partition is read or skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Partitions read, by index.
    pub touched: Vec<usize>,
    /// One sentence on how the planner pruned.
    pub reason: String,
}

/// The partitions a query must read.
pub fn plan(layout: &Layout, q: &Query) -> Plan {
    let all: Vec<usize> = (0..layout.parts().len()).collect();
    if q.is_empty_range() {
        return Plan {
            touched: Vec::new(),
            reason: "the date range is empty, so no partition is read".into(),
        };
    }
    match layout.scheme {
        Scheme::Hash => match q.user.and_then(|u| layout.hash_home(u)) {
            Some(p) => Plan {
                touched: vec![p],
                reason: format!(
                    "user_id = {} hashes into {} only; the others are pruned",
                    q.user.unwrap_or(0),
                    layout.parts()[p].name
                ),
            },
            None => Plan {
                touched: all,
                reason: "no user_id condition: a hash-partitioned table must read every partition (dates are spread over all of them)".into(),
            },
        },
        Scheme::Range => {
            if q.from.is_none() && q.to.is_none() {
                return Plan {
                    touched: all,
                    reason: "no order_date condition: a range-partitioned table must read every partition (a user's orders are spread over all of them)".into(),
                };
            }
            let (f, t) = (q.from.unwrap_or(0), q.to.unwrap_or(u32::MAX - 1));
            let mut touched: Vec<usize> = layout
                .ranges()
                .filter(|&(from, to, _)| from <= t && f < to)
                .map(|(_, _, p)| p)
                .collect();
            let default = layout.default_part().filter(|_| !layout.covers(f, t));
            touched.extend(default);
            touched.sort_unstable();
            let reason = format!(
                "only partitions whose dates overlap the range are read{}",
                match (layout.default_part(), default) {
                    (Some(_), Some(_)) => "; DEFAULT too, since some of these dates have no partition of their own",
                    (Some(_), None) => "; DEFAULT is pruned because every date in the range has a partition",
                    _ => "",
                }
            );
            Plan { touched, reason }
        }
    }
}

/// A query's answer and what it cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub plan: Plan,
    /// Rows read: every row of each touched partition, or through the index only the rows
    /// matching the indexed condition.
    pub rows_read: u64,
    /// Index descents (one per touched partition) when the index served the query, else 0.
    pub index_descents: u64,
    pub rows: u64,
    pub cents: u64,
}

/// Whether `index` serves `q` (the query filters on the indexed column).
pub fn index_serves(index: Index, q: &Query) -> bool {
    match index {
        Index::None => false,
        Index::UserId => q.user.is_some(),
        Index::OrderDate => q.from.is_some() || q.to.is_some(),
    }
}

/// Whether row `o` matches the indexed condition of `q` (what an index scan returns).
fn index_matches(index: Index, q: &Query, o: &Order) -> bool {
    match index {
        Index::None => true,
        Index::UserId => q.user.is_none_or(|u| o.user == u),
        Index::OrderDate => q.from.is_none_or(|f| o.day >= f) && q.to.is_none_or(|t| o.day <= t),
    }
}

/// Runs `q`: reads the planned partitions (or all of them when `prune` is off) row by row,
/// or through the table's index when it serves the query.
pub fn run(s: &Partitioning, q: &Query, prune: bool) -> Answer {
    let mut p = plan(s.layout(), q);
    if !prune {
        p = Plan {
            touched: (0..s.layout().parts().len()).collect(),
            reason: "no pruning: every partition is read".into(),
        };
    }
    let index = s.params().index;
    let indexed = index_serves(index, q);
    let (mut read, mut rows, mut cents) = (0u64, 0u64, 0u64);
    for &part in &p.touched {
        let Some(store) = s.stores().get(part) else {
            continue;
        };
        for o in store.iter() {
            if !indexed || index_matches(index, q, o) {
                read += 1;
            }
            if q.matches(o) {
                rows += 1;
                cents += o.amount_cents as u64;
            }
        }
    }
    Answer {
        index_descents: if indexed { p.touched.len() as u64 } else { 0 },
        plan: p,
        rows_read: read,
        rows,
        cents,
    }
}

/// Rows a query would read without an index (the sizes of its planned partitions),
/// without reading them (the compare page's tables have no index).
pub fn rows_read(s: &Partitioning, q: &Query) -> (Plan, u64) {
    let p = plan(s.layout(), q);
    let read = p
        .touched
        .iter()
        .filter_map(|&i| s.stores().get(i))
        .map(|st| st.len() as u64)
        .sum();
    (p, read)
}

/// Reads a query from the page's three fields (each may be blank), or says which field is
/// wrong and why.
pub fn parse(user: &str, from: &str, to: &str) -> Result<Query, (&'static str, String)> {
    let user = match user.trim() {
        "" => None,
        t => Some(t.parse::<u32>().ok().filter(|u| *u >= 1).ok_or_else(|| {
            (
                "user",
                format!(
                    "“{}” is not a user id: write a whole number from 1",
                    crate::sim::params::shorten(t)
                ),
            )
        })?),
    };
    let day = |field: &'static str, text: &str| match text.trim() {
        "" => Ok(None),
        t => crate::calendar::parse_day(t)
            .map(Some)
            .map_err(|e| (field, e)),
    };
    Ok(Query {
        user,
        from: day("from", from)?,
        to: day("to", to)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::partitioning::params::{Interval, PartParams};
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run_to_end(p: &PartParams) -> Partitioning {
        let mut s = Partitioning::new(p, 5).unwrap();
        for _ in 0..s.total_steps() {
            s.step();
        }
        s
    }

    #[test]
    fn hash_prunes_by_user_and_range_by_date_and_neither_by_the_other() {
        let hash = run_to_end(&PartParams {
            scheme: Scheme::Hash,
            ..PartParams::default()
        });
        let range = run_to_end(&PartParams::default());
        let by_user = Query {
            user: Some(37),
            ..Query::default()
        };
        let by_date = Query {
            from: Some(14),
            to: Some(30),
            ..Query::default()
        };
        assert_eq!(plan(hash.layout(), &by_user).touched.len(), 1);
        assert_eq!(plan(hash.layout(), &by_date).touched.len(), 4);
        assert_eq!(plan(range.layout(), &by_user).touched.len(), 2);
        assert_eq!(plan(range.layout(), &by_date).touched, vec![0]);
        for q in [by_user, by_date] {
            for s in [&hash, &range] {
                let (pruned, full) = (run(s, &q, true), run(s, &q, false));
                assert_eq!((pruned.rows, pruned.cents), (full.rows, full.cents));
                assert!(pruned.rows_read <= full.rows_read);
            }
        }
        // The same rows under both schemes (no insert fails with half-open quarters).
        assert_eq!(
            run(&hash, &by_user, true).rows,
            run(&range, &by_user, true).rows
        );
    }

    #[test]
    fn default_is_read_only_when_some_date_in_range_has_no_partition() {
        let s = run_to_end(&PartParams {
            default_partition: true,
            closed_bounds: true,
            interval: Interval::Quarter,
            ..PartParams::default()
        });
        let d = s.layout().default_part().unwrap();
        let mid_jan = Query {
            from: Some(10),
            to: Some(20),
            ..Query::default()
        };
        assert!(!plan(s.layout(), &mid_jan).touched.contains(&d));
        let march_end = Query {
            from: Some(85),
            to: Some(90),
            ..Query::default()
        };
        assert!(plan(s.layout(), &march_end).touched.contains(&d));
        assert!(run(&s, &march_end, true).rows > 0);
    }

    #[test]
    fn the_fields_parse_or_name_what_is_wrong() {
        assert_eq!(
            parse(" 7 ", "2024-01-02", ""),
            Ok(Query {
                user: Some(7),
                from: Some(1),
                to: None
            })
        );
        assert_eq!(parse("", "", ""), Ok(Query::default()));
        assert_eq!(parse("0", "", "").unwrap_err().0, "user");
        assert_eq!(parse("x", "", "").unwrap_err().0, "user");
        assert_eq!(parse("", "2024-02-30", "").unwrap_err().0, "from");
        assert_eq!(parse("", "", "soon").unwrap_err().0, "to");
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::patterns::partitioning::PartParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn table(scheme: Scheme, index: Index) -> Partitioning {
        let p = PartParams {
            scheme,
            index,
            ..PartParams::default()
        };
        let mut s = Partitioning::new(&p, 5).unwrap();
        for _ in 0..2_000 {
            s.step();
        }
        s
    }

    /// With an index on the lookup key, a point query reads only the user's rows, pruned
    /// or not: pruning then saves index descents, not rows. Without the index, pruning is
    /// what keeps the read to one partition.
    #[test]
    fn an_index_on_the_key_reads_the_matching_rows_with_or_without_pruning() {
        let q = Query {
            user: Some(37),
            ..Query::default()
        };
        let indexed = table(Scheme::Hash, Index::UserId);
        let (pruned, unpruned) = (run(&indexed, &q, true), run(&indexed, &q, false));
        assert_eq!(
            pruned.rows_read, pruned.rows,
            "the index reads exactly the matches"
        );
        assert_eq!(pruned.rows_read, unpruned.rows_read);
        assert_eq!((pruned.rows, pruned.cents), (unpruned.rows, unpruned.cents));
        assert_eq!(pruned.index_descents, 1);
        assert_eq!(
            unpruned.index_descents,
            indexed.layout().parts().len() as u64
        );

        let plain = table(Scheme::Hash, Index::None);
        let (pruned, unpruned) = (run(&plain, &q, true), run(&plain, &q, false));
        assert!(pruned.rows_read < unpruned.rows_read);
        assert!(pruned.rows_read > pruned.rows, "a whole partition is read");
        assert_eq!(pruned.index_descents, 0);

        // An index on another column does not serve the query.
        let other = table(Scheme::Hash, Index::OrderDate);
        assert_eq!(
            run(&other, &q, true).rows_read,
            run(&plain, &q, true).rows_read
        );
        // A date index serves a date range, on either scheme.
        let range = Query {
            from: Some(10),
            to: Some(20),
            ..Query::default()
        };
        let dated = run(&table(Scheme::Range, Index::OrderDate), &range, true);
        assert_eq!(dated.rows_read, dated.rows);
    }
}
