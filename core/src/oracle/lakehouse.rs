//! Ground truth for the lakehouse: what silver and gold should hold, folded straight from
//! the feed's definition — each order counted once (a resend is the feed's own repeat of
//! an earlier row), invalid rows left out by this module's own reading of the amount —
//! without Arrow files, MERGE, statistics or snapshots.

use std::ops::Range;

use crate::patterns::lakehouse::source::Feed;

/// The totals the tables should show, over the rows folded so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LakeTruth {
    /// Per user: (orders, cents).
    pub users: Vec<(u64, i64)>,
    pub orders: u64,
    pub cents: i64,
    /// Rows folded: `0..through`.
    pub through: u64,
}

/// An amount the way a careful reader takes it: digits, at most one point and two
/// decimals, above zero; in cents.
fn cents(text: Option<&str>) -> Option<i64> {
    let t = text?;
    let mut whole: i64 = 0;
    let mut frac: i64 = 0;
    let mut decimals = None::<u32>;
    let mut digits = 0;
    for ch in t.chars() {
        match (ch, decimals) {
            ('.', None) => decimals = Some(0),
            (d @ '0'..='9', None) => {
                whole = whole.checked_mul(10)?.checked_add(d as i64 - '0' as i64)?;
                digits += 1;
            }
            (d @ '0'..='9', Some(n)) if n < 2 => {
                frac = frac * 10 + (d as i64 - '0' as i64);
                decimals = Some(n + 1);
            }
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let frac = match decimals {
        Some(1) => frac * 10,
        _ => frac,
    };
    let total = whole.checked_mul(100)?.checked_add(frac)?;
    (total > 0).then_some(total)
}

impl LakeTruth {
    pub fn new(users: u32) -> LakeTruth {
        LakeTruth {
            users: vec![(0, 0); users as usize],
            ..LakeTruth::default()
        }
    }

    /// Folds the feed's rows `rows` (must start at `through`; others are ignored).
    pub fn fold(&mut self, feed: &Feed, rows: Range<u64>) {
        if rows.start != self.through {
            return;
        }
        for i in rows.clone() {
            let r = feed.row(i);
            if r.resend_of.is_some() {
                continue;
            }
            let (Some(user), Some(c)) = (r.user_id, cents(r.amount.as_deref())) else {
                continue;
            };
            if let Some(slot) = self.users.get_mut(user as usize) {
                slot.0 += 1;
                slot.1 += c;
                self.orders += 1;
                self.cents += c;
            }
        }
        self.through = rows.end.max(self.through);
    }

    /// Users whose (orders, cents) in `seen` differ from the truth, and the summed absolute
    /// difference in orders.
    pub fn diff(&self, seen: &[(u64, i64)]) -> (u64, u64) {
        let mut users = 0;
        let mut orders = 0;
        for (i, t) in self.users.iter().enumerate() {
            let s = seen.get(i).copied().unwrap_or((0, 0));
            if s != *t {
                users += 1;
                orders += s.0.abs_diff(t.0);
            }
        }
        (users, orders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn amounts_as_a_careful_reader_takes_them() {
        assert_eq!(cents(Some("12.50")), Some(1250));
        assert_eq!(cents(Some("12.5")), Some(1250));
        assert_eq!(cents(Some("3")), Some(300));
        for bad in ["N/A", "-3.00", "0.00", "", ".", "1.234", "1.2.3"] {
            assert_eq!(cents(Some(bad)), None, "{bad}");
        }
        assert_eq!(cents(None), None);
    }
}
