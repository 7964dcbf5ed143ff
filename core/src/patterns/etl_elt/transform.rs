//! The business logic every path runs, wherever it runs: drop nulls, reject amounts that do
//! not parse, keep one row per order (the latest version), apply the revenue rule and sum
//! per key. ETL runs it row by row on its own server before loading; ELT runs it as one
//! query over the raw staging table; the streaming variant runs it on each loaded chunk.

use arrow_array::RecordBatch;

use super::extract::PAID;
use super::source::CATEGORIES;
use super::table::{Group, StagingCols, Totals};
use crate::sim::parray::{PArray, PBitSet};

/// The first order id (slot 0).
pub const ORDER_BASE: u64 = 100_000;

/// The business rule for revenue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// v1: every valid order counts.
    AllOrders,
    /// v2: cancelled orders are not revenue.
    PaidOnly,
}

impl Rule {
    pub fn version(self) -> u8 {
        match self {
            Rule::AllOrders => 1,
            Rule::PaidOnly => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rule::AllOrders => "v1: every valid order",
            Rule::PaidOnly => "v2: paid orders only",
        }
    }
}

/// Why a row was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    NullCategory,
    NullAmount,
    BadAmount,
}

impl Reject {
    pub fn label(self) -> &'static str {
        match self {
            Reject::NullCategory => "category is null",
            Reject::NullAmount => "amount is null",
            Reject::BadAmount => "amount is not a valid number",
        }
    }
}

/// What the transform made of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Counted {
        key: u32,
        cents: i64,
    },
    /// Valid, but the rule leaves it out (a cancelled order under v2).
    Excluded,
    Rejected(Reject),
    /// Another row of the same order was already taken.
    Duplicate,
}

/// `^[0-9]+\.[0-9]{2}$` as cents; anything else (a comma, a sign, a placeholder, an
/// exponent, more than 12 integer digits) is not an amount.
pub fn parse_amount(text: &str) -> Option<i64> {
    parse_amount_bytes(text.as_bytes())
}

/// [`parse_amount`] over the bytes as stored.
#[inline(always)]
fn parse_amount_bytes(b: &[u8]) -> Option<i64> {
    let n = b.len();
    // At least "0.00", at most 12 integer digits.
    if !(4..=15).contains(&n) || b[n - 3] != b'.' {
        return None;
    }
    let mut v: i64 = 0;
    for (i, &c) in b.iter().enumerate() {
        if i == n - 3 {
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

/// The key a row groups under.
pub fn key_of(group: Group, category: &str, user_id: u32) -> Option<u32> {
    match group {
        Group::Category => CATEGORIES
            .iter()
            .position(|c| *c == category)
            .map(|k| k as u32),
        Group::User => Some(user_id),
    }
}

/// Judges one row (duplicates aside).
pub fn judge(
    category: Option<&str>,
    amount: Option<&str>,
    paid: bool,
    user_id: u32,
    group: Group,
    rule: Rule,
) -> Verdict {
    judge_bytes(
        category.map(str::as_bytes),
        amount.map(str::as_bytes),
        paid,
        user_id,
        group,
        rule,
    )
}

/// [`judge`] over the bytes as stored (the warehouse transform's hot loop).
#[inline(always)]
fn judge_bytes(
    category: Option<&[u8]>,
    amount: Option<&[u8]>,
    paid: bool,
    user_id: u32,
    group: Group,
    rule: Rule,
) -> Verdict {
    let Some(category) = category else {
        return Verdict::Rejected(Reject::NullCategory);
    };
    let Some(amount) = amount else {
        return Verdict::Rejected(Reject::NullAmount);
    };
    let Some(cents) = parse_amount_bytes(amount) else {
        return Verdict::Rejected(Reject::BadAmount);
    };
    let key = match group {
        Group::Category => CATEGORIES
            .iter()
            .position(|c| c.as_bytes() == category)
            .map(|k| k as u32),
        Group::User => Some(user_id),
    };
    let Some(key) = key else {
        return Verdict::Rejected(Reject::NullCategory);
    };
    if rule == Rule::PaidOnly && !paid {
        return Verdict::Excluded;
    }
    Verdict::Counted { key, cents }
}

/// Rows by what became of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub read: u64,
    pub duplicates: u64,
    pub null: u64,
    pub bad: u64,
    pub excluded: u64,
    pub counted: u64,
}

impl Counts {
    pub fn note(&mut self, v: Verdict) {
        self.read += 1;
        match v {
            Verdict::Counted { .. } => self.counted += 1,
            Verdict::Excluded => self.excluded += 1,
            Verdict::Rejected(Reject::BadAmount) => self.bad += 1,
            Verdict::Rejected(_) => self.null += 1,
            Verdict::Duplicate => self.duplicates += 1,
        }
    }
}

/// The warehouse transform over staging batches (`CREATE OR REPLACE TABLE … AS WITH latest
/// AS (SELECT … QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY updated_at DESC)
/// = 1) SELECT … GROUP BY …`): the latest version of each order wins (the first of
/// equals), then the filters, the rule and the sums.
///
/// Two passes over typed columns: find each order's winning row (its `updated_at`, batch
/// and row, in a dense array by order id), then judge only the winners.
pub fn transform<'a>(
    batches: impl Iterator<Item = &'a RecordBatch>,
    group: Group,
    rule: Rule,
    n_keys: usize,
) -> (Totals, Counts) {
    let cols: Vec<StagingCols<'a>> = batches.filter_map(StagingCols::of).collect();
    let mut counts = Counts::default();
    let max_slot = cols
        .iter()
        .filter_map(|c| c.order_id.values().iter().max())
        .max()
        .map_or(0, |&o| o.wrapping_sub(ORDER_BASE).min(MAX_SLOTS) as usize);
    let mut latest = vec![EMPTY; max_slot + 1];
    for (bi, c) in cols.iter().enumerate() {
        pick_winners(
            &mut latest,
            c.order_id.values(),
            c.updated_at.values(),
            bi as u32,
            &mut counts,
        );
    }
    let mut acc = vec![(0i64, 0u64); n_keys];
    // The winners' fields straight from the columns' offsets and bytes: the loop does not
    // depend on whether Arrow's `value(i)` is inlined (at opt-level z it stops being once
    // enough other code calls it).
    let raw: Vec<RawCols<'a>> = cols.iter().map(RawCols::of).collect();
    for chunk in latest.chunks(4_096) {
        sum_winners(chunk, &raw, &mut acc, &mut counts, group, rule);
    }
    (Totals::from_pairs(acc), counts)
}

const EMPTY: (i64, u32, u32) = (i64::MIN, 0, 0);

/// First pass over one batch: each order's latest row so far. Its own small function,
/// called once per batch, so the browser's wasm engine optimises it after the first few
/// batches (one big function called once per transform would run unoptimised).
#[inline(never)]
fn pick_winners(
    latest: &mut [(i64, u32, u32)],
    orders: &[u64],
    updated: &[i64],
    bi: u32,
    counts: &mut Counts,
) {
    for (i, (&o, &u)) in orders.iter().zip(updated.iter()).enumerate() {
        counts.read += 1;
        let slot = o.wrapping_sub(ORDER_BASE);
        let Some(entry) = latest.get_mut(slot as usize).filter(|_| slot < MAX_SLOTS) else {
            counts.bad += 1;
            continue;
        };
        if entry.0 != i64::MIN {
            counts.duplicates += 1;
            if entry.0 >= u {
                continue;
            }
        }
        *entry = (u, bi, i as u32);
    }
}

/// Second pass over a slice of the winners: judge each and add it to its key's sums
/// (small and called per slice, for the same reason as [`pick_winners`]).
#[inline(never)]
fn sum_winners(
    winners: &[(i64, u32, u32)],
    raw: &[RawCols<'_>],
    acc: &mut Vec<(i64, u64)>,
    counts: &mut Counts,
    group: Group,
    rule: Rule,
) {
    for &(u, bi, i) in winners {
        if u == i64::MIN {
            continue;
        }
        let (Some(c), i) = (raw.get(bi as usize), i as usize) else {
            continue;
        };
        let v = judge_bytes(
            c.category.at(i),
            c.amount.at(i),
            c.status.at(i) == Some(PAID.as_bytes()),
            c.user_id.get(i).copied().unwrap_or(0),
            group,
            rule,
        );
        match v {
            Verdict::Counted { key, cents } => {
                counts.counted += 1;
                let key = key as usize;
                if key >= acc.len() {
                    acc.resize(key + 1, (0, 0));
                }
                acc[key].0 += cents;
                acc[key].1 += 1;
            }
            Verdict::Excluded => counts.excluded += 1,
            Verdict::Rejected(Reject::BadAmount) => counts.bad += 1,
            Verdict::Rejected(_) => counts.null += 1,
            Verdict::Duplicate => {}
        }
    }
}

/// A string column as its offsets, bytes and validity bits.
struct RawStr<'a> {
    offsets: &'a [i32],
    data: &'a [u8],
    /// The validity bitmap and its bit offset (`None`: no nulls).
    valid: Option<(&'a [u8], usize)>,
}

impl<'a> RawStr<'a> {
    fn of(col: &'a arrow_array::StringArray) -> RawStr<'a> {
        RawStr {
            offsets: col.value_offsets(),
            data: col.value_data(),
            valid: arrow_array::Array::nulls(col).map(|n| (n.validity(), n.offset())),
        }
    }

    /// Row `i`'s bytes, `None` when null (or out of range).
    #[inline(always)]
    fn at(&self, i: usize) -> Option<&'a [u8]> {
        if let Some((bits, off)) = self.valid {
            let bit = off + i;
            if bits.get(bit / 8).is_none_or(|b| b >> (bit % 8) & 1 == 0) {
                return None;
            }
        }
        let (start, end) = (*self.offsets.get(i)?, *self.offsets.get(i + 1)?);
        self.data.get(start as usize..end as usize)
    }
}

/// The columns the transform's second pass reads, raw.
struct RawCols<'a> {
    user_id: &'a [u32],
    category: RawStr<'a>,
    amount: RawStr<'a>,
    status: RawStr<'a>,
}

impl<'a> RawCols<'a> {
    fn of(c: &StagingCols<'a>) -> RawCols<'a> {
        RawCols {
            user_id: c.user_id.values(),
            category: RawStr::of(c.category),
            amount: RawStr::of(c.amount),
            status: RawStr::of(c.status),
        }
    }
}

/// Order ids beyond `ORDER_BASE + MAX_SLOTS` are not orders this source writes.
const MAX_SLOTS: u64 = 1 << 26;

/// The fields of one row the transform reads.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    pub order_id: u64,
    pub user_id: u32,
    pub category: Option<&'a str>,
    pub amount: Option<&'a str>,
    pub paid: bool,
}

impl<'a> Fields<'a> {
    pub fn of(row: &'a super::extract::RawRow) -> Fields<'a> {
        Fields {
            order_id: row.order_id,
            user_id: row.user_id,
            category: row.category,
            amount: row.amount.as_deref(),
            paid: row.status == PAID,
        }
    }
}

/// A transform kept up to date row by row (the ETL server's in-memory job, the streaming
/// variant's continuous query): a set of orders already taken, running sums, counts.
/// Shared-chunk arrays, so checkpoints copy pointers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Running {
    seen: PBitSet,
    cents: PArray<i64>,
    orders: PArray<u64>,
    pub counts: Counts,
    keys: usize,
}

impl Running {
    pub fn new(keys: usize) -> Running {
        Running {
            keys,
            ..Running::default()
        }
    }

    /// Takes one row; a row of an order already taken is a duplicate (within one extract
    /// every copy of an order is the same version).
    pub fn take(&mut self, row: Fields<'_>, group: Group, rule: Rule) -> Verdict {
        let v = if !self.seen.insert(row.order_id.wrapping_sub(ORDER_BASE)) {
            Verdict::Duplicate
        } else {
            judge(row.category, row.amount, row.paid, row.user_id, group, rule)
        };
        if let Verdict::Counted { key, cents } = v {
            self.cents.update(key as usize, |c| *c += cents);
            self.orders.update(key as usize, |o| *o += 1);
            self.keys = self.keys.max(key as usize + 1);
        }
        self.counts.note(v);
        v
    }

    /// The running sums as dense totals.
    pub fn totals(&self) -> Totals {
        Totals {
            cents: (0..self.keys).map(|k| self.cents.get(k)).collect(),
            orders: (0..self.keys).map(|k| self.orders.get(k)).collect(),
        }
    }

    /// Keys the running sums cover (`0..key_count`).
    pub fn key_count(&self) -> usize {
        self.keys
    }

    /// Keys with at least one order counted.
    pub fn keys_with_orders(&self) -> usize {
        (0..self.keys).filter(|&k| self.orders.get(k) > 0).count()
    }

    /// One key's running sum and count.
    pub fn key(&self, key: u32) -> (i64, u64) {
        (self.cents.get(key as usize), self.orders.get(key as usize))
    }

    /// Replaces the state by a whole-table transform's result (a re-derivation).
    pub fn reset_to(&mut self, totals: &Totals, counts: Counts, batches: &[&RecordBatch]) {
        let mut r = Running::new(totals.cents.len());
        for b in batches {
            if let Some(cols) = StagingCols::of(b) {
                for &o in cols.order_id.values().iter() {
                    r.seen.insert(o.wrapping_sub(ORDER_BASE));
                }
            }
        }
        for (k, (&c, &o)) in totals.cents.iter().zip(&totals.orders).enumerate() {
            if o > 0 {
                r.cents.update(k, |x| *x = c);
                r.orders.update(k, |x| *x = o);
            }
        }
        r.counts = counts;
        *self = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::etl_elt::extract::RawRow;
    use crate::patterns::etl_elt::table::staging_batch;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn only_plain_two_decimal_amounts_parse() {
        assert_eq!(parse_amount("12.50"), Some(1250));
        assert_eq!(parse_amount("0.07"), Some(7));
        for bad in [
            "12,50", "-12.50", "N/A", "1e2", "12.5", "12.500", ".50", "", "1 2.00",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(parse_amount("9999999999999.00"), None);
    }

    fn raw(
        order: u64,
        cat: Option<&'static str>,
        amount: Option<&str>,
        paid: bool,
        t: i64,
    ) -> RawRow {
        RawRow {
            order_id: ORDER_BASE + order,
            user_id: 1 + order as u32 % 3,
            category: cat,
            amount: amount.map(str::to_string),
            status: if paid { "paid" } else { "cancelled" },
            updated_ms: t,
        }
    }

    #[test]
    fn the_latest_version_of_an_order_wins_and_the_rule_applies_after() {
        let rows = vec![
            raw(0, Some("books"), Some("10.00"), true, 1),
            raw(0, Some("books"), Some("10.00"), true, 1), // export duplicate
            raw(1, Some("games"), None, true, 1),
            raw(2, Some("games"), Some("N/A"), true, 1),
            raw(3, Some("games"), Some("5.00"), true, 1),
        ];
        let later = vec![raw(3, Some("games"), Some("5.00"), false, 9)];
        let (a, b) = (
            staging_batch(0, &rows).unwrap(),
            staging_batch(1, &later).unwrap(),
        );
        let (t, c) = transform([&a, &b].into_iter(), Group::Category, Rule::AllOrders, 6);
        assert_eq!(t.cents[0], 1000);
        assert_eq!((t.cents[1], t.orders[1]), (500, 1));
        assert_eq!(
            (c.read, c.duplicates, c.null, c.bad, c.counted),
            (6, 2, 1, 1, 2)
        );
        let (t2, c2) = transform([&a, &b].into_iter(), Group::Category, Rule::PaidOnly, 6);
        assert_eq!(t2.orders[1], 0);
        assert_eq!(c2.excluded, 1);
        // Older version after the newer one still loses.
        let (t3, _) = transform([&b, &a].into_iter(), Group::Category, Rule::PaidOnly, 6);
        assert_eq!(t3, t2);
    }

    #[test]
    fn running_matches_the_table_transform_on_one_extract() {
        let rows: Vec<RawRow> = (0..40)
            .map(|i| {
                raw(
                    i % 30,
                    Some(CATEGORIES[(i % 6) as usize]),
                    Some(&format!("{}.{:02}", i, i % 100)),
                    i % 4 != 0,
                    1,
                )
            })
            .collect();
        let mut run = Running::new(6);
        for r in &rows {
            run.take(Fields::of(r), Group::User, Rule::PaidOnly);
        }
        let b = staging_batch(0, &rows).unwrap();
        let (t, c) = transform([&b].into_iter(), Group::User, Rule::PaidOnly, 6);
        assert_eq!(run.totals(), t);
        assert_eq!(run.counts, c);
    }
}
