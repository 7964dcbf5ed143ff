//! /etl-elt: one nightly extract (nulls, bad amounts, duplicated rows) through ETL (clean
//! and aggregate, load the result), ELT (load raw rows into an Arrow staging table,
//! transform in the warehouse) and streaming (transform each loaded chunk), with the
//! oracle's aggregate beside every published table.

use leptos::prelude::*;
use pipelab_core::format::{clock, count, money};
use pipelab_core::patterns::etl_elt::code::code_view;
use pipelab_core::patterns::etl_elt::costs::COSTS;
use pipelab_core::patterns::etl_elt::scenario::Last;
use pipelab_core::patterns::etl_elt::transform::{Counts, Rule, Verdict};
use pipelab_core::patterns::etl_elt::view::{
    first_data_sweep, kept_text, source_page, staging_page, stream_page, table_page, time_text,
    Judged, JudgedRow,
};
use pipelab_core::patterns::etl_elt::{EtlElt, EtlView};
use pipelab_core::sim::{Scenario, SimTime};

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
    ("extract", "Reading the rows out of the source system; here a full extract of the orders table every night."),
    ("staging table", "Where ELT lands raw rows exactly as extracted, before any cleaning; here an Arrow table, one record batch per INSERT."),
    ("transform", "The cleaning and aggregation: drop nulls, reject amounts that do not parse, keep one row per order, apply the revenue rule, sum per key."),
    ("time to first data", "How long after a run starts a query can read something useful in the warehouse."),
    ("re-derive", "Run a new transform over raw rows you kept, instead of extracting them again."),
    ("full extract", "Reading the whole source every run (as opposed to an incremental or CDC extract of the changes)."),
    ("idempotent load", "A load that can be rerun without changing the result: here each night's rows carry its run id and a rerun replaces them."),
    ("partition", "A slice of a table by a key (here the night, _run) that a query or a rerun can address alone."),
];

/// What the learner clicked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Box(&'static str),
}

fn judged_class(j: Judged) -> &'static str {
    match j {
        Judged::Pending => "pending",
        Judged::Correct => "ok",
        Judged::Wrong { .. } => "wrong",
    }
}

fn truth(j: Judged) -> Truth {
    match j {
        Judged::Pending => Truth::Pending,
        Judged::Correct => Truth::Correct,
        Judged::Wrong { keys, .. } => Truth::Wrong(keys as i64),
    }
}

fn rule_v(r: Rule) -> String {
    format!("v{}", r.version())
}

/// One box of the picture: a rectangle, a title and a line under it.
#[allow(clippy::too_many_arguments)]
fn node(
    id: &'static str,
    class: String,
    x: f64,
    y: f64,
    w: f64,
    title: String,
    sub: String,
    inspect: RwSignal<Option<Inspect>>,
) -> AnyView {
    // The accessible name starts with the words the box shows (WCAG 2.5.3, label in name).
    let label = format!("{title}, {sub} — inspect");
    view! {
        <g class=format!("box {class}") data-inspect=format!("box-{id}") role="button" tabindex="0" aria-label=label
            on:click=move |_| inspect.set(Some(Inspect::Box(id)))
            on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); inspect.set(Some(Inspect::Box(id))) }>
            <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height="34" rx="4" />
            <text x=format!("{:.1}", x + 5.0) y=format!("{:.1}", y + 13.0) class="layer-title">{title}</text>
            {" "} // keeps the two lines apart as words in the text content
            <text x=format!("{:.1}", x + 5.0) y=format!("{:.1}", y + 26.0) class="layer-sub">{sub}</text>
        </g>
    }
    .into_any()
}

fn arrow(x1: f64, y1: f64, x2: f64, y2: f64) -> AnyView {
    view! { <path d=format!("M{x1:.1} {y1:.1} L{x2:.1} {y2:.1}") class="arrow" marker-end="url(#etl-head)" /> }.into_any()
}

/// The picture: the source and the extract, then one lane per path ending in the table it
/// publishes, the box that just did something outlined.
fn etl_svg(v: &EtlView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let (row_text, etl_moved, loaded, finished, copy, verdict) = match &v.last {
        Last::Row {
            row,
            copy,
            etl,
            load,
            finished,
            ..
        } => (
            format!(
                "#{} {} {}",
                row.order_id,
                row.category.unwrap_or("∅"),
                row.amount.as_deref().unwrap_or("∅")
            ),
            true,
            load.is_some(),
            finished.is_some(),
            *copy,
            Some(*etl),
        ),
        _ => ("—".to_string(), false, false, false, false, None),
    };
    let moved = |on: bool| if on { " just-moved" } else { "" };
    let verdict_class = match verdict {
        Some(Verdict::Counted { .. }) => "ok",
        Some(Verdict::Duplicate) => "dup",
        Some(Verdict::Excluded) => "pending",
        Some(Verdict::Rejected(_)) => "wrong",
        None => "",
    };
    let rule_changed = matches!(v.last, Last::RuleChange { .. });
    let table_sub = |t: &Option<pipelab_core::patterns::etl_elt::view::TableInfo>| match t {
        Some(t) => format!(
            "{} rows · night {} · rule {}",
            t.rows,
            t.night,
            rule_v(t.rule)
        ),
        None => "not published yet".to_string(),
    };
    let etl_sub = format!(
        "rule {} · {} counted · {} dropped",
        rule_v(v.etl_rule),
        count(v.etl_running.counted),
        count(v.etl_running.null + v.etl_running.bad + v.etl_running.duplicates)
    );
    let staging_sub = if v.append {
        format!("{} raw rows, all nights mixed", count(v.staging_rows))
    } else {
        format!("{} raw rows by night (_run)", count(v.staging_rows))
    };
    view! {
        <defs>
            <marker id="etl-head" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0 L6 3 L0 6 z" class="arrow-head" /></marker>
        </defs>
        {node("source", format!("src{}", moved(matches!(v.last, Last::SourceChange { .. }))), 10.0, 6.0, 150.0,
            "Source: orders".into(), format!("{} live rows · {} changes", count(v.live_source_rows), v.source_changes), inspect)}
        {arrow(160.0, 23.0, 196.0, 23.0)}
        {node("extract", format!("extract {verdict_class}{}{}", moved(etl_moved), if copy { " copy" } else { "" }), 198.0, 6.0, 172.0,
            format!("Extract, night {} · {} / {}", v.night, count(v.extracted), count(v.extract_len)), row_text, inspect)}
        <text x="10" y="60" class="axis-label">"ETL: transform, then load the result"</text>
        {node("etl", format!("etl{}", moved(etl_moved)), 10.0, 64.0, 170.0, "ETL server (in memory)".into(), etl_sub, inspect)}
        {arrow(180.0, 81.0, 198.0, 81.0)}
        {node("etl-table", format!("table {}{}", judged_class(v.etl_judged), moved(finished)), 200.0, 64.0, 170.0,
            "revenue_etl".into(), table_sub(&v.etl), inspect)}
        <text x="10" y="116" class="axis-label">"ELT: load raw rows, transform in the warehouse"</text>
        {node("buffer", format!("buffer{}", moved(etl_moved && !loaded)), 10.0, 120.0, 100.0,
            "Load buffer".into(), format!("{} / {} rows", count(v.buffered as u64), count(v.chunk as u64)), inspect)}
        {arrow(110.0, 137.0, 124.0, 137.0)}
        {node("staging", format!("staging{}", moved(loaded)), 126.0, 120.0, 132.0,
            "stg_raw_orders".into(), staging_sub, inspect)}
        {arrow(258.0, 137.0, 272.0, 137.0)}
        {node("elt-table", format!("table {}{}", judged_class(v.elt_judged), moved(finished || rule_changed)), 274.0, 120.0, 96.0,
            "revenue_elt".into(), v.elt.as_ref().map_or("not yet".to_string(), |t| format!("night {} · {}", t.night, rule_v(t.rule))), inspect)}
        <text x="10" y="172" class="axis-label">"Streaming: transform each chunk as it lands"</text>
        {node("stream", format!("stream{}", moved(loaded || rule_changed)), 10.0, 176.0, 170.0,
            "Chunk transform".into(), format!("{} counted of {} loaded", count(v.stream_counts.counted), count(v.stream_counts.read)), inspect)}
        {arrow(180.0, 193.0, 198.0, 193.0)}
        {node("live-table", format!("table {}{}", judged_class(v.stream_judged), moved(loaded || rule_changed)), 200.0, 176.0, 170.0,
            "revenue_live".into(), format!("{} rows · night {}{}", v.stream_keys, v.stream_night, if v.stream_so_far { " so far" } else { "" }), inspect)}
        <text x="10" y="226" class="axis-label">{format!("Rule in force: {} · clock {}", v.rule.label(), v.clock)}</text>
    }
}

fn stat_rows(v: &EtlView) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("Night", "night", format!("{} of {}", v.night, v.nights)),
        (
            "Extracted this night",
            "extracted",
            format!("{} of {}", count(v.extracted), count(v.extract_len)),
        ),
        ("Rows in staging", "staging-rows", count(v.staging_rows)),
        ("INSERTs into staging", "loads", count(v.loads)),
        ("Rule in force", "rule", v.rule.label().to_string()),
    ]
}

/// A stage's label and the count it shows.
type Stage = (&'static str, fn(&Counts) -> u64);

/// Rows kept at each stage of each path: `[stage, ETL, ELT, stream]`.
fn kept_rows(v: &EtlView) -> Vec<Vec<String>> {
    let elt = v.elt.as_ref().map(|t| t.counts);
    let stages: [Stage; 6] = [
        ("Rows the transform read", |c| c.read),
        ("Dropped: a null field", |c| c.null),
        ("Rejected: not a valid amount", |c| c.bad),
        ("Skipped: a second row of an order", |c| c.duplicates),
        ("Left out by the rule (v2: cancelled)", |c| c.excluded),
        ("Counted", |c| c.counted),
    ];
    stages
        .iter()
        .map(|(label, f)| {
            vec![
                label.to_string(),
                count(f(&v.etl_running)),
                elt.map_or("–".to_string(), |c| count(f(&c))),
                count(f(&v.stream_counts)),
            ]
        })
        .collect()
}

#[component]
fn Metrics(view: Memo<EtlView>) -> impl IntoView {
    let rows = Memo::new(move |_| view.with(stat_rows));
    let b = move |which: usize| {
        Signal::derive(move || {
            view.with(|v| truth([v.etl_judged, v.elt_judged, v.stream_judged][which]))
        })
    };
    let stream_scope = Memo::new(move |_| view.with(|v| v.stream_so_far));
    let money_off = move || {
        view.with(|v| {
            let off = |j: Judged| match j {
                Judged::Wrong { cents, .. } => format!("off by {}", money(cents)),
                Judged::Correct => "exact".to_string(),
                Judged::Pending => "nothing yet".to_string(),
            };
            format!(
                "ETL {}; ELT {}; stream {}. A badge compares a published table with the oracle's aggregate of the extract it answers for, under the rule in force (the stream's, mid-night, with the rows loaded so far); “wrong by N” counts the keys that differ.",
                off(v.etl_judged),
                off(v.elt_judged),
                off(v.stream_judged)
            )
        })
    };
    view! {
        <dl class="stats">
            {move || rows.with(|r| r.iter().map(|(label, hook, value)| view! {
                <div><dt>{*label}</dt><dd data-testid=*hook>{value.clone()}</dd></div>
            }).collect_view())}
        </dl>
        <dl class="stats">
            <div><dt>"revenue_etl"</dt><dd><TruthBadge metric="etl" scope=TruthScope::Final truth=b(0) /></dd></div>
            <div><dt>"revenue_elt"</dt><dd><TruthBadge metric="elt" scope=TruthScope::Final truth=b(1) /></dd></div>
            <div><dt>"revenue_live"</dt><dd>
                {move || if stream_scope.get() {
                    view! { <TruthBadge metric="stream" scope=TruthScope::SoFar truth=b(2) /> }.into_any()
                } else {
                    view! { <TruthBadge metric="stream" scope=TruthScope::Final truth=b(2) /> }.into_any()
                }}
            </dd></div>
        </dl>
        <p class="hint">{money_off}</p>
        <DataTable id="kept" caption="Rows kept at each stage (ETL and the stream: this night so far; ELT: its last transform)" columns=&["Stage", "ETL", "ELT", "Stream"] rows=Signal::derive(move || view.with(kept_rows)) page_size=6 />
    }
}

fn inspect_text(v: &EtlView, which: &str) -> String {
    match which {
        "source" => format!(
            "The source (an operational orders table): {} live rows at night {}. Between nights some orders are corrected, cancelled or deleted and new ones arrive; {} extra change(s) were injected. Each night's extract reads it as it stood when the night started.",
            count(v.live_source_rows), v.night, v.source_changes
        ),
        "extract" => match &v.last {
            Last::Row { row, copy, etl, .. } => format!(
                "Extracted order {} (user {}, category {}, amount {}, {}, updated {}){}. ETL's verdict: {}.",
                row.order_id,
                row.user_id,
                row.category.unwrap_or("null"),
                row.amount.as_deref().map(|a| format!("\"{a}\"")).unwrap_or_else(|| "null".into()),
                row.status,
                clock(SimTime(row.updated_ms)),
                if *copy { " — a second copy written by the export" } else { "" },
                verdict_words(*etl)
            ),
            _ => "No row was extracted by the last step.".into(),
        },
        "etl" => format!(
            "The ETL job cleans each row in memory and keeps running sums; the warehouse sees nothing until the extract ends. This night it was deployed with rule {}: {}.",
            rule_v(v.etl_rule), kept_text(&v.etl_running)
        ),
        "etl-table" | "elt-table" => {
            let t = if which == "etl-table" { &v.etl } else { &v.elt };
            match t {
                Some(t) => format!(
                    "Published at step {} for night {} under rule {}: {} rows. The transform: {}.",
                    count(t.step), t.night, rule_v(t.rule), t.rows, kept_text(&t.counts)
                ),
                None => "Nothing published yet: the first night has not finished.".into(),
            }
        }
        "buffer" => format!(
            "ELT's loader collects {} rows per INSERT; {} are waiting.",
            v.chunk, v.buffered
        ),
        "staging" => format!(
            "stg_raw_orders holds {} raw rows from {} INSERTs ({} record batches), exactly as extracted — nulls, bad amounts and duplicates included. {}",
            count(v.staging_rows), count(v.loads), count(v.staging_batches as u64),
            if v.append { "The note appends every night with nothing marking the night, so the transform reads them all." } else { "Each row carries its night (_run); the transform reads one night, and a rerun replaces that night's rows." }
        ),
        _ => format!(
            "The streaming variant transforms each chunk as it lands: {}.",
            kept_text(&v.stream_counts)
        ),
    }
}

fn verdict_words(v: Verdict) -> String {
    match v {
        Verdict::Counted { cents, .. } => format!("counted ({})", money(cents)),
        Verdict::Excluded => "left out by rule v2 (cancelled)".into(),
        Verdict::Rejected(r) => format!("dropped: {}", r.label()),
        Verdict::Duplicate => "skipped: that order was already counted".into(),
    }
}

#[component]
fn InspectPanel(view: Memo<EtlView>, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let body = move || match inspect.get() {
        None => "Click a box in the picture to inspect it.".to_string(),
        Some(Inspect::Box(which)) => view.with(|v| inspect_text(v, which)),
    };
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}
        </div>
    }
}

fn judged_row(r: &JudgedRow) -> Vec<String> {
    vec![
        r.row.label.clone(),
        money(r.row.cents),
        count(r.row.orders),
        match r.truth {
            Some(t) if t == (r.row.cents, r.row.orders) => "✓".into(),
            Some((c, o)) => format!("✗ {} over {}", money(c), count(o)),
            None => "✗ not in the truth".into(),
        },
    ]
}

fn table_rows(sim: Sim<EtlElt>, which: u8) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let s = t.current();
            let rows = match which {
                0 => s.etl_table().map(|p| table_page(s, p, start, n)),
                1 => s.elt_table().map(|p| table_page(s, p, start, n)),
                _ => Some(stream_page(s, start, n)),
            };
            rows.unwrap_or_default().iter().map(judged_row).collect()
        })
    })
}

fn staging_rows(sim: Sim<EtlElt>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            staging_page(t.current(), start as u64, n)
                .into_iter()
                .map(|r| {
                    vec![
                        count(r.index + 1),
                        r.night.to_string(),
                        r.insert.to_string(),
                        r.row.order_id.to_string(),
                        r.row.user_id.to_string(),
                        r.row.category.unwrap_or("null").to_string(),
                        r.row.amount.unwrap_or_else(|| "null".into()),
                        r.row.status.to_string(),
                    ]
                })
                .collect()
        })
    })
}

fn source_rows(sim: Sim<EtlElt>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let s = t.current();
            let run = s.run().min(s.source().runs() - 1);
            source_page(s.source(), run, start as u64, n)
                .into_iter()
                .map(|l| match l.row {
                    Some(r) => vec![
                        r.order_id.to_string(),
                        r.user_id.to_string(),
                        r.category.unwrap_or("null").to_string(),
                        r.amount.unwrap_or_else(|| "null".into()),
                        r.status.to_string(),
                        clock(SimTime(r.updated_ms)),
                        if l.changed_since_extract {
                            "changed since this night's extract".into()
                        } else {
                            String::new()
                        },
                    ],
                    None => vec![
                        (100_000 + l.slot).to_string(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        "deleted".into(),
                    ],
                })
                .collect()
        })
    })
}

fn night_rows(v: &EtlView) -> Vec<Vec<String>> {
    v.records
        .iter()
        .map(|r| {
            vec![
                (r.run + 1).to_string(),
                count(r.extracted),
                count(r.transform_rows),
                count(r.etl.counted),
                count(r.elt.counted),
                time_text(r.timing.etl_ms),
                time_text(r.timing.elt_raw_ms),
                time_text(r.timing.elt_ms),
                time_text(r.timing.stream_ms),
            ]
        })
        .collect()
}

fn questions(sim: Sim<EtlElt>) -> Vec<Question> {
    let next = sim.predict_next(move |s| match s.last() {
        Last::Row { row, etl, .. } => {
            let i = match etl {
                Verdict::Counted { .. } | Verdict::Excluded => 0,
                Verdict::Rejected(_) => 1,
                Verdict::Duplicate => 2,
            };
            (
                i,
                format!(
                    "The next row is order {} with amount {}: ETL {}.",
                    row.order_id,
                    row.amount
                        .as_deref()
                        .map(|a| format!("\"{a}\""))
                        .unwrap_or_else(|| "null".into()),
                    verdict_words(*etl)
                ),
            )
        }
        _ => (0, "The next step extracts no row.".to_string()),
    });
    vec![
        Question {
            id: "next-row",
            prompt: "Predict: what will ETL do with the next extracted row?".into(),
            choices: vec!["Keep it (count it, or leave it out by the rule)".into(), "Drop it as a null or a bad amount".into(), "Skip it as a duplicate".into()],
            answer: next,
        },
        Question {
            id: "rule-change",
            prompt: "The business rule changes after the first night. Which path can give the first night's answer under the new rule, and why?".into(),
            choices: vec!["ETL: it has the aggregate".into(), "ELT: it kept the raw rows in staging".into(), "Neither without extracting again".into()],
            answer: Callback::new(|()| (1, "ELT loaded the raw rows and kept them, so it reruns the new transform over them. ETL kept only the aggregate; to apply the new rule it must extract again, and the source has changed since the first night.".into())),
        },
        Question {
            id: "append",
            prompt: "The note loads staging with if_exists='append' every night from a full extract. On the third night, how many rows does the transform read?".into(),
            choices: vec!["One night's extract".into(), "All three nights' extracts".into(), "Only the rows that changed".into()],
            answer: Callback::new(|()| (1, "Nothing marks which night wrote a row, so the transform reads everything appended so far; orders deleted at the source are still there and keep counting. Switch the pitfall on and compare the night table's “transform reads” column.".into())),
        },
        Question {
            id: "first-data",
            prompt: "Which path has something to query first on a large extract?".into(),
            choices: vec!["ETL".into(), "ELT".into(), "Streaming".into()],
            answer: Callback::new(|()| (2, "The streaming variant has a partial answer after its first chunk; ELT has raw rows once the first INSERT lands and its answer after the last; ETL shows nothing until the whole extract is transformed.".into())),
        },
    ]
}

#[component]
pub fn EtlEltPage() -> impl IntoView {
    let sim = Sim::<EtlElt>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let table_len = move |which: u8| {
        Signal::derive(move || {
            view.with(|v| match which {
                0 => v.etl.as_ref().map_or(0, |t| t.rows),
                1 => v.elt.as_ref().map_or(0, |t| t.rows),
                _ => v.stream_keys,
            })
        })
    };
    let staging_len = Signal::derive(move || view.with(|v| v.staging_rows as usize));
    let source_len = Signal::derive(move || {
        sim.with(|t| {
            let s = t.current();
            s.source().slots(s.run().min(s.source().runs() - 1)) as usize
        })
    });
    let nights = Signal::derive(move || view.with(night_rows));
    let chunk = Memo::new(move |_| sim.params_with(|p| p.chunk as u64));
    let sweep = Signal::derive(move || {
        let pts = first_data_sweep(chunk.get());
        BarData {
            title: format!("Time to the aggregate per 1,000 rows, by extract size (cost model, INSERTs of {} rows)", count(chunk.get())),
            y_label: "ms per 1,000 rows".into(),
            labels: pts.iter().map(|(n, _)| count(*n)).collect(),
            values: pts.iter().map(|(n, f)| f.etl_ms * 1_000.0 / *n as f64).collect(),
            reference: None,
            emphasis: None,
            second: Some((
                "ELT".into(),
                "ETL".into(),
                pts.iter().map(|(n, f)| f.elt_ms * 1_000.0 / *n as f64).collect(),
            )),
            lines: true,
        }
    });
    let summary = move || {
        view.with(|v| {
            format!(
                "Night {} of {}: {} of {} rows extracted; staging holds {} raw rows; revenue_etl {}, revenue_elt {}.",
                v.night, v.nights, count(v.extracted), count(v.extract_len), count(v.staging_rows),
                v.etl.as_ref().map_or("not published".to_string(), |t| format!("is night {}'s", t.night)),
                v.elt.as_ref().map_or("not published".to_string(), |t| format!("is night {}'s", t.night)),
            )
        })
    };
    let costs = format!(
        "Cost model: extract {} µs/row; ETL transform {} µs/row; an INSERT round trip {} ms plus {} µs/row; a warehouse query {} ms plus {} µs/row scanned.",
        COSTS.extract_us, COSTS.etl_row_us, COSTS.round_trip_us / 1_000.0, COSTS.load_row_us, COSTS.query_us / 1_000.0, COSTS.scan_row_us
    );
    view! {
        <SimPage ui=ui title="ETL vs ELT: transform before the load, or after it">
            <p class="lede">"Every night the whole orders table is extracted — with null fields, amounts that are not numbers and rows the export wrote twice. ETL cleans and aggregates on its own server and loads only the result; ELT loads the raw rows into a staging table and transforms inside the warehouse; the streaming variant transforms each chunk as it lands. Step through a night; change the business rule, change source rows, lose a load's acknowledgement so a chunk is sent twice; or switch on the note's append staging."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Source, extract, and the three paths into the warehouse"</h2>
                        <div class="diagram stream" data-testid="diagram">
                            <svg viewBox="0 0 380 232" role="group" class="stream-svg es-svg etl-svg" aria-label=summary>
                                {move || view.with(|v| etl_svg(v, inspect))}
                            </svg>
                            <p class="legend">
                                <span class="key k-ok">"■ matches the oracle"</span>
                                <span class="key k-wrong">"■ differs from it"</span>
                                <span class="key k-pending">"■ nothing to compare yet"</span>
                                <span class="key">"outlined: what the last step touched"</span>
                            </p>
                            <p class="hint">{summary}</p>
                        </div>
                        <InspectPanel view=view inspect=inspect />
                    </section>
                    <section class="panel metrics" aria-label="Rows kept and ground truth">
                        <h2>"Rows kept and ground truth"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel lazy">
                        <DataTable id="nights" caption="Each night: rows, and time to first data by the cost model" columns=&["Night", "Extracted", "Transform reads", "ETL counted", "ELT counted", "ETL answer", "ELT raw rows", "ELT answer", "Stream first"] rows=nights page_size=4 />
                        <p class="hint">{costs}</p>
                        <BarChart id="first-data" data=sweep />
                    </section>
                    <section class="panel lazy">
                        <DataTable id="etl-table" caption="revenue_etl (ETL's table; ✓ = the oracle's aggregate of its night under the rule in force)" columns=&["Key", "Total", "Orders", "Oracle"] total=table_len(0) fetch=table_rows(sim, 0) page_size=8 />
                        <DataTable id="elt-table" caption="revenue_elt (ELT's table)" columns=&["Key", "Total", "Orders", "Oracle"] total=table_len(1) fetch=table_rows(sim, 1) page_size=8 />
                        <DataTable id="live-table" caption="revenue_live (the streaming variant, against the rows loaded so far)" columns=&["Key", "Total", "Orders", "Oracle"] total=table_len(2) fetch=table_rows(sim, 2) page_size=8 />
                        <DataTable id="staging" caption="stg_raw_orders (Arrow record batches, one per INSERT; raw text as extracted)" columns=&["Row", "Night", "INSERT", "order_id", "user_id", "category", "amount", "status"] total=staging_len fetch=staging_rows(sim) page_size=10 />
                        <DataTable id="source" caption="The source as it stands now" columns=&["order_id", "user_id", "category", "amount", "status", "updated_at", "Note"] total=source_len fetch=source_rows(sim) page_size=10 />
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
                what="ETL (extract, transform, load) cleans and reshapes data on a separate server and loads only the finished result. ELT (extract, load, transform) loads the raw rows first and runs the transform as SQL inside the warehouse, keeping the raw data. A streaming variant loads continuously and keeps the transform's result up to date as rows land."
                when="ELT when the warehouse can do the heavy lifting, when the raw history is worth keeping (new rules, audits, backfills), and for large volumes. ETL when sensitive or messy data must not land raw, when the target only wants a small result, or for small jobs where a query's start-up cost dominates. Streaming when partial, fresh answers are worth more than complete, late ones."
                when_not="Not ELT when raw data may not be stored (privacy, contracts) or storage is the constraint; not ETL when requirements change often, since every change means extracting again from a source that has moved on; not full extracts plus append at all: make loads idempotent (a run id, MERGE, or replace)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
