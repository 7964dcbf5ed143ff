//! Routing a shard key to a shard: mod-N, a consistent-hash ring with virtual nodes,
//! rendezvous (highest random weight) and jump consistent hash.

use std::sync::Arc;

use crate::hash::{rendezvous_weight, vnode_position};

/// Jump consistent hash (Lamping and Veach, 2014): the bucket in `0..buckets` of `key`.
/// Growing from `n` to `n + 1` buckets moves exactly the keys whose new bucket is `n`.
/// Integer arithmetic throughout (`(b + 1) * 2^31 / (r + 1)`), so every platform agrees.
/// Returns 0 for `buckets == 0`.
pub fn jump_bucket(key: u64, buckets: u32) -> u32 {
    let mut key = key;
    let mut b: u64 = 0;
    let mut j: u64 = 0;
    while j < buckets as u64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        let r = (key >> 33) + 1;
        j = ((b as u128 + 1) * (1u128 << 31) / r as u128).min(u64::MAX as u128) as u64;
    }
    b as u32
}

/// A consistent-hash ring: every shard owns `vnodes` points; a key belongs to the first
/// point at or after its hash, wrapping around.
#[derive(Debug, PartialEq, Eq)]
pub struct Ring {
    /// Sorted by position.
    points: Vec<(u64, u32)>,
    vnodes: u32,
}

impl Ring {
    pub fn new(shards: &[u32], vnodes: u32) -> Self {
        let vnodes = vnodes.max(1);
        let mut points: Vec<(u64, u32)> = shards
            .iter()
            .flat_map(|s| (0..vnodes).map(move |v| (vnode_position(*s, v), *s)))
            .collect();
        points.sort_unstable();
        Ring { points, vnodes }
    }

    /// The owning point `(position, shard)` of `hash`; `None` on an empty ring.
    pub fn owner(&self, hash: u64) -> Option<(u64, u32)> {
        let i = self.points.partition_point(|p| p.0 < hash);
        self.points.get(i).or_else(|| self.points.first()).copied()
    }

    pub fn points(&self) -> &[(u64, u32)] {
        &self.points
    }

    pub fn vnodes(&self) -> u32 {
        self.vnodes
    }
}

/// Which scheme routes keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    ModN,
    Ring,
    Rendezvous,
    Jump,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::ModN => "modn",
            Scheme::Ring => "ring",
            Scheme::Rendezvous => "rendezvous",
            Scheme::Jump => "jump",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scheme::ModN => "mod-N",
            Scheme::Ring => "consistent-hash ring",
            Scheme::Rendezvous => "rendezvous hashing",
            Scheme::Jump => "jump consistent hash",
        }
    }

    /// Whether adding a shard moves only about 1/(N+1) of keys, all to the new shard.
    pub fn is_consistent(self) -> bool {
        !matches!(self, Scheme::ModN)
    }

    pub const ALL: [Scheme; 4] = [Scheme::ModN, Scheme::Ring, Scheme::Rendezvous, Scheme::Jump];
}

/// How a key was routed, for narration and the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteDetail {
    /// `hash % n = index` into the live shard list.
    ModN { n: u32, index: u32 },
    /// The owning virtual node's position.
    Ring { point: u64 },
    /// The winning shard's weight for this key (the highest of all live shards).
    Rendezvous { weight: u64 },
    /// `jump(hash, n) = bucket`, an index into the live shard list.
    Jump { n: u32, bucket: u32 },
}

/// A router over the live shards. Cloning is cheap: the ring is shared.
#[derive(Clone, Debug)]
pub struct Router {
    scheme: Scheme,
    /// Live shard ids, ascending.
    shards: Vec<u32>,
    ring: Option<Arc<Ring>>,
    vnodes: u32,
}

impl Router {
    /// A router over shards `0..count`.
    pub fn new(scheme: Scheme, count: u32, vnodes: u32) -> Self {
        Router::with_shards(scheme, (0..count).collect(), vnodes)
    }

    pub fn with_shards(scheme: Scheme, mut shards: Vec<u32>, vnodes: u32) -> Self {
        shards.sort_unstable();
        shards.dedup();
        let ring = (scheme == Scheme::Ring).then(|| Arc::new(Ring::new(&shards, vnodes)));
        Router {
            scheme,
            shards,
            ring,
            vnodes: vnodes.max(1),
        }
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn shards(&self) -> &[u32] {
        &self.shards
    }

    pub fn vnodes(&self) -> u32 {
        self.vnodes
    }

    pub fn ring(&self) -> Option<&Ring> {
        self.ring.as_deref()
    }

    /// The shard for a key hash, with how it was found; `None` with no live shard.
    pub fn route(&self, hash: u64) -> Option<(u32, RouteDetail)> {
        if self.shards.is_empty() {
            return None;
        }
        match self.scheme {
            Scheme::ModN => {
                let n = self.shards.len() as u64;
                let index = (hash % n) as usize;
                Some((
                    self.shards[index],
                    RouteDetail::ModN {
                        n: n as u32,
                        index: index as u32,
                    },
                ))
            }
            Scheme::Ring => {
                let (point, shard) = self.ring.as_ref()?.owner(hash)?;
                Some((shard, RouteDetail::Ring { point }))
            }
            Scheme::Rendezvous => {
                // Highest weight wins; equal weights (never seen in practice) go to the
                // higher id, so the choice never depends on iteration order.
                let (weight, shard) = self
                    .shards
                    .iter()
                    .map(|s| (rendezvous_weight(hash, *s), *s))
                    .max()?;
                Some((shard, RouteDetail::Rendezvous { weight }))
            }
            Scheme::Jump => {
                let n = self.shards.len() as u32;
                let bucket = jump_bucket(hash, n);
                let shard = *self.shards.get(bucket as usize)?;
                Some((shard, RouteDetail::Jump { n, bucket }))
            }
        }
    }

    /// The shards a query touches: one for a query by shard key, every live shard for a
    /// query without it (scatter-gather).
    pub fn shards_for_query(&self, key_hash: Option<u64>) -> Vec<u32> {
        match key_hash {
            Some(h) => self.route(h).map(|r| vec![r.0]).unwrap_or_default(),
            None => self.shards.clone(),
        }
    }

    /// The same scheme with one more shard (the next id after the highest).
    pub fn with_added(&self) -> (Router, u32) {
        let id = self.shards.last().map_or(0, |s| s + 1);
        let mut shards = self.shards.clone();
        shards.push(id);
        (Router::with_shards(self.scheme, shards, self.vnodes), id)
    }

    /// The same scheme without shard `id`.
    pub fn with_removed(&self, id: u32) -> Router {
        let shards = self.shards.iter().copied().filter(|s| *s != id).collect();
        Router::with_shards(self.scheme, shards, self.vnodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::key_hash;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn ring_wraps_past_the_last_point() {
        let ring = Ring::new(&[0, 1], 3);
        let last = ring.points().last().copied().unwrap();
        assert_eq!(
            ring.owner(last.0.wrapping_add(1)),
            ring.points().first().copied()
        );
        assert_eq!(ring.owner(last.0), Some(last));
    }

    #[test]
    fn mod_n_routes_by_remainder_over_live_shards() {
        let r = Router::with_shards(Scheme::ModN, vec![5, 2, 9], 1);
        let h = key_hash(77);
        let (shard, detail) = r.route(h).unwrap();
        assert_eq!(r.shards(), &[2, 5, 9]);
        assert_eq!(shard, [2, 5, 9][(h % 3) as usize]);
        assert_eq!(
            detail,
            RouteDetail::ModN {
                n: 3,
                index: (h % 3) as u32
            }
        );
    }

    #[test]
    fn jump_only_ever_moves_a_key_to_the_new_last_bucket() {
        assert_eq!(jump_bucket(0, 1), 0);
        assert_eq!(jump_bucket(0, 0), 0);
        // Growing buckets never moves a key except to the new last bucket.
        for key in [1u64, 7, 42, 1 << 40, u64::MAX] {
            for n in 1..200u32 {
                let a = jump_bucket(key, n);
                let b = jump_bucket(key, n + 1);
                assert!(a < n);
                assert!(b == a || b == n, "key {key}: {a} -> {b} at n={n}");
            }
        }
    }

    #[test]
    fn rendezvous_picks_the_highest_weight_and_jump_indexes_the_live_list() {
        let h = key_hash(99);
        let r = Router::with_shards(Scheme::Rendezvous, vec![3, 1, 2], 1);
        let best = [1u32, 2, 3]
            .into_iter()
            .max_by_key(|s| rendezvous_weight(h, *s))
            .unwrap();
        assert_eq!(r.route(h).unwrap().0, best);
        let j = Router::with_shards(Scheme::Jump, vec![0, 1, 2, 3], 1);
        let (shard, detail) = j.route(h).unwrap();
        assert_eq!(shard, jump_bucket(h, 4));
        assert_eq!(
            detail,
            RouteDetail::Jump {
                n: 4,
                bucket: shard
            }
        );
        assert_eq!(j.shards_for_query(None).len(), 4);
        assert_eq!(j.shards_for_query(Some(h)), vec![shard]);
    }

    #[test]
    fn adding_takes_the_next_id_and_removing_drops_it() {
        let r = Router::new(Scheme::Ring, 4, 10);
        let (bigger, id) = r.with_added();
        assert_eq!(id, 4);
        assert_eq!(bigger.shards(), &[0, 1, 2, 3, 4]);
        assert_eq!(bigger.ring().unwrap().points().len(), 50);
        assert_eq!(bigger.with_removed(2).shards(), &[0, 1, 3, 4]);
        assert!(Router::new(Scheme::ModN, 0, 1).route(1).is_none());
    }
}
