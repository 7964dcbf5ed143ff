//! The code panel: the command side (psycopg2), the relay and the projector (kafka-python)
//! and the read after a write, for the current settings, written for pipelab, with the
//! lines the last step used highlighted.
//!
//! The listing is a Python module that runs as shown once the domain code it names is
//! defined: the conformance layer (`conformance/tests/test_cqrs.py`) runs every variant
//! against a consumer and producer shaped like kafka-python's and a real PostgreSQL.
//! `KafkaConsumer.poll()` returns `{TopicPartition: [ConsumerRecord, ...]}`, and offsets
//! count per partition, so the read model keeps one position per partition.

use crate::sim::code::CodeView;

use super::params::ReadMode;
use super::scenario::{Cqrs, Published, ReadResult};

pub fn code_view(s: &Cqrs) -> CodeView {
    let p = s.params();
    let read_topic = if p.split_topics {
        "order_queries"
    } else {
        "order_events"
    };
    let write_topic = if p.split_topics {
        "order_commands"
    } else {
        "order_events"
    };
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| lines.push((tag, text.to_string()));
    add(
        "",
        "# psycopg2 + kafka-python. Not shown: write_db and read_db (psycopg2 connections),",
    );
    add(
        "",
        "# load_order (SELECT ... FOR UPDATE), save_order, Order.decide/apply, wait_for(db,",
    );
    add(
        "",
        "# sql, args, timeout_s) and apply_to_orders_by_user (skips a version the row has).",
    );
    add("", "import json");
    add("", "from kafka import KafkaConsumer, KafkaProducer");
    add("", "from psycopg2.extras import Json");
    add("", "");
    if p.outbox {
        add("schema", "SCHEMA = \"\"\"");
        add(
            "schema",
            "CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, order_id BIGINT NOT NULL,",
        );
        add(
            "schema",
            "                     version INT NOT NULL, event JSONB NOT NULL,",
        );
        add(
            "schema",
            "                     kafka_partition INT, kafka_offset BIGINT);  -- set once sent",
        );
    } else {
        add("schema", "SCHEMA = \"\"\"");
    }
    add(
        "schema",
        "CREATE TABLE positions (model TEXT, partition INT, next_offset BIGINT NOT NULL,",
    );
    add(
        "schema",
        "                        PRIMARY KEY (model, partition));   -- read side: one per partition",
    );
    add("schema", "\"\"\"");
    add(
        "",
        "producer = KafkaProducer(acks=\"all\", key_serializer=lambda k: str(k).encode(),",
    );
    add(
        "",
        "                         value_serializer=lambda v: json.dumps(v).encode())",
    );
    add("", "");
    if p.outbox {
        add(
            "write",
            "# Command side: the new state and its event commit together (transactional outbox)",
        );
        add("write", "def handle(cmd):");
        add(
            "write",
            "    with write_db, write_db.cursor() as cur:   # one transaction",
        );
        add("write", "        order = load_order(cur, cmd.order_id)");
        add(
            "reject",
            "        event = order.decide(cmd)     # raises Rejected: nothing is written",
        );
        add("write", "        order = order.apply(event)");
        add("write", "        save_order(cur, order)");
        add(
            "write",
            "        cur.execute(\"INSERT INTO outbox (order_id, version, event)\"",
        );
        add(
            "write",
            "                    \" VALUES (%s, %s, %s) RETURNING id\",",
        );
        add(
            "write",
            "                    (cmd.order_id, order.version, Json(event)))",
        );
        add("write", "        outbox_id = cur.fetchone()[0]");
        add(
            "crash",
            "    return order.version, outbox_id   # committed: a crash now loses nothing",
        );
        add("", "");
        add(
            "relay",
            "def relay():   # one relay: sends committed rows oldest first, at least once",
        );
        add("relay", "    with write_db, write_db.cursor() as cur:");
        add(
            "relay",
            "        cur.execute(\"SELECT id, order_id, version, event FROM outbox\"",
        );
        add(
            "relay",
            "                    \" WHERE kafka_offset IS NULL ORDER BY id FOR UPDATE\")",
        );
        add(
            "relay",
            "        for row_id, order_id, version, event in cur.fetchall():",
        );
        let send = format!("            sent = producer.send(\"{write_topic}\", key=order_id,");
        add("relay", &send);
        add(
            "relay",
            "                                 value=dict(event, order_id=order_id, version=version))",
        );
        add("relay", "            sent = sent.get(timeout=30)");
        add(
            "relay",
            "            cur.execute(\"UPDATE outbox SET kafka_partition = %s, kafka_offset = %s\"",
        );
        add(
            "relay",
            "                        \" WHERE id = %s\", (sent.partition, sent.offset, row_id))",
        );
        add(
            "relay",
            "    # dying before this commit sends those rows again: the read side skips them",
        );
    } else {
        add(
            "write",
            "# Command side: save, then send (two writes, no transaction spans both)",
        );
        add("write", "def handle(cmd):");
        add("write", "    with write_db, write_db.cursor() as cur:");
        add("write", "        order = load_order(cur, cmd.order_id)");
        add(
            "reject",
            "        event = order.decide(cmd)     # raises Rejected: nothing is written",
        );
        add("write", "        order = order.apply(event)");
        add("write", "        save_order(cur, order)");
        add(
            "crash",
            "    # a crash here loses the event: the database has it, Kafka never will",
        );
        let send = format!("    sent = producer.send(\"{write_topic}\", key=cmd.order_id,");
        add("write", &send);
        add(
            "write",
            "                         value=dict(event, order_id=cmd.order_id, version=order.version))",
        );
        add("write", "    sent = sent.get(timeout=30)");
        add(
            "write",
            "    return order.version, (sent.partition, sent.offset)   # (partition, offset): the token",
        );
    }
    add("", "");
    add(
        "project",
        "# Read side: one consumer group per read model. poll() returns {TopicPartition:",
    );
    add(
        "project",
        "# [records]}; offsets count per partition, so the model keeps one position per",
    );
    add(
        "project",
        "# partition, committed with its rows. A rebuild empties both and replays from offset",
    );
    add(
        "project",
        "# 0: only right if the topic keeps every event (retention.ms=-1, no compaction).",
    );
    add("project", "def project_orders_by_user():");
    let consumer =
        format!("    consumer = KafkaConsumer(\"{read_topic}\", group_id=\"orders_by_user\",");
    add("project", &consumer);
    add(
        "project",
        "                             enable_auto_commit=False, auto_offset_reset=\"earliest\",",
    );
    add(
        "project",
        "                             value_deserializer=json.loads)",
    );
    add("project", "    while True:");
    let poll = format!(
        "        batches = consumer.poll(timeout_ms={}, max_records={})",
        p.poll_steps * 120_000,
        p.batch
    );
    add("project", &poll);
    add("project", "        for tp, records in batches.items():");
    add("project", "            for msg in records:");
    add(
        "project",
        "                with read_db, read_db.cursor() as cur:",
    );
    if p.idempotent {
        add(
            "dedupe",
            "                    cur.execute(\"SELECT next_offset FROM positions\"",
        );
        add(
            "dedupe",
            "                                \" WHERE model = 'orders_by_user' AND partition = %s\",",
        );
        add("dedupe", "                                (tp.partition,))");
        add("dedupe", "                    row = cur.fetchone()");
        add(
            "dedupe",
            "                    if row and msg.offset < row[0]:",
        );
        add(
            "dedupe",
            "                        continue        # redelivered: already in the model",
        );
        add(
            "project",
            "                    apply_to_orders_by_user(cur, msg.value)   # skips a version it has",
        );
    } else {
        add(
            "project",
            "                    apply_to_orders_by_user(cur, msg.value, skip_seen=False)  # twice if redelivered",
        );
    }
    add(
        "project",
        "                    cur.execute(\"INSERT INTO positions VALUES ('orders_by_user', %s, %s)\"",
    );
    add(
        "project",
        "                                \" ON CONFLICT (model, partition) DO UPDATE SET next_offset =\"",
    );
    add(
        "project",
        "                                \" GREATEST(positions.next_offset, EXCLUDED.next_offset)\",",
    );
    add(
        "project",
        "                                (tp.partition, msg.offset + 1))",
    );
    add("project", "        consumer.commit()");
    add("", "");
    add("read", "def read_order(order_id):");
    add("read", "    with read_db, read_db.cursor() as cur:");
    add(
        "read",
        "        cur.execute(\"SELECT status, total_cents, version FROM orders_by_user\"",
    );
    add(
        "read",
        "                    \" WHERE order_id = %s\", (order_id,))",
    );
    add("read", "        return cur.fetchone()");
    add("", "");
    match p.reads {
        ReadMode::Immediate => {
            add(
                "read",
                "# Read after write: straight from the read model (may be stale)",
            );
            add("read", "def my_order(order_id):");
            add("read", "    return read_order(order_id)");
        }
        ReadMode::WaitVersion => {
            add(
                "read",
                "# Read after write: wait until the model has the version we wrote",
            );
            add("read", "def my_order(order_id, version):");
            add(
                "read",
                "    return wait_for(read_db, \"SELECT status, total_cents, version FROM orders_by_user\"",
            );
            add(
                "read",
                "                    \" WHERE order_id = %s AND version >= %s\", (order_id, version),",
            );
            add("read", "                    timeout_s=7200)");
        }
        ReadMode::Token => {
            add(
                "read",
                "# Read after write: wait until the model's position in our event's partition",
            );
            add("read", "# has passed our event's offset");
            if p.outbox {
                add("read", "def my_order(order_id, outbox_id):");
                add(
                    "read",
                    "    token = wait_for(write_db, \"SELECT kafka_partition, kafka_offset FROM outbox\"",
                );
                add(
                    "read",
                    "                     \" WHERE id = %s AND kafka_offset IS NOT NULL\", (outbox_id,),",
                );
                add(
                    "read",
                    "                     timeout_s=7200)   # (partition, offset), once the relay sent it",
                );
            } else {
                add(
                    "read",
                    "def my_order(order_id, token):   # token: (partition, offset) of our event",
                );
            }
            add(
                "read",
                "    wait_for(read_db, \"SELECT 1 FROM positions WHERE model = 'orders_by_user'\"",
            );
            add(
                "read",
                "             \" AND partition = %s AND next_offset > %s\", token, timeout_s=7200)",
            );
            add("read", "    return read_order(order_id)");
        }
    }
    let last = s.last();
    let mut tags: Vec<&str> = Vec::new();
    if last.fault.is_some() {
        tags.push("project");
    }
    if last.relayed.is_some() {
        tags.push("relay");
    }
    for h in &last.handled {
        match h.result {
            Err(_) => tags.push("reject"),
            Ok(r) => {
                tags.push("write");
                if h.crashed {
                    tags.push("crash");
                } else if p.outbox && matches!(r, Published::Logged(_)) {
                    tags.push("relay");
                }
            }
        }
    }
    if last.projected.iter().any(|n| *n > 0) {
        tags.push("project");
    }
    if last.skipped.iter().any(|n| *n > 0) {
        tags.push("dedupe");
    }
    if last
        .answers
        .iter()
        .any(|a| !matches!(a.result, ReadResult::TimedOut))
    {
        tags.push("read");
    }
    CodeView::tagged(
        "python",
        "Command side, outbox relay, Kafka projector and read-after-write",
        lines,
        &tags,
        p.split_topics.then_some(
            "The note's command side sends to the topic order_commands while its read side consumes order_queries. Nothing ever reaches the projector: the read models never change and every read after a write is stale. Both sides must use the same topic (here order_events).",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::cqrs::CqrsParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn text(p: &CqrsParams) -> String {
        code_view(&Cqrs::new(p, 1).unwrap()).lines.join("\n")
    }

    fn every_setting() -> Vec<CqrsParams> {
        let mut out = Vec::new();
        for reads in [ReadMode::Immediate, ReadMode::WaitVersion, ReadMode::Token] {
            for idempotent in [false, true] {
                for outbox in [false, true] {
                    for split_topics in [false, true] {
                        out.push(CqrsParams {
                            reads,
                            idempotent,
                            outbox,
                            split_topics,
                            ..CqrsParams::default()
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_listing_follows_the_settings_and_highlights_the_step() {
        let p = CqrsParams {
            split_topics: true,
            ..CqrsParams::default()
        };
        let mut s = Cqrs::new(&p, 1).unwrap();
        let c = code_view(&s);
        assert!(c.note.is_some());
        assert!(c.lines.iter().any(|l| l.contains("\"order_queries\"")));
        assert!(c.lines.iter().any(|l| l.contains("\"order_commands\"")));
        s.step();
        let c = code_view(&s);
        let active: Vec<&str> = c.active.iter().map(|i| c.lines[*i].as_str()).collect();
        assert!(active
            .iter()
            .any(|l| l.contains("INSERT INTO outbox") || l.contains("decide(cmd)")));
        let fixed = Cqrs::new(&CqrsParams::default(), 1).unwrap();
        let c = code_view(&fixed);
        assert!(c.note.is_none());
        assert!(c.lines.iter().all(|l| !l.contains("order_queries")));
        assert!(c.lines.iter().any(|l| l.contains("next_offset")));
    }

    /// Issue 22: the write path saved to the database and then sent to Kafka, a dual
    /// write that loses the event if the process dies between the two. The default
    /// listing commits the state and an outbox row in one transaction and a relay sends
    /// the row; the direct mode (kept to show the failure) says where the event is lost.
    /// The old listing had the send right after `write_db.save` with no outbox.
    #[test]
    fn the_default_write_path_is_a_transactional_outbox() {
        let t = text(&CqrsParams::default());
        let handle = &t[t.find("def handle(cmd):").unwrap()..t.find("def relay():").unwrap()];
        assert!(handle.contains("INSERT INTO outbox"), "{handle}");
        assert!(
            !handle.contains("producer.send"),
            "the handler sends nothing: {handle}"
        );
        assert!(t.contains("WHERE kafka_offset IS NULL ORDER BY id FOR UPDATE"));
        assert!(t.contains("UPDATE outbox SET kafka_partition = %s, kafka_offset = %s"));
        let direct = text(&CqrsParams {
            outbox: false,
            ..CqrsParams::default()
        });
        let send = direct.find("producer.send").unwrap();
        let warning = direct
            .find("# a crash here loses the event")
            .expect("the dual write says what a crash does");
        assert!(warning < send && direct.find("save_order(cur, order)").unwrap() < warning);
        assert!(!direct.contains("outbox"));
    }

    /// Issue 22: `consumer.poll()` returns a dict of partition → records and the listing
    /// iterated it as a list; one `last_applied` offset was compared across a keyed,
    /// multi-partition topic. Every listing now iterates `batches.items()`, keeps one
    /// position per (model, partition) and its token is (partition, offset). The old
    /// listing fails each assertion.
    #[test]
    fn the_projector_keeps_one_position_per_partition() {
        for p in every_setting() {
            let t = text(&p);
            assert!(t.contains("for tp, records in batches.items():"), "{t}");
            assert!(!t.contains("for msg in batch:"));
            assert!(!t.contains("last_applied"));
            assert!(t.contains("PRIMARY KEY (model, partition)"));
            assert!(t.contains("(tp.partition, msg.offset + 1)"));
            if p.idempotent {
                assert!(t.contains("if row and msg.offset < row[0]:"));
            }
            if p.reads == ReadMode::Token {
                assert!(t.contains("AND partition = %s AND next_offset > %s\", token"));
            }
            if !p.outbox {
                assert!(t.contains("(sent.partition, sent.offset)"));
            }
        }
    }

    /// Issue 22: a rebuild replays from offset 0, which assumes the topic keeps every
    /// event: the listing says so (and the fault's narration shows what retention or
    /// compaction would leave).
    #[test]
    fn the_listing_says_a_replay_from_zero_needs_unlimited_retention() {
        for p in every_setting() {
            let t = text(&p);
            assert!(t.contains("retention.ms=-1, no compaction"), "{t}");
        }
    }

    #[test]
    fn a_crash_between_the_two_writes_highlights_where_it_struck() {
        for outbox in [false, true] {
            let p = CqrsParams {
                outbox,
                ..CqrsParams::default()
            };
            let mut s = Cqrs::new(&p, 3).unwrap();
            s.step();
            s.apply(&crate::sim::Fault::new("crash-before-send"))
                .unwrap();
            let mut hit = false;
            for _ in 0..300 {
                s.step();
                if s.last().handled.iter().any(|h| h.crashed) {
                    hit = true;
                    break;
                }
            }
            assert!(hit);
            let c = code_view(&s);
            let active: Vec<&str> = c.active.iter().map(|i| c.lines[*i].as_str()).collect();
            let want = if outbox {
                "committed: a crash now loses nothing"
            } else {
                "a crash here loses the event"
            };
            assert!(active.iter().any(|l| l.contains(want)), "{active:?}");
            if outbox {
                s.step();
                let c = code_view(&s);
                assert!(c
                    .active
                    .iter()
                    .any(|i| c.lines[*i].contains("def relay():")));
            }
        }
    }
}
