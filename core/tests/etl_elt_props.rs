//! Property tests of ETL/ELT's invariants (PRODUCT.md: etl-elt), checked against
//! `oracle::etl::ExtractTruth` fed with extracts this file re-reads from the source itself.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::etl::{Answer, ExtractTruth};
use pipelab_core::patterns::etl_elt::extract::RawRow;
use pipelab_core::patterns::etl_elt::scenario::{answer_of, Last};
use pipelab_core::patterns::etl_elt::source::Source;
use pipelab_core::patterns::etl_elt::table::{aggregate_totals, Group};
use pipelab_core::patterns::etl_elt::transform::Rule;
use pipelab_core::patterns::etl_elt::{EtlElt, EtlParams};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

fn params(bits: u64) -> EtlParams {
    EtlParams {
        rows: 1 + bits % 400,
        runs: 1 + (bits / 400 % 4) as u32,
        chunk: 50 + (bits / 1_600 % 120) as u32,
        group: if (bits / 200_000).is_multiple_of(2) {
            Group::Category
        } else {
            Group::User
        },
        users: 1 + (bits / 400_000 % 40) as u32,
        nulls: (bits / 20_000_000 % 4) as f64 * 0.05,
        bad: (bits / 80_000_000 % 4) as f64 * 0.05,
        dups: (bits / 320_000_000 % 4) as f64 * 0.1,
        churn: (bits / 1_280_000_000 % 4) as f64 * 0.1,
        append: false,
    }
}

/// The extract of run `r` as CSV lines, read from the source's definition here (slots
/// in order, live ones only, a duplicated row written again right after itself).
fn extract_lines(src: &Source, run: u32) -> Vec<String> {
    let mut out = Vec::new();
    for slot in 0..src.slots(run) {
        if let Some(row) = src.row_for_run(slot, run) {
            let line = RawRow::from_source(&row).csv();
            if src.duplicated(slot, run) {
                out.push(line.clone());
            }
            out.push(line);
        }
    }
    out
}

fn truth_of(lines: &[String], by_user: bool, rule: Rule) -> Answer {
    let mut t = ExtractTruth::new(by_user);
    for l in lines {
        t.fold_line(l);
    }
    t.answer(rule == Rule::PaidOnly)
}

fn table_answer(s: &EtlElt, etl: bool) -> Option<(u32, Answer)> {
    let t = if etl { s.etl_table() } else { s.elt_table() }?;
    Some((t.run, answer_of(s.params(), &aggregate_totals(&t.batch))))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// ETL and ELT publish the same aggregate every night, and it is the oracle's; the
    /// stream's live table ends each night equal to it too. Failed loads and source
    /// changes at random steps do not change that.
    #[test]
    fn etl_and_elt_give_the_same_aggregate_on_the_same_clean_input(
        bits in any::<u64>(), seed in any::<u64>(), fault_every in 0u64..300,
    ) {
        let p = params(bits);
        let mut s = EtlElt::new(&p, seed).expect("valid");
        let by_user = p.group == Group::User;
        let mut checked = 0;
        for i in 0..s.total_steps() {
            let run_before = s.run();
            s.step();
            if s.run() != run_before {
                // Night `run_before` just finished: read its extract from the source now
                // (changes made during it are not part of it).
                let want = truth_of(&extract_lines(s.source(), run_before), by_user, Rule::AllOrders);
                let (etl_run, etl) = table_answer(&s, true).expect("ETL published");
                let (elt_run, elt) = table_answer(&s, false).expect("ELT published");
                prop_assert_eq!(etl_run, run_before);
                prop_assert_eq!(elt_run, run_before);
                prop_assert_eq!(&etl, &want, "ETL, night {}", run_before + 1);
                prop_assert_eq!(&elt, &want, "ELT, night {}", run_before + 1);
                let live = answer_of(&p, &s.stream().totals());
                prop_assert_eq!(&live, &want, "stream, night {}", run_before + 1);
                checked += 1;
            }
            if fault_every > 0 && i % fault_every == fault_every - 1 {
                let kind = if i / fault_every % 2 == 0 { "load-fail" } else { "source-change" };
                let _ = s.apply(&Fault::new(kind));
            }
        }
        prop_assert_eq!(checked, p.runs);
    }

    /// At every step the stream's live table is the oracle's aggregate of the rows
    /// extracted so far this night, under the rule in force — including right after the
    /// rule changes (it re-derives from what it loaded) and after a resent load.
    #[test]
    fn the_streams_live_table_is_the_truth_so_far(
        bits in any::<u64>(), seed in any::<u64>(), change_at in 0u64..1_500, fail_every in 0u64..200,
    ) {
        let p = EtlParams { chunk: 50 + (bits % 7) as u32, ..params(bits) };
        let mut s = EtlElt::new(&p, seed).expect("valid");
        let by_user = p.group == Group::User;
        let mut lines: Vec<String> = Vec::new();
        for i in 0..s.total_steps() {
            if s.pos() == 0 {
                // A night starts: its extract, read from the source's definition.
                lines = extract_lines(s.source(), s.run());
            }
            s.step();
            if i == change_at {
                s.apply(&Fault::new("rule-change")).expect("first change");
            }
            if fail_every > 0 && i % fail_every == 0 {
                let _ = s.apply(&Fault::new("load-fail"));
            }
            // The stream holds the loaded rows: all of them once a night is over.
            let loaded = if s.pos() == 0 { lines.len() } else { s.pos() as usize - s.buffered() };
            let want = truth_of(&lines[..loaded.min(lines.len())], by_user, s.rule());
            let live = answer_of(&p, &s.stream().totals());
            prop_assert_eq!(&live, &want, "step {}", i + 1);
            // The page's badge agrees, and its cached checks are current.
            prop_assert_eq!(s.judge_stream().0, 0, "badge at step {}", i + 1);
            prop_assert_eq!(s.stream_check(), s.judge_stream(), "cached stream check");
            for t in [s.etl_table(), s.elt_table()].into_iter().flatten() {
                prop_assert_eq!(Some(t.check), s.judge_table(t), "cached table check");
            }
        }
    }

    /// After the rule changes, ELT's table is right under the new rule at once (re-derived
    /// from staging); ETL's is right only once a night that started after the change has
    /// been extracted and loaded.
    #[test]
    fn elt_rederives_at_once_and_etl_only_after_a_new_extract(
        bits in any::<u64>(), seed in any::<u64>(), change_at in 0u64..2_000,
    ) {
        let p = EtlParams { churn: 0.2, runs: 2 + (bits % 3) as u32, ..params(bits) };
        let mut s = EtlElt::new(&p, seed).expect("valid");
        let by_user = p.group == Group::User;
        let change_at = change_at % s.total_steps();
        // The first night whose ETL job is deployed with v2.
        let mut v2_from = None;
        let mut nights: Vec<Vec<String>> = Vec::new();
        for i in 0..s.total_steps() {
            let run_before = s.run();
            s.step();
            if s.run() != run_before {
                nights.push(extract_lines(s.source(), run_before));
            }
            if i == change_at {
                v2_from = Some(if s.pos() == 0 { s.run() } else { s.run() + 1 });
                s.apply(&Fault::new("rule-change")).expect("first change");
                if let Some((run, elt)) = table_answer(&s, false) {
                    let want = truth_of(&nights[run as usize], by_user, Rule::PaidOnly);
                    prop_assert_eq!(&elt, &want, "ELT right after the change");
                }
            }
            if let (Some(from), Some((run, etl))) = (v2_from, table_answer(&s, true)) {
                if run >= from {
                    let want = truth_of(&nights[run as usize], by_user, Rule::PaidOnly);
                    prop_assert_eq!(&etl, &want, "ETL night {} after the change", run + 1);
                }
                if let Some((elt_run, elt)) = table_answer(&s, false) {
                    let want = truth_of(&nights[elt_run as usize], by_user, Rule::PaidOnly);
                    prop_assert_eq!(&elt, &want, "ELT night {} after the change", elt_run + 1);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Chunk commit: each INSERT into staging commits whole or not at all (a single INSERT
    /// is atomic, and pandas' to_sql runs its chunks in one transaction), so staging grows
    /// only by whole chunks: the rows a load carried, or those rows twice when the load's
    /// acknowledgement was lost and the loader sent the same chunk again. Never a part of
    /// one.
    #[test]
    fn chunk_commit_staging_grows_only_by_whole_chunks(
        bits in any::<u64>(), seed in any::<u64>(), fail_every in 1u64..150,
    ) {
        let p = params(bits);
        let mut s = EtlElt::new(&p, seed).expect("valid");
        let mut resent_rows = 0u64;
        for i in 0..s.total_steps() {
            if i % fail_every == 0 {
                let _ = s.apply(&Fault::new("load-fail"));
            }
            let (rows_before, batches_before) = (s.staging_rows(), s.staging().len());
            s.step();
            let grew = s.staging_rows() - rows_before;
            let batches = s.staging().len() - batches_before;
            match s.last() {
                Last::Row { load: Some(l), .. } => {
                    let copies = 1 + l.resent as u64;
                    prop_assert_eq!(grew, l.rows as u64 * copies, "step {}", i + 1);
                    prop_assert_eq!(batches as u64, copies, "one batch per INSERT sent");
                    if l.resent {
                        let n = s.staging().len();
                        prop_assert_eq!(s.staging().get(n - 1), s.staging().get(n - 2), "the same chunk again");
                        resent_rows += l.rows as u64;
                    }
                }
                _ => prop_assert_eq!(grew, 0, "no load, no staged rows, step {}", i + 1),
            }
        }
        let extracted: u64 = s.records().iter().map(|r| r.extracted).sum();
        prop_assert_eq!(s.staging_rows(), extracted + resent_rows);
    }
}

/// The note's append staging: from the second night the transform reads every night's
/// rows, and an order deleted at the source still counts; the partitioned staging reads
/// one night and is right.
#[test]
fn the_notes_append_staging_reads_every_night_and_keeps_deleted_orders() {
    let p = EtlParams {
        rows: 500,
        runs: 3,
        churn: 0.3,
        ..EtlParams::default()
    };
    let run_all = |p: &EtlParams| {
        let mut s = EtlElt::new(p, 11).unwrap();
        while s.step_count() < s.total_steps() {
            s.step();
        }
        s
    };
    let good = run_all(&p);
    let bad = run_all(&EtlParams {
        append: true,
        ..p.clone()
    });
    let want = truth_of(&extract_lines(good.source(), 2), false, Rule::AllOrders);
    assert_eq!(table_answer(&good, false).unwrap().1, want);
    let got = table_answer(&bad, false).unwrap().1;
    assert_ne!(got, want, "deleted orders should still count under append");
    let (good_rec, bad_rec) = (good.records()[2], bad.records()[2]);
    assert_eq!(good_rec.transform_rows, good_rec.extracted);
    assert_eq!(
        bad_rec.transform_rows,
        bad.records().iter().map(|r| r.extracted).sum::<u64>()
    );
    // ETL does not stage, so the pitfall does not touch it.
    assert_eq!(table_answer(&bad, true).unwrap().1, want);
}

/// Found by the property above: one order, deleted by the second night's churn, leaves
/// nights 2 and 3 with nothing to extract. Each still takes a step and publishes.
#[test]
fn a_night_with_nothing_to_extract_still_takes_a_step_and_publishes() {
    let p = params(2_348_776_334_331_332_000);
    assert_eq!((p.rows, p.runs), (1, 3));
    let mut s = EtlElt::new(&p, 1_588_872_081_818_951_944).expect("valid");
    assert_eq!(s.total_steps(), 3, "one step per night, empty or not");
    for _ in 0..s.total_steps() {
        s.step();
    }
    assert_eq!(s.run(), 3);
    assert_eq!(s.etl_table().map(|t| t.run), Some(2));
    assert_eq!(s.elt_table().map(|t| t.run), Some(2));
    assert!(s.narrate().contains("extract is empty"), "{}", s.narrate());
}
