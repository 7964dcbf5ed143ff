//! Stable hashing for routing and trace digests (xxh3, identical on every platform).

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Hash seed for shard keys; any fixed value works, it only has to never change.
pub const KEY_SEED: u64 = 0x7069_7065_6c61_6221;

/// The 64-bit hash of a shard key (a user id). Hashes the little-endian bytes, so the
/// value is the same on 32- and 64-bit targets.
pub fn key_hash(key: u64) -> u64 {
    xxh3_64_with_seed(&key.to_le_bytes(), KEY_SEED)
}

/// PostgreSQL's hash of a `bigint` partition key as hash partitioning uses it: a row goes
/// to the partition with `MODULUS m, REMAINDER r` where `pg_partition_hash(key) % m == r`.
/// This is PostgreSQL's own definition (`hashint8extended` with `HASH_PARTITION_SEED`,
/// folded by `hash_combine64` from 0; Bob Jenkins' lookup3 `mix`/`final` underneath), so
/// the simulation puts every user in the partition a real server does. The conformance
/// tests insert users into a real PostgreSQL 15 and compare.
pub fn pg_partition_hash(key: i64) -> u64 {
    const HASH_PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;
    let lo = key as u32;
    let hi = (key >> 32) as u32;
    let folded = lo ^ if key >= 0 { hi } else { !hi };
    let h = pg_hash_uint32_extended(folded, HASH_PARTITION_SEED);
    // hash_combine64(0, h)
    h.wrapping_add(0x49a0_f4dd_15e5_a8e3)
}

/// PostgreSQL's `hash_bytes_uint32_extended` (lookup3 on one 32-bit word, 64-bit result).
fn pg_hash_uint32_extended(k: u32, seed: u64) -> u64 {
    let init = 0x9e37_79b9u32.wrapping_add(4).wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (init, init, init);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        (a, b, c) = lookup3_mix(a, b, c);
    }
    a = a.wrapping_add(k);
    let (_, b, c) = lookup3_final(a, b, c);
    ((b as u64) << 32) | c as u64
}

fn lookup3_mix(mut a: u32, mut b: u32, mut c: u32) -> (u32, u32, u32) {
    a = a.wrapping_sub(c) ^ c.rotate_left(4);
    c = c.wrapping_add(b);
    b = b.wrapping_sub(a) ^ a.rotate_left(6);
    a = a.wrapping_add(c);
    c = c.wrapping_sub(b) ^ b.rotate_left(8);
    b = b.wrapping_add(a);
    a = a.wrapping_sub(c) ^ c.rotate_left(16);
    c = c.wrapping_add(b);
    b = b.wrapping_sub(a) ^ a.rotate_left(19);
    a = a.wrapping_add(c);
    c = c.wrapping_sub(b) ^ b.rotate_left(4);
    b = b.wrapping_add(a);
    (a, b, c)
}

fn lookup3_final(mut a: u32, mut b: u32, mut c: u32) -> (u32, u32, u32) {
    c = (c ^ b).wrapping_sub(b.rotate_left(14));
    a = (a ^ c).wrapping_sub(c.rotate_left(11));
    b = (b ^ a).wrapping_sub(a.rotate_left(25));
    c = (c ^ b).wrapping_sub(b.rotate_left(16));
    a = (a ^ c).wrapping_sub(c.rotate_left(4));
    b = (b ^ a).wrapping_sub(a.rotate_left(14));
    c = (c ^ b).wrapping_sub(b.rotate_left(24));
    (a, b, c)
}

/// Hash of arbitrary bytes with a seed (used for virtual-node positions and digests).
pub fn bytes_hash(bytes: &[u8], seed: u64) -> u64 {
    xxh3_64_with_seed(bytes, seed)
}

/// Folds `text` into a running digest; used to hash every step's view.
pub fn fold_digest(digest: u64, text: &str) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), digest)
}

/// Hash seed for virtual-node positions on a consistent-hash ring.
pub const RING_SEED: u64 = 0x7269_6e67_2d76_6e6f;

/// Where virtual node `vnode` of shard `shard` sits on the ring (the whole `u64` range).
/// This is the ring's *definition*; the router and the oracle both use it.
pub fn vnode_position(shard: u32, vnode: u32) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&shard.to_le_bytes());
    bytes[4..].copy_from_slice(&vnode.to_le_bytes());
    xxh3_64_with_seed(&bytes, RING_SEED)
}

/// Hash seed for rendezvous weights.
pub const RENDEZVOUS_SEED: u64 = 0x6872_772d_7765_6967;

/// Rendezvous (highest random weight) score of shard `shard` for a key with hash `key_hash`:
/// the key goes to the live shard with the highest score. This is the scheme's definition;
/// the router and the oracle both use it.
pub fn rendezvous_weight(key_hash: u64, shard: u32) -> u64 {
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&key_hash.to_le_bytes());
    bytes[8..].copy_from_slice(&shard.to_le_bytes());
    xxh3_64_with_seed(&bytes, RENDEZVOUS_SEED)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn partition_hash_puts_keys_where_postgresql_15_does() {
        // (key, remainder under MODULUS 3, remainder under MODULUS 8), read off a real
        // PostgreSQL 15 server: INSERT … RETURNING tableoid::regclass into a table
        // PARTITION BY HASH (k bigint). The conformance tests check many more.
        let seen: [(i64, u64, u64); 8] = [
            (0, 2, 0),
            (1, 2, 0),
            (2, 0, 2),
            (37, 2, 1),
            (1000, 2, 4),
            (-1, 2, 5),
            (-5, 1, 7),
            (1_099_511_627_783, 1, 0),
        ];
        for (key, r3, r8) in seen {
            let h = pg_partition_hash(key);
            assert_eq!((h % 3, h % 8), (r3, r8), "key {key}");
        }
    }

    #[test]
    fn key_hash_depends_on_every_byte_and_is_stable_within_a_run() {
        assert_eq!(key_hash(42), key_hash(42));
        assert_ne!(key_hash(42), key_hash(43));
        assert_ne!(key_hash(1 << 40), key_hash(0));
    }
}
