//! The writer and the target table: what one write request costs under the cost model,
//! what the database does with a batch holding a bad row (reject it, roll back), how the
//! writer recovers (bisect or retry), and a lost acknowledgement's resend, with or without
//! an idempotency key.

use crate::sim::parray::PBitSet;
use crate::sim::PVec;

use super::params::{BatchParams, Mode, OnError};

/// Attempts the retry policy makes before giving a batch up.
pub const RETRY_ATTEMPTS: u32 = 3;

/// Latency histogram: bucket `b` counts rows whose latency in µs is in `[2^b, 2^(b+1))`.
pub const BUCKETS: usize = 32;

/// The target table and the dead-letter table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    inserted: PBitSet,
    /// Distinct row ids in the table.
    pub distinct: u64,
    /// Row ids inserted a second (or later) time.
    pub duplicates: PVec<u64>,
    /// Row ids given up (the dead-letter table).
    pub dead: PVec<u64>,
}

impl Table {
    pub fn contains(&self, id: u64) -> bool {
        self.inserted.contains(id)
    }

    fn insert(&mut self, id: u64, idempotent: bool) -> bool {
        if self.inserted.insert(id) {
            self.distinct += 1;
            true
        } else {
            if !idempotent {
                self.duplicates.push(id);
            }
            false
        }
    }
}

/// What one write request (a batch, or one row) came to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub first: u64,
    pub rows: u32,
    /// Statements sent (every attempt and every half of a bisection; a looping executemany
    /// sends one per row, the staging path two per attempt), each one round trip.
    pub statements: u32,
    pub round_trips: u64,
    pub failed_statements: u32,
    pub committed: u32,
    pub dead: u32,
    /// Rows inserted again by a resend without an idempotency key.
    pub duplicated: u32,
    /// Rows a resend skipped thanks to the idempotency key.
    pub skipped: u32,
    /// The acknowledgement of a commit was lost and the writer sent it again.
    pub resent: bool,
    pub start_us: u64,
    pub end_us: u64,
}

/// The writer's clock, counters and latency histogram.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Writer {
    /// When the writer is free again (µs since the first arrival).
    pub free_at_us: u64,
    /// Time spent writing.
    pub busy_us: u64,
    pub statements: u64,
    pub round_trips: u64,
    pub failed_statements: u64,
    pub latency: [u64; BUCKETS],
    pub latency_sum_us: u64,
    pub latency_rows: u64,
    pub max_latency_us: u64,
}

/// The bucket of a latency.
pub fn bucket(us: u64) -> usize {
    ((64 - us.max(1).leading_zeros()) as usize - 1).min(BUCKETS - 1)
}

/// A quantile from the histogram, as the upper edge of its bucket (µs).
pub fn quantile_us(hist: &[u64; BUCKETS], q: f64) -> u64 {
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return 0;
    }
    let want = ((total as f64) * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (b, &n) in hist.iter().enumerate() {
        seen += n;
        if seen >= want {
            return 1u64 << (b + 1);
        }
    }
    1u64 << BUCKETS
}

/// Costs in µs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Costs {
    rtt: f64,
    /// Server time per row of the statement that brings the rows in (INSERT or COPY).
    row: f64,
    /// Server time per row of the staging path's INSERT … SELECT (0 off that path).
    moved: f64,
    commit: f64,
}

impl Costs {
    pub fn of(p: &BatchParams) -> Costs {
        let staged = staged(p);
        Costs {
            rtt: p.rtt_ms * 1_000.0,
            row: match p.mode {
                // A batched INSERT is parsed and planned once too, whatever its rows. COPY
                // wins per row: it reads rows as plain data fields (no VALUES expressions
                // to parse and evaluate) and stores them in multi-row bursts.
                Mode::Bulk => p.row_us / 4.0,
                _ => p.row_us,
            },
            // The INSERT … SELECT stores every row through the insert path (the key check,
            // the index entries) without parsing it: three quarters of an INSERT's row.
            moved: if staged { p.row_us * 0.75 } else { 0.0 },
            commit: p.commit_ms * 1_000.0,
        }
    }

    /// Server time for a statement (or the staging path's two) over `len` rows that stops
    /// at row `stop` of them (the bad row), or runs to the end.
    fn rows(&self, len: u64, stop: Option<u64>) -> f64 {
        let reached = stop.map_or(len, |k| (k + 1).min(len)) as f64;
        if self.moved > 0.0 {
            // The COPY into the staging table reads every row; the INSERT … SELECT that
            // moves them into the table fails at the bad one.
            len as f64 * self.row + reached * self.moved
        } else {
            reached * self.row
        }
    }
}

/// Whether the writer takes the staging path: a bulk copy with an idempotency key. COPY
/// has no ON CONFLICT (a key already there fails the whole COPY), so the rows are copied
/// into a staging table and moved by `INSERT … SELECT … ON CONFLICT DO NOTHING`.
pub fn staged(p: &BatchParams) -> bool {
    p.mode == Mode::Bulk && p.idempotent
}

/// Statements one attempt at `n` rows sends, each a round trip; `stop` is the offset of
/// the bad row that fails it, if any. A looping executemany sends one INSERT per row and
/// stops at the one that fails (psycopg2 raises there: the rows after it are never sent);
/// the staging path sends its COPY and its INSERT … SELECT.
pub fn trips(p: &BatchParams, n: u64, stop: Option<u64>) -> u64 {
    match p.mode {
        Mode::Batch if p.per_row_driver => stop.map_or(n, |k| (k + 1).min(n)),
        _ if staged(p) => 2,
        _ => 1,
    }
}

/// A round-trip count as a statement count (one statement per round trip).
fn statements(trips: u64) -> u32 {
    u32::try_from(trips).unwrap_or(u32::MAX)
}

impl Writer {
    /// Writes rows `first..first+n` (all arrived by `ready_us`), recovering from bad rows
    /// as the params say. `is_bad` says which rows break a constraint; `lose_ack` makes
    /// the first successful commit's acknowledgement get lost (the writer resends it).
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        p: &BatchParams,
        table: &mut Table,
        first: u64,
        n: u32,
        ready_us: u64,
        arrival_us: impl Fn(u64) -> u64,
        is_bad: impl Fn(u64) -> bool,
        lose_ack: &mut bool,
    ) -> Report {
        let c = Costs::of(p);
        let start = self.free_at_us.max(ready_us);
        let mut now = start as f64;
        let mut r = Report {
            first,
            rows: n,
            start_us: start,
            ..Report::default()
        };
        // Work list of ranges, depth-first (a bisection sends the left half first).
        let mut work: Vec<(u64, u64, u32)> = vec![(first, first + n as u64, 1)];
        while let Some((lo, hi, attempt)) = work.pop() {
            let len = hi - lo;
            let bad_at = (lo..hi).find(|&i| is_bad(i));
            let stop = bad_at.map(|b| b - lo);
            let rt = trips(p, len, stop);
            r.statements = r.statements.saturating_add(statements(rt));
            r.round_trips += rt;
            now += rt as f64 * c.rtt + c.rows(len, stop);
            match bad_at {
                Some(_) => {
                    // The rows before the bad one were inserted, then rolled back.
                    now += c.commit;
                    r.failed_statements += 1;
                    let give_up = |t: &mut Table, r: &mut Report| {
                        for i in lo..hi {
                            t.dead.push(i);
                        }
                        r.dead += len as u32;
                    };
                    match p.on_error {
                        OnError::Bisect if len > 1 => {
                            let mid = lo + len / 2;
                            work.push((mid, hi, 1));
                            work.push((lo, mid, 1));
                        }
                        OnError::Bisect => give_up(table, &mut r),
                        OnError::Retry if attempt < RETRY_ATTEMPTS => {
                            work.push((lo, hi, attempt + 1))
                        }
                        OnError::Retry => give_up(table, &mut r),
                    }
                }
                None => {
                    now += c.commit;
                    for i in lo..hi {
                        if table.insert(i, p.idempotent) {
                            r.committed += 1;
                            let lat = (now as u64).saturating_sub(arrival_us(i));
                            self.latency[bucket(lat)] += 1;
                            self.latency_sum_us += lat;
                            self.latency_rows += 1;
                            self.max_latency_us = self.max_latency_us.max(lat);
                        }
                    }
                    if *lose_ack {
                        // Committed, but the writer never hears so: it sends the rows again.
                        *lose_ack = false;
                        r.resent = true;
                        let rt = trips(p, len, None);
                        r.statements = r.statements.saturating_add(statements(rt));
                        r.round_trips += rt;
                        now += rt as f64 * c.rtt + c.rows(len, None) + c.commit;
                        for i in lo..hi {
                            if table.insert(i, p.idempotent) {
                                r.committed += 1;
                            } else if p.idempotent {
                                r.skipped += 1;
                            } else {
                                r.duplicated += 1;
                            }
                        }
                    }
                }
            }
        }
        let end = now.ceil() as u64;
        r.end_us = end;
        self.busy_us += end - start;
        self.free_at_us = end;
        self.statements += r.statements as u64;
        self.round_trips += r.round_trips;
        self.failed_statements += r.failed_statements as u64;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(p: &BatchParams, bad: &[u64], lose: bool) -> (Writer, Table, Report) {
        let (mut w, mut t) = (Writer::default(), Table::default());
        let mut lose = lose;
        let r = w.write(p, &mut t, 0, 16, 0, |_| 0, |i| bad.contains(&i), &mut lose);
        (w, t, r)
    }

    #[test]
    fn bisection_isolates_bad_rows_and_commits_the_rest() {
        let p = BatchParams::default();
        let (_, t, r) = run(&p, &[5, 11], false);
        assert_eq!((r.committed, r.dead), (14, 2));
        assert_eq!(t.dead.iter().copied().collect::<Vec<_>>(), vec![5, 11]);
        assert!(!t.contains(5) && t.contains(4) && t.contains(15));
        // 16 → 8+8 → 4+4 (each bad half) → 2+2 → 1+1: a handful of statements, not 16.
        assert!(r.statements > 2 && r.statements < 16, "{r:?}");
    }

    #[test]
    fn retrying_a_poison_batch_gives_every_row_up() {
        let p = BatchParams {
            on_error: OnError::Retry,
            ..BatchParams::default()
        };
        let (_, t, r) = run(&p, &[3], false);
        assert_eq!((r.committed, r.dead, r.statements), (0, 16, RETRY_ATTEMPTS));
        assert_eq!(t.distinct, 0);
    }

    #[test]
    fn a_lost_ack_duplicates_rows_unless_they_carry_a_key() {
        let p = BatchParams::default();
        let (_, t, r) = run(&p, &[], true);
        assert_eq!((t.distinct, r.skipped, r.duplicated), (16, 16, 0));
        let p = BatchParams {
            idempotent: false,
            ..p
        };
        let (_, t, r) = run(&p, &[], true);
        assert_eq!((t.distinct, t.duplicates.len(), r.duplicated), (16, 16, 16));
    }

    #[test]
    fn the_driver_pitfall_costs_a_round_trip_per_row() {
        let p = BatchParams::default();
        let (w, ..) = run(&p, &[], false);
        let (w2, ..) = run(
            &BatchParams {
                per_row_driver: true,
                ..p
            },
            &[],
            false,
        );
        assert_eq!((w.round_trips, w2.round_trips), (1, 16));
        assert!(w2.busy_us > w.busy_us + 14 * 1_000);
    }

    #[test]
    fn a_failing_looping_executemany_stops_at_the_bad_row() {
        // psycopg2's executemany raises at the failing row: rows 0..=5 are sent (the sixth
        // fails), rows 6..16 never are. Three attempts of six round trips, not of sixteen.
        let p = BatchParams {
            per_row_driver: true,
            on_error: OnError::Retry,
            ..BatchParams::default()
        };
        let (w, t, r) = run(&p, &[5], false);
        assert_eq!(
            (r.round_trips, r.statements, r.failed_statements),
            (18, 18, 3)
        );
        assert_eq!((t.distinct, r.dead), (0, 16));
        // Each attempt: 6 round trips, 6 rows of work, a rollback (charged as a commit).
        assert_eq!(w.busy_us, 3 * (6 * 1_000 + 6 * 20 + 2_000));
    }

    #[test]
    fn a_bulk_copy_with_a_key_goes_through_a_staging_table() {
        // COPY into the staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING: two
        // statements per attempt, each row a quarter (the COPY) plus three quarters (the
        // move) of an INSERT's row; a resend pays it again and stores nothing.
        let p = BatchParams {
            mode: Mode::Bulk,
            ..BatchParams::default()
        };
        let (w, t, r) = run(&p, &[], false);
        assert_eq!((r.statements, r.round_trips), (2, 2));
        assert_eq!(w.busy_us, 2 * 1_000 + 16 * (5 + 15) + 2_000);
        assert!(t.distinct == 16 && t.duplicates.is_empty());
        let (w, t, r) = run(&p, &[], true);
        assert_eq!((r.statements, r.round_trips, r.skipped), (4, 4, 16));
        assert_eq!(w.busy_us, 2 * (2 * 1_000 + 16 * 20 + 2_000));
        assert!(t.distinct == 16 && t.duplicates.is_empty());
        // A bad row: the COPY into staging reads all 16 rows, the move fails at row 3.
        let p = BatchParams {
            on_error: OnError::Retry,
            ..p
        };
        let (w, _, r) = run(&p, &[3], false);
        assert_eq!((r.round_trips, r.failed_statements), (6, 3));
        assert_eq!(w.busy_us, 3 * (2 * 1_000 + 16 * 5 + 4 * 15 + 2_000));
        // Without a key the plain COPY: one statement; a resend stores every row twice.
        let p = BatchParams {
            mode: Mode::Bulk,
            idempotent: false,
            ..BatchParams::default()
        };
        let (w, t, r) = run(&p, &[], true);
        assert_eq!((r.round_trips, r.duplicated), (2, 16));
        assert_eq!(w.busy_us, 2 * (1_000 + 16 * 5 + 2_000));
        assert_eq!(t.duplicates.len(), 16);
    }

    #[test]
    fn quantiles_come_from_the_histogram() {
        let mut h = [0u64; BUCKETS];
        h[bucket(1_000)] += 98;
        h[bucket(100_000)] += 2;
        assert_eq!(quantile_us(&h, 0.5), 1024);
        assert_eq!(quantile_us(&h, 0.99), 131_072);
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1), 0);
        assert_eq!(bucket(2), 1);
    }
}
