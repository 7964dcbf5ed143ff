//! Property tests of sharding's routing invariants (PRODUCT.md: sharding).
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::hash::key_hash;
use pipelab_core::oracle::sharding::{assign, moved_keys, Layout};
use pipelab_core::patterns::sharding::{Router, Scheme};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_key_routes_to_exactly_one_live_shard(
        ring in prop::bool::ANY,
        shards in prop::collection::btree_set(0u32..200, 1..20),
        vnodes in 1u32..50,
        keys in prop::collection::vec(any::<u64>(), 1..300),
    ) {
        let scheme = if ring { Scheme::Ring } else { Scheme::ModN };
        let shards: Vec<u32> = shards.into_iter().collect();
        let r = Router::with_shards(scheme, shards.clone(), vnodes);
        let layout = if ring {
            Layout::Ring { shards: shards.clone(), vnodes }
        } else {
            Layout::ModN { shards: shards.clone() }
        };
        let truth = assign(&layout, &keys);
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
