//! Batch-write parameters: how rows arrive, how the writer sends them (row at a time,
//! batched statements, bulk copy), the cost model, what happens to a failed batch, the
//! idempotency key, and the note's pitfall.

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

/// Longest run (PAGE-CONTRACT.md asks for at least 1,000,000 steps).
pub const MAX_ROWS: i64 = 1_000_000;

/// The pitfall: the note calls `executemany` one round trip.
pub const PITFALL_EXECUTEMANY: &str = "executemany-one-trip";

/// How the writer sends rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One INSERT and one commit per row.
    Row,
    /// One multi-row statement per batch (with the pitfall, an `executemany`: one INSERT
    /// per row), one commit.
    Batch,
    /// `COPY … FROM STDIN` per batch: one statement, cheaper rows, all or nothing. COPY has
    /// no ON CONFLICT, so with an idempotency key it fills a staging table and an
    /// `INSERT … SELECT … ON CONFLICT DO NOTHING` moves the rows: two statements.
    Bulk,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Row => "row",
            Mode::Batch => "batch",
            Mode::Bulk => "bulk",
        }
    }
}

/// What the writer does when a batch fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Send the same batch again (up to three attempts), then give the batch up.
    Retry,
    /// Split it in halves and send each, down to the single bad rows.
    Bisect,
}

const MODES: &[(&str, &str)] = &[
    ("row", "row at a time"),
    ("batch", "batched statement"),
    ("bulk", "bulk copy"),
];
const ON_ERROR: &[(&str, &str)] = &[
    ("bisect", "bisect to the bad row"),
    ("retry", "retry the whole batch"),
];

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "rows",
        label: "Rows",
        help: "Rows the upstream produces: one arrives per step.",
        kind: ParamKind::Int { min: 1, max: MAX_ROWS },
    },
    ParamSpec {
        name: "mode",
        label: "Write mode",
        help: "Row at a time (an INSERT and a commit per row), a batched statement per batch, or a bulk COPY per batch (with an idempotency key, into a staging table, then one INSERT … SELECT).",
        kind: ParamKind::Choice(MODES),
    },
    ParamSpec {
        name: "batch",
        label: "Batch size (rows)",
        help: "Rows the writer collects before it sends them (ignored row at a time).",
        kind: ParamKind::Int { min: 1, max: 10_000 },
    },
    ParamSpec {
        name: "rate",
        label: "Arrival rate (rows/s)",
        help: "How fast rows arrive; when the writer is slower, rows queue and their latency grows.",
        kind: ParamKind::Int { min: 1, max: 1_000_000 },
    },
    ParamSpec {
        name: "rtt",
        label: "Round trip (ms)",
        help: "Network round trip to the database per statement.",
        kind: ParamKind::Float { min: 0.0, max: 500.0 },
    },
    ParamSpec {
        name: "perrow",
        label: "Per row (µs)",
        help: "Server time to insert one row (parse, check constraints, write the index entries).",
        kind: ParamKind::Float { min: 0.0, max: 10_000.0 },
    },
    ParamSpec {
        name: "commit",
        label: "Commit (ms)",
        help: "Time to commit a transaction (flush the log to disk).",
        kind: ParamKind::Float { min: 0.0, max: 500.0 },
    },
    ParamSpec {
        name: "bad",
        label: "Bad rows (share)",
        help: "Share of rows that break a constraint: the statement holding one fails and its transaction rolls back.",
        kind: ParamKind::Float { min: 0.0, max: 0.2 },
    },
    ParamSpec {
        name: "onerror",
        label: "On a failed batch",
        help: "Bisect: split the batch and send the halves until the bad rows are alone (then to a dead-letter table). Retry: send the same batch again — it fails the same way — then give the whole batch up.",
        kind: ParamKind::Choice(ON_ERROR),
    },
    ParamSpec {
        name: "idempotent",
        label: "Idempotency key",
        help: "Rows carry a key and the INSERT skips a key already there (ON CONFLICT DO NOTHING), so sending a batch twice inserts it once. COPY has no ON CONFLICT (a key already there fails the whole COPY), so a bulk copy with a key goes into a staging table and an INSERT … SELECT … ON CONFLICT DO NOTHING moves the rows: a second statement, and each row costs about as much as in an INSERT.",
        kind: ParamKind::Choice(&[("on", "on"), ("off", "off")]),
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_EXECUTEMANY,
    label: "The note's executemany: “a single round trip”",
    help: "The note calls cursor.executemany a single network round trip. With a driver that runs it as a loop (psycopg2 does), it is one round trip per row: batching then saves only the commits. Watch the batch throughput fall to nearly row-at-a-time.",
}];

/// Validated batch-write parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchParams {
    pub rows: u64,
    pub mode: Mode,
    pub batch: u32,
    pub rate: u32,
    pub rtt_ms: f64,
    pub row_us: f64,
    pub commit_ms: f64,
    pub bad: f64,
    pub on_error: OnError,
    pub idempotent: bool,
    /// The note's executemany as one round trip per row (pitfall).
    pub per_row_driver: bool,
}

impl Default for BatchParams {
    fn default() -> Self {
        BatchParams {
            rows: 2_000,
            mode: Mode::Batch,
            batch: 50,
            rate: 2_000,
            rtt_ms: 1.0,
            row_us: 20.0,
            commit_ms: 2.0,
            bad: 0.005,
            on_error: OnError::Bisect,
            idempotent: true,
            per_row_driver: false,
        }
    }
}

impl Params for BatchParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "rows" => self.rows.to_string(),
            "mode" => self.mode.as_str().to_string(),
            "batch" => self.batch.to_string(),
            "rate" => self.rate.to_string(),
            "rtt" => format!("{}", self.rtt_ms),
            "perrow" => format!("{}", self.row_us),
            "commit" => format!("{}", self.commit_ms),
            "bad" => format!("{}", self.bad),
            "onerror" => match self.on_error {
                OnError::Retry => "retry",
                OnError::Bisect => "bisect",
            }
            .to_string(),
            "idempotent" => if self.idempotent { "on" } else { "off" }.to_string(),
            PITFALL_EXECUTEMANY => if self.per_row_driver { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_EXECUTEMANY {
            self.per_row_driver = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "rows" => self.rows = parse_int(spec, value)? as u64,
            "mode" => {
                self.mode = match parse_choice(spec, value)? {
                    "row" => Mode::Row,
                    "bulk" => Mode::Bulk,
                    _ => Mode::Batch,
                }
            }
            "batch" => self.batch = parse_int(spec, value)? as u32,
            "rate" => self.rate = parse_int(spec, value)? as u32,
            "rtt" => self.rtt_ms = parse_float(spec, value)?,
            "perrow" => self.row_us = parse_float(spec, value)?,
            "commit" => self.commit_ms = parse_float(spec, value)?,
            "bad" => self.bad = parse_float(spec, value)?,
            "onerror" => {
                self.on_error = match parse_choice(spec, value)? {
                    "retry" => OnError::Retry,
                    _ => OnError::Bisect,
                }
            }
            "idempotent" => self.idempotent = parse_choice(spec, value)? == "on",
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl BatchParams {
    /// Every bound checked again (values may come from anywhere).
    pub fn validate(&self) -> Vec<ParamError> {
        self.bound_errors()
    }

    /// Rows per write request: 1 row at a time, else the batch size.
    pub fn batch_rows(&self) -> u32 {
        match self.mode {
            Mode::Row => 1,
            _ => self.batch.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_and_reports_bad_values_by_field() {
        let mut p = BatchParams::default();
        p.set("mode", "bulk").unwrap();
        p.set("onerror", "retry").unwrap();
        p.set("idempotent", "off").unwrap();
        p.set("rtt", "2.5").unwrap();
        p.set(PITFALL_EXECUTEMANY, "on").unwrap();
        let mut q = BatchParams::default();
        for s in BatchParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_EXECUTEMANY, "on").unwrap();
        assert_eq!(p, q);
        assert!(p.validate().is_empty());
        assert_eq!(p.set("rows", "0").unwrap_err().field, "rows");
        assert!(p.set("mode", "fast").is_err());
        assert!(p.set("bad", "0.9").is_err());
        assert_eq!(p.batch_rows(), 50);
        p.mode = Mode::Row;
        assert_eq!(p.batch_rows(), 1);
    }
}
