//! The code panel: a PostgreSQL event store and a Python command handler for the current
//! settings, written for pipelab, with the lines the last step used highlighted.

use crate::sim::code::CodeView;

use super::scenario::{EventSourcing, Outcome, SnapshotOutcome};

pub fn code_view(s: &EventSourcing) -> CodeView {
    let p = s.params();
    let n = p.snapshot_every;
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| lines.push((tag, text.to_string()));
    add(
        "schema",
        "-- PostgreSQL: one append-only table, one stream per order",
    );
    add("schema", "CREATE TABLE events (");
    add("schema", "  position    BIGSERIAL PRIMARY KEY,");
    add("schema", "  order_id    BIGINT   NOT NULL,");
    add("schema", "  version     INT      NOT NULL,");
    add("schema", "  type        TEXT     NOT NULL,");
    add(
        "schema",
        "  schema      SMALLINT NOT NULL,   -- 1: the old service, 2: current",
    );
    add("schema", "  payload     JSONB    NOT NULL,");
    add(
        "schema",
        "  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),",
    );
    add(
        "append",
        "  UNIQUE (order_id, version)        -- two appends of one version: one fails",
    );
    add("schema", ");");
    add(
        "schema",
        "CREATE TABLE snapshots (order_id BIGINT, version INT, state JSONB,",
    );
    add(
        "schema",
        "                        PRIMARY KEY (order_id, version));",
    );
    add("", "");
    add("load", "def load(order_id):");
    if p.full_scan {
        add(
            "load",
            "    # the note: every event of every order, kept if it is this order's",
        );
        add("load", "    state = Order.empty()");
        add(
            "load",
            "    for e in db.all(\"SELECT * FROM events ORDER BY position\"):",
        );
        add("load", "        if e.order_id == order_id:");
        add("load", "            state = state.apply(upcast(e))");
        add("load", "    return state");
    } else {
        if n > 0 {
            add(
                "snapshot-read",
                "    snap = db.one(\"SELECT version, state FROM snapshots WHERE order_id = %s\"",
            );
            add(
                "snapshot-read",
                "                  \" ORDER BY version DESC LIMIT 1\", order_id)",
            );
            add(
                "snapshot-read",
                "    state = Order.from_json(snap.state) if snap else Order.empty()",
            );
        } else {
            add(
                "load",
                "    state = Order.empty()   # snapshots are off: replay the whole stream",
            );
        }
        add(
            "load",
            "    for e in db.all(\"SELECT schema, type, payload FROM events\"",
        );
        add(
            "load",
            "                    \" WHERE order_id = %s AND version > %s ORDER BY version\",",
        );
        add("load", "                    order_id, state.version):");
        add("load", "        state = state.apply(upcast(e))");
        add("load", "    return state");
    }
    add("", "");
    add(
        "upcast",
        "def upcast(e):   # v1 → v2 on read; the stored row never changes",
    );
    add("upcast", "    p = dict(e.payload)");
    add("upcast", "    if e.schema == 1:");
    add(
        "upcast",
        "        if \"customer\" in p: p[\"user_id\"] = int(p.pop(\"customer\"))",
    );
    add("upcast", "        if \"amount\" in p:");
    add(
        "upcast",
        "            p[\"amount_cents\"] = to_cents(p.pop(\"amount\"))   # \"12.30\" → 1230",
    );
    add("upcast", "        p[\"currency\"] = \"USD\"");
    add("upcast", "    return Event(e.type, p)");
    add("", "");
    add("handle", "def handle(cmd):");
    add("handle", "    state = load(cmd.order_id)");
    add(
        "reject",
        "    event = state.decide(cmd)   # raises Rejected(\"the order is cancelled, not open\")",
    );
    add("append", "    try:");
    add(
        "append",
        "        db.execute(\"INSERT INTO events (order_id, version, type, schema, payload)\"",
    );
    add(
        "append",
        "                   \" VALUES (%s, %s, %s, 2, %s)\",",
    );
    add(
        "append",
        "                   cmd.order_id, state.version + 1, event.type, event.payload)",
    );
    add(
        "conflict",
        "    except UniqueViolation:   # someone appended this version first",
    );
    add(
        "conflict",
        "        raise VersionConflict(expected=state.version)   # caller reloads, retries",
    );
    if n > 0 {
        let text = format!(
            "    if state.version + 1 - state.snapshot_version >= {n}:   # a crash here loses nothing"
        );
        add("snapshot", &text);
        add(
            "snapshot",
            "        db.execute(\"INSERT INTO snapshots VALUES (%s, %s, %s)\",",
        );
        add(
            "snapshot",
            "                   cmd.order_id, state.version + 1, state.apply(event).to_json())",
        );
    }

    let mut tags: Vec<&str> = Vec::new();
    let last = s.last();
    if last.handled.is_empty() && last.fault.is_none() {
        tags.push("schema");
    }
    for h in &last.handled {
        tags.extend(["handle", "load"]);
        if h.from_snapshot.is_some() {
            tags.push("snapshot-read");
        }
        if h.upcasts > 0 {
            tags.push("upcast");
        }
        match h.outcome {
            Outcome::Rejected(_) => tags.push("reject"),
            Outcome::Conflict(_) => tags.extend(["append", "conflict"]),
            Outcome::Appended { .. } => tags.push("append"),
        }
        if !matches!(h.snapshot, SnapshotOutcome::None) {
            tags.push("snapshot");
        }
    }
    CodeView::tagged(
        "python",
        "PostgreSQL event store and a Python command handler",
        lines,
        &tags,
        p.full_scan.then_some(
            "The note's get_state loops over every event in the store and keeps those of the order it wants. The state comes out right, but every command reads the whole log — all orders, all time — so the cost of one write grows without bound; an index on (order_id, version) and snapshots keep it to the order's own recent events.",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::event_sourcing::EsParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_refused_command_highlights_decide_and_not_the_insert() {
        let p = EsParams {
            invalid_share: 0.9,
            ..EsParams::default()
        };
        let mut s = EventSourcing::new(&p, 1).unwrap();
        let mut seen = false;
        for _ in 0..200 {
            s.step();
            if let Some(h) = s.last().handled.last() {
                if matches!(h.outcome, Outcome::Rejected(_)) {
                    let c = code_view(&s);
                    let active: Vec<&str> = c.active.iter().map(|i| c.lines[*i].as_str()).collect();
                    assert!(active.iter().any(|l| l.contains("decide(cmd)")));
                    assert!(!active.iter().any(|l| l.contains("INSERT INTO events")));
                    seen = true;
                    break;
                }
            }
        }
        assert!(seen);
        let scan = EsParams {
            full_scan: true,
            ..EsParams::default()
        };
        let c = code_view(&EventSourcing::new(&scan, 1).unwrap());
        assert!(c.note.is_some());
        assert!(c.lines.iter().any(|l| l.contains("ORDER BY position")));
    }
}
