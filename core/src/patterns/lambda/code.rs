//! The code panel: the batch job (Spark SQL), the speed job (Flink SQL) and the serving
//! view for the current settings, written for pipelab, with the lines the current step uses
//! highlighted.

use crate::sim::code::CodeView;
use crate::stream::flink_interval;

use super::layers::SpeedOutcome;
use super::scenario::Lambda;

pub fn code_view(l: &Lambda) -> CodeView {
    let p = l.params();
    let size = p.size_min;
    let keep = p.retention_min;
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    add(
        "batch",
        format!(
            "-- Batch layer (Spark SQL), every {} min: recompute from the whole master log",
            p.period_min
        ),
    );
    add(
        "batch",
        "INSERT OVERWRITE TABLE batch_view PARTITION (run = ${run})".into(),
    );
    add("batch", "SELECT window.start AS window_start,".into());
    add("batch", "       COUNT(DISTINCT event_id) AS events,".into());
    add(
        "batch",
        "       SUM(CASE WHEN status = 'paid' THEN amount_cents ELSE 0 END) AS revenue_cents"
            .into(),
    );
    add(
        "batch",
        "FROM (SELECT DISTINCT event_id, status, amount_cents, event_time".into(),
    );
    add(
        "batch",
        "      FROM master_log WHERE log_offset < ${cutoff_offset})".into(),
    );
    add(
        "batch",
        format!("GROUP BY window(event_time, '{size} minutes');"),
    );
    add(
        "batch",
        "INSERT INTO batch_runs VALUES (${run}, ${cutoff_offset});  -- served once written".into(),
    );
    add("", String::new());
    if p.union_all {
        add(
            "speed",
            "-- Speed layer (Flink SQL): one job from offset 0, never restarted at a cut-off"
                .into(),
        );
    } else {
        add(
            "speed",
            "-- Speed layer (Flink SQL): a new job (generation) starts with each batch run, at"
                .into(),
        );
        add(
            "speed",
            "-- its cut-off; the previous generation stops once that run is served".into(),
        );
    }
    add(
        "late",
        format!("SET 'table.exec.state.ttl' = '{} min';  -- idle state dropped; the horizon below refuses old windows first", keep + size),
    );
    add("speed", "CREATE TABLE orders (".into());
    add(
        "speed",
        "  event_id BIGINT, status STRING, amount_cents BIGINT, event_time TIMESTAMP(3),".into(),
    );
    add(
        "speed",
        format!("  window_start AS TIMESTAMPADD(MINUTE, TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00.000', event_time) / {size} * {size}, TIMESTAMP '1970-01-01 00:00:00.000'),"),
    );
    add("dedupe", "  proc_time AS PROCTIME(),".into());
    add(
        "late",
        "  WATERMARK FOR event_time AS event_time  -- the latest event time seen".into(),
    );
    add("speed", ") WITH (".into());
    add(
        "speed",
        "  'connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'kafka:9092',".into(),
    );
    if p.union_all {
        add(
            "speed",
            "  'properties.group.id' = 'speed', 'scan.startup.mode' = 'earliest-offset',".into(),
        );
    } else {
        add(
            "speed",
            "  'properties.group.id' = 'speed-${cutoff_offset}', 'scan.startup.mode' = 'specific-offsets',".into(),
        );
        add(
            "speed",
            "  'scan.startup.specific-offsets' = 'partition:0,offset:${cutoff_offset}',".into(),
        );
    }
    add("speed", "  'format' = 'json'".into());
    add("speed", ");".into());
    add("speed", "CREATE TABLE speed_view (".into());
    add(
        "speed",
        "  from_offset BIGINT, window_start TIMESTAMP(3), events BIGINT, revenue_cents BIGINT,"
            .into(),
    );
    add(
        "speed",
        "  newest_event TIMESTAMP(3), PRIMARY KEY (from_offset, window_start) NOT ENFORCED".into(),
    );
    add(
        "speed",
        ") WITH ('connector' = 'upsert-kafka', 'topic' = 'speed_view',".into(),
    );
    add(
        "speed",
        "  'properties.bootstrap.servers' = 'kafka:9092', 'key.format' = 'json', 'value.format' = 'json');".into(),
    );
    add(
        "speed",
        "-- Not a window aggregation: every event updates its window's row at once (an".into(),
    );
    add(
        "speed",
        "-- updating aggregate), and the upsert sink keeps the latest row per key.".into(),
    );
    add("speed", "INSERT INTO speed_view".into());
    add(
        "speed",
        format!(
            "SELECT CAST({} AS BIGINT) AS from_offset, window_start, COUNT(*) AS events,",
            if p.union_all { "0" } else { "${cutoff_offset}" }
        ),
    );
    add(
        "speed",
        "       SUM(CASE WHEN status = 'paid' THEN amount_cents ELSE 0 END) AS revenue_cents,"
            .into(),
    );
    add("speed", "       MAX(event_time) AS newest_event".into());
    add(
        "dedupe",
        "FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY proc_time) AS n".into(),
    );
    add("late", "      FROM orders".into());
    add(
        "late",
        format!("      WHERE CURRENT_WATERMARK(event_time) IS NULL  -- the horizon: windows older than {keep} min"),
    );
    add(
        "late",
        format!(
            "         OR window_start + {} > CURRENT_WATERMARK(event_time) - {})",
            flink_interval(size, "MINUTE"),
            flink_interval(keep, "MINUTE")
        ),
    );
    add("dedupe", "WHERE n = 1".into());
    add("speed", "GROUP BY window_start;".into());
    add("", String::new());
    if p.union_all {
        add(
            "serve",
            "-- Serving layer (a view in the serving database), as the note merges: no cut-off"
                .into(),
        );
    } else {
        add(
            "serve",
            "-- Serving layer (a view in the serving database): the latest served run below".into(),
        );
        add(
            "serve",
            "-- its cut-off, the speed generation that started at that cut-off above it".into(),
        );
    }
    add(
        "serve",
        "CREATE OR REPLACE VIEW orders_per_window AS".into(),
    );
    add(
        "serve",
        "SELECT window_start, SUM(events) AS events, SUM(revenue_cents) AS revenue_cents".into(),
    );
    add(
        "serve",
        "FROM (SELECT window_start, events, revenue_cents FROM batch_view".into(),
    );
    add(
        "serve",
        "      WHERE run = (SELECT MAX(run) FROM batch_runs)".into(),
    );
    add("serve", "      UNION ALL".into());
    add(
        "serve",
        "      SELECT window_start, events, revenue_cents FROM speed_view".into(),
    );
    if p.union_all {
        add(
            "serve",
            "      -- (the note: every speed row, also those the batch run already covers)".into(),
        );
        add(
            "late",
            format!("      WHERE window_start + INTERVAL '{size} minutes'"),
        );
    } else {
        add(
            "serve",
            "      WHERE from_offset = (SELECT COALESCE(MAX(cutoff_offset), 0) FROM batch_runs)"
                .into(),
        );
        add(
            "late",
            format!("        AND window_start + INTERVAL '{size} minutes'"),
        );
    }
    add(
        "late",
        format!(
            "            > (SELECT MAX(newest_event) FROM speed_view) - INTERVAL '{keep} minutes'"
        ),
    );
    add("serve", "     ) AS served".into());
    add("serve", "GROUP BY window_start;".into());

    let last = l.last();
    let mut tags: Vec<&str> = Vec::new();
    if last.batch_started.is_some() {
        tags.push("batch");
    }
    if last.batch_served.is_some() {
        tags.push("serve");
    }
    match last.speed {
        Some(SpeedOutcome::Counted) => tags.push("speed"),
        Some(SpeedOutcome::Duplicate) => tags.push("dedupe"),
        Some(SpeedOutcome::TooLate) => tags.push("late"),
        None => {}
    }
    if last.fault.is_some() {
        tags.push("speed");
    }
    CodeView::tagged(
        "sql",
        "Spark SQL (batch), Flink SQL (speed) and the serving view",
        lines,
        &tags,
        p.union_all.then_some(
            "The note's serving view is a plain UNION ALL of the batch view and the real-time table, and nothing trims the real-time side when a batch run covers its rows: every event before the cut-off that the speed layer still holds is counted twice (run here). The note's DAG has three more mistakes this page does not run: its view unions stream_orders twice (the last day and today's date overlap, so today's events count twice even before any batch run); its batch task is CREATE TABLE IF NOT EXISTS … AS, which builds batch_orders once and never recomputes it; and merge_views depends only on the stream task, so it runs alongside the batch task instead of after it. The fix: serve speed rows only from the latest served cut-off on, recompute the batch view on every run, and merge after the run is recorded.",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::lambda::LambdaParams;
    use crate::sim::{Params, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(pitfall: bool, steps: u64) -> Lambda {
        let mut p = LambdaParams::default();
        if pitfall {
            p.set("union-all", "on").unwrap();
        }
        let mut l = Lambda::new(&p, 42).unwrap();
        for _ in 0..steps {
            l.step();
        }
        l
    }

    #[test]
    fn the_listing_follows_the_settings_and_lights_the_layer_that_moved() {
        let l = run(false, 1);
        let v = code_view(&l);
        let text = v.lines.join("\n");
        assert!(text.contains(&format!("every {} min", l.params().period_min)));
        assert!(text.contains(&format!("INTERVAL '{}' MINUTE", l.params().size_min)));
        assert!(text.contains(&format!(
            "INTERVAL '{}' MINUTE(3)",
            l.params().retention_min
        )));
        assert!(
            text.contains("WHERE from_offset = (SELECT COALESCE(MAX(cutoff_offset), 0)"),
            "the fix serves speed rows from the cut-off on"
        );
        assert!(v.note.is_none());
        // A counted event lights the speed job's lines and only code lines.
        assert!(!v.active.is_empty());
        assert!(v.active.iter().all(|&i| !v.lines[i].is_empty()));
        assert!(v.active.iter().any(|&i| v.lines[i].contains("speed_view")));

        let bad = code_view(&run(true, 1));
        let text = bad.lines.join("\n");
        assert!(
            !text.contains("MAX(cutoff_offset)"),
            "the note's view has no cut-off"
        );
        assert!(bad.note.is_some_and(|n| n.contains("counted twice")));
    }

    /// The page serves per-event partial counts from the speed layer: the listing is an
    /// updating (non-windowed) aggregate into an upsert sink keyed by generation and window,
    /// with state TTL, over a source that declares its WATERMARK (the horizon reads it).
    /// A window TVF aggregation would emit only final rows once the watermark passed.
    #[test]
    fn the_speed_job_is_an_updating_aggregate_into_an_upsert_sink() {
        for pitfall in [false, true] {
            let text = code_view(&run(pitfall, 1)).lines.join("\n");
            let speed = &text[text.find("-- Speed layer").unwrap_or(0)
                ..text.find("-- Serving layer").unwrap_or(0)];
            assert!(!speed.contains("TABLE(TUMBLE"), "no window TVF: {speed}");
            assert!(speed.contains("WATERMARK FOR event_time"));
            assert!(speed.contains("'connector' = 'upsert-kafka'"));
            assert!(speed.contains("PRIMARY KEY (from_offset, window_start)"));
            assert!(speed.contains("SET 'table.exec.state.ttl'"));
            assert!(speed.contains("GROUP BY window_start;"));
            // A TIMESTAMP(0) window_start would be cast to the sink's TIMESTAMP(3) key, and
            // Flink 2.3 then refuses the upsert (the query's upsert key is lost in the cast).
            assert!(
                !speed.contains("00:00:00'"),
                "epoch literals carry milliseconds"
            );
        }
    }

    /// Every column the serving view reads from speed_view is one the speed job's table has.
    #[test]
    fn the_serving_view_reads_only_columns_speed_view_has() {
        for pitfall in [false, true] {
            let text = code_view(&run(pitfall, 1)).lines.join("\n");
            let ddl = text
                .split("CREATE TABLE speed_view (")
                .nth(1)
                .and_then(|t| t.split(") WITH").next())
                .expect("the listing declares speed_view");
            let serve = &text[text.find("CREATE OR REPLACE VIEW").unwrap_or(0)..];
            for col in ["from_offset", "newest_event", "window_start", "events"] {
                if serve.contains(col) {
                    assert!(ddl.contains(col), "{col} is not a column of speed_view");
                }
            }
        }
    }

    /// The pitfall's note names the note's other merge mistakes, not only the overlap.
    #[test]
    fn the_pitfall_note_names_every_merge_mistake() {
        let note = code_view(&run(true, 1)).note.unwrap_or_default();
        for needle in [
            "counted twice",
            "twice",
            "IF NOT EXISTS",
            "never recomputes",
            "alongside",
        ] {
            assert!(note.contains(needle), "{needle}: {note}");
        }
    }

    #[test]
    fn a_served_batch_run_lights_the_serving_view() {
        let mut l = run(false, 0);
        let mut served = false;
        for _ in 0..l.total_steps() {
            l.step();
            if l.last().batch_served.is_some() {
                served = true;
                break;
            }
        }
        assert!(served, "a batch run is served within the run");
        let v = code_view(&l);
        assert!(v
            .active
            .iter()
            .any(|&i| v.lines[i].contains("CREATE OR REPLACE VIEW")));
    }
}
