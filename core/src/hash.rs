//! Stable hashing for routing and trace digests (xxh3, identical on every platform).

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Hash seed for shard keys; any fixed value works, it only has to never change.
pub const KEY_SEED: u64 = 0x7069_7065_6c61_6221;

/// The 64-bit hash of a shard key (a user id). Hashes the little-endian bytes, so the
/// value is the same on 32- and 64-bit targets.
pub fn key_hash(key: u64) -> u64 {
    xxh3_64_with_seed(&key.to_le_bytes(), KEY_SEED)
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
    fn key_hash_depends_on_every_byte_and_is_stable_within_a_run() {
        assert_eq!(key_hash(42), key_hash(42));
        assert_ne!(key_hash(42), key_hash(43));
        assert_ne!(key_hash(1 << 40), key_hash(0));
    }
}
