//! CDC's parameters: the source's workload (rows before the run, changes, their mix and
//! rate), the topic, how fast the connector and the sink go, how often each commits its
//! position, the polling interval of the query-based pipeline, how the sink merges, and
//! the pitfall (the note's `after.id` key).

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

use super::merge::Guard;

/// Largest run the page allows.
pub const MAX_CHANGES: i64 = 1_000_000;
/// The pitfall's name.
pub const PITFALL_AFTER_ID: &str = "after-id-key";

pub(super) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "changes",
        label: "Changes",
        help: "Source transactions in the run: one step commits one insert, update or delete.",
        kind: ParamKind::Int { min: 1, max: MAX_CHANGES },
    },
    ParamSpec {
        name: "initial",
        label: "Rows before the run",
        help: "Orders already in the table when the connector starts: its initial snapshot reads them.",
        kind: ParamKind::Int { min: 0, max: 50_000 },
    },
    ParamSpec {
        name: "rate",
        label: "Changes per second",
        help: "How fast the source commits changes (the simulated clock).",
        kind: ParamKind::Int { min: 1, max: 1_000 },
    },
    ParamSpec {
        name: "updates",
        label: "Update share",
        help: "Share of changes that update a recent order (paid, shipped, refunded, cancelled).",
        kind: ParamKind::Float { min: 0.0, max: 1.0 },
    },
    ParamSpec {
        name: "deletes",
        label: "Delete share",
        help: "Share of changes that delete a recent order; the rest are inserts.",
        kind: ParamKind::Float { min: 0.0, max: 0.5 },
    },
    ParamSpec {
        name: "partitions",
        label: "Topic partitions",
        help: "Partitions of the change topic; an event goes to the partition of its key's hash, so one row's events stay in order.",
        kind: ParamKind::Int { min: 1, max: 12 },
    },
    ParamSpec {
        name: "connector",
        label: "Connector speed (events per step)",
        help: "Snapshot rows or WAL records the connector turns into events per step.",
        kind: ParamKind::Int { min: 1, max: 50 },
    },
    ParamSpec {
        name: "sink",
        label: "Sink speed (events per step)",
        help: "Events the sink reads from the topic and merges into the target per step.",
        kind: ParamKind::Int { min: 1, max: 50 },
    },
    ParamSpec {
        name: "flush",
        label: "Offset flush (ms, Kafka Connect worker)",
        help: "How often Kafka Connect flushes the connector's offset, the LSN it has produced up to, to its offsets topic: offset.flush.interval.ms, a setting of the Connect worker (ignored inside a connector's config). Debezium then confirms that LSN to its replication slot. A crash resumes from the last flushed offset and produces the rest again.",
        kind: ParamKind::Int { min: 100, max: 600_000 },
    },
    ParamSpec {
        name: "commit",
        label: "Sink offset commit (ms)",
        help: "How often the sink commits its consumer offsets. After a crash it re-reads from the last commit and applies those events again.",
        kind: ParamKind::Int { min: 100, max: 600_000 },
    },
    ParamSpec {
        name: "poll",
        label: "Polling interval (ms)",
        help: "Query-based CDC: how often it runs SELECT … WHERE updated_at > the last poll.",
        kind: ParamKind::Int { min: 100, max: 3_600_000 },
    },
    ParamSpec {
        name: "merge",
        label: "Sink MERGE",
        help: "LSN guard: apply an event only if it is newer than the row's source LSN, and keep deleted rows as tombstones. Plain: upsert and delete whatever arrives.",
        kind: ParamKind::Choice(&[("lsn-guard", "guarded by LSN (idempotent)"), ("plain", "plain upsert / delete")]),
    },
    ParamSpec {
        name: "stall",
        label: "Partition stall (steps)",
        help: "How long one partition's consumer stalls under the reordering fault while the others go on.",
        kind: ParamKind::Int { min: 1, max: 10_000 },
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_AFTER_ID,
    label: "The note's key: after.id",
    help: "The note keys each event by its after.id and its MERGE matches on it. A delete has no after, so its key is empty: it may land on another partition than its row's changes, and the MERGE finds nothing to delete. Key by the primary key (Debezium's message key, or before.id for a delete).",
}];

/// Validated CDC parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct CdcParams {
    pub changes: u64,
    pub rows: u32,
    pub rate: u32,
    pub updates: f64,
    pub deletes: f64,
    pub partitions: u32,
    pub connector: u32,
    pub sink: u32,
    pub flush_ms: u32,
    pub commit_ms: u32,
    pub poll_ms: u32,
    pub guard: Guard,
    pub stall: u32,
    /// The note's `after.id` key (pitfall).
    pub after_id_key: bool,
}

impl Default for CdcParams {
    fn default() -> Self {
        CdcParams {
            changes: 2_000,
            rows: 40,
            rate: 20,
            updates: 0.5,
            deletes: 0.1,
            partitions: 3,
            connector: 3,
            sink: 3,
            flush_ms: 5_000,
            commit_ms: 5_000,
            poll_ms: 2_000,
            guard: Guard::Lsn,
            stall: 60,
            after_id_key: false,
        }
    }
}

impl Params for CdcParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "changes" => self.changes.to_string(),
            "initial" => self.rows.to_string(),
            "rate" => self.rate.to_string(),
            "updates" => format!("{}", self.updates),
            "deletes" => format!("{}", self.deletes),
            "partitions" => self.partitions.to_string(),
            "connector" => self.connector.to_string(),
            "sink" => self.sink.to_string(),
            "flush" => self.flush_ms.to_string(),
            "commit" => self.commit_ms.to_string(),
            "poll" => self.poll_ms.to_string(),
            "merge" => match self.guard {
                Guard::Lsn => "lsn-guard",
                Guard::Plain => "plain",
            }
            .to_string(),
            "stall" => self.stall.to_string(),
            PITFALL_AFTER_ID => if self.after_id_key { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        crate::sim::params::set_checked(self, field, value, Self::set_one)
    }

    fn combination_errors(&self) -> Vec<ParamError> {
        self.combined_limits()
    }
}

impl CdcParams {
    fn set_one(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_AFTER_ID {
            self.after_id_key = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        let int = |v: &str| parse_int(spec, v);
        match field {
            "changes" => self.changes = int(value)? as u64,
            "initial" => self.rows = int(value)? as u32,
            "rate" => self.rate = int(value)? as u32,
            "updates" => self.updates = parse_float(spec, value)?,
            "deletes" => self.deletes = parse_float(spec, value)?,
            "partitions" => self.partitions = int(value)? as u32,
            "connector" => self.connector = int(value)? as u32,
            "sink" => self.sink = int(value)? as u32,
            "flush" => self.flush_ms = int(value)? as u32,
            "commit" => self.commit_ms = int(value)? as u32,
            "poll" => self.poll_ms = int(value)? as u32,
            "merge" => {
                self.guard = match parse_choice(spec, value)? {
                    "plain" => Guard::Plain,
                    _ => Guard::Lsn,
                }
            }
            "stall" => self.stall = int(value)? as u32,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }

    fn combined_limits(&self) -> Vec<ParamError> {
        if self.updates + self.deletes > 1.0 + 1e-9 {
            return vec![ParamError::new(
                "deletes",
                format!(
                    "update share {} plus delete share {} is more than 1: lower one of them",
                    self.updates, self.deletes
                ),
            )];
        }
        Vec::new()
    }

    /// The source's generator knobs.
    pub fn mix(&self) -> super::feed::Mix {
        super::feed::Mix {
            rows: self.rows,
            changes: self.changes,
            updates: self.updates,
            deletes: self.deletes,
            rate: self.rate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn fields_round_trip_and_shares_may_not_pass_one() {
        let mut p = CdcParams::default();
        for (f, v) in [
            ("merge", "plain"),
            ("partitions", "5"),
            (PITFALL_AFTER_ID, "on"),
        ] {
            p.set(f, v).unwrap();
        }
        let mut q = CdcParams::default();
        for s in CdcParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_AFTER_ID, "on").unwrap();
        assert_eq!(p, q);
        p.set("updates", "0.9").unwrap();
        let e = p.set("deletes", "0.2").unwrap_err();
        assert!(e.message.contains("more than 1"), "{}", e.message);
        assert_eq!(p.deletes, 0.1, "refused: unchanged");
        assert!(p.set("partitions", "13").is_err());
        assert!(p.set("merge", "maybe").is_err());
    }
}
