//! The code panel: the Flink SQL job for the current settings, written for pipelab, with the
//! lines the current step exercises highlighted.

use crate::sim::code::CodeView;
use crate::stream::{flink_interval, Rule, WindowKind};

use super::processor::Disposition;
use super::scenario::Kappa;

/// The listing for `k`'s configuration and the lines its last step used.
pub fn code_view(k: &Kappa) -> CodeView {
    let p = k.params();
    let rule = k.next_job().map_or(k.live().cfg.rule, |j| j.cfg.rule);
    let v = rule.as_str();
    let mut lines: Vec<(&str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: String| lines.push((tag, text));
    add("", format!("-- Flink SQL: revenue per window, job {v}"));
    add(
        "checkpoint",
        format!(
            "SET 'execution.checkpointing.interval' = '30 s';  -- here: every {} events",
            p.checkpoint_events
        ),
    );
    add("", String::new());
    add("start", "CREATE TABLE orders (".into());
    add("start", "  event_id     BIGINT,".into());
    add("start", "  user_id      INT,".into());
    add("start", "  amount_cents BIGINT,".into());
    add("start", "  status       STRING,".into());
    if p.latest_offset {
        add("start", "  event_time   TIMESTAMP(3)".into());
        add(
            "late",
            "  -- (no WATERMARK declared: event_time is not a time attribute)".into(),
        );
    } else {
        add("start", "  event_time   TIMESTAMP(3),".into());
        add(
            "late",
            format!(
                "  WATERMARK FOR event_time AS event_time - {}",
                flink_interval(p.delay_s, "SECOND")
            ),
        );
    }
    add("start", ") WITH (".into());
    add("start", "  'connector' = 'kafka',".into());
    add("start", "  'topic' = 'orders',".into());
    add(
        "start",
        "  'properties.bootstrap.servers' = 'kafka:9092',".into(),
    );
    add("start", format!("  'properties.group.id' = 'revenue-{v}',"));
    add(
        "reprocess",
        format!(
            "  'scan.startup.mode' = '{}',",
            if p.latest_offset {
                "latest-offset"
            } else {
                "earliest-offset"
            }
        ),
    );
    add("start", "  'format' = 'json'".into());
    add("start", ");".into());
    add("", String::new());
    add("emit", format!("CREATE TABLE revenue_{v} ("));
    add(
        "emit",
        "  window_start TIMESTAMP(3), window_end TIMESTAMP(3),".into(),
    );
    if p.window == WindowKind::Session {
        add("emit", "  user_id INT,".into());
    }
    add("emit", "  events BIGINT, revenue_cents BIGINT".into());
    add("emit", ") WITH (".into());
    add(
        "emit",
        format!("  'connector' = 'kafka', 'topic' = 'revenue_{v}',"),
    );
    add(
        "emit",
        "  'properties.bootstrap.servers' = 'kafka:9092', 'format' = 'json',".into(),
    );
    if p.exactly_once {
        add(
            "checkpoint",
            "  'sink.delivery-guarantee' = 'exactly-once',  -- a Kafka transaction per checkpoint"
                .into(),
        );
        add(
            "checkpoint",
            format!("  'sink.transactional-id-prefix' = 'revenue-{v}'  -- readers: isolation.level = read_committed"),
        );
    } else {
        add(
            "checkpoint",
            "  'sink.delivery-guarantee' = 'at-least-once'  -- the default: after a restore, rows since the checkpoint are written again".into(),
        );
    }
    add("emit", ");".into());
    add("", String::new());
    let group = if p.window == WindowKind::Session {
        "window_start, window_end, user_id"
    } else {
        "window_start, window_end"
    };
    add("emit", format!("INSERT INTO revenue_{v}"));
    add("window", format!("SELECT {group}, COUNT(*) AS events,"));
    add(
        "window",
        match rule {
            Rule::V1 => "       SUM(amount_cents) AS revenue_cents  -- v1: every event's amount".into(),
            Rule::V2 => {
                "       SUM(CASE WHEN status = 'paid' THEN amount_cents ELSE 0 END) AS revenue_cents"
                    .into()
            }
        },
    );
    add("dedupe", "FROM (".into());
    add(
        "dedupe",
        "  -- a redelivered event has the same event_id: keep its first row per window".into(),
    );
    add("dedupe", "  SELECT *, ROW_NUMBER() OVER (".into());
    add(
        "dedupe",
        format!("      PARTITION BY {group}, event_id ORDER BY event_time) AS n"),
    );
    let size = p.size_min;
    add(
        "window",
        match p.window {
            WindowKind::Tumbling => format!(
                "  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(event_time), {}))",
                flink_interval(size, "MINUTE")
            ),
            WindowKind::Sliding => format!(
                "  FROM TABLE(HOP(TABLE orders, DESCRIPTOR(event_time), {}, {}))",
                flink_interval(p.slide_min, "MINUTE"),
                flink_interval(size, "MINUTE")
            ),
            WindowKind::Session => format!(
                "  FROM TABLE(SESSION(TABLE orders PARTITION BY user_id, DESCRIPTOR(event_time), {}))",
                flink_interval(p.gap_min, "MINUTE")
            ),
        },
    );
    add("dedupe", ") WHERE n = 1".into());
    add("window", format!("GROUP BY {group};"));
    if p.latest_offset {
        add("late", format!("-- ERROR: {NO_WATERMARK_ERROR}"));
    }
    add("", String::new());
    add(
        "late",
        "-- A window fires when the watermark passes its end; rows behind it are dropped.".into(),
    );
    if p.side_output {
        add(
            "late",
            "-- To keep them, the DataStream API routes them to a side output:".into(),
        );
        add(
            "late",
            "--   .window(...).sideOutputLateData(lateTag)   then getSideOutput(lateTag)".into(),
        );
    }
    add(
        "reprocess",
        "-- New version: run it as a new job (new group id) from 'earliest-offset' into".into(),
    );
    add(
        "reprocess",
        "-- revenue_v2; when its lag reaches 0, point readers at revenue_v2, stop v1.".into(),
    );

    let last = k.last();
    let mut tags: Vec<&str> = Vec::new();
    if k.rejected() {
        tags.push("late");
    } else if let Some(f) = &last.fault {
        if f.contains("crash") {
            tags.push("checkpoint");
        } else if f.contains("deployed") {
            tags.push("reprocess");
        } else {
            tags.push("late");
        }
    } else if let Some((_, d, _)) = last.disposition {
        match d {
            Disposition::Duplicate => tags.push("dedupe"),
            Disposition::Late | Disposition::PartlyLate { .. } => tags.push("late"),
            Disposition::Counted { .. } => tags.extend(["dedupe", "window"]),
        }
        if !last.live_emitted.is_empty() {
            tags.push("emit");
        }
        if last.switched {
            tags.push("reprocess");
        }
    } else {
        tags.push("start");
    }
    CodeView::tagged(
        "sql",
        "Flink SQL for this configuration",
        lines,
        &tags,
        p.latest_offset.then_some(
            "The note's source declares no WATERMARK, so event_time is not a time attribute and Flink rejects the window TVF when the job is planned: the INSERT fails with the error above and the job never starts. (Windows that silently never fire are what the DataStream API does without a WatermarkStrategy; Flink SQL refuses up front.) The source's other mistake, 'latest-offset', would bite once that is fixed: a new version started from the head of the log has no history to replay.",
        ),
    )
}

/// What Flink 2.3's planner says when a window TVF is given a column without a WATERMARK
/// (checked on the real planner by conformance/tests/test_kappa.py).
pub const NO_WATERMARK_ERROR: &str = "org.apache.flink.table.api.ValidationException: The window function requires the timecol is a time attribute type, but is TIMESTAMP(3).";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::kappa::KappaParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Flink's Kafka connector requires 'properties.bootstrap.servers' on every table
    /// (Flink docs, Kafka SQL connector, "Connector Options": required).
    #[test]
    fn every_kafka_table_names_its_brokers() {
        for latest_offset in [false, true] {
            let p = KappaParams {
                latest_offset,
                ..KappaParams::default()
            };
            let text = code_view(&Kappa::new(&p, 1).unwrap()).lines.join("\n");
            let tables: Vec<&str> = text.split("CREATE TABLE").skip(1).collect();
            assert_eq!(tables.len(), 2);
            for t in tables {
                let with = t.split(");").next().unwrap_or_default();
                assert!(with.contains("'connector' = 'kafka'"), "{with}");
                assert!(
                    with.contains("'properties.bootstrap.servers' = "),
                    "no brokers in {with}"
                );
            }
        }
    }

    /// The note's source fails at planning on real Flink SQL (a window TVF needs a time
    /// attribute); the listing shows that error under the INSERT and the note does not claim
    /// that windows silently never fire (DataStream behaviour, not Flink SQL's).
    #[test]
    fn the_notes_source_shows_the_planners_error() {
        let p = KappaParams {
            latest_offset: true,
            ..KappaParams::default()
        };
        let c = code_view(&Kappa::new(&p, 1).unwrap());
        let text = c.lines.join("\n");
        let insert = text.find("INSERT INTO").unwrap_or(usize::MAX);
        let error = text
            .find(&format!("-- ERROR: {NO_WATERMARK_ERROR}"))
            .expect("the planner's error is shown");
        assert!(insert < error, "under the INSERT");
        assert!(!text.contains("never fire"), "{text}");
        let note = c.note.unwrap_or_default();
        assert!(
            note.contains("never starts") && note.contains("latest-offset"),
            "{note}"
        );
        let fine = code_view(&Kappa::new(&KappaParams::default(), 1).unwrap());
        assert!(!fine.lines.iter().any(|l| l.contains("-- ERROR")));
    }

    /// The sink's delivery guarantee is the page's setting, in the Kafka connector's own
    /// option names ('sink.delivery-guarantee'; exactly-once needs a transactional id prefix).
    #[test]
    fn the_sink_states_its_delivery_guarantee() {
        let text = |exactly_once| {
            let p = KappaParams {
                exactly_once,
                ..KappaParams::default()
            };
            code_view(&Kappa::new(&p, 1).unwrap()).lines.join("\n")
        };
        let (alo, eo) = (text(false), text(true));
        assert!(alo.contains("'sink.delivery-guarantee' = 'at-least-once'"));
        assert!(!alo.contains("transactional-id-prefix"));
        assert!(eo.contains("'sink.delivery-guarantee' = 'exactly-once'"));
        assert!(eo.contains("'sink.transactional-id-prefix' = 'revenue-v1'"));
    }

    /// Flink refuses `INTERVAL '600' SECOND` (SECOND(2) holds two digits): every interval
    /// of three or more digits states its precision.
    #[test]
    fn long_intervals_state_their_precision() {
        let p = KappaParams {
            delay_s: 600,
            size_min: 1440,
            ..KappaParams::default()
        };
        let text = code_view(&Kappa::new(&p, 1).unwrap()).lines.join("\n");
        assert!(
            text.contains("event_time - INTERVAL '600' SECOND(3)"),
            "{text}"
        );
        assert!(text.contains("INTERVAL '1440' MINUTE(4)"), "{text}");
    }

    #[test]
    fn the_listing_follows_the_settings_and_highlights_the_step() {
        let p = KappaParams {
            window: WindowKind::Sliding,
            delay_s: 90,
            ..KappaParams::default()
        };
        let mut k = Kappa::new(&p, 1).unwrap();
        let c = code_view(&k);
        assert!(c.lines.iter().any(|l| l.contains("INTERVAL '90' SECOND")));
        assert!(c.lines.iter().any(|l| l.contains("HOP(TABLE orders")));
        assert!(c.note.is_none());
        k.step();
        let c = code_view(&k);
        assert!(
            c.active.iter().any(|i| c.lines[*i].contains("HOP(")),
            "a counted event lights the window"
        );
        let p = KappaParams {
            latest_offset: true,
            ..KappaParams::default()
        };
        let c = code_view(&Kappa::new(&p, 1).unwrap());
        assert!(c.lines.iter().any(|l| l.contains("latest-offset")));
        assert!(!c.lines.iter().any(|l| l.contains("WATERMARK FOR")));
        assert!(c.note.is_some());
    }
}
