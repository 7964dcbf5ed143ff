//! The code panel: the writer in Python (psycopg2) for the current settings, with the lines
//! the last step used highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::params::{Mode, OnError};
use super::scenario::{BatchWrites, Last};
use super::writer;

const NOTE: &str = "The note calls cursor.executemany “a single round trip”. psycopg2 runs it as a loop of single-row INSERTs: one round trip per row. psycopg2.extras.execute_values (or COPY) sends the batch at once.";

pub fn code_view(s: &BatchWrites) -> CodeView {
    let p = s.params();
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    let (insert, one_row) = if p.idempotent {
        (
            "INSERT INTO orders (row_key, order_id, amount) VALUES %s ON CONFLICT (row_key) DO NOTHING",
            "(%s, %s, %s)",
        )
    } else {
        (
            "INSERT INTO orders (order_id, amount) VALUES %s",
            "(%s, %s)",
        )
    };
    let staged = writer::staged(p);
    add(
        "setup",
        "def connect():                           # at the start, and after a dropped connection"
            .into(),
    );
    add("setup", "    global conn, cur".into());
    add("setup", "    conn = psycopg2.connect(DSN)".into());
    add("setup", "    cur = conn.cursor()".into());
    if staged {
        add(
            "setup",
            "    cur.execute(\"CREATE TEMP TABLE orders_in (LIKE orders) ON COMMIT DELETE ROWS\")"
                .into(),
        );
        add(
            "setup",
            "    conn.commit()                        # a staging table for this session".into(),
        );
    }
    add(
        "setup",
        "connect()                                # one connection, reused".into(),
    );
    add("", String::new());
    add("collect", "def write(rows):".into());
    match p.mode {
        Mode::Row => {
            add("send", "    for row in rows:".into());
            add(
                "send",
                format!(
                    "        cur.execute(\"{}\", row)",
                    insert.replace("%s", one_row)
                ),
            );
            add(
                "send",
                "        conn.commit()                   # a statement and a commit per row".into(),
            );
        }
        Mode::Batch if p.per_row_driver => {
            add(
                "send",
                format!(
                    "    cur.executemany(\"{}\", rows)",
                    insert.replace("%s", one_row)
                ),
            );
            add(
                "send",
                "    # psycopg2 loops here: one INSERT, one round trip per row".into(),
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
                "    conn.commit()                       # one INSERT, one commit".into(),
            );
        }
        Mode::Bulk => {
            add(
                "send",
                "    buf = io.StringIO(\"\".join(to_tsv(r) for r in rows))".into(),
            );
            if staged {
                add(
                    "send",
                    "    cur.copy_expert(\"COPY orders_in (row_key, order_id, amount) FROM STDIN\", buf)   # COPY has no ON CONFLICT".into(),
                );
                add(
                    "send",
                    "    cur.execute(\"INSERT INTO orders SELECT * FROM orders_in ON CONFLICT (row_key) DO NOTHING\")".into(),
                );
                add(
                    "send",
                    "    conn.commit()                       # all or nothing; orders_in empties"
                        .into(),
                );
            } else {
                add(
                    "send",
                    "    cur.copy_expert(\"COPY orders (order_id, amount) FROM STDIN\", buf)   # all or nothing".into(),
                );
                add("send", "    conn.commit()".into());
            }
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
            "        connect(); write(rows)              # safe: row_key makes it idempotent".into()
        } else {
            "        connect(); write(rows)              # may store every row twice".into()
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
    if p.batch_rows() > 1 {
        add("send", "if batch:".into());
        add(
            "send",
            "    send(batch)                          # the last, partial batch".into(),
        );
    }

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

    /// `(columns, placeholders)` of each `INSERT INTO t (cols) VALUES (%s, …)` in `text`.
    fn insert_arity(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for line in text.lines() {
            let Some(at) = line.find("INSERT INTO orders (") else {
                continue;
            };
            let rest = &line[at + "INSERT INTO orders (".len()..];
            let cols = rest.split(')').next().unwrap_or("");
            let Some(values) = rest.split("VALUES ").nth(1) else {
                continue;
            };
            if values.starts_with('(') {
                let tuple = values.split(')').next().unwrap_or("");
                out.push((cols.split(',').count(), tuple.matches("%s").count()));
            }
        }
        out
    }

    #[test]
    fn every_listing_runs_as_pasted() {
        let all = (crate::registry::page("batch-writes").map(|p| p.listings))
            .map_or_else(Vec::new, |f| f());
        assert!(all.len() >= 12, "{}", all.len());
        let mut checked_arity = 0;
        for l in &all {
            let text = &l.text;
            // Placeholders match the columns (issue 22: three for two).
            for (cols, holes) in insert_arity(text) {
                assert_eq!(cols, holes, "{}\n{text}", l.link);
                checked_arity += 1;
            }
            // The cursor is created before the first line that uses it.
            let made = text.find("cur = conn.cursor()");
            let used = text
                .find("cur.")
                .into_iter()
                .chain(text.find("(cur,"))
                .min();
            assert!(
                made.is_some() && made < used,
                "{}: cur used, never made\n{text}",
                l.link
            );
            // The last, partial batch is sent too.
            if !text.contains("if len(batch) == 1:") {
                assert!(
                    text.contains("\nif batch:\n    send(batch)"),
                    "{}\n{text}",
                    l.link
                );
            }
            // COPY has no ON CONFLICT: with a key, the copy goes to a staging table.
            if text.contains("copy_expert") && text.contains("row_key") {
                assert!(
                    text.contains("COPY orders_in (row_key, order_id, amount) FROM STDIN")
                        && text.contains("INSERT INTO orders SELECT * FROM orders_in ON CONFLICT (row_key) DO NOTHING")
                        && text.contains("CREATE TEMP TABLE orders_in (LIKE orders)"),
                    "{}\n{text}",
                    l.link
                );
            }
        }
        assert!(
            checked_arity >= 8,
            "row and executemany listings, with and without keys"
        );
    }

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
