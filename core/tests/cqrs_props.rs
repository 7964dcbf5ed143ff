//! Property tests of CQRS's invariants (PRODUCT.md: cqrs), checked against
//! `oracle::orders::ReadTruth`, which folds the log's events from their JSON text.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::orders::ReadTruth;
use pipelab_core::orders::schema::encode_v2;
use pipelab_core::patterns::cqrs::params::ReadMode;
use pipelab_core::patterns::cqrs::projection::Model;
use pipelab_core::patterns::cqrs::scenario::ReadResult;
use pipelab_core::patterns::cqrs::{Cqrs, CqrsParams};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

fn params(bits: u64, commands: u64) -> CqrsParams {
    CqrsParams {
        commands,
        open: 1 + (bits % 7) as u32,
        items: 1 + (bits / 7 % 6) as u32,
        invalid_share: (bits / 50 % 3) as f64 * 0.1,
        users: 1 + (bits / 200 % 30) as u32,
        poll_steps: 1 + bits / 6000 % 9,
        batch: 1 + bits / 60_000 % 25,
        reads: [ReadMode::Immediate, ReadMode::WaitVersion, ReadMode::Token]
            [(bits / 2_000_000 % 3) as usize],
        idempotent: true,
        outbox: true,
        split_topics: false,
    }
}

const FAULTS: [&str; 4] = [
    "crash-projector",
    "duplicates",
    "write-burst",
    "crash-before-send",
];

fn run(p: &CqrsParams, seed: u64, fault_every: u64, check: &mut dyn FnMut(&Cqrs)) -> Cqrs {
    let mut s = Cqrs::new(p, seed).expect("valid");
    for i in 0..p.commands {
        s.step();
        if fault_every > 0 && i % fault_every == fault_every - 1 {
            let _ = s.apply(&Fault::new(
                FAULTS[(i / fault_every % FAULTS.len() as u64) as usize],
            ));
        }
        check(&s);
    }
    s
}

/// The oracle's fold of the whole log, from the events' JSON.
fn truth(s: &Cqrs) -> ReadTruth {
    let mut t = ReadTruth::new();
    for e in s.log().iter() {
        t.apply(e.order, &encode_v2(&e.body), e.at_ms)
            .expect("a valid log");
    }
    t
}

/// Every customer row and every day of the drained read models against the oracle.
fn models_equal_truth(s: &Cqrs) -> Result<(), String> {
    let d = s.drained();
    // The drained copy's log: the relay has sent what the outbox held.
    let t = truth(&d);
    let by_user = d.projector(Model::ByUser);
    for (user, want) in &t.users {
        let got = by_user.user(*user);
        if (got.orders, got.open, got.spent_cents) != *want {
            return Err(format!("user {user}: model {got:?}, oracle {want:?}"));
        }
    }
    let revenue = d.projector(Model::RevenueByDay);
    let days = t
        .days
        .keys()
        .last()
        .map_or(0, |d| *d as usize + 1)
        .max(revenue.days_seen());
    for day in 0..days {
        let want = t.days.get(&(day as i64)).copied().unwrap_or(0);
        if revenue.day(day) != want {
            return Err(format!(
                "day {day}: model {}, oracle {want}",
                revenue.day(day)
            ));
        }
    }
    if by_user.money_total != t.spent_total || revenue.money_total != t.revenue_total {
        return Err("totals differ".into());
    }
    Ok(())
}

/// What the write side committed is what the read side ends up with: once the relay has
/// run and the lag drains, every order's orders-by-user row equals the write model's state,
/// and the money in the model equals the oracle's fold of every committed event.
fn read_model_matches_write_model(s: &Cqrs) -> Result<(), String> {
    let d = s.drained();
    let by_user = d.projector(Model::ByUser);
    for o in 1..=s.orders() {
        let w = s.write_state(o);
        let r = by_user.order(o);
        if (
            r.status,
            r.user,
            r.items,
            r.total_cents,
            r.paid_cents,
            r.version,
        ) != (
            w.status,
            w.user,
            w.items,
            w.total_cents,
            w.paid_cents,
            w.version,
        ) {
            return Err(format!("order #{o}: write model {w:?}, read model {r:?}"));
        }
    }
    if by_user.money_total != d.truth_head().spent_total {
        return Err(format!(
            "spent {} in the model, {} committed",
            by_user.money_total,
            d.truth_head().spent_total
        ));
    }
    Ok(())
}

/// Every committed event is in the log or waiting in the outbox, once.
fn nothing_lost(s: &Cqrs) -> Result<(), String> {
    let committed: u64 = (1..=s.orders())
        .map(|o| s.write_state(o).version as u64)
        .sum();
    let held = s.log().len() as u64 + s.outbox().len() as u64;
    if committed != held || s.truth_head().events != committed || s.lost() != 0 {
        return Err(format!(
            "committed {committed}, log + outbox {held}, lost {}",
            s.lost()
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// The transactional outbox: a process that dies between its commit and the send loses
    /// nothing. At every step each event the write side committed is in the log or waits in
    /// the outbox, once; the log stays a valid sequence (each order's events in version
    /// order, checked by the oracle's transition table); once the relay has run and the lag
    /// drains, every order's read-model row equals the write model's state. Planted bugs it
    /// catches (each tried by hand): the relay dropping the rows a crash left in the outbox,
    /// and the dual write (`publish=direct`).
    #[test]
    fn a_crash_between_the_two_writes_loses_nothing_with_the_outbox(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 30u64..400,
        crash_every in 3u64..50,
        burst in any::<bool>(),
        probe in any::<u64>(),
    ) {
        let p = params(bits, commands);
        let mut s = Cqrs::new(&p, seed).expect("valid");
        if burst {
            s.apply(&Fault::new("write-burst")).expect("a burst");
        }
        let at = probe % commands;
        let mut mid = Ok(());
        for i in 0..commands {
            s.step();
            if i % crash_every == crash_every - 1 {
                let _ = s.apply(&Fault::new("crash-before-send"));
            }
            prop_assert_eq!(nothing_lost(&s), Ok(()), "step {}", i);
            if i == at {
                mid = read_model_matches_write_model(&s);
            }
        }
        prop_assert_eq!(mid, Ok(()));
        prop_assert_eq!(read_model_matches_write_model(&s), Ok(()));
        let _ = truth(&s.drained());
        prop_assume!(s.crashes() > 0);
    }

    /// Whatever happened (crashes and rebuilds, redeliveries, bursts), once the projectors
    /// have caught up every read model equals the oracle's fold of the log — checked at a
    /// random step and at the end.
    #[test]
    fn once_lag_drains_every_read_model_is_the_fold_of_the_log(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 30u64..500,
        fault_every in 0u64..80,
        probe in any::<u64>(),
    ) {
        let p = params(bits, commands);
        let at = probe % commands;
        let mut mid = Ok(());
        let s = run(&p, seed, fault_every, &mut |s| {
            if s.steps() == at {
                mid = models_equal_truth(s);
            }
        });
        prop_assert_eq!(mid, Ok(()));
        prop_assert_eq!(models_equal_truth(&s), Ok(()));
        let d = s.drained();
        prop_assert_eq!((d.lag(Model::ByUser), d.lag(Model::RevenueByDay)), (0, 0));
    }

    /// With an idempotent projection, redelivered events never change a read model: at every
    /// step each model equals the oracle's fold of the log up to the model's position, and
    /// the drained models equal those of the same run without the redeliveries.
    #[test]
    fn duplicate_delivery_never_changes_a_read_model(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 30u64..400,
        every in 2u64..30,
    ) {
        let p = params(bits, commands);
        let mut with = Cqrs::new(&p, seed).expect("valid");
        let mut without = Cqrs::new(&p, seed).expect("valid");
        let mut redelivered = 0;
        for i in 0..p.commands {
            with.step();
            without.step();
            if i % every == every - 1 && with.apply(&Fault::new("duplicates")).is_ok() {
                redelivered += 1;
            }
            for m in [Model::ByUser, Model::RevenueByDay] {
                prop_assert_eq!(with.projector(m).money_total, match m {
                    Model::ByUser => with.truth_at(m).spent_total,
                    Model::RevenueByDay => with.truth_at(m).revenue_total,
                }, "step {}: {:?} differs from the fold up to its position", i, m);
                prop_assert_eq!(with.projector(m).duplicates_applied, 0);
            }
        }
        let (a, b) = (with.drained(), without.drained());
        for u in 0..=p.users {
            prop_assert_eq!(a.projector(Model::ByUser).user(u), b.projector(Model::ByUser).user(u));
        }
        for d in 0..a.projector(Model::RevenueByDay).days_seen().max(b.projector(Model::RevenueByDay).days_seen()) {
            prop_assert_eq!(a.projector(Model::RevenueByDay).day(d), b.projector(Model::RevenueByDay).day(d));
        }
        prop_assume!(redelivered > 0);
    }

    /// Reads that wait (for the version, or for the position token) never see a stale order.
    #[test]
    fn reads_that_wait_are_never_stale(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 30u64..400,
        token in any::<bool>(),
    ) {
        let mut p = params(bits, commands);
        p.reads = if token { ReadMode::Token } else { ReadMode::WaitVersion };
        let s = run(&p, seed, 45, &mut |_| {});
        for a in s.answers().iter() {
            prop_assert!(!matches!(a.result, ReadResult::Stale { .. }), "{:?}", a);
        }
        prop_assert_eq!(s.reads().stale, 0);
    }
}

/// The damage the toggles show, on fixed runs: without idempotency a redelivery is counted
/// twice; with the note's two topics nothing is ever projected and reads are stale.
#[test]
fn duplicates_without_idempotency_and_the_notes_topics_do_damage() {
    let p = CqrsParams {
        idempotent: false,
        ..CqrsParams::default()
    };
    let mut s = Cqrs::new(&p, 6).unwrap();
    for _ in 0..200 {
        s.step();
    }
    s.apply(&Fault::new("duplicates")).unwrap();
    for _ in 0..50 {
        s.step();
    }
    assert!(s.projector(Model::ByUser).duplicates_applied > 0);
    assert!(
        models_equal_truth(&s).is_err(),
        "re-applied events change the models"
    );

    let split = CqrsParams {
        split_topics: true,
        ..CqrsParams::default()
    };
    let mut t = Cqrs::new(&split, 4).unwrap();
    for _ in 0..100 {
        t.step();
    }
    assert_eq!(t.projector(Model::ByUser).next, 0);
    assert_eq!(t.lag(Model::ByUser), t.log().len() as u64);
    assert_eq!(t.reads().fresh, 0);
    assert!(t.reads().stale > 90);
}

/// The amount of the payment a preset's crash fell on (replayed step by step).
fn lost_payment(preset: &pipelab_core::sim::Preset) -> i64 {
    let (params, faults) = preset.load::<CqrsParams>();
    let mut s = Cqrs::new(&params, preset.seed).expect("valid preset");
    for step in 1..=preset.step {
        s.step();
        for f in faults.iter().filter(|f| f.step == step) {
            s.apply(&f.fault).expect("the fault applies");
        }
        if let Some(h) = s.last().handled.iter().find(|h| h.crashed) {
            if let pipelab_core::orders::Command::Pay { amount_cents } = h.command {
                return amount_cents;
            }
        }
    }
    panic!("no crash before step {}", preset.step)
}

/// Each preset lands on what its description promises.
#[test]
fn presets_land_on_what_they_describe() {
    use pipelab_core::sim::Timeline;
    for preset in Cqrs::presets() {
        let (params, faults) = preset.load::<CqrsParams>();
        let s = Cqrs::new(&params, preset.seed).expect("valid preset");
        let mut t = Timeline::new(s, faults);
        t.seek(preset.step);
        let s = t.current();
        let r = s.reads();
        match preset.name {
            "stale-reads" => assert!(r.stale * 2 > r.issued, "{r:?}"),
            "wait-version" => assert!(r.stale == 0 && r.fresh > 0 && r.longest_wait > 0, "{r:?}"),
            "burst" => {
                let peak = s.samples().iter().map(|x| x.lag_by_user).max().unwrap_or(0);
                assert!(peak > 100, "the burst's lag peaks at {peak}");
                assert!(
                    s.lag(Model::ByUser) < 20,
                    "and drains: {}",
                    s.lag(Model::ByUser)
                );
            }
            "rebuild" => {
                assert_eq!(s.projector(Model::ByUser).rebuilds, 1);
                assert!(
                    s.lag(Model::ByUser) > 0,
                    "still rebuilding at step {}",
                    preset.step
                );
            }
            "duplicates" => assert!(s.projector(Model::ByUser).duplicates_applied > 0),
            "split-topics" => assert_eq!(r.fresh, 0),
            "dual-write" => {
                assert_eq!((s.crashes(), s.lost()), (1, 1));
                assert!(read_model_matches_write_model(s).is_err());
                // Both final-truth badges are short by exactly the lost payment (the
                // tour's last slide), even once the lag drains.
                let d = s.drained();
                let short_spent =
                    d.projector(Model::ByUser).money_total - d.truth_head().spent_total;
                let short_revenue =
                    d.projector(Model::RevenueByDay).money_total - d.truth_head().revenue_total;
                assert!(short_spent < 0, "{short_spent}");
                assert_eq!(short_spent, short_revenue);
                let lost = lost_payment(preset);
                assert_eq!(short_spent, -lost);
            }
            other => panic!("preset {other} has no check"),
        }
    }
}

/// The dual write (save, then send) loses the payment a crash falls on, for good: the write
/// model has it, the log never does, and the drained read model is short of its money. The
/// same run with the outbox loses nothing: the event reaches the log a step late.
#[test]
fn the_dual_write_loses_a_payment_and_the_outbox_does_not() {
    use pipelab_core::patterns::cqrs::scenario::Published;
    for outbox in [false, true] {
        let p = CqrsParams {
            outbox,
            ..CqrsParams::default()
        };
        let mut s = Cqrs::new(&p, 3).unwrap();
        for _ in 0..20 {
            s.step();
        }
        s.apply(&Fault::new("crash-before-send")).unwrap();
        assert!(
            s.apply(&Fault::new("crash-before-send")).is_err(),
            "armed once"
        );
        let mut crashed = None;
        for _ in 0..200 {
            s.step();
            if let Some(h) = s.last().handled.iter().find(|h| h.crashed) {
                crashed = Some(*h);
                break;
            }
        }
        let h = crashed.expect("a payment came");
        let amount = match h.command {
            pipelab_core::orders::Command::Pay { amount_cents } => amount_cents,
            c => panic!("the crash hit {c:?}, not a payment"),
        };
        let narration = s.narrate();
        if outbox {
            assert_eq!(h.result, Ok(Published::Outbox));
            assert!(narration.contains("nothing is lost"), "{narration}");
            assert_eq!(
                s.outbox().len(),
                s.last().handled.len() - s.last().handled.iter().position(|x| x.crashed).unwrap()
            );
            s.step();
            assert!(s.last().relayed.is_some());
            assert!(
                s.narrate().starts_with("The process is back"),
                "{}",
                s.narrate()
            );
            assert_eq!(nothing_lost(&s), Ok(()));
            assert_eq!(read_model_matches_write_model(&s), Ok(()));
        } else {
            assert_eq!(h.result, Ok(Published::Lost));
            assert!(narration.contains("the event is lost"), "{narration}");
            assert_eq!(s.lost(), 1);
            for _ in 0..100 {
                s.step();
            }
            let d = s.drained();
            let by_user = d.projector(Model::ByUser);
            assert_eq!(
                by_user.money_total - d.truth_head().spent_total,
                -amount,
                "the read model is short of exactly the lost payment"
            );
            assert!(read_model_matches_write_model(&s).is_err());
        }
    }
}

/// The tour's "Stale reads" slide lands on a stale read after a write (the text says most
/// reads are stale and the client sees the previous version), and the next slide ("wait
/// for your version") lands on a read that waited and saw its write, with its own
/// narration. Each slide's link is decoded and its state built as the page would.
#[test]
fn the_tour_slides_on_stale_reads_and_waiting_land_where_their_text_says() {
    use pipelab_core::learn::content::tour;
    use pipelab_core::link;
    use pipelab_core::sim::Timeline;
    let t = tour("cqrs").expect("a cqrs tour").expect("it reads");
    let open = |title: &str| {
        let slide = t
            .slides
            .iter()
            .find(|s| s.title == title)
            .unwrap_or_else(|| panic!("no slide {title}"));
        let d = link::decode::<CqrsParams>(slide.query(), Cqrs::fault_specs());
        assert!(d.ignored.is_empty(), "{:?}", d.ignored);
        let s = Cqrs::new(&d.state.params, d.state.seed).expect("valid");
        let mut tl = Timeline::new(s, d.state.faults.clone());
        tl.seek(d.state.step);
        assert_eq!(tl.step(), d.state.step);
        tl.current().clone()
    };
    let stale = open("Stale reads");
    let answers = &stale.last().answers;
    assert!(
        answers
            .iter()
            .any(|a| matches!(a.result, ReadResult::Stale { .. })),
        "the landing step shows a stale read: {answers:?}"
    );
    assert!(
        stale.narrate().contains("a stale read"),
        "{}",
        stale.narrate()
    );
    assert!(
        stale.reads().stale * 2 > stale.reads().issued,
        "most reads are stale"
    );
    let wait = open("Fix: wait for your version");
    assert_eq!(wait.reads().stale, 0);
    assert!(wait
        .last()
        .answers
        .iter()
        .any(|a| a.answered > a.read.issued && a.result == ReadResult::Fresh));
    assert!(
        wait.narrate().contains("after waiting"),
        "{}",
        wait.narrate()
    );
    assert_ne!(stale.narrate(), wait.narrate());
}

/// Issue 22: a rebuild from position 0 assumes the log keeps every event. The crash's
/// narration says so and counts what Kafka's default retention (7 days, 5,040 steps here)
/// would already have deleted; before 7 days it deletes nothing yet. The old narration
/// said neither.
#[test]
fn the_rebuild_narration_says_what_retention_and_compaction_would_do() {
    for (commands, at) in [(2_000u64, 300u64), (8_000, 6_000)] {
        let p = CqrsParams {
            commands,
            batch: 40,
            ..CqrsParams::default()
        };
        let mut s = Cqrs::new(&p, 2).unwrap();
        for _ in 0..at {
            s.step();
        }
        let cutoff =
            pipelab_core::patterns::cqrs::scenario::START_MS + at as i64 * 120_000 - 7 * 86_400_000;
        let old = s.log().iter().filter(|e| e.at_ms < cutoff).count() as u64;
        s.apply(&Fault::new("crash-projector")).unwrap();
        let n = s.narrate();
        assert!(n.contains("unlimited retention"), "{n}");
        assert!(n.contains("retention.ms, 7 days: 5,040 steps here"), "{n}");
        assert!(n.contains("cleanup.policy=compact"), "{n}");
        if at < 5_040 {
            assert_eq!(old, 0);
            assert!(n.contains("would not have deleted any of them yet"), "{n}");
        } else {
            assert!(old > 0);
            let want = format!(
                "the oldest {} of them would already be deleted",
                pipelab_core::format::count(old)
            );
            assert!(n.contains(&want), "{n}");
        }
    }
}
