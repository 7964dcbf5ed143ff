//! One sort for the whole core. Every `sort`/`sort_unstable` on a new element type compiles
//! its own copy of the sorting algorithm (about 3 KB of wasm each), so the core sorts
//! `(i64, u64)` pairs (a key and a payload) and nothing else; callers map their items to
//! pairs and back.

/// Sorts by key, then payload.
pub fn sort_pairs(v: &mut [(i64, u64)]) {
    v.sort_unstable();
}
