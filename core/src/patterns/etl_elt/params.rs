//! ETL/ELT parameters: the source's size and data quality, the nightly runs, the load's
//! chunk size, what the aggregate groups by, and the note's append pitfall.

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

use super::source::SourceShape;
use super::table::Group;

/// Largest first extract (PAGE-CONTRACT.md asks for runs of at least 1,000,000 steps).
pub const MAX_ROWS: i64 = 1_000_000;

/// The pitfall: the note stages with `if_exists='append'`.
pub const PITFALL_APPEND: &str = "append-staging";

const GROUPS: &[(&str, &str)] = &[
    ("category", "category (the note's GROUP BY)"),
    ("user", "customer (user_id)"),
];

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "rows",
        label: "Source rows",
        help: "Orders in the source table at the first extract; each step extracts one row, and every run extracts the whole table.",
        kind: ParamKind::Int { min: 1, max: MAX_ROWS },
    },
    ParamSpec {
        name: "runs",
        label: "Nightly runs",
        help: "How many times the pipelines run (one full extract each, a day apart); the source changes in between.",
        kind: ParamKind::Int { min: 1, max: 4 },
    },
    ParamSpec {
        name: "chunk",
        label: "Load chunk (rows)",
        help: "Rows per INSERT when ELT loads staging (one to_sql call per chunk, each committed on its own); the streaming variant transforms each chunk as it lands.",
        kind: ParamKind::Int { min: 50, max: 10_000 },
    },
    ParamSpec {
        name: "group",
        label: "Group by",
        help: "What the revenue aggregate is grouped by.",
        kind: ParamKind::Choice(GROUPS),
    },
    ParamSpec {
        name: "users",
        label: "Customers",
        help: "Distinct customers placing orders (up to 1,000 here: the page keeps every path's per-customer sums at every checkpoint of the run).",
        kind: ParamKind::Int { min: 1, max: 1_000 },
    },
    ParamSpec {
        name: "nulls",
        label: "Null fields (share)",
        help: "Share of rows with a missing amount or category: every path drops them (the note's dropna).",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
    ParamSpec {
        name: "bad",
        label: "Bad amounts (share)",
        help: "Share of rows whose amount is text that is not a valid amount (\"12,50\", \"-3.00\", \"N/A\", \"1e2\"): rejected by the transform.",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
    ParamSpec {
        name: "dups",
        label: "Duplicated rows (share)",
        help: "Share of rows the export writes twice; the transform keeps one row per order.",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
    ParamSpec {
        name: "churn",
        label: "Nightly churn (share)",
        help: "Share of the source that changes between runs: updates (amount corrections, cancellations), deletions, and new orders.",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_APPEND,
    label: "The note's ELT: stage with if_exists='append'",
    help: "Every nightly full extract is appended to stg_raw_orders with nothing saying which run wrote it, so the transform reads every run's rows (twice the rows on the second night, three times on the third) and orders deleted at the source stay in staging and keep counting.",
}];

/// Validated ETL/ELT parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct EtlParams {
    pub rows: u64,
    pub runs: u32,
    pub chunk: u32,
    pub group: Group,
    pub users: u32,
    pub nulls: f64,
    pub bad: f64,
    pub dups: f64,
    pub churn: f64,
    /// The note's append staging (pitfall).
    pub append: bool,
}

impl Default for EtlParams {
    fn default() -> Self {
        EtlParams {
            rows: 1_000,
            runs: 3,
            chunk: 100,
            group: Group::Category,
            users: 200,
            nulls: 0.04,
            bad: 0.03,
            dups: 0.03,
            churn: 0.1,
            append: false,
        }
    }
}

impl Params for EtlParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "rows" => self.rows.to_string(),
            "runs" => self.runs.to_string(),
            "chunk" => self.chunk.to_string(),
            "group" => match self.group {
                Group::Category => "category",
                Group::User => "user",
            }
            .to_string(),
            "users" => self.users.to_string(),
            "nulls" => format!("{}", self.nulls),
            "bad" => format!("{}", self.bad),
            "dups" => format!("{}", self.dups),
            "churn" => format!("{}", self.churn),
            PITFALL_APPEND => if self.append { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_APPEND {
            self.append = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "rows" => self.rows = parse_int(spec, value)? as u64,
            "runs" => self.runs = parse_int(spec, value)? as u32,
            "chunk" => self.chunk = parse_int(spec, value)? as u32,
            "group" => {
                self.group = match parse_choice(spec, value)? {
                    "user" => Group::User,
                    _ => Group::Category,
                }
            }
            "users" => self.users = parse_int(spec, value)? as u32,
            "nulls" => self.nulls = parse_float(spec, value)?,
            "bad" => self.bad = parse_float(spec, value)?,
            "dups" => self.dups = parse_float(spec, value)?,
            "churn" => self.churn = parse_float(spec, value)?,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl EtlParams {
    /// Every bound checked again (values may come from anywhere).
    pub fn validate(&self) -> Vec<ParamError> {
        self.bound_errors()
    }

    pub fn shape(&self) -> SourceShape {
        SourceShape {
            rows: self.rows,
            runs: self.runs,
            users: self.users,
            nulls: self.nulls,
            bad: self.bad,
            dups: self.dups,
            churn: self.churn,
        }
    }

    /// Dense key space of the aggregate.
    pub fn keys(&self) -> usize {
        match self.group {
            Group::Category => super::source::CATEGORIES.len(),
            Group::User => self.users as usize + 1,
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
        let mut p = EtlParams::default();
        p.set("group", "user").unwrap();
        p.set("chunk", "70").unwrap();
        p.set(PITFALL_APPEND, "on").unwrap();
        let mut q = EtlParams::default();
        for s in EtlParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_APPEND, "on").unwrap();
        assert_eq!(p, q);
        assert!(p.validate().is_empty());
        assert_eq!(p.set("rows", "1000001").unwrap_err().field, "rows");
        assert!(p.set("group", "zip").is_err());
        assert!(p.set("dups", "NaN").is_err());
        p.runs = 9;
        assert_eq!(p.validate()[0].field, "runs");
    }
}
