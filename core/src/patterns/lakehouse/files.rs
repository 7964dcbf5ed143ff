//! The lakehouse's data files as Arrow record batches: bronze (raw rows as sent), silver
//! (typed, valid, one row per order) and gold (per-user totals), each with the min/max
//! statistics a manifest keeps per file. Typed builders and `as_*` access only: Arrow's
//! dynamic kernels would add ~170 KB gzip to the download.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{Int64Builder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt32Type, UInt64Type};
pub use arrow_array::RecordBatch;
use arrow_array::{Array, ArrayRef, Int64Array, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use super::source::{Feed, RawOrder};
use super::table::{Content, DataFile};

/// Schema version 2 adds the nullable `currency` column.
pub const SCHEMA_WITH_CURRENCY: u8 = 2;

/// Smallest and largest value of one column in one file (`None`: no non-null value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinMax {
    pub min: i64,
    pub max: i64,
}

impl MinMax {
    fn of(values: impl Iterator<Item = i64>) -> Option<MinMax> {
        values.fold(None, |acc, v| {
            Some(match acc {
                None => MinMax { min: v, max: v },
                Some(m) => MinMax {
                    min: m.min.min(v),
                    max: m.max.max(v),
                },
            })
        })
    }

    /// Whether `lo..=hi` can hold a value of this file (`None` stats: it can).
    pub fn overlaps(stats: Option<MinMax>, lo: i64, hi: i64) -> bool {
        stats.is_none_or(|m| m.max >= lo && m.min <= hi)
    }
}

/// Per-file statistics, as a manifest entry keeps them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub order_id: Option<MinMax>,
    pub user_id: Option<MinMax>,
    pub day: Option<MinMax>,
    /// Amount in cents (silver) or total spent (gold).
    pub amount: Option<MinMax>,
}

/// Which schema: bronze v1, bronze v2, silver v1, silver v2, gold.
type SchemaSlot = usize;

/// One shared `Arc<Schema>` per table and version: every file of a kind points at the same
/// schema instead of carrying its own copy of the field names (a million-row run writes
/// 100,000 small files).
fn schema(slot: SchemaSlot, fields: impl FnOnce() -> Vec<Field>, version: u8) -> Arc<Schema> {
    static CACHE: [OnceLock<Arc<Schema>>; 5] = [const { OnceLock::new() }; 5];
    let with_currency = slot < 4 && version >= SCHEMA_WITH_CURRENCY;
    let slot = slot + usize::from(with_currency);
    CACHE[slot.min(4)]
        .get_or_init(|| {
            let mut fields = fields();
            if with_currency {
                fields.push(Field::new("currency", DataType::Utf8, true));
            }
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// A bronze file: the rows as they landed, amounts as text, with their feed offset.
pub fn bronze_batch(rows: &[RawOrder], version: u8) -> Option<(RecordBatch, Stats)> {
    let n = rows.len();
    let mut offset = UInt64Builder::with_capacity(n);
    let mut order = UInt64Builder::with_capacity(n);
    let mut user = UInt32Builder::with_capacity(n);
    let mut day = UInt32Builder::with_capacity(n);
    let mut amount = StringBuilder::with_capacity(n, n * 6);
    let mut ingested = Int64Builder::with_capacity(n);
    let mut currency = StringBuilder::with_capacity(n, n * 3);
    for r in rows {
        offset.append_value(r.index);
        order.append_value(r.order_id);
        user.append_option(r.user_id);
        day.append_value(r.day);
        amount.append_option(r.amount.as_deref());
        ingested.append_value(r.ingested_ms);
        currency.append_option(r.currency);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(offset.finish()),
        Arc::new(order.finish()),
        Arc::new(user.finish()),
        Arc::new(day.finish()),
        Arc::new(amount.finish()),
        Arc::new(ingested.finish()),
    ];
    if version >= SCHEMA_WITH_CURRENCY {
        columns.push(Arc::new(currency.finish()));
    }
    let schema = schema(
        0,
        || {
            vec![
                Field::new("_offset", DataType::UInt64, false),
                Field::new("order_id", DataType::UInt64, false),
                Field::new("user_id", DataType::UInt32, true),
                Field::new("order_day", DataType::UInt32, false),
                Field::new("amount", DataType::Utf8, true),
                Field::new("ingested_ms", DataType::Int64, false),
            ]
        },
        version,
    );
    let stats = Stats {
        order_id: MinMax::of(rows.iter().map(|r| r.order_id as i64)),
        user_id: MinMax::of(rows.iter().filter_map(|r| r.user_id.map(i64::from))),
        day: MinMax::of(rows.iter().map(|r| r.day as i64)),
        amount: None,
    };
    RecordBatch::try_new(schema, columns)
        .ok()
        .map(|b| (b, stats))
}

/// A bronze file's rows as its Arrow batch: read back from the landing zone for a file
/// whose bytes are not held ([`Content::Landed`]), or the batch itself.
pub fn bronze_file(file: &DataFile, feed: &Feed) -> Option<RecordBatch> {
    match &file.content {
        Content::Stored(b) => Some(b.clone()),
        Content::Landed { start, end } => {
            let rows: Vec<RawOrder> = (*start..*end).map(|i| feed.row(i)).collect();
            bronze_batch(&rows, file.schema).map(|(b, _)| b)
        }
    }
}

/// One typed, valid silver row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SilverRow {
    pub order_id: u64,
    pub user_id: u32,
    pub day: u32,
    pub amount_cents: i64,
    pub ingested_ms: i64,
    pub currency: Option<&'static str>,
}

/// A silver file's rows (all of one partition, in the caller's order).
pub fn silver_batch(rows: &[SilverRow], version: u8) -> Option<(RecordBatch, Stats)> {
    let n = rows.len();
    let mut order = UInt64Builder::with_capacity(n);
    let mut user = UInt32Builder::with_capacity(n);
    let mut day = UInt32Builder::with_capacity(n);
    let mut amount = Int64Builder::with_capacity(n);
    let mut ingested = Int64Builder::with_capacity(n);
    let mut currency = StringBuilder::with_capacity(n, n * 3);
    for r in rows {
        order.append_value(r.order_id);
        user.append_value(r.user_id);
        day.append_value(r.day);
        amount.append_value(r.amount_cents);
        ingested.append_value(r.ingested_ms);
        currency.append_option(r.currency);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(order.finish()),
        Arc::new(user.finish()),
        Arc::new(day.finish()),
        Arc::new(amount.finish()),
        Arc::new(ingested.finish()),
    ];
    if version >= SCHEMA_WITH_CURRENCY {
        columns.push(Arc::new(currency.finish()));
    }
    let schema = schema(
        2,
        || {
            vec![
                Field::new("order_id", DataType::UInt64, false),
                Field::new("user_id", DataType::UInt32, false),
                Field::new("order_day", DataType::UInt32, false),
                Field::new("amount_cents", DataType::Int64, false),
                Field::new("ingested_ms", DataType::Int64, false),
            ]
        },
        version,
    );
    let stats = Stats {
        order_id: MinMax::of(rows.iter().map(|r| r.order_id as i64)),
        user_id: MinMax::of(rows.iter().map(|r| r.user_id as i64)),
        day: MinMax::of(rows.iter().map(|r| r.day as i64)),
        amount: MinMax::of(rows.iter().map(|r| r.amount_cents)),
    };
    RecordBatch::try_new(schema, columns)
        .ok()
        .map(|b| (b, stats))
}

/// One gold row: a user's order count and total spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoldRow {
    pub user_id: u32,
    pub orders: u64,
    pub spent_cents: i64,
}

pub fn gold_batch(rows: &[GoldRow]) -> Option<(RecordBatch, Stats)> {
    let user: UInt32Array = rows.iter().map(|r| Some(r.user_id)).collect();
    let orders: UInt64Array = rows.iter().map(|r| Some(r.orders)).collect();
    let spent: Int64Array = rows.iter().map(|r| Some(r.spent_cents)).collect();
    let schema = schema(
        4,
        || {
            vec![
                Field::new("user_id", DataType::UInt32, false),
                Field::new("order_count", DataType::UInt64, false),
                Field::new("total_spent_cents", DataType::Int64, false),
            ]
        },
        1,
    );
    let stats = Stats {
        user_id: MinMax::of(rows.iter().map(|r| r.user_id as i64)),
        amount: MinMax::of(rows.iter().map(|r| r.spent_cents)),
        ..Stats::default()
    };
    RecordBatch::try_new(
        schema,
        vec![Arc::new(user), Arc::new(orders), Arc::new(spent)],
    )
    .ok()
    .map(|b| (b, stats))
}

fn u64_col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a UInt64Array> {
    b.column_by_name(name)?.as_primitive_opt::<UInt64Type>()
}
fn u32_col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a UInt32Array> {
    b.column_by_name(name)?.as_primitive_opt::<UInt32Type>()
}
fn i64_col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a Int64Array> {
    b.column_by_name(name)?.as_primitive_opt::<Int64Type>()
}
fn str_col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    b.column_by_name(name)?.as_string_opt::<i32>()
}

/// A bronze row read back: what the silver job sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BronzeRow<'a> {
    pub offset: u64,
    pub order_id: u64,
    pub user_id: Option<u32>,
    pub day: u32,
    pub amount: Option<&'a str>,
    pub ingested_ms: i64,
    /// Null in files written before the column existed.
    pub currency: Option<&'a str>,
}

/// Reads a bronze file's rows (none if the batch is not a bronze file).
pub fn bronze_rows(b: &RecordBatch) -> Vec<BronzeRow<'_>> {
    let (Some(offset), Some(order), Some(user), Some(day), Some(amount), Some(ingested)) = (
        u64_col(b, "_offset"),
        u64_col(b, "order_id"),
        u32_col(b, "user_id"),
        u32_col(b, "order_day"),
        str_col(b, "amount"),
        i64_col(b, "ingested_ms"),
    ) else {
        return Vec::new();
    };
    let currency = str_col(b, "currency");
    (0..b.num_rows())
        .map(|i| BronzeRow {
            offset: offset.value(i),
            order_id: order.value(i),
            user_id: user.is_valid(i).then(|| user.value(i)),
            day: day.value(i),
            amount: amount.is_valid(i).then(|| amount.value(i)),
            ingested_ms: ingested.value(i),
            currency: currency.and_then(|c| c.is_valid(i).then(|| c.value(i))),
        })
        .collect()
}

/// A silver file's typed columns, borrowed (`currency` absent in files written before
/// schema version 2: readers see null).
pub struct SilverCols<'a> {
    pub order_id: &'a UInt64Array,
    pub user_id: &'a UInt32Array,
    pub day: &'a UInt32Array,
    pub amount_cents: &'a Int64Array,
    pub ingested_ms: &'a Int64Array,
    pub currency: Option<&'a StringArray>,
}

impl<'a> SilverCols<'a> {
    pub fn of(b: &'a RecordBatch) -> Option<SilverCols<'a>> {
        Some(SilverCols {
            order_id: u64_col(b, "order_id")?,
            user_id: u32_col(b, "user_id")?,
            day: u32_col(b, "order_day")?,
            amount_cents: i64_col(b, "amount_cents")?,
            ingested_ms: i64_col(b, "ingested_ms")?,
            currency: str_col(b, "currency"),
        })
    }

    pub fn len(&self) -> usize {
        self.order_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order_id.is_empty()
    }

    pub fn row(&self, i: usize) -> Option<SilverRow> {
        if i >= self.len() {
            return None;
        }
        Some(SilverRow {
            order_id: self.order_id.value(i),
            user_id: self.user_id.value(i),
            day: self.day.value(i),
            amount_cents: self.amount_cents.value(i),
            ingested_ms: self.ingested_ms.value(i),
            currency: self
                .currency
                .and_then(|c| c.is_valid(i).then(|| currency_code(c.value(i)))),
        })
    }
}

/// The `'static` code for a currency read back from a file (unknown codes read as null).
pub(crate) fn currency_code(text: &str) -> &'static str {
    match text {
        "EUR" => "EUR",
        "USD" => "USD",
        "GBP" => "GBP",
        _ => "???",
    }
}

/// A gold file's rows.
pub fn gold_rows(b: &RecordBatch) -> Vec<GoldRow> {
    let (Some(user), Some(orders), Some(spent)) = (
        u32_col(b, "user_id"),
        u64_col(b, "order_count"),
        i64_col(b, "total_spent_cents"),
    ) else {
        return Vec::new();
    };
    (0..b.num_rows())
        .map(|i| GoldRow {
            user_id: user.value(i),
            orders: orders.value(i),
            spent_cents: spent.value(i),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::lakehouse::source::Feed;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn files_round_trip_and_old_files_read_the_new_column_as_null() {
        let feed = Feed {
            seed: 3,
            users: 9,
            per_day: 10,
            bad: 0.3,
            dup: 0.0,
            late: vec![],
            currency_from: Some(5),
        };
        let rows: Vec<RawOrder> = (0..10).map(|i| feed.row(i)).collect();
        let (old, _) = bronze_batch(&rows, 1).unwrap();
        let (new, stats) = bronze_batch(&rows, 2).unwrap();
        assert_eq!(old.num_columns() + 1, new.num_columns());
        let back_old = bronze_rows(&old);
        let back_new = bronze_rows(&new);
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(back_new[i].amount, r.amount.as_deref());
            assert_eq!(back_new[i].user_id, r.user_id);
            assert_eq!(back_new[i].currency, r.currency);
            assert_eq!(back_old[i].currency, None);
        }
        assert_eq!(stats.order_id.unwrap().min, rows[0].order_id as i64);
        let s = SilverRow {
            order_id: 5,
            user_id: 2,
            day: 1,
            amount_cents: 250,
            ingested_ms: 9,
            currency: Some("USD"),
        };
        let (b, st) = silver_batch(std::slice::from_ref(&s), 2).unwrap();
        assert_eq!(SilverCols::of(&b).unwrap().row(0), Some(s.clone()));
        assert_eq!(st.amount, Some(MinMax { min: 250, max: 250 }));
        let (b1, _) = silver_batch(std::slice::from_ref(&s), 1).unwrap();
        assert_eq!(SilverCols::of(&b1).unwrap().row(0).unwrap().currency, None);
        let g = GoldRow {
            user_id: 4,
            orders: 2,
            spent_cents: 900,
        };
        assert_eq!(gold_rows(&gold_batch(&[g]).unwrap().0), vec![g]);
    }
}
