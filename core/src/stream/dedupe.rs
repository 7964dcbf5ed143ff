//! `RecentIds`: "have I seen this event id?" in bounded memory — a sliding bitmap like an
//! IPsec anti-replay window. Workload ids grow with event time and an event arrives at most
//! its maximum lateness after it happened, so a duplicate's id is always near the highest id
//! seen; the bitmap covers the last [`WINDOW_IDS`] ids. Ids of injected events (from
//! [`super::INJECTED_ID_BASE`]) are few and kept in a sorted list.

use super::log::INJECTED_ID_BASE;

/// Ids the bitmap remembers behind the highest id seen.
pub const WINDOW_IDS: u64 = 1 << 14;
const WORDS: usize = (WINDOW_IDS / 64) as usize;

/// What the filter says about an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// First time: count it.
    New,
    /// Seen before: a duplicate delivery.
    Again,
    /// Older than the window can tell; treated as new (the parameters keep this from
    /// happening: maximum lateness over the mean gap stays far below the window).
    TooOld,
}

/// The filter's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentIds {
    /// Highest id seen; the bitmap covers `top - WINDOW_IDS + 1 ..= top`.
    top: Option<u64>,
    bits: Box<[u64; WORDS]>,
    injected: Vec<u64>,
}

impl Default for RecentIds {
    fn default() -> Self {
        RecentIds {
            top: None,
            bits: Box::new([0; WORDS]),
            injected: Vec::new(),
        }
    }
}

impl RecentIds {
    pub fn new() -> Self {
        Self::default()
    }

    fn bit(id: u64) -> (usize, u64) {
        let slot = id % WINDOW_IDS;
        ((slot / 64) as usize, 1 << (slot % 64))
    }

    /// Records `id` and says whether it was seen before.
    pub fn check(&mut self, id: u64) -> Seen {
        if id >= INJECTED_ID_BASE {
            return match self.injected.binary_search(&id) {
                Ok(_) => Seen::Again,
                Err(at) => {
                    self.injected.insert(at, id);
                    Seen::New
                }
            };
        }
        match self.top {
            Some(top) if id <= top => {
                if top - id >= WINDOW_IDS {
                    return Seen::TooOld;
                }
                let (w, m) = Self::bit(id);
                if self.bits[w] & m != 0 {
                    Seen::Again
                } else {
                    self.bits[w] |= m;
                    Seen::New
                }
            }
            top => {
                // Slide forward: forget the ids the window leaves behind.
                let from = top.map_or(0, |t| t + 1);
                if id - from >= WINDOW_IDS {
                    self.bits.fill(0);
                } else {
                    for old in from..id {
                        let (w, m) = Self::bit(old);
                        self.bits[w] &= !m;
                    }
                }
                let (w, m) = Self::bit(id);
                self.bits[w] |= m;
                self.top = Some(id);
                Seen::New
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn repeats_are_caught_in_any_order_within_the_window() {
        let mut r = RecentIds::new();
        assert_eq!(r.check(5), Seen::New);
        assert_eq!(r.check(3), Seen::New);
        assert_eq!(r.check(5), Seen::Again);
        assert_eq!(r.check(3), Seen::Again);
        assert_eq!(r.check(4), Seen::New);
        assert_eq!(r.check(5 + WINDOW_IDS - 1), Seen::New);
        assert_eq!(r.check(5), Seen::Again, "still inside the window");
        assert_eq!(r.check(5 + WINDOW_IDS), Seen::New);
        assert_eq!(r.check(5), Seen::TooOld);
        assert_eq!(r.check(6 + WINDOW_IDS), Seen::New);
        assert_eq!(r.check(INJECTED_ID_BASE + 9), Seen::New);
        assert_eq!(r.check(INJECTED_ID_BASE + 9), Seen::Again);
        assert_eq!(
            r.check(6 + WINDOW_IDS),
            Seen::Again,
            "injected ids leave the window alone"
        );
    }

    #[test]
    fn sliding_forgets_the_slots_it_reuses() {
        let mut r = RecentIds::new();
        assert_eq!(r.check(1), Seen::New);
        // Slot of 1 is reused by 1 + WINDOW_IDS: it must not look like a repeat.
        assert_eq!(r.check(1 + WINDOW_IDS), Seen::New);
        assert_eq!(r.check(1 + 3 * WINDOW_IDS), Seen::New);
        assert_eq!(r.check(1 + 2 * WINDOW_IDS + 5), Seen::New);
    }
}
