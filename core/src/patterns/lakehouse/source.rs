//! The raw orders that land in bronze, as a pure function of the seed, the row's index and
//! the faults that touched it (a late file, the new `currency` field). Nothing is stored:
//! a million-row run costs nothing until the rows are written into files.

use std::ops::Range;

use crate::hash::key_hash;

/// First order id (fresh orders are numbered from here in arrival order).
pub const FIRST_ORDER_ID: u64 = 100_000;
/// How many days behind a late file's orders are.
pub const LATE_DAYS: u32 = 3;
/// How far back a resent row may reach.
const RESEND_WINDOW: u64 = 40;

/// What makes a raw row unusable for silver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Amount written as `N/A`.
    NotANumber,
    /// No amount at all.
    NoAmount,
    /// A negative amount (a refund sent to the orders feed).
    Negative,
    /// No user id.
    NoUser,
}

/// One raw row as the producer sent it (bronze stores it as sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawOrder {
    /// The row's position in the feed (the step it arrives at).
    pub index: u64,
    pub order_id: u64,
    pub user_id: Option<u32>,
    /// Order day (days since 2024-01-01): the silver partition.
    pub day: u32,
    /// The amount as text, as sent (`"12.50"`, `"N/A"`, `"-3.00"`) or absent.
    pub amount: Option<String>,
    /// When the row landed (ms since 2024-01-01).
    pub ingested_ms: i64,
    /// ISO currency, sent only once the producer added the field.
    pub currency: Option<&'static str>,
    /// Set when this row is an earlier order sent again: that row's index.
    pub resend_of: Option<u64>,
}

/// What the source needs besides the seed: the shape of the feed and the faults' marks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Feed {
    pub seed: u64,
    pub users: u32,
    pub per_day: u32,
    pub bad: f64,
    pub dup: f64,
    /// Row ranges written as late files (their orders are [`LATE_DAYS`] old).
    pub late: Vec<Range<u64>>,
    /// The first row that carries `currency`.
    pub currency_from: Option<u64>,
}

fn unit(seed: u64, index: u64, salt: u64) -> f64 {
    let h = key_hash(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt);
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn pick(seed: u64, index: u64, salt: u64) -> u64 {
    key_hash(seed.rotate_left(17) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ salt)
}

impl Feed {
    /// Milliseconds between rows.
    pub fn interval_ms(&self) -> i64 {
        86_400_000 / self.per_day.max(1) as i64
    }

    /// When row `index` lands.
    pub fn ingested_ms(&self, index: u64) -> i64 {
        (index as i64).saturating_mul(self.interval_ms())
    }

    /// The day a row arriving at `index` would be ordered on, if on time.
    pub fn arrival_day(&self, index: u64) -> u32 {
        (index / self.per_day.max(1) as u64).min(u32::MAX as u64) as u32
    }

    fn is_late(&self, index: u64) -> bool {
        self.late.iter().any(|r| r.contains(&index))
    }

    /// The row an at-least-once resend at `index` repeats, if it is one (never a resend
    /// itself: the chain is followed to the first send).
    fn resend_source(&self, index: u64) -> Option<u64> {
        if index == 0 || unit(self.seed, index, 0xA11) >= self.dup {
            return None;
        }
        let back = 1 + pick(self.seed, index, 0xB22) % index.min(RESEND_WINDOW);
        let mut source = index - back;
        // Each hop goes back at least one row, so this ends.
        while let Some(earlier) = self.resend_source(source) {
            source = earlier;
        }
        Some(source)
    }

    /// Raw row `index`.
    pub fn row(&self, index: u64) -> RawOrder {
        let ingested_ms = self.ingested_ms(index);
        if let Some(source) = self.resend_source(index) {
            let first = self.first_send(source);
            // Redelivered as first sent: the same content, a later landing time.
            return RawOrder {
                index,
                ingested_ms,
                resend_of: Some(source),
                ..first
            };
        }
        self.first_send(index)
    }

    /// Row `index` as first sent (never a resend).
    fn first_send(&self, index: u64) -> RawOrder {
        let seed = self.seed;
        let day = if self.is_late(index) {
            self.arrival_day(index).saturating_sub(LATE_DAYS)
        } else {
            self.arrival_day(index)
        };
        let user = (pick(seed, index, 0xD44) % self.users.max(1) as u64) as u32;
        let cents = 100 + (pick(seed, index, 0xE55) % 24_900) as i64;
        let mut user_id = Some(user);
        let mut amount = Some(format!("{}.{:02}", cents / 100, cents % 100));
        if unit(seed, index, 0xF66) < self.bad {
            match pick(seed, index, 0x177) % 4 {
                0 => amount = Some("N/A".into()),
                1 => amount = None,
                2 => amount = Some(format!("-{}.{:02}", cents / 100, cents % 100)),
                _ => user_id = None,
            }
        }
        RawOrder {
            index,
            order_id: FIRST_ORDER_ID + index,
            user_id,
            day,
            amount,
            ingested_ms: self.ingested_ms(index),
            currency: self
                .currency_from
                .is_some_and(|from| index >= from)
                .then(|| ["EUR", "USD", "GBP"][(pick(seed, index, 0xC33) % 3) as usize]),
            resend_of: None,
        }
    }
}

/// Silver's rule for one raw amount: a positive decimal with at most two places, in cents.
pub fn parse_cents(text: Option<&str>) -> Result<i64, Flaw> {
    let t = text.ok_or(Flaw::NoAmount)?.trim();
    if t.starts_with('-') {
        return Err(Flaw::Negative);
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Flaw::NotANumber);
    }
    let w: i64 = whole.parse().map_err(|_| Flaw::NotANumber)?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().map_err(|_| Flaw::NotANumber)? * if frac.len() == 1 { 10 } else { 1 }
    };
    let cents = w * 100 + f;
    if cents <= 0 {
        return Err(Flaw::Negative);
    }
    Ok(cents)
}

impl Flaw {
    pub fn text(self) -> &'static str {
        match self {
            Flaw::NotANumber => "amount is not a number",
            Flaw::NoAmount => "no amount",
            Flaw::Negative => "amount not positive",
            Flaw::NoUser => "no user",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn feed() -> Feed {
        Feed {
            seed: 7,
            users: 20,
            per_day: 100,
            bad: 0.1,
            dup: 0.2,
            late: std::iter::once(500..510).collect(),
            currency_from: Some(800),
        }
    }

    #[test]
    fn resends_repeat_an_earlier_first_send_and_late_rows_are_days_old() {
        let f = feed();
        let mut resends = 0;
        for i in 0..1_000 {
            let r = f.row(i);
            assert_eq!(r, f.row(i), "a pure function");
            assert_eq!(r.index, i);
            if let Some(s) = r.resend_of {
                resends += 1;
                assert!(s < i && i - s <= 40 * 10);
                let first = f.row(s);
                assert_eq!(first.resend_of, None);
                assert_eq!(
                    (r.order_id, r.user_id, &r.amount, r.day),
                    (first.order_id, first.user_id, &first.amount, first.day)
                );
            } else {
                assert_eq!(r.order_id, FIRST_ORDER_ID + i);
            }
            if (500..510).contains(&i) && r.resend_of.is_none() {
                assert_eq!(r.day, 5 - LATE_DAYS);
            }
            assert_eq!(r.currency.is_some(), r.resend_of.unwrap_or(i) >= 800);
        }
        assert!((100..300).contains(&resends), "{resends}");
    }

    #[test]
    fn the_amount_rule() {
        assert_eq!(parse_cents(Some("12.50")), Ok(1250));
        assert_eq!(parse_cents(Some("7")), Ok(700));
        assert_eq!(parse_cents(Some("7.5")), Ok(750));
        assert_eq!(parse_cents(Some("N/A")), Err(Flaw::NotANumber));
        assert_eq!(parse_cents(Some("-3.00")), Err(Flaw::Negative));
        assert_eq!(parse_cents(Some("0.00")), Err(Flaw::Negative));
        assert_eq!(parse_cents(None), Err(Flaw::NoAmount));
        assert_eq!(parse_cents(Some("1.234")), Err(Flaw::NotANumber));
        assert_eq!(parse_cents(Some("")), Err(Flaw::NotANumber));
    }
}
