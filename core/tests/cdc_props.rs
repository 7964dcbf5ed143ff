//! Property tests of CDC's invariants (PRODUCT.md: cdc): whatever the redelivery and any
//! reordering that keeps each row's order, the LSN-guarded MERGE leaves target = source;
//! polling misses exactly the deletes and the states overwritten before the next poll;
//! the whole pipeline, drained after any faults, agrees with the source's history.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::cdc::{differing, polling, table_after, Check};
use pipelab_core::patterns::cdc::feed::{Feed, Mix};
use pipelab_core::patterns::cdc::merge::{Guard, Target};
use pipelab_core::patterns::cdc::{Cdc, CdcParams};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

fn mix(rows: u32, changes: u64, updates: f64, deletes: f64) -> Mix {
    Mix {
        rows,
        changes,
        updates,
        deletes,
        rate: 50,
    }
}

/// Every event (snapshot rows, then the changes) grouped per row in order, then delivered
/// in an arbitrary interleaving of the rows, with duplicates of earlier events of a row
/// (redeliveries, producer retries) arriving at arbitrary later points of that row's
/// sequence.
fn deliveries(feed: &Feed, choices: &[u16], dups: &[(u16, u16)]) -> Vec<u32> {
    let mut per_row: Vec<Vec<u32>> = Vec::new();
    for (i, r) in feed.records().iter().enumerate() {
        let slot = r.id as usize;
        if per_row.len() <= slot {
            per_row.resize(slot + 1, Vec::new());
        }
        per_row[slot].push(i as u32);
    }
    for (n, (which, back)) in dups.iter().enumerate() {
        let rows = per_row.len().max(1);
        let Some(row) = per_row.get_mut(*which as usize % rows) else {
            continue;
        };
        if row.is_empty() {
            continue;
        }
        // A copy of event e inserted somewhere after e.
        let e = (*back as usize + n) % row.len();
        let at = e + 1 + (*back as usize * 7 + n) % (row.len() - e);
        let copy = row[e];
        row.insert(at, copy);
    }
    let mut cursors = vec![0usize; per_row.len()];
    let mut out = Vec::new();
    let mut c = 0;
    loop {
        let open: Vec<usize> = (0..per_row.len())
            .filter(|&r| cursors[r] < per_row[r].len())
            .collect();
        if open.is_empty() {
            break;
        }
        let pick = open[choices.get(c).copied().unwrap_or(0) as usize % open.len()];
        c += 1;
        out.push(per_row[pick][cursors[pick]]);
        cursors[pick] += 1;
    }
    out
}

fn strategy_params() -> impl Strategy<Value = (u64, u32, u64, f64, f64)> {
    (any::<u64>(), 0u32..20, 1u64..300, 0.0f64..0.6, 0.0f64..0.4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_guarded_merge_makes_target_equal_source_under_redelivery_and_reordering(
        (seed, rows, changes, updates, deletes) in strategy_params(),
        choices in prop::collection::vec(any::<u16>(), 0..700),
        dups in prop::collection::vec((any::<u16>(), any::<u16>()), 0..60),
    ) {
        let feed = Feed::generate(seed, mix(rows, changes, updates, deletes));
        let mut t = Target::new();
        for r in deliveries(&feed, &choices, &dups) {
            let id = feed.record(r).unwrap().id;
            t.apply(&feed, r, Some(id), Guard::Lsn);
        }
        let wrong = differing(&feed, changes, feed.ids(), |id| t.row_record(&feed, id).and_then(|r| feed.row(r)));
        prop_assert!(wrong.is_empty(), "rows {:?} differ", wrong);
        let live = table_after(&feed, changes).iter().filter(|r| r.is_some()).count() as u64;
        prop_assert_eq!(t.live(), live);
    }

    #[test]
    fn polling_misses_exactly_the_deletes_and_the_overwritten_states(
        (seed, rows, changes, updates, deletes) in strategy_params(),
        rate in 1u32..200,
        poll_ms in 100u32..20_000,
        at in 0u64..300,
    ) {
        let p = CdcParams { changes, rows, rate, updates, deletes, poll_ms, ..CdcParams::default() };
        let mut s = Cdc::new(&p, seed).unwrap();
        let n = at.min(changes);
        for _ in 0..n {
            s.step();
        }
        let truth = polling(s.feed(), n, poll_ms as u64 * 1_000);
        let st = s.stats();
        prop_assert_eq!(s.polled_to(), truth.judged);
        prop_assert_eq!(st.missed_deletes, truth.missed_deletes);
        prop_assert_eq!(st.missed_overwritten, truth.missed_overwritten);
        prop_assert_eq!(st.poll_rows, truth.captured);
        for id in 0..s.ids() {
            let got = s.polled_row(id).and_then(|r| s.feed().row(r));
            let want = truth.copied.get(id as usize).and_then(|r| s.feed().row(*r));
            prop_assert_eq!(got, want, "row {}", id);
        }
    }

    #[test]
    fn after_any_faults_the_drained_pipeline_agrees_with_the_source(
        (seed, rows, changes, updates, deletes) in strategy_params(),
        partitions in 1u32..6,
        speeds in (1u32..6, 1u32..6),
        commits in (100u32..3_000, 100u32..3_000),
        faults in prop::collection::vec((0u64..300, 0usize..3), 0..6),
        at in 0u64..300,
    ) {
        let p = CdcParams {
            changes, rows, updates, deletes, partitions,
            connector: speeds.0, sink: speeds.1, flush_ms: commits.0, commit_ms: commits.1,
            stall: 25,
            ..CdcParams::default()
        };
        let mut s = Cdc::new(&p, seed).unwrap();
        let n = at.min(changes);
        for k in 0..n {
            for (step, kind) in &faults {
                if *step == k {
                    let kind = ["connector-restart", "sink-crash", "reorder"][*kind];
                    let _ = s.apply(&Fault::new(kind));
                }
            }
            s.step();
        }
        prop_assert_eq!(s.diffs().wrong, 0);
        let d = s.drained();
        let f = d.feed();
        let wrong = differing(f, n, d.ids(), |id| d.target().row_record(f, id).and_then(|r| f.row(r)));
        prop_assert!(wrong.is_empty(), "rows {:?} differ after draining", wrong);
        prop_assert_eq!(d.diffs().lagging + d.diffs().wrong, 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The page runs the oracle a slice at a time after a long run (`Check`): cut anywhere,
    /// it must count what the one-pass `differing` and `polling` count.
    #[test]
    fn the_check_in_slices_gives_the_one_pass_answers(
        (seed, rows, changes, updates, deletes) in strategy_params(),
        at in 0u64..320,
        ids in 0u32..400,
        poll_ms in 1u32..5_000,
        held in prop::collection::vec(prop::option::of(any::<u32>()), 0..300),
        cuts in prop::collection::vec(1u64..200, 1..40),
    ) {
        let feed = Feed::generate(seed, mix(rows, changes, updates, deletes));
        // A target holding arbitrary records (mostly wrong, some right, some missing).
        let target = |id: u32| {
            let pick = held.get(id as usize).copied().flatten()?;
            feed.row(pick % feed.len().max(1) as u32)
        };
        let want_wrong = differing(&feed, at, ids, target).len() as u64;
        let want = polling(&feed, at, u64::from(poll_ms) * 1_000);
        let mut check = Check::new(&feed, at, ids, u64::from(poll_ms) * 1_000);
        let units = check.units();
        let mut done = 0u64;
        let mut k = 0;
        while done < units {
            let to = (done + cuts[k % cuts.len()]).min(units);
            // A stale or repeated slice is ignored.
            check.run(&feed, done.saturating_sub(1)..to, target);
            check.run(&feed, done..to, target);
            done = to;
            k += 1;
        }
        prop_assert!(check.is_done());
        prop_assert_eq!(check.wrong, want_wrong);
        prop_assert_eq!(check.poll.judged, want.judged);
        prop_assert_eq!(check.poll.captured, want.captured);
        prop_assert_eq!(check.poll.missed_deletes, want.missed_deletes);
        prop_assert_eq!(check.poll.missed_overwritten, want.missed_overwritten);
    }
}

#[test]
fn a_plain_upsert_is_not_enough_when_an_old_copy_arrives_late() {
    // The same deliveries that the guard survives break a plain upsert for some input.
    let broken = (0..200u64).any(|seed| {
        let feed = Feed::generate(seed, mix(5, 120, 0.5, 0.2));
        let dups: Vec<(u16, u16)> = (0..30).map(|i| (i * 13, i * 5 + 1)).collect();
        let mut t = Target::new();
        for r in deliveries(&feed, &[], &dups) {
            let id = feed.record(r).unwrap().id;
            t.apply(&feed, r, Some(id), Guard::Plain);
        }
        !differing(&feed, 120, feed.ids(), |id| {
            t.row_record(&feed, id).and_then(|r| feed.row(r))
        })
        .is_empty()
    });
    assert!(
        broken,
        "a late duplicate never broke the plain upsert: the test input is too weak"
    );
}
