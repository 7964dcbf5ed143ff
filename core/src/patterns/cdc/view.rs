//! What the /cdc page draws: the source with its WAL, the connector's phase and position,
//! the topic's partitions with the sink's offsets, the log target and the polled copy
//! beside the source, the event just produced as Debezium JSON, and the step's story.

use crate::format::{count, money};

use super::feed::{lsn_text, Feed, Op, Row, FIRST_TX, SNAPSHOT_LSN, START_UNIX_MS};
use super::merge::{Guard, Outcome};
use super::scenario::{
    Applied, Cdc, Diffs, Last, Phase, Stats, LAGGING, POLL_LAGGING, POLL_MISSED, POLL_WRONG, WRONG,
};
use super::topic::{key_text, Message};

/// Debezium's version string in the envelope's `source`.
pub const DEBEZIUM_VERSION: &str = "2.7.3.Final";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartView {
    pub len: u32,
    pub position: u32,
    pub committed: u32,
    pub stalled: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CdcView {
    pub step: u64,
    pub total: u64,
    pub now_us: u64,
    pub ids: u32,
    pub source_live: u64,
    pub target_live: u64,
    pub polled_live: u64,
    pub phase: Phase,
    pub snapshot_rows: u32,
    /// The WAL's end, the connector's read position and its last saved one.
    pub wal_head_lsn: u64,
    pub read_lsn: u64,
    pub saved_lsn: Option<u64>,
    pub wal_backlog: u64,
    pub backlog: u64,
    pub partitions: Vec<PartView>,
    pub stats: Stats,
    pub diffs: Diffs,
    pub polled_to: u64,
    pub guard: Guard,
    pub note: bool,
    pub last: Last,
}

impl CdcView {
    pub fn of(s: &Cdc) -> CdcView {
        let f = s.feed();
        let lsn_of_change = |k: u64| f.change_record(k).map_or(SNAPSHOT_LSN, |r| f.lsn(r));
        CdcView {
            step: s.committed_changes(),
            total: f.changes(),
            now_us: s.now_us(),
            ids: s.ids(),
            source_live: s.source_live(),
            target_live: s.target().live(),
            polled_live: s.polled_live(),
            phase: s.phase(),
            snapshot_rows: f.initial(),
            wal_head_lsn: lsn_of_change(s.committed_changes()),
            read_lsn: match s.phase() {
                Phase::Snapshot { .. } => SNAPSHOT_LSN,
                Phase::Streaming { next } => lsn_of_change(next - 1),
            },
            saved_lsn: s.saved().map(lsn_of_change),
            wal_backlog: s.wal_backlog(),
            backlog: s.backlog(),
            partitions: (0..s.topic().len())
                .map(|p| PartView {
                    len: s.topic()[p].len() as u32,
                    position: s.positions()[p],
                    committed: s.committed_offsets()[p],
                    stalled: s.stalled_until(p) > s.committed_changes(),
                })
                .collect(),
            stats: *s.stats(),
            diffs: *s.diffs(),
            polled_to: s.polled_to(),
            guard: s.params().guard,
            note: s.params().after_id_key,
            last: s.last().clone(),
        }
    }

    pub fn topic_name(&self) -> &'static str {
        topic_name(self.note)
    }
}

/// The change topic: Debezium's own, or the one the note's handler re-publishes to.
pub fn topic_name(note: bool) -> &'static str {
    if note {
        "cdc_orders"
    } else {
        "shop.public.orders"
    }
}

fn row_json(r: &Row) -> String {
    format!(
        "{{\"id\": {}, \"user_id\": {}, \"amount_cents\": {}, \"status\": \"{}\", \"updated_at\": {}}}",
        r.id,
        r.user,
        r.amount_cents,
        r.status.as_str(),
        r.updated_ms
    )
}

/// The change event of `m` as Kafka holds it: the key, and the value (Debezium's envelope,
/// indented; `null` for a tombstone).
pub fn event_json(f: &Feed, m: &Message, note: bool) -> (String, String) {
    let Some(rec) = f.record(m.record) else {
        return (String::new(), String::new());
    };
    let key = key_text((!m.no_key).then_some(rec.id), note);
    let key = if note { format!("\"{key}\"") } else { key };
    if m.tombstone {
        return (key, "null".into());
    }
    let opt = |r: Option<Row>| r.map_or("null".to_string(), |r| row_json(&r));
    let snapshot = match rec.op {
        Op::Initial if m.record + 1 == f.initial() => "last",
        Op::Initial => "true",
        _ => "false",
    };
    // source.ts_ms: when the change was committed (the snapshot's start for op r).
    let commit_ms = f.commit_ms(m.record);
    let tx = if rec.op == Op::Initial {
        FIRST_TX
    } else {
        f.tx(m.record)
    };
    let value = format!(
        "{{\n  \"before\": {},\n  \"after\": {},\n  \"source\": {{\"version\": \"{DEBEZIUM_VERSION}\", \"connector\": \"postgresql\", \"name\": \"shop\", \"ts_ms\": {commit_ms}, \"snapshot\": \"{snapshot}\", \"db\": \"shop\", \"schema\": \"public\", \"table\": \"orders\", \"txId\": {tx}, \"lsn\": {}}},\n  \"op\": \"{}\",\n  \"ts_ms\": {}\n}}",
        opt(f.before(m.record)),
        opt(f.row(m.record)),
        f.lsn(m.record),
        rec.op.code(),
        START_UNIX_MS + f.commit_us(m.step as u64) / 1_000
    );
    (key, value)
}

/// A row in a table cell: `paid · $12.34 · user 7`.
pub fn row_text(f: &Feed, record: Option<u32>) -> String {
    match record.and_then(|r| f.row(r)) {
        Some(r) => format!(
            "{} · {} · user {}",
            r.status.as_str(),
            money(r.amount_cents as i64),
            r.user
        ),
        None => "—".into(),
    }
}

/// Why a row differs, for the side-by-side table's last column.
pub fn state_text(bits: u8) -> String {
    let mut out = Vec::new();
    if bits & LAGGING != 0 {
        out.push("log: change on its way");
    }
    if bits & WRONG != 0 {
        out.push("log: WRONG");
    }
    if bits & POLL_LAGGING != 0 {
        out.push("polled: until the next poll");
    }
    if bits & POLL_WRONG != 0 {
        out.push("polled: deleted row kept");
    }
    if bits & POLL_MISSED != 0 {
        out.push("polled: committed late, missed for good");
    }
    out.join("; ")
}

/// The side-by-side table: id, source row, log target row, polled row, the difference.
/// `only_diffs` lists only rows that differ somewhere.
pub fn side_by_side(s: &Cdc, only_diffs: bool, start: usize, n: usize) -> Vec<Vec<String>> {
    let f = s.feed();
    (0..s.ids())
        .filter(|id| !only_diffs || s.row_state(*id) != 0)
        .skip(start)
        .take(n)
        .map(|id| {
            vec![
                id.to_string(),
                row_text(f, s.source_row(id)),
                row_text(f, s.target().row_record(f, id)),
                row_text(f, s.polled_row(id)),
                state_text(s.row_state(id)),
            ]
        })
        .collect()
}

/// Rows that differ somewhere.
pub fn diff_count(s: &Cdc) -> usize {
    (0..s.ids()).filter(|id| s.row_state(*id) != 0).count()
}

/// The WAL, newest first: LSN, transaction, op, id, the row after, and where the connector
/// stands.
pub fn wal_rows(s: &Cdc, start: usize, n: usize) -> Vec<Vec<String>> {
    let f = s.feed();
    let head = s.committed_changes();
    let read = match s.phase() {
        Phase::Snapshot { .. } => 0,
        Phase::Streaming { next } => next - 1,
    };
    (start as u64..head.min(start as u64 + n as u64))
        .filter_map(|i| {
            let k = head - i;
            let r = f.change_record(k)?;
            let rec = f.record(r)?;
            let mut marks = Vec::new();
            if k <= read {
                marks.push("read");
            }
            if s.saved().is_some_and(|saved| k <= saved) {
                marks.push("saved");
            }
            Some(vec![
                lsn_text(f.lsn(r)),
                f.tx(r).to_string(),
                match rec.op {
                    Op::Insert => "INSERT",
                    Op::Update => "UPDATE",
                    Op::Delete => "DELETE",
                    Op::Initial => "—",
                }
                .into(),
                rec.id.to_string(),
                row_text(f, Some(r)),
                marks.join(", "),
            ])
        })
        .collect()
}

/// Events the sink applied, newest first.
pub fn applied_rows(s: &Cdc, start: usize, n: usize) -> Vec<Vec<String>> {
    let log = s.applied_log();
    let len = log.len();
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| log.get(len - 1 - i))
        .map(|a| applied_row(s.feed(), a))
        .collect()
}

fn applied_row(f: &Feed, a: &Applied) -> Vec<String> {
    let rec = f.record(a.message.record);
    vec![
        a.step.to_string(),
        format!("{}@{}", a.partition, a.offset),
        if a.message.tombstone {
            "null".into()
        } else {
            rec.map_or('?', |r| r.op.code()).to_string()
        },
        if a.message.no_key {
            "(null)".into()
        } else {
            rec.map_or(String::new(), |r| r.id.to_string())
        },
        lsn_text(f.lsn(a.message.record)),
        a.outcome.label().into(),
        if a.message.redelivered {
            "redelivered".into()
        } else {
            String::new()
        },
    ]
}

/// The messages of partition `p`, newest first: offset, op, key, LSN, and whether the sink
/// has read it.
pub fn partition_rows(s: &Cdc, p: usize, start: usize, n: usize) -> Vec<Vec<String>> {
    let Some(t) = s.topic().get(p) else {
        return Vec::new();
    };
    let f = s.feed();
    let len = t.len();
    let pos = s.positions().get(p).copied().unwrap_or(0) as usize;
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| {
            let o = len - 1 - i;
            let m = t.get(o)?;
            let rec = f.record(m.record)?;
            Some(vec![
                o.to_string(),
                if m.tombstone {
                    "null (tombstone)".into()
                } else {
                    rec.op.code().to_string()
                },
                if m.no_key {
                    "(null)".into()
                } else {
                    rec.id.to_string()
                },
                lsn_text(f.lsn(m.record)),
                if o < pos { "read" } else { "waiting" }.into(),
                if m.redelivered {
                    "redelivered".into()
                } else {
                    String::new()
                },
            ])
        })
        .collect()
}

/// The polls, newest first.
pub fn poll_rows(s: &Cdc, start: usize, n: usize) -> Vec<Vec<String>> {
    let log = s.polls();
    let len = log.len();
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| log.get(len - 1 - i))
        .map(|p| {
            vec![
                crate::format::duration_ms((p.at_us / 1_000) as i64),
                count(p.changes as u64),
                count(p.rows as u64),
                count(p.missed_deletes as u64),
                count(p.missed_overwritten as u64),
            ]
        })
        .collect()
}

/// The change event the step produced last (the one the page shows as JSON; a delete's
/// tombstone is listed with the partition's messages).
pub fn last_produced(v: &CdcView) -> Option<Message> {
    match &v.last {
        Last::Step { produced, .. } => produced
            .iter()
            .rev()
            .find(|(_, m)| !m.tombstone)
            .map(|(_, m)| *m),
        _ => None,
    }
}

/// The diagram's text alternative.
pub fn summary(v: &CdcView) -> String {
    let phase = match v.phase {
        Phase::Snapshot { next } => format!("snapshotting ({} of {} rows)", next, v.snapshot_rows),
        Phase::Streaming { .. } => format!("streaming at {}", lsn_text(v.read_lsn)),
    };
    format!(
        "Source: {} rows, WAL at {}. Connector {}, {} records behind. Topic {}: {} events waiting over {} partitions. Log target: {} rows ({} on their way, {} wrong). Polled copy: {} rows ({} deleted rows kept, {} stale after a late commit).",
        count(v.source_live),
        lsn_text(v.wal_head_lsn),
        phase,
        count(v.wal_backlog),
        v.topic_name(),
        count(v.backlog),
        v.partitions.len(),
        count(v.target_live),
        count(v.diffs.lagging),
        count(v.diffs.wrong),
        count(v.polled_live),
        count(v.diffs.poll_wrong),
        count(v.diffs.poll_missed)
    )
}

/// A fault's sentence (the picture's chip).
pub fn narrate_fault(last: &Last) -> String {
    match last {
        Last::Restart { rewound, .. } => {
            format!("connector restarted: {} events again", count(*rewound))
        }
        Last::SinkCrash { rewound, .. } => {
            format!("sink crashed: {} events again", count(*rewound))
        }
        Last::Stall { partition, until } => {
            format!("partition {partition} stalled until step {until}")
        }
        _ => String::new(),
    }
}

/// One sentence on the last step or fault.
pub fn narrate(s: &Cdc) -> String {
    let f = s.feed();
    match s.last() {
        Last::Start => format!(
            "The source holds {} orders; the connector will snapshot them, then stream the WAL.",
            count(f.initial() as u64)
        ),
        Last::Step {
            record,
            produced,
            applied,
            poll,
            snapshot_done,
        } => {
            let Some(rec) = f.record(*record) else {
                return String::new();
            };
            let what = match rec.op {
                Op::Insert => "inserts",
                Op::Update => "updates",
                Op::Delete => "deletes",
                Op::Initial => "reads",
            };
            let mut out = format!(
                "Source {what} order {} at {}.",
                rec.id,
                lsn_text(f.lsn(*record))
            );
            if *snapshot_done {
                out.push_str(" The snapshot is done: streaming starts at the snapshot's LSN.");
            }
            let events = produced.iter().filter(|(_, m)| !m.tombstone).count();
            let tombstones = produced.len() - events;
            if events > 0 {
                let red = produced
                    .iter()
                    .filter(|(_, m)| m.redelivered && !m.tombstone)
                    .count();
                out.push_str(&format!(
                    " Connector produces {} event{}{}{}.",
                    events,
                    if events == 1 { "" } else { "s" },
                    if red > 0 {
                        format!(" ({red} again)")
                    } else {
                        String::new()
                    },
                    match tombstones {
                        0 => String::new(),
                        1 => ", and after the delete a tombstone (same key, null value)".into(),
                        n => format!(", and after the deletes {n} tombstones (same key, null value)"),
                    }
                ));
            }
            if let Some(a) = applied.iter().find(|a| {
                matches!(a.outcome, Outcome::Regressed | Outcome::NoKey)
                    || (a.message.redelivered && a.outcome == Outcome::Skipped)
            }) {
                let id = f.record(a.message.record).map_or(0, |r| r.id);
                out.push_str(&match a.outcome {
                    Outcome::Regressed => format!(" Sink writes an older version of order {id} over a newer one."),
                    Outcome::NoKey => format!(" Sink gets a delete of order {id} with a null key: it matches nothing and the row stays."),
                    _ => format!(" Sink skips a redelivered event of order {id}: its LSN is not newer than the row's."),
                });
            } else if !applied.is_empty() {
                let skipped = applied
                    .iter()
                    .filter(|a| a.outcome == Outcome::Tombstone)
                    .count();
                let events = applied.len() - skipped;
                out.push_str(&match (events, skipped) {
                    (e, 0) => format!(" Sink applies {e}."),
                    (0, t) => format!(" Sink skips {t} tombstone{} (null value).", if t == 1 { "" } else { "s" }),
                    (e, t) => format!(" Sink applies {e} and skips {t} tombstone{} (null value).", if t == 1 { "" } else { "s" }),
                });
            }
            if let Some(p) = poll {
                out.push_str(&format!(
                    " A poll copies {} rows and misses {} deletes and {} overwritten changes.",
                    p.rows, p.missed_deletes, p.missed_overwritten
                ));
                if p.missed_late + p.missed_tied > 0 {
                    out.push_str(&format!(
                        " It also misses {} change{} committed after the previous poll with an updated_at at or below its :last_poll ({} equal to it): their transactions began no later than the newest row it had copied.",
                        p.missed_late + p.missed_tied,
                        if p.missed_late + p.missed_tied == 1 { "" } else { "s" },
                        p.missed_tied
                    ));
                }
            }
            out
        }
        Last::Restart {
            rewound,
            snapshot_again,
        } => {
            if *snapshot_again {
                format!("The connector restarts before its snapshot was saved: the snapshot starts over ({} events again).", count(*rewound))
            } else {
                format!("The connector restarts from its last saved LSN: {} events will be produced again. That LSN is the offset Kafka Connect last flushed to its offsets topic (every offset.flush.interval.ms, a worker setting); Debezium confirmed it to the replication slot after that flush.", count(*rewound))
            }
        }
        Last::SinkCrash {
            rewound,
            tombstones,
        } => format!(
            "The sink crashes and restarts from its committed offsets: {} events will be applied again{}.",
            count(*rewound),
            match tombstones {
                0 => String::new(),
                n => format!(" (and {} tombstones skipped again)", count(*n)),
            }
        ),
        Last::Stall { partition, until } => format!(
            "Partition {partition}'s consumer stalls until step {until}: the other partitions' events overtake it."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::params::CdcParams;
    use super::*;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_envelope_has_debeziums_fields_and_a_delete_has_no_after() {
        let mut s = Cdc::new(&CdcParams::default(), 5).unwrap();
        let mut seen_delete = false;
        let mut seen_tombstone = false;
        for _ in 0..400 {
            s.step();
            if let Last::Step { produced, .. } = s.last() {
                let mut previous: Option<(String, String)> = None;
                for (_, m) in produced {
                    let (key, value) = event_json(s.feed(), m, false);
                    assert!(key.starts_with("{\"id\":"), "{key}");
                    if m.tombstone {
                        // Right after its delete: the same key, a null value.
                        let (k, v) = previous.take().unwrap_or_default();
                        assert_eq!((k.as_str(), value.as_str()), (key.as_str(), "null"));
                        assert!(v.contains("\"op\": \"d\""), "{v}");
                        seen_tombstone = true;
                        continue;
                    }
                    previous = Some((key.clone(), value.clone()));
                    for field in [
                        "\"before\"",
                        "\"after\"",
                        "\"source\"",
                        "\"lsn\"",
                        "\"ts_ms\"",
                        "\"op\"",
                    ] {
                        assert!(value.contains(field), "{value}");
                    }
                    if value.contains("\"op\": \"d\"") {
                        assert!(value.contains("\"after\": null"));
                        assert!(!value.contains("\"before\": null"));
                        seen_delete = true;
                    }
                }
            }
        }
        assert!(seen_delete && seen_tombstone);
        // A poll that passes over a late commit says so.
        let mut late = Cdc::new(&CdcParams::default(), 42).unwrap();
        let mut said = false;
        for _ in 0..2_000 {
            late.step();
            if let Last::Step { poll: Some(p), .. } = late.last() {
                let text = narrate(&late);
                assert_eq!(
                    p.missed_late + p.missed_tied > 0,
                    text.contains("committed after the previous poll"),
                    "{text}"
                );
                said |= p.missed_late > 0;
            }
        }
        assert!(said);
        // The page shows the last change event, not a tombstone.
        assert!(last_produced(&s.view()).is_none_or(|m| !m.tombstone));
        let v = s.view();
        assert!(summary(&v).contains("shop.public.orders"));
        assert!(!narrate(&s).is_empty());
        assert!(!side_by_side(&s, false, 0, 5).is_empty());
    }
}
