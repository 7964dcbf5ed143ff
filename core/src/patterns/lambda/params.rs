//! Lambda's parameters: the batch period and how long a batch run takes, the event-time
//! window, how long the speed layer keeps state, and the workload knobs (the same stream as
//! /kappa, so the compare page can feed both).

use crate::sim::params::{parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};
use crate::stream::{load, Rule, WindowKind, Windows};
use crate::workload::WorkloadParams;

/// Largest run the page allows (PAGE-CONTRACT.md asks for at least 1,000,000).
pub use crate::stream::load::MAX_EVENTS;

/// The pitfall: the note's serving view is a `UNION ALL` of overlapping batch and speed data.
pub const PITFALL_UNION: &str = "union-all";

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "period",
        label: "Batch period (min)",
        help: "A batch run starts this often (processing time) and recomputes every view from the whole master log.",
        kind: ParamKind::Int { min: 5, max: 1440 },
    },
    ParamSpec {
        name: "batch",
        label: "Batch run takes (min)",
        help: "Time from a batch run's cut-off until its views are served; must be shorter than the period.",
        kind: ParamKind::Int { min: 0, max: 720 },
    },
    ParamSpec {
        name: "size",
        label: "Window size (min)",
        help: "The query: orders and revenue per tumbling event-time window of this size.",
        kind: ParamKind::Int { min: 1, max: 1440 },
    },
    ParamSpec {
        name: "retention",
        label: "Speed layer keeps (min)",
        help: "The speed layer drops windows older than this (event time, behind the latest event it saw); later events for them wait for the next batch run.",
        kind: ParamKind::Int { min: 10, max: 2880 },
    },
    load::EVENTS,
    load::USERS,
    load::INTERVAL,
    load::LATE_SHARE,
    load::LATENESS,
    load::DUPS,
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_UNION,
    label: "The note's serving view: UNION ALL",
    help: "The note's serving view is a UNION ALL of the batch table and the real-time table, and its speed layer never forgets what a batch run has covered: every event before the cut-off that the speed layer still holds is counted twice. (The note also unions its stream table twice, never recomputes its batch table, and merges alongside the batch task; the code panel's note says how.)",
}];

/// Validated Lambda parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaParams {
    pub period_min: i64,
    pub batch_min: i64,
    pub size_min: i64,
    pub retention_min: i64,
    pub events: u64,
    pub users: u32,
    pub interval_s: i64,
    pub late_share: f64,
    pub lateness_s: i64,
    pub dup_share: f64,
    /// The note's serving view (pitfall).
    pub union_all: bool,
}

impl Default for LambdaParams {
    fn default() -> Self {
        LambdaParams {
            period_min: 60,
            batch_min: 10,
            size_min: 10,
            retention_min: 120,
            events: 3000,
            users: 50,
            interval_s: 10,
            late_share: 0.1,
            lateness_s: 600,
            dup_share: 0.02,
            union_all: false,
        }
    }
}

impl Params for LambdaParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "period" => self.period_min.to_string(),
            "batch" => self.batch_min.to_string(),
            "size" => self.size_min.to_string(),
            "retention" => self.retention_min.to_string(),
            "events" => self.events.to_string(),
            "users" => self.users.to_string(),
            "interval" => self.interval_s.to_string(),
            "lateshare" => format!("{}", self.late_share),
            "lateness" => self.lateness_s.to_string(),
            "dups" => format!("{}", self.dup_share),
            PITFALL_UNION => if self.union_all { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_UNION {
            self.union_all = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "period" => self.period_min = parse_int(spec, value)?,
            "batch" => self.batch_min = parse_int(spec, value)?,
            "size" => self.size_min = parse_int(spec, value)?,
            "retention" => self.retention_min = parse_int(spec, value)?,
            "events" => self.events = parse_int(spec, value)? as u64,
            "users" => self.users = parse_int(spec, value)? as u32,
            "interval" => self.interval_s = parse_int(spec, value)?,
            "lateshare" => self.late_share = parse_float(spec, value)?,
            "lateness" => self.lateness_s = parse_int(spec, value)?,
            "dups" => self.dup_share = parse_float(spec, value)?,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl LambdaParams {
    /// Every bound checked again, plus the batch run fitting in its period.
    pub fn validate(&self) -> Vec<ParamError> {
        let mut errors = self.bound_errors();
        if self.batch_min >= self.period_min {
            errors.push(ParamError::new(
                "batch",
                format!(
                    "{} min is not shorter than the batch period ({} min): runs would overlap",
                    self.batch_min, self.period_min
                ),
            ));
        }
        errors
    }

    pub fn windows(&self) -> Windows {
        Windows {
            kind: WindowKind::Tumbling,
            size_ms: self.size_min * 60_000,
            slide_ms: self.size_min * 60_000,
            gap_ms: 0,
        }
    }

    /// Lambda counts revenue the corrected way (code v2 on /kappa).
    pub fn rule(&self) -> Rule {
        Rule::V2
    }

    pub fn workload(&self) -> WorkloadParams {
        load::workload(
            self.users,
            self.interval_s,
            self.late_share,
            self.lateness_s,
            self.dup_share,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_and_rejects_a_batch_longer_than_its_period() {
        let mut p = LambdaParams::default();
        p.set("period", "30").unwrap();
        p.set(PITFALL_UNION, "on").unwrap();
        let mut q = LambdaParams::default();
        for s in LambdaParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_UNION, "on").unwrap();
        assert_eq!(p, q);
        assert!(p.validate().is_empty());
        p.batch_min = 30;
        let e = p.validate();
        assert_eq!((e.len(), e[0].field.as_str()), (1, "batch"));
        assert!(LambdaParams::default().validate().is_empty());
    }
}
