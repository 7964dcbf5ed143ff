//! The code panel: the source's setup, the Debezium connector's configuration, the sink's
//! MERGE (PostgreSQL 15) and the polling query, for the current settings, with the lines
//! the last step ran highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::feed::Op;
use super::merge::{Guard, Outcome};
use super::params::CdcParams;
use super::scenario::{Cdc, Last};
use super::view::topic_name;

const NOTE: &str = "The note's handler keys each event by after.id, and its MERGE joins on after_id. A delete has no after: in Python event.get('after', {}) returns None and .get raises; guarded, the key is '' — the delete lands on another partition than its row's changes and the MERGE matches no row, so the order lives on in the target. That MERGE also has no branch for deletes at all and no LSN guard, so a redelivered older event overwrites newer data. Key by the primary key (Debezium's message key, before.id for a delete) and guard every write by the source LSN.";

fn listing(p: &CdcParams) -> Vec<(&'static str, String)> {
    let mut l: Vec<(&'static str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| l.push((tag, text));
    add(
        "",
        "-- Source (PostgreSQL): whole rows in the WAL, so updates and deletes carry `before`"
            .into(),
    );
    add("", "ALTER TABLE orders REPLICA IDENTITY FULL;".into());
    add("", "CREATE PUBLICATION dbz_orders FOR TABLE orders;".into());
    add("", "".into());
    add(
        "",
        "-- Debezium connector (Kafka Connect configuration, JSON)".into(),
    );
    add("", "{".into());
    add(
        "",
        "  \"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\",".into(),
    );
    add(
        "stream",
        "  \"plugin.name\": \"pgoutput\",  \"publication.name\": \"dbz_orders\",".into(),
    );
    add(
        "",
        "  \"database.dbname\": \"shop\",  \"topic.prefix\": \"shop\",".into(),
    );
    add("", "  \"table.include.list\": \"public.orders\",".into());
    add("snapshot", "  \"snapshot.mode\": \"initial\",".into());
    add(
        "",
        format!("  \"offset.flush.interval.ms\": {},", p.flush_ms),
    );
    add(
        "",
        "  \"key.converter\": \"org.apache.kafka.connect.json.JsonConverter\",".into(),
    );
    add("", "  \"key.converter.schemas.enable\": false,".into());
    add(
        "",
        "  \"value.converter\": \"org.apache.kafka.connect.json.JsonConverter\",".into(),
    );
    add("", "  \"value.converter.schemas.enable\": false".into());
    add("", "}".into());
    add(
        "",
        format!(
            "-- topic {}: {} partition{}, partition = murmur2(key) % {}",
            topic_name(p.after_id_key),
            p.partitions,
            if p.partitions == 1 { "" } else { "s" },
            p.partitions
        ),
    );
    if p.after_id_key {
        add(
            "note",
            "-- the note's handler re-publishes every event keyed by after.id:".into(),
        );
        add(
            "note",
            "--   key = str((event.get('after') or {}).get('id', ''))   -- '' for a delete".into(),
        );
    } else {
        add(
            "",
            "-- key = {\"id\": …}: the primary key, present for every op (deletes too)".into(),
        );
    }
    add("", "".into());
    let on = if p.after_id_key {
        "ON t.id = e.after_id             -- the note's join: NULL for a delete"
    } else {
        "ON t.id = e.id"
    };
    match p.guard {
        Guard::Lsn => {
            add(
                "",
                "-- Sink (PostgreSQL 15+): one MERGE per event, guarded by the source LSN".into(),
            );
            add("merge", "MERGE INTO orders_replica AS t".into());
            add("merge", "USING (VALUES (:id, :after_id, :op, :lsn, :user_id, :amount_cents, :status, :updated_at))".into());
            add(
                "merge",
                "  AS e(id, after_id, op, lsn, user_id, amount_cents, status, updated_at)".into(),
            );
            add("merge", on.into());
            add("skip", "WHEN MATCHED AND e.lsn <= t.source_lsn THEN".into());
            add(
                "skip",
                "  DO NOTHING                       -- a duplicate, or older than the row".into(),
            );
            add("delete", "WHEN MATCHED AND e.op = 'd' THEN".into());
            add(
                "delete",
                "  UPDATE SET deleted = true, source_lsn = e.lsn   -- tombstone".into(),
            );
            add("update", "WHEN MATCHED THEN".into());
            add("update", "  UPDATE SET user_id = e.user_id, amount_cents = e.amount_cents, status = e.status,".into());
            add(
                "update",
                "             updated_at = e.updated_at, deleted = false, source_lsn = e.lsn"
                    .into(),
            );
            add("delete-new", "WHEN NOT MATCHED AND e.op = 'd' THEN".into());
            add(
                "delete-new",
                "  INSERT (id, deleted, source_lsn) VALUES (e.id, true, e.lsn)".into(),
            );
            add("insert", "WHEN NOT MATCHED THEN".into());
            add(
                "insert",
                "  INSERT (id, user_id, amount_cents, status, updated_at, deleted, source_lsn)"
                    .into(),
            );
            add(
                "insert",
                "  VALUES (e.id, e.user_id, e.amount_cents, e.status, e.updated_at, false, e.lsn);"
                    .into(),
            );
            add(
                "",
                "-- readers see: SELECT … FROM orders_replica WHERE NOT deleted".into(),
            );
        }
        Guard::Plain => {
            add(
                "",
                "-- Sink: a plain upsert and delete, whatever order events come in".into(),
            );
            add(
                "update",
                "INSERT INTO orders_replica (id, user_id, amount_cents, status, updated_at)".into(),
            );
            add(
                "update",
                "VALUES (:id, :user_id, :amount_cents, :status, :updated_at)".into(),
            );
            add("update", "ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, amount_cents = EXCLUDED.amount_cents,".into());
            add(
                "update",
                "  status = EXCLUDED.status, updated_at = EXCLUDED.updated_at;   -- ops c, u, r"
                    .into(),
            );
            let del = if p.after_id_key {
                "DELETE FROM orders_replica WHERE id = :after_id;   -- op d: NULL, deletes nothing"
            } else {
                "DELETE FROM orders_replica WHERE id = :id;         -- op d"
            };
            add("delete", del.into());
        }
    }
    add(
        "",
        format!(
            "-- then commit the consumer offsets every {} ms",
            p.commit_ms
        ),
    );
    add("", "".into());
    add(
        "poll",
        format!("-- Query-based CDC, every {} ms", p.poll_ms),
    );
    add(
        "poll",
        "SELECT id, user_id, amount_cents, status, updated_at".into(),
    );
    add(
        "poll",
        "FROM orders WHERE updated_at > :last_poll ORDER BY updated_at;".into(),
    );
    add(
        "poll",
        "-- each row upserted into orders_polled; a deleted row is never selected again".into(),
    );
    l
}

/// The listing for the current settings, with the last step's lines lit.
pub fn code_view(s: &Cdc) -> CodeView {
    let p = s.params();
    let mut active: Vec<&str> = Vec::new();
    if let Last::Step {
        produced,
        applied,
        poll,
        ..
    } = s.last()
    {
        for (_, m) in produced {
            let op = s.feed().record(m.record).map(|r| r.op);
            active.push(if op == Some(Op::Initial) {
                "snapshot"
            } else {
                "stream"
            });
            if m.no_key {
                active.push("note");
            }
        }
        for a in applied {
            let op = s.feed().record(a.message.record).map(|r| r.op);
            active.push("merge");
            active.push(match (a.outcome, op) {
                (Outcome::Skipped, _) => "skip",
                (Outcome::NoKey, _) => "merge",
                (Outcome::NothingToDelete, _) if p.guard == Guard::Lsn => "delete-new",
                (_, Some(Op::Delete)) => "delete",
                (Outcome::Inserted, _) if p.guard == Guard::Lsn => "insert",
                _ => "update",
            });
        }
        if poll.is_some() {
            active.push("poll");
        }
    }
    CodeView::tagged(
        "sql",
        "Debezium, the sink's MERGE and polling (PostgreSQL)",
        listing(p),
        &active,
        Some(NOTE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_listing_follows_the_settings_and_the_step() {
        let mut s = Cdc::new(&CdcParams::default(), 1).unwrap();
        s.step();
        let c = code_view(&s);
        let lit: Vec<&str> = c.active.iter().map(|&i| c.lines[i].as_str()).collect();
        assert!(lit.iter().any(|l| l.contains("snapshot.mode")), "{lit:?}");
        assert!(lit.iter().any(|l| l.contains("MERGE INTO")), "{lit:?}");
        assert!(c.lines.iter().any(|l| l.contains("e.lsn <= t.source_lsn")));
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("\"offset.flush.interval.ms\": 5000")));
        let plain = CdcParams {
            guard: Guard::Plain,
            after_id_key: true,
            partitions: 5,
            ..CdcParams::default()
        };
        let c = code_view(&Cdc::new(&plain, 1).unwrap());
        assert!(!c.lines.iter().any(|l| l.contains("source_lsn")));
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains(":after_id") && l.contains("DELETE")));
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("cdc_orders: 5 partitions")));
    }
}
