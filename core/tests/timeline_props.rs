//! Property tests of the Timeline: exact time travel with faults, bounded replay.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::patterns::sharding::{Scheme, Sharding, ShardingParams};
use pipelab_core::sim::timeline::MIN_INTERVAL;
use pipelab_core::sim::{Fault, FaultAt, Scenario, Timeline};
use proptest::prelude::*;

fn snapshot(s: &Sharding) -> String {
    format!("{:?}|{}|{}", s.view(), s.narrate(), s.is_notable())
}

fn params(scheme: bool, shards: u32, events: u64) -> ShardingParams {
    ShardingParams {
        scheme: if scheme { Scheme::Ring } else { Scheme::ModN },
        shards,
        vnodes_per_shard: 8,
        users: 60,
        events,
        skew: 0.0,
        salt: 1,
    }
}

fn faults_strategy(max_step: u64) -> impl Strategy<Value = Vec<FaultAt>> {
    prop::collection::vec(
        (
            // Half the faults sit exactly on checkpoint boundaries, where an off-by-one
            // between "checkpoint taken" and "faults applied" would hide.
            prop_oneof![
                0..=max_step,
                (0..=max_step / MIN_INTERVAL).prop_map(|k| k * MIN_INTERVAL)
            ],
            prop::bool::ANY,
            prop::option::of(0u32..6),
        )
            .prop_map(|(step, add, arg)| FaultAt {
                step,
                fault: if add {
                    Fault::new("add-shard")
                } else {
                    Fault {
                        kind: "remove-shard".into(),
                        arg,
                    }
                },
            }),
        0..6,
    )
}

/// The reference: step a fresh scenario `n` times, applying recorded faults by hand.
fn naive_state(p: &ShardingParams, seed: u64, faults: &[FaultAt], n: u64) -> Sharding {
    let mut sorted = faults.to_vec();
    sorted.sort_by_key(|f| f.step);
    let mut s = Sharding::new(p, seed).expect("valid params");
    let apply_at = |s: &mut Sharding, step: u64| {
        for f in sorted.iter().filter(|f| f.step == step) {
            let _ = s.apply(&f.fault);
        }
    };
    apply_at(&mut s, 0);
    for i in 1..=n {
        s.step();
        apply_at(&mut s, i);
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn seek_equals_stepping_from_zero(
        ring in prop::bool::ANY, shards in 1u32..6, events in 1u64..400, seed in any::<u64>(),
        faults in faults_strategy(400), targets in prop::collection::vec(0u64..450, 1..6),
    ) {
        let p = params(ring, shards, events);
        let mut tl = Timeline::new(Sharding::new(&p, seed).expect("valid"), faults.clone());
        let kept: Vec<FaultAt> = faults.into_iter().filter(|f| f.step <= events).collect();
        for t in targets {
            tl.seek(t);
            let n = t.min(events);
            prop_assert_eq!(tl.step(), n);
            prop_assert_eq!(snapshot(tl.current()), snapshot(&naive_state(&p, seed, &kept, n)));
        }
    }

    #[test]
    fn step_back_then_forward_is_the_identity(
        ring in prop::bool::ANY, events in 2u64..300, seed in any::<u64>(),
        faults in faults_strategy(300), at in 1u64..300,
    ) {
        let p = params(ring, 3, events);
        let mut tl = Timeline::new(Sharding::new(&p, seed).expect("valid"), faults);
        tl.seek(at);
        let here = snapshot(tl.current());
        let step = tl.step();
        prop_assert!(tl.step_back());
        prop_assert_eq!(tl.step(), step - 1);
        prop_assert!(tl.step_forward());
        prop_assert_eq!(snapshot(tl.current()), here);
    }

    #[test]
    fn any_seek_in_a_built_run_replays_at_most_one_interval(
        events in 1u64..20_000, seed in any::<u64>(), targets in prop::collection::vec(0u64..20_000, 1..20),
    ) {
        let p = params(true, 4, events);
        let mut tl = Timeline::new(Sharding::new(&p, seed).expect("valid"), vec![]);
        while !tl.build(5_000) {}
        for t in targets {
            tl.reset_replay_count();
            tl.seek(t);
            prop_assert!(tl.replayed_steps() <= tl.interval(),
                "seek to {} replayed {} > interval {}", t, tl.replayed_steps(), tl.interval());
        }
    }

    #[test]
    fn injecting_a_fault_forks_the_future_and_keeps_the_past(
        seed in any::<u64>(), faults in faults_strategy(200), at in 0u64..200, back in 0u64..200,
    ) {
        let p = params(true, 3, 200);
        let mut tl = Timeline::new(Sharding::new(&p, seed).expect("valid"), faults);
        let earlier = back.min(at);
        tl.seek(earlier);
        let before = snapshot(tl.current());
        tl.seek(at);
        let later = tl.faults().iter().filter(|f| f.step > at).count();
        let out = tl.inject(Fault::new("add-shard")).expect("adding a shard always applies here");
        prop_assert_eq!(out.dropped_later_faults, later);
        prop_assert!(tl.faults().iter().all(|f| f.step <= at));
        prop_assert_eq!(tl.step(), at);
        prop_assert!(tl.current().narrate().contains("added"));
        if earlier < at {
            tl.seek(earlier);
            prop_assert_eq!(snapshot(tl.current()), before);
        }
    }

    #[test]
    fn removing_a_fault_equals_never_having_it(
        seed in any::<u64>(), faults in faults_strategy(200), at in 0u64..=200, which in 0usize..6,
    ) {
        let p = params(false, 4, 200);
        let mut tl = Timeline::new(Sharding::new(&p, seed).expect("valid"), faults);
        tl.seek(at);
        if which < tl.faults().len() {
            let mut rest = tl.faults().to_vec();
            rest.remove(which);
            tl.remove_fault(which);
            prop_assert_eq!(snapshot(tl.current()), snapshot(&naive_state(&p, seed, &rest, at)));
        }
    }
}

#[test]
fn narrations_do_not_move_the_current_step_and_match_stepping() {
    let p = params(true, 4, 500);
    let mut tl = Timeline::new(Sharding::new(&p, 9).expect("valid"), vec![]);
    tl.seek(300);
    let lines = tl.narrations(100, 110);
    assert_eq!(tl.step(), 300);
    assert_eq!(lines.len(), 11);
    tl.seek(105);
    assert_eq!(lines[5].1, tl.current().narrate());
}
