//! Ground truth for CDC from the source's history alone: the table after the first `n`
//! changes (a fold of the records, nothing else), and which changes polling every `poll`
//! ms with `updated_at > :last_poll` (the largest `updated_at` copied so far) can ever
//! see. A change is seen iff it is not a delete, no later change of the same row commits
//! by the next poll, and its `updated_at` (its transaction's start) is above the largest
//! `updated_at` seen by the polls before. No WAL, topic, connector or sink is consulted.

use crate::patterns::cdc::feed::{Feed, Op, Record, Row, NONE};
use std::ops::Range;

/// Takes record `i` into `newest` (per id, its newest record; [`NONE`] once deleted).
fn fold_newest(newest: &mut Vec<u32>, i: usize, r: &Record) {
    let slot = r.id as usize;
    if newest.len() <= slot {
        newest.resize(slot + 1, NONE);
    }
    newest[slot] = if r.op == Op::Delete { NONE } else { i as u32 };
}

/// How many records the source holds after change `n` (rows from before the run included).
fn records_after(feed: &Feed, n: u64) -> usize {
    (feed.initial() as u64 + n).min(feed.len() as u64) as usize
}

/// Per id, the record of its row after change `n` ([`NONE`] if deleted or never there).
pub fn newest_records(feed: &Feed, n: u64) -> Vec<u32> {
    let mut newest: Vec<u32> = Vec::new();
    for (i, r) in feed.records()[..records_after(feed, n)].iter().enumerate() {
        fold_newest(&mut newest, i, r);
    }
    newest
}

/// The source table after change `n`: per id, its row (`None` if deleted or never there).
pub fn table_after(feed: &Feed, n: u64) -> Vec<Option<Row>> {
    newest_records(feed, n)
        .into_iter()
        .map(|i| feed.row(i))
        .collect()
}

/// Ids whose row in `target` differs from the source after change `n`.
pub fn differing(feed: &Feed, n: u64, ids: u32, target: impl Fn(u32) -> Option<Row>) -> Vec<u32> {
    let truth = newest_records(feed, n);
    (0..ids.max(truth.len() as u32))
        .filter(|id| !agrees(feed, &truth, *id, &target))
        .collect()
}

/// Whether `target` holds the source's row for `id` (per `truth`, from [`newest_records`]).
fn agrees(feed: &Feed, truth: &[u32], id: u32, target: impl Fn(u32) -> Option<Row>) -> bool {
    feed.row(truth.get(id as usize).copied().unwrap_or(NONE)) == target(id)
}

/// What polling every `poll_us` has seen after change `n`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollTruth {
    /// Changes committed by the last poll so far.
    pub judged: u64,
    pub captured: u64,
    pub missed_deletes: u64,
    pub missed_overwritten: u64,
    /// Committed after a poll whose watermark was already above their `updated_at`.
    pub missed_late: u64,
    /// Likewise with an `updated_at` equal to that watermark.
    pub missed_tied: u64,
    /// Per id: the record of the newest row version polling has copied (the row before
    /// the run if none; [`NONE`] if it never had one).
    pub copied: Vec<u32>,
}

/// The two walks over the judged changes that decide, change by change, whether a poll
/// saw it (shared by [`polling`] and [`Check`]): backwards, which changes a later change
/// of their row overwrote by the next poll; then forwards, poll window by poll window,
/// the watermark each poll compared with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PollWalk {
    first: usize,
    poll_us: u64,
    gap_us: u64,
    /// Per id, the next record of that row met so far (walking backwards).
    next_of_row: Vec<u32>,
    /// Bit `k - 1`: change `k` was overwritten before the poll after it.
    overwritten: Vec<u64>,
    /// The watermark the current window's poll compares with, the largest `updated_at`
    /// captured in the window so far, and the window's poll time.
    watermark: u64,
    window_max: u64,
    window: u64,
}

impl PollWalk {
    /// The walk after change `n`, and the record range it judges.
    fn new(feed: &Feed, n: u64, poll_us: u64) -> (Self, u64, Range<usize>) {
        let poll_us = poll_us.max(1);
        let gap_us = feed.gap_us().max(1);
        // The last poll that ran: the largest multiple of poll_us strictly before change n.
        let last_poll = (n * gap_us).saturating_sub(1) / poll_us * poll_us;
        let judged = if last_poll == 0 {
            0
        } else {
            (last_poll / gap_us).min(n)
        };
        let first = feed.initial() as usize;
        let end = (first + judged as usize).min(feed.len());
        // The poller starts from a full copy of the rows before the run: its watermark is
        // their largest updated_at.
        let watermark = (0..feed.initial())
            .map(|i| feed.updated_ms(i))
            .max()
            .unwrap_or(0);
        let walk = PollWalk {
            first,
            poll_us,
            gap_us,
            next_of_row: Vec::new(),
            overwritten: vec![0; (end - first.min(end)).div_ceil(64)],
            watermark,
            window_max: watermark,
            window: 0,
        };
        (walk, judged, first.min(end)..end)
    }

    fn commit(&self, k: u64) -> u64 {
        k * self.gap_us
    }

    /// The poll that first sees change `k`: the first poll at or after its commit.
    fn poll_at(&self, k: u64) -> u64 {
        self.commit(k).div_ceil(self.poll_us) * self.poll_us
    }

    /// Walking backwards: notes whether record `i` (every later judged record already
    /// walked) was overwritten by its row's next change before its poll.
    fn back(&mut self, i: usize, r: &Record) {
        let slot = r.id as usize;
        if self.next_of_row.len() <= slot {
            self.next_of_row.resize(slot + 1, NONE);
        }
        let k = (i - self.first) as u64 + 1;
        let next = self.next_of_row[slot];
        let overwritten =
            next != NONE && self.commit((next as usize - self.first) as u64 + 1) <= self.poll_at(k);
        self.next_of_row[slot] = i as u32;
        if overwritten {
            let b = (k - 1) as usize;
            if let Some(w) = self.overwritten.get_mut(b / 64) {
                *w |= 1 << (b % 64);
            }
        }
    }

    /// Walking forwards (after the backward walk): judges record `i` (every earlier
    /// judged record already judged), counted into `t`; `true` if a poll copied it.
    fn judge(&mut self, feed: &Feed, t: &mut PollTruth, i: usize, r: &Record) -> bool {
        let k = (i - self.first) as u64 + 1;
        let poll_at = self.poll_at(k);
        if poll_at != self.window {
            // A new poll: it compares with everything the earlier polls copied.
            self.watermark = self.window_max;
            self.window = poll_at;
        }
        let b = (k - 1) as usize;
        let overwritten = self
            .overwritten
            .get(b / 64)
            .is_some_and(|w| w & (1 << (b % 64)) != 0);
        if r.op == Op::Delete {
            t.missed_deletes += 1;
            return false;
        }
        if overwritten {
            t.missed_overwritten += 1;
            return false;
        }
        let updated = feed.updated_ms(i as u32);
        if updated < self.watermark {
            t.missed_late += 1;
            false
        } else if updated == self.watermark {
            t.missed_tied += 1;
            false
        } else {
            self.window_max = self.window_max.max(updated);
            t.captured += 1;
            true
        }
    }
}

/// The polls that have run by change `n` are those at `poll_us`, `2 × poll_us`, … before
/// change `n` committed (a poll runs when the clock passes it, as the next change arrives).
pub fn polling(feed: &Feed, n: u64, poll_us: u64) -> PollTruth {
    let (mut walk, judged, range) = PollWalk::new(feed, n, poll_us);
    let records = &feed.records()[..range.end];
    let mut seen = vec![false; records.len()];
    let mut t = PollTruth {
        judged,
        ..PollTruth::default()
    };
    for i in range.clone().rev() {
        walk.back(i, &records[i]);
    }
    for i in range {
        seen[i] = walk.judge(feed, &mut t, i, &records[i]);
    }
    let mut copied: Vec<u32> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let slot = r.id as usize;
        if copied.len() <= slot {
            copied.resize(slot + 1, NONE);
        }
        if r.op == Op::Initial || seen[i] {
            copied[slot] = i as u32;
        }
    }
    t.copied = copied;
    t
}

/// [`differing`]'s count and [`polling`]'s counts for a run after change `n`, a slice at a
/// time, so a page can spread a long run's check over several tasks. Its work comes in
/// units `0..units()`: the judged changes walked backwards, then forwards, then the
/// source's records folded forwards, then the ids compared. Units fed in order, in any
/// number of calls, give the one-pass answers. `copied` is left empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Check {
    walk: PollWalk,
    walk_range: Range<usize>,
    fold_end: usize,
    newest: Vec<u32>,
    /// The pipeline's ids; the ids compared are `0..ids.max(newest.len())`.
    ids: u32,
    /// Units reserved for comparing ids: a bound on `ids.max(newest.len())`.
    id_units: u64,
    /// Units done.
    done: u64,
    /// Ids whose row differs so far.
    pub wrong: u64,
    pub poll: PollTruth,
}

impl Check {
    /// The check of a run after change `n` whose pipeline knows `ids` ids, polled every
    /// `poll_us`.
    pub fn new(feed: &Feed, n: u64, ids: u32, poll_us: u64) -> Check {
        let (walk, judged, walk_range) = PollWalk::new(feed, n, poll_us);
        Check {
            walk,
            walk_range,
            fold_end: records_after(feed, n),
            newest: Vec::new(),
            ids,
            id_units: u64::from(ids.max(feed.ids())),
            done: 0,
            wrong: 0,
            poll: PollTruth {
                judged,
                ..PollTruth::default()
            },
        }
    }

    /// All the work, in units.
    pub fn units(&self) -> u64 {
        2 * self.walk_range.len() as u64 + self.fold_end as u64 + self.id_units
    }

    /// Whether every unit is done.
    pub fn is_done(&self) -> bool {
        self.done >= self.units()
    }

    /// Does units `todo` (the next ones: `todo.start` must be the first not done; anything
    /// else is ignored) against `target`, the pipeline's row per id (called only while ids
    /// are compared).
    pub fn run(&mut self, feed: &Feed, todo: Range<u64>, target: impl Fn(u32) -> Option<Row>) {
        if todo.start != self.done {
            return;
        }
        let records = feed.records();
        let walked = self.walk_range.len() as u64;
        let judged = 2 * walked;
        let folded = judged + self.fold_end as u64;
        let end = todo.end.min(self.units());
        while self.done < end {
            let u = self.done;
            if u < walked {
                let i = self.walk_range.end - 1 - u as usize;
                if let Some(r) = records.get(i) {
                    self.walk.back(i, r);
                }
            } else if u < judged {
                let i = self.walk_range.start + (u - walked) as usize;
                if let Some(r) = records.get(i) {
                    self.walk.judge(feed, &mut self.poll, i, r);
                }
            } else if u < folded {
                let i = (u - judged) as usize;
                if let Some(r) = records.get(i) {
                    fold_newest(&mut self.newest, i, r);
                }
            } else {
                let id = u - folded;
                let compared = u64::from(self.ids).max(self.newest.len() as u64);
                if id < compared && !agrees(feed, &self.newest, id as u32, &target) {
                    self.wrong += 1;
                }
            }
            self.done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::cdc::feed::Mix;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_poll_sees_only_the_last_state_of_each_row_and_never_a_delete() {
        // 10 changes a second, a poll every 10 s: each poll covers 100 changes.
        let f = Feed::generate(
            9,
            Mix {
                rows: 10,
                changes: 1_000,
                updates: 0.6,
                deletes: 0.2,
                rate: 10,
            },
        );
        let t = polling(&f, 1_000, 10_000_000);
        assert_eq!(
            t.judged, 900,
            "the poll at 100 s runs only as change 1,001 arrives"
        );
        assert_eq!(
            t.captured + t.missed_deletes + t.missed_overwritten + t.missed_late + t.missed_tied,
            t.judged
        );
        // Polling every second, slow transactions commit behind the watermark.
        let fast = polling(&f, 1_000, 1_000_000);
        assert!(fast.missed_late > 0, "{fast:?}");
        let deletes = f.records()[10..910]
            .iter()
            .filter(|r| r.op == Op::Delete)
            .count() as u64;
        assert_eq!(t.missed_deletes, deletes);
        assert!(t.missed_overwritten > 0);
        // Every captured row is still in the source at the end unless deleted later.
        let table = table_after(&f, 900);
        let live_copied = t.copied.iter().filter(|r| **r != NONE).count();
        assert!(live_copied >= table.iter().filter(|r| r.is_some()).count());
        assert_eq!(polling(&f, 0, 10_000_000).judged, 0);
    }
}
