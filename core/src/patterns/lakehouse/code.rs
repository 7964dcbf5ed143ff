//! The code panel: the pipeline as Spark SQL on Iceberg tables for the current settings,
//! with the statements the last step ran highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::params::{GoldWrite, ReadMode};
use super::scenario::{Lakehouse, Last};

const NOTE: &str = "The note appends the gold aggregate (mode=\"append\"): each run adds every user's totals again, so summing gold counts orders twice and a rerun adds a third copy. Overwrite the table or MERGE the new rows. The note's writeToIceberg is not a PySpark method (df.writeTo(...).append() / .overwritePartitions() is), and while Spark (3.3+) accepts FOR SYSTEM_TIME AS OF as a synonym of TIMESTAMP AS OF, the note's FOR SYSTEM_TIME BETWEEN … AND … is SQL Server's temporal-table syntax, not Spark's: Iceberg reads the changes between two snapshots with an incremental read (start-snapshot-id / end-snapshot-id) or its changes view.";

pub fn code_view(s: &Lakehouse) -> CodeView {
    let p = s.params();
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| lines.push((tag, text.to_string()));
    add("bronze", "-- bronze: every landed file appended as it came");
    add(
        "bronze",
        "INSERT INTO bronze.orders_raw SELECT * FROM landed_file;",
    );
    add("", "");
    add("silver", "-- silver: typed, valid, one row per order");
    add("silver", "MERGE INTO silver.orders t");
    add("silver", "USING (");
    add("silver", "  SELECT DISTINCT order_id, user_id, order_day,");
    add(
        "silver",
        "         CAST(amount AS DECIMAL(12,2)) AS amount, ingested_ms",
    );
    match p.read {
        ReadMode::Snapshots => {
            add("silver", "  FROM bronze.orders_raw");
            add(
                "silver",
                "    -- incremental: the snapshots committed since the last run",
            );
            add(
                "silver",
                "    /*+ OPTIONS('start-snapshot-id'=:last_read, 'end-snapshot-id'=:current) */",
            );
        }
        ReadMode::NewestDay => {
            add("silver", "  FROM bronze.orders_raw");
            add(
                "silver",
                "  WHERE order_day = current_date()       -- late rows are dropped",
            );
        }
    }
    add(
        "silver",
        "    AND user_id IS NOT NULL AND TRY_CAST(amount AS DECIMAL(12,2)) > 0",
    );
    add("silver", ") s");
    add(
        "silver",
        "ON t.order_id = s.order_id AND t.order_day = s.order_day",
    );
    add("silver", "WHEN NOT MATCHED THEN INSERT *;");
    add(
        "conflict",
        "-- a commit that lost the race fails with a ValidationException;",
    );
    add(
        "conflict",
        "-- the job re-reads the new snapshot and runs the MERGE again",
    );
    add("", "");
    add("compact", "CALL system.rewrite_data_files(");
    add("compact", "  table => 'silver.orders',");
    add(
        "compact",
        "  strategy => 'sort', sort_order => 'user_id, order_id',",
    );
    add(
        "compact",
        &format!(
            "  options => map('min-input-files', '{}', 'target-file-size-rows', '{}'));",
            p.compact, p.target_rows
        ),
    );
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
                    "       FROM silver.orders CHANGES BETWEEN :before AND :after GROUP BY user_id) d",
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
                    "WHEN NOT MATCHED THEN INSERT VALUES (d.user_id, d.n, d.spent);",
                );
            }
        }
    }
    add("", "");
    add(
        "schema",
        "ALTER TABLE silver.orders ADD COLUMN currency STRING;",
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
        Last::Start => vec!["bronze"],
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
        "The pipeline (Spark SQL on Iceberg)",
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
}
