//! The sink's target table and its MERGE. A row keeps the WAL position (LSN) of the change
//! it came from; with the guard, an event at or before that position is skipped (a
//! redelivered duplicate, or an older change arriving late) and a delete keeps the row as
//! a deleted marker holding its position, so a late older change cannot bring the row
//! back. (Kafka's tombstones, the null-value messages after a delete, never reach here:
//! the sink skips them.)
//! Without the guard (a plain upsert and DELETE) every event is applied as it comes.

use crate::sim::parray::PArray;

use super::feed::{Feed, Op};

/// How the sink applies an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Apply only events newer than the row's LSN; deletes leave tombstones.
    Lsn,
    /// Upsert and delete whatever arrives.
    Plain,
}

/// What one event did to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Updated,
    Deleted,
    /// Skipped: the row already holds this change or a newer one.
    Skipped,
    /// Applied although the row held a newer change: the row went back in time.
    Regressed,
    /// A delete that found no row to remove.
    NothingToDelete,
    /// The event carried no key (the note's `after.id` of a delete): nothing matched.
    NoKey,
    /// A tombstone (null value, after a delete's event): nothing to apply, skipped.
    Tombstone,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Inserted => "inserted",
            Outcome::Updated => "updated",
            Outcome::Deleted => "deleted",
            Outcome::Skipped => "skipped (not newer than the row)",
            Outcome::Regressed => "applied over a newer row — went back in time",
            Outcome::NothingToDelete => "delete found no row",
            Outcome::NoKey => "no key: matched nothing",
            Outcome::Tombstone => "tombstone (null value): skipped",
        }
    }
}

/// The target: per id, the record (index + 1) of the change it holds, 0 for none. A
/// record that is a delete is a tombstone (the row is absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    rows: PArray<u32, { super::scenario::ROW_CHUNK }>,
    live: u64,
}

impl Target {
    pub fn new() -> Self {
        Self::default()
    }

    /// The record the target holds for `id` (a tombstone included).
    pub fn held(&self, id: u32) -> Option<u32> {
        self.rows.get(id as usize).checked_sub(1)
    }

    /// The record of the live row `id`, if the target has it.
    pub fn row_record(&self, feed: &Feed, id: u32) -> Option<u32> {
        self.held(id)
            .filter(|r| feed.record(*r).is_some_and(|x| x.op != Op::Delete))
    }

    /// Rows present.
    pub fn live(&self) -> u64 {
        self.live
    }

    fn set(&mut self, feed: &Feed, id: u32, record: Option<u32>) {
        let was = self.row_record(feed, id).is_some();
        self.rows
            .update(id as usize, |v| *v = record.map_or(0, |r| r + 1));
        let is = self.row_record(feed, id).is_some();
        match (was, is) {
            (false, true) => self.live += 1,
            (true, false) => self.live -= 1,
            _ => {}
        }
    }

    /// Applies the change event of `record`, found by `key` (the message key; `None` when
    /// the producer keyed it by a null `after.id`).
    pub fn apply(&mut self, feed: &Feed, record: u32, key: Option<u32>, guard: Guard) -> Outcome {
        let Some(rec) = feed.record(record).copied() else {
            return Outcome::NoKey;
        };
        let Some(id) = key else {
            return Outcome::NoKey;
        };
        let held = self.held(id);
        let present = self.row_record(feed, id).is_some();
        let newer_held = held.is_some_and(|h| feed.lsn(h) >= feed.lsn(record));
        match guard {
            Guard::Lsn if newer_held => Outcome::Skipped,
            // A delete of a row the target never had matches nothing and inserts nothing
            // (the MERGE inserts only for c, u and r): keyed by the primary key, a row's
            // events arrive in order, so its delete never comes before the row.
            Guard::Lsn if rec.op == Op::Delete && held.is_none() => Outcome::NothingToDelete,
            Guard::Lsn => {
                self.set(feed, id, Some(record));
                match rec.op {
                    Op::Delete if present => Outcome::Deleted,
                    Op::Delete => Outcome::NothingToDelete,
                    _ if present => Outcome::Updated,
                    _ => Outcome::Inserted,
                }
            }
            Guard::Plain => {
                let regressed = held.is_some_and(|h| feed.lsn(h) > feed.lsn(record));
                if rec.op == Op::Delete {
                    self.set(feed, id, None);
                    return if present {
                        Outcome::Deleted
                    } else {
                        Outcome::NothingToDelete
                    };
                }
                self.set(feed, id, Some(record));
                if regressed {
                    Outcome::Regressed
                } else if present {
                    Outcome::Updated
                } else {
                    Outcome::Inserted
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::feed::{Mix, NONE};
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn feed() -> Feed {
        Feed::generate(
            3,
            Mix {
                rows: 5,
                changes: 400,
                updates: 0.5,
                deletes: 0.2,
                rate: 10,
            },
        )
    }

    /// A row's last two records where the last is a delete.
    fn deleted_row(f: &Feed) -> (u32, u32, u32) {
        let d = f
            .records()
            .iter()
            .enumerate()
            .find(|(_, r)| r.op == Op::Delete && r.prev != NONE)
            .map(|(i, _)| i as u32)
            .unwrap();
        let rec = f.record(d).unwrap();
        (rec.id, rec.prev, d)
    }

    #[test]
    fn the_guard_skips_duplicates_and_keeps_deleted_rows_deleted() {
        let f = feed();
        let (id, before, delete) = deleted_row(&f);
        let mut t = Target::new();
        assert_eq!(t.apply(&f, before, Some(id), Guard::Lsn), Outcome::Inserted);
        assert_eq!(t.apply(&f, before, Some(id), Guard::Lsn), Outcome::Skipped);
        assert_eq!(t.apply(&f, delete, Some(id), Guard::Lsn), Outcome::Deleted);
        // A late copy of the older change cannot resurrect the row.
        assert_eq!(t.apply(&f, before, Some(id), Guard::Lsn), Outcome::Skipped);
        assert_eq!(t.row_record(&f, id), None);
        assert_eq!(t.live(), 0);
    }

    #[test]
    fn a_plain_upsert_goes_back_in_time_and_resurrects_deleted_rows() {
        let f = feed();
        let (id, before, delete) = deleted_row(&f);
        let mut t = Target::new();
        t.apply(&f, before, Some(id), Guard::Plain);
        assert_eq!(
            t.apply(&f, delete, Some(id), Guard::Plain),
            Outcome::Deleted
        );
        assert_eq!(
            t.apply(&f, before, Some(id), Guard::Plain),
            Outcome::Inserted
        );
        assert_eq!(t.row_record(&f, id), Some(before), "a ghost row");
        assert_eq!(t.apply(&f, delete, None, Guard::Lsn), Outcome::NoKey);
        assert_eq!(t.live(), 1);
    }
}
