//! Property tests of caching's invariants (PRODUCT.md: caching): the LRU never exceeds its
//! capacity and evicts the least recently used (against an independent model); with
//! write-through (or invalidation), version-guarded fills, no TTL and writers that do not
//! interleave no read returns a value older than the last committed write; with two
//! interleaved writers a stale value appears under write-through and lasts until the TTL
//! (forever without one), while invalidation leaves none; coalescing sends at most one
//! database read per key per expiry.
//!
//! Each property was seen to fail on a planted bug (then reverted):
//! - the invariant: fills ignoring the version guard (`refused` forced false in
//!   `advance_to`) — write-through's fill race serves stale reads;
//! - interleaved writers, "appears": the stalled writer's cache step applied before the
//!   second writer's (no reordering) — L2 holds the newest version;
//! - interleaved writers, "lasts until the TTL": `Lru::get` serving expired entries — stale
//!   reads after both TTLs;
//! - interleaved writers, "invalidation leaves none": invalidation's cache step setting the
//!   value instead of deleting it;
//! - lossy broadcast: a message lost for the disconnected instance dropped for every
//!   instance (stale reads elsewhere), and a disconnection that never ends (stale reads
//!   past the reconnection plus the L1 TTL).
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::oracle::caching::{judge, Judge};
use pipelab_core::patterns::caching::feed::HOT_KEY;
use pipelab_core::patterns::caching::lru::{Lookup, Lru};
use pipelab_core::patterns::caching::params::{CacheParams, WriteMode};
use pipelab_core::patterns::caching::scenario::{Served, OUTAGE_US};
use pipelab_core::patterns::caching::Caching;
use pipelab_core::sim::{Fault, Scenario};
use proptest::prelude::*;

/// The model: a list from most to least recently used, searched linearly.
#[derive(Default)]
struct Model {
    capacity: usize,
    ttl: u32,
    items: Vec<(u32, u32, u32)>,
}

impl Model {
    fn get(&mut self, key: u32, now: u32) -> Lookup {
        let Some(i) = self.items.iter().position(|e| e.0 == key) else {
            return Lookup::Miss;
        };
        let e = self.items.remove(i);
        if e.2 <= now {
            return Lookup::Expired;
        }
        self.items.insert(0, e);
        Lookup::Hit { version: e.1 }
    }

    fn put(&mut self, key: u32, version: u32, now: u32) -> Option<u32> {
        let expires = if self.ttl == 0 {
            u32::MAX
        } else {
            now.saturating_add(self.ttl)
        };
        if let Some(i) = self.items.iter().position(|e| e.0 == key) {
            self.items.remove(i);
            self.items.insert(0, (key, version, expires));
            return None;
        }
        let evicted = (self.items.len() >= self.capacity)
            .then(|| self.items.pop().map(|e| e.0))
            .flatten();
        self.items.insert(0, (key, version, expires));
        evicted
    }

    fn remove(&mut self, key: u32) -> bool {
        let before = self.items.len();
        self.items.retain(|e| e.0 != key);
        before != self.items.len()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Get(u32, u32),
    Put(u32, u32, u32),
    Remove(u32),
}

fn op_strategy(keys: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..keys, 0u32..5_000).prop_map(|(k, t)| Op::Get(k, t)),
        4 => (0..keys, any::<u32>(), 0u32..5_000).prop_map(|(k, v, t)| Op::Put(k, v, t)),
        1 => (0..keys).prop_map(Op::Remove),
    ]
}

fn faults_strategy() -> impl Strategy<Value = Vec<(u64, &'static str)>> {
    prop::collection::vec(
        (
            0u64..3_000,
            prop::sample::select(vec![
                "hot-key-expiry",
                "write-one-instance",
                "interleaved-writers",
            ]),
        ),
        0..4,
    )
}

fn params_strategy() -> impl Strategy<Value = CacheParams> {
    (
        (1u64..3_000, 1u32..8, 1u32..400, 0.0f64..2.0, 10u32..5_000),
        (0.0f64..0.6, 1u32..60, 1u32..300, 1u32..300, 1u32..60),
        (prop::bool::ANY, prop::bool::ANY, 1u32..100),
    )
        .prop_map(
            |(
                (requests, instances, keys, skew, rate),
                (writes, l1, l2, db, _),
                (local, coalesce, burst),
            )| {
                CacheParams {
                    requests,
                    instances,
                    keys,
                    skew,
                    rate,
                    writes,
                    l1,
                    l2,
                    db_ms: db,
                    l1_local: local,
                    coalesce,
                    burst,
                    ..CacheParams::default()
                }
            },
        )
}

fn run(p: &CacheParams, seed: u64, mut faults: Vec<(u64, &'static str)>) -> Caching {
    faults.sort_by_key(|f| f.0);
    let mut s = Caching::new(p, seed).expect("valid params");
    let mut next = 0;
    for step in 0..=s.total_steps() {
        while next < faults.len() && faults[next].0 <= step {
            let _ = s.apply(&Fault::new(faults[next].1));
            next += 1;
        }
        if step < s.total_steps() {
            s.step();
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_lru_matches_a_model_and_never_exceeds_its_capacity(
        capacity in 1u32..12,
        ttl in prop_oneof![Just(0u32), 1u32..2_000],
        ops in prop::collection::vec(op_strategy(20), 1..400),
    ) {
        let mut lru = Lru::new(capacity, ttl);
        let mut model = Model { capacity: capacity as usize, ttl, ..Model::default() };
        for op in ops {
            match op {
                Op::Get(k, t) => prop_assert_eq!(lru.get(k, t), model.get(k, t), "get {}", k),
                Op::Put(k, v, t) => prop_assert_eq!(lru.put(k, v, t), model.put(k, v, t), "put {}", k),
                Op::Remove(k) => prop_assert_eq!(lru.remove(k), model.remove(k)),
            }
            prop_assert!(lru.len() <= capacity as usize);
            prop_assert_eq!(lru.entries(), model.items.clone());
        }
    }

    /// The page judges a long run a slice of reads per task: any split, fed in order,
    /// gives the one-pass verdict — and that verdict agrees with the run's own count.
    #[test]
    fn the_judge_in_slices_gives_the_one_pass_verdict(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
        cuts in prop::collection::vec(0usize..4_000, 0..6),
    ) {
        let s = run(&p, seed, faults);
        let reads: Vec<(u32, u32, u32)> =
            s.reads_log().iter().map(|r| (r.index, r.key, r.version)).collect();
        let mut edges: Vec<usize> = cuts.into_iter().map(|c| c % (reads.len() + 1)).collect();
        edges.extend([0, reads.len()]);
        edges.sort_unstable();
        edges.dedup();
        let mut j = Judge::new(s.feed());
        for w in edges.windows(2) {
            for &(index, key, version) in &reads[w[0]..w[1]] {
                j.read(s.feed(), s.served(), index, key, version);
            }
        }
        let whole = judge(s.feed(), s.served(), reads.iter().copied());
        prop_assert_eq!(j.verdict, whole);
        prop_assert_eq!(whole.reads, s.stats().reads);
        prop_assert_eq!(whole.stale, s.stats().stale);
        prop_assert_eq!(whole.from_the_future, 0);
    }

    #[test]
    fn with_write_through_and_no_ttl_no_read_is_older_than_the_last_committed_write(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
        mode in prop::sample::select(vec![WriteMode::WriteThrough, WriteMode::Invalidate]),
    ) {
        // Only knobs that keep every copy in step: broadcast invalidation, version-guarded
        // fills, no pitfall, and writers that do not interleave.
        let p = CacheParams {
            write: mode,
            l1_ttl_ms: 0,
            l2_ttl_ms: 0,
            l1_local: false,
            l1_answers: false,
            guarded_fill: true,
            ..p
        };
        let faults: Vec<_> = faults.into_iter().filter(|f| f.1 != "interleaved-writers").collect();
        let s = run(&p, seed, faults);
        prop_assert_eq!(s.stats().stale, 0);
        let v = judge(s.feed(), s.served(), s.reads_log().iter().map(|r| (r.index, r.key, r.version)));
        prop_assert_eq!((v.stale, v.from_the_future), (0, 0));
        prop_assert_eq!(v.reads, s.stats().reads);
    }

    /// Two writers of the hot key commit in order and their cache steps land in the other
    /// order. Under write-through the older value appears in L2 and every read of the key
    /// is stale until L2's TTL runs out (forever without one); once both TTLs (and a read
    /// in flight) have passed, reads are fresh again. Invalidation deletes twice and, with
    /// version-guarded fills, never serves the key stale.
    #[test]
    fn interleaved_writers_leave_a_stale_value_until_the_ttl(
        p in params_strategy(),
        seed in any::<u64>(),
        at in 0u64..3_000,
        l1_ttl in prop_oneof![Just(0u32), 20u32..3_000],
        l2_ttl in prop_oneof![Just(0u32), 20u32..5_000],
        guarded in prop::bool::ANY,
    ) {
        prop_assume!(p.requests >= 3);
        let at = at % (p.requests - 2);
        // No other write, L2 big enough never to evict, every L1 told of each write.
        let p = CacheParams {
            write: WriteMode::WriteThrough,
            writes: 0.0,
            l2: p.keys.max(1),
            l1_ttl_ms: l1_ttl,
            l2_ttl_ms: l2_ttl,
            l1_local: false,
            l1_answers: false,
            guarded_fill: guarded,
            ..p
        };
        let mut s = Caching::new(&p, seed).expect("valid params");
        for _ in 0..at {
            s.step();
        }
        s.apply(&Fault::new("interleaved-writers")).expect("two requests left");
        s.step();
        s.step();
        let newest = s.versions(HOT_KEY).1;
        prop_assert_eq!(newest, 2);
        prop_assert_eq!(s.l2().peek(HOT_KEY).map(|e| e.0), Some(1), "the older value appears in L2");
        prop_assert_eq!(s.stats().late_sets, 1);
        let late_ms = s.feed().request(at + 1).at_us / 1_000;
        while s.served() < s.total_steps() {
            s.step();
        }
        let slack = p.db_ms as u64 + 1;
        for r in s.reads_log().iter().filter(|r| r.key == HOT_KEY && r.index as u64 > at + 1) {
            let t = s.feed().request(r.index as u64).at_us / 1_000;
            if l2_ttl == 0 || t < late_ms + l2_ttl as u64 {
                prop_assert!(r.stale(), "read {} at {} ms, the late set at {} ms: {:?}", r.index, t, late_ms, r);
            }
            if l1_ttl > 0 && l2_ttl > 0 && t > late_ms + l2_ttl as u64 + l1_ttl as u64 + slack {
                prop_assert!(!r.stale(), "read {} at {} ms, past both TTLs of the late set at {} ms: {:?}", r.index, t, late_ms, r);
            }
        }
        // The same requests with invalidation: the second delete leaves nothing behind.
        let q = CacheParams { write: WriteMode::Invalidate, guarded_fill: true, ..p };
        let s = run(&q, seed, vec![(at, "interleaved-writers")]);
        prop_assert_eq!(s.stats().late_sets, 0);
        prop_assert!(s.reads_log().iter().all(|r| !(r.key == HOT_KEY && r.stale())));
    }

    /// Pub/Sub delivers at most once: an instance disconnected when an invalidation is
    /// published never gets it. Every stale read is then that instance's L1 answering,
    /// and none comes later than the reconnection plus the L1 TTL (the backstop).
    #[test]
    fn a_lossy_broadcast_leaves_only_the_disconnected_instance_stale_until_its_l1_ttl(
        p in params_strategy(),
        seed in any::<u64>(),
        at in 0u64..500,
        l1_ttl in 1u32..2_000,
        l2_ttl in prop_oneof![Just(0u32), 1u32..60_000],
        mode in prop::sample::select(vec![WriteMode::WriteThrough, WriteMode::Invalidate]),
    ) {
        let p = CacheParams {
            write: mode,
            instances: p.instances.max(2),
            l1_ttl_ms: l1_ttl,
            l2_ttl_ms: l2_ttl,
            l1_local: false,
            l1_answers: false,
            guarded_fill: true,
            pubsub_us: 0,
            ..p
        };
        prop_assume!(p.entries() <= 3_000_000);
        let at = at % p.requests;
        let s = run(&p, seed, vec![(at, "subscriber-disconnect")]);
        let start_us = if at == 0 { 0 } else { s.feed().request(at - 1).at_us };
        let end_ms = (start_us + OUTAGE_US) / 1_000;
        for r in s.reads_log().iter().filter(|r| r.stale()) {
            let t = s.feed().request(r.index as u64).at_us / 1_000;
            prop_assert!(r.served == Served::L1, "stale from {:?}: {:?}", r.served, r);
            prop_assert!(s.feed().request(r.index as u64).instance == 1, "{:?}", r);
            prop_assert!(t < end_ms + l1_ttl as u64 + 1, "read at {} ms, reconnected at {} ms: {:?}", t, end_ms, r);
        }
        let v = judge(s.feed(), s.served(), s.reads_log().iter().map(|r| (r.index, r.key, r.version)));
        prop_assert_eq!(v.stale, s.stats().stale);
    }

    #[test]
    fn coalescing_sends_at_most_one_database_read_per_key_per_expiry(
        p in params_strategy(),
        seed in any::<u64>(),
        faults in faults_strategy(),
        mode in prop::sample::select(vec![WriteMode::Invalidate, WriteMode::WriteThrough, WriteMode::WriteBehind]),
    ) {
        let p = CacheParams { coalesce: true, write: mode, ..p };
        let s = run(&p, seed, faults);
        let reads: Vec<_> = s.db_log().iter().copied().collect();
        for (i, a) in reads.iter().enumerate() {
            for b in &reads[i + 1..] {
                let overlap = a.start_us < b.done_us && b.start_us < a.done_us;
                prop_assert!(
                    !(a.key == b.key && overlap && a.acked_at_start == b.acked_at_start),
                    "two database reads of key {} in flight at once for the same version: {:?} {:?}", a.key, a, b
                );
            }
        }
    }
}
