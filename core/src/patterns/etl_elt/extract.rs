//! What an extract emits: one row of text fields, exactly as an export would write it
//! (nulls as empty fields, amounts as the source held them), and its CSV line.

use super::source::{SourceRow, CATEGORIES};

/// One extracted row. Everything but the keys and the timestamp is text: cleaning is the
/// transform's job, wherever it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    pub order_id: u64,
    pub user_id: u32,
    pub category: Option<&'static str>,
    pub amount: Option<String>,
    pub status: &'static str,
    pub updated_ms: i64,
}

pub const PAID: &str = "paid";
pub const CANCELLED: &str = "cancelled";

/// The CSV header of an extract.
pub const CSV_HEADER: &str = "order_id,user_id,category,amount,status,updated_at";

impl RawRow {
    pub fn from_source(row: &SourceRow) -> RawRow {
        RawRow {
            order_id: row.order_id,
            user_id: row.user_id,
            category: row
                .category
                .and_then(|c| CATEGORIES.get(c as usize).copied()),
            amount: row.amount.text(),
            status: if row.paid { PAID } else { CANCELLED },
            updated_ms: row.updated_ms,
        }
    }

    /// The row as a CSV line (a field holding a comma is quoted).
    pub fn csv(&self) -> String {
        let amount = match &self.amount {
            Some(a) if a.contains(',') => format!("\"{a}\""),
            Some(a) => a.clone(),
            None => String::new(),
        };
        format!(
            "{},{},{},{},{},{}",
            self.order_id,
            self.user_id,
            self.category.unwrap_or(""),
            amount,
            self.status,
            self.updated_ms
        )
    }
}

/// The first night's full extract of a source shaped by `shape`, staged as record batches
/// of `chunk` rows: what ELT's transform reads (used by the benchmarks).
pub fn staged_extract(
    seed: u64,
    shape: super::source::SourceShape,
    chunk: usize,
) -> Vec<arrow_array::RecordBatch> {
    let src = super::source::Source::new(seed, shape);
    let mut out = Vec::new();
    let mut rows = Vec::with_capacity(chunk);
    for slot in 0..src.slots(0) {
        if let Some(r) = src.row_for_run(slot, 0) {
            let raw = RawRow::from_source(&r);
            if src.duplicated(slot, 0) {
                rows.push(raw.clone());
            }
            rows.push(raw);
        }
        if rows.len() >= chunk.max(1) {
            out.extend(super::table::staging_batch(0, &rows));
            rows.clear();
        }
    }
    out.extend(super::table::staging_batch(0, &rows));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::etl_elt::source::Amount;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn csv_quotes_a_comma_amount_and_leaves_nulls_empty() {
        let row = SourceRow {
            order_id: 100_007,
            user_id: 3,
            category: None,
            amount: Amount::Bad {
                cents: 1250,
                form: 0,
            },
            paid: false,
            updated_ms: 42,
        };
        assert_eq!(
            RawRow::from_source(&row).csv(),
            "100007,3,,\"12,50\",cancelled,42"
        );
    }
}
