//! The code panel: the batch job (Spark SQL), the speed job (Flink SQL) and the serving
//! view for the current settings, written for pipelab, with the lines the current step uses
//! highlighted.

use crate::sim::code::CodeView;

use super::layers::SpeedOutcome;
use super::scenario::Lambda;

pub fn code_view(l: &Lambda) -> CodeView {
    let p = l.params();
    let size = p.size_min;
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    add(
        "batch",
        format!(
            "-- Batch layer (Spark SQL), every {} min: recompute from the whole master log",
            p.period_min
        ),
    );
    add("batch", "INSERT OVERWRITE TABLE batch_view".into());
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
    add(
        "speed",
        "-- Speed layer (Flink SQL): every event after the cut-off, incrementally".into(),
    );
    add("speed", "INSERT INTO speed_view".into());
    add("speed", "SELECT window_start, COUNT(*) AS events,".into());
    add(
        "speed",
        "       SUM(CASE WHEN status = 'paid' THEN amount_cents ELSE 0 END) AS revenue_cents"
            .into(),
    );
    add(
        "dedupe",
        "FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, event_id".into(),
    );
    add(
        "dedupe",
        "                                  ORDER BY event_time) AS n".into(),
    );
    add("speed", format!("      FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), INTERVAL '{size}' MINUTES)))"));
    add("dedupe", "WHERE n = 1".into());
    add("speed", "GROUP BY window_start, window_end;".into());
    add(
        "late",
        format!(
            "-- state kept {} min ('table.exec.state.ttl'); older windows wait for the batch",
            p.retention_min
        ),
    );
    add("", String::new());
    add(
        "serve",
        "-- Serving layer: batch below the cut-off, speed from it on: no overlap".into(),
    );
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
    add("serve", "      UNION ALL".into());
    add(
        "serve",
        "      SELECT window_start, events, revenue_cents FROM speed_view".into(),
    );
    if p.union_all {
        add(
            "serve",
            "      -- (the note: no cut-off here, and the speed view is never trimmed)".into(),
        );
    } else {
        add(
            "serve",
            "      WHERE from_offset >= (SELECT MAX(cutoff_offset) FROM batch_runs))".into(),
        );
    }
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
            "The note's serving view is a plain UNION ALL of the batch view and the real-time view, and nothing trims the real-time view when a batch run covers its rows. Every event before the cut-off that the speed layer still holds is counted twice; the fix is to serve speed rows only from the latest served cut-off on.",
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
        assert!(text.contains(&format!("INTERVAL '{}' MINUTES", l.params().size_min)));
        assert!(
            text.contains("WHERE from_offset >= (SELECT MAX(cutoff_offset)"),
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
