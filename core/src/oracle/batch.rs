//! Ground truth for batch writes: after every request, each good row it carried must be in
//! the table (exactly once: duplicates are counted by the table itself) and each bad row
//! must not. Judged from the rows' definitions, not from the writer's report.

use std::ops::Range;

/// The table against what it should hold, so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableTruth {
    /// Good rows sent so far: the table should hold each once.
    pub expected: u64,
    /// Good rows sent but not in the table (given up, or lost).
    pub missing: u64,
    /// Bad rows found in the table.
    pub wrongly_stored: u64,
}

impl TableTruth {
    /// Judges the rows of one finished request.
    pub fn judge(
        &mut self,
        ids: Range<u64>,
        is_bad: impl Fn(u64) -> bool,
        stored: impl Fn(u64) -> bool,
    ) {
        for id in ids {
            match (is_bad(id), stored(id)) {
                (false, true) => self.expected += 1,
                (false, false) => {
                    self.expected += 1;
                    self.missing += 1;
                }
                (true, true) => self.wrongly_stored += 1,
                (true, false) => {}
            }
        }
    }

    /// Whether the table is exactly right, given the duplicates it holds.
    pub fn exact(&self, duplicates: u64) -> bool {
        self.missing == 0 && self.wrongly_stored == 0 && duplicates == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn counts_missing_and_wrongly_stored_rows() {
        let mut t = TableTruth::default();
        t.judge(0..6, |i| i == 2, |i| i != 4);
        assert_eq!((t.expected, t.missing, t.wrongly_stored), (5, 1, 1));
        assert!(!t.exact(0));
        let mut ok = TableTruth::default();
        ok.judge(0..3, |i| i == 1, |i| i != 1);
        assert!(ok.exact(0) && !ok.exact(2));
    }
}
