//! Property tests of CDC's invariants (PRODUCT.md: cdc): whatever the redelivery and any
//! reordering that keeps each row's order, the LSN-guarded MERGE leaves target = source;
//! polling misses exactly the deletes, the states overwritten before the next poll and the
//! changes that commit behind its watermark (a literal replay of its query agrees); every
//! delete's event is followed by its tombstone, which the sink skips; the whole pipeline,
//! drained after any faults, agrees with the source's history.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::cdc::{differing, polling, table_after, Check};
use pipelab_core::patterns::cdc::feed::{Feed, Mix, Op, Row, NONE};
use pipelab_core::patterns::cdc::merge::{Guard, Outcome, Target};
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
        rate in prop_oneof![1u32..200, 200u32..=1_000],
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
        prop_assert_eq!(st.missed_late, truth.missed_late);
        prop_assert_eq!(st.missed_tied, truth.missed_tied);
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
        prop_assert_eq!(check.poll.missed_late, want.missed_late);
        prop_assert_eq!(check.poll.missed_tied, want.missed_tied);
    }
}

/// What the poller's query returns, replayed literally: at each poll the source table as
/// of the poll (every change committed by then, folded), `updated_at > :last_poll` over
/// all of it, `:last_poll` then the largest `updated_at` returned. Per poll: rows
/// returned, and the changes since the previous poll that are their row's version now
/// yet not returned, split into below and equal to `:last_poll`. Also the copy per id.
/// Per poll: (rows returned, changes missed below `:last_poll`, changes missed equal to it).
type PollCounts = Vec<(u64, u64, u64)>;

fn literal_polls(feed: &Feed, n: u64, poll_us: u64) -> (PollCounts, Vec<Option<Row>>) {
    let gap = feed.gap_us().max(1);
    let mut table: Vec<u32> = Vec::new();
    let mut copy: Vec<Option<Row>> = Vec::new();
    let mut watermark = 0;
    for (i, r) in feed.records()[..feed.initial() as usize].iter().enumerate() {
        let slot = r.id as usize;
        if table.len() <= slot {
            table.resize(slot + 1, NONE);
            copy.resize(slot + 1, None);
        }
        table[slot] = i as u32;
        copy[slot] = feed.row(i as u32);
        watermark = watermark.max(feed.updated_ms(i as u32));
    }
    let mut out = Vec::new();
    let mut folded = 0u64;
    let mut poll = poll_us;
    // The polls that ran by change n: those before change n committed.
    while poll < n * gap {
        let upto = (poll / gap).min(n);
        let since = folded + 1;
        while folded < upto {
            folded += 1;
            let i = feed.initial() as u64 + folded - 1;
            let r = feed.record(i as u32).unwrap();
            let slot = r.id as usize;
            if table.len() <= slot {
                table.resize(slot + 1, NONE);
                copy.resize(slot + 1, None);
            }
            table[slot] = if r.op == Op::Delete { NONE } else { i as u32 };
        }
        let mut returned = 0;
        let mut newest = watermark;
        for (slot, rec) in table.iter().enumerate() {
            let Some(row) = (*rec != NONE).then(|| feed.row(*rec)).flatten() else {
                continue;
            };
            if row.updated_ms > watermark {
                returned += 1;
                newest = newest.max(row.updated_ms);
                copy[slot] = Some(row);
            }
        }
        let (mut below, mut equal) = (0, 0);
        for k in since..=upto {
            let i = (feed.initial() as u64 + k - 1) as u32;
            let r = feed.record(i).unwrap();
            if table[r.id as usize] == i {
                let u = feed.updated_ms(i);
                if u < watermark {
                    below += 1;
                } else if u == watermark {
                    equal += 1;
                }
            }
        }
        out.push((returned, below, equal));
        watermark = newest;
        poll += poll_us;
    }
    (out, copy)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Issue 22, polling's commit-time miss: `updated_at` is `now()`, the start of its
    /// transaction, so a slow transaction can commit after a poll that already copied a
    /// row with a later (or, in the same millisecond, an equal) `updated_at`; the next
    /// poll's `updated_at > :last_poll` never returns it. The simulation's polls agree,
    /// poll by poll, with a literal replay of the query over the table as of each poll.
    #[test]
    fn pollings_commit_time_miss_matches_a_literal_replay_of_the_query(
        (seed, rows, changes, updates, deletes) in strategy_params(),
        rate in prop_oneof![1u32..100, 100u32..=1_000],
        poll_ms in prop_oneof![100u32..1_000, 1_000u32..10_000],
        at in 0u64..300,
    ) {
        let p = CdcParams { changes, rows, rate, updates, deletes, poll_ms, ..CdcParams::default() };
        let mut s = Cdc::new(&p, seed).unwrap();
        let n = at.min(changes);
        for _ in 0..n {
            s.step();
        }
        let (want, copy) = literal_polls(s.feed(), n, u64::from(poll_ms) * 1_000);
        prop_assert_eq!(s.polls().len(), want.len());
        for (j, (returned, below, equal)) in want.iter().enumerate() {
            let got = s.polls().get(j).copied().unwrap();
            prop_assert_eq!(
                (u64::from(got.rows), u64::from(got.missed_late), u64::from(got.missed_tied)),
                (*returned, *below, *equal),
                "poll {} (watermark {})", j, got.watermark_ms
            );
        }
        for id in 0..s.ids() {
            let got = s.polled_row(id).and_then(|r| s.feed().row(r));
            prop_assert_eq!(got, copy.get(id as usize).copied().flatten(), "row {}", id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Issue 22, tombstones: Debezium follows each delete's event with a tombstone (the
    /// same key, a null value; `tombstones.on.delete` is true by default), on the same
    /// partition right after it, redelivered with it. The sink skips it — it is read (its
    /// offset consumed) and changes nothing — so whatever the faults, no row the sink has
    /// caught up on is ever wrong, and the drained target equals the source.
    #[test]
    fn tombstones_follow_each_delete_and_the_sink_skips_them(
        (seed, rows, changes, updates, deletes) in strategy_params(),
        partitions in 1u32..6,
        speeds in (1u32..6, 1u32..6),
        commits in (100u32..3_000, 100u32..3_000),
        faults in prop::collection::vec((0u64..300, 0usize..3), 0..6),
    ) {
        let p = CdcParams {
            changes, rows, updates, deletes: deletes.max(0.1), partitions,
            connector: speeds.0, sink: speeds.1, flush_ms: commits.0, commit_ms: commits.1,
            stall: 25,
            ..CdcParams::default()
        };
        prop_assume!(p.updates + p.deletes <= 1.0);
        let mut s = Cdc::new(&p, seed).unwrap();
        for k in 0..changes {
            for (step, kind) in &faults {
                if *step == k {
                    let kind = ["connector-restart", "sink-crash", "reorder"][*kind];
                    let _ = s.apply(&Fault::new(kind));
                }
            }
            s.step();
            prop_assert_eq!(s.diffs().wrong, 0, "step {}", k + 1);
        }
        let d = s.drained();
        let f = d.feed();
        let mut in_topic = 0;
        for (pi, part) in d.topic().iter().enumerate() {
            prop_assert_eq!(d.positions()[pi] as usize, part.len(), "partition {} drained", pi);
            let msgs: Vec<_> = (0..part.len()).filter_map(|o| part.get(o).copied()).collect();
            for (o, m) in msgs.iter().enumerate() {
                let is_delete = f.record(m.record).is_some_and(|r| r.op == Op::Delete);
                if m.tombstone {
                    in_topic += 1;
                    prop_assert!(is_delete, "a tombstone follows only a delete");
                    let before = o.checked_sub(1).and_then(|b| msgs.get(b));
                    prop_assert!(
                        before.is_some_and(|e| !e.tombstone && e.record == m.record),
                        "the tombstone at {}@{} does not follow its delete", pi, o
                    );
                } else if is_delete {
                    prop_assert!(
                        msgs.get(o + 1).is_some_and(|t| t.tombstone && t.record == m.record),
                        "the delete at {}@{} has no tombstone after it", pi, o
                    );
                }
            }
        }
        prop_assert_eq!(d.stats().tombstones, in_topic);
        let skipped = d.applied_log().iter().filter(|a| a.outcome == Outcome::Tombstone).count() as u64;
        prop_assert_eq!(d.stats().tombstones_skipped, skipped);
        prop_assert!(skipped >= in_topic, "every tombstone is read");
        prop_assert!(d.applied_log().iter().all(|a| a.message.tombstone == (a.outcome == Outcome::Tombstone)));
        let wrong = differing(f, changes, d.ids(), |id| d.target().row_record(f, id).and_then(|r| f.row(r)));
        prop_assert!(wrong.is_empty(), "rows {:?} differ after draining", wrong);
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
