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
        split_topics: false,
    }
}

const FAULTS: [&str; 3] = ["crash-projector", "duplicates", "write-burst"];

fn run(p: &CqrsParams, seed: u64, fault_every: u64, check: &mut dyn FnMut(&Cqrs)) -> Cqrs {
    let mut s = Cqrs::new(p, seed).expect("valid");
    for i in 0..p.commands {
        s.step();
        if fault_every > 0 && i % fault_every == fault_every - 1 {
            let _ = s.apply(&Fault::new(FAULTS[(i / fault_every % 3) as usize]));
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
    let t = truth(s);
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

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
            other => panic!("preset {other} has no check"),
        }
    }
}
