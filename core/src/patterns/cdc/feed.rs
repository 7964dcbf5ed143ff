//! The source table's history, generated once from the seed: the rows that exist before
//! the connector starts, then one committed change per step (an insert, an update or a
//! delete of an `orders` row). Every row version is a [`Record`] in one arena; a record
//! links back to its row's previous record, which is the change event's `before`.
//!
//! Changes touch recent orders (an order is paid, shipped, refunded or purged soon after
//! it is placed), as in a real shop — and it keeps the per-row state a checkpoint copies
//! in a few chunks.
//!
//! Each change is one transaction that commits at its step; it began a little earlier
//! (a few milliseconds, or for one in twenty a slow one of 0.2 to 2 s), and its row's
//! `updated_at` is `now()`, which PostgreSQL fixes at the start of the transaction. So
//! `updated_at` follows commit order only roughly: a slow transaction commits with an
//! `updated_at` older than changes committed before it.

use std::sync::Arc;

use crate::sim::Rng;

/// Marks "no record" in a back link.
pub const NONE: u32 = u32::MAX;
/// The WAL position of the connector's snapshot: every change is after it.
pub const SNAPSHOT_LSN: u64 = 0x1A00_0000;
/// Bytes one change's WAL record takes (header and tuple).
pub const WAL_RECORD_BYTES: u64 = 0x78;
/// Unix epoch milliseconds of step 0 (2024-01-01T09:00:00Z).
pub const START_UNIX_MS: u64 = 1_704_099_600_000;
/// The first transaction id of the run.
pub const FIRST_TX: u64 = 780;
/// How many of the newest orders a change picks from.
const RECENT: usize = 32;
/// One transaction in `SLOW_ONE_IN` is slow.
const SLOW_ONE_IN: u64 = 20;
/// A fast transaction runs up to this long before its commit (µs).
const FAST_TX_US: u64 = 5_000;
/// A slow transaction runs this long, plus up to `SLOW_TX_SPREAD_US` (µs).
const SLOW_TX_US: u64 = 200_000;
const SLOW_TX_SPREAD_US: u64 = 1_800_000;

/// An order's lifecycle status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Created,
    Paid,
    Shipped,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Cancelled => "cancelled",
        }
    }
}

/// What a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// A row that existed before the run (read by the snapshot).
    Initial,
    Insert,
    Update,
    Delete,
}

impl Op {
    /// The Debezium `op` of the change event this record becomes (`r` for the snapshot).
    pub fn code(self) -> char {
        match self {
            Op::Initial => 'r',
            Op::Insert => 'c',
            Op::Update => 'u',
            Op::Delete => 'd',
        }
    }
}

/// One row version (for a delete: the row as it was, since the change event's `before`
/// carries it and `after` is null).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: u32,
    pub op: Op,
    pub status: Status,
    pub user: u32,
    pub amount_cents: u32,
    /// The row's previous record, or [`NONE`].
    pub prev: u32,
}

/// The row a record leaves in the table (`None` after a delete).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: u32,
    pub user: u32,
    pub amount_cents: u32,
    pub status: Status,
    pub updated_ms: u64,
}

/// The source's whole history for one seed and parameter set.
#[derive(Clone, Debug)]
pub struct Feed {
    records: Arc<[Record]>,
    initial: u32,
    gap_us: u64,
    /// Seeds each transaction's duration (drawn on demand from the change number).
    tx_seed: u64,
}

/// The generator's knobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mix {
    pub rows: u32,
    pub changes: u64,
    pub updates: f64,
    pub deletes: f64,
    pub rate: u32,
}

impl Feed {
    pub fn generate(seed: u64, mix: Mix) -> Feed {
        let mut rng = Rng::stream(seed, "cdc.source");
        let n = mix.rows as usize + mix.changes as usize;
        let mut records: Vec<Record> = Vec::with_capacity(n);
        // The newest record of each row (NONE once deleted).
        let mut latest: Vec<u32> = Vec::with_capacity(n);
        let mut recent: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
        let amount = |rng: &mut Rng| 500 + rng.below(49_500) as u32;
        for id in 0..mix.rows {
            let status = match rng.below(4) {
                0 => Status::Created,
                1 => Status::Paid,
                _ => Status::Shipped,
            };
            records.push(Record {
                id,
                op: Op::Initial,
                status,
                user: 1 + rng.below(500) as u32,
                amount_cents: amount(&mut rng),
                prev: NONE,
            });
            latest.push(id);
            recent.push_back(id);
            if recent.len() > RECENT {
                recent.pop_front();
            }
        }
        let updates = if mix.updates.is_finite() {
            mix.updates.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let deletes = if mix.deletes.is_finite() {
            mix.deletes.clamp(0.0, 1.0)
        } else {
            0.0
        };
        for _ in 0..mix.changes {
            let roll = rng.unit_f64();
            // A live row among the newest, if any.
            let mut pick = None;
            if roll < updates + deletes && !recent.is_empty() {
                for _ in 0..4 {
                    let i = rng.below(recent.len() as u64) as usize;
                    let id = recent[i];
                    if latest.get(id as usize).is_some_and(|r| *r != NONE) {
                        pick = Some(id);
                        break;
                    }
                }
            }
            let index = records.len() as u32;
            let record = match pick {
                Some(id) => {
                    let prev = latest[id as usize];
                    let old = records[prev as usize];
                    if roll < deletes {
                        latest[id as usize] = NONE;
                        Record {
                            op: Op::Delete,
                            prev,
                            ..old
                        }
                    } else {
                        let (status, amount_cents) = match old.status {
                            Status::Created if rng.chance(0.2) => {
                                (Status::Cancelled, old.amount_cents)
                            }
                            Status::Created => (Status::Paid, old.amount_cents),
                            Status::Paid if rng.chance(0.1) => {
                                (Status::Cancelled, old.amount_cents)
                            }
                            Status::Paid => (Status::Shipped, old.amount_cents),
                            // A partial refund, or a correction of a cancelled order.
                            s => (
                                s,
                                old.amount_cents
                                    .saturating_sub(100 + rng.below(400) as u32)
                                    .max(100),
                            ),
                        };
                        latest[id as usize] = index;
                        Record {
                            op: Op::Update,
                            status,
                            amount_cents,
                            prev,
                            ..old
                        }
                    }
                }
                None => {
                    let id = latest.len() as u32;
                    latest.push(index);
                    recent.push_back(id);
                    if recent.len() > RECENT {
                        recent.pop_front();
                    }
                    Record {
                        id,
                        op: Op::Insert,
                        status: Status::Created,
                        user: 1 + rng.below(500) as u32,
                        amount_cents: amount(&mut rng),
                        prev: NONE,
                    }
                }
            };
            records.push(record);
        }
        Feed {
            records: records.into(),
            initial: mix.rows,
            gap_us: (1_000_000 / mix.rate.max(1) as u64).max(1),
            tx_seed: crate::hash::bytes_hash(b"cdc.tx", seed),
        }
    }

    /// Rows in the table before the run.
    pub fn initial(&self) -> u32 {
        self.initial
    }

    /// Changes in the run.
    pub fn changes(&self) -> u64 {
        self.records.len() as u64 - self.initial as u64
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Record `i` (of the whole arena; change `k` is record `initial + k`).
    pub fn record(&self, i: u32) -> Option<&Record> {
        self.records.get(i as usize)
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Microseconds between changes.
    pub fn gap_us(&self) -> u64 {
        self.gap_us
    }

    /// Ids handed out by the end of the run (every row ever in the table).
    pub fn ids(&self) -> u32 {
        self.records
            .iter()
            .rev()
            .find(|r| r.op == Op::Insert)
            .map_or(self.initial, |r| r.id + 1)
    }

    /// The change number of record `i` (1-based: change `k` commits at step `k`), or 0
    /// for a row that existed before the run.
    pub fn change_no(&self, i: u32) -> u64 {
        (i as u64 + 1).saturating_sub(self.initial as u64)
    }

    /// The record a step commits (1-based).
    pub fn change_record(&self, step: u64) -> Option<u32> {
        let i = self.initial as u64 + step.checked_sub(1)?;
        (i < self.records.len() as u64).then_some(i as u32)
    }

    /// The WAL position of record `i` (the snapshot's for a row from before the run).
    pub fn lsn(&self, i: u32) -> u64 {
        SNAPSHOT_LSN + self.change_no(i) * WAL_RECORD_BYTES
    }

    /// The transaction that committed record `i`.
    pub fn tx(&self, i: u32) -> u64 {
        FIRST_TX + self.change_no(i)
    }

    /// Simulated microseconds since step 0 at which change `k` commits.
    pub fn commit_us(&self, k: u64) -> u64 {
        k * self.gap_us
    }

    /// How long change `k`'s transaction ran before it committed (µs): a few
    /// milliseconds, or for one in [`SLOW_ONE_IN`] 0.2 to 2 s. Drawn from the change
    /// number alone, so nothing is stored per change.
    pub fn tx_duration_us(&self, k: u64) -> u64 {
        let mut rng = Rng::new(self.tx_seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if rng.below(SLOW_ONE_IN) == 0 {
            SLOW_TX_US + rng.below(SLOW_TX_SPREAD_US + 1)
        } else {
            rng.below(FAST_TX_US + 1)
        }
    }

    /// Unix milliseconds at which record `i`'s transaction committed (the snapshot's
    /// start for a row from before the run): the event's `source.ts_ms`.
    pub fn commit_ms(&self, i: u32) -> u64 {
        START_UNIX_MS + self.commit_us(self.change_no(i)) / 1_000
    }

    /// `updated_at` of record `i` in Unix milliseconds: `now()` of its transaction, that
    /// is when the transaction began, in a `timestamp(3)` column (rows from before the
    /// run were last written a minute apart during the previous day).
    pub fn updated_ms(&self, i: u32) -> u64 {
        let k = self.change_no(i);
        if k == 0 {
            START_UNIX_MS - (self.initial as u64 - i as u64) * 60_000
        } else {
            // timestamp(3) rounds the microseconds half up.
            ((START_UNIX_MS * 1_000 + self.commit_us(k)).saturating_sub(self.tx_duration_us(k))
                + 500)
                / 1_000
        }
    }

    /// The row record `i` leaves in the table.
    pub fn row(&self, i: u32) -> Option<Row> {
        let r = self.record(i)?;
        (r.op != Op::Delete).then(|| Row {
            id: r.id,
            user: r.user,
            amount_cents: r.amount_cents,
            status: r.status,
            updated_ms: self.updated_ms(i),
        })
    }

    /// The row before record `i` (the event's `before`).
    pub fn before(&self, i: u32) -> Option<Row> {
        let r = self.record(i)?;
        match r.op {
            Op::Delete => Some(Row {
                id: r.id,
                user: r.user,
                amount_cents: r.amount_cents,
                status: r.status,
                updated_ms: self.updated_ms(r.prev),
            }),
            Op::Update => self.row(r.prev),
            Op::Initial | Op::Insert => None,
        }
    }
}

/// PostgreSQL's text form of a WAL position (`0/1A000078`).
pub fn lsn_text(lsn: u64) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn mix() -> Mix {
        Mix {
            rows: 50,
            changes: 2_000,
            updates: 0.5,
            deletes: 0.1,
            rate: 20,
        }
    }

    #[test]
    fn every_update_and_delete_follows_a_live_version_of_its_row() {
        let f = Feed::generate(7, mix());
        let mut live = vec![false; f.ids() as usize];
        let mut newest = vec![NONE; f.ids() as usize];
        let mut ops = [0u32; 4];
        for (i, r) in f.records().iter().enumerate() {
            let slot = r.id as usize;
            match r.op {
                Op::Initial | Op::Insert => {
                    assert!(
                        !live[slot] && newest[slot] == NONE,
                        "id {} inserted twice",
                        r.id
                    );
                    assert_eq!(r.prev, NONE);
                }
                Op::Update | Op::Delete => {
                    assert!(live[slot], "record {i} changes a row that is not there");
                    assert_eq!(
                        r.prev, newest[slot],
                        "record {i} links to the wrong version"
                    );
                }
            }
            live[slot] = r.op != Op::Delete;
            newest[slot] = i as u32;
            ops[r.op as usize] += 1;
        }
        assert_eq!(ops[0], 50);
        let changes = 2_000.0;
        assert!(
            (ops[3] as f64 / changes - 0.1).abs() < 0.03,
            "deletes {}",
            ops[3]
        );
        assert!(
            (ops[2] as f64 / changes - 0.5).abs() < 0.05,
            "updates {}",
            ops[2]
        );
        // Deterministic, and a delete's `before` is the row it removed.
        assert_eq!(Feed::generate(7, mix()).records(), f.records());
        let d = f.records().iter().position(|r| r.op == Op::Delete).unwrap() as u32;
        assert_eq!(f.before(d), f.row(f.record(d).unwrap().prev));
        assert_eq!(f.row(d), None);
    }

    #[test]
    fn positions_and_times_increase_with_the_change() {
        let f = Feed::generate(1, mix());
        assert_eq!(f.lsn(0), SNAPSHOT_LSN);
        assert!(f.lsn(50) > f.lsn(49) && f.lsn(51) > f.lsn(50));
        assert_eq!(f.change_record(1), Some(50));
        assert_eq!(f.change_record(0), None);
        assert_eq!(f.change_record(2_001), None);
        assert!(f.updated_ms(49) < START_UNIX_MS && f.updated_ms(50) > START_UNIX_MS);
        assert_eq!(lsn_text(0x1_1A00_0078), "1/1A000078");
    }

    #[test]
    fn updated_at_is_the_transactions_start_so_slow_ones_commit_behind_others() {
        let f = Feed::generate(3, mix());
        let mut slow = 0;
        let mut behind = 0;
        let mut newest = 0;
        for k in 1..=f.changes() {
            let i = f.change_record(k).unwrap();
            let d = f.tx_duration_us(k);
            assert_eq!(d, f.tx_duration_us(k), "drawn from k alone");
            assert!(d <= SLOW_TX_US + SLOW_TX_SPREAD_US);
            slow += u64::from(d >= SLOW_TX_US);
            // now() in a timestamp(3): the start, rounded to the millisecond.
            let start_us = START_UNIX_MS * 1_000 + f.commit_us(k) - d;
            assert_eq!(f.updated_ms(i), (start_us + 500) / 1_000);
            assert!(f.updated_ms(i) <= f.commit_ms(i) + 1);
            behind += u64::from(f.updated_ms(i) < newest);
            newest = newest.max(f.updated_ms(i));
        }
        // One in twenty is slow; some commit with an updated_at older than an earlier commit's.
        assert!((60..=140).contains(&slow), "{slow}");
        assert!(behind > 0);
    }
}
