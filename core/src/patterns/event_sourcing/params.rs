//! Event sourcing's parameters: the run length in commands, the order workload, the
//! snapshot interval, the share of events an old (v1) service writes, and the note's pitfall.

use crate::orders::GenParams;
use crate::sim::params::{parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

/// Longest run the page allows (PAGE-CONTRACT.md asks for at least 1,000,000 steps).
pub const MAX_COMMANDS: i64 = 1_000_000;

/// The pitfall: the note rebuilds an order by scanning every event of every order.
pub const PITFALL_SCAN: &str = "full-scan";

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "commands",
        label: "Commands",
        help: "How many commands the writers send: one per step.",
        kind: ParamKind::Int { min: 1, max: MAX_COMMANDS },
    },
    ParamSpec {
        name: "open",
        label: "Orders in flight",
        help: "Orders being worked on at once; a finished order (shipped or cancelled) is replaced by a new one.",
        kind: ParamKind::Int { min: 1, max: 200 },
    },
    ParamSpec {
        name: "items",
        label: "Items per order (mean)",
        help: "Each item is one ItemAdded event, so this sets how long an order's stream grows.",
        kind: ParamKind::Int { min: 1, max: 200 },
    },
    ParamSpec {
        name: "snapshot",
        label: "Snapshot every (events)",
        help: "Write an order's state to the snapshot store once this many events were appended since its last snapshot; 0 turns snapshots off (the note's full scan stores none either).",
        kind: ParamKind::Int { min: 0, max: 1000 },
    },
    ParamSpec {
        name: "invalid",
        label: "Invalid commands (share)",
        help: "Share of commands that break the rules (pay a cancelled order, ship twice, a wrong amount, an unknown order).",
        kind: ParamKind::Float { min: 0.0, max: 0.9 },
    },
    ParamSpec {
        name: "cancel",
        label: "Cancelled orders (share)",
        help: "Share of orders cancelled before they ship.",
        kind: ParamKind::Float { min: 0.0, max: 1.0 },
    },
    ParamSpec {
        name: "v1share",
        label: "Written by the old service (share)",
        help: "Share of events written in the v1 schema by an old service still running; reads upcast them to v2.",
        kind: ParamKind::Float { min: 0.0, max: 1.0 },
    },
    ParamSpec {
        name: "users",
        label: "Customers",
        help: "Distinct customers placing orders.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_SCAN,
    label: "The note's get_state: scan the whole log",
    help: "The note rebuilds one order by looping over every event of every order and keeping its own: the answer is right, but each load reads the whole log, so its cost grows with everything ever written (watch the replay-cost chart), and it stores no snapshots since it never starts from one.",
}];

/// Validated event-sourcing parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct EsParams {
    pub commands: u64,
    pub open: u32,
    pub items: u32,
    /// 0: no snapshots.
    pub snapshot_every: u32,
    pub invalid_share: f64,
    pub cancel_share: f64,
    pub v1_share: f64,
    pub users: u32,
    /// The note's whole-log scan (pitfall).
    pub full_scan: bool,
}

impl Default for EsParams {
    fn default() -> Self {
        EsParams {
            commands: 2000,
            open: 6,
            items: 12,
            snapshot_every: 10,
            invalid_share: 0.08,
            cancel_share: 0.15,
            v1_share: 0.0,
            users: 200,
            full_scan: false,
        }
    }
}

impl Params for EsParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "commands" => self.commands.to_string(),
            "open" => self.open.to_string(),
            "items" => self.items.to_string(),
            "snapshot" => self.snapshot_every.to_string(),
            "invalid" => format!("{}", self.invalid_share),
            "cancel" => format!("{}", self.cancel_share),
            "v1share" => format!("{}", self.v1_share),
            "users" => self.users.to_string(),
            PITFALL_SCAN => if self.full_scan { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_SCAN {
            self.full_scan = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "commands" => self.commands = parse_int(spec, value)? as u64,
            "open" => self.open = parse_int(spec, value)? as u32,
            "items" => self.items = parse_int(spec, value)? as u32,
            "snapshot" => self.snapshot_every = parse_int(spec, value)? as u32,
            "invalid" => self.invalid_share = parse_float(spec, value)?,
            "cancel" => self.cancel_share = parse_float(spec, value)?,
            "v1share" => self.v1_share = parse_float(spec, value)?,
            "users" => self.users = parse_int(spec, value)? as u32,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl EsParams {
    /// Every bound checked again (values may come from anywhere).
    pub fn validate(&self) -> Vec<ParamError> {
        self.bound_errors()
    }

    pub fn workload(&self) -> GenParams {
        GenParams {
            open: self.open,
            items: self.items,
            invalid_share: self.invalid_share,
            cancel_share: self.cancel_share,
            users: self.users,
        }
    }

    /// Whether loads start from snapshots (the note's scan never does).
    pub fn uses_snapshots(&self) -> bool {
        self.snapshot_every > 0 && !self.full_scan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_and_reports_bad_values_by_field() {
        let mut p = EsParams::default();
        p.set("snapshot", "0").unwrap();
        p.set(PITFALL_SCAN, "on").unwrap();
        let mut q = EsParams::default();
        for s in EsParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_SCAN, "on").unwrap();
        assert_eq!(p, q);
        assert!(p.validate().is_empty());
        assert_eq!(p.set("commands", "1000001").unwrap_err().field, "commands");
        assert!(p.set("invalid", "NaN").is_err());
        p.open = 0;
        assert_eq!(p.validate()[0].field, "open");
    }
}
