//! What the /batch-writes page draws: the writer's numbers, the last request, the
//! narration, and pages of the request log and the dead-letter table.

use crate::format::count;

use super::params::{Mode, OnError};
use super::scenario::{BatchWrites, Last, Sample};
use super::writer::Report;

/// A duration in µs for the page: "850 µs", "3.2 ms", "1.4 s".
pub fn us_text(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1_000.0)
    } else {
        format!("{:.1} s", us as f64 / 1_000_000.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BatchView {
    pub step: u64,
    pub total: u64,
    pub mode: Mode,
    pub batch: u32,
    pub buffered: u64,
    pub stored: u64,
    pub dead: u64,
    pub duplicates: u64,
    pub backlog: u64,
    pub statements: u64,
    pub round_trips: u64,
    pub failed: u64,
    pub throughput: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub behind_us: u64,
    pub last: Last,
    /// The oracle's judgement of the table so far (`oracle::batch`).
    pub truth: crate::oracle::batch::TableTruth,
    pub samples_len: usize,
}

impl BatchView {
    pub fn of(s: &BatchWrites) -> BatchView {
        let w = s.writer();
        let t = s.table();
        BatchView {
            step: s.steps(),
            total: s.params().rows,
            mode: s.params().mode,
            batch: s.params().batch_rows(),
            buffered: s.buffered(),
            stored: t.distinct,
            dead: t.dead.len() as u64,
            duplicates: t.duplicates.len() as u64,
            backlog: s.backlog(),
            statements: w.statements,
            round_trips: w.round_trips,
            failed: w.failed_statements,
            throughput: s.throughput(),
            p50_us: s.p50_us(),
            p99_us: s.p99_us(),
            max_us: w.max_latency_us,
            behind_us: s.behind_us(),
            last: s.last().clone(),
            truth: s.truth(),
            samples_len: s.samples().len(),
        }
    }
}

fn report_text(s: &BatchWrites, r: &Report) -> String {
    let what = match s.params().mode {
        Mode::Row => "the row".to_string(),
        Mode::Batch => format!("a batch of {} rows", r.rows),
        Mode::Bulk if s.params().idempotent => format!(
            "a COPY of {} rows into a staging table and an INSERT … SELECT … ON CONFLICT DO NOTHING from it",
            r.rows
        ),
        Mode::Bulk => format!("a COPY of {} rows", r.rows),
    };
    let mut out = format!(
        "the writer sends {what} ({} round trip{}, {})",
        count(r.round_trips),
        if r.round_trips == 1 { "" } else { "s" },
        us_text(r.end_us - r.start_us)
    );
    if r.failed_statements > 0 {
        out.push_str(&match s.params().on_error {
            OnError::Bisect => format!(
                "; a bad row fails it, so the writer bisects: {} statements, {} failed, {} stored, {} bad row(s) to the dead-letter table",
                r.statements, r.failed_statements, r.committed, r.dead
            ),
            OnError::Retry => format!(
                "; a bad row fails it and the writer retries the same batch: it fails {} times, and {} rows are given up ({} of them good)",
                r.failed_statements,
                r.dead,
                r.dead.saturating_sub(r.failed_statements.min(1))
            ),
        });
    } else {
        out.push_str(&format!("; {} rows stored", count(r.committed as u64)));
    }
    if r.resent {
        if r.duplicated > 0 {
            out.push_str(&format!(
                "; the connection dropped before the ack, the writer sent it again and {} rows are now stored twice (no idempotency key)",
                r.duplicated
            ));
        } else {
            out.push_str(&format!(
                "; the connection dropped before the ack, the writer sent it again and the idempotency key skipped all {} rows",
                r.skipped
            ));
        }
    }
    out
}

/// The sentence for the last step or fault.
pub fn narrate(s: &BatchWrites) -> String {
    match s.last() {
        Last::Start => format!(
            "{} rows will arrive at {} rows/s; the writer sends {}.",
            count(s.params().rows),
            count(s.params().rate as u64),
            match s.params().mode {
                Mode::Row => "each row on its own".to_string(),
                Mode::Batch if s.params().per_row_driver => format!(
                    "batches of {} with executemany, which psycopg2 sends as one INSERT per row",
                    s.params().batch
                ),
                Mode::Batch => format!("batches of {} as one statement", s.params().batch),
                Mode::Bulk if s.params().idempotent => format!(
                    "COPYs of {} rows into a staging table, each moved by an INSERT … SELECT that skips keys already there (COPY has no ON CONFLICT)",
                    s.params().batch
                ),
                Mode::Bulk => format!("COPYs of {} rows", s.params().batch),
            }
        ),
        Last::Arrived {
            id,
            bad,
            buffered,
            sent,
        } => {
            let row = format!(
                "Row {id} arrives{}",
                if *bad {
                    " (it breaks a constraint)"
                } else {
                    ""
                }
            );
            match sent {
                Some(r) => format!("{row}: {}.", report_text(s, r)),
                None => format!(
                    "{row}: it waits in the batch ({} of {}).",
                    buffered,
                    s.params().batch_rows()
                ),
            }
        }
        Last::BadRowArmed => "The next row will break a constraint.".into(),
        Last::AckLossArmed => {
            "The connection will drop right after the next commit, before the writer hears of it."
                .into()
        }
    }
}

/// The newest requests first, `count` from `start`.
pub fn report_page(s: &BatchWrites, start: usize, n: usize) -> Vec<Report> {
    let len = s.reports().len();
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| s.reports().get(len - 1 - i).copied())
        .collect()
}

/// Samples for the charts, at most `max` evenly spaced.
pub fn chart_samples(s: &BatchWrites, max: usize) -> Vec<Sample> {
    let n = s.samples().len();
    let every = n.div_ceil(max.max(1)).max(1);
    s.samples().iter().step_by(every).copied().collect()
}
