//! The stream's workload knobs, shared by /kappa, /lambda and their compare page so the
//! three describe and bound them the same way.

use crate::sim::{ParamKind, ParamSpec};
use crate::workload::WorkloadParams;

/// Largest run a streaming page allows (PAGE-CONTRACT.md asks for at least 1,000,000).
pub const MAX_EVENTS: i64 = 1_000_000;

pub const EVENTS: ParamSpec = ParamSpec {
    name: "events",
    label: "Events",
    help: "Events appended to the log: one step appends one.",
    kind: ParamKind::Int {
        min: 1,
        max: MAX_EVENTS,
    },
};

pub const USERS: ParamSpec = ParamSpec {
    name: "users",
    label: "Users",
    help: "Distinct users placing orders (session windows are per user).",
    kind: ParamKind::Int {
        min: 1,
        max: 10_000,
    },
};

pub const INTERVAL: ParamSpec = ParamSpec {
    name: "interval",
    label: "Mean gap between events (s)",
    help: "Event time between consecutive orders, on average.",
    kind: ParamKind::Int { min: 1, max: 3600 },
};

pub const LATE_SHARE: ParamSpec = ParamSpec {
    name: "lateshare",
    label: "Late share",
    help: "Share of events that arrive late (0 to 1).",
    kind: ParamKind::Float { min: 0.0, max: 1.0 },
};

pub const LATENESS: ParamSpec = ParamSpec {
    name: "lateness",
    label: "Maximum lateness (s)",
    help: "The latest an event arrives after it happened. With an allowed delay at least this long, no event is late.",
    kind: ParamKind::Int { min: 0, max: 7200 },
};

pub const DUPS: ParamSpec = ParamSpec {
    name: "dups",
    label: "Duplicate share",
    help: "Share of events the source delivers twice (0 to 0.5); both pipelines count an event id once.",
    kind: ParamKind::Float { min: 0.0, max: 0.5 },
};

/// The workload these knobs describe (uniform users, the shared product list).
pub fn workload(
    users: u32,
    interval_s: i64,
    late_share: f64,
    lateness_s: i64,
    dup_share: f64,
) -> WorkloadParams {
    WorkloadParams {
        users,
        skew: 0.0,
        mean_gap_ms: interval_s * 1000,
        late_fraction: late_share,
        max_lateness_ms: lateness_s * 1000,
        duplicate_fraction: dup_share,
        products: 50,
    }
}
