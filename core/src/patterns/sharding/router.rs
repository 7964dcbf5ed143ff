//! Routing a shard key to a shard: mod-N and a consistent-hash ring with virtual nodes.

use std::sync::Arc;

use crate::hash::vnode_position;

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
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::ModN => "modn",
            Scheme::Ring => "ring",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scheme::ModN => "mod-N",
            Scheme::Ring => "consistent-hash ring",
        }
    }
}

/// How a key was routed, for narration and the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteDetail {
    /// `hash % n = index` into the live shard list.
    ModN { n: u32, index: u32 },
    /// The owning virtual node's position.
    Ring { point: u64 },
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
