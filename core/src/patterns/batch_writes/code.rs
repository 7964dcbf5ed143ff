//! The code panel: the writer in Python (psycopg2) for the current settings, with the lines
//! the last step used highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::params::{Mode, OnError};
use super::scenario::{BatchWrites, Last};

const NOTE: &str = "The note calls cursor.executemany “a single round trip”. psycopg2 runs it as a loop of single-row INSERTs: one round trip per row. psycopg2.extras.execute_values (or COPY) sends the batch at once.";

pub fn code_view(s: &BatchWrites) -> CodeView {
    let p = s.params();
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    let insert = if p.idempotent {
        "INSERT INTO orders (row_key, order_id, amount) VALUES %s ON CONFLICT (row_key) DO NOTHING"
    } else {
        "INSERT INTO orders (order_id, amount) VALUES %s"
    };
    add(
        "setup",
        "conn = psycopg2.connect(DSN)            # one connection, reused".into(),
    );
    add("collect", "def write(rows):".into());
    match p.mode {
        Mode::Row => {
            add("send", "    for row in rows:".into());
            add(
                "send",
                format!(
                    "        cur.execute(\"{}\", row)",
                    insert.replace("%s", "(%s, %s, %s)")
                ),
            );
            add(
                "send",
                "        conn.commit()                   # a round trip and a commit per row"
                    .into(),
            );
        }
        Mode::Batch if p.per_row_driver => {
            add(
                "send",
                format!(
                    "    cur.executemany(\"{}\", rows)",
                    insert.replace("%s", "(%s, %s, %s)")
                ),
            );
            add(
                "send",
                "    # psycopg2 loops here: one round trip per row".into(),
            );
            add("send", "    conn.commit()".into());
        }
        Mode::Batch => {
            add(
                "send",
                format!(
                    "    execute_values(cur, \"{insert}\", rows, page_size={})",
                    p.batch
                ),
            );
            add(
                "send",
                "    conn.commit()                       # one round trip, one commit".into(),
            );
        }
        Mode::Bulk => {
            add(
                "send",
                "    buf = io.StringIO(\"\".join(to_tsv(r) for r in rows))".into(),
            );
            add(
                "send",
                "    cur.copy_expert(\"COPY orders FROM STDIN\", buf)   # all or nothing".into(),
            );
            add("send", "    conn.commit()".into());
        }
    }
    add("", String::new());
    add("error", "def send(rows):".into());
    add("error", "    try:".into());
    add("error", "        write(rows)".into());
    add("error", "    except psycopg2.IntegrityError:".into());
    add("error", "        conn.rollback()".into());
    match p.on_error {
        OnError::Bisect => {
            add("error", "        if len(rows) == 1:".into());
            add("error", "            dead_letter(rows[0]); return".into());
            add("error", "        mid = len(rows) // 2".into());
            add(
                "error",
                "        send(rows[:mid]); send(rows[mid:])   # isolate the bad row".into(),
            );
        }
        OnError::Retry => {
            add(
                "error",
                "        for attempt in range(2):            # the same rows fail again".into(),
            );
            add("error", "            try: write(rows); return".into());
            add(
                "error",
                "            except psycopg2.IntegrityError: conn.rollback()".into(),
            );
            add(
                "error",
                "        dead_letter_all(rows)               # good rows given up too".into(),
            );
        }
    }
    add(
        "resend",
        "    except psycopg2.OperationalError:      # connection dropped: did it commit?".into(),
    );
    add(
        "resend",
        if p.idempotent {
            "        reconnect(); write(rows)            # safe: row_key makes it idempotent".into()
        } else {
            "        reconnect(); write(rows)            # may store every row twice".into()
        },
    );
    add("", String::new());
    add(
        "collect",
        format!(
            "batch = []                               # rows per request: {}",
            p.batch_rows()
        ),
    );
    add("collect", "for row in upstream:".into());
    add("collect", "    batch.append(row)".into());
    add(
        "collect",
        format!("    if len(batch) == {}:", p.batch_rows()),
    );
    add("send", "        send(batch); batch = []".into());

    let active: &[&str] = match s.last() {
        Last::Arrived { sent: None, .. } | Last::Start => &["collect"],
        Last::Arrived { sent: Some(r), .. } if r.resent => &["send", "resend"],
        Last::Arrived { sent: Some(r), .. } if r.failed_statements > 0 => &["send", "error"],
        Last::Arrived { sent: Some(_), .. } => &["send"],
        Last::BadRowArmed => &["error"],
        Last::AckLossArmed => &["resend"],
    };
    CodeView::tagged(
        "python",
        "The writer (Python, psycopg2)",
        lines,
        active,
        p.per_row_driver.then_some(NOTE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::batch_writes::BatchParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_listing_follows_the_settings() {
        let mut p = BatchParams::default();
        let s = BatchWrites::new(&p, 1).unwrap();
        let text = code_view(&s).lines.join("\n");
        assert!(text.contains("execute_values") && text.contains("ON CONFLICT"));
        p.per_row_driver = true;
        p.idempotent = false;
        p.on_error = OnError::Retry;
        let mut s = BatchWrites::new(&p, 1).unwrap();
        for _ in 0..50 {
            s.step();
        }
        let c = code_view(&s);
        let text = c.lines.join("\n");
        assert!(
            text.contains("executemany")
                && !text.contains("ON CONFLICT")
                && text.contains("dead_letter_all")
        );
        assert!(c.note.is_some());
        assert!(c.active.iter().any(|&i| c.lines[i].contains("executemany")));
    }
}
