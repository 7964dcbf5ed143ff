//! Ground truth for CDC from the source's history alone: the table after the first `n`
//! changes (a fold of the records, nothing else), and which changes polling every `poll`
//! ms can ever see — a change is seen iff it is not a delete and no later change of the
//! same row commits by the next poll. No WAL, topic, connector or sink is consulted.

use crate::patterns::cdc::feed::{Feed, Op, Row, NONE};

/// Per id, the record of its row after change `n` ([`NONE`] if deleted or never there).
pub fn newest_records(feed: &Feed, n: u64) -> Vec<u32> {
    let end = (feed.initial() as u64 + n).min(feed.len() as u64) as usize;
    let mut newest: Vec<u32> = Vec::new();
    for (i, r) in feed.records()[..end].iter().enumerate() {
        let slot = r.id as usize;
        if newest.len() <= slot {
            newest.resize(slot + 1, NONE);
        }
        newest[slot] = if r.op == Op::Delete { NONE } else { i as u32 };
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
        .filter(|id| feed.row(truth.get(*id as usize).copied().unwrap_or(NONE)) != target(*id))
        .collect()
}

/// What polling every `poll_us` has seen after change `n`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollTruth {
    /// Changes committed by the last poll so far.
    pub judged: u64,
    pub captured: u64,
    pub missed_deletes: u64,
    pub missed_overwritten: u64,
    /// Per id: the record of the newest row version polling has copied (the row before
    /// the run if none; [`NONE`] if it never had one).
    pub copied: Vec<u32>,
}

/// The polls that have run by change `n` are those at `poll_us`, `2 × poll_us`, … before
/// change `n` committed (a poll runs when the clock passes it, as the next change arrives).
pub fn polling(feed: &Feed, n: u64, poll_us: u64) -> PollTruth {
    let poll_us = poll_us.max(1);
    let gap = feed.gap_us().max(1);
    let commit = |k: u64| k * gap;
    // The last poll that ran: the largest multiple of poll_us strictly before change n.
    let last_poll = commit(n).saturating_sub(1) / poll_us * poll_us;
    let judged = if last_poll == 0 {
        0
    } else {
        (last_poll / gap).min(n)
    };
    let first = feed.initial() as usize;
    let end = first + judged as usize;
    let records = &feed.records()[..end.min(feed.len())];
    // The next record of the same row, found walking backwards.
    let mut next_of_row: Vec<u32> = Vec::new();
    let mut seen = vec![false; records.len()];
    let mut t = PollTruth {
        judged,
        ..PollTruth::default()
    };
    for i in (first..records.len()).rev() {
        let r = records[i];
        let slot = r.id as usize;
        if next_of_row.len() <= slot {
            next_of_row.resize(slot + 1, NONE);
        }
        let k = (i - first) as u64 + 1;
        let poll_at = commit(k).div_ceil(poll_us) * poll_us;
        let next = next_of_row[slot];
        let overwritten = next != NONE && commit((next as usize - first) as u64 + 1) <= poll_at;
        if r.op == Op::Delete {
            t.missed_deletes += 1;
        } else if overwritten {
            t.missed_overwritten += 1;
        } else {
            t.captured += 1;
            seen[i] = true;
        }
        next_of_row[slot] = i as u32;
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
            t.captured + t.missed_deletes + t.missed_overwritten,
            t.judged
        );
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
