//! The CDC state machine. Each step the source commits one change (its WAL record gets the
//! next LSN); the log-based connector turns snapshot rows, then WAL records, into change
//! events on the topic's partitions (by the key's hash), each delete's event followed by a
//! tombstone (same key, null value); the sink reads the partitions in turn, skips
//! tombstones and MERGEs events into its target; and the query-based pipeline polls the
//! source table every `poll` ms for rows whose `updated_at` is past the largest one it has
//! copied (its watermark). Kafka Connect flushes the connector's offset (an LSN) every
//! `flush` ms (the worker's `offset.flush.interval.ms`) and the sink commits its offsets
//! every `commit` ms, so a restart or a crash delivers the events since again (at least
//! once). Every row of both targets is compared with the source as it changes.

use crate::sim::parray::PArray;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario};

use super::feed::{Feed, Op};
use super::merge::{Guard, Outcome, Target};
use super::params::CdcParams;
use super::topic::{key_text, partition_for, Message};

/// Where the connector is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading the snapshot: the next row to read.
    Snapshot { next: u32 },
    /// Streaming the WAL: the next change (1-based) to read.
    Streaming { next: u64 },
}

/// One event the sink applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    pub step: u64,
    pub partition: u32,
    pub offset: u32,
    pub message: Message,
    pub outcome: Outcome,
}

/// One poll of the query-based pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Poll {
    pub at_us: u64,
    /// The `:last_poll` the query compared with: the largest `updated_at` (Unix ms) the
    /// polls before had copied.
    pub watermark_ms: u64,
    /// Changes committed since the previous poll.
    pub changes: u32,
    /// Rows the query returned (and the pipeline copied).
    pub rows: u32,
    pub missed_deletes: u32,
    /// Changes overwritten by a later change of the same row before the poll.
    pub missed_overwritten: u32,
    /// Changes that committed after the previous poll with an `updated_at` (their
    /// transaction's start) below its watermark: never selected.
    pub missed_late: u32,
    /// Likewise with an `updated_at` equal to the watermark: `>` leaves them out.
    pub missed_tied: u32,
}

/// Counters over the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Stats {
    pub produced: u64,
    pub redelivered: u64,
    pub snapshot_events: u64,
    pub applied: u64,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub skipped: u64,
    pub regressed: u64,
    pub nothing_to_delete: u64,
    pub no_key: u64,
    pub polls: u64,
    pub poll_rows: u64,
    pub missed_deletes: u64,
    pub missed_overwritten: u64,
    pub missed_late: u64,
    pub missed_tied: u64,
    pub restarts: u64,
    pub crashes: u64,
    /// Tombstones the connector produced (not counted in `produced`).
    pub tombstones: u64,
    /// Tombstones the sink read and skipped (counted in `applied`, the messages it read).
    pub tombstones_skipped: u64,
}

/// Rows that differ from the source, by why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Diffs {
    /// The log target: its change is still on its way.
    pub lagging: u64,
    /// The log target: the sink has read the row's newest change and still differs.
    pub wrong: u64,
    /// The polled copy: the next poll will fix it.
    pub poll_lagging: u64,
    /// The polled copy: a row the source deleted, which no poll will ever remove.
    pub poll_wrong: u64,
    /// The polled copy: a row whose newest change a poll has already passed over (it
    /// committed late, behind the watermark): stale until the row changes again.
    pub poll_missed: u64,
    /// Rows that differ in either copy.
    pub rows: u64,
}

/// How a row compares (bits of the per-row state).
pub const LAGGING: u8 = 1;
pub const WRONG: u8 = 2;
pub const POLL_LAGGING: u8 = 4;
pub const POLL_WRONG: u8 = 8;
pub const POLL_MISSED: u8 = 16;

/// What the last step or fault did.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Step {
        /// The change committed.
        record: u32,
        /// Events produced: `(partition, message)`.
        produced: Vec<(u32, Message)>,
        applied: Vec<Applied>,
        poll: Option<Poll>,
        snapshot_done: bool,
    },
    Restart {
        /// Events that will be produced again.
        rewound: u64,
        snapshot_again: bool,
    },
    SinkCrash {
        /// Change events that will be applied again.
        rewound: u64,
        /// Tombstones that will be read (and skipped) again.
        tombstones: u64,
    },
    Stall {
        partition: u32,
        until: u64,
    },
}

/// Rows per chunk of the per-row arrays: writes land near the newest ids, so bigger chunks
/// cost little to copy and keep the pointer list a checkpoint copies short.
pub const ROW_CHUNK: usize = 256;

/// One row's standing: records are stored + 1 (0 = none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RowState {
    /// The newest record the source committed (a delete included).
    source: u32,
    /// The newest record the sink has read.
    seen: u32,
    /// The record the polled copy holds.
    polled: u32,
    /// How the copies compare ([`LAGGING`], …).
    bits: u8,
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Cdc {
    params: CdcParams,
    feed: Feed,
    step: u64,
    ids: u32,
    /// Per id: where the row stands in the source and both copies (one array, so a
    /// checkpoint copies one short list of chunk pointers).
    rows: PArray<RowState, ROW_CHUNK>,
    source_live: u64,
    phase: Phase,
    /// Highest snapshot row and change produced so far (for telling redeliveries).
    snapshot_high: u32,
    produced_high: u64,
    /// The connector's last saved position (`None`: the snapshot was not finished).
    saved: Option<u64>,
    last_flush_us: u64,
    topic: Vec<PVec<Message>>,
    positions: Vec<u32>,
    committed: Vec<u32>,
    last_commit_us: u64,
    stalled_until: Vec<u64>,
    turn: usize,
    target: Target,
    polled_live: u64,
    /// The change number the last poll read up to, and when the next poll runs.
    polled_to: u64,
    next_poll_us: u64,
    /// The polls' `:last_poll`: the largest `updated_at` (Unix ms) they have copied.
    watermark_ms: u64,
    diffs: Diffs,
    stats: Stats,
    applied_log: PVec<Applied>,
    polls: PVec<Poll>,
    last: Last,
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "connector-restart",
        label: "Connector restart",
        help: "The connector dies and restarts from the last offset (an LSN) Kafka Connect flushed to its offsets topic: every event produced since is produced again (at least once). Before the snapshot finished, the snapshot starts over.",
    },
    FaultSpec {
        kind: "reorder",
        label: "Cross-partition reordering",
        help: "One partition's consumer stalls (the busiest, or the one inspected) while the others go on: events of other rows overtake it. Each row's own events stay in order.",
    },
    FaultSpec {
        kind: "sink-crash",
        label: "Sink crash",
        help: "The sink dies and restarts from its last committed offsets: every event applied since is applied again (and every tombstone read since is skipped again).",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "note-key",
        label: "The note's key: deletes lost",
        description: "Events keyed by after.id: a delete's key is empty, it goes to another partition and the MERGE matches nothing — deleted orders stay in the target.",
        seed: 42,
        params: &[("after-id-key", "on")],
        faults: &[],
        step: 600,
    },
    Preset {
        name: "restart",
        label: "Connector restart: duplicates skipped by LSN",
        description: "At step 450 the connector restarts from the offset Kafka Connect flushed at step 400 and produces those fifty changes again; the guarded MERGE skips every one.",
        seed: 42,
        params: &[],
        faults: &[(450, "connector-restart")],
        step: 480,
    },
    Preset {
        name: "plain-merge",
        label: "Plain MERGE after a sink crash: rows go back in time",
        description: "The same redelivery into a plain upsert: old versions overwrite newer ones and deleted rows come back until the replay catches up.",
        seed: 42,
        params: &[("merge", "plain"), ("deletes", "0.3")],
        faults: &[(450, "sink-crash")],
        step: 460,
    },
    Preset {
        name: "reorder",
        label: "A stalled partition: the target matches no moment of the source",
        description: "One partition stalls for 60 steps: other rows race ahead, so the target mixes new and old rows — yet each row ends right once it catches up.",
        seed: 42,
        params: &[],
        faults: &[(300, "reorder")],
        step: 340,
    },
    Preset {
        name: "polling",
        label: "Polling every 10 s misses deletes and in-between updates",
        description: "Query-based CDC every ten seconds beside the log: many changes are never seen, and deleted orders stay in its copy.",
        seed: 42,
        params: &[("poll", "10000"), ("deletes", "0.2")],
        faults: &[],
        step: 1_000,
    },
    Preset {
        name: "late-commits",
        label: "Polling misses slow transactions that commit behind its watermark",
        description: "500 changes a second, no deletes, a poll every 100 ms. updated_at is now(), the start of each transaction, so a slow one commits after a poll has already copied rows with a later updated_at: updated_at > :last_poll never returns it (nor, a few times, one tied with :last_poll to the millisecond), and its row stays stale in the copy.",
        seed: 42,
        params: &[("rate", "500"), ("poll", "100"), ("deletes", "0"), ("updates", "0.3")],
        faults: &[],
        step: 2_000,
    },
    Preset {
        name: "snapshot",
        label: "A big snapshot while the source keeps changing",
        description: "2,000 rows to snapshot before streaming starts; the WAL piles up meanwhile and drains after.",
        seed: 42,
        params: &[("initial", "2000"), ("connector", "10")],
        faults: &[],
        step: 150,
    },
];

fn same_row(feed: &Feed, a: Option<u32>, b: Option<u32>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || feed.row(a) == feed.row(b),
        _ => false,
    }
}

impl Cdc {
    pub fn params(&self) -> &CdcParams {
        &self.params
    }

    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// Changes committed.
    pub fn committed_changes(&self) -> u64 {
        self.step
    }

    pub fn now_us(&self) -> u64 {
        self.feed.commit_us(self.step)
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn saved(&self) -> Option<u64> {
        self.saved
    }

    pub fn topic(&self) -> &[PVec<Message>] {
        &self.topic
    }

    pub fn positions(&self) -> &[u32] {
        &self.positions
    }

    pub fn committed_offsets(&self) -> &[u32] {
        &self.committed
    }

    /// The step until which partition `p` is stalled (0 when it is not).
    pub fn stalled_until(&self, p: usize) -> u64 {
        self.stalled_until.get(p).copied().unwrap_or(0)
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn diffs(&self) -> &Diffs {
        &self.diffs
    }

    pub fn applied_log(&self) -> &PVec<Applied> {
        &self.applied_log
    }

    pub fn polls(&self) -> &PVec<Poll> {
        &self.polls
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn source_live(&self) -> u64 {
        self.source_live
    }

    pub fn polled_live(&self) -> u64 {
        self.polled_live
    }

    /// The change number the query-based pipeline has polled up to.
    pub fn polled_to(&self) -> u64 {
        self.polled_to
    }

    /// The polls' watermark: the largest `updated_at` (Unix ms) they have copied, the
    /// next poll's `:last_poll`.
    pub fn watermark_ms(&self) -> u64 {
        self.watermark_ms
    }

    /// Ids handed out so far (every row the source has had).
    pub fn ids(&self) -> u32 {
        self.ids
    }

    /// The source's newest record for `id` (a delete included).
    pub fn source_record(&self, id: u32) -> Option<u32> {
        self.rows.get(id as usize).source.checked_sub(1)
    }

    /// The source's live row record for `id`.
    pub fn source_row(&self, id: u32) -> Option<u32> {
        self.source_record(id)
            .filter(|r| self.feed.record(*r).is_some_and(|x| x.op != Op::Delete))
    }

    /// The polled copy's record for `id`.
    pub fn polled_row(&self, id: u32) -> Option<u32> {
        self.rows.get(id as usize).polled.checked_sub(1)
    }

    /// The newest record of `id` the sink has read.
    pub fn seen(&self, id: u32) -> Option<u32> {
        self.rows.get(id as usize).seen.checked_sub(1)
    }

    /// How row `id` compares: bits [`LAGGING`], [`WRONG`], [`POLL_LAGGING`], [`POLL_WRONG`].
    pub fn row_state(&self, id: u32) -> u8 {
        self.rows.get(id as usize).bits
    }

    /// Events waiting in the topic for the sink.
    pub fn backlog(&self) -> u64 {
        self.topic
            .iter()
            .zip(&self.positions)
            .map(|(t, p)| t.len() as u64 - *p as u64)
            .sum()
    }

    /// WAL records committed but not yet read by the connector (the snapshot's rows
    /// included while it runs).
    pub fn wal_backlog(&self) -> u64 {
        match self.phase {
            Phase::Snapshot { next } => {
                self.step + (self.feed.initial().saturating_sub(next)) as u64
            }
            Phase::Streaming { next } => (self.step + 1).saturating_sub(next),
        }
    }

    fn recompute(&mut self, id: u32) {
        let src = self.source_record(id);
        let src_row = self.source_row(id);
        let tgt = self.target.row_record(&self.feed, id);
        let mut bits = 0;
        if !same_row(&self.feed, src_row, tgt) {
            // Records of one row are in LSN order: lagging while the sink has not read the
            // source's newest.
            let lag = src.is_some_and(|s| self.seen(id).is_none_or(|seen| seen < s));
            bits |= if lag { LAGGING } else { WRONG };
        }
        if !same_row(&self.feed, src_row, self.polled_row(id)) {
            // A deleted row is never removed; a row whose newest change a poll has passed
            // over (behind the watermark) stays stale; otherwise the next poll judges it.
            let judged = src.is_some_and(|r| self.feed.change_no(r) <= self.polled_to);
            bits |= match src_row {
                None => POLL_WRONG,
                Some(_) if judged => POLL_MISSED,
                Some(_) => POLL_LAGGING,
            };
        }
        let old = self.rows.get(id as usize).bits;
        if old == bits {
            return;
        }
        let d = &mut self.diffs;
        match (old != 0, bits != 0) {
            (false, true) => d.rows += 1,
            (true, false) => d.rows -= 1,
            _ => {}
        }
        for (bit, n) in [
            (LAGGING, &mut d.lagging),
            (WRONG, &mut d.wrong),
            (POLL_LAGGING, &mut d.poll_lagging),
            (POLL_WRONG, &mut d.poll_wrong),
            (POLL_MISSED, &mut d.poll_missed),
        ] {
            match (old & bit != 0, bits & bit != 0) {
                (false, true) => *n += 1,
                (true, false) => *n -= 1,
                _ => {}
            }
        }
        self.rows.update(id as usize, |v| v.bits = bits);
    }

    /// Produces record `record`'s change event onto its partition (into `out` too), and
    /// after a delete's event its tombstone: Debezium's key, a null value. The note's
    /// handler re-publishes only change events (a tombstone has no `after` to key by).
    fn produce(&mut self, record: u32, out: &mut Vec<(u32, Message)>) {
        let rec = self.feed.records()[record as usize];
        let no_key = self.params.after_id_key && rec.op == Op::Delete;
        let key = (!no_key).then_some(rec.id);
        let partition = partition_for(
            key_text(key, self.params.after_id_key).as_bytes(),
            self.params.partitions,
        );
        let redelivered = if rec.op == Op::Initial {
            let again = record < self.snapshot_high;
            self.snapshot_high = self.snapshot_high.max(record + 1);
            self.stats.snapshot_events += 1;
            again
        } else {
            let k = self.feed.change_no(record);
            let again = k <= self.produced_high;
            self.produced_high = self.produced_high.max(k);
            again
        };
        let m = Message {
            record,
            tombstone: false,
            redelivered,
            no_key,
            step: self.step as u32,
        };
        self.stats.produced += 1;
        if redelivered {
            self.stats.redelivered += 1;
        }
        let mut messages = vec![m];
        if rec.op == Op::Delete && !self.params.after_id_key {
            messages.push(Message {
                tombstone: true,
                ..m
            });
            self.stats.tombstones += 1;
        }
        for m in messages {
            if let Some(t) = self.topic.get_mut(partition as usize) {
                t.push(m);
            }
            out.push((partition, m));
        }
    }

    /// The connector's work this step; returns whether the snapshot finished.
    fn connect(&mut self, out: &mut Vec<(u32, Message)>) -> bool {
        let mut finished = false;
        for _ in 0..self.params.connector {
            match self.phase {
                Phase::Snapshot { next } if next < self.feed.initial() => {
                    self.produce(next, out);
                    self.phase = Phase::Snapshot { next: next + 1 };
                }
                Phase::Snapshot { .. } => {
                    self.phase = Phase::Streaming { next: 1 };
                    finished = true;
                }
                Phase::Streaming { next } if next <= self.step => {
                    if let Some(r) = self.feed.change_record(next) {
                        self.produce(r, out);
                    }
                    self.phase = Phase::Streaming { next: next + 1 };
                }
                Phase::Streaming { .. } => break,
            }
        }
        if let Phase::Snapshot { next } = self.phase {
            if next >= self.feed.initial() {
                self.phase = Phase::Streaming { next: 1 };
                finished = true;
            }
        }
        finished
    }

    fn sink(&mut self, out: &mut Vec<Applied>) {
        let parts = self.topic.len();
        let mut taken = 0;
        let mut idle = 0;
        while taken < self.params.sink && idle < parts {
            let p = self.turn % parts;
            self.turn = (self.turn + 1) % parts;
            let pos = self.positions[p];
            let available = (pos as usize) < self.topic[p].len();
            if self.stalled_until[p] > self.step || !available {
                idle += 1;
                continue;
            }
            idle = 0;
            taken += 1;
            let Some(m) = self.topic[p].get(pos as usize).copied() else {
                continue;
            };
            self.positions[p] = pos + 1;
            let Some(rec) = self.feed.record(m.record).copied() else {
                continue;
            };
            if m.tombstone {
                // A null value: nothing to apply. Its offset is consumed like any other.
                self.stats.applied += 1;
                self.stats.tombstones_skipped += 1;
                let a = Applied {
                    step: self.step,
                    partition: p as u32,
                    offset: pos,
                    message: m,
                    outcome: Outcome::Tombstone,
                };
                self.applied_log.push(a);
                out.push(a);
                continue;
            }
            let key = (!m.no_key).then_some(rec.id);
            let outcome = self
                .target
                .apply(&self.feed, m.record, key, self.params.guard);
            let s = &mut self.stats;
            s.applied += 1;
            match outcome {
                Outcome::Inserted => s.inserted += 1,
                Outcome::Updated => s.updated += 1,
                Outcome::Deleted => s.deleted += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::Regressed => s.regressed += 1,
                Outcome::NothingToDelete => s.nothing_to_delete += 1,
                Outcome::NoKey => s.no_key += 1,
                // Tombstones are skipped before the MERGE (above).
                Outcome::Tombstone => {}
            }
            let newer = self.seen(rec.id).is_none_or(|seen| m.record > seen);
            if newer {
                self.rows.update(rec.id as usize, |v| v.seen = m.record + 1);
            }
            self.recompute(rec.id);
            let a = Applied {
                step: self.step,
                partition: p as u32,
                offset: pos,
                message: m,
                outcome,
            };
            self.applied_log.push(a);
            out.push(a);
        }
    }

    /// The query-based pipeline's poll at `at_us`: `updated_at > :last_poll`, where
    /// `:last_poll` is the watermark (the largest `updated_at` copied so far), over the
    /// rows as they are now. A change committed since the previous poll is copied only if
    /// it is still its row's newest, not a delete, and its `updated_at` (its
    /// transaction's start) is past the watermark: a slow transaction that committed
    /// after a poll which copied a row with a later `updated_at` is missed for good, and
    /// so is one whose `updated_at` equals the watermark.
    fn poll(&mut self, at_us: u64) -> Poll {
        let upto = (at_us / self.feed.gap_us()).min(self.step);
        let from = self.polled_to + 1;
        let watermark = self.watermark_ms;
        let mut next_watermark = watermark;
        let mut p = Poll {
            at_us,
            watermark_ms: watermark,
            changes: (upto + 1).saturating_sub(from) as u32,
            rows: 0,
            missed_deletes: 0,
            missed_overwritten: 0,
            missed_late: 0,
            missed_tied: 0,
        };
        for k in from..=upto {
            let Some(r) = self.feed.change_record(k) else {
                continue;
            };
            let rec = self.feed.records()[r as usize];
            if rec.op == Op::Delete {
                p.missed_deletes += 1;
                continue;
            }
            if self.source_record(rec.id) != Some(r) {
                p.missed_overwritten += 1;
                continue;
            }
            let updated = self.feed.updated_ms(r);
            if updated < watermark {
                p.missed_late += 1;
                continue;
            }
            if updated == watermark {
                p.missed_tied += 1;
                continue;
            }
            next_watermark = next_watermark.max(updated);
            p.rows += 1;
            if self.polled_row(rec.id).is_none() {
                self.polled_live += 1;
            }
            self.rows.update(rec.id as usize, |v| v.polled = r + 1);
        }
        self.watermark_ms = next_watermark;
        self.polled_to = upto.max(self.polled_to);
        // Rows the copy must now be compared again: everything the poll covered.
        for k in from..=upto {
            if let Some(r) = self.feed.change_record(k) {
                let id = self.feed.records()[r as usize].id;
                self.recompute(id);
            }
        }
        let s = &mut self.stats;
        s.polls += 1;
        s.poll_rows += p.rows as u64;
        s.missed_deletes += p.missed_deletes as u64;
        s.missed_overwritten += p.missed_overwritten as u64;
        s.missed_late += p.missed_late as u64;
        s.missed_tied += p.missed_tied as u64;
        self.polls.push(p);
        p
    }
}

impl Scenario for Cdc {
    type Params = CdcParams;
    type View = super::view::CdcView;
    const SLUG: &'static str = "cdc";

    fn new(params: &CdcParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = crate::sim::Params::validate(params);
        if !errors.is_empty() {
            return Err(errors);
        }
        let p = params.clone();
        let feed = Feed::generate(seed, p.mix());
        let parts = p.partitions.max(1) as usize;
        let mut rows: PArray<RowState, ROW_CHUNK> = PArray::new();
        for i in 0..feed.initial() {
            // The query-based pipeline starts with a full copy.
            rows.update(i as usize, |v| {
                v.source = i + 1;
                v.polled = i + 1;
            });
        }
        let mut s = Cdc {
            step: 0,
            ids: feed.initial(),
            rows,
            source_live: feed.initial() as u64,
            phase: Phase::Snapshot { next: 0 },
            snapshot_high: 0,
            produced_high: 0,
            saved: None,
            last_flush_us: 0,
            topic: vec![PVec::new(); parts],
            positions: vec![0; parts],
            committed: vec![0; parts],
            last_commit_us: 0,
            stalled_until: vec![0; parts],
            turn: 0,
            target: Target::new(),
            polled_live: feed.initial() as u64,
            polled_to: 0,
            next_poll_us: p.poll_ms as u64 * 1_000,
            // The full copy's largest updated_at.
            watermark_ms: feed
                .initial()
                .checked_sub(1)
                .map_or(0, |last| feed.updated_ms(last)),
            diffs: Diffs::default(),
            stats: Stats::default(),
            applied_log: PVec::new(),
            polls: PVec::new(),
            last: Last::Start,
            feed,
            params: p,
        };
        for id in 0..s.feed.initial() {
            s.recompute(id);
        }
        Ok(s)
    }

    fn total_steps(&self) -> u64 {
        self.feed.changes()
    }

    fn step(&mut self) {
        let k = self.step + 1;
        let now = self.feed.commit_us(k);
        let mut poll = None;
        while self.next_poll_us < now {
            let at = self.next_poll_us;
            poll = Some(self.poll(at));
            self.next_poll_us += self.params.poll_ms as u64 * 1_000;
        }
        let Some(record) = self.feed.change_record(k) else {
            return;
        };
        let rec = self.feed.records()[record as usize];
        let was_live = self.source_row(rec.id).is_some();
        self.rows.update(rec.id as usize, |v| v.source = record + 1);
        match (was_live, rec.op != Op::Delete) {
            (false, true) => self.source_live += 1,
            (true, false) => self.source_live -= 1,
            _ => {}
        }
        self.step = k;
        self.ids = self.ids.max(rec.id + 1);
        self.recompute(rec.id);
        let mut produced = Vec::new();
        let snapshot_done = self.connect(&mut produced);
        let mut applied = Vec::new();
        self.sink(&mut applied);
        if now >= self.last_flush_us + self.params.flush_ms as u64 * 1_000 {
            self.saved = match self.phase {
                Phase::Streaming { next } => Some(next - 1),
                Phase::Snapshot { .. } => None,
            };
            self.last_flush_us = now;
        }
        if now >= self.last_commit_us + self.params.commit_ms as u64 * 1_000 {
            self.committed = self.positions.clone();
            self.last_commit_us = now;
        }
        self.last = Last::Step {
            record,
            produced,
            applied,
            poll,
            snapshot_done,
        };
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        match fault.kind.as_str() {
            "connector-restart" => {
                let (phase, snapshot_again) = match self.saved {
                    Some(n) => (Phase::Streaming { next: n + 1 }, false),
                    None => (Phase::Snapshot { next: 0 }, true),
                };
                let rewound = match (self.phase, phase) {
                    (Phase::Streaming { next: a }, Phase::Streaming { next: b }) => {
                        a.saturating_sub(b)
                    }
                    (Phase::Streaming { next: a }, Phase::Snapshot { .. }) => {
                        a.saturating_sub(1) + self.feed.initial() as u64
                    }
                    (Phase::Snapshot { next }, _) => next as u64,
                };
                self.phase = phase;
                self.stats.restarts += 1;
                self.last = Last::Restart {
                    rewound,
                    snapshot_again,
                };
            }
            "sink-crash" => {
                let (mut rewound, mut tombstones) = (0u64, 0u64);
                for ((part, pos), c) in self.topic.iter().zip(&self.positions).zip(&self.committed)
                {
                    for o in *c..*pos {
                        match part.get(o as usize) {
                            Some(m) if m.tombstone => tombstones += 1,
                            Some(_) => rewound += 1,
                            None => {}
                        }
                    }
                }
                self.positions = self.committed.clone();
                self.stats.crashes += 1;
                self.last = Last::SinkCrash {
                    rewound,
                    tombstones,
                };
            }
            "reorder" => {
                let parts = self.topic.len();
                let partition = match fault.arg {
                    Some(a) if (a as usize) < parts => a as usize,
                    Some(a) => {
                        return Err(format!(
                            "partition {a} does not exist: there are {parts} (0 to {})",
                            parts - 1
                        ))
                    }
                    None => (0..parts)
                        .max_by_key(|&p| {
                            (
                                (self.topic[p].len() as u32).saturating_sub(self.positions[p]),
                                std::cmp::Reverse(p),
                            )
                        })
                        .unwrap_or(0),
                };
                if parts < 2 {
                    return Err(
                        "one partition cannot be reordered against another: use two or more".into(),
                    );
                }
                let until = self.step + self.params.stall as u64;
                self.stalled_until[partition] = until;
                self.last = Last::Stall {
                    partition: partition as u32,
                    until,
                };
            }
            other => return Err(format!("this page has no fault “{other}”")),
        }
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a fault, the snapshot finishing, a redelivered event reaching the sink, a row going back in time, or a delete that matched nothing"
    }

    fn narrate(&self) -> String {
        super::view::narrate(self)
    }

    fn is_notable(&self) -> bool {
        match &self.last {
            Last::Start => false,
            Last::Step {
                applied,
                snapshot_done,
                ..
            } => {
                *snapshot_done
                    || applied.iter().any(|a| {
                        a.message.redelivered
                            || matches!(a.outcome, Outcome::Regressed | Outcome::NoKey)
                    })
            }
            _ => true,
        }
    }

    fn view(&self) -> super::view::CdcView {
        super::view::CdcView::of(self)
    }
}

impl Cdc {
    /// The state once the pipeline has caught up with every change committed so far: the
    /// connector and the sink run on (no stall, nothing new committed) until the topic is
    /// drained. A copy: `self` is unchanged.
    pub fn drained(&self) -> Cdc {
        let mut s = self.clone();
        s.stalled_until.iter_mut().for_each(|u| *u = 0);
        let mut scratch = Vec::new();
        let mut applied = Vec::new();
        loop {
            scratch.clear();
            applied.clear();
            s.connect(&mut scratch);
            s.sink(&mut applied);
            if scratch.is_empty() && applied.is_empty() && s.wal_backlog() == 0 {
                break;
            }
        }
        s
    }

    /// The guard in force.
    pub fn guard(&self) -> Guard {
        self.params.guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(params: CdcParams, faults: &[(u64, &str)]) -> Cdc {
        let mut s = Cdc::new(&params, 42).unwrap();
        for k in 0..s.total_steps() {
            for (at, kind) in faults {
                if *at == k {
                    s.apply(&Fault::new(kind)).unwrap();
                }
            }
            s.step();
        }
        s
    }

    fn small() -> CdcParams {
        CdcParams {
            changes: 600,
            ..CdcParams::default()
        }
    }

    #[test]
    fn once_drained_the_guarded_target_equals_the_source_even_after_every_fault() {
        let s = run(
            small(),
            &[
                (150, "connector-restart"),
                (270, "sink-crash"),
                (330, "reorder"),
            ],
        );
        assert!(
            s.stats().redelivered > 0 && s.stats().skipped > 0,
            "{:?}",
            s.stats()
        );
        let d = s.drained();
        assert_eq!(d.diffs().lagging + d.diffs().wrong, 0, "{:?}", d.diffs());
        assert_eq!(d.target().live(), d.source_live());
        assert_eq!(s.diffs().wrong, 0);
    }

    #[test]
    fn the_notes_key_loses_deletes_for_good() {
        let mut p = small();
        p.after_id_key = true;
        let d = run(p, &[]).drained();
        assert!(d.stats().no_key > 0);
        assert_eq!(
            d.diffs().wrong,
            d.stats().no_key,
            "each lost delete leaves one ghost row"
        );
        assert!(d.target().live() > d.source_live());
    }

    #[test]
    fn a_plain_merge_goes_back_in_time_after_a_crash() {
        let mut p = small();
        p.guard = Guard::Plain;
        p.deletes = 0.3;
        let s = run(p, &[(350, "sink-crash")]);
        assert!(s.stats().regressed + s.stats().inserted > 0);
        assert!(s.stats().regressed > 0, "{:?}", s.stats());
    }

    #[test]
    fn polling_never_sees_a_delete_and_keeps_deleted_rows() {
        let s = run(small(), &[]);
        assert!(s.stats().missed_deletes > 0 && s.stats().missed_overwritten > 0);
        assert!(s.diffs().poll_wrong > 0);
        let st = s.stats();
        assert_eq!(
            st.poll_rows
                + st.missed_deletes
                + st.missed_overwritten
                + st.missed_late
                + st.missed_tied,
            s.polled_to()
        );
    }

    #[test]
    fn a_slow_transaction_committing_behind_the_watermark_is_missed_for_good() {
        // Issue 22: updated_at is now(), the transaction's start, so a slow transaction
        // can commit after a poll that already copied a row with a later updated_at.
        let s = run(small(), &[]);
        assert!(s.stats().missed_late > 0, "{:?}", s.stats());
        assert!(s.diffs().poll_missed > 0, "{:?}", s.diffs());
        // Every missed-for-good row: its newest change was judged, yet the copy differs.
        for id in 0..s.ids() {
            if s.row_state(id) & POLL_MISSED != 0 {
                let newest = s.source_record(id).unwrap();
                assert!(s.feed().change_no(newest) <= s.polled_to());
                assert!(s.feed().updated_ms(newest) <= s.watermark_ms());
            }
        }
        // Ties need two transactions starting in the same millisecond: fast changes.
        let fast = CdcParams {
            changes: 3_000,
            rate: 1_000,
            poll_ms: 100,
            updates: 0.0,
            deletes: 0.0,
            ..CdcParams::default()
        };
        let tied: u64 = (0..8)
            .map(|seed| {
                let mut s = Cdc::new(&fast, seed).unwrap();
                for _ in 0..s.total_steps() {
                    s.step();
                }
                s.stats().missed_tied
            })
            .sum();
        assert!(tied > 0, "no poll met a tie");
    }

    #[test]
    fn the_late_commits_preset_shows_late_and_tied_misses() {
        let preset = PRESETS.iter().find(|p| p.name == "late-commits").unwrap();
        let (params, _) = Preset::load::<CdcParams>(preset);
        let mut s = Cdc::new(&params, preset.seed).unwrap();
        for _ in 0..preset.step {
            s.step();
        }
        let st = s.stats();
        assert_eq!(st.missed_deletes, 0);
        assert!(st.missed_late > 0 && st.missed_tied > 0, "{st:?}");
        assert!(s.diffs().poll_missed > 0);
    }

    #[test]
    fn each_delete_is_followed_by_its_tombstone_and_the_sink_skips_it() {
        let s = run(small(), &[(200, "connector-restart")]).drained();
        let mut deletes = 0;
        for part in s.topic() {
            let msgs: Vec<Message> = (0..part.len())
                .filter_map(|o| part.get(o).copied())
                .collect();
            for (o, m) in msgs.iter().enumerate() {
                let op = s.feed().record(m.record).map(|r| r.op);
                if m.tombstone {
                    assert_eq!(op, Some(Op::Delete));
                    assert!(o > 0 && msgs[o - 1].record == m.record && !msgs[o - 1].tombstone);
                } else if op == Some(Op::Delete) {
                    deletes += 1;
                    assert!(msgs
                        .get(o + 1)
                        .is_some_and(|t| t.tombstone && t.record == m.record));
                }
            }
        }
        assert!(deletes > 0);
        assert_eq!(s.stats().tombstones, deletes);
        assert_eq!(s.stats().tombstones_skipped, deletes);
        assert_eq!(s.diffs().lagging + s.diffs().wrong, 0);
        // The note's handler re-publishes change events only.
        let mut p = small();
        p.after_id_key = true;
        assert_eq!(run(p, &[]).stats().tombstones, 0);
    }

    #[test]
    fn a_restart_before_the_snapshot_finishes_reads_it_again() {
        let mut p = small();
        p.rows = 300;
        let mut s = Cdc::new(&p, 1).unwrap();
        for _ in 0..20 {
            s.step();
        }
        s.apply(&Fault::new("connector-restart")).unwrap();
        assert_eq!(s.phase(), Phase::Snapshot { next: 0 });
        assert!(matches!(
            s.last(),
            Last::Restart {
                snapshot_again: true,
                rewound: 60
            }
        ));
        s.step();
        assert!(s.stats().redelivered > 0);
        assert!(s.apply(&Fault::with_arg("reorder", 9)).is_err());
    }
}
