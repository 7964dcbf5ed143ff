//! Property tests of the lakehouse's invariants (PRODUCT.md: lakehouse; issue 6): a
//! time-travel read at version S returns exactly what was committed at S; compaction never
//! changes a query's result; pruning never skips a file holding a matching row; and with
//! any faults the pipeline (read by snapshots, gold by MERGE or overwrite) ends equal to the
//! oracle's fold of the feed.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::patterns::lakehouse::jobs::{
    gold_read, gold_rows_at, query, silver_rows_at, Query,
};
use pipelab_core::patterns::lakehouse::params::GoldWrite;
use pipelab_core::patterns::lakehouse::scenario::Last;
use pipelab_core::patterns::lakehouse::table::{Layer, Op};
use pipelab_core::patterns::lakehouse::{LakeParams, Lakehouse};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

/// Per user (orders, cents).
type PerUser = Vec<(u64, i64)>;

const KINDS: [&str; 4] = ["concurrent-writer", "rerun", "late-file", "add-column"];

fn params(bits: u64) -> LakeParams {
    LakeParams {
        rows: 50 + bits % 700,
        users: 1 + (bits / 700 % 30) as u32,
        per_day: 10 + (bits / 21_000 % 200) as u32,
        file_rows: 1 + (bits / 4_200_000 % 20) as u32,
        every: 1 + (bits / 84_000_000 % 5) as u32,
        bad: (bits / 420_000_000 % 3) as f64 * 0.1,
        dup: (bits / 1_260_000_000 % 3) as f64 * 0.15,
        compact: (bits / 3_780_000_000 % 5) as u32,
        target_rows: 5 + (bits / 18_900_000_000 % 60) as u32,
        gold: if (bits / 1_134_000_000_000).is_multiple_of(2) {
            GoldWrite::Merge
        } else {
            GoldWrite::Overwrite
        },
        ..LakeParams::default()
    }
}

/// Per user (orders, cents) of a set of silver rows.
fn per_user(
    rows: &[pipelab_core::patterns::lakehouse::files::SilverRow],
    users: usize,
) -> Vec<(u64, i64)> {
    let mut out = vec![(0, 0); users];
    for r in rows {
        out[r.user_id as usize].0 += 1;
        out[r.user_id as usize].1 += r.amount_cents;
    }
    out
}

/// Steps to the end, applying each `(step, fault)` after that step.
fn run(
    p: &LakeParams,
    seed: u64,
    faults: &[(u64, usize)],
    mut each: impl FnMut(&Lakehouse),
) -> Lakehouse {
    let mut s = Lakehouse::new(p, seed).expect("valid params");
    each(&s);
    for i in 0..p.rows {
        s.step();
        each(&s);
        for &(at, k) in faults {
            if at == i && s.apply(&Fault::new(KINDS[k % 4])).is_ok() {
                each(&s);
            }
        }
    }
    s
}

fn queries(bits: u64, days: u32, users: u32) -> Vec<Query> {
    (0..6)
        .map(|i| {
            let h = bits.rotate_left(i * 9) ^ (i as u64 * 0x9E37_79B9);
            let a = (h % (days as u64 + 2)) as u32;
            let b = a + (h / 97 % 5) as u32;
            Query {
                from_day: a,
                to_day: b,
                user: (!(h / 7).is_multiple_of(3)).then_some((h / 31 % users.max(1) as u64) as u32),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// At each commit, the scenario's own running totals (kept from the jobs' plans, not
    /// from reading files) are recorded; at the end every version of silver and gold is
    /// read back by number and by its commit timestamp and must show exactly those totals.
    #[test]
    fn a_time_travel_read_at_s_returns_what_was_committed_at_s(
        bits in any::<u64>(), seed in any::<u64>(),
        faults in proptest::collection::vec((0u64..750, 0usize..4), 0..5),
    ) {
        let p = params(bits);
        let users = p.users as usize;
        let mut silver_at: Vec<(u32, Vec<(u64, i64)>)> = Vec::new();
        let mut gold_at: Vec<(u32, PerUser, u64)> = Vec::new();
        let s = run(&p, seed, &faults, |s| {
            let sv = s.lake().table(Layer::Silver).version();
            if silver_at.last().is_none_or(|(v, _)| *v != sv) {
                silver_at.push((sv, s.silver_users().to_vec()));
            }
            let gv = s.lake().table(Layer::Gold).version();
            if gold_at.last().is_none_or(|(v, _, _)| *v != gv) {
                gold_at.push((gv, s.gold_seen().to_vec(), s.gold_rows()));
            }
        });
        let lake = s.lake();
        let t = lake.table(Layer::Silver);
        for (v, committed) in &silver_at {
            prop_assert_eq!(&per_user(&silver_rows_at(lake, *v), users), committed, "silver v{}", v);
            if let Some(c) = t.commit(*v) {
                prop_assert_eq!(t.version_as_of(c.at_ms), Some(*v));
                prop_assert_eq!(t.version_as_of(c.at_ms - 1), Some(*v - 1).filter(|&x| x > 0));
            }
        }
        for (v, committed, rows) in &gold_at {
            let g = gold_rows_at(lake, *v);
            prop_assert_eq!(g.len() as u64, *rows, "gold v{} rows", v);
            prop_assert_eq!(&gold_read(&g, users), committed, "gold v{}", v);
        }
    }

    /// Before and after every compaction commit, and with compaction off, every query
    /// gives the same count and sum.
    #[test]
    fn compaction_never_changes_query_results(
        bits in any::<u64>(), seed in any::<u64>(), qbits in any::<u64>(),
        faults in proptest::collection::vec((0u64..750, 0usize..4), 0..4),
    ) {
        let p = LakeParams { compact: 2 + (bits % 3) as u32, ..params(bits) };
        let s = run(&p, seed, &faults, |_| {});
        let off = run(&LakeParams { compact: 0, ..p.clone() }, seed, &faults, |_| {});
        let lake = s.lake();
        let t = lake.table(Layer::Silver);
        let days = (p.rows / p.per_day as u64) as u32 + 1;
        let qs = queries(qbits, days, p.users);
        let mut compactions = 0;
        for v in 1..=t.version() {
            if t.commit(v).is_some_and(|c| c.op == Op::Compact) {
                compactions += 1;
                for q in &qs {
                    let before = query(lake, v - 1, q, true);
                    let after = query(lake, v, q, true);
                    prop_assert_eq!((before.matched, before.sum_cents), (after.matched, after.sum_cents), "v{} {:?}", v, q);
                }
            }
        }
        let ov = off.lake().table(Layer::Silver).version();
        for q in &qs {
            let a = query(lake, t.version(), q, true);
            let b = query(off.lake(), ov, q, true);
            prop_assert_eq!((a.matched, a.sum_cents), (b.matched, b.sum_cents), "{:?}", q);
        }
        prop_assert_eq!(compactions, s.compactions());
    }

    /// A pruned query reads a subset of the files and returns what the full scan returns;
    /// every file it skipped holds no matching row.
    #[test]
    fn pruning_never_skips_a_file_holding_a_matching_row(
        bits in any::<u64>(), seed in any::<u64>(), qbits in any::<u64>(),
        faults in proptest::collection::vec((0u64..750, 0usize..4), 0..4),
    ) {
        let p = params(bits);
        let s = run(&p, seed, &faults, |_| {});
        let lake = s.lake();
        let t = lake.table(Layer::Silver);
        let days = (p.rows / p.per_day as u64) as u32 + 1;
        for v in [t.version() / 2, t.version()] {
            for q in queries(qbits ^ v as u64, days, p.users) {
                let pruned = query(lake, v, &q, true);
                let full = query(lake, v, &q, false);
                prop_assert_eq!((pruned.matched, pruned.sum_cents), (full.matched, full.sum_cents), "{:?}", q);
                prop_assert_eq!(pruned.files, full.files);
                prop_assert_eq!(pruned.scanned.len() as u32 + pruned.skipped_by_partition + pruned.skipped_by_stats, full.files);
                for f in t.files_at(v) {
                    if pruned.scanned.contains(&f) {
                        continue;
                    }
                    let rows = silver_rows_at_file(lake, f);
                    let hit = rows.iter().any(|r| r.day >= q.from_day && r.day <= q.to_day && q.user.is_none_or(|u| r.user_id == u));
                    prop_assert!(!hit, "skipped file {} holds a match for {:?}", f, q);
                }
            }
        }
    }

    /// Whatever the faults (a second writer, reruns, late files, a new column), reading by
    /// snapshots with gold by MERGE or overwrite ends with silver and gold equal to the
    /// oracle, each order once.
    #[test]
    fn with_any_faults_silver_and_gold_equal_the_oracle(
        bits in any::<u64>(), seed in any::<u64>(),
        faults in proptest::collection::vec((0u64..750, 0usize..4), 0..6),
    ) {
        let p = params(bits);
        let mut conflicts_seen = 0;
        let s = run(&p, seed, &faults, |s| {
            if let Last::Arrived { run: Some(r), .. } = s.last() {
                conflicts_seen += u32::from(r.conflict.is_some());
            }
        });
        let v = s.view();
        prop_assert_eq!(v.truth_through, p.rows);
        prop_assert_eq!((v.silver_wrong_users, v.gold_wrong_users), (0, 0), "{:?}", v);
        let lake = s.lake();
        let silver = silver_rows_at(lake, lake.table(Layer::Silver).version());
        prop_assert_eq!(per_user(&silver, p.users as usize), s.truth().users.clone());
        let mut ids: Vec<u64> = silver.iter().map(|r| r.order_id).collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(ids.len(), silver.len());
        prop_assert_eq!(conflicts_seen, s.conflicts());
    }
}

fn silver_rows_at_file(
    lake: &pipelab_core::patterns::lakehouse::table::Lake,
    f: u32,
) -> Vec<pipelab_core::patterns::lakehouse::files::SilverRow> {
    use pipelab_core::patterns::lakehouse::files::SilverCols;
    lake.file(f)
        .and_then(|d| d.stored())
        .and_then(SilverCols::of)
        .map(|c| (0..c.len()).filter_map(|i| c.row(i)).collect())
        .unwrap_or_default()
}
