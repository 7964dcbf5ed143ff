//! The warehouse's tables as Arrow record batches: the raw staging table ELT loads into,
//! and the aggregate tables every path publishes. Typed access only (`as_*_opt`, typed
//! builders): Arrow's dynamic kernels would add ~170 KB gzip to the download.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt32Type, UInt64Type};
/// Re-exported so the app can hold batches without depending on Arrow itself.
pub use arrow_array::RecordBatch;
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use super::extract::RawRow;

/// Staging columns, in order.
pub const STAGING_COLUMNS: [&str; 7] = [
    "_run",
    "order_id",
    "user_id",
    "category",
    "amount",
    "status",
    "updated_at",
];

/// The raw staging table's schema: keys typed, everything the source wrote as text.
pub fn staging_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("_run", DataType::UInt32, false),
        Field::new("order_id", DataType::UInt64, false),
        Field::new("user_id", DataType::UInt32, false),
        Field::new("category", DataType::Utf8, true),
        Field::new("amount", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, false),
        Field::new("updated_at", DataType::Int64, false),
    ]))
}

/// One INSERT's rows as a record batch of the staging table.
pub fn staging_batch(run: u32, rows: &[RawRow]) -> Option<RecordBatch> {
    let n = rows.len();
    let mut run_col = UInt32Builder::with_capacity(n);
    let mut order = UInt64Builder::with_capacity(n);
    let mut user = UInt32Builder::with_capacity(n);
    let mut category = StringBuilder::with_capacity(n, n * 6);
    let mut amount = StringBuilder::with_capacity(n, n * 6);
    let mut status = StringBuilder::with_capacity(n, n * 5);
    let mut updated = Int64Builder::with_capacity(n);
    for r in rows {
        run_col.append_value(run);
        order.append_value(r.order_id);
        user.append_value(r.user_id);
        category.append_option(r.category);
        amount.append_option(r.amount.as_deref());
        status.append_value(r.status);
        updated.append_value(r.updated_ms);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(run_col.finish()),
        Arc::new(order.finish()),
        Arc::new(user.finish()),
        Arc::new(category.finish()),
        Arc::new(amount.finish()),
        Arc::new(status.finish()),
        Arc::new(updated.finish()),
    ];
    // The builders above produce equal-length columns of the schema's types, so this is
    // `Some`; no fallback batch is built (`RecordBatch::new_empty` links Arrow's dynamic
    // array factory, 33 KB of wasm).
    RecordBatch::try_new(staging_schema(), columns).ok()
}

/// Typed, borrowed columns of a staging batch (`None` if the batch is not one).
pub struct StagingCols<'a> {
    pub run: &'a arrow_array::UInt32Array,
    pub order_id: &'a arrow_array::UInt64Array,
    pub user_id: &'a arrow_array::UInt32Array,
    pub category: &'a arrow_array::StringArray,
    pub amount: &'a arrow_array::StringArray,
    pub status: &'a arrow_array::StringArray,
    pub updated_at: &'a arrow_array::Int64Array,
}

impl<'a> StagingCols<'a> {
    pub fn of(b: &'a RecordBatch) -> Option<StagingCols<'a>> {
        if b.num_columns() != STAGING_COLUMNS.len() {
            return None;
        }
        Some(StagingCols {
            run: b.column(0).as_primitive_opt::<UInt32Type>()?,
            order_id: b.column(1).as_primitive_opt::<UInt64Type>()?,
            user_id: b.column(2).as_primitive_opt::<UInt32Type>()?,
            category: b.column(3).as_string_opt::<i32>()?,
            amount: b.column(4).as_string_opt::<i32>()?,
            status: b.column(5).as_string_opt::<i32>()?,
            updated_at: b.column(6).as_primitive_opt::<Int64Type>()?,
        })
    }

    pub fn len(&self) -> usize {
        self.order_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn category(&self, i: usize) -> Option<&'a str> {
        (!self.category.is_null(i)).then(|| self.category.value(i))
    }

    pub fn amount(&self, i: usize) -> Option<&'a str> {
        (!self.amount.is_null(i)).then(|| self.amount.value(i))
    }

    /// Row `i` back as a [`RawRow`] (for tables on the page).
    pub fn row(&self, i: usize) -> RawRow {
        RawRow {
            order_id: self.order_id.value(i),
            user_id: self.user_id.value(i),
            category: self
                .category(i)
                .and_then(|c| super::source::CATEGORIES.iter().copied().find(|k| *k == c)),
            amount: self.amount(i).map(str::to_string),
            status: if self.status.value(i) == super::extract::PAID {
                super::extract::PAID
            } else {
                super::extract::CANCELLED
            },
            updated_ms: self.updated_at.value(i),
        }
    }
}

/// What an aggregate groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The note's `GROUP BY category`.
    Category,
    /// Revenue per customer.
    User,
}

impl Group {
    pub fn column(self) -> &'static str {
        match self {
            Group::Category => "category",
            Group::User => "user_id",
        }
    }
}

/// Per-key sums and counts in dense arrays (keys are small integers: a category index or a
/// user id). The one grouping kernel every path and the benchmark use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub cents: Vec<i64>,
    pub orders: Vec<u64>,
}

impl Totals {
    /// Accumulators with a key's sum and count side by side (one cache line per update
    /// when keys are many and arrive in random order), split into `Totals` at the end.
    pub fn from_pairs(pairs: Vec<(i64, u64)>) -> Totals {
        let (cents, orders) = pairs.into_iter().unzip();
        Totals { cents, orders }
    }

    pub fn with_keys(keys: usize) -> Totals {
        Totals {
            cents: vec![0; keys],
            orders: vec![0; keys],
        }
    }

    #[inline]
    pub fn add(&mut self, key: u32, cents: i64) {
        let k = key as usize;
        if k >= self.cents.len() {
            self.cents.resize(k + 1, 0);
            self.orders.resize(k + 1, 0);
        }
        self.cents[k] += cents;
        self.orders[k] += 1;
    }
}

/// `SELECT key, SUM(amount), COUNT(*) … GROUP BY key` over typed columns: one pass into
/// dense accumulators. `keys` sizes them (a larger key grows them).
pub fn sum_count(
    keys: &arrow_array::UInt32Array,
    cents: &arrow_array::Int64Array,
    n_keys: usize,
) -> Totals {
    let mut acc = vec![(0i64, 0u64); n_keys];
    let k = keys.values();
    let c = cents.values();
    let mut add = |key: u32, v: i64| {
        let key = key as usize;
        if key >= acc.len() {
            acc.resize(key + 1, (0, 0));
        }
        let slot = &mut acc[key];
        slot.0 += v;
        slot.1 += 1;
    };
    if keys.null_count() == 0 && cents.null_count() == 0 {
        for (&key, &v) in k.iter().zip(c.iter()) {
            add(key, v);
        }
    } else {
        for i in 0..k.len().min(c.len()) {
            if keys.is_valid(i) && cents.is_valid(i) {
                add(k[i], c[i]);
            }
        }
    }
    Totals::from_pairs(acc)
}

/// The aggregate as a record batch: only keys with at least one order, in key order.
pub fn aggregate_batch(group: Group, totals: &Totals) -> Option<RecordBatch> {
    let n = totals.orders.iter().filter(|&&o| o > 0).count();
    let mut total = Int64Builder::with_capacity(n);
    let mut orders = Int64Builder::with_capacity(n);
    let key: ArrayRef = match group {
        Group::Category => {
            let mut b = StringBuilder::with_capacity(n, n * 6);
            for (k, &o) in totals.orders.iter().enumerate() {
                if o > 0 {
                    b.append_value(super::source::CATEGORIES.get(k).copied().unwrap_or("?"));
                }
            }
            Arc::new(b.finish())
        }
        Group::User => {
            let mut b = UInt32Builder::with_capacity(n);
            for (k, &o) in totals.orders.iter().enumerate() {
                if o > 0 {
                    b.append_value(k as u32);
                }
            }
            Arc::new(b.finish())
        }
    };
    for (k, &o) in totals.orders.iter().enumerate() {
        if o > 0 {
            total.append_value(totals.cents[k]);
            orders.append_value(o as i64);
        }
    }
    let key_type = match group {
        Group::Category => DataType::Utf8,
        Group::User => DataType::UInt32,
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new(group.column(), key_type, false),
        Field::new("total_cents", DataType::Int64, false),
        Field::new("order_count", DataType::Int64, false),
    ]));
    let columns: Vec<ArrayRef> = vec![key, Arc::new(total.finish()), Arc::new(orders.finish())];
    RecordBatch::try_new(schema, columns).ok()
}

/// One aggregate row read back: the key's numeric value (category index or user id), its
/// label, total cents and order count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggRow {
    pub key: u32,
    pub label: String,
    pub cents: i64,
    pub orders: u64,
}

/// Rows `start..start+count` of an aggregate batch.
pub fn aggregate_rows(batch: &RecordBatch, start: usize, count: usize) -> Vec<AggRow> {
    if batch.num_columns() != 3 {
        return Vec::new();
    }
    let (Some(total), Some(orders)) = (
        batch.column(1).as_primitive_opt::<Int64Type>(),
        batch.column(2).as_primitive_opt::<Int64Type>(),
    ) else {
        return Vec::new();
    };
    let end = batch.num_rows().min(start.saturating_add(count));
    let key_of = |i: usize| -> (u32, String) {
        if let Some(s) = batch.column(0).as_string_opt::<i32>() {
            let label = s.value(i);
            let k = super::source::CATEGORIES
                .iter()
                .position(|c| *c == label)
                .unwrap_or(usize::MAX) as u32;
            (k, label.to_string())
        } else if let Some(u) = batch.column(0).as_primitive_opt::<UInt32Type>() {
            (u.value(i), format!("user {}", u.value(i)))
        } else {
            (u32::MAX, "?".to_string())
        }
    };
    (start.min(end)..end)
        .map(|i| {
            let (key, label) = key_of(i);
            AggRow {
                key,
                label,
                cents: total.value(i),
                orders: orders.value(i).max(0) as u64,
            }
        })
        .collect()
}

/// The aggregate back as dense totals (to compare with an oracle).
pub fn aggregate_totals(batch: &RecordBatch) -> Totals {
    let mut t = Totals::default();
    for r in aggregate_rows(batch, 0, batch.num_rows()) {
        if r.key != u32::MAX {
            let k = r.key as usize;
            if k >= t.cents.len() {
                t.cents.resize(k + 1, 0);
                t.orders.resize(k + 1, 0);
            }
            t.cents[k] += r.cents;
            t.orders[k] += r.orders;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn staging_rows_round_trip_through_arrow() {
        let rows = vec![
            RawRow {
                order_id: 100_001,
                user_id: 7,
                category: Some("books"),
                amount: Some("12.50".into()),
                status: "paid",
                updated_ms: 5,
            },
            RawRow {
                order_id: 100_002,
                user_id: 9,
                category: None,
                amount: None,
                status: "cancelled",
                updated_ms: 6,
            },
        ];
        let b = staging_batch(2, &rows).unwrap();
        assert_eq!(b.num_rows(), 2);
        let cols = StagingCols::of(&b).unwrap();
        assert_eq!(cols.run.value(1), 2);
        assert_eq!(cols.row(0), rows[0]);
        assert_eq!(cols.row(1), rows[1]);
    }

    #[test]
    fn the_aggregate_keeps_only_keys_with_orders_and_reads_back() {
        let keys = arrow_array::UInt32Array::from(vec![3, 1, 3, 3]);
        let cents = arrow_array::Int64Array::from(vec![100, 250, 5, 7]);
        let t = sum_count(&keys, &cents, 2);
        assert_eq!(t.cents, vec![0, 250, 0, 112]);
        assert_eq!(t.orders, vec![0, 1, 0, 3]);
        let b = aggregate_batch(Group::User, &t).unwrap();
        assert_eq!(b.num_rows(), 2);
        let rows = aggregate_rows(&b, 0, 10);
        assert_eq!((rows[1].key, rows[1].cents, rows[1].orders), (3, 112, 3));
        assert_eq!(aggregate_totals(&b), t);
        let c = aggregate_batch(Group::Category, &t).unwrap();
        assert_eq!(aggregate_rows(&c, 1, 1)[0].label, "kitchen");
    }
}
