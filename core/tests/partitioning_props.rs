//! Property tests of partitioning's invariants (PRODUCT.md: partitioning): every row is in
//! exactly one partition or was refused with a reason; a pruned query returns what a full
//! scan returns; adding a partition moves exactly the rows whose partition changed.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::partitioning::{home, scan, scan_all_rows, Home};
use pipelab_core::patterns::partitioning::compare::{oracle_rows, oracle_rows_in};
use pipelab_core::patterns::partitioning::layout::interval_start;
use pipelab_core::patterns::partitioning::params::{Grow, Index, Interval, PartParams, Scheme};
use pipelab_core::patterns::partitioning::query::{run, Query};
use pipelab_core::patterns::partitioning::scenario::{Growth, Last};
use pipelab_core::patterns::partitioning::Partitioning;
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

fn params_strategy() -> impl Strategy<Value = PartParams> {
    (
        prop::bool::ANY,
        1u64..2_500,
        1u32..300,
        0.0f64..2.0,
        1u32..400,
        1u32..9,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
        1u32..400,
    )
        .prop_map(
            |(
                hash,
                rows,
                users,
                skew,
                days,
                partitions,
                month,
                default,
                rebuild,
                closed,
                burst,
            )| {
                PartParams {
                    scheme: if hash { Scheme::Hash } else { Scheme::Range },
                    rows,
                    users,
                    skew,
                    days,
                    partitions,
                    interval: if month {
                        Interval::Month
                    } else {
                        Interval::Quarter
                    },
                    default_partition: default,
                    grow: if rebuild { Grow::Rebuild } else { Grow::Split },
                    burst,
                    index: Index::None,
                    closed_bounds: closed,
                }
            },
        )
}

fn faults_strategy() -> impl Strategy<Value = Vec<(u64, &'static str)>> {
    prop::collection::vec(
        (
            0u64..2_500,
            prop::sample::select(vec!["hot-key-burst", "add-partition", "new-quarter"]),
        ),
        0..5,
    )
}

/// Runs to the end, applying each fault after its step (refused faults change nothing).
/// Returns the scenario and every move report seen.
fn run_with(
    p: &PartParams,
    seed: u64,
    mut faults: Vec<(u64, &'static str)>,
) -> (Partitioning, Vec<(Partitioning, Partitioning)>) {
    faults.sort_by_key(|f| f.0);
    let mut s = Partitioning::new(p, seed).expect("valid params");
    let mut grown = Vec::new();
    let mut next = 0;
    for step in 0..=s.total_steps() {
        while next < faults.len() && faults[next].0 <= step {
            let before = s.clone();
            let ok = s.apply(&Fault::new(faults[next].1)).is_ok();
            if ok && faults[next].1 == "add-partition" {
                grown.push((before, s.clone()));
            }
            next += 1;
        }
        if step < s.total_steps() {
            s.step();
        }
    }
    (s, grown)
}

/// A day at or next to a quarter's or month's first day, where pruning decisions flip.
fn near_a_bound() -> impl Strategy<Value = u32> {
    (prop::bool::ANY, 0u32..12, 0u32..4).prop_map(|(month, k, d)| {
        let interval = if month {
            Interval::Month
        } else {
            Interval::Quarter
        };
        (interval_start(interval, k) + d).saturating_sub(2)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_row_is_in_exactly_one_partition_or_was_refused_with_a_reason(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
    ) {
        let (s, _) = run_with(&p, seed, faults);
        let bounds = s.layout().bounds();
        let history = s.history_bounds();
        let stored: u64 = s.stores().iter().map(|st| st.len() as u64).sum();
        prop_assert_eq!(stored + s.rejected().len() as u64, s.inserted());
        for (part, store) in s.stores().iter().enumerate() {
            for o in store.iter() {
                let h = home(&bounds, o);
                prop_assert!(
                    h == Home::One(part) || h == Home::Default(part),
                    "order {} is in partition {} but belongs to {:?}", o.order_id(), part, h
                );
            }
        }
        for o in s.rejected().iter() {
            let at = history
                .iter()
                .rev()
                .find(|(from, _)| *from <= o.index as u64)
                .map(|(_, b)| b.clone())
                .unwrap_or_default();
            prop_assert_eq!(home(&at, o), Home::Nowhere, "order {} was refused but had a partition", o.order_id());
        }
        let (truth, counts) = s.census();
        prop_assert_eq!(truth.overlapping, 0);
        prop_assert_eq!(truth.per_part, counts);
        prop_assert_eq!(truth.rejected, s.rejected().len() as u64);
    }

    /// The page checks a long run a slice of rows per task: any split of the rows into
    /// slices must add up to the one-pass census and scan, on one table and on both sides of
    /// the hash-vs-range compare.
    #[test]
    fn the_oracle_in_slices_adds_up_to_one_pass(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
        cuts in prop::collection::vec(0u64..4_000, 0..6),
        user in 1u32..300,
    ) {
        let (s, _) = run_with(&p, seed, faults);
        let n = s.inserted();
        let mut edges: Vec<u64> = cuts.into_iter().map(|c| c % (n + 1)).collect();
        edges.extend([0, n]);
        edges.sort_unstable();
        edges.dedup();
        let history = s.history_bounds();
        let q = Query { user: Some(user), from: None, to: None };
        let mut census = s.census_rows(0..0);
        let mut scanned = (0u64, 0u64);
        let mut rows = vec![0u64; oracle_rows(&s).len()];
        for w in edges.windows(2) {
            census.add(&s.census_rows(w[0]..w[1]));
            let part = scan_all_rows(s.feed(), w[0]..w[1], &history, &[&|o| q.matches(o)])[0];
            scanned.0 += part.0;
            scanned.1 += part.1;
            for (x, y) in rows.iter_mut().zip(oracle_rows_in(&s, w[0]..w[1])) {
                *x += y;
            }
        }
        prop_assert_eq!(census, s.census().0);
        prop_assert_eq!(scanned, scan(s.feed(), n, &history, |o| q.matches(o)));
        prop_assert_eq!(rows, oracle_rows(&s));
    }

    #[test]
    fn a_pruned_query_returns_what_a_full_scan_returns(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
        queries in prop::collection::vec(
            (
                prop::option::of(1u32..300),
                prop::option::of(prop_oneof![0u32..500, near_a_bound()]),
                prop::option::of(0u32..200),
            ),
            1..24,
        ),
    ) {
        let (s, _) = run_with(&p, seed, faults);
        let history = s.history_bounds();
        for (user, from, len) in queries {
            let q = Query { user, from, to: len.map(|l| from.unwrap_or(0) + l) };
            let pruned = run(&s, &q, true);
            let everything = run(&s, &q, false);
            let truth = scan(s.feed(), s.inserted(), &history, |o| q.matches(o));
            prop_assert_eq!((pruned.rows, pruned.cents), truth, "{}", q.sql());
            prop_assert_eq!((everything.rows, everything.cents), truth);
            prop_assert!(pruned.rows_read <= everything.rows_read);
        }
    }

    #[test]
    fn adding_a_partition_moves_exactly_the_rows_whose_partition_changed(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
        at in 0u64..2_500,
    ) {
        let mut faults = faults;
        faults.push((at, "add-partition"));
        let (_, grown) = run_with(&p, seed, faults);
        for (before, after) in grown {
            let Last::Grew(m) = after.last() else {
                prop_assert!(false, "no report");
                unreachable!()
            };
            prop_assert_eq!(m.moved, m.truth_moved);
            // Row by row: a row moved iff its partition's name changed.
            let old_name = |o: &pipelab_core::patterns::partitioning::feed::Order| {
                before.stores().iter().position(|st| st.iter().any(|x| x == o))
                    .map(|i| before.layout().parts()[i].name.clone())
            };
            let mut moved = 0u64;
            for (i, st) in after.stores().iter().enumerate() {
                for o in st.iter() {
                    if old_name(o).as_deref() != Some(after.layout().parts()[i].name.as_str()) {
                        moved += 1;
                    }
                }
            }
            prop_assert_eq!(moved, m.moved);
            let before_rows: u64 = before.stores().iter().map(|s| s.len() as u64).sum();
            let after_rows: u64 = after.stores().iter().map(|s| s.len() as u64).sum();
            prop_assert_eq!(before_rows, after_rows, "no row is lost or made up");
            match m.growth {
                Growth::Split { part, new } => {
                    prop_assert_eq!(m.rows_read, before.stores()[part].len() as u64);
                    prop_assert!(m.flows.iter().all(|f| f.0 == part && f.1 == new));
                }
                Growth::Range { .. } if before.layout().default_part().is_none() => {
                    prop_assert_eq!(m.moved, 0);
                }
                _ => {}
            }
        }
    }
}
