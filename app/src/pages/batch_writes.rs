//! /batch-writes: rows arriving at a rate, the writer's batch filling up and going out as
//! one request (row at a time, a batched statement, a bulk copy), a bad row's bisection or
//! retries, a lost acknowledgement's resend, and throughput and latency against batch size.

use leptos::prelude::*;
use pipelab_core::format::count;
use pipelab_core::patterns::batch_writes::code::code_view;
use pipelab_core::patterns::batch_writes::params::Mode;
use pipelab_core::patterns::batch_writes::scenario::{sweep, Last};
use pipelab_core::patterns::batch_writes::view::{chart_samples, report_page, us_text};
use pipelab_core::patterns::batch_writes::{BatchView, BatchWrites};
use pipelab_core::sim::Scenario;

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
    ("round trip", "Sending a statement to the database and waiting for its answer: paid per statement, however many rows it carries."),
    ("commit", "Making a transaction durable (flushing the log); a batch pays it once instead of once per row."),
    ("bulk copy", "COPY … FROM STDIN: rows streamed in one request, cheaper per row than INSERTs, all or nothing."),
    ("bisect", "Splitting a failed batch in halves and sending each, until the bad row is alone."),
    ("dead-letter table", "Where rows that cannot be written go, with the reason, instead of being dropped silently."),
    ("idempotency key", "A key each row carries so that writing it twice stores it once (INSERT … ON CONFLICT DO NOTHING)."),
    ("p99 latency", "The time under which 99% of rows were stored, from their arrival: the tail a batch's wait adds to."),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Box(&'static str),
}

fn mode_text(m: Mode) -> &'static str {
    match m {
        Mode::Row => "row at a time",
        Mode::Batch => "batched statement",
        Mode::Bulk => "bulk COPY",
    }
}

fn node(
    id: &'static str,
    class: String,
    x: f64,
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
            <rect x=format!("{x:.1}") y="20" width=format!("{w:.1}") height="40" rx="4" />
            <text x=format!("{:.1}", x + 5.0) y="35" class="layer-title">{title}</text>
            {" "} // keeps the two lines apart as words in the text content
            <text x=format!("{:.1}", x + 5.0) y="50" class="layer-sub">{sub}</text>
        </g>
    }
    .into_any()
}

/// Upstream → the batch filling up → the database (table and dead letters).
fn batch_svg(v: &BatchView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let (sent, failed, resent) = match &v.last {
        Last::Arrived { sent: Some(r), .. } => (true, r.failed_statements > 0, r.resent),
        _ => (false, false, false),
    };
    let arrived = matches!(v.last, Last::Arrived { .. });
    let fill = (v.buffered as f64 / v.batch.max(1) as f64).min(1.0);
    let db_class = if failed {
        "db wrong just-moved"
    } else if resent {
        "db pending just-moved"
    } else if sent {
        "db ok just-moved"
    } else {
        "db"
    };
    view! {
        {node("upstream", format!("up{}", if arrived { " just-moved" } else { "" }), 4.0, 100.0, "Upstream".into(), format!("{} of {} rows", count(v.step), count(v.total)), inspect)}
        <path d="M104 40 L124 40" class="arrow" />
        {node("batch", "batch".into(), 126.0, 110.0, format!("Batch ({})", mode_text(v.mode)), format!("{} / {} rows waiting", v.buffered, v.batch), inspect)}
        <rect x="126" y="62" width=format!("{:.1}", 110.0 * fill) height="4" class="fill-bar" />
        <path d="M236 40 L256 40" class="arrow" />
        {node("db", db_class.into(), 258.0, 118.0, "Database".into(), format!("{} stored · {} dead · {} dup", count(v.stored), count(v.dead), count(v.duplicates)), inspect)}
        <text x="4" y="84" class="axis-label">{format!("{} statements, {} round trips, {} failed · writer {} behind the arrivals", count(v.statements), count(v.round_trips), count(v.failed), us_text(v.behind_us))}</text>
    }
}

const STATS: [(&str, &str); 7] = [
    ("Rows stored", "stored"),
    ("Throughput (rows/s of writer time)", "throughput"),
    ("Latency p50 / p99", "latency"),
    ("Round trips", "round-trips"),
    ("Failed statements", "failed"),
    ("Dead-letter rows", "dead"),
    ("Rows stored twice", "duplicates"),
];

fn stats(v: &BatchView) -> [String; 7] {
    [
        count(v.stored),
        count(v.throughput.round() as u64),
        format!("{} / {}", us_text(v.p50_us), us_text(v.p99_us)),
        count(v.round_trips),
        count(v.failed),
        count(v.dead),
        count(v.duplicates),
    ]
}

#[component]
fn Metrics(view: Memo<BatchView>) -> impl IntoView {
    let s = Memo::new(move |_| view.with(stats));
    let truth = Signal::derive(move || {
        view.with(|v| {
            let wrong = v.truth.missing + v.truth.wrongly_stored + v.duplicates;
            if v.truth.expected == 0 && v.step == 0 {
                Truth::Pending
            } else if wrong == 0 {
                Truth::Correct
            } else {
                Truth::Wrong(wrong as i64)
            }
        })
    });
    let hint = move || {
        view.with(|v| {
            format!(
                "The oracle expects {} good rows sent so far, each stored once: {} missing, {} bad rows stored, {} stored twice.",
                count(v.truth.expected),
                count(v.truth.missing),
                count(v.truth.wrongly_stored),
                count(v.duplicates)
            )
        })
    };
    view! {
        <dl class="stats">
            {STATS.iter().enumerate().map(|(i, (label, hook))| view! {
                <div><dt>{*label}</dt><dd data-testid=*hook>{move || s.with(|s| s[i].clone())}</dd></div>
            }).collect_view()}
        </dl>
        <p>"The table: " <TruthBadge metric="table" scope=TruthScope::SoFar truth=truth /></p>
        <p class="hint">{hint}</p>
    }
}

fn report_rows(sim: Sim<BatchWrites>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            report_page(t.current(), start, n)
                .into_iter()
                .map(|r| {
                    vec![
                        format!("{}–{}", r.first, r.first + r.rows as u64 - 1),
                        r.statements.to_string(),
                        r.round_trips.to_string(),
                        us_text(r.end_us - r.start_us),
                        r.committed.to_string(),
                        r.dead.to_string(),
                        if r.resent {
                            if r.duplicated > 0 {
                                format!("resent: {} duplicated", r.duplicated)
                            } else {
                                format!("resent: {} skipped by key", r.skipped)
                            }
                        } else if r.failed_statements > 0 {
                            format!("{} failed", r.failed_statements)
                        } else {
                            "ok".into()
                        },
                    ]
                })
                .collect()
        })
    })
}

fn dead_rows(sim: Sim<BatchWrites>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let s = t.current();
            s.table()
                .dead
                .page(start, n)
                .into_iter()
                .map(|id| {
                    vec![
                        id.to_string(),
                        if s.is_bad(id) {
                            "breaks a constraint".into()
                        } else {
                            "good row given up with its batch".into()
                        },
                    ]
                })
                .collect()
        })
    })
}

fn inspect_text(v: &BatchView, which: &str) -> String {
    match which {
        "upstream" => format!("{} of {} rows have arrived; rows come at a fixed rate whatever the writer does, so a slow writer builds a backlog ({} rows now).", count(v.step), count(v.total), count(v.backlog)),
        "batch" => format!("The writer collects {} row(s) per request ({}); {} are waiting. A row's latency starts when it arrives, so big batches add waiting time at low rates.", v.batch, mode_text(v.mode), v.buffered),
        _ => format!("The database holds {} rows; {} went to the dead-letter table; {} were stored twice. {} statements made {} round trips; {} failed and rolled back.", count(v.stored), count(v.dead), count(v.duplicates), count(v.statements), count(v.round_trips), count(v.failed)),
    }
}

fn questions(sim: Sim<BatchWrites>) -> Vec<Question> {
    let next = sim.predict_next(move |s| match s.last() {
        Last::Arrived { sent: Some(r), .. } => (
            1,
            format!(
                "The next row completes a request: {} statement(s), {} round trip(s).",
                r.statements, r.round_trips
            ),
        ),
        _ => (
            0,
            format!(
                "The next row waits in the batch ({} of {}).",
                s.buffered(),
                s.params().batch_rows()
            ),
        ),
    });
    vec![
        Question {
            id: "next-send",
            prompt: "Predict: does the next row go out at once, or wait in the batch?".into(),
            choices: vec!["It waits".into(), "It completes a request".into()],
            answer: next,
        },
        Question {
            id: "executemany",
            prompt: "The note says cursor.executemany is a single round trip. With psycopg2, how many round trips does a batch of 50 take?".into(),
            choices: vec!["1".into(), "50".into(), "2".into()],
            answer: Callback::new(|()| (1, "psycopg2's executemany runs the statement once per row: 50 round trips, one commit. execute_values or COPY send the batch in one. Switch the pitfall on to see the throughput fall.".into())),
        },
        Question {
            id: "retry",
            prompt: "A batch of 50 holds one bad row and the writer simply retries it. What happens to the 49 good rows?".into(),
            choices: vec!["Stored on the second try".into(), "Given up with the batch".into(), "Stored twice".into()],
            answer: Callback::new(|()| (1, "The bad row fails the batch every time; after its retries the writer gives up the whole batch. Bisecting stores the 49 and isolates the one.".into())),
        },
        Question {
            id: "ack",
            prompt: "The connection drops right after a commit and the writer resends the batch. Without an idempotency key, what is in the table?".into(),
            choices: vec!["Each row once".into(), "Each row of that batch twice".into(), "Nothing from that batch".into()],
            answer: Callback::new(|()| (1, "The first send committed; the resend inserts the rows again. With a key and ON CONFLICT DO NOTHING the resend inserts nothing.".into())),
        },
    ]
}

#[component]
pub fn BatchWritesPage() -> impl IntoView {
    let sim = Sim::<BatchWrites>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let requests = Signal::derive(move || sim.with(|t| t.current().reports().len()));
    let dead = Signal::derive(move || view.with(|v| v.dead as usize));
    let over_time = Signal::derive(move || {
        view.with(|v| v.samples_len);
        sim.with(|t| {
            let pts = chart_samples(t.current(), 120);
            BarData {
                title: "Latency over the run: p50 and p99 (ms)".into(),
                y_label: "ms".into(),
                labels: pts.iter().map(|s| count(s.step)).collect(),
                values: pts.iter().map(|s| s.p50_us as f64 / 1_000.0).collect(),
                reference: None,
                emphasis: None,
                second: Some((
                    "p99".into(),
                    "p50".into(),
                    pts.iter().map(|s| s.p99_us as f64 / 1_000.0).collect(),
                )),
                lines: true,
            }
        })
    });
    let sweep_params = Memo::new(move |_| sim.params_with(|p| p.clone()));
    let sweep_data = Memo::new(move |_| sweep(&sweep_params.get(), 1, 3_000));
    let throughput_chart = Signal::derive(move || {
        sweep_data.with(|pts| BarData {
            title: "Throughput against batch size (rows/s of writer time, 3,000 rows each)".into(),
            y_label: "rows/s".into(),
            labels: pts.iter().map(|p| count(p.0 as u64)).collect(),
            values: pts.iter().map(|p| p.1).collect(),
            reference: None,
            emphasis: None,
            second: None,
            lines: true,
        })
    });
    let latency_chart = Signal::derive(move || {
        sweep_data.with(|pts| BarData {
            title: "Latency against batch size: p50 and p99 (ms)".into(),
            y_label: "ms".into(),
            labels: pts.iter().map(|p| count(p.0 as u64)).collect(),
            values: pts.iter().map(|p| p.2 as f64 / 1_000.0).collect(),
            reference: None,
            emphasis: None,
            second: Some((
                "p99".into(),
                "p50".into(),
                pts.iter().map(|p| p.3 as f64 / 1_000.0).collect(),
            )),
            lines: true,
        })
    });
    let summary = move || {
        view.with(|v| format!("{} of {} rows arrived; {} stored, {} in the dead-letter table, {} stored twice; throughput {} rows/s.", count(v.step), count(v.total), count(v.stored), count(v.dead), count(v.duplicates), count(v.throughput.round() as u64)))
    };
    view! {
        <SimPage ui=ui title="Batch writes: one row at a time, batches, or a bulk copy">
            <p class="lede">"Rows arrive at a steady rate and a writer stores them: each statement pays a round trip, each row its server time, each transaction a commit. Batching shares the round trip and the commit, and makes rows wait for their batch. Step through; fail a row, drop the connection after a commit, switch between bisecting and retrying, or switch on the note's executemany."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Upstream, the batch, the database"</h2>
                        <div class="diagram stream" data-testid="diagram">
                            <svg viewBox="0 0 380 92" role="group" class="stream-svg es-svg etl-svg batch-svg" aria-label=summary>
                                {move || view.with(|v| batch_svg(v, inspect))}
                            </svg>
                            <p class="hint">{summary}</p>
                        </div>
                        <div class="inspect" data-testid="inspect" aria-live="polite">
                            <strong>"Inspect: "</strong>{move || match inspect.get() { None => "Click a box in the picture to inspect it.".to_string(), Some(Inspect::Box(w)) => view.with(|v| inspect_text(v, w)) }}
                        </div>
                    </section>
                    <section class="panel metrics" aria-label="Writer and ground truth">
                        <h2>"The writer and the table"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel lazy">
                        <BarChart id="throughput" data=throughput_chart />
                        <BarChart id="latency" data=latency_chart />
                        <BarChart id="latency-run" data=over_time />
                    </section>
                    <section class="panel lazy">
                        <DataTable id="requests" caption="Requests, newest first" columns=&["Rows", "Statements", "Round trips", "Took", "Stored", "Dead", "Outcome"] total=requests fetch=report_rows(sim) page_size=8 />
                        <DataTable id="dead" caption="Dead-letter table" columns=&["Row", "Why"] total=dead fetch=dead_rows(sim) page_size=8 />
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
                what="Writing rows in groups: one statement and one commit carry many rows, so the fixed costs (network round trip, transaction commit) are shared. A bulk copy (COPY) goes further: rows stream in as plain data fields, cheaper to read than the values of an INSERT, and the server stores them in multi-row bursts."
                when="Whenever many rows go to the same table: loaders, CDC sinks, event consumers. Pick the batch size where throughput stops improving and the wait for a batch to fill is still acceptable."
                when_not="Not where every row must be durable before the next step (a payment), not with batches so big that a failure throws away too much work or holds locks too long, and not without a plan for bad rows and resends (bisection, dead letters, idempotency keys)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
