//! Ground truth for sharding: where each key belongs under a configuration, and which keys
//! move between two configurations. The ring is resolved by sorting every key and every
//! virtual node together and sweeping once (the router uses binary search per key).

use crate::hash::{key_hash, vnode_position};

/// A sharding configuration as the oracle sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `shards[hash % shards.len()]`.
    ModN { shards: Vec<u32> },
    /// A consistent-hash ring with `vnodes` virtual nodes per shard.
    Ring { shards: Vec<u32>, vnodes: u32 },
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
    fn empty_layouts_assign_nothing() {
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
