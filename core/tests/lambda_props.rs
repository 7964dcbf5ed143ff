//! Property tests of Lambda's invariants (PRODUCT.md: lambda).
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::patterns::lambda::{Lambda, LambdaParams};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

/// Params whose speed layer keeps enough to never lose an event: retention covers a period,
/// a batch run, the lateness and a window.
fn params(bits: u64, events: u64, lateness_s: i64) -> LambdaParams {
    let period = 10 + (bits % 50) as i64;
    let batch = (bits / 7 % period as u64) as i64;
    let size = 1 + (bits / 11 % 20) as i64;
    LambdaParams {
        period_min: period,
        batch_min: batch,
        size_min: size,
        retention_min: period + batch + lateness_s / 60 + size + 2,
        events,
        users: 5 + (bits % 30) as u32,
        interval_s: 5 + (bits / 13 % 40) as i64,
        late_share: 0.3,
        lateness_s,
        dup_share: 0.05,
        union_all: false,
    }
}

/// Every window's served answer against the truth so far, checked one by one.
fn all_correct(l: &Lambda) -> Result<(), String> {
    for w in 0..l.windows_seen() {
        let (s, t) = (l.serving(w), l.truth_so_far(w));
        if s != t {
            return Err(format!("window {w}: served {s:?}, truth so far {t:?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Right after each batch run is served, every window's answer equals the truth so far.
    #[test]
    fn serving_equals_the_truth_so_far_right_after_each_batch_run(
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 100u64..1500,
        lateness_s in 0i64..1800,
    ) {
        let p = params(bits, events, lateness_s);
        let mut l = Lambda::new(&p, seed).expect("valid");
        let mut served = 0;
        for _ in 0..l.total_steps() {
            l.step();
            if l.last().batch_served.is_some() {
                served += 1;
                prop_assert_eq!(all_correct(&l), Ok(()));
                prop_assert_eq!(l.errors(), (0, 0));
            }
        }
        // Without faults the speed layer keeps serving exact answers between runs too.
        prop_assert_eq!(all_correct(&l), Ok(()));
        let _ = served;
    }

    /// The note's UNION ALL: right after a batch run is served, the error is exactly the
    /// events before the cut-off that the speed layer still holds (counted twice).
    #[test]
    fn the_pitfalls_error_is_exactly_the_overlap_it_double_counts(
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 200u64..1500,
    ) {
        let p = LambdaParams { union_all: true, ..params(bits, events, 600) };
        let size_ms = p.size_min * 60_000;
        let mut l = Lambda::new(&p, seed).expect("valid");
        let mut checked = 0;
        for _ in 0..l.total_steps() {
            l.step();
            if l.last().batch_served.is_some() {
                let cutoff = l.served().cutoff;
                let overlap: u64 = l
                    .speed()
                    .current
                    .iter()
                    .map(|(w, _)| l.truth().window(*w as i64 * size_ms, cutoff, &[]).events)
                    .sum();
                prop_assert_eq!(l.errors().0, overlap as i64);
                prop_assert_eq!(l.last().double_counted, Some(overlap as i64));
                checked += 1;
            }
        }
        prop_assume!(checked > 0);
    }

    /// Redelivering events (same ids) at any steps changes no answer.
    #[test]
    fn duplicates_never_change_a_correct_answer(
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 100u64..1000,
        at in prop::collection::vec(0u64..1000, 1..6),
    ) {
        let p = params(bits, events, 300);
        let mut calm = Lambda::new(&p, seed).expect("valid");
        let mut noisy = calm.clone();
        for step in 0..calm.total_steps() {
            if at.iter().any(|a| a % events == step) {
                let _ = noisy.apply(&Fault::new("duplicates"));
            }
            calm.step();
            noisy.step();
        }
        for w in 0..calm.windows_seen().max(noisy.windows_seen()) {
            prop_assert_eq!(calm.serving(w), noisy.serving(w), "window {}", w);
        }
        prop_assert_eq!(noisy.errors(), (0, 0));
    }

    /// A speed-layer crash loses answers only until a batch run that started after the
    /// crash is served.
    #[test]
    fn a_speed_crash_heals_when_a_later_batch_run_is_served(
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 300u64..1500,
        crash_at in 1u64..1500,
    ) {
        // No repeats: a crash also empties the speed layer's id filter.
        let p = LambdaParams { dup_share: 0.0, ..params(bits, events, 300) };
        let crash_at = crash_at % events;
        let mut l = Lambda::new(&p, seed).expect("valid");
        let mut started_after = false;
        let mut crash_ms = 0;
        for step in 0..l.total_steps() {
            if step == crash_at {
                l.apply(&Fault::new("crash-speed")).expect("always applies");
                crash_ms = l.log().head_time().0;
            }
            l.step();
            if step >= crash_at && l.last().batch_started.is_some() {
                started_after = true;
            }
            if started_after && l.last().batch_served.is_some() {
                prop_assert_eq!(all_correct(&l), Ok(()));
                prop_assert_eq!(l.errors(), (0, 0), "the kept error agrees");
                return Ok(());
            }
        }
        // Not healed: only allowed if the run ended before a whole cycle could pass.
        let cycle_ms = (2 * p.period_min + p.batch_min) * 60_000;
        prop_assert!(
            l.log().head_time().0 - crash_ms < cycle_ms,
            "no batch run was served within {} min of the crash", cycle_ms / 60_000
        );
    }
}

#[test]
fn a_crash_loses_recent_answers_and_very_late_events_wait_for_the_batch() {
    let p = LambdaParams::default();
    let mut l = Lambda::new(&p, 42).expect("valid");
    for _ in 0..800 {
        l.step();
    }
    assert_eq!(l.errors(), (0, 0));
    l.apply(&Fault::new("crash-speed")).unwrap();
    assert!(
        l.errors().0 < 0,
        "the speed layer's events are gone: {:?}",
        l.errors()
    );
    let mut l2 = Lambda::new(&p, 42).expect("valid");
    for _ in 0..1500 {
        l2.step();
    }
    l2.apply(&Fault::new("very-late")).unwrap();
    assert_eq!(
        l2.errors().0,
        -8,
        "all 8 very late events are missing from serving"
    );
    // A run that started before they arrived does not have them; the next one does.
    let mut started_after = false;
    while !(started_after && l2.last().batch_served.is_some()) {
        l2.step();
        started_after |= l2.last().batch_started.is_some();
        if l2.last().batch_served.is_some() && !started_after {
            assert_eq!(
                l2.errors().0,
                -8,
                "a run cut off before them cannot have them"
            );
        }
    }
    assert_eq!(
        l2.errors(),
        (0, 0),
        "the batch run read them from the master log"
    );
}

mod compare {
    use super::*;
    use pipelab_core::patterns::lambda::compare::{closed_now, LambdaVsKappa, LambdaVsKappaParams};
    use pipelab_core::sim::compare::Compare;
    use pipelab_core::sim::Params;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        /// /compare/lambda-vs-kappa judges every closed window each frame in one ordered walk
        /// (`closed_now`); it must count what a search per window counts.
        #[test]
        fn the_walk_over_closed_windows_counts_what_a_search_per_window_counts(
            seed in any::<u64>(),
            steps in 1u64..3_000,
            delay_s in 0u32..900,
            size_min in 1u32..15,
            faults in prop::collection::vec((0u64..3_000, 0usize..3), 0..4),
            // Very late events (3 hours back) land in closed windows once the run is
            // that long: the final truths then include events the tape never had.
            late_at in prop::option::of(2_000u64..3_000),
        ) {
            let mut p = LambdaVsKappaParams::default();
            p.set("events", "3000").unwrap();
            let faults: Vec<(u64, usize)> = faults.into_iter().chain(late_at.map(|at| (at, 2))).collect();
            p.set("b.delay", &delay_s.to_string()).unwrap();
            p.set("size", &size_min.to_string()).unwrap();
            let mut c = Compare::<LambdaVsKappa>::new(&p, seed).unwrap();
            for k in 0..steps {
                for (at, kind) in &faults {
                    if *at == k {
                        let _ = c.apply(&Fault::new(["crash", "duplicates", "very-late"][*kind]));
                    }
                }
                c.step();
            }
            let (a, b) = (&c.a, &c.b);
            let got = closed_now(a, b);
            let size = a.params().size_min * 60_000;
            let head = a.log().head_time().0;
            let windows = usize::try_from(head.div_euclid(size)).unwrap_or(0).min(a.windows_seen());
            prop_assert_eq!(got.windows, windows);
            let (mut a_ok, mut b_ok, mut disagree) = (0, 0, 0);
            for w in 0..windows {
                let start = w as i64 * size;
                let t = a.truth().window_final(start, a.extra());
                let served = a.serving(w);
                let kappa = b.live().output.iter().find(|r| r.key.start_ms == start).map(|r| r.agg);
                let right = |g: (u64, i64)| g == (t.events, t.revenue_cents);
                a_ok += usize::from(right((served.events, served.revenue_cents)));
                b_ok += usize::from(kappa.is_some_and(|k| right((k.events, k.revenue_cents))));
                disagree += u64::from(kappa != Some(served));
            }
            prop_assert_eq!((got.a_ok, got.b_ok, got.disagree), (a_ok, b_ok, disagree));
        }
    }
}
