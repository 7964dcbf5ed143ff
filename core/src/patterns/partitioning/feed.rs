//! The orders inserted into the partitioned table, as a pure function of the seed, an
//! order's index and the marks faults leave (a hot-key burst, the calendar jumping into a
//! quarter with no partition). Both the table and the oracle read the same feed.

use std::sync::Arc;

use crate::hash::key_hash;

/// The hot user a burst sends from (the hottest under Zipf skew).
pub const HOT_USER: u32 = 1;

/// One order row: `order_id = index + 1`, its user, its order date (days since 2024-01-01)
/// and its amount in cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub index: u32,
    pub user: u32,
    pub day: u32,
    pub amount_cents: u32,
}

impl Order {
    pub fn order_id(&self) -> u64 {
        self.index as u64 + 1
    }
}

/// What a fault changed about the orders still to come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Orders `from..from + len` come from [`HOT_USER`], all dated `day`.
    Burst { from: u64, len: u64, day: u32 },
    /// From order `from` on, every date is `offset` days later than planned.
    Shift { from: u64, offset: u32 },
}

/// The feed: orders dated evenly over `days` days, users drawn by Zipf weights.
#[derive(Clone, Debug)]
pub struct Feed {
    seed: u64,
    rows: u64,
    users: u32,
    days: u32,
    /// Cumulative Zipf weights (shared); `None` when uniform.
    cdf: Option<Arc<[f64]>>,
    marks: Vec<Mark>,
}

fn draw(seed: u64, index: u64, salt: u64) -> u64 {
    key_hash(seed.rotate_left(23) ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt)
}

impl Feed {
    pub fn new(seed: u64, rows: u64, users: u32, skew: f64, days: u32) -> Feed {
        let users = users.max(1);
        let cdf = (skew.is_finite() && skew > 0.0)
            .then(|| crate::workload::zipf_cdf(users, skew.min(10.0)));
        Feed {
            seed,
            rows: rows.max(1),
            users,
            days: days.max(1),
            cdf,
            marks: Vec::new(),
        }
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    pub fn mark(&mut self, mark: Mark) {
        self.marks.push(mark);
    }

    /// The date planned for order `index` (before any shift): the span in order.
    pub fn planned_day(&self, index: u64) -> u32 {
        (index.min(self.rows) as u128 * self.days as u128 / self.rows as u128) as u32
    }

    /// The latest shift in force at `index`.
    fn offset_at(&self, index: u64) -> u32 {
        self.marks
            .iter()
            .filter_map(|m| match *m {
                Mark::Shift { from, offset } if from <= index => Some(offset),
                _ => None,
            })
            .next_back()
            .unwrap_or(0)
    }

    fn pick_user(&self, index: u64) -> u32 {
        let h = draw(self.seed, index, 0x05E2);
        match &self.cdf {
            None => 1 + (h % self.users as u64) as u32,
            Some(cdf) => {
                let total = cdf.last().copied().unwrap_or(1.0);
                let u = (h >> 11) as f64 / (1u64 << 53) as f64 * total;
                let rank = cdf.partition_point(|c| *c <= u);
                (rank.min(cdf.len() - 1) + 1) as u32
            }
        }
    }

    /// Order `index` as inserted.
    pub fn order(&self, index: u64) -> Order {
        let burst = self.marks.iter().find_map(|m| match *m {
            Mark::Burst { from, len, day } if index >= from && index - from < len => Some(day),
            _ => None,
        });
        let (user, day) = match burst {
            Some(day) => (HOT_USER, day),
            None => (
                self.pick_user(index),
                self.planned_day(index)
                    .saturating_add(self.offset_at(index)),
            ),
        };
        Order {
            index: index as u32,
            user,
            day,
            amount_cents: 500 + (draw(self.seed, index, 0xA3) % 49_500) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn dates_run_through_the_span_in_order_and_skew_favours_user_one() {
        let f = Feed::new(7, 10_000, 100, 1.2, 182);
        let orders: Vec<Order> = (0..10_000).map(|i| f.order(i)).collect();
        assert_eq!(orders[0].day, 0);
        assert_eq!(orders[9_999].day, 181);
        assert!(orders.windows(2).all(|w| w[0].day <= w[1].day));
        let ones = orders.iter().filter(|o| o.user == 1).count();
        let twos = orders.iter().filter(|o| o.user == 50).count();
        assert!(ones > 10 * twos.max(1), "{ones} vs {twos}");
        assert_eq!(f.order(123), Feed::new(7, 10_000, 100, 1.2, 182).order(123));
        assert_ne!(f.order(123), Feed::new(8, 10_000, 100, 1.2, 182).order(123));
    }

    #[test]
    fn marks_change_only_the_orders_they_cover() {
        let mut f = Feed::new(1, 1_000, 50, 0.0, 100);
        let before: Vec<Order> = (0..1_000).map(|i| f.order(i)).collect();
        f.mark(Mark::Burst {
            from: 100,
            len: 10,
            day: 42,
        });
        f.mark(Mark::Shift {
            from: 500,
            offset: 91,
        });
        for i in 0..1_000u64 {
            let o = f.order(i);
            let b = before[i as usize];
            if (100..110).contains(&i) {
                assert_eq!((o.user, o.day), (HOT_USER, 42));
            } else if i >= 500 {
                assert_eq!((o.user, o.day), (b.user, b.day + 91));
            } else {
                assert_eq!(o, b);
            }
        }
    }
}
