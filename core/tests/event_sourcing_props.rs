//! Property tests of event sourcing's invariants (PRODUCT.md: event-sourcing), checked
//! against `oracle::orders`, which folds the stored JSON with its own transition table.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::orders::Ledger;
use pipelab_core::orders::{Command, Status};
use pipelab_core::patterns::event_sourcing::scenario::Outcome;
use pipelab_core::patterns::event_sourcing::{EsParams, EventSourcing};
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

fn params(bits: u64, commands: u64) -> EsParams {
    EsParams {
        commands,
        open: 1 + (bits % 9) as u32,
        items: 1 + (bits / 9 % 30) as u32,
        snapshot_every: (bits / 300 % 12) as u32,
        invalid_share: (bits / 4000 % 5) as f64 * 0.1,
        cancel_share: 0.2,
        v1_share: (bits / 20_000 % 3) as f64 * 0.2,
        users: 20,
        full_scan: (bits / 60_000).is_multiple_of(5),
    }
}

const FAULTS: [&str; 3] = ["concurrent-writer", "crash-snapshot", "v1-event"];

/// Runs `steps` steps with a fault every so often (a refused fault is fine).
fn run(p: &EsParams, seed: u64, fault_every: u64) -> EventSourcing {
    let mut s = EventSourcing::new(p, seed).expect("valid");
    for i in 0..p.commands {
        s.step();
        if fault_every > 0 && i % fault_every == fault_every - 1 {
            let _ = s.apply(&Fault::new(FAULTS[(i / fault_every % 3) as usize]));
        }
    }
    s
}

/// The oracle's fold of the whole log.
fn ledger(s: &EventSourcing) -> Ledger {
    let mut l = Ledger::new();
    for pos in 0..s.store().len() {
        let e = s.store().event(pos).expect("in the log");
        l.apply(e.order, &e.body.json())
            .expect("every stored event is allowed");
    }
    l
}

fn event_kind(c: &Command) -> (&'static str, Option<i64>) {
    match *c {
        Command::Create { .. } => ("OrderCreated", None),
        Command::AddItem { amount_cents } => ("ItemAdded", Some(amount_cents)),
        Command::Pay { amount_cents } => ("OrderPaid", Some(amount_cents)),
        Command::Ship => ("OrderShipped", None),
        Command::Cancel => ("OrderCancelled", None),
    }
}

fn same(o: &pipelab_core::oracle::orders::OrderFold, s: &pipelab_core::orders::OrderState) -> bool {
    let stage = match s.status {
        Status::None => "",
        Status::Open => "open",
        Status::Paid => "paid",
        Status::Shipped => "shipped",
        Status::Cancelled => "cancelled",
    };
    (
        o.stage,
        o.user,
        o.items,
        o.total_cents,
        o.paid_cents,
        o.events,
    ) == (
        stage,
        s.user,
        s.items,
        s.total_cents,
        s.paid_cents,
        s.version,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every snapshot replayed to the head gives the same state as replaying the order from
    /// its first event, and both equal the oracle's fold; loading with snapshots, without,
    /// and by the note's scan all agree.
    #[test]
    fn replay_from_any_snapshot_equals_replay_from_zero(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 50u64..700,
        fault_every in 0u64..60,
    ) {
        let mut p = params(bits, commands);
        p.snapshot_every += 1;
        let s = run(&p, seed, fault_every);
        let store = s.store();
        let truth = ledger(&s);
        for i in 0..store.snapshot_count() {
            let snap = *store.snapshot(i).expect("listed");
            let from_zero = store.load(snap.order, false);
            let from_snap = store.load_from(&snap);
            prop_assert_eq!(from_snap.state, from_zero.state, "snapshot {} of order #{}", snap.version, snap.order);
            prop_assert!(from_snap.read <= from_zero.read);
            // The snapshot itself is the fold up to its version.
            let at = store.load_as_of(snap.order, snap.pos);
            prop_assert_eq!(at.state, snap.state);
        }
        for order in 1..=s.orders() {
            let o = truth.get(order);
            let fast = store.load(order, true);
            prop_assert!(same(&o, &fast.state), "order #{}: oracle {:?}, store {:?}", order, o, fast.state);
            prop_assert_eq!(store.load(order, false).state, fast.state);
            prop_assert_eq!(store.load_by_scan(order).state, fast.state);
            prop_assert_eq!(s.known(order), fast.state);
        }
    }

    /// A command the oracle's table refuses never appends; one it allows appends exactly
    /// one event (unless it lost a version race).
    #[test]
    fn invalid_commands_never_append(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 50u64..500,
        fault_every in 0u64..40,
    ) {
        let p = params(bits, commands);
        let mut s = EventSourcing::new(&p, seed).expect("valid");
        let mut truth = Ledger::new();
        let (mut refused, mut allowed) = (0, 0);
        for i in 0..p.commands {
            let before = s.store().len();
            if fault_every > 0 && i % fault_every == fault_every - 1 {
                if s.apply(&Fault::new(FAULTS[(i / fault_every % 3) as usize])).is_err() {
                    // A refused fault changes nothing (its `last` is the previous one's).
                    prop_assert_eq!(s.store().len(), before);
                    continue;
                }
            } else {
                s.step();
            }
            let mut len = before;
            for h in &s.last().handled {
                let (kind, amount) = event_kind(&h.command);
                let ok = truth.allows(h.order, kind, amount);
                match h.outcome {
                    Outcome::Rejected(r) => {
                        prop_assert!(!ok, "order #{}: {:?} refused ({}) but the oracle allows it", h.order, h.command, r.reason());
                        refused += 1;
                    }
                    Outcome::Appended { pos, .. } => {
                        prop_assert!(ok, "order #{}: {:?} appended but the oracle refuses it", h.order, h.command);
                        prop_assert_eq!(pos, len);
                        let e = s.store().event(pos).expect("appended");
                        truth.apply(e.order, &e.body.json()).expect("allowed");
                        len += 1;
                        allowed += 1;
                    }
                    Outcome::Conflict(_) => {}
                }
            }
            prop_assert_eq!(s.store().len(), len, "the log grew by more than the appends");
        }
        prop_assert_eq!(s.totals().rejected, refused);
        prop_assert!(allowed > 0);
    }

    /// A temporal query returns the oracle's fold of the order's events up to that event.
    #[test]
    fn state_as_of_any_event_is_the_fold_of_the_events_before_it(
        seed in any::<u64>(),
        bits in any::<u64>(),
        commands in 30u64..400,
        probe in any::<u64>(),
    ) {
        let p = params(bits, commands);
        let s = run(&p, seed, 25);
        let store = s.store();
        prop_assume!(!store.is_empty());
        let pos = probe % store.len();
        let order = store.event(pos).expect("in the log").order;
        let mut truth = Ledger::new();
        for q in 0..=pos {
            let e = store.event(q).expect("in the log");
            truth.apply(e.order, &e.body.json()).expect("allowed");
        }
        let at = store.load_as_of(order, pos);
        prop_assert!(same(&truth.get(order), &at.state), "as of {}: oracle {:?}, store {:?}", pos, truth.get(order), at.state);
    }
}

/// The fault buttons do what they say on a fixed run.
#[test]
fn a_race_conflicts_then_retries_and_a_crash_skips_one_snapshot() {
    let p = EsParams {
        snapshot_every: 3,
        invalid_share: 0.0,
        ..EsParams::default()
    };
    let mut s = EventSourcing::new(&p, 4).unwrap();
    for _ in 0..10 {
        s.step();
    }
    s.apply(&Fault::new("concurrent-writer")).unwrap();
    let h = s.last().handled.clone();
    assert_eq!(h.len(), 2);
    assert!(matches!(h[0].outcome, Outcome::Appended { .. }));
    assert!(matches!(h[1].outcome, Outcome::Conflict(c) if c.actual == c.expected + 1));
    assert_eq!(h[0].loaded_version, h[1].loaded_version);
    assert!(s.is_notable());
    s.step();
    assert!(s.last().retry);
    assert_eq!(s.last().handled[0].loaded_version, h[0].loaded_version + 1);
    assert_eq!(s.totals().retries, 1);

    let snaps = s.totals().snapshots;
    s.apply(&Fault::new("crash-snapshot")).unwrap();
    while s.totals().crashes == 0 {
        s.step();
    }
    assert_eq!(s.totals().snapshots, snaps, "the crash wrote no snapshot");
    let order = s.focus().unwrap();
    // The log still has the event; the next load reads past the missing snapshot.
    assert_eq!(s.store().load(order, true).state, s.known(order));

    let none = EsParams {
        snapshot_every: 0,
        ..EsParams::default()
    };
    let mut t = EventSourcing::new(&none, 4).unwrap();
    assert!(t.apply(&Fault::new("crash-snapshot")).is_err());
    t.step();
    t.apply(&Fault::new("v1-event")).unwrap();
    assert!(matches!(
        t.last().handled[0].outcome,
        Outcome::Appended { schema: 1, .. }
    ));
}

/// Each preset lands on what its description promises.
#[test]
fn presets_land_on_what_they_describe() {
    use pipelab_core::sim::Timeline;
    for preset in EventSourcing::presets() {
        let (params, faults) = preset.load::<EsParams>();
        let s = EventSourcing::new(&params, preset.seed).expect("valid preset");
        let mut t = Timeline::new(s, faults);
        t.seek(preset.step);
        let s = t.current();
        let tot = s.totals();
        let n = tot.commands.max(1);
        match preset.name {
            "long-orders" => assert!(
                tot.read.snapshot * 3 < tot.read.stream,
                "snapshots save most of the reading: {:?}",
                tot.read
            ),
            "full-scan" => {
                assert_eq!(tot.read.actual, tot.read.scan);
                assert!(tot.read.scan / n > 100, "{:?}", tot.read);
            }
            "conflict" => {
                assert_eq!(tot.conflicts, 1);
                assert!(s.pending_retry().is_some());
            }
            "crash" => {
                assert!(s.crash_armed());
                t.seek_next_notable(10_000);
                assert_eq!(t.current().totals().crashes, 1);
            }
            "old-events" => assert!(tot.v1_events * 8 > tot.appended && tot.upcasts > 0),
            "invalid" => assert!(tot.rejected * 5 > n, "{} of {n} refused", tot.rejected),
            other => panic!("preset {other} has no check"),
        }
    }
}
