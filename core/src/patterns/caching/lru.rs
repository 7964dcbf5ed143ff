//! A least-recently-used cache with a time-to-live, O(1) per operation: entries live in a
//! slab linked into a doubly linked recency list (most recent at the head), found through
//! an open-addressing hash index (linear probing, backward-shift deletion — no tombstones).
//! Keys are `u32`, values a `u32` version; times are simulated milliseconds.

use crate::hash::key_hash;

const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node {
    key: u32,
    version: u32,
    /// Expires at this time (ms); `u32::MAX` = never.
    expires_ms: u32,
    prev: u32,
    next: u32,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Hit {
        version: u32,
    },
    /// Present but its TTL had passed: removed, a miss.
    Expired,
    Miss,
}

/// The cache.
#[derive(Clone, Debug, PartialEq)]
pub struct Lru {
    capacity: u32,
    ttl_ms: u32,
    nodes: Vec<Node>,
    /// Free slab slots.
    free: Vec<u32>,
    /// Slot of the most and least recently used entry.
    head: u32,
    tail: u32,
    /// Open-addressing index: slab slot per bucket, `NIL` when empty. Power-of-two length,
    /// at least twice the capacity, so probes stay short.
    index: Vec<u32>,
    evictions: u64,
}

impl Lru {
    /// A cache of `capacity` entries (at least 1); `ttl_ms` 0 = entries never expire.
    pub fn new(capacity: u32, ttl_ms: u32) -> Lru {
        let capacity = capacity.max(1);
        let buckets = (capacity as usize * 2).next_power_of_two().max(4);
        Lru {
            capacity,
            ttl_ms,
            nodes: Vec::with_capacity(capacity as usize),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            index: vec![NIL; buckets],
            evictions: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    pub fn ttl_ms(&self) -> u32 {
        self.ttl_ms
    }

    /// Entries pushed out to make room so far.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    fn bucket_of(&self, key: u32) -> usize {
        (key_hash(key as u64) as usize) & (self.index.len() - 1)
    }

    /// The bucket holding `key`, or `None`.
    fn find(&self, key: u32) -> Option<usize> {
        let mask = self.index.len() - 1;
        let mut b = self.bucket_of(key);
        loop {
            let slot = self.index[b];
            if slot == NIL {
                return None;
            }
            if self.nodes[slot as usize].key == key {
                return Some(b);
            }
            b = (b + 1) & mask;
        }
    }

    fn index_insert(&mut self, key: u32, slot: u32) {
        let mask = self.index.len() - 1;
        let mut b = self.bucket_of(key);
        while self.index[b] != NIL {
            b = (b + 1) & mask;
        }
        self.index[b] = slot;
    }

    /// Empties bucket `b` and shifts later entries of the probe run back (no tombstones).
    fn index_remove(&mut self, mut b: usize) {
        let mask = self.index.len() - 1;
        self.index[b] = NIL;
        let mut j = b;
        loop {
            j = (j + 1) & mask;
            let slot = self.index[j];
            if slot == NIL {
                return;
            }
            let home = self.bucket_of(self.nodes[slot as usize].key);
            // Move the entry at j back to b if its home is not in the cyclic range (b, j].
            let in_range = if b <= j {
                b < home && home <= j
            } else {
                b < home || home <= j
            };
            if !in_range {
                self.index[b] = slot;
                self.index[j] = NIL;
                b = j;
            }
        }
    }

    fn unlink(&mut self, slot: u32) {
        let Node { prev, next, .. } = self.nodes[slot as usize];
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
    }

    fn push_front(&mut self, slot: u32) {
        let old = self.head;
        {
            let n = &mut self.nodes[slot as usize];
            n.prev = NIL;
            n.next = old;
        }
        if old != NIL {
            self.nodes[old as usize].prev = slot;
        } else {
            self.tail = slot;
        }
        self.head = slot;
    }

    fn drop_slot(&mut self, bucket: usize, slot: u32) {
        self.unlink(slot);
        self.index_remove(bucket);
        self.free.push(slot);
    }

    /// Looks `key` up at time `now_ms`: a hit becomes the most recently used; an expired
    /// entry is removed and reported.
    pub fn get(&mut self, key: u32, now_ms: u32) -> Lookup {
        let Some(b) = self.find(key) else {
            return Lookup::Miss;
        };
        let slot = self.index[b];
        let n = self.nodes[slot as usize];
        if n.expires_ms <= now_ms {
            self.drop_slot(b, slot);
            return Lookup::Expired;
        }
        self.unlink(slot);
        self.push_front(slot);
        Lookup::Hit { version: n.version }
    }

    /// The version cached for `key` without touching recency or expiry (for views).
    pub fn peek(&self, key: u32) -> Option<(u32, u32)> {
        self.find(key).map(|b| {
            let n = self.nodes[self.index[b] as usize];
            (n.version, n.expires_ms)
        })
    }

    /// Stores `key` at `version` as the most recently used, expiring `ttl` after `now_ms`;
    /// when full, the least recently used entry is evicted first. Returns the evicted key.
    pub fn put(&mut self, key: u32, version: u32, now_ms: u32) -> Option<u32> {
        let expires_ms = if self.ttl_ms == 0 {
            u32::MAX
        } else {
            now_ms.saturating_add(self.ttl_ms)
        };
        if let Some(b) = self.find(key) {
            let slot = self.index[b];
            let n = &mut self.nodes[slot as usize];
            n.version = version;
            n.expires_ms = expires_ms;
            self.unlink(slot);
            self.push_front(slot);
            return None;
        }
        let mut evicted = None;
        if self.len() >= self.capacity as usize && self.tail != NIL {
            let victim = self.tail;
            let vkey = self.nodes[victim as usize].key;
            if let Some(b) = self.find(vkey) {
                self.drop_slot(b, victim);
                self.evictions += 1;
                evicted = Some(vkey);
            }
        }
        let node = Node {
            key,
            version,
            expires_ms,
            prev: NIL,
            next: NIL,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.nodes[s as usize] = node;
                s
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.index_insert(key, slot);
        self.push_front(slot);
        evicted
    }

    /// Removes `key`; whether it was there.
    pub fn remove(&mut self, key: u32) -> bool {
        match self.find(key) {
            Some(b) => {
                let slot = self.index[b];
                self.drop_slot(b, slot);
                true
            }
            None => false,
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.free.clear();
        self.head = NIL;
        self.tail = NIL;
        self.index.iter_mut().for_each(|b| *b = NIL);
    }

    /// `(key, version, expires_ms)` from the most to the least recently used.
    pub fn entries(&self) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::with_capacity(self.len());
        let mut s = self.head;
        while s != NIL && out.len() <= self.nodes.len() {
            let n = self.nodes[s as usize];
            out.push((n.key, n.version, n.expires_ms));
            s = n.next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn evicts_the_least_recently_used_and_expires_by_ttl() {
        let mut c = Lru::new(3, 100);
        for k in [1, 2, 3] {
            assert_eq!(c.put(k, k * 10, 0), None);
        }
        assert_eq!(c.get(1, 10), Lookup::Hit { version: 10 });
        // 2 is now the least recently used.
        assert_eq!(c.put(4, 40, 20), Some(2));
        assert_eq!(c.get(2, 20), Lookup::Miss);
        assert_eq!(
            c.entries().iter().map(|e| e.0).collect::<Vec<_>>(),
            [4, 1, 3]
        );
        assert_eq!(c.get(3, 100), Lookup::Expired, "put at 0, ttl 100");
        assert_eq!(c.len(), 2);
        assert!(c.remove(4));
        assert!(!c.remove(4));
        assert_eq!(
            c.get(1, 99),
            Lookup::Hit { version: 10 },
            "a hit does not extend the TTL"
        );
        assert_eq!(c.get(1, 100), Lookup::Expired);
        assert!(c.is_empty());
        assert_eq!(c.evictions(), 1);
        let mut forever = Lru::new(1, 0);
        forever.put(7, 1, 0);
        assert_eq!(forever.get(7, u32::MAX - 1), Lookup::Hit { version: 1 });
    }

    #[test]
    fn the_index_survives_heavy_churn() {
        let mut c = Lru::new(8, 0);
        for i in 0..10_000u32 {
            let k = (i * 7919) % 37;
            if i % 5 == 0 {
                c.remove(k);
            } else {
                c.put(k, i, i);
            }
            assert!(c.len() <= 8);
            for (key, _, _) in c.entries() {
                assert!(c.peek(key).is_some(), "entry {key} not indexed");
            }
        }
    }
}
