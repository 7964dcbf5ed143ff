//! The code panel: the table as PostgreSQL declarative partitioning for the current
//! settings and partitions, the step's INSERT (and its error), the last reorganisation,
//! and the active query with what EXPLAIN would show. Written for pipelab.

use crate::calendar::day_text;
use crate::sim::code::CodeView;

use super::layout::Bound;
use super::params::Scheme;
use super::query::{plan, Query};
use super::scenario::{Growth, Last, Partitioning};

const NOTE: &str = "The note creates orders_2024_q1 FOR VALUES FROM ('2024-01-01') TO ('2024-03-31'). A range bound's upper end is exclusive, so no partition accepts an order dated 2024-03-31 (or 06-30): its INSERT fails with “no partition of relation … found for row”. Write TO ('2024-04-01'), the next quarter's first day, and add a DEFAULT partition if rows outside every range must still be kept.";

pub fn code_view(s: &Partitioning, q: &Query) -> CodeView {
    let p = s.params();
    let layout = s.layout();
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut add = |tag: String, text: String| lines.push((tag, text));
    add(String::new(), "CREATE TABLE orders (".into());
    add(
        String::new(),
        "    order_id   bigint        NOT NULL,".into(),
    );
    add(
        String::new(),
        "    user_id    bigint        NOT NULL,".into(),
    );
    add(
        String::new(),
        "    amount     numeric(10,2) NOT NULL,".into(),
    );
    add(
        String::new(),
        "    order_date date          NOT NULL,".into(),
    );
    // PostgreSQL requires every primary key or unique constraint of a partitioned table to
    // include the partition key (each partition checks uniqueness only within itself).
    let key = match p.scheme {
        Scheme::Hash => "user_id",
        Scheme::Range => "order_date",
    };
    add(
        String::new(),
        format!("    PRIMARY KEY (order_id, {key})   -- must include the partition key"),
    );
    add(
        String::new(),
        match p.scheme {
            Scheme::Hash => ") PARTITION BY HASH (user_id);".into(),
            Scheme::Range => ") PARTITION BY RANGE (order_date);".into(),
        },
    );
    add(
        String::new(),
        format!("-- (PRIMARY KEY (order_id) alone is refused: a unique constraint on a partitioned table must include all partitioning columns, here {key})"),
    );
    add(String::new(), String::new());
    // After a reorganisation the listing creates the partitions as they were before it and
    // then runs the reorganisation, so pasted top to bottom it builds the table the page
    // shows. Tags name the current partitions, so only those highlight.
    let created: &[super::layout::PartDef] = match s.last_move() {
        Some(m) => &m.before,
        None => layout.parts(),
    };
    for part in created {
        let current = layout.parts().iter().position(|d| d == part);
        let tag = current.map_or(String::from("before"), |c| format!("part-{c}"));
        add(
            tag.clone(),
            format!("CREATE TABLE {} PARTITION OF orders", part.name),
        );
        let comment = match part.bound {
            Bound::Range { .. } if p.closed_bounds => {
                "   -- the note's bound: excludes its own last day"
            }
            Bound::Range { .. } => "   -- upper bound excluded",
            _ => "",
        };
        add(tag, format!("    {};{comment}", part.bound.sql()));
    }
    if let Some(column) = p.index.column() {
        add(
            String::new(),
            format!("CREATE INDEX ON orders ({column});   -- one B-tree per partition"),
        );
    }
    add(String::new(), String::new());
    let (order, rejected) = match s.last() {
        Last::Stored { order, .. } => (Some(*order), false),
        Last::Rejected { order, .. } => (Some(*order), true),
        _ => (None, false),
    };
    let insert = match order {
        Some(o) => format!(
            "INSERT INTO orders VALUES ({}, {}, {}.{:02}, '{}');",
            o.order_id(),
            o.user,
            o.amount_cents / 100,
            o.amount_cents % 100,
            day_text(o.day)
        ),
        None => "INSERT INTO orders VALUES ($1, $2, $3, $4);   -- one order per step".into(),
    };
    add("insert".into(), insert);
    if let Some(o) = order.filter(|_| rejected) {
        add(
            "error".into(),
            "-- ERROR:  no partition of relation \"orders\" found for row".into(),
        );
        add(
            "error".into(),
            format!(
                "-- DETAIL: Partition key of the failing row contains (order_date) = ({}).",
                day_text(o.day)
            ),
        );
    }
    if let Some(m) = s.last_move() {
        add(String::new(), String::new());
        let name = |i: usize| {
            layout
                .parts()
                .get(i)
                .map_or("?".to_string(), |p| p.name.clone())
        };
        match &m.growth {
            Growth::Split { part, new } => {
                let old = m
                    .before
                    .get(*part)
                    .map_or("?".to_string(), |d| d.name.clone());
                let sql = |i: usize| {
                    layout
                        .parts()
                        .get(i)
                        .map_or(String::new(), |d| d.bound.sql())
                };
                for l in [
                    "-- adding a partition: split the biggest one in two".to_string(),
                    "BEGIN;".into(),
                    format!("ALTER TABLE orders DETACH PARTITION {old};"),
                    format!("ALTER TABLE {old} RENAME TO {old}_old;"),
                    format!(
                        "CREATE TABLE {} PARTITION OF orders {};",
                        name(*part),
                        sql(*part)
                    ),
                    format!(
                        "CREATE TABLE {} PARTITION OF orders {};",
                        name(*new),
                        sql(*new)
                    ),
                    format!(
                        "INSERT INTO orders SELECT * FROM {old}_old;   -- re-routes only its rows"
                    ),
                    format!("DROP TABLE {old}_old;"),
                    "COMMIT;".into(),
                ] {
                    add("grow".into(), l);
                }
            }
            Growth::Rebuild { to, .. } => {
                let mut block = vec![
                    format!("-- adding a partition: a new table of {to} partitions"),
                    "BEGIN;".to_string(),
                    "CREATE TABLE orders_new (LIKE orders INCLUDING ALL) PARTITION BY HASH (user_id);"
                        .into(),
                ];
                for d in layout.parts() {
                    block.push(format!(
                        "CREATE TABLE {}_new PARTITION OF orders_new {};",
                        d.name,
                        d.bound.sql()
                    ));
                }
                block.extend([
                    "INSERT INTO orders_new SELECT * FROM orders;   -- every row re-hashed".into(),
                    "DROP TABLE orders;   -- and its partitions".into(),
                    "ALTER TABLE orders_new RENAME TO orders;".into(),
                ]);
                for d in layout.parts() {
                    block.push(format!("ALTER TABLE {0}_new RENAME TO {0};", d.name));
                }
                block.push("COMMIT;".into());
                for l in block {
                    add("grow".into(), l);
                }
            }
            Growth::Range { new } => {
                let part = layout.parts().get(*new);
                let (pname, bound) = part.map_or(("?".to_string(), String::new()), |d| {
                    (d.name.clone(), d.bound.sql())
                });
                let mut block = vec!["-- adding the next range partition".to_string()];
                if layout.default_part().is_some() {
                    let (f, t) = match part.map(|d| d.bound) {
                        Some(Bound::Range { from, to }) => (day_text(from), day_text(to)),
                        _ => (String::new(), String::new()),
                    };
                    block.extend([
                        "BEGIN;   -- DEFAULT must not keep rows the new partition would take".to_string(),
                        "ALTER TABLE orders DETACH PARTITION orders_default;".into(),
                        format!("CREATE TABLE {pname} PARTITION OF orders {bound};"),
                        format!("INSERT INTO orders SELECT * FROM orders_default WHERE order_date >= '{f}' AND order_date < '{t}';"),
                        format!("DELETE FROM orders_default WHERE order_date >= '{f}' AND order_date < '{t}';"),
                        "ALTER TABLE orders ATTACH PARTITION orders_default DEFAULT;".into(),
                        "COMMIT;".into(),
                    ]);
                } else {
                    block.push(format!("CREATE TABLE {pname} PARTITION OF orders {bound};"));
                }
                for l in block {
                    add("grow".into(), l);
                }
            }
        }
    }
    add(String::new(), String::new());
    let pl = plan(layout, q);
    add("query".into(), format!("EXPLAIN {}", q.sql()));
    add(
        "query".into(),
        format!(
            "--  the plan reads {} of {} partitions (pruning skips the rest):",
            pl.touched.len(),
            layout.parts().len()
        ),
    );
    for &i in &pl.touched {
        if let Some(part) = layout.parts().get(i) {
            add("query".into(), format!("--    ->  {}", part.name));
        }
    }
    let mut active: Vec<String> = Vec::new();
    match s.last() {
        Last::Stored { part, .. } => {
            active.push("insert".into());
            active.push(format!("part-{part}"));
        }
        Last::Rejected { .. } => {
            active.push("insert".into());
            active.push("error".into());
        }
        Last::Grew(_) => active.push("grow".into()),
        _ => {}
    }
    let tags: Vec<&str> = active.iter().map(|t| t.as_str()).collect();
    let lines: Vec<(&str, String)> = lines.iter().map(|(t, l)| (t.as_str(), l.clone())).collect();
    CodeView::tagged(
        "sql",
        "PostgreSQL: declarative partitioning",
        lines,
        &tags,
        (p.scheme == Scheme::Range && p.closed_bounds).then_some(NOTE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::partitioning::PartParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Runs the listing's DDL in the mind of a server: every `CREATE TABLE x PARTITION OF`
    /// must name a table that does not exist at that point (dropped or renamed names are
    /// free again), and nothing may be elided.
    fn creates_each_table_once(lines: &[String]) -> Result<(), String> {
        let mut live: Vec<String> = Vec::new();
        for l in lines {
            let words: Vec<&str> = l.split_whitespace().collect();
            match words.as_slice() {
                ["CREATE", "TABLE", name, ..] => {
                    if live.iter().any(|t| t == name) {
                        return Err(format!("{name} created twice: {l}"));
                    }
                    live.push(name.to_string());
                }
                ["ALTER", "TABLE", old, "RENAME", "TO", new] => {
                    let new = new.trim_end_matches(';');
                    live.retain(|t| t != old);
                    live.push(new.to_string());
                }
                ["DROP", "TABLE", name, ..] => {
                    let name = name.trim_end_matches(';');
                    live.retain(|t| t != name && !t.starts_with(&format!("{name}_")));
                }
                _ if l.contains('…') => return Err(format!("elided: {l}")),
                _ => {}
            }
        }
        Ok(())
    }

    #[test]
    fn the_primary_key_includes_the_partition_key() {
        for (scheme, key) in [(Scheme::Hash, "user_id"), (Scheme::Range, "order_date")] {
            let p = PartParams {
                scheme,
                ..PartParams::default()
            };
            let c = code_view(&Partitioning::new(&p, 1).unwrap(), &Query::default());
            assert!(
                c.lines.iter().any(|l| l
                    .trim_start()
                    .starts_with(&format!("PRIMARY KEY (order_id, {key})"))),
                "{}",
                c.lines.join("\n")
            );
        }
    }

    #[test]
    fn after_adding_a_partition_the_listing_runs_top_to_bottom() {
        for (scheme, grow) in [
            (Scheme::Hash, super::super::params::Grow::Split),
            (Scheme::Hash, super::super::params::Grow::Rebuild),
            (Scheme::Range, super::super::params::Grow::Split),
        ] {
            for default in [false, true] {
                let p = PartParams {
                    scheme,
                    grow,
                    default_partition: default,
                    ..PartParams::default()
                };
                let mut s = Partitioning::new(&p, 3).unwrap();
                for _ in 0..200 {
                    s.step();
                }
                assert!(creates_each_table_once(&code_view(&s, &Query::default()).lines).is_ok());
                s.apply(&crate::sim::Fault::new("add-partition")).unwrap();
                let c = code_view(&s, &Query::default());
                assert!(
                    c.lines.iter().any(|l| l.starts_with("-- adding")),
                    "{scheme:?} {grow:?}"
                );
                if let Err(e) = creates_each_table_once(&c.lines) {
                    panic!(
                        "{scheme:?} {grow:?} default={default}: {e}\n{}",
                        c.lines.join("\n")
                    );
                }
            }
        }
    }

    #[test]
    fn the_listing_follows_the_settings_and_the_step() {
        let p = PartParams {
            closed_bounds: true,
            ..PartParams::default()
        };
        let mut s = Partitioning::new(&p, 1).unwrap();
        let c = code_view(&s, &Query::default());
        assert!(c.lines.iter().any(|l| l.contains("TO ('2024-03-31')")));
        assert!(c.note.is_some());
        assert!(c.active.is_empty());
        // Step until the first refused insert: the INSERT and the ERROR lines light up.
        while !matches!(s.last(), Last::Rejected { .. }) {
            s.step();
        }
        let c = code_view(&s, &Query::default());
        let lit: Vec<&str> = c.active.iter().map(|&i| c.lines[i].as_str()).collect();
        assert!(lit
            .iter()
            .any(|l| l.starts_with("INSERT INTO orders VALUES")));
        assert!(lit.iter().any(|l| l.contains("'2024-03-31'")), "{lit:?}");
        assert!(lit.iter().any(|l| l.contains("ERROR")));
        s.step();
        // Back in Q1? No: 03-31 rows keep failing; the next stored row lights its partition.
        while !matches!(s.last(), Last::Stored { .. }) {
            s.step();
        }
        let c = code_view(&s, &Query::default());
        let lit: Vec<&str> = c.active.iter().map(|&i| c.lines[i].as_str()).collect();
        assert!(lit.iter().any(|l| l.contains("orders_2024_q2")), "{lit:?}");
        let hash = Partitioning::new(
            &PartParams {
                scheme: Scheme::Hash,
                ..PartParams::default()
            },
            1,
        )
        .unwrap();
        let c = code_view(
            &hash,
            &Query {
                user: Some(5),
                ..Query::default()
            },
        );
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("PARTITION BY HASH (user_id)")));
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("reads 1 of 4 partitions")));
        assert!(c.note.is_none());
    }
}
