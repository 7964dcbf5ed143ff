//! The code panel: the nightly job in Python (pandas + SQLAlchemy) with the ELT transform
//! as warehouse SQL, for the current settings, with the lines the last step used
//! highlighted. Written for pipelab.

use crate::sim::code::CodeView;

use super::scenario::{EtlElt, Last};
use super::table::Group;
use super::transform::Rule;

const NOTE: &str = "The note stages with if_exists='append': each nightly full extract is added to the rows of every night before, and nothing records which night wrote a row.";

pub fn code_view(s: &EtlElt) -> CodeView {
    let p = s.params();
    let key = match p.group {
        Group::Category => "category",
        Group::User => "user_id",
    };
    let rule_filter = s.rule() == Rule::PaidOnly;
    let etl_filter = s.etl_rule() == Rule::PaidOnly;
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    add(
        "extract",
        "# Nightly: one full extract, three ways to get it into the warehouse".into(),
    );
    add("extract", "raw = pd.read_sql(\"SELECT * FROM orders\", source)   # nulls, bad amounts, duplicate rows".into());
    add("", String::new());
    add(
        "etl",
        "# ETL: clean and aggregate here, load only the result".into(),
    );
    add(
        "etl",
        "clean = raw.dropna(subset=[\"category\", \"amount\"])".into(),
    );
    add(
        "etl",
        "clean = clean[clean.amount.str.fullmatch(r\"\\d+\\.\\d{2}\")]".into(),
    );
    add(
        "etl",
        "clean = clean.drop_duplicates(\"order_id\").astype({\"amount\": \"decimal\"})".into(),
    );
    if etl_filter {
        add(
            "etl",
            "clean = clean[clean.status == \"paid\"]            # rule v2".into(),
        );
    }
    add(
        "etl",
        format!("agg = clean.groupby(\"{key}\").amount.agg([\"sum\", \"count\"])"),
    );
    add(
        "etl-load",
        "agg.to_sql(\"revenue_etl\", warehouse, if_exists=\"replace\")".into(),
    );
    add("", String::new());
    add(
        "elt-load",
        "# ELT: load the raw rows as they are, transform in the warehouse".into(),
    );
    if p.append {
        add(
            "elt-load",
            format!(
                "raw.to_sql(\"stg_raw_orders\", warehouse, if_exists=\"append\", chunksize={})",
                p.chunk
            ),
        );
    } else {
        add(
            "elt-load",
            "with warehouse.begin() as tx:       # rerunning a night replaces its rows".into(),
        );
        add("elt-load", "    tx.execute(text(\"DELETE FROM stg_raw_orders WHERE _run = :run\"), {\"run\": run_id})".into());
        add("elt-load", format!(
            "    raw.assign(_run=run_id).to_sql(\"stg_raw_orders\", tx, if_exists=\"append\", chunksize={})",
            p.chunk
        ));
    }
    add("elt", "warehouse.execute(text(\"\"\"".into());
    add("elt", "  CREATE OR REPLACE TABLE revenue_elt AS".into());
    add(
        "elt",
        format!("  SELECT {key}, SUM(CAST(amount AS DECIMAL(12,2))) AS total, COUNT(*) AS orders"),
    );
    add("elt", "  FROM stg_raw_orders".into());
    let mut filters = Vec::new();
    if !p.append {
        filters.push("_run = :run".to_string());
    }
    filters.push("category IS NOT NULL".into());
    filters.push("REGEXP_LIKE(amount, '^[0-9]+\\.[0-9]{2}$')".into());
    if rule_filter {
        filters.push("status = 'paid'   -- rule v2".into());
    }
    for (i, f) in filters.iter().enumerate() {
        add(
            "elt",
            format!("  {} {f}", if i == 0 { "WHERE" } else { "  AND" }),
        );
    }
    add(
        "elt",
        "  QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY updated_at DESC) = 1".into(),
    );
    add(
        "elt",
        format!("  GROUP BY {key}\"\"\"), {{\"run\": run_id}})"),
    );
    add("", String::new());
    add(
        "stream",
        "# Streaming: transform each chunk as it lands".into(),
    );
    add(
        "stream",
        format!(
            "for chunk in pd.read_sql(\"SELECT * FROM orders\", source, chunksize={}):",
            p.chunk
        ),
    );
    add(
        "stream",
        "    chunk.to_sql(\"stg_raw_orders\", warehouse, if_exists=\"append\")".into(),
    );
    add(
        "stream",
        "    live.update(transform(chunk, seen))   # seen: orders already counted".into(),
    );

    let active: &[&str] = match s.last() {
        Last::Start => &["extract"],
        Last::Row { load, finished, .. } => match (load.is_some(), finished.is_some()) {
            (_, true) => &["etl-load", "elt-load", "elt"],
            (true, false) => &["extract", "etl", "elt-load", "stream"],
            (false, false) => &["extract", "etl"],
        },
        Last::RuleChange { .. } => &["elt", "stream"],
        Last::SourceChange { .. } => &["extract"],
        Last::LoadFailArmed => &["elt-load"],
        Last::EmptyNight { .. } => &["extract"],
    };
    CodeView::tagged(
        "python",
        "The nightly job: ETL, ELT and streaming (Python + warehouse SQL)",
        lines,
        active,
        p.append.then_some(NOTE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::etl_elt::EtlParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_listing_follows_the_settings_and_highlights_the_step() {
        let mut p = EtlParams::default();
        let s = EtlElt::new(&p, 1).unwrap();
        let code = code_view(&s);
        let text = code.lines.join("\n");
        assert!(text.contains("_run = :run"));
        assert!(!text.contains("warehouse, if_exists=\"append\", chunksize"));
        assert!(code.note.is_none());
        p.append = true;
        p.group = Group::User;
        let mut s = EtlElt::new(&p, 1).unwrap();
        s.step();
        let code = code_view(&s);
        let text = code.lines.join("\n");
        assert!(text.contains("warehouse, if_exists=\"append\", chunksize=100)"));
        assert!(text.contains("GROUP BY user_id"));
        assert!(!text.contains("_run = :run"));
        assert!(code.note.is_some());
        let active: Vec<&str> = code
            .active
            .iter()
            .map(|&i| code.lines[i].as_str())
            .collect();
        assert!(active.iter().any(|l| l.contains("dropna")), "{active:?}");
        s.apply(&crate::sim::Fault::new("rule-change")).unwrap();
        let text = code_view(&s).lines.join("\n");
        assert!(text.contains("status = 'paid'"));
    }
}
