//! The operational source: an orders table that the pipelines extract in full every night
//! and that keeps changing between (and during) extracts.
//!
//! Nothing is stored per row. A row's value at any moment is a pure function of the seed,
//! its slot and the changes that touched it (the nightly churn, and the changes the
//! `source-change` fault makes), so a million-row source costs one byte per slot (the run
//! that deleted it) and a run's extract can be re-read at any step.

use std::sync::Arc;

use crate::hash::key_hash;

/// Product categories (the note's `category` column).
pub const CATEGORIES: [&str; 6] = ["books", "games", "garden", "kitchen", "music", "sports"];

/// Share of the live rows one `source-change` fault touches (at least one row).
pub const FAULT_SHARE: f64 = 0.01;

/// Day length; run `r` extracts at 02:00 on day `r`.
pub const DAY_MS: i64 = 86_400_000;
pub const RUN_AT_MS: i64 = 2 * 3_600_000;

/// `death[slot]` for a row never deleted.
const ALIVE: u8 = u8::MAX;

/// The amount column as the source holds it: a number, nothing, or text that is not one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    Cents(i64),
    Null,
    /// A value the source accepted but that is not a valid amount; `form` picks how it is
    /// written (a comma decimal, a sign, a placeholder, an exponent).
    Bad {
        cents: i64,
        form: u8,
    },
}

impl Amount {
    /// The text an export writes for it (`None` for a null).
    pub fn text(self) -> Option<String> {
        match self {
            Amount::Cents(c) => Some(format!("{}.{:02}", c / 100, c % 100)),
            Amount::Null => None,
            Amount::Bad { cents, form } => Some(match form % 4 {
                0 => format!("{},{:02}", cents / 100, cents % 100),
                1 => format!("-{}.{:02}", cents / 100, cents % 100),
                2 => "N/A".to_string(),
                _ => format!("{}e2", cents / 10_000),
            }),
        }
    }
}

/// One source row at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceRow {
    pub order_id: u64,
    pub user_id: u32,
    /// Index into [`CATEGORIES`]; `None` is a null.
    pub category: Option<u8>,
    pub amount: Amount,
    pub paid: bool,
    pub updated_ms: i64,
}

/// A change the `source-change` fault made: the rows it touched are picked by hashing
/// `(seed, slot, id)`; it is visible to extracts of runs after `during_run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultChange {
    pub id: u32,
    pub during_run: u32,
    pub at_ms: i64,
    /// One slot it always touches, so small sources change too.
    pub pick: u64,
}

/// Shape of the source and its data-quality problems (shares in `0..=1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SourceShape {
    pub rows: u64,
    pub runs: u32,
    pub users: u32,
    pub nulls: f64,
    pub bad: f64,
    pub dups: f64,
    pub churn: f64,
}

/// The source table.
#[derive(Clone, Debug)]
pub struct Source {
    seed: u64,
    shape: SourceShape,
    /// `slots[r]`: slots that exist when run `r` extracts (new orders get new slots).
    slots: Vec<u64>,
    /// The run whose nightly churn deleted each slot ([`ALIVE`] if none). Shared.
    death: Arc<Vec<u8>>,
    /// Rows each run's extract emits (live rows plus the export's duplicates).
    extract_len: Vec<u64>,
    /// Live rows at each run's extract.
    live: Vec<u64>,
    faults: Vec<FaultChange>,
}

// Hash tags, so each decision draws from its own stream.
const T_USER: u64 = 1;
const T_CAT: u64 = 2;
const T_AMOUNT: u64 = 3;
const T_PAID: u64 = 4;
const T_NULL: u64 = 5;
const T_BAD: u64 = 6;
const T_DEL: u64 = 7;
const T_UPD: u64 = 8;
const T_DUP: u64 = 9;
const T_FAULT: u64 = 10;
const T_EDIT: u64 = 11;

fn h(seed: u64, a: u64, b: u64, tag: u64) -> u64 {
    key_hash(
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ tag.wrapping_mul(0x1656_67B1_9E37_79F9),
    )
}

fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// When run `r` extracts.
pub fn run_start_ms(run: u32) -> i64 {
    run as i64 * DAY_MS + RUN_AT_MS
}

impl Source {
    /// Lays out every run's slots and deletions. O(slots × runs) hashing, no row storage.
    pub fn new(seed: u64, shape: SourceShape) -> Source {
        let runs = shape.runs.max(1);
        let inserts = ((shape.rows as f64) * shape.churn * 0.5).round() as u64;
        let mut slots = Vec::with_capacity(runs as usize);
        for r in 0..runs as u64 {
            slots.push(shape.rows + r * inserts);
        }
        let total = *slots.last().unwrap_or(&shape.rows);
        let del_share = shape.churn * 0.3;
        let mut death = vec![ALIVE; total as usize];
        for (slot, d) in death.iter_mut().enumerate() {
            let born = birth_run(&slots, slot as u64);
            for r in born + 1..runs {
                if unit(h(seed, slot as u64, r as u64, T_DEL)) < del_share {
                    *d = r as u8;
                    break;
                }
            }
        }
        let mut src = Source {
            seed,
            shape,
            slots,
            death: Arc::new(death),
            extract_len: Vec::new(),
            live: Vec::new(),
            faults: Vec::new(),
        };
        src.live = (0..runs)
            .map(|r| {
                (0..src.slots[r as usize])
                    .filter(|&s| src.alive(s, r))
                    .count() as u64
            })
            .collect();
        src.extract_len = (0..runs)
            .map(|r| {
                (0..src.slots[r as usize])
                    .filter(|&s| src.alive(s, r))
                    .map(|s| 1 + src.duplicated(s, r) as u64)
                    .sum()
            })
            .collect();
        src
    }

    pub fn shape(&self) -> SourceShape {
        self.shape
    }

    pub fn runs(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Slots existing at run `r`'s extract.
    pub fn slots(&self, run: u32) -> u64 {
        self.slots
            .get(run as usize)
            .or(self.slots.last())
            .copied()
            .unwrap_or(0)
    }

    /// Rows run `r`'s extract emits.
    pub fn extract_len(&self, run: u32) -> u64 {
        self.extract_len.get(run as usize).copied().unwrap_or(0)
    }

    pub fn faults(&self) -> &[FaultChange] {
        &self.faults
    }

    /// Whether `slot` is a live row when run `r` extracts.
    pub fn alive(&self, slot: u64, run: u32) -> bool {
        slot < self.slots(run)
            && self
                .death
                .get(slot as usize)
                .is_none_or(|&d| d == ALIVE || d as u32 > run)
    }

    /// Live rows at run `r`'s extract.
    pub fn live_rows(&self, run: u32) -> u64 {
        self.live.get(run as usize).copied().unwrap_or(0)
    }

    /// Rows every run's extract emits together: the run length in steps.
    pub fn total_extracted(&self) -> u64 {
        self.extract_len.iter().sum()
    }

    /// Whether run `r`'s export writes `slot` twice (a paging glitch: the copy follows it).
    pub fn duplicated(&self, slot: u64, run: u32) -> bool {
        unit(h(self.seed, slot, run as u64, T_DUP)) < self.shape.dups
    }

    /// The run that deleted `slot`, if any.
    pub fn deleted_at(&self, slot: u64) -> Option<u32> {
        match self.death.get(slot as usize) {
            Some(&d) if d != ALIVE => Some(d as u32),
            _ => None,
        }
    }

    /// Records a fault change made during `run` at `at_ms`; returns how many live rows it
    /// touched as the source stands after `run`'s extract.
    pub fn change(&mut self, run: u32, at_ms: i64) -> u64 {
        let id = self.faults.len() as u32;
        let slots = self.slots(run).max(1);
        let pick = h(self.seed, id as u64, slots, T_FAULT) % slots;
        self.faults.push(FaultChange {
            id,
            during_run: run,
            at_ms,
            pick,
        });
        let f = self.faults[id as usize];
        (0..self.slots(run))
            .filter(|&s| self.alive(s, run) && self.fault_touches(&f, s))
            .count() as u64
    }

    fn fault_touches(&self, f: &FaultChange, slot: u64) -> bool {
        slot == f.pick || unit(h(self.seed, slot, f.id as u64 + 1_000, T_FAULT)) < FAULT_SHARE
    }

    /// The row in `slot` as run `r`'s extract reads it: its first version, then every
    /// nightly update up to run `r` and every fault change made before run `r` started,
    /// in time order. `None` if the slot is not live then.
    pub fn row_for_run(&self, slot: u64, run: u32) -> Option<SourceRow> {
        if !self.alive(slot, run) {
            return None;
        }
        Some(self.row_at(slot, run, |f| f.during_run < run))
    }

    /// The row as it stands now, during `run` (after every change so far): what a
    /// re-extract would read. `None` if the slot is not live.
    pub fn row_now(&self, slot: u64, run: u32) -> Option<SourceRow> {
        if !self.alive(slot, run) {
            return None;
        }
        Some(self.row_at(slot, run, |f| f.during_run <= run))
    }

    fn row_at(&self, slot: u64, run: u32, fault_seen: impl Fn(&FaultChange) -> bool) -> SourceRow {
        let seed = self.seed;
        let s = &self.shape;
        let born = birth_run(&self.slots, slot);
        let cents = 500 + (h(seed, slot, 0, T_AMOUNT) % 24_500) as i64;
        let quality = unit(h(seed, slot, 0, T_NULL));
        let (category, amount) = if quality < s.nulls {
            // Seven in ten nulls are a missing amount, the rest a missing category.
            if h(seed, slot, 1, T_NULL) % 10 < 7 {
                (Some(self.category_of(slot)), Amount::Null)
            } else {
                (None, Amount::Cents(cents))
            }
        } else if quality < s.nulls + s.bad {
            let form = (h(seed, slot, 0, T_BAD) % 4) as u8;
            (Some(self.category_of(slot)), Amount::Bad { cents, form })
        } else {
            (Some(self.category_of(slot)), Amount::Cents(cents))
        };
        let mut row = SourceRow {
            order_id: 100_000 + slot,
            user_id: 1 + (h(seed, slot, 0, T_USER) % s.users.max(1) as u64) as u32,
            category,
            amount,
            paid: h(seed, slot, 0, T_PAID) % 100 < 85,
            updated_ms: run_start_ms(born) - 3_600_000 * 20 + (slot % 72_000) as i64 * 1_000,
        };
        let upd_share = s.churn * 0.7;
        let mut fault_iter = self.faults.iter().filter(|f| fault_seen(f)).peekable();
        for r in born + 1..=run {
            // Faults made during run r-1 happened before run r's nightly changes.
            while let Some(f) = fault_iter.peek() {
                if f.during_run >= r {
                    break;
                }
                if f.during_run >= born && self.fault_touches(f, slot) {
                    edit(&mut row, h(seed, slot, f.id as u64, T_EDIT), f.at_ms);
                }
                fault_iter.next();
            }
            if unit(h(seed, slot, r as u64, T_UPD)) < upd_share {
                edit(
                    &mut row,
                    h(seed, slot, r as u64 + 7_000, T_EDIT),
                    run_start_ms(r) - 3_600_000,
                );
            }
        }
        for f in fault_iter {
            if f.during_run >= born && self.fault_touches(f, slot) {
                edit(&mut row, h(seed, slot, f.id as u64, T_EDIT), f.at_ms);
            }
        }
        row
    }

    fn category_of(&self, slot: u64) -> u8 {
        (h(self.seed, slot, 0, T_CAT) % CATEGORIES.len() as u64) as u8
    }
}

/// The run in which `slot` first exists.
fn birth_run(slots: &[u64], slot: u64) -> u32 {
    slots.iter().position(|&n| slot < n).unwrap_or(0) as u32
}

/// An update: a third cancel the order, the rest correct its amount (fixing a bad or
/// missing one too).
fn edit(row: &mut SourceRow, x: u64, at_ms: i64) {
    if x.is_multiple_of(3) && row.paid {
        row.paid = false;
    } else {
        row.amount = Amount::Cents(500 + ((x >> 8) % 24_500) as i64);
    }
    row.updated_ms = row.updated_ms.max(at_ms);
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn shape() -> SourceShape {
        SourceShape {
            rows: 2_000,
            runs: 3,
            users: 50,
            nulls: 0.05,
            bad: 0.05,
            dups: 0.05,
            churn: 0.1,
        }
    }

    #[test]
    fn the_source_grows_loses_rows_and_changes_between_runs() {
        let s = Source::new(3, shape());
        assert!(s.slots(2) > s.slots(0));
        let deleted = (0..s.slots(0))
            .filter(|&x| s.deleted_at(x).is_some())
            .count();
        assert!(deleted > 10, "{deleted} deletions");
        let changed = (0..s.slots(0))
            .filter(|&x| s.alive(x, 1) && s.row_for_run(x, 0) != s.row_for_run(x, 1))
            .count();
        assert!(changed > 20, "{changed} rows changed overnight");
        // Extract lengths count live rows plus duplicates.
        let dups = (0..s.slots(1))
            .filter(|&x| s.alive(x, 1) && s.duplicated(x, 1))
            .count() as u64;
        assert_eq!(s.extract_len(1), s.live_rows(1) + dups);
        assert!(dups > 0);
    }

    #[test]
    fn a_fault_change_is_seen_now_and_by_later_runs_but_not_by_the_running_extract() {
        let mut s = Source::new(5, shape());
        let before: Vec<_> = (0..s.slots(0)).map(|x| s.row_for_run(x, 1)).collect();
        let touched = s.change(0, run_start_ms(0) + 5_000);
        assert!(touched >= 1);
        let pick = s.faults()[0].pick;
        // Run 0's extract (already started) does not see it; "now" does; run 1 does.
        assert_eq!(
            s.row_for_run(pick, 0),
            Source::new(5, shape()).row_for_run(pick, 0)
        );
        assert_ne!(s.row_now(pick, 0), s.row_for_run(pick, 0));
        let after: Vec<_> = (0..s.slots(0)).map(|x| s.row_for_run(x, 1)).collect();
        let differ = before.iter().zip(&after).filter(|(a, b)| a != b).count() as u64;
        assert!(differ >= 1 && differ <= touched, "{differ} vs {touched}");
    }

    #[test]
    fn amounts_are_written_as_exports_write_them() {
        assert_eq!(Amount::Cents(1205).text().unwrap(), "12.05");
        assert_eq!(Amount::Null.text(), None);
        assert_eq!(
            Amount::Bad {
                cents: 1205,
                form: 0
            }
            .text()
            .unwrap(),
            "12,05"
        );
        assert_eq!(
            Amount::Bad {
                cents: 1205,
                form: 1
            }
            .text()
            .unwrap(),
            "-12.05"
        );
        assert_eq!(
            Amount::Bad {
                cents: 1205,
                form: 2
            }
            .text()
            .unwrap(),
            "N/A"
        );
    }
}
