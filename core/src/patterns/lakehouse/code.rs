//! The code panel: the pipeline as Spark SQL on Delta Lake tables for the current settings,
//! with the statements the last step ran highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::files::SCHEMA_WITH_CURRENCY;
use super::params::{GoldWrite, ReadMode};
use super::scenario::{Lakehouse, Last};
use super::table::Layer;

const NOTE: &str = "The note appends the gold aggregate (mode=\"append\"): each run adds every user's totals again, so summing gold counts orders twice and a rerun adds a third copy. Overwrite the table or MERGE the new rows. The note's writeToIceberg is not a PySpark method (df.writeTo(...).append() / .overwritePartitions() is), and while Spark (3.3+) accepts FOR SYSTEM_TIME AS OF as a synonym of TIMESTAMP AS OF, the note's FOR SYSTEM_TIME BETWEEN … AND … is SQL Server's temporal-table syntax, not Spark's: on these Delta tables the rows changed between two versions are read with table_changes('silver.orders', from, to) (or the readChangeFeed option), once the table has delta.enableChangeDataFeed = true.";

pub fn code_view(s: &Lakehouse) -> CodeView {
    let p = s.params();
    let currency = s.lake().table(Layer::Silver).schema >= SCHEMA_WITH_CURRENCY;
    let cur = if currency { ", currency" } else { "" };
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| lines.push((tag, text.to_string()));
    add(
        "setup",
        "-- Delta Lake tables: each CREATE TABLE commits version 0, the empty table;",
    );
    add(
        "setup",
        "-- the change data feed lets a job read only the rows of newer commits",
    );
    add(
        "setup",
        "CREATE TABLE bronze.orders_raw (_offset BIGINT, order_id BIGINT, user_id INT,",
    );
    add(
        "setup",
        "  order_day DATE, amount STRING, ingested_ms BIGINT)",
    );
    add(
        "setup",
        "  USING DELTA TBLPROPERTIES (delta.enableChangeDataFeed = true);",
    );
    add(
        "setup",
        "CREATE TABLE silver.orders (order_id BIGINT, user_id INT, order_day DATE,",
    );
    add("setup", "  amount DECIMAL(12,2), ingested_ms BIGINT)");
    add("setup", "  USING DELTA PARTITIONED BY (order_day)");
    add(
        "setup",
        "  TBLPROPERTIES (delta.enableChangeDataFeed = true);",
    );
    add(
        "setup",
        "CREATE TABLE gold.user_stats (user_id INT, order_count BIGINT,",
    );
    add("setup", "  total_spent DECIMAL(22,2)) USING DELTA;");
    add("", "");
    add("bronze", "-- bronze: every landed file appended as it came");
    add(
        "bronze",
        "INSERT INTO bronze.orders_raw SELECT * FROM landed_file;",
    );
    add("", "");
    add(
        "silver",
        "-- silver: typed, valid, one row per order (its first arrival)",
    );
    add("silver", "MERGE INTO silver.orders t");
    add("silver", "USING (");
    add(
        "silver",
        &format!("  SELECT order_id, user_id, order_day, amount, ingested_ms{cur}"),
    );
    add("silver", "  FROM (");
    add(
        "silver",
        &format!("    SELECT order_id, user_id, order_day, ingested_ms{cur},"),
    );
    add(
        "silver",
        "           TRY_CAST(amount AS DECIMAL(12,2)) AS amount,",
    );
    add(
        "silver",
        "           ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY _offset) AS n",
    );
    add(
        "silver",
        "    -- the rows of the bronze commits since the last run",
    );
    add(
        "silver",
        "    FROM table_changes('bronze.orders_raw', :first_new_version, :last_version)",
    );
    add("silver", "    WHERE _change_type = 'insert'");
    add(
        "silver",
        "      AND user_id IS NOT NULL AND TRY_CAST(amount AS DECIMAL(12,2)) > 0",
    );
    if p.read == ReadMode::NewestDay {
        add(
            "silver",
            "      AND order_day = current_date()     -- late rows are dropped",
        );
    }
    add("silver", "  ) ranked WHERE n = 1");
    add("silver", ") s");
    add(
        "silver",
        "ON t.order_id = s.order_id AND t.order_day = s.order_day",
    );
    add("silver", "WHEN NOT MATCHED THEN INSERT *;");
    add(
        "conflict",
        "-- if a commit since the version this MERGE read added files to a partition it",
    );
    add(
        "conflict",
        "-- read, its commit fails with ConcurrentAppendException; nothing retries by",
    );
    add(
        "conflict",
        "-- itself: the job runs the MERGE again, on the new version",
    );
    add("", "");
    if p.compact == 0 {
        add(
            "compact",
            "-- compaction: off (OPTIMIZE is never run, small files pile up)",
        );
    } else {
        add(
            "compact",
            &format!(
                "-- compaction: each day partition this run wrote that holds {} files under {} rows",
                p.compact.max(2),
                p.target_rows
            ),
        );
        add(
            "compact",
            &format!("SET spark.sql.files.maxRecordsPerFile = {};", p.target_rows),
        );
        add(
            "compact",
            "OPTIMIZE silver.orders WHERE order_day = :day ZORDER BY (user_id);",
        );
        add("compact", "RESET spark.sql.files.maxRecordsPerFile;");
    }
    add("", "");
    add("gold", "-- gold: per-user totals");
    if p.gold_append {
        add(
            "gold",
            "INSERT INTO gold.user_stats                 -- the note's append",
        );
        add(
            "gold",
            "SELECT user_id, COUNT(*) AS order_count, SUM(amount) AS total_spent",
        );
        add("gold", "FROM silver.orders GROUP BY user_id;");
    } else {
        match p.gold {
            GoldWrite::Overwrite => {
                add("gold", "INSERT OVERWRITE gold.user_stats");
                add(
                    "gold",
                    "SELECT user_id, COUNT(*) AS order_count, SUM(amount) AS total_spent",
                );
                add("gold", "FROM silver.orders GROUP BY user_id;");
            }
            GoldWrite::Merge => {
                add("gold", "MERGE INTO gold.user_stats g");
                add(
                    "gold",
                    "USING (SELECT user_id, COUNT(*) AS n, SUM(amount) AS spent",
                );
                add(
                    "gold",
                    "       -- the rows silver gained since gold's last run",
                );
                add(
                    "gold",
                    "       FROM table_changes('silver.orders', :first_new_version, :last_version)",
                );
                add(
                    "gold",
                    "       WHERE _change_type = 'insert' GROUP BY user_id) d",
                );
                add("gold", "ON g.user_id = d.user_id");
                add(
                    "gold",
                    "WHEN MATCHED THEN UPDATE SET order_count = g.order_count + d.n,",
                );
                add(
                    "gold",
                    "                             total_spent = g.total_spent + d.spent",
                );
                add(
                    "gold",
                    "WHEN NOT MATCHED THEN INSERT (user_id, order_count, total_spent)",
                );
                add("gold", "  VALUES (d.user_id, d.n, d.spent);");
            }
        }
    }
    add("", "");
    add(
        "schema",
        "ALTER TABLE bronze.orders_raw ADD COLUMNS (currency STRING);",
    );
    add(
        "schema",
        "ALTER TABLE silver.orders ADD COLUMNS (currency STRING);",
    );
    add("", "");
    add("travel", "-- time travel: a version, or a moment");
    add(
        "travel",
        "SELECT COUNT(*), SUM(amount) FROM silver.orders VERSION AS OF 12",
    );
    add("travel", "WHERE order_day BETWEEN :from AND :to;");
    add(
        "travel",
        "SELECT * FROM gold.user_stats TIMESTAMP AS OF '2024-01-13 23:59:59';",
    );

    let active: Vec<&str> = match s.last() {
        Last::Start => vec!["setup"],
        Last::Arrived { file: None, .. } => vec!["bronze"],
        Last::Arrived { run: None, .. } => vec!["bronze"],
        Last::Arrived { run: Some(r), .. } | Last::Rerun(r) => {
            let mut a = vec!["silver", "gold"];
            if r.conflict.is_some() {
                a.push("conflict");
            }
            if r.compaction.is_some() {
                a.push("compact");
            }
            a
        }
        Last::RivalArmed => vec!["conflict"],
        Last::LateArmed { .. } => vec!["silver"],
        Last::ColumnAdded { .. } => vec!["schema"],
    };
    CodeView::tagged(
        "sql",
        "The pipeline (Spark SQL on Delta Lake tables)",
        lines,
        &active,
        p.gold_append.then_some(NOTE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::lakehouse::LakeParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_listing_follows_the_settings_and_the_step() {
        let mut p = LakeParams::default();
        let mut s = Lakehouse::new(&p, 1).unwrap();
        let c = code_view(&s);
        assert!(c.lines.join("\n").contains("MERGE INTO gold.user_stats"));
        assert!(c.note.is_none());
        for _ in 0..30 {
            s.step();
        }
        let c = code_view(&s);
        assert!(c
            .active
            .iter()
            .any(|&i| c.lines[i].contains("MERGE INTO silver")));
        p.gold_append = true;
        p.read = ReadMode::NewestDay;
        let s = Lakehouse::new(&p, 1).unwrap();
        let c = code_view(&s);
        let text = c.lines.join("\n");
        assert!(text.contains("INSERT INTO gold.user_stats") && text.contains("current_date"));
        assert!(c.note.is_some());
    }

    /// The first line where a condition (`AND …`) follows a FROM with no WHERE, ON, WHEN
    /// or HAVING since: the statement's clauses read in order, comments skipped.
    fn dangling_and(text: &str) -> Option<&str> {
        let mut clause = String::new();
        for line in text.lines() {
            // Code only: no comment, no 'string', no :parameter.
            let mut code = String::new();
            let (mut quoted, mut param) = (false, false);
            for c in line.split("--").next().unwrap_or("").chars() {
                match c {
                    '\'' => quoted = !quoted,
                    ':' if !quoted => param = true,
                    c if param && (c.is_ascii_alphanumeric() || c == '_') => {}
                    c if !quoted => {
                        param = false;
                        code.push(c);
                    }
                    _ => {}
                }
            }
            for word in code.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
                let w = word.to_ascii_uppercase();
                match w.as_str() {
                    "AND" if clause == "FROM" => return Some(line),
                    "SELECT" | "FROM" | "WHERE" | "ON" | "WHEN" | "HAVING" | "GROUP" => clause = w,
                    _ => {}
                }
            }
        }
        None
    }

    /// Every listing the settings and states can show.
    fn all_listings() -> Vec<String> {
        let mut out = Vec::new();
        for read in ["snapshots", "day"] {
            for gold in ["merge", "overwrite"] {
                for append in ["off", "on"] {
                    for compact in ["0", "5"] {
                        let mut p = LakeParams::default();
                        for (k, v) in [("read", read), ("gold", gold), ("compact", compact)] {
                            crate::sim::Params::set(&mut p, k, v).unwrap();
                        }
                        crate::sim::Params::set(&mut p, "gold-append", append).unwrap();
                        let mut s = Lakehouse::new(&p, 1).unwrap();
                        for _ in 0..60 {
                            s.step();
                        }
                        out.push(code_view(&s).lines.join("\n"));
                        s.apply(&crate::sim::Fault::new("add-column")).unwrap();
                        out.push(code_view(&s).lines.join("\n"));
                    }
                }
            }
        }
        out
    }

    /// Issue 22: the listing is Spark SQL on Delta Lake, one format throughout — no
    /// Flink hint, no invented syntax or option, dedupe by order_id, conditions after a
    /// WHERE, the conflict named as Delta throws it.
    #[test]
    fn every_listing_is_spark_sql_on_delta() {
        for text in all_listings() {
            assert_eq!(dangling_and(&text), None, "{text}");
            for wrong in [
                "/*+",
                "OPTIONS(",
                "CHANGES BETWEEN",
                "SELECT DISTINCT",
                "target-file-size-rows",
                "rewrite_data_files",
                "ValidationException",
                "snapshot-id",
                "Iceberg",
                "re-read",
            ] {
                assert!(!text.contains(wrong), "{wrong} in\n{text}");
            }
            for right in [
                "USING DELTA",
                "delta.enableChangeDataFeed = true",
                "FROM table_changes('bronze.orders_raw', :first_new_version, :last_version)",
                "ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY _offset) AS n",
                ") ranked WHERE n = 1",
                "ConcurrentAppendException",
                "nothing retries by",
                "VERSION AS OF 12",
            ] {
                assert!(text.contains(right), "{right} missing from\n{text}");
            }
            if text.contains("OPTIMIZE silver") {
                assert!(text.contains("SET spark.sql.files.maxRecordsPerFile = 120;"));
                assert!(text.contains("ZORDER BY (user_id);"));
            }
            if text.contains("MERGE INTO gold") {
                assert!(text.contains("FROM table_changes('silver.orders'"));
            }
        }
        // After ADD COLUMNS the MERGE carries currency into silver (INSERT * needs it).
        let listings = all_listings();
        assert!(listings
            .iter()
            .any(|t| t.contains("ADD COLUMNS (currency STRING)")
                && t.contains("amount, ingested_ms, currency")));
    }

    /// The check above rejects each wrong line of the old listing (kept as it was).
    #[test]
    fn the_old_listing_is_rejected() {
        const OLD: &str = "MERGE INTO silver.orders t
USING (
  SELECT DISTINCT order_id, user_id, order_day,
         CAST(amount AS DECIMAL(12,2)) AS amount, ingested_ms
  FROM bronze.orders_raw
    -- incremental: the snapshots committed since the last run
    /*+ OPTIONS('start-snapshot-id'=:last_read, 'end-snapshot-id'=:current) */
    AND user_id IS NOT NULL AND TRY_CAST(amount AS DECIMAL(12,2)) > 0
) s
ON t.order_id = s.order_id AND t.order_day = s.order_day
WHEN NOT MATCHED THEN INSERT *;";
        assert_eq!(
            dangling_and(OLD),
            Some("    AND user_id IS NOT NULL AND TRY_CAST(amount AS DECIMAL(12,2)) > 0")
        );
        assert!(OLD.contains("/*+") && OLD.contains("SELECT DISTINCT"));
        assert_eq!(
            dangling_and("SELECT a FROM t WHERE x = 1\n  AND y BETWEEN 1 AND 2"),
            None
        );
    }
}
