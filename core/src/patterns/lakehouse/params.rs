//! Lakehouse parameters: how raw orders arrive (rate per day, bad rows, resends), how
//! bronze files are cut, how often the silver and gold jobs run, when silver partitions are
//! compacted, how gold is written and how the silver job picks its input; and the note's
//! pitfall (gold appended).

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

/// Longest run (PAGE-CONTRACT.md asks for at least 1,000,000 steps).
pub const MAX_ROWS: i64 = 1_000_000;
/// Most pipeline runs in one run: every run writes a gold file, and every file stays for
/// time travel.
pub const MAX_RUNS: u64 = 40_000;
/// Most gold rows written over a run (runs × users): the memory the retained gold files take.
pub const MAX_GOLD_ROWS: u64 = 5_000_000;
/// Most bronze files in one run.
pub const MAX_BRONZE_FILES: u64 = 200_000;

/// The pitfall: the note appends the gold aggregates every run.
pub const PITFALL_GOLD_APPEND: &str = "gold-append";

/// How the gold job writes `gold.user_stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoldWrite {
    /// MERGE the new silver rows' per-user sums into the existing gold rows.
    Merge,
    /// Recompute every user from all of silver and replace the table.
    Overwrite,
}

/// Which bronze rows the silver job reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// The rows of every bronze commit since the version the last run read (the change feed).
    Snapshots,
    /// Only rows of the newest day seen (`WHERE order_date = current_date`): late rows are lost.
    NewestDay,
}

const GOLD: &[(&str, &str)] = &[
    ("merge", "MERGE the new rows"),
    ("overwrite", "overwrite from all of silver"),
];
const READ: &[(&str, &str)] = &[
    ("snapshots", "new bronze versions (change feed)"),
    ("day", "the newest day only"),
];

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "rows",
        label: "Raw rows",
        help: "Raw order rows that land in bronze: one arrives per step.",
        kind: ParamKind::Int { min: 1, max: MAX_ROWS },
    },
    ParamSpec {
        name: "users",
        label: "Users",
        help: "Distinct users placing orders: gold holds one row per user.",
        kind: ParamKind::Int { min: 1, max: 1_000 },
    },
    ParamSpec {
        name: "perday",
        label: "Orders per day",
        help: "Raw rows per simulated day: silver is partitioned by order day.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "filerows",
        label: "Rows per bronze file",
        help: "The ingester writes a bronze data file every this many rows: small values make many small files.",
        kind: ParamKind::Int { min: 1, max: 10_000 },
    },
    ParamSpec {
        name: "every",
        label: "Bronze files per pipeline run",
        help: "The silver and gold jobs run after every this many bronze files.",
        kind: ParamKind::Int { min: 1, max: 1_000 },
    },
    ParamSpec {
        name: "bad",
        label: "Bad rows (share)",
        help: "Share of raw rows silver must reject: an amount that is not a positive number, or no user.",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
    ParamSpec {
        name: "dup",
        label: "Resent rows (share)",
        help: "Share of raw rows that are an earlier order sent again (at-least-once delivery): silver keeps one.",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
    ParamSpec {
        name: "compact",
        label: "Compact at (small files)",
        help: "After a run, a silver day partition holding at least this many small files is rewritten by OPTIMIZE … ZORDER BY (user_id): all its files, sorted by user, into files of up to the target size (0: never).",
        kind: ParamKind::Int { min: 0, max: 1_000 },
    },
    ParamSpec {
        name: "target",
        label: "Target file size (rows)",
        help: "A silver file with fewer rows than this is small; compaction writes files of up to this many rows (spark.sql.files.maxRecordsPerFile).",
        kind: ParamKind::Int { min: 2, max: 100_000 },
    },
    ParamSpec {
        name: "gold",
        label: "Gold write",
        help: "MERGE the run's new silver rows into the per-user totals, or recompute every user from all of silver and overwrite the table. Both are safe to rerun.",
        kind: ParamKind::Choice(GOLD),
    },
    ParamSpec {
        name: "read",
        label: "Silver reads",
        help: "New bronze versions: the rows of every bronze commit since the last run (Delta's change data feed, table_changes), whatever their order day. The newest day only: the same rows filtered on today's date, which loses rows that arrive late.",
        kind: ParamKind::Choice(READ),
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_GOLD_APPEND,
    label: "The note's gold write: mode=\"append\"",
    help: "The note groups all of silver by user and appends the result to gold every run. The second run adds a second row per user, so anything that sums gold counts orders twice — and a rerun of the same job adds another copy. Overwrite or MERGE instead.",
}];

/// Validated lakehouse parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct LakeParams {
    pub rows: u64,
    pub users: u32,
    pub per_day: u32,
    pub file_rows: u32,
    pub every: u32,
    pub bad: f64,
    pub dup: f64,
    pub compact: u32,
    pub target_rows: u32,
    pub gold: GoldWrite,
    pub read: ReadMode,
    /// The note's gold append (pitfall).
    pub gold_append: bool,
}

impl Default for LakeParams {
    fn default() -> Self {
        LakeParams {
            rows: 2_000,
            users: 40,
            per_day: 150,
            file_rows: 10,
            every: 3,
            bad: 0.05,
            dup: 0.05,
            compact: 5,
            target_rows: 120,
            gold: GoldWrite::Merge,
            read: ReadMode::Snapshots,
            gold_append: false,
        }
    }
}

impl Params for LakeParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "rows" => self.rows.to_string(),
            "users" => self.users.to_string(),
            "perday" => self.per_day.to_string(),
            "filerows" => self.file_rows.to_string(),
            "every" => self.every.to_string(),
            "bad" => format!("{}", self.bad),
            "dup" => format!("{}", self.dup),
            "compact" => self.compact.to_string(),
            "target" => self.target_rows.to_string(),
            "gold" => match self.gold {
                GoldWrite::Merge => "merge",
                GoldWrite::Overwrite => "overwrite",
            }
            .to_string(),
            "read" => match self.read {
                ReadMode::Snapshots => "snapshots",
                ReadMode::NewestDay => "day",
            }
            .to_string(),
            PITFALL_GOLD_APPEND => if self.gold_append { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        // A value valid on its own may make the combination too big to keep (see
        // `validate`): refuse it here, next to the field, and keep the old value.
        crate::sim::params::set_checked(self, field, value, Self::set_one)
    }

    fn combination_errors(&self) -> Vec<ParamError> {
        self.combined_limits()
    }
}

impl LakeParams {
    fn set_one(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_GOLD_APPEND {
            self.gold_append = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "rows" => self.rows = parse_int(spec, value)? as u64,
            "users" => self.users = parse_int(spec, value)? as u32,
            "perday" => self.per_day = parse_int(spec, value)? as u32,
            "filerows" => self.file_rows = parse_int(spec, value)? as u32,
            "every" => self.every = parse_int(spec, value)? as u32,
            "bad" => self.bad = parse_float(spec, value)?,
            "dup" => self.dup = parse_float(spec, value)?,
            "compact" => self.compact = parse_int(spec, value)? as u32,
            "target" => self.target_rows = parse_int(spec, value)? as u32,
            "gold" => {
                self.gold = match parse_choice(spec, value)? {
                    "overwrite" => GoldWrite::Overwrite,
                    _ => GoldWrite::Merge,
                }
            }
            "read" => {
                self.read = match parse_choice(spec, value)? {
                    "day" => ReadMode::NewestDay,
                    _ => ReadMode::Snapshots,
                }
            }
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl LakeParams {
    /// Rows per pipeline run.
    pub fn run_rows(&self) -> u64 {
        self.file_rows.max(1) as u64 * self.every.max(1) as u64
    }

    /// Pipeline runs over the whole input.
    pub fn runs(&self) -> u64 {
        self.rows.div_ceil(self.run_rows())
    }

    /// The limits that come from several values at once.
    fn combined_limits(&self) -> Vec<ParamError> {
        let mut errors = Vec::new();
        let files = self.rows.div_ceil(self.file_rows.max(1) as u64);
        if files > MAX_BRONZE_FILES {
            errors.push(ParamError::new(
                "filerows",
                format!(
                    "{} rows in files of {} make {files} bronze files; at most {MAX_BRONZE_FILES} are kept — raise the rows per file",
                    self.rows, self.file_rows
                ),
            ));
        } else if self.runs() > MAX_RUNS {
            errors.push(ParamError::new(
                "every",
                format!(
                    "{} rows make {} pipeline runs; at most {MAX_RUNS} — raise the files per run or the rows per file",
                    self.rows,
                    self.runs()
                ),
            ));
        } else if self.runs() * self.users as u64 > MAX_GOLD_ROWS {
            errors.push(ParamError::new(
                "users",
                format!(
                    "{} runs × {} users would write {} gold rows; at most {MAX_GOLD_ROWS} are kept — fewer users or fewer runs",
                    self.runs(),
                    self.users,
                    self.runs() * self.users as u64
                ),
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_and_names_the_field_to_change() {
        let mut p = LakeParams::default();
        p.set("gold", "overwrite").unwrap();
        p.set("read", "day").unwrap();
        p.set("bad", "0.2").unwrap();
        p.set(PITFALL_GOLD_APPEND, "on").unwrap();
        let mut q = LakeParams::default();
        for s in LakeParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_GOLD_APPEND, "on").unwrap();
        assert_eq!(p, q);
        assert!(p.validate().is_empty());
        assert_eq!(p.set("users", "0").unwrap_err().field, "users");
        assert!(p.set("gold", "append").is_err());
        p.rows = 1_000_000;
        p.file_rows = 1;
        assert_eq!(p.validate()[0].field, "filerows");
        p.file_rows = 10;
        p.every = 1;
        assert_eq!(p.validate()[0].field, "every");
        p.every = 5;
        p.users = 1_000;
        assert_eq!(p.validate()[0].field, "users");
        p.users = 100;
        assert!(p.validate().is_empty());
        // Set one at a time (a form, a link), the value that breaks the combination is
        // refused with the reason and the old value kept.
        let mut q = LakeParams::default();
        q.set("rows", "1000000").unwrap();
        let e = q.set("filerows", "1").unwrap_err();
        assert_eq!(e.field, "filerows");
        assert!(e.message.contains("bronze files"), "{}", e.message);
        assert_eq!(q.file_rows, 10);
        assert!(q.set("every", "1").is_err());
        assert_eq!(q.every, 3);
        assert!(q.validate().is_empty());
    }
}
