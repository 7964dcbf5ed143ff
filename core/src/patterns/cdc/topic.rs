//! The Kafka side: the producer's default partitioner (murmur2 of the key bytes, made
//! positive, modulo the partition count — as Kafka's Java client computes it) and the
//! messages a partition holds.

/// Kafka's `Utils.murmur2` over `data`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ len as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= (tail[2] as u32) << 16;
    }
    if tail.len() >= 2 {
        h ^= (tail[1] as u32) << 8;
    }
    if !tail.is_empty() {
        h ^= tail[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition the default partitioner picks for `key` among `partitions`.
pub fn partition_for(key: &[u8], partitions: u32) -> u32 {
    ((murmur2(key) & 0x7fff_ffff) as u32) % partitions.max(1)
}

/// The message key of row `id`: Debezium's own key (the primary key as JSON), or with
/// the note's handler the text of `after.id` (`None` for a delete: the empty key).
pub fn key_text(id: Option<u32>, note: bool) -> String {
    match (id, note) {
        (Some(id), false) => format!("{{\"id\":{id}}}"),
        (Some(id), true) => id.to_string(),
        (None, _) => String::new(),
    }
}

/// One message in a partition: the change event of a source record, or the tombstone
/// Debezium sends right after a delete's event (`tombstones.on.delete`, on by default):
/// the same key and a null value, so a compacted topic can drop the row's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    /// The source record: the change's, or for a tombstone the delete's it follows.
    pub record: u32,
    /// A tombstone: the value is null.
    pub tombstone: bool,
    /// Produced again after a connector restart (the sink cannot tell).
    pub redelivered: bool,
    /// Keyed by the note's `after.id`, which a delete does not have.
    pub no_key: bool,
    /// The step at which the connector produced it (its clock is the envelope's `ts_ms`).
    pub step: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn murmur2_matches_kafkas_published_vectors() {
        // The vectors of Kafka's own UtilsTest.
        for (data, want) in [
            (&b"21"[..], -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ] {
            assert_eq!(murmur2(data), want, "{}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn keys_spread_over_partitions_and_the_empty_key_has_one_home() {
        let mut counts = [0u32; 4];
        for id in 0..4_000 {
            counts[partition_for(key_text(Some(id), false).as_bytes(), 4) as usize] += 1;
        }
        assert!(
            counts.iter().all(|c| (800..1_200).contains(c)),
            "{counts:?}"
        );
        assert_eq!(key_text(Some(7), false), r#"{"id":7}"#);
        assert_eq!(key_text(None, true), "");
        assert_eq!(partition_for(b"7", 1), 0);
    }
}
