//! Ground truth for sharding: where each key belongs under a configuration, and which keys
//! move between two configurations. The ring is resolved by sorting every key and every
//! virtual node together and sweeping once (the router uses binary search per key).
//! Rendezvous is brute force shard by shard (the router scores key by key); jump hash is
//! recomputed for every key from the paper's loop, written out here on its own.

use crate::hash::{key_hash, rendezvous_weight, vnode_position};

/// A sharding configuration as the oracle sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `shards[hash % shards.len()]`.
    ModN { shards: Vec<u32> },
    /// A consistent-hash ring with `vnodes` virtual nodes per shard.
    Ring { shards: Vec<u32>, vnodes: u32 },
    /// Highest random weight over `shards`.
    Rendezvous { shards: Vec<u32> },
    /// Jump consistent hash: bucket `i` of `shards.len()` is `shards[i]` (ascending).
    Jump { shards: Vec<u32> },
}

/// Jump consistent hash, restated from Lamping and Veach's loop: draw a pseudo-random
/// `r` from a 64-bit LCG and jump to `floor((b + 1) * 2^31 / (r + 1))` until past the end.
fn jump(key: u64, buckets: u64) -> u64 {
    let (mut state, mut last, mut next) = (key, 0u64, 0u64);
    while next < buckets {
        last = next;
        state = state.wrapping_mul(0x27BB_2EE6_87B0_B0FD).wrapping_add(1);
        let r = u128::from(state >> 33) + 1;
        let step = (u128::from(last) + 1) << 31;
        next = u64::try_from(step / r).unwrap_or(u64::MAX);
    }
    last
}

/// The owning shard of each key, in the order of `keys`. Empty when there are no shards.
pub fn assign(layout: &Layout, keys: &[u64]) -> Vec<u32> {
    match layout {
        Layout::ModN { shards } => {
            if shards.is_empty() {
                return Vec::new();
            }
            keys.iter()
                .map(|k| shards[(key_hash(*k) % shards.len() as u64) as usize])
                .collect()
        }
        Layout::Ring { shards, vnodes } => {
            if shards.is_empty() || *vnodes == 0 {
                return Vec::new();
            }
            // Points: (position, tie-break 0 = vnode before keys at the same position, shard).
            let mut points: Vec<(u64, u32)> = Vec::new();
            for s in shards {
                for v in 0..*vnodes {
                    points.push((vnode_position(*s, v), *s));
                }
            }
            points.sort_unstable();
            let mut order: Vec<(u64, usize)> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (key_hash(*k), i))
                .collect();
            order.sort_unstable();
            let mut out = vec![0u32; keys.len()];
            let mut p = 0usize;
            for (h, i) in order {
                while p < points.len() && points[p].0 < h {
                    p += 1;
                }
                // Past the last point the ring wraps to the first.
                out[i] = if p < points.len() {
                    points[p].1
                } else {
                    points[0].1
                };
            }
            out
        }
        Layout::Rendezvous { shards } => {
            if shards.is_empty() {
                return Vec::new();
            }
            let hashes: Vec<u64> = keys.iter().map(|k| key_hash(*k)).collect();
            // Shard-major: each shard scores every key; a key keeps its best (weight, id).
            let mut best: Vec<(u64, u32)> = vec![(0, 0); keys.len()];
            let mut sorted = shards.clone();
            sorted.sort_unstable();
            for (n, s) in sorted.iter().enumerate() {
                for (i, h) in hashes.iter().enumerate() {
                    let w = (rendezvous_weight(*h, *s), *s);
                    if n == 0 || w > best[i] {
                        best[i] = w;
                    }
                }
            }
            best.into_iter().map(|b| b.1).collect()
        }
        Layout::Jump { shards } => {
            if shards.is_empty() {
                return Vec::new();
            }
            let mut sorted = shards.clone();
            sorted.sort_unstable();
            keys.iter()
                .map(|k| {
                    let b = jump(key_hash(*k), sorted.len() as u64) as usize;
                    sorted[b.min(sorted.len() - 1)]
                })
                .collect()
        }
    }
}

/// `(key, from, to)` for every key whose shard differs between `before` and `after`.
pub fn moved_keys(before: &Layout, after: &Layout, keys: &[u64]) -> Vec<(u64, u32, u32)> {
    let a = assign(before, keys);
    let b = assign(after, keys);
    keys.iter()
        .zip(a.iter().zip(b.iter()))
        .filter(|(_, (x, y))| x != y)
        .map(|(k, (x, y))| (*k, *x, *y))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn mod_n_uses_the_hash_remainder() {
        let keys: Vec<u64> = (1..=50).collect();
        let got = assign(
            &Layout::ModN {
                shards: vec![10, 11, 12],
            },
            &keys,
        );
        for (k, s) in keys.iter().zip(got) {
            assert_eq!(s, 10 + (key_hash(*k) % 3) as u32);
        }
    }

    #[test]
    fn ring_owner_is_the_first_point_clockwise() {
        let keys: Vec<u64> = (1..=200).collect();
        let layout = Layout::Ring {
            shards: vec![0, 1, 2],
            vnodes: 5,
        };
        let got = assign(&layout, &keys);
        // Brute force: the point with the smallest clockwise distance from the key.
        for (k, s) in keys.iter().zip(got) {
            let h = key_hash(*k);
            let best = (0..3u32)
                .flat_map(|s| (0..5).map(move |v| (vnode_position(s, v).wrapping_sub(h), s)))
                .min()
                .map(|(_, s)| s);
            assert_eq!(Some(s), best);
        }
    }

    #[test]
    fn rendezvous_and_jump_agree_with_the_router() {
        use crate::patterns::sharding::router::{Router, Scheme};
        let keys: Vec<u64> = (0..500).collect();
        for (scheme, layout) in [
            (
                Scheme::Rendezvous,
                Layout::Rendezvous {
                    shards: vec![0, 2, 5, 9],
                },
            ),
            (
                Scheme::Jump,
                Layout::Jump {
                    shards: vec![0, 2, 5, 9],
                },
            ),
        ] {
            let router = Router::with_shards(scheme, vec![0, 2, 5, 9], 1);
            let got = assign(&layout, &keys);
            for (k, s) in keys.iter().zip(got) {
                assert_eq!(
                    router.route(key_hash(*k)).map(|r| r.0),
                    Some(s),
                    "{scheme:?} key {k}"
                );
            }
        }
    }

    #[test]
    fn empty_layouts_assign_nothing() {
        assert!(assign(&Layout::Rendezvous { shards: vec![] }, &[1]).is_empty());
        assert!(assign(&Layout::Jump { shards: vec![] }, &[1]).is_empty());
        assert!(assign(&Layout::ModN { shards: vec![] }, &[1, 2]).is_empty());
        assert!(assign(
            &Layout::Ring {
                shards: vec![1],
                vnodes: 0
            },
            &[1]
        )
        .is_empty());
    }
}
