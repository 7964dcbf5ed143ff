//! A cost model for time to first data. Each path's work is priced per row, per round trip
//! and per query, and the page shows where the prices come from; the simulation itself is
//! counted in rows (a step extracts one), this turns its counts into wall-clock estimates.

/// The prices, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Costs {
    /// Reading one row from the source.
    pub extract_us: f64,
    /// Cleaning and aggregating one row on the ETL server (a single-node dataframe).
    pub etl_row_us: f64,
    /// One network round trip plus commit (an INSERT, a small table load).
    pub round_trip_us: f64,
    /// Writing one row into the warehouse.
    pub load_row_us: f64,
    /// Starting a warehouse query (planning, scheduling).
    pub query_us: f64,
    /// Scanning one row inside the warehouse (parallel, columnar).
    pub scan_row_us: f64,
}

pub const COSTS: Costs = Costs {
    extract_us: 5.0,
    etl_row_us: 40.0,
    round_trip_us: 2_000.0,
    load_row_us: 4.0,
    query_us: 400_000.0,
    scan_row_us: 0.5,
};

/// When each path first has data a query can read, after the run starts (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstData {
    /// ETL: extract all, transform all on its server, load the aggregate in one trip.
    pub etl_ms: f64,
    /// ELT: the first chunk of raw rows is queryable in staging.
    pub elt_raw_ms: f64,
    /// ELT: every chunk loaded, then one transform query over staging.
    pub elt_ms: f64,
    /// Streaming: the first chunk loaded and transformed (a partial answer).
    pub stream_ms: f64,
    /// Streaming: the last chunk transformed (the complete answer).
    pub stream_done_ms: f64,
}

/// Prices one run of `rows` extracted rows loaded in chunks of `chunk`, where the ELT
/// transform reads `transform_rows` (more than `rows` when staging holds older runs).
pub fn first_data(c: &Costs, rows: u64, chunk: u64, transform_rows: u64) -> FirstData {
    let n = rows as f64;
    let chunk = chunk.max(1).min(rows.max(1)) as f64;
    let chunks = (n / chunk).ceil().max(1.0);
    let load_all = chunks * c.round_trip_us + n * c.load_row_us;
    let first_chunk = chunk * c.extract_us + c.round_trip_us + chunk * c.load_row_us;
    let chunk_query = c.query_us / 10.0 + chunk * c.scan_row_us;
    FirstData {
        etl_ms: (n * (c.extract_us + c.etl_row_us) + c.round_trip_us) / 1_000.0,
        elt_raw_ms: (n * c.extract_us + c.round_trip_us + chunk * c.load_row_us) / 1_000.0,
        elt_ms: (n * c.extract_us + load_all + c.query_us + transform_rows as f64 * c.scan_row_us)
            / 1_000.0,
        stream_ms: (first_chunk + chunk_query) / 1_000.0,
        stream_done_ms: (n * c.extract_us + load_all + chunks * chunk_query) / 1_000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn etl_wins_small_extracts_and_elt_wins_large_ones() {
        let small = first_data(&COSTS, 1_000, 1_000, 1_000);
        assert!(small.etl_ms < small.elt_ms, "{small:?}");
        let large = first_data(&COSTS, 1_000_000, 10_000, 1_000_000);
        assert!(large.elt_ms < large.etl_ms, "{large:?}");
        // Streaming shows something first, whatever the size.
        assert!(large.stream_ms < large.elt_raw_ms.min(large.etl_ms));
        // Reading twice the rows in the transform costs more.
        let doubled = first_data(&COSTS, 1_000_000, 10_000, 2_000_000);
        assert!(doubled.elt_ms > large.elt_ms);
    }
}
