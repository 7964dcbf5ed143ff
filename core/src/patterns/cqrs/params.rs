//! CQRS parameters: the run length, the order workload, how often the projectors run and
//! how many events each run applies, how the write side publishes its events (a
//! transactional outbox, or a save then a send), how a client reads after its own write,
//! whether the projection is idempotent, and the note's pitfall (two different topics).

use crate::orders::GenParams;
use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

/// Longest run the page allows (PAGE-CONTRACT.md asks for at least 1,000,000 steps).
pub const MAX_COMMANDS: i64 = 1_000_000;

/// The pitfall: commands go to `order_commands`, the projectors read `order_queries`.
pub const PITFALL_TOPICS: &str = "split-topics";

/// How a client reads right after its own write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// Read the read model as it is (may be stale).
    Immediate,
    /// Wait until the read model holds the order at the version the write produced.
    WaitVersion,
    /// Wait until the projector's position passes the write's log position (a token).
    Token,
}

const READS: &[(&str, &str)] = &[
    ("none", "read at once (may be stale)"),
    ("wait-version", "wait for the order's version"),
    ("token", "wait for a position token"),
];

const ON_OFF: &[(&str, &str)] = &[("on", "on"), ("off", "off")];

const PUBLISH: &[(&str, &str)] = &[
    ("outbox", "transactional outbox + relay"),
    ("direct", "save, then send (a dual write)"),
];

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "commands",
        label: "Commands",
        help: "How many commands clients send: one per step (a write burst adds more).",
        kind: ParamKind::Int { min: 1, max: MAX_COMMANDS },
    },
    ParamSpec {
        name: "open",
        label: "Orders in flight",
        help: "Orders being worked on at once.",
        kind: ParamKind::Int { min: 1, max: 200 },
    },
    ParamSpec {
        name: "items",
        label: "Items per order (mean)",
        help: "Items added before an order is paid.",
        kind: ParamKind::Int { min: 1, max: 200 },
    },
    ParamSpec {
        name: "invalid",
        label: "Invalid commands (share)",
        help: "Share of commands the write model refuses (they produce no event).",
        kind: ParamKind::Float { min: 0.0, max: 0.9 },
    },
    ParamSpec {
        name: "users",
        label: "Customers",
        help: "Distinct customers: the orders-by-user read model has one row each.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "poll",
        label: "Projectors run every (steps)",
        help: "How often each projector polls the event log: the lag a read model can have even when it keeps up.",
        kind: ParamKind::Int { min: 1, max: 1000 },
    },
    ParamSpec {
        name: "batch",
        label: "Events per projector run",
        help: "How many events a projector applies per run; below the write rate the lag grows.",
        kind: ParamKind::Int { min: 1, max: 10_000 },
    },
    ParamSpec {
        name: "publish",
        label: "Publish events",
        help: "How the command side gets an event to Kafka. Outbox: the new state and an outbox row commit in one database transaction and a relay sends the row afterwards, so a crash can delay an event but never lose it. Direct: save to the database, then send to Kafka: two writes, and a crash between them loses the event.",
        kind: ParamKind::Choice(PUBLISH),
    },
    ParamSpec {
        name: "reads",
        label: "Read after write",
        help: "How a client reads its own order right after writing it: at once (it may see old data), or waiting for the version it wrote, or for its position token.",
        kind: ParamKind::Choice(READS),
    },
    ParamSpec {
        name: "idempotent",
        label: "Idempotent projection",
        help: "Each read model stores the next log position it will apply (in Kafka: one offset per partition), committed with its rows, and skips a redelivered event below it, so a redelivery changes nothing.",
        kind: ParamKind::Choice(ON_OFF),
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_TOPICS,
    label: "The note's topics: order_commands vs order_queries",
    help: "The note's command side sends events to the topic order_commands while its read side consumes order_queries: nothing ever arrives, the read models never move, every read is stale and every wait times out.",
}];

/// Validated CQRS parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct CqrsParams {
    pub commands: u64,
    pub open: u32,
    pub items: u32,
    pub invalid_share: f64,
    pub users: u32,
    pub poll_steps: u64,
    pub batch: u64,
    pub reads: ReadMode,
    pub idempotent: bool,
    /// Events reach the log through a transactional outbox (else: save, then send).
    pub outbox: bool,
    pub split_topics: bool,
}

impl Default for CqrsParams {
    fn default() -> Self {
        CqrsParams {
            commands: 2000,
            open: 6,
            items: 4,
            invalid_share: 0.05,
            users: 40,
            poll_steps: 5,
            batch: 8,
            reads: ReadMode::Immediate,
            idempotent: true,
            outbox: true,
            split_topics: false,
        }
    }
}

impl Params for CqrsParams {
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
            "invalid" => format!("{}", self.invalid_share),
            "users" => self.users.to_string(),
            "poll" => self.poll_steps.to_string(),
            "batch" => self.batch.to_string(),
            "reads" => match self.reads {
                ReadMode::Immediate => "none",
                ReadMode::WaitVersion => "wait-version",
                ReadMode::Token => "token",
            }
            .to_string(),
            "idempotent" => if self.idempotent { "on" } else { "off" }.to_string(),
            "publish" => if self.outbox { "outbox" } else { "direct" }.to_string(),
            PITFALL_TOPICS => if self.split_topics { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_TOPICS {
            self.split_topics = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "commands" => self.commands = parse_int(spec, value)? as u64,
            "open" => self.open = parse_int(spec, value)? as u32,
            "items" => self.items = parse_int(spec, value)? as u32,
            "invalid" => self.invalid_share = parse_float(spec, value)?,
            "users" => self.users = parse_int(spec, value)? as u32,
            "poll" => self.poll_steps = parse_int(spec, value)? as u64,
            "batch" => self.batch = parse_int(spec, value)? as u64,
            "reads" => {
                self.reads = match parse_choice(spec, value)? {
                    "wait-version" => ReadMode::WaitVersion,
                    "token" => ReadMode::Token,
                    _ => ReadMode::Immediate,
                }
            }
            "idempotent" => self.idempotent = parse_choice(spec, value)? == "on",
            "publish" => self.outbox = parse_choice(spec, value)? == "outbox",
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl CqrsParams {
    pub fn validate(&self) -> Vec<ParamError> {
        self.bound_errors()
    }

    pub fn workload(&self) -> GenParams {
        GenParams {
            open: self.open,
            items: self.items,
            invalid_share: self.invalid_share,
            cancel_share: 0.15,
            users: self.users,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_and_rejects_bad_choices() {
        let mut p = CqrsParams::default();
        p.set("reads", "token").unwrap();
        p.set("idempotent", "off").unwrap();
        p.set("publish", "direct").unwrap();
        p.set(PITFALL_TOPICS, "on").unwrap();
        let mut q = CqrsParams::default();
        for s in CqrsParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_TOPICS, "on").unwrap();
        assert_eq!(p, q);
        assert!(p.set("reads", "eventually").is_err());
        assert!(p.set("publish", "maybe").is_err());
        assert!(!p.outbox);
        assert_eq!(p.set("batch", "0").unwrap_err().field, "batch");
        assert!(p.validate().is_empty());
    }
}
