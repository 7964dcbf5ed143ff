//! Property tests of batch writes' invariant (PRODUCT.md: batch-writes): with idempotency
//! keys, retries never change the final table — checked against `oracle::batch` and
//! against the same run without the faults.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::batch::TableTruth;
use pipelab_core::patterns::batch_writes::params::{Mode, OnError};
use pipelab_core::patterns::batch_writes::{BatchParams, BatchWrites};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

fn params(bits: u64) -> BatchParams {
    BatchParams {
        rows: 1 + bits % 600,
        mode: [Mode::Row, Mode::Batch, Mode::Bulk][(bits / 600 % 3) as usize],
        batch: 1 + (bits / 1_800 % 80) as u32,
        rate: 100 + (bits / 144_000 % 5_000) as u32,
        bad: (bits / 720_000_000 % 4) as f64 * 0.01,
        on_error: OnError::Bisect,
        ..BatchParams::default()
    }
}

/// Runs to the end, injecting `kind` after the listed steps.
fn run(p: &BatchParams, seed: u64, faults: &[(u64, &str)]) -> BatchWrites {
    let mut s = BatchWrites::new(p, seed).expect("valid");
    for i in 0..p.rows {
        s.step();
        for (at, kind) in faults {
            if *at == i {
                let _ = s.apply(&Fault::new(kind));
            }
        }
    }
    s
}

/// The whole table against the rows' definitions, judged here from scratch.
fn judge_all(s: &BatchWrites) -> TableTruth {
    let mut t = TableTruth::default();
    t.judge(
        0..s.params().rows,
        |i| s.is_bad(i),
        |i| s.table().contains(i),
    );
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With idempotency keys, lost acknowledgements (resends) at random steps leave the
    /// final table exactly as the same run without them: every good row once, every bad
    /// row in the dead-letter table.
    #[test]
    fn with_idempotency_keys_retries_never_change_the_final_table(
        bits in any::<u64>(), seed in any::<u64>(), drops in proptest::collection::vec(0u64..600, 0..6),
    ) {
        let p = params(bits);
        let faults: Vec<(u64, &str)> = drops.iter().map(|&d| (d, "drop-connection")).collect();
        let plain = run(&p, seed, &[]);
        let faulty = run(&p, seed, &faults);
        prop_assert_eq!(faulty.table().distinct, plain.table().distinct);
        prop_assert_eq!(faulty.table().duplicates.len(), 0);
        prop_assert_eq!(faulty.table().dead.len(), plain.table().dead.len());
        for i in 0..p.rows {
            prop_assert_eq!(faulty.table().contains(i), plain.table().contains(i), "row {}", i);
        }
        let truth = judge_all(&faulty);
        prop_assert!(truth.exact(0), "{:?}", truth);
        prop_assert_eq!(faulty.truth(), truth, "the page's running judgement");
        let dead: Vec<u64> = faulty.table().dead.iter().copied().collect();
        prop_assert!(dead.iter().all(|&i| faulty.is_bad(i)), "only bad rows are given up");
    }

    /// Without keys, every resend of a committed batch stores its rows again; the oracle
    /// sees the same rows, the table counts the copies.
    #[test]
    fn without_keys_a_resend_duplicates_the_batch(bits in any::<u64>(), seed in any::<u64>(), at in 0u64..600) {
        let p = BatchParams { idempotent: false, bad: 0.0, ..params(bits) };
        let at = at % p.rows;
        let s = run(&p, seed, &[(at, "drop-connection")]);
        let resent: Vec<_> = s.reports().iter().filter(|r| r.resent).copied().collect();
        if at + 1 < p.rows {
            prop_assert_eq!(resent.len(), 1);
            prop_assert_eq!(s.table().duplicates.len() as u32, resent[0].rows);
        }
        prop_assert!(judge_all(&s).exact(0), "every row is there");
    }

    /// COPY has no ON CONFLICT (a key already there fails the whole COPY), so a bulk write
    /// with a key takes the staging path: COPY into a staging table, then INSERT … SELECT …
    /// ON CONFLICT DO NOTHING: two statements per attempt, each row a quarter (the COPY)
    /// plus three quarters (the move) of an INSERT's row. A resend of a committed bulk batch
    /// pays that path again and stores nothing. Without a key the same resend is a plain
    /// COPY (one statement, a quarter per row) and stores every row a second time.
    #[test]
    fn a_resent_bulk_copy_is_deduplicated_only_by_its_staging_path(
        bits in any::<u64>(), seed in any::<u64>(), at in 0u64..600,
        rtt in 0u32..5_000, row in 0u32..400, commit in 0u32..5_000,
    ) {
        let p = BatchParams {
            mode: Mode::Bulk,
            idempotent: true,
            bad: 0.0,
            rtt_ms: rtt as f64 / 1_000.0,
            row_us: row as f64 / 4.0,
            commit_ms: commit as f64 / 1_000.0,
            ..params(bits)
        };
        let at = at % p.rows;
        let faults = [(at, "drop-connection")];
        let (rtt, row, commit) = (p.rtt_ms * 1_000.0, p.row_us, p.commit_ms * 1_000.0);
        for keyed in [true, false] {
            let p = BatchParams { idempotent: keyed, ..p.clone() };
            let s = run(&p, seed, &faults);
            let (per_attempt, per_row) = if keyed { (2, row / 4.0 + row * 0.75) } else { (1, row / 4.0) };
            let mut resent = 0;
            for r in s.reports().iter() {
                let attempts = if r.resent { 2 } else { 1 };
                prop_assert_eq!(r.statements, per_attempt * attempts, "{:?}", r);
                prop_assert_eq!(r.round_trips, (per_attempt * attempts) as u64);
                let want = attempts as f64
                    * (per_attempt as f64 * rtt + r.rows as f64 * per_row + commit);
                let took = (r.end_us - r.start_us) as f64;
                prop_assert!((took - want).abs() <= 1.0, "took {} want {} {:?}", took, want, r);
                if r.resent {
                    resent += 1;
                    let (skipped, duplicated) = if keyed { (r.rows, 0) } else { (0, r.rows) };
                    prop_assert_eq!((r.skipped, r.duplicated), (skipped, duplicated));
                }
            }
            prop_assert_eq!(resent, usize::from(at + 1 < p.rows));
            prop_assert_eq!(s.table().distinct, p.rows, "every row stored");
            let twice: u32 = s.reports().iter().filter(|r| r.resent).map(|r| r.rows).sum();
            prop_assert_eq!(s.table().duplicates.len() as u32, if keyed { 0 } else { twice });
        }
    }
}
