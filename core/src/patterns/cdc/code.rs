//! The code panel: the source's setup, the Debezium connector's configuration (and the
//! Kafka Connect worker settings that govern its offsets), the sink's MERGE (PostgreSQL
//! 15) and the polling query, for the current settings, with the lines the last step ran
//! highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::feed::Op;
use super::merge::{Guard, Outcome};
use super::params::CdcParams;
use super::scenario::{Cdc, Last};
use super::view::topic_name;

const NOTE: &str = "The note's handler keys each event by after.id, and its MERGE joins on after_id. A delete has no after: in Python event.get('after', {}) returns None and .get raises; guarded, the key is '' — the delete may land on another partition than its row's changes, and the MERGE matches no row, so the order lives on in the target. That MERGE also has no branch for deletes at all and no LSN guard, so a redelivered older event overwrites newer data. Key by the primary key (Debezium's message key, before.id for a delete) and guard every write by the source LSN.";

fn listing(p: &CdcParams) -> Vec<(&'static str, String)> {
    let mut l: Vec<(&'static str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| l.push((tag, text.to_string()));
    add(
        "",
        "-- Source (PostgreSQL): whole rows in the WAL, so updates and deletes carry `before`",
    );
    add("", "ALTER TABLE orders REPLICA IDENTITY FULL;");
    add("", "CREATE PUBLICATION dbz_orders FOR TABLE orders;");
    add("", "");
    add(
        "",
        "-- Debezium connector: PUT /connectors/shop-orders/config (Kafka Connect REST, JSON)",
    );
    add("", "{");
    add(
        "",
        "  \"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\",",
    );
    add(
        "stream",
        "  \"plugin.name\": \"pgoutput\",  \"publication.name\": \"dbz_orders\",  \"slot.name\": \"dbz_orders\",",
    );
    add(
        "",
        "  \"database.dbname\": \"shop\",  \"topic.prefix\": \"shop\",",
    );
    add("", "  \"table.include.list\": \"public.orders\",");
    add("snapshot", "  \"snapshot.mode\": \"initial\",");
    add("tombstone", "  \"tombstones.on.delete\": true,");
    add(
        "",
        "  \"key.converter\": \"org.apache.kafka.connect.json.JsonConverter\",",
    );
    add("", "  \"key.converter.schemas.enable\": false,");
    add(
        "",
        "  \"value.converter\": \"org.apache.kafka.connect.json.JsonConverter\",",
    );
    add("", "  \"value.converter.schemas.enable\": false");
    add("", "}");
    add(
        "",
        "-- Kafka Connect worker (connect-distributed.properties), not the connector's JSON:",
    );
    add("", "--   offset.storage.topic=connect-offsets");
    add("", &format!("--   offset.flush.interval.ms={}", p.flush_ms));
    add(
        "",
        "-- The connector's position is its offset, an LSN: the worker flushes it to",
    );
    add(
        "",
        "-- connect-offsets at that interval, then Debezium confirms it to the slot",
    );
    add(
        "",
        "-- (confirmed_flush_lsn). A crash resumes there: later events come again.",
    );
    add(
        "",
        &format!(
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
            "-- the note's handler re-publishes each change event (not Debezium's tombstones,",
        );
        add("note", "-- whose value is None) keyed by after.id:");
        add(
            "note",
            "--   key = str((event.get('after') or {}).get('id', ''))   -- '' for a delete",
        );
    } else {
        add(
            "",
            "-- key = {\"id\": …}: the primary key, present for every op (deletes too)",
        );
        add(
            "tombstone",
            "-- after each delete's event: a tombstone, the same key with a null value",
        );
    }
    add("", "");
    add(
        "tombstone",
        "-- Sink: skip a message whose value is null (a tombstone); bind each change event:",
    );
    // The note's sink keys by after.id, NULL for a delete.
    let k = if p.after_id_key { "after_id" } else { "id" };
    add(
        "",
        if p.after_id_key {
            "-- :after_id = after.id (NULL for a delete), :lsn = source.lsn, the columns from"
        } else {
            "-- :id from the key, :lsn = source.lsn, the columns from after (before for op d)"
        },
    );
    if p.after_id_key {
        add("note", "-- after (before for op d)");
    }
    match p.guard {
        Guard::Lsn => {
            add(
                "",
                "-- One MERGE per event (PostgreSQL 15+), guarded by the source LSN",
            );
            add("merge", "MERGE INTO orders_replica AS t");
            add(
                "merge",
                &format!(
                    "USING (VALUES (CAST(:{k} AS bigint), CAST(:op AS text), CAST(:lsn AS bigint),"
                ),
            );
            add(
                "merge",
                "               CAST(:user_id AS integer), CAST(:amount_cents AS integer),",
            );
            add(
                "merge",
                "               CAST(:status AS text), CAST(:updated_at AS timestamp(3))))",
            );
            add(
                "merge",
                &format!("  AS e({k}, op, lsn, user_id, amount_cents, status, updated_at)"),
            );
            if p.after_id_key {
                add(
                    "merge",
                    "ON t.id = e.after_id             -- the note's join: NULL for a delete",
                );
            } else {
                add("merge", "ON t.id = e.id");
            }
            add("skip", "WHEN MATCHED AND e.lsn <= t.source_lsn THEN");
            add(
                "skip",
                "  DO NOTHING                       -- a duplicate, or older than the row",
            );
            add("delete", "WHEN MATCHED AND e.op = 'd' THEN");
            add(
                "delete",
                "  UPDATE SET deleted = true, source_lsn = e.lsn   -- kept as a deleted marker",
            );
            add("update", "WHEN MATCHED THEN");
            add("update", "  UPDATE SET user_id = e.user_id, amount_cents = e.amount_cents, status = e.status,");
            add(
                "update",
                "             updated_at = e.updated_at, deleted = false, source_lsn = e.lsn",
            );
            add("insert", "WHEN NOT MATCHED AND e.op <> 'd' THEN");
            add(
                "insert",
                "  INSERT (id, user_id, amount_cents, status, updated_at, deleted, source_lsn)",
            );
            add(
                "insert",
                &format!(
                    "  VALUES (e.{k}, e.user_id, e.amount_cents, e.status, e.updated_at, false, e.lsn);"
                ),
            );
            add(
                "",
                "-- readers see: SELECT … FROM orders_replica WHERE NOT deleted",
            );
        }
        Guard::Plain => {
            add(
                "",
                "-- A plain upsert and delete, whatever order events come in",
            );
            add(
                "update",
                "INSERT INTO orders_replica (id, user_id, amount_cents, status, updated_at)",
            );
            add(
                "update",
                &format!("VALUES (:{k}, :user_id, :amount_cents, :status, :updated_at)"),
            );
            add("update", "ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, amount_cents = EXCLUDED.amount_cents,");
            add(
                "update",
                "  status = EXCLUDED.status, updated_at = EXCLUDED.updated_at;   -- ops c, u, r",
            );
            let del = if p.after_id_key {
                "DELETE FROM orders_replica WHERE id = :after_id;   -- op d: NULL, deletes nothing"
            } else {
                "DELETE FROM orders_replica WHERE id = :id;         -- op d"
            };
            add("delete", del);
        }
    }
    add(
        "",
        &format!(
            "-- then commit the consumer offsets every {} ms",
            p.commit_ms
        ),
    );
    add("", "");
    add(
        "poll",
        &format!(
            "-- Query-based CDC, every {} ms; :last_poll = the largest updated_at copied so far",
            p.poll_ms
        ),
    );
    add(
        "poll",
        "SELECT id, user_id, amount_cents, status, updated_at",
    );
    add(
        "poll",
        "FROM orders WHERE updated_at > :last_poll ORDER BY updated_at;",
    );
    add(
        "poll",
        "-- each row upserted into orders_polled; a deleted row is never selected again,",
    );
    add(
        "poll",
        "-- nor a row whose transaction commits after a poll with updated_at <= :last_poll",
    );
    add(
        "poll",
        "-- (updated_at = now(), the transaction's start, so a slow one commits behind it)",
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
            if m.tombstone {
                active.push("tombstone");
                continue;
            }
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
            if a.outcome == Outcome::Tombstone {
                active.push("tombstone");
                continue;
            }
            let op = s.feed().record(a.message.record).map(|r| r.op);
            active.push("merge");
            active.push(match (a.outcome, op) {
                (Outcome::Skipped, _) => "skip",
                // No branch takes a delete that matched nothing.
                (Outcome::NoKey, _) => "merge",
                (Outcome::NothingToDelete, _) if p.guard == Guard::Lsn => "merge",
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
            .any(|l| l == "--   offset.flush.interval.ms=5000"));
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

    /// The connector's JSON object: the keys between the listing's `{` and `}` lines.
    fn connector_keys(lines: &[String]) -> Vec<String> {
        let open = lines.iter().position(|l| l == "{").unwrap_or(0);
        let close = lines.iter().position(|l| l == "}").unwrap_or(0);
        lines[open + 1..close]
            .iter()
            .flat_map(|l| l.split(',').map(str::trim).collect::<Vec<_>>())
            .filter_map(|kv| kv.strip_prefix('"')?.split('"').next().map(String::from))
            .collect()
    }

    #[test]
    fn worker_settings_stay_out_of_the_connectors_config() {
        // Issue 22: offset.flush.interval.ms is a Kafka Connect worker setting (Kafka 3.7,
        // WorkerConfig); inside a connector's config it is ignored.
        const WORKER_ONLY: [&str; 8] = [
            "offset.flush.interval.ms",
            "offset.flush.timeout.ms",
            "offset.storage.topic",
            "config.storage.topic",
            "status.storage.topic",
            "group.id",
            "bootstrap.servers",
            "plugin.path",
        ];
        for flush in [5_000, 60_000] {
            let p = CdcParams {
                flush_ms: flush,
                ..CdcParams::default()
            };
            let lines = code_view(&Cdc::new(&p, 1).unwrap()).lines;
            let keys = connector_keys(&lines);
            assert!(keys.iter().any(|k| k == "connector.class"), "{keys:?}");
            for k in &keys {
                assert!(
                    !WORKER_ONLY.contains(&k.as_str()),
                    "{k} is a worker setting"
                );
            }
            let close = lines.iter().position(|l| l == "}").unwrap_or(0);
            let worker = lines
                .iter()
                .position(|l| l.starts_with("-- Kafka Connect worker"))
                .unwrap_or(0);
            assert!(
                worker > close,
                "the worker's settings follow the connector's JSON"
            );
            assert!(lines[worker..]
                .iter()
                .any(|l| *l == format!("--   offset.flush.interval.ms={flush}")));
            assert!(lines.iter().any(|l| l.contains("confirmed_flush_lsn")));
        }
    }

    #[test]
    fn the_listing_shows_tombstones_and_the_sink_skips_them() {
        let lines = code_view(&Cdc::new(&CdcParams::default(), 1).unwrap()).lines;
        assert!(connector_keys(&lines)
            .iter()
            .any(|k| k == "tombstones.on.delete"));
        assert!(lines
            .iter()
            .any(|l| l.contains("tombstone, the same key with a null value")));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("-- Sink: skip a message whose value is null")));
        // A step whose connector produced a delete lights the tombstone lines.
        let mut s = Cdc::new(&CdcParams::default(), 5).unwrap();
        let mut lit_tombstone = false;
        for _ in 0..300 {
            s.step();
            let c = code_view(&s);
            let produced_tombstone = matches!(s.last(), Last::Step { produced, .. }
                if produced.iter().any(|(_, m)| m.tombstone));
            let lit = c.active.iter().any(|&i| c.lines[i].contains("tombstone"));
            assert!(!produced_tombstone || lit);
            lit_tombstone |= lit;
        }
        assert!(lit_tombstone);
    }

    #[test]
    fn the_polling_query_says_what_now_and_the_boundary_miss() {
        let lines = code_view(&Cdc::new(&CdcParams::default(), 1).unwrap()).lines;
        let poll = lines
            .iter()
            .position(|l| l.starts_with("-- Query-based CDC"))
            .unwrap_or(lines.len());
        let text = lines[poll..].join("\n");
        assert!(
            text.contains(":last_poll = the largest updated_at copied so far"),
            "{text}"
        );
        assert!(
            text.contains("updated_at = now(), the transaction's start"),
            "{text}"
        );
        assert!(text.contains("updated_at <= :last_poll"), "{text}");
    }
}
