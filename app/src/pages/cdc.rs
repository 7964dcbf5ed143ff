//! /cdc: a source table and its WAL; a log-based connector (snapshot, then streaming)
//! producing Debezium change events onto keyed partitions; a sink MERGEing them into a
//! target beside the source; query-based polling beside it; restarts, reordering, crashes
//! and the note's `after.id` key.

use leptos::prelude::*;
use pipelab_core::format::count;
use pipelab_core::oracle::cdc::Check;
use pipelab_core::patterns::cdc::code::code_view;
use pipelab_core::patterns::cdc::feed::lsn_text;
use pipelab_core::patterns::cdc::merge::{Guard, Outcome};
use pipelab_core::patterns::cdc::scenario::{Last, Phase};
use pipelab_core::patterns::cdc::view::{
    applied_rows, event_json, last_produced, partition_rows, poll_rows, side_by_side, summary,
    wal_rows,
};
use pipelab_core::patterns::cdc::{Cdc, CdcView};
use pipelab_core::sim::{Fault, Scenario};

use crate::sim::Sim;
use crate::sim_widgets::{
    SimFaultsPanel, SimNarration, SimNarrationLog, SimPage, SimScenarioPanel, SimTransport,
};
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};
use crate::widgets::table::{DataTable, RowPages};

const GLOSSARY: &[(&str, &str)] = &[
    ("CDC", "Change data capture: turning every insert, update and delete of a database into an event others can consume."),
    ("WAL", "Write-ahead log: the database's own record of every change, written before the change is applied. Log-based CDC reads it."),
    ("LSN", "Log sequence number: a change's position in the WAL. Later changes have higher LSNs, so it orders a row's versions."),
    ("replication slot", "PostgreSQL's bookmark for a reader of the WAL: the server keeps the WAL from the slot's position on until the reader confirms it."),
    ("snapshot", "The connector's first pass: it reads every existing row (op r) in one consistent transaction, then streams the WAL from the snapshot's position."),
    ("Debezium envelope", "A change event's value: before, after, source (with lsn, txId, ts_ms), op (c, u, d, r) and ts_ms."),
    ("partition key", "The message key the producer hashes to choose a partition. Kafka keeps order within a partition only, so a row's events must share a key."),
    ("at-least-once", "Every event arrives, some more than once: after a restart, whatever was produced or applied since the last saved position comes again."),
    ("idempotent MERGE", "Applying an event twice (or an older one late) changes nothing: each row keeps the LSN it came from and only newer events are applied."),
    ("tombstone", "In Kafka, a message with the row's key and a null value. Debezium sends one after each delete event (tombstones.on.delete, on by default) so log compaction can drop the key; a sink must skip it, and a handler that reads event['op'] crashes on it."),
    ("deleted marker", "The sink keeps a deleted row as a marker with its delete's LSN, so a late older event cannot bring the row back."),
    ("query-based CDC", "Polling the table for rows whose updated_at is past the last poll's. Simple, but it sees only each row's latest state, never a delete, and misses a row whose transaction commits after a poll with an earlier updated_at (now() is the transaction's start)."),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inspect {
    Source,
    Connector,
    Part(usize),
    Target,
    Poller,
    Polled,
}

fn pick(key: &str, inspect: RwSignal<Option<Inspect>>) {
    let i = match key {
        "source" => Inspect::Source,
        "connector" => Inspect::Connector,
        "target" => Inspect::Target,
        "poller" => Inspect::Poller,
        "polled" => Inspect::Polled,
        k => match k.strip_prefix("p-").and_then(|n| n.parse().ok()) {
            Some(p) => Inspect::Part(p),
            None => return,
        },
    };
    inspect.set(Some(i));
}

fn chip(v: &CdcView, feed: &pipelab_core::patterns::cdc::feed::Feed) -> (String, bool) {
    match &v.last {
        Last::Step {
            record, applied, ..
        } => {
            let Some(r) = feed.record(*record) else {
                return (String::new(), false);
            };
            let bad = applied
                .iter()
                .find(|a| matches!(a.outcome, Outcome::Regressed | Outcome::NoKey));
            let tail = match bad.or(applied.last()) {
                Some(a) => format!(" · sink: {}", a.outcome.label()),
                None => String::new(),
            };
            (
                format!(
                    "{} order {} at {}{}",
                    match r.op.code() {
                        'c' => "INSERT",
                        'u' => "UPDATE",
                        'd' => "DELETE",
                        _ => "READ",
                    },
                    r.id,
                    lsn_text(feed.lsn(*record)),
                    tail
                ),
                bad.is_some(),
            )
        }
        Last::Start => ("the connector is about to snapshot the table".into(), false),
        _ => (
            pipelab_core::patterns::cdc::view::narrate_fault(&v.last),
            true,
        ),
    }
}

/// The picture: source → connector → partitions → sink/target, and source → poller →
/// polled copy.
fn picture(v: &CdcView, feed: &pipelab_core::patterns::cdc::feed::Feed) -> impl IntoView {
    let (label, bad) = chip(v, feed);
    let (produced_to, applied_from): (Vec<u32>, Vec<u32>) = match &v.last {
        Last::Step {
            produced, applied, ..
        } => (
            produced.iter().map(|(p, _)| *p).collect(),
            applied.iter().map(|a| a.partition).collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let parts = v.partitions.len().max(1);
    let band = 72.0 / parts as f64;
    let max_len = v.partitions.iter().map(|p| p.len).max().unwrap_or(0).max(1) as f64;
    let bars = v
        .partitions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let y = 30.0 + i as f64 * band;
            let h = (band - 3.0).max(2.0);
            let w = 90.0;
            let x = 196.0;
            let fill = w * p.len as f64 / max_len;
            let read = w * p.position as f64 / max_len;
            let committed = w * p.committed as f64 / max_len;
            let mut class = "cache-box part-row".to_string();
            if produced_to.contains(&(i as u32)) || applied_from.contains(&(i as u32)) {
                class.push_str(" just-moved");
            }
            if p.stalled {
                class.push_str(" stalled");
            }
            let waiting = p.len.saturating_sub(p.position);
            let title = format!(
                "Partition {i}: {} events, {} waiting{}",
                p.len,
                waiting,
                if p.stalled { ", stalled" } else { "" }
            );
            // The name starts with the bar's visible words, "p0 · 0" (WCAG 2.5.3, label in
            // name), then spells them out.
            let short_text = format!("p{i} · {waiting}");
            let aria = format!(
                "{short_text}: partition {i}, {} events, {} waiting{}",
                p.len,
                waiting,
                if p.stalled { ", stalled" } else { "" }
            );
            view! {
                <g class=class data-inspect=format!("p-{i}") tabindex="0" role="button" aria-label=aria>
                    <title>{title}</title>
                    <rect x=format!("{:.1}", x - 2.0) y=format!("{:.1}", y - 1.0) width=format!("{:.1}", w + 4.0) height=format!("{:.1}", h + 2.0) class="frame" />
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{fill:.1}") height=format!("{h:.1}") class="bar-fill" />
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{read:.1}") height=format!("{h:.1}") class="bar-read" />
                    <line x1=format!("{:.1}", x + committed) x2=format!("{:.1}", x + committed) y1=format!("{y:.1}") y2=format!("{:.1}", y + h) class="committed" />
                    <text x=format!("{:.1}", x + w + 5.0) y=format!("{:.1}", y + h / 2.0 + 3.0) class="box-sub">{short_text}</text>
                </g>
            }
        })
        .collect_view();
    let phase = match v.phase {
        Phase::Snapshot { next } => format!("snapshot {next}/{}", v.snapshot_rows),
        Phase::Streaming { .. } => "streaming".to_string(),
    };
    let target_class = format!(
        "cache-box{}{}",
        if !applied_from.is_empty() {
            " just-moved"
        } else {
            ""
        },
        if v.diffs.wrong > 0 { " stale" } else { "" }
    );
    let polled_class = format!(
        "cache-box{}",
        if v.diffs.poll_wrong > 0 { " stale" } else { "" }
    );
    let polled_now = matches!(&v.last, Last::Step { poll: Some(_), .. });
    // Each box's visible lines, built once for its texts and for its accessible name, which
    // reads them in order (WCAG 2.5.3, label in name).
    let source_rows = format!("{} rows", count(v.source_live));
    let source_wal = format!("WAL {}", lsn_text(v.wal_head_lsn));
    let source_label = format!("source, {source_rows}, {source_wal}");
    let behind = format!("{} behind", count(v.wal_backlog));
    let saved = format!("saved {}", v.saved_lsn.map_or("—".into(), lsn_text));
    let connector_label = format!("connector, {phase}, {behind}, {saved}");
    let target_rows = format!("{} rows", count(v.target_live));
    let target_lagging = format!("{} on the way", count(v.diffs.lagging));
    let target_wrong = format!("{} wrong", count(v.diffs.wrong));
    let target_label = format!("sink → target, {target_rows}, {target_lagging}, {target_wrong}");
    let polls = format!("{} polls", count(v.stats.polls));
    let missed = format!(
        "missed {} deletes, {} updates",
        count(v.stats.missed_deletes),
        count(v.stats.missed_overwritten)
    );
    let poller_label = format!("poller (updated_at), {polls}, {missed}");
    let polled_rows = format!("{} rows", count(v.polled_live));
    let polled_kept = format!("{} deleted kept", count(v.diffs.poll_wrong));
    let polled_label = format!("polled copy, {polled_rows}, {polled_kept}");
    view! {
        <g class=if bad { "order-chip refused" } else { "order-chip" }>
            <rect x="4" y="4" width="392" height="18" rx="4" />
            <text x="200" y="16" text-anchor="middle">{label}</text>
        </g>
        <g class=format!("cache-box{}", if matches!(v.last, Last::Step { .. }) { " just-moved" } else { "" }) data-inspect="source" tabindex="0" role="button"
            aria-label=source_label>
            <rect x="4" y="34" width="82" height="60" rx="4" class="frame" />
            <text x="45" y="48" text-anchor="middle" class="box-label">"source"</text>
            {" "} // keeps the lines apart as words in the text content
            <text x="45" y="62" text-anchor="middle" class="box-sub">{source_rows}</text>
            {" "}
            <text x="45" y="76" text-anchor="middle" class="box-sub">{source_wal}</text>
        </g>
        <path d="M86 64 L100 64" class="route-arrow" />
        <g class=format!("cache-box{}", if produced_to.is_empty() { "" } else { " just-moved" }) data-inspect="connector" tabindex="0" role="button"
            aria-label=connector_label>
            <rect x="100" y="34" width="82" height="60" rx="4" class="frame" />
            <text x="141" y="48" text-anchor="middle" class="box-label">"connector"</text>
            {" "}
            <text x="141" y="62" text-anchor="middle" class="box-sub">{phase}</text>
            {" "}
            <text x="141" y="76" text-anchor="middle" class="box-sub">{behind}</text>
            {" "}
            <text x="141" y="88" text-anchor="middle" class="box-sub">{saved}</text>
        </g>
        <path d="M182 64 L194 64" class="route-arrow" />
        {bars}
        <g class=target_class data-inspect="target" tabindex="0" role="button"
            aria-label=target_label>
            <rect x="318" y="34" width="78" height="60" rx="4" class="frame" />
            <text x="357" y="48" text-anchor="middle" class="box-label">"sink → target"</text>
            {" "}
            <text x="357" y="62" text-anchor="middle" class="box-sub">{target_rows}</text>
            {" "}
            <text x="357" y="76" text-anchor="middle" class="box-sub">{target_lagging}</text>
            {" "}
            <text x="357" y="88" text-anchor="middle" class="box-sub">{target_wrong}</text>
        </g>
        <path d="M45 94 L45 150 L100 150" class="route-arrow poll" />
        <g class=format!("cache-box{}", if polled_now { " just-moved" } else { "" }) data-inspect="poller" tabindex="0" role="button"
            aria-label=poller_label>
            <rect x="100" y="126" width="130" height="48" rx="4" class="frame" />
            <text x="165" y="140" text-anchor="middle" class="box-label">"poller (updated_at)"</text>
            {" "}
            <text x="165" y="154" text-anchor="middle" class="box-sub">{polls}</text>
            {" "}
            <text x="165" y="167" text-anchor="middle" class="box-sub">{missed}</text>
        </g>
        <path d="M230 150 L318 150" class="route-arrow poll" />
        <g class=polled_class data-inspect="polled" tabindex="0" role="button"
            aria-label=polled_label>
            <rect x="318" y="126" width="78" height="48" rx="4" class="frame" />
            <text x="357" y="140" text-anchor="middle" class="box-label">"polled copy"</text>
            {" "}
            <text x="357" y="154" text-anchor="middle" class="box-sub">{polled_rows}</text>
            {" "}
            <text x="357" y="167" text-anchor="middle" class="box-sub">{polled_kept}</text>
        </g>
    }
}

fn questions(sim: Sim<Cdc>) -> Vec<Question> {
    let next = sim.predict_next(|s| match s.last() {
        Last::Step { applied, .. } => match applied.first() {
            None => (4, "The sink applies nothing at the next step: the topic is empty or its partition stalled.".into()),
            Some(a) => {
                let pick = match a.outcome {
                    Outcome::Inserted => 0,
                    Outcome::Updated => 1,
                    Outcome::Deleted => 2,
                    Outcome::Skipped => 3,
                    _ => 4,
                };
                (pick, format!("The sink's next event ({} at partition {}, offset {}): {}.", if a.message.redelivered { "a redelivered one" } else { "a first delivery" }, a.partition, a.offset, a.outcome.label()))
            }
        },
        _ => (4, String::new()),
    });
    let restart = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            if let Err(e) = s.apply(&Fault::new("connector-restart")) {
                return (0, format!("Not here: {e}."));
            }
            match s.last() {
                Last::Restart { rewound, snapshot_again } => {
                    let pick = if *rewound == 0 { 0 } else if *rewound < 50 { 1 } else { 2 };
                    (pick, format!(
                        "On a copy of this run: {} events would be produced again{}. The Kafka Connect worker flushes the connector's position (the LSN) every {} ms; everything produced since the last flush comes again, and the guarded MERGE skips it.",
                        count(*rewound),
                        if *snapshot_again { " — the snapshot was not finished, so it starts over" } else { "" },
                        s.params().flush_ms
                    ))
                }
                _ => (0, String::new()),
            }
        })
        .unwrap_or((0, String::new()))
    });
    vec![
        Question {
            id: "predict-next",
            prompt: "Predict: what will the sink do with the first event it applies at the next step?".into(),
            choices: vec!["Insert a row".into(), "Update a row".into(), "Delete a row".into(), "Skip it (not newer than the row)".into(), "Something else, or nothing".into()],
            answer: next,
        },
        Question {
            id: "restart",
            prompt: "Predict: if the connector restarted now, how many events would it produce a second time?".into(),
            choices: vec!["None".into(), "Fewer than 50".into(), "50 or more".into()],
            answer: restart,
        },
        Question {
            id: "polling",
            prompt: "Query-based CDC polls SELECT … WHERE updated_at > :last. Which changes can it never deliver?".into(),
            choices: vec!["Inserts made just before a poll".into(), "Deletes, updates overwritten before the next poll, and rows whose transaction commits after a poll with an earlier updated_at".into(), "Nothing, if it polls often enough".into()],
            answer: Callback::new(|()| (1, "A deleted row is gone from the table, so no query returns it; a row changed twice between polls is read once, in its latest state. Polling faster shrinks the second kind, never the first (unless deletes become soft deletes with updated_at); and since updated_at = now() is the transaction's start, a slow transaction that commits after a poll has an updated_at behind it and is skipped for good. Compare the poller's missed counts with the oracle's badge.".into())),
        },
        Question {
            id: "after-id",
            prompt: "The note keys each event by after.id. What happens to a delete?".into(),
            choices: vec!["It is routed like the row's other events".into(), "Its key is empty: it goes to another partition and its MERGE matches no row".into(), "Kafka rejects it".into()],
            answer: Callback::new(|()| (1, "A delete's after is null. The note's handler either crashes on it or, guarded, sends it with an empty key — to the partition of the empty key, out of order with the row's updates — and its MERGE on after_id finds nothing, so the row stays in the target. Switch on the pitfall and watch the wrong rows grow.".into())),
        },
    ]
}

/// The oracle's check of `s`'s run so far (see [`Check`]): the drained pipeline's rows
/// against the source's history, and what polling could have seen.
fn new_check(s: &Cdc) -> Check {
    let d = s.drained();
    Check::new(
        s.feed(),
        s.committed_changes(),
        d.ids(),
        u64::from(s.params().poll_ms) * 1_000,
    )
}

#[component]
pub fn CdcPage() -> impl IntoView {
    let sim = Sim::<Cdc>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let only_diffs = RwSignal::new(false);
    // The oracle re-derives the source from its history once the page is still.
    let key = Memo::new(move |_| {
        view.with(|v| {
            (
                v.step,
                v.stats.applied,
                v.stats.produced,
                v.stats.polls,
                v.guard,
                v.note,
                v.partitions.len(),
            )
        })
    });
    let settled = crate::sim::settled(key, ui.playing);
    // The oracle's pass over every change, a slice of rows per task (`sim::sliced`): after
    // a million changes it is too long for one.
    let check = crate::sim::sliced(
        settled,
        move |_| {
            sim.with_untracked(|t| new_check(t.current()).units())
                .unwrap_or(0)
        },
        move |_| {
            sim.with_untracked(|t| new_check(t.current()))
                .unwrap_or_default()
        },
        move |_, check, rows| {
            sim.with_untracked(|t| {
                let s = t.current();
                // Drained (all in flight delivered) only once a slice compares rows.
                let drained = std::cell::OnceCell::new();
                check.run(s.feed(), rows, |id| {
                    let d = drained.get_or_init(|| s.drained());
                    d.target()
                        .row_record(d.feed(), id)
                        .and_then(|r| d.feed().row(r))
                });
            });
        },
    );
    let verdict = Memo::new(move |_| {
        let (k, wrong, missed) = check.with(|c| {
            c.as_ref().map(|(k, c)| {
                let missed = c.poll.missed_deletes + c.poll.missed_overwritten;
                (*k, c.wrong as i64, missed as i64)
            })
        })?;
        let own = sim.with_untracked(|t| t.current().drained().diffs().wrong as i64)?;
        Some((k, wrong, own, missed))
    });
    let target_truth = Signal::derive(move || match verdict.get() {
        Some((k, wrong, _, _)) if k == key.get() => {
            if wrong == 0 {
                Truth::Correct
            } else {
                Truth::Wrong(wrong)
            }
        }
        _ => Truth::Pending,
    });
    let missed_truth = Signal::derive(move || match verdict.get() {
        Some((k, _, _, missed)) if k == key.get() => {
            let shown = view.with(|v| (v.stats.missed_deletes + v.stats.missed_overwritten) as i64);
            if shown == missed {
                Truth::Correct
            } else {
                Truth::Wrong(shown - missed)
            }
        }
        _ => Truth::Pending,
    });
    let own_count = move || match verdict.get() {
        Some((k, _, own, _)) if k == key.get() => {
            format!("The pipeline's own count after draining: {own} wrong rows.")
        }
        _ => "Drained once the page is still.".to_string(),
    };
    let event = move || {
        view.with(|v| {
            let note = v.note;
            last_produced(v).map(|m| sim.with(|t| event_json(t.current().feed(), &m, note)))
        })
    };
    let part_chart = Signal::derive(move || {
        view.with(|v| BarData {
            title: format!("Events per partition of {}", v.topic_name()),
            y_label: "events".into(),
            labels: (0..v.partitions.len()).map(|i| format!("p{i}")).collect(),
            values: v.partitions.iter().map(|p| p.len as f64).collect(),
            reference: None,
            emphasis: match &v.last {
                Last::Step { produced, .. } => produced.last().map(|(p, _)| *p as usize),
                _ => None,
            },
            second: Some((
                "waiting for the sink".into(),
                "produced".into(),
                v.partitions
                    .iter()
                    .map(|p| p.len.saturating_sub(p.position) as f64)
                    .collect(),
            )),
            lines: false,
        })
    });
    let rows_total = Signal::derive(move || {
        view.with(|v| {
            if only_diffs.get() {
                v.diffs.rows as usize
            } else {
                v.ids as usize
            }
        })
    });
    let rows_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        let only = only_diffs.get();
        sim.with(|t| side_by_side(t.current(), only, start, n))
    });
    let wal_total = Signal::derive(move || view.with(|v| v.step as usize));
    let wal_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| wal_rows(t.current(), start, n))
    });
    let applied_total = Signal::derive(move || view.with(|v| v.stats.applied as usize));
    let applied_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| applied_rows(t.current(), start, n))
    });
    let polls_total = Signal::derive(move || view.with(|v| v.stats.polls as usize));
    let polls_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| poll_rows(t.current(), start, n))
    });
    let shown_part = move || match inspect.get() {
        Some(Inspect::Part(p)) => p,
        _ => 0,
    };
    let part_total = Signal::derive(move || {
        let p = shown_part();
        view.with(|v| v.partitions.get(p).map_or(0, |x| x.len as usize))
    });
    let part_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        let p = shown_part();
        sim.with(|t| partition_rows(t.current(), p, start, n))
    });
    let inspect_body = move || {
        match inspect.get() {
        None => "Click the source, the connector, a partition, the target, the poller or the polled copy to inspect it. The partition's messages are listed below (partition 0 until you pick one).".to_string(),
        Some(Inspect::Source) => view.with(|v| format!("Source table orders: {} rows, {} ids handed out; its WAL ends at {} ({} changes committed). The WAL table below lists them newest first.", count(v.source_live), count(v.ids as u64), lsn_text(v.wal_head_lsn), count(v.step))),
        Some(Inspect::Connector) => view.with(|v| format!(
            "Connector: {}; read up to {}, position saved at {} every {} ms. {} produced, {} of them again after a restart.",
            match v.phase { Phase::Snapshot { next } => format!("snapshotting row {next} of {}", v.snapshot_rows), Phase::Streaming { .. } => "streaming the WAL".into() },
            lsn_text(v.read_lsn), v.saved_lsn.map_or("— (snapshot not saved)".into(), lsn_text),
            sim.params_with(|p| p.flush_ms), count(v.stats.produced), count(v.stats.redelivered))),
        Some(Inspect::Part(p)) => view.with(|v| v.partitions.get(p).map_or(format!("Partition {p} does not exist."), |x| format!(
            "Partition {p} of {}: {} events; the sink has read {} and committed {}{}.",
            v.topic_name(), x.len, x.position, x.committed, if x.stalled { "; its consumer is stalled" } else { "" }))),
        Some(Inspect::Target) => view.with(|v| format!(
            "Log target (MERGE {}): {} rows; {} inserted, {} updated, {} deleted, {} skipped, {} went back in time, {} deletes matched nothing.",
            if v.guard == Guard::Lsn { "guarded by LSN" } else { "plain" },
            count(v.target_live), count(v.stats.inserted), count(v.stats.updated), count(v.stats.deleted), count(v.stats.skipped), count(v.stats.regressed), count(v.stats.no_key + v.stats.nothing_to_delete))),
        Some(Inspect::Poller) => view.with(|v| format!(
            "Poller: {} polls every {} ms, {} rows copied; it missed {} deletes and {} changes overwritten before the next poll.",
            count(v.stats.polls), sim.params_with(|p| p.poll_ms), count(v.stats.poll_rows), count(v.stats.missed_deletes), count(v.stats.missed_overwritten))),
        Some(Inspect::Polled) => view.with(|v| format!(
            "Polled copy: {} rows, of which {} the source deleted (no poll will remove them); {} rows wait for the next poll.",
            count(v.polled_live), count(v.diffs.poll_wrong), count(v.diffs.poll_lagging))),
    }
    };
    let stall_here = move || match inspect.get() {
        Some(Inspect::Part(p)) => Some(p),
        _ => None,
    };
    view! {
        <SimPage ui=ui title="Change data capture: log-based and polling">
            <p class="lede">"An orders table changes once a step. A Debezium connector reads its write-ahead log — first a snapshot of the rows already there — and publishes every change as an event, keyed by the row's id, onto a topic's partitions; a sink merges them into a copy. Beside it, a poller asks the table what changed. Restart the connector, stall a partition, crash the sink — or key events the way the note does."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Source, connector, topic, sink — and the poller"</h2>
                        <div class="diagram" data-testid="diagram">
                            <svg viewBox="0 0 400 180" role="group" class="cache-svg cdc-svg" aria-label=move || view.with(summary)
                                on:click=move |ev| if let Some(k) = crate::browser::inspect_target(&ev) { pick(&k, inspect) }
                                on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " {
                                    if let Some(k) = crate::browser::inspect_target(&ev) { ev.prevent_default(); pick(&k, inspect) }
                                }>
                                {move || view.with(|v| sim.with(|t| picture(v, t.current().feed()).into_any()))}
                            </svg>
                            <p class="hint">{move || view.with(summary)}</p>
                            <p class="legend hint">"Ringed = touched by the last step; partition bars: dark = read by the sink, light = waiting, the line = the committed offset; red = wrong rows, or deleted rows the polled copy keeps."</p>
                        </div>
                        <div class="inspect" data-testid="inspect" aria-live="polite">
                            <strong>"Inspect: "</strong>{inspect_body}
                            {move || stall_here().map(|p| view! {
                                <button data-testid="stall-partition" on:click=move |_| sim.inject_fault(Fault::with_arg("reorder", p as u32))>{format!("Stall partition {p}")}</button>
                            })}
                        </div>
                        <DataTable id="partition" caption="Messages of the inspected partition, newest first" columns=&["Offset", "op", "Key (id)", "LSN", "Sink", ""] total=part_total fetch=part_fetch page_size=8 />
                    </section>
                    <section class="panel" aria-label="The event just produced">
                        <h2>"The event just produced"</h2>
                        <div data-testid="event-json">
                            {move || match event() {
                                Some((k, v)) => view! {
                                    <p class="hint">{format!("Key: {k}")}</p>
                                    <pre class="json" tabindex="0" role="region" aria-label="The event as JSON">{v}</pre>
                                }.into_any(),
                                None => view! { <p class="hint">"No event produced at this step (the connector has caught up, or nothing happened yet)."</p> }.into_any(),
                            }}
                        </div>
                    </section>
                    <section class="panel metrics" aria-label="Counts and ground truth">
                        <h2>"Delivery, merging and what each copy got right"</h2>
                        <dl class="stats">
                            <div><dt>"Events produced"</dt><dd data-testid="produced">{move || view.with(|v| count(v.stats.produced))}</dd></div>
                            <div><dt>"Produced again"</dt><dd data-testid="redelivered">{move || view.with(|v| count(v.stats.redelivered))}</dd></div>
                            <div><dt>"Skipped by the guard"</dt><dd data-testid="skipped">{move || view.with(|v| count(v.stats.skipped))}</dd></div>
                            <div><dt>"Went back in time"</dt><dd data-testid="regressed">{move || view.with(|v| count(v.stats.regressed))}</dd></div>
                            <div><dt>"Deletes that matched nothing"</dt><dd data-testid="lost-deletes">{move || view.with(|v| count(v.stats.no_key))}</dd></div>
                            <div><dt>"Rows on their way / wrong"</dt><dd data-testid="target-diff">{move || view.with(|v| format!("{} / {}", count(v.diffs.lagging), count(v.diffs.wrong)))}</dd></div>
                            <div><dt>"Target vs the source, once drained"</dt><dd><TruthBadge metric="target" scope=TruthScope::SoFar truth=target_truth /></dd></div>
                            <div><dt>"Polling: changes missed"</dt><dd data-testid="missed">{move || view.with(|v| format!("{} deletes + {} overwritten", count(v.stats.missed_deletes), count(v.stats.missed_overwritten)))}</dd></div>
                            <div><dt>"Missed count vs the oracle"</dt><dd><TruthBadge metric="missed" scope=TruthScope::SoFar truth=missed_truth /></dd></div>
                        </dl>
                        <p class="hint">{own_count}" The oracle folds the source's history alone (no WAL, topic or sink): the table after this step, and which changes a poll every interval can ever see."</p>
                    </section>
                    <section class="panel" aria-label="Source and copies side by side">
                        <h2>"Source, log target and polled copy, row by row"</h2>
                        <label class="check"><input type="checkbox" data-testid="only-diffs" prop:checked=move || only_diffs.get() on:change=move |ev| only_diffs.set(event_target_checked(&ev)) />" Only rows that differ"</label>
                        <DataTable id="rows" caption="orders: source, log target, polled copy (differences highlighted)" columns=&["id", "Source", "Log target", "Polled copy", "Differs"] total=rows_total fetch=rows_fetch page_size=10 flag=4 />
                    </section>
                    <section class="panel lazy">
                        <BarChart id="partitions" data=part_chart />
                        <DataTable id="wal" caption="The WAL, newest first" columns=&["LSN", "txid", "Change", "id", "Row after", "Connector"] total=wal_total fetch=wal_fetch page_size=8 />
                        <DataTable id="applied" caption="Events the sink applied, newest first" columns=&["Step", "Partition@offset", "op", "id", "LSN", "Outcome", ""] total=applied_total fetch=applied_fetch page_size=8 />
                        <DataTable id="polls" caption="Polls, newest first" columns=&["At", "Changes since the last", "Rows copied", "Deletes missed", "Overwritten missed"] total=polls_total fetch=polls_fetch page_size=8 />
                    </section>
                    <CodePanel code=code />
                    <Questions questions=questions(sim) />
                    <SimNarrationLog ui=ui />
                </div>
                <aside class="col-side">
                    <SimScenarioPanel ui=ui />
                    <SimFaultsPanel ui=ui />
                </aside>
            </div>
            <Explainer
                what="Change data capture publishes every row change of a database as an event, in commit order per row, so caches, search indexes, warehouses and other services can follow the database without querying it. Log-based CDC reads the write-ahead log: it sees every insert, update and delete, with its position (LSN), at the cost of a connector and a replication slot to run."
                when="Keeping a lakehouse, search index or cache in step with an operational database; splitting a monolith's data out to new services; audit trails of every change; replacing nightly full extracts."
                when_not="A table that rarely changes and is small enough to copy whole; when only the latest state matters and deletes never happen (polling is simpler); when the source cannot give you its log (managed databases without logical replication)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
