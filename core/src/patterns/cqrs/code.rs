//! The code panel: a Kafka command handler and projector in Python for the current
//! settings, written for pipelab, with the lines the last step used highlighted.

use crate::sim::code::CodeView;

use super::params::ReadMode;
use super::scenario::{Cqrs, ReadResult};

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
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    add(
        "write",
        "# Command side: validate against the write model, then publish the event".into(),
    );
    add("write", "def handle(cmd):".into());
    add("write", "    order = write_db.load(cmd.order_id)".into());
    add(
        "reject",
        "    event = order.decide(cmd)          # raises Rejected: nothing is published".into(),
    );
    add("write", "    write_db.save(order.apply(event))".into());
    add("write", format!("    pos = producer.send(\"{write_topic}\", key=cmd.order_id, value=event).get().offset"));
    add(
        "write",
        "    return pos                          # the client's position token".into(),
    );
    add("", String::new());
    add(
        "project",
        "# Read side: one consumer group per read model".into(),
    );
    add(
        "project",
        format!("consumer = KafkaConsumer(\"{read_topic}\", group_id=\"orders_by_user\","),
    );
    add(
        "project",
        "                         enable_auto_commit=False)".into(),
    );
    add("project", "while True:".into());
    add(
        "project",
        format!(
            "    batch = consumer.poll(timeout_ms={}, max_records={})",
            p.poll_steps * 120_000,
            p.batch
        ),
    );
    add("project", "    for msg in batch:".into());
    if p.idempotent {
        add("dedupe", "        with read_db.transaction() as tx:".into());
        add(
            "dedupe",
            "            if msg.offset <= tx.last_applied(\"orders_by_user\"):".into(),
        );
        add(
            "dedupe",
            "                continue                # redelivered: already in the model".into(),
        );
        add(
            "project",
            "            apply_to_orders_by_user(tx, msg.value)".into(),
        );
        add(
            "dedupe",
            "            tx.set_last_applied(\"orders_by_user\", msg.offset)".into(),
        );
    } else {
        add(
            "project",
            "        apply_to_orders_by_user(read_db, msg.value)   # no position kept".into(),
        );
    }
    add("project", "    consumer.commit()".into());
    add("", String::new());
    match p.reads {
        ReadMode::Immediate => {
            add(
                "read",
                "# Read after write: straight from the read model (may be stale)".into(),
            );
            add("read", "def my_order(order_id, token=None):".into());
            add("read", "    return read_db.orders.get(order_id)".into());
        }
        ReadMode::WaitVersion => {
            add(
                "read",
                "# Read after write: wait until the model has the version we wrote".into(),
            );
            add("read", "def my_order(order_id, version):".into());
            add("read", "    return read_db.wait_until(lambda db: db.orders.get(order_id).version >= version,".into());
            add(
                "read",
                "                              timeout_s=7200)".into(),
            );
        }
        ReadMode::Token => {
            add(
                "read",
                "# Read after write: wait until the projector has passed our position token".into(),
            );
            add("read", "def my_order(order_id, token):".into());
            add(
                "read",
                "    read_db.wait_until(lambda db: db.last_applied(\"orders_by_user\") >= token,"
                    .into(),
            );
            add("read", "                       timeout_s=7200)".into());
            add("read", "    return read_db.orders.get(order_id)".into());
        }
    }
    let last = s.last();
    let mut tags: Vec<&str> = Vec::new();
    if last.fault.is_some() {
        tags.push("project");
    }
    for h in &last.handled {
        tags.push(if h.result.is_ok() { "write" } else { "reject" });
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
        "Kafka command handler, projector and read-after-write",
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
            .any(|l| l.contains("producer.send") || l.contains("decide(cmd)")));
        let fixed = Cqrs::new(&CqrsParams::default(), 1).unwrap();
        let c = code_view(&fixed);
        assert!(c.note.is_none());
        assert!(c.lines.iter().all(|l| !l.contains("order_queries")));
        assert!(c.lines.iter().any(|l| l.contains("last_applied")));
    }
}
