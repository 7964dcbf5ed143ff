//! Property tests of the Kappa processor's invariants (PRODUCT.md: kappa).
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::patterns::kappa::{Kappa, KappaParams, KappaView, LateRecord};
use pipelab_core::sim::{Fault, Scenario};
use pipelab_core::stream::{EventLog, Rule, WindowKind};
use proptest::prelude::*;

fn kind_strategy() -> impl Strategy<Value = WindowKind> {
    prop::sample::select(vec![
        WindowKind::Tumbling,
        WindowKind::Sliding,
        WindowKind::Session,
    ])
}

/// Small windows and a fast stream so a few hundred events close many windows.
fn params(kind: WindowKind, seed_bits: u64, events: u64) -> KappaParams {
    KappaParams {
        window: kind,
        size_min: 2 + (seed_bits % 5) as i64,
        slide_min: 1 + (seed_bits % 2) as i64,
        gap_min: 1 + (seed_bits % 3) as i64,
        users: 5 + (seed_bits % 20) as u32,
        interval_s: 5 + (seed_bits % 20) as i64,
        events,
        ..KappaParams::default()
    }
}

fn run_faults(p: &KappaParams, seed: u64, faults: &[(u64, &str)]) -> Kappa {
    let mut k = Kappa::new(p, seed).expect("valid params");
    for step in 0..k.total_steps() {
        for (at, kind) in faults {
            if *at == step {
                let _ = k.apply(&Fault::new(kind));
            }
        }
        k.step();
    }
    k
}

fn results(v: &KappaView) -> Vec<(i64, i64, u32, u64, i64)> {
    v.live
        .output
        .iter()
        .map(|r| {
            (
                r.key.start_ms,
                r.key.end_ms,
                r.key.user,
                r.agg.events,
                r.agg.revenue_cents,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// With allowed delay ≥ maximum lateness, whatever the arrival order within that
    /// bound, every window (of every kind) equals the final truth and none is missing.
    #[test]
    fn windows_equal_final_truth_when_the_delay_covers_the_lateness(
        kind in kind_strategy(),
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 50u64..700,
        lateness_s in 0i64..900,
        extra_delay_s in 0i64..300,
        late_share in 0.0f64..0.6,
        dups in 0.0f64..0.3,
    ) {
        let p = KappaParams {
            lateness_s,
            delay_s: lateness_s + extra_delay_s,
            late_share,
            dup_share: dups,
            ..params(kind, bits, events)
        };
        let k = run_faults(&p, seed, &[]);
        let v = k.view();
        prop_assert_eq!(v.live.late.len(), 0, "no event may be late");
        for r in v.live.output.iter() {
            let (ok, delta, truth) = v.truth.judge(v.live.version, r);
            prop_assert!(ok, "{:?} differs from the truth {:?} by {}", r, truth, delta);
        }
        prop_assert_eq!(v.missing, Some(0), "every final window was emitted");
        prop_assert_eq!(v.live.score.wrong, 0);
    }

    /// A duplicate delivery never changes any result.
    #[test]
    fn duplicates_never_change_a_result(
        kind in kind_strategy(),
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 50u64..500,
        dups in 0.01f64..0.5,
    ) {
        let base = params(kind, bits, events);
        let clean = run_faults(&KappaParams { dup_share: 0.0, ..base.clone() }, seed, &[]);
        // The same originals arrive in the same order with repeats among them: run the
        // noisy input up to its `events`-th original.
        let noisy_params = KappaParams { dup_share: dups, ..base };
        let tape = EventLog::generate(noisy_params.workload(), seed, events * 2);
        let mut originals = 0;
        let upto = tape.tape().iter().position(|e| {
            originals += u64::from(!e.duplicate);
            originals == events
        });
        let upto = upto.map_or(events * 2, |i| i as u64 + 1);
        let noisy = run_faults(&KappaParams { events: upto, ..noisy_params }, seed, &[]);
        prop_assert_eq!(results(&clean.view()), results(&noisy.view()));
        prop_assert!(noisy.view().live.duplicates > 0 || upto == events);
        prop_assert_eq!(clean.view().live.late.len(), noisy.view().live.late.len());
    }

    /// For tumbling windows, the emitted total falls short of the final truth by exactly
    /// the late events whose window was emitted (each belongs to one window that closed
    /// without it); a late event whose window never held an on-time event has no result
    /// to fall short — that window is counted as missing instead.
    #[test]
    fn the_error_of_tumbling_windows_is_exactly_the_late_events(
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 50u64..700,
        delay_s in 0i64..120,
    ) {
        let p = KappaParams {
            delay_s,
            lateness_s: 600,
            late_share: 0.3,
            ..params(WindowKind::Tumbling, bits, events)
        };
        let v = run_faults(&p, seed, &[]).view();
        let size_ms = p.size_min * 60_000;
        let emitted: Vec<i64> = v.live.output.iter().map(|r| r.key.start_ms).collect();
        let (in_emitted, orphans): (Vec<&LateRecord>, Vec<&LateRecord>) = v.live.late.iter().partition(|l| {
            let t = l.event.event_time.0;
            emitted.contains(&(t - t.rem_euclid(size_ms)))
        });
        prop_assert_eq!(v.live.score.delta_events, -(in_emitted.len() as i64));
        if !orphans.is_empty() {
            prop_assert!(v.missing.unwrap_or(0) > 0, "their windows are missing");
        }
    }

    /// A crash at any step, restarting from the last checkpoint, ends with the same
    /// results as a run that never crashed (state and offset are restored together). With
    /// an exactly-once sink the output is exactly the same; with an at-least-once sink it
    /// is the same once the repeats (results written again after the restore) are left out,
    /// and every repeat is a copy of a result written before it.
    #[test]
    fn a_crash_and_restart_changes_no_result(
        kind in kind_strategy(),
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 50u64..500,
        crash_at in 0u64..500,
        crash_again in 0u64..500,
        checkpoint in 10u64..200,
        exactly_once in any::<bool>(),
    ) {
        let p = KappaParams {
            checkpoint_events: checkpoint,
            exactly_once,
            ..params(kind, bits, events)
        };
        let calm = run_faults(&p, seed, &[]);
        let crashed = run_faults(&p, seed, &[(crash_at % events, "crash"), (crash_again % events, "crash")]);
        let v = crashed.view();
        let firsts: Vec<_> = v.live.output.iter().filter(|r| !r.repeat).copied().collect();
        let calm_out: Vec<_> = calm.view().live.output.iter().copied().collect();
        prop_assert_eq!(firsts, calm_out);
        let out: Vec<_> = v.live.output.iter().copied().collect();
        for (i, r) in out.iter().enumerate().filter(|(_, r)| r.repeat) {
            prop_assert!(!exactly_once, "an exactly-once sink writes nothing twice");
            prop_assert!(out[..i].iter().any(|o| !o.repeat && o.key == r.key && o.agg == r.agg));
        }
        prop_assert_eq!(v.live.score.repeated, out.iter().filter(|r| r.repeat).count() as u64);
    }

    /// Reprocessing: after v2 replays from offset 0 and readers switch, the output is the
    /// output of a v2 job that ran from the start.
    #[test]
    fn reprocessing_equals_running_the_new_version_from_the_start(
        kind in kind_strategy(),
        seed in any::<u64>(),
        bits in any::<u64>(),
        events in 50u64..500,
        deploy_at in 0u64..500,
    ) {
        let p = params(kind, bits, events);
        let upgraded = run_faults(&p, seed, &[(deploy_at % events, "code-version")]).view();
        let v2 = run_faults(&KappaParams { version: Rule::V2, ..p }, seed, &[]).view();
        prop_assert_eq!(upgraded.live.version, Rule::V2);
        prop_assert!(upgraded.next.is_none());
        prop_assert_eq!(results(&upgraded), results(&v2));
    }
}

#[test]
fn the_notes_source_is_rejected_and_nothing_runs() {
    let p = KappaParams {
        latest_offset: true,
        events: 600,
        ..KappaParams::default()
    };
    let k = run_faults(&p, 42, &[(300, "code-version")]);
    let v = k.view();
    assert!(v.live.output.is_empty(), "the planner rejected the job");
    assert_eq!((v.live.read, v.live.open_windows), (0, 0));
    assert_eq!(
        v.live.version,
        Rule::V1,
        "v2 with the same source is rejected too"
    );
    assert!(v.next.is_none());
    let correct = run_faults(
        &KappaParams {
            latest_offset: false,
            ..p
        },
        42,
        &[],
    );
    let missing = correct.view().live.output.len();
    assert!(missing >= 9, "the correct job emits windows ({missing})");
    assert_eq!(v.missing, None, "nothing ran, so nothing is judged");
}

#[test]
fn a_late_burst_is_late_and_the_truth_counts_it() {
    let p = KappaParams {
        late_share: 0.0,
        events: 800,
        ..KappaParams::default()
    };
    let k = run_faults(&p, 42, &[(500, "late-burst")]);
    let v = k.view();
    assert_eq!(
        v.live.late.len(),
        12,
        "all of the burst is behind the watermark ({})",
        v.live.late.len()
    );
    // Each late event is missing from its window's result: the emitted total is short by
    // exactly the late ones.
    assert_eq!(v.live.score.delta_events, -(v.live.late.len() as i64));
    assert!(v.live.score.wrong > 0);
}
