//! Property tests of sharding's routing invariants (PRODUCT.md: sharding).
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::hash::key_hash;
use pipelab_core::oracle::sharding::{assign, moved_keys, Layout};
use pipelab_core::patterns::sharding::view::imbalance;
use pipelab_core::patterns::sharding::{Router, Scheme};
use proptest::prelude::*;

fn layout(scheme: Scheme, shards: Vec<u32>, vnodes: u32) -> Layout {
    match scheme {
        Scheme::ModN => Layout::ModN { shards },
        Scheme::Ring => Layout::Ring { shards, vnodes },
        Scheme::Rendezvous => Layout::Rendezvous { shards },
        Scheme::Jump => Layout::Jump { shards },
    }
}

fn scheme_strategy() -> impl Strategy<Value = Scheme> {
    prop::sample::select(Scheme::ALL.to_vec())
}

fn consistent_strategy() -> impl Strategy<Value = Scheme> {
    prop::sample::select(vec![Scheme::Ring, Scheme::Rendezvous, Scheme::Jump])
}

fn spread_keys(seed: u64, n: u64) -> Vec<u64> {
    (0..n)
        .map(|i| i.wrapping_mul(0x9E37_79B9).wrapping_add(seed))
        .collect()
}

/// Keys whose shard differs between two routers.
fn router_moves(old: &Router, new: &Router, keys: &[u64]) -> Vec<(u64, u32, u32)> {
    keys.iter()
        .filter_map(|k| {
            let h = key_hash(*k);
            let (a, b) = (old.route(h)?.0, new.route(h)?.0);
            (a != b).then_some((*k, a, b))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_key_routes_to_exactly_one_live_shard(
        scheme in scheme_strategy(),
        shards in prop::collection::btree_set(0u32..200, 1..20),
        vnodes in 1u32..50,
        keys in prop::collection::vec(any::<u64>(), 1..300),
    ) {
        let shards: Vec<u32> = shards.into_iter().collect();
        let r = Router::with_shards(scheme, shards.clone(), vnodes);
        let truth = assign(&layout(scheme, shards.clone(), vnodes), &keys);
        for (k, t) in keys.iter().zip(truth) {
            let (shard, _) = r.route(key_hash(*k)).expect("a live shard exists");
            prop_assert!(shards.contains(&shard));
            prop_assert_eq!(shard, t, "router and oracle disagree on key {}", k);
        }
    }

    #[test]
    fn ring_adding_a_shard_moves_about_one_over_n_plus_one_all_to_it(
        n in 1u32..16, vnodes in 100u32..200, seed in any::<u64>(),
    ) {
        let keys: Vec<u64> = (0..3000u64).map(|i| i.wrapping_mul(0x9E37_79B9).wrapping_add(seed)).collect();
        let before: Vec<u32> = (0..n).collect();
        let after: Vec<u32> = (0..=n).collect();
        let moved = moved_keys(
            &Layout::Ring { shards: before, vnodes },
            &Layout::Ring { shards: after, vnodes },
            &keys,
        );
        prop_assert!(moved.iter().all(|(_, _, to)| *to == n), "a key moved between old shards");
        let fraction = moved.len() as f64 / keys.len() as f64;
        let expected = 1.0 / (n as f64 + 1.0);
        prop_assert!((fraction - expected).abs() <= 0.4 * expected + 0.02,
            "moved {} expected about {}", fraction, expected);
        // And the router agrees with the oracle on every move.
        let old = Router::new(Scheme::Ring, n, vnodes);
        let (new, id) = old.with_added();
        prop_assert_eq!(id, n);
        let ours = keys.iter().filter(|k| {
            let h = key_hash(**k);
            old.route(h).map(|r| r.0) != new.route(h).map(|r| r.0)
        }).count();
        prop_assert_eq!(ours, moved.len());
    }

    #[test]
    fn consistent_schemes_move_about_one_over_n_plus_one_only_to_the_new_shard(
        scheme in consistent_strategy(), n in 1u32..16, seed in any::<u64>(),
    ) {
        let keys = spread_keys(seed, 3000);
        let old = Router::new(scheme, n, 150);
        let (new, id) = old.with_added();
        let ours = router_moves(&old, &new, &keys);
        prop_assert!(ours.iter().all(|m| m.2 == id), "{:?}: a key moved between old shards", scheme);
        let fraction = ours.len() as f64 / keys.len() as f64;
        let expected = 1.0 / (n as f64 + 1.0);
        prop_assert!((fraction - expected).abs() <= 0.4 * expected + 0.02,
            "{:?}: moved {} expected about {}", scheme, fraction, expected);
        let truth = moved_keys(&layout(scheme, old.shards().to_vec(), 150), &layout(scheme, new.shards().to_vec(), 150), &keys);
        prop_assert_eq!(ours, truth);
    }

    #[test]
    fn removing_a_shard_moves_only_its_keys(
        scheme in consistent_strategy(), n in 2u32..16, pick in any::<prop::sample::Index>(), seed in any::<u64>(),
    ) {
        let keys = spread_keys(seed, 2000);
        let old = Router::new(scheme, n, 100);
        // Jump hash can only drop its last bucket without renumbering the others.
        let gone = if scheme == Scheme::Jump { n - 1 } else { pick.index(n as usize) as u32 };
        let new = old.with_removed(gone);
        let ours = router_moves(&old, &new, &keys);
        prop_assert!(ours.iter().all(|m| m.1 == gone), "{:?}: a key not on shard {} moved", scheme, gone);
        let on_gone = keys.iter().filter(|k| old.route(key_hash(**k)).map(|r| r.0) == Some(gone)).count();
        prop_assert_eq!(ours.len(), on_gone);
        let truth = moved_keys(&layout(scheme, old.shards().to_vec(), 100), &layout(scheme, new.shards().to_vec(), 100), &keys);
        prop_assert_eq!(ours, truth);
    }

    #[test]
    fn mod_n_moves_exactly_the_keys_its_closed_form_names(n in 1u32..40, seed in any::<u64>()) {
        // A key stays iff h mod N == h mod (N+1) (shard ids are 0..N, so index = id).
        let keys = spread_keys(seed, 2000);
        let old = Router::new(Scheme::ModN, n, 1);
        let (new, _) = old.with_added();
        let ours: Vec<u64> = router_moves(&old, &new, &keys).into_iter().map(|m| m.0).collect();
        let closed: Vec<u64> = keys.iter().copied()
            .filter(|k| { let h = key_hash(*k); h % n as u64 != h % (n as u64 + 1) })
            .collect();
        prop_assert_eq!(ours, closed);
    }

    #[test]
    fn more_virtual_nodes_even_out_the_ring(shards in prop::collection::btree_set(0u32..1000, 3..12), seed in any::<u64>()) {
        // Statistically: 2 points per shard leave arcs several times uneven; 200 points
        // bring max/mean close to 1. Tolerance: 200 vnodes must beat 2 vnodes and stay
        // under 1.35 with 20,000 keys.
        let shards: Vec<u32> = shards.into_iter().collect();
        let keys = spread_keys(seed, 20_000);
        let load = |vnodes: u32| {
            let owners = assign(&Layout::Ring { shards: shards.clone(), vnodes }, &keys);
            let counts: Vec<u64> = shards.iter().map(|s| owners.iter().filter(|o| *o == s).count() as u64).collect();
            imbalance(&counts).0
        };
        let (few, many) = (load(2), load(200));
        // Two points per shard can land evenly by luck (seen: 1.097 for 3 shards), so the
        // comparison only binds when they did not.
        prop_assert!(many < few || few < 1.2, "200 vnodes {} vs 2 vnodes {}", many, few);
        prop_assert!(many < 1.35, "200 vnodes still {} max/mean", many);
    }

    #[test]
    fn mod_n_adding_a_shard_moves_about_n_over_n_plus_one(n in 1u32..16, seed in any::<u64>()) {
        let keys: Vec<u64> = (0..3000u64).map(|i| i.wrapping_mul(0x2545_F491).wrapping_add(seed)).collect();
        let moved = moved_keys(
            &Layout::ModN { shards: (0..n).collect() },
            &Layout::ModN { shards: (0..=n).collect() },
            &keys,
        );
        let fraction = moved.len() as f64 / keys.len() as f64;
        let expected = n as f64 / (n as f64 + 1.0);
        prop_assert!((fraction - expected).abs() < 0.05, "moved {} expected {}", fraction, expected);
        // The router moves exactly the keys the oracle says.
        let old = Router::new(Scheme::ModN, n, 1);
        let (new, _) = old.with_added();
        let ours: Vec<u64> = keys.iter().copied().filter(|k| {
            let h = key_hash(*k);
            old.route(h).map(|r| r.0) != new.route(h).map(|r| r.0)
        }).collect();
        let truth: Vec<u64> = moved.iter().map(|m| m.0).collect();
        prop_assert_eq!(ours, truth);
    }
}
