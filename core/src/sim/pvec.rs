//! `PVec`: an append-only vector whose clones share everything but the chunk being written.
//!
//! Streaming scenarios keep state that grows with the run (emitted window results, the late
//! side output). The [`super::Timeline`] clones a scenario at every checkpoint, so a plain
//! `Vec` would copy the whole history each time. Here the items live in fixed-size chunks
//! behind `Arc`s: a clone copies one pointer per chunk, and a push copies at most the last,
//! partly filled chunk if a clone still shares it.

use std::sync::Arc;

/// Items per chunk.
const CHUNK: usize = 256;

/// An append-only, cheaply clonable vector.
#[derive(Clone)]
pub struct PVec<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for PVec<T> {
    fn default() -> Self {
        PVec {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> PVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(item),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// Items in push order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Up to `count` items starting at `start`, cloned (a page of a table).
    pub fn page(&self, start: usize, count: usize) -> Vec<T> {
        (start..self.len.min(start.saturating_add(count)))
            .filter_map(|i| self.get(i).cloned())
            .collect()
    }
}

impl<T: PartialEq> PartialEq for PVec<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
    }
}

// Summarised: a view's `Debug` is hashed every step by the determinism check, so print the
// length and the newest items only. Items are append-only, so every item is printed at the
// step that pushed it (unless a single step pushes more than `TAIL`).
impl<T: std::fmt::Debug + Clone> std::fmt::Debug for PVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const TAIL: usize = 8;
        let from = self.len.saturating_sub(TAIL);
        f.debug_struct("PVec")
            .field("len", &self.len)
            .field("tail", &self.page(from, TAIL))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn holds_what_was_pushed_across_chunk_boundaries() {
        let mut v = PVec::new();
        for i in 0..(3 * CHUNK + 7) {
            v.push(i);
        }
        assert_eq!(v.len(), 3 * CHUNK + 7);
        assert!(v.iter().copied().eq(0..3 * CHUNK + 7));
        assert_eq!(v.get(CHUNK), Some(&CHUNK));
        assert_eq!(v.get(3 * CHUNK + 7), None);
        assert_eq!(v.last(), Some(&(3 * CHUNK + 6)));
        assert_eq!(v.page(CHUNK - 1, 3), vec![CHUNK - 1, CHUNK, CHUNK + 1]);
        assert_eq!(v.page(usize::MAX, 3), Vec::<usize>::new());
    }

    #[test]
    fn a_clone_is_unaffected_by_later_pushes_and_shares_full_chunks() {
        let mut a = PVec::new();
        for i in 0..(CHUNK + 3) {
            a.push(i);
        }
        let b = a.clone();
        a.push(999);
        assert_eq!(b.len(), CHUNK + 3);
        assert_eq!(b.last(), Some(&(CHUNK + 2)));
        assert_eq!(a.last(), Some(&999));
        assert!(Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        assert!(!Arc::ptr_eq(&a.chunks[1], &b.chunks[1]));
        assert_ne!(a, b);
        let mut c = b.clone();
        c.push(999);
        assert_eq!(a, c, "equal contents compare equal without shared chunks");
    }
}
