//! /compare/lambda-vs-kappa: the same stream through Lambda (side A) and Kappa (side B);
//! the shell is [`crate::compare::ComparePage`].

use leptos::prelude::*;
use pipelab_core::format::{count, duration_ms, money, percent, short_clock, time_of_day};
use pipelab_core::patterns::kappa::KappaView;
use pipelab_core::patterns::lambda::compare::{
    trade_off, DiffRow, LambdaVsKappa, PairSample, StreamDiff,
};
use pipelab_core::patterns::lambda::LambdaView;
use pipelab_core::sim::{CodeView, Compare, CompareView, Scenario, SimTime};

use crate::compare::ComparePage;
use crate::sim::Sim;
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};
use crate::widgets::table::DataTable;

type View = CompareView<LambdaVsKappa>;

const GLOSSARY: &[(&str, &str)] = &[
    ("staleness", "How old the newest data in the answers a reader can see is: Lambda's speed layer keeps it near zero; Kappa's emitted windows trail by the window and the allowed delay."),
    ("final truth", "The exact answer over the whole input, late events included."),
    ("work", "Events read. Lambda's batch layer re-reads the whole log on every run; Kappa reads each event once (plus a replay after a crash or for a new version)."),
];

/// A window picked on either side.
type Picked = RwSignal<Option<i64>>;

fn window_label(start_ms: i64, size_ms: i64) -> String {
    format!(
        "{}–{}",
        short_clock(SimTime(start_ms)),
        time_of_day(SimTime(start_ms + size_ms))
    )
}

/// Bars for the last windows of one side: its answer against the final truth (a tick).
fn window_bars(
    prefix: &'static str,
    rows: &[DiffRow],
    latest: Option<i64>,
    pick: impl Fn(&DiffRow) -> Option<u64>,
    picked: Picked,
) -> impl IntoView {
    let max = rows
        .iter()
        .map(|r| r.truth.events.max(pick(r).unwrap_or(0)))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bw = 330.0 / rows.len().max(1) as f64;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let x = i as f64 * bw;
            let v = pick(r);
            let h = v.unwrap_or(0) as f64 / max * 60.0;
            let ty = 70.0 - r.truth.events as f64 / max * 60.0;
            let start = r.start_ms;
            let class = match v {
                None => "part none",
                Some(e) if e == r.truth.events => "part right",
                Some(_) => "part wrong",
            };
            view! {
                <g data-inspect=format!("{prefix}-window-{start}") class=if latest == Some(start) { "win just-moved" } else { "win" }
                    on:click=move |_| picked.set(Some(start))>
                    <rect x=format!("{:.1}", x + 2.0) y=format!("{:.1}", 70.0 - h) width=format!("{:.1}", (bw - 4.0).max(1.0)) height=format!("{h:.1}") class=class />
                    <line x1=format!("{x:.1}") x2=format!("{:.1}", x + bw) y1=format!("{ty:.1}") y2=format!("{ty:.1}") class="truth-tick" />
                    <title>{format!("{}: {} (final truth {})", time_of_day(SimTime(start)), v.map_or("no answer yet".into(), count), r.truth.events)}</title>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="stream-svg lambda-svg" viewBox="0 0 330 76" role="img" aria-label="Recent windows against the final truth">{bars}</svg>
    }
}

/// Start of the window the event just appended belongs to (the record that just moved).
fn latest_window(v: &LambdaView) -> Option<i64> {
    v.current.map(|c| c.start_ms)
}

fn lambda_side(v: &LambdaView, d: &StreamDiff, picked: Picked) -> impl IntoView {
    let truth = if v.head == 0 {
        Truth::Pending
    } else if v.error_abs == 0 {
        Truth::Correct
    } else {
        Truth::Wrong(v.error_sum)
    };
    view! {
        {window_bars("a", &d.rows, latest_window(v), |r| Some(r.lambda.events), picked)}
        <dl class="stats">
            <div><dt>"Served batch run / cut-off"</dt><dd data-testid="a-batch">{format!("#{} / {}", v.batch_run, count(v.cutoff))}</dd></div>
            <div><dt>"Staleness"</dt><dd data-testid="a-staleness">{duration_ms(d.now.a_staleness_ms)}</dd></div>
            <div><dt>"Closed windows right"</dt><dd data-testid="a-accuracy">{percent(d.now.a_accuracy)}</dd></div>
            <div><dt>"Events read"</dt><dd data-testid="a-work">{count(d.now.a_work)}</dd></div>
        </dl>
        <p>"Serving vs truth so far: " <TruthBadge metric="serving" side="a" scope=TruthScope::SoFar truth=Signal::stored(truth) /></p>
    }
}

fn kappa_side(v: &KappaView, d: &StreamDiff, latest: Option<i64>, picked: Picked) -> impl IntoView {
    let truth = if v.live.score.checked == 0 {
        Truth::Pending
    } else if v.live.score.wrong == 0 {
        Truth::Correct
    } else {
        Truth::Wrong(v.live.score.delta_events)
    };
    let wm = match v.live.watermark_ms {
        None => "none".to_string(),
        Some(i64::MAX) => "+∞".to_string(),
        Some(w) => time_of_day(SimTime(w)),
    };
    view! {
        {window_bars("b", &d.rows, latest, |r| r.kappa.map(|k| k.events), picked)}
        <dl class="stats">
            <div><dt>"Watermark / late"</dt><dd data-testid="b-watermark">{format!("{wm} / {}", count(v.live.late.len() as u64))}</dd></div>
            <div><dt>"Staleness"</dt><dd data-testid="b-staleness">{duration_ms(d.now.b_staleness_ms)}</dd></div>
            <div><dt>"Closed windows right"</dt><dd data-testid="b-accuracy">{percent(d.now.b_accuracy)}</dd></div>
            <div><dt>"Events read"</dt><dd data-testid="b-work">{count(d.now.b_work)}</dd></div>
        </dl>
        <p>"Emitted results vs final truth: " <TruthBadge metric="results" side="b" scope=TruthScope::Final truth=Signal::stored(truth) /></p>
    }
}

fn diff_rows(d: &StreamDiff, size_ms: i64) -> Vec<Vec<String>> {
    d.rows
        .iter()
        .rev()
        .map(|r| {
            vec![
                window_label(r.start_ms, size_ms),
                count(r.lambda.events),
                r.kappa.map_or("not yet".to_string(), |k| count(k.events)),
                format!(
                    "{} · {}",
                    count(r.truth.events),
                    money(r.truth.revenue_cents)
                ),
            ]
        })
        .collect()
}

fn diff_view(
    d: &StreamDiff,
    rows: Signal<Vec<Vec<String>>>,
    differ: Signal<Vec<usize>>,
) -> impl IntoView {
    view! {
        <dl class="stats">
            <div><dt>"Closed windows"</dt><dd data-testid="diff-closed">{count(d.closed_windows)}</dd></div>
            <div><dt>"Answers differ"</dt><dd data-testid="diff-disagree">{count(d.disagree)}</dd></div>
            <div><dt>"First answer after window end: A / B"</dt><dd data-testid="diff-first-answer">{format!("{} / {}",
                d.first_answer_ms.0.map_or("—".into(), duration_ms), d.first_answer_ms.1.map_or("—".into(), duration_ms))}</dd></div>
            <div><dt>"Work: A / B"</dt><dd data-testid="diff-work">{format!("{} / {}", count(d.now.a_work), count(d.now.b_work))}</dd></div>
        </dl>
        <DataTable id="diff" caption="Recent windows, newest first: Lambda served, Kappa emitted, final truth (highlighted: the answers differ)"
            columns=&["Window", "Lambda", "Kappa", "Final truth"] rows=rows highlight=differ page_size=12 />
    }
}

fn series(
    samples: &[PairSample],
    title: &str,
    unit: &str,
    f: impl Fn(&PairSample) -> (f64, f64),
) -> BarData {
    let every = samples.len().div_ceil(120).max(1);
    let pts: Vec<&PairSample> = samples.iter().step_by(every).collect();
    BarData {
        title: title.into(),
        y_label: unit.into(),
        labels: pts
            .iter()
            .map(|s| time_of_day(SimTime(s.time_ms))[..5].to_string())
            .collect(),
        values: pts.iter().map(|s| f(s).0).collect(),
        reference: None,
        emphasis: None,
        second: Some((
            "Kappa".into(),
            "Lambda".into(),
            pts.iter().map(|s| f(s).1).collect(),
        )),
        lines: true,
    }
}

fn questions(sim: Sim<Compare<LambdaVsKappa>>) -> Vec<Question> {
    let work = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let c = t.current();
            let n = pipelab_core::patterns::lambda::compare::sample_now(&c.a, &c.b);
            let pick = if n.a_work > n.b_work { 0 } else { 1 };
            (pick, format!("So far Lambda has read {} events and Kappa {}: every batch run re-reads the whole master log.", count(n.a_work), count(n.b_work)))
        })
        .unwrap_or((0, String::new()))
    });
    vec![
        Question {
            id: "work",
            prompt: "Which side has read more events so far?".into(),
            choices: vec!["Lambda".into(), "Kappa".into()],
            answer: work,
        },
        Question {
            id: "very-late",
            prompt: "Events from three hours ago arrive. Which side ends up with exact answers for their windows without a code change?".into(),
            choices: vec!["Lambda: the next batch run recomputes from the master log".into(), "Kappa: the watermark waits for them".into(), "Neither".into()],
            answer: Callback::new(|()| (0, "Lambda's batch layer recomputes from the whole log, so late data lands at the next run. Kappa's windows closed hours ago; the events go to the side output, and only a replay (or a reconciliation of the side output) fixes those windows — try the “Very late events” preset.".into())),
        },
    ]
}

#[component]
pub fn CompareLambdaKappaPage() -> impl IntoView {
    let sim = Sim::<Compare<LambdaVsKappa>>::from_url();
    let view: Memo<View> = Memo::new(move |_| sim.with(|t| t.current().view()));
    let size_ms = move || sim.params_with(|p| p.lambda.size_min * 60_000);
    let picked: Picked = RwSignal::new(None);
    let samples =
        Memo::new(move |_| view.with(|v| v.diff.samples.iter().copied().collect::<Vec<_>>()));
    let chart = move |which: u8| {
        Signal::derive(move || {
            samples.with(|s| match which {
                0 => series(
                    s,
                    "Closed windows right against the final truth",
                    "%",
                    |x| (x.a_accuracy * 100.0, x.b_accuracy * 100.0),
                ),
                1 => series(s, "Staleness of the answers readers see", "minutes", |x| {
                    (
                        x.a_staleness_ms as f64 / 60_000.0,
                        x.b_staleness_ms as f64 / 60_000.0,
                    )
                }),
                _ => series(s, "Events read so far", "events", |x| {
                    (x.a_work as f64, x.b_work as f64)
                }),
            })
        })
    };
    let summary = move || view.with(|v| trade_off(&v.diff));
    let diff_table = Signal::derive(move || view.with(|v| diff_rows(&v.diff, size_ms())));
    let differ = Signal::derive(move || {
        view.with(|v| {
            v.diff
                .rows
                .iter()
                .rev()
                .enumerate()
                .filter(|(_, r)| r.kappa.is_some_and(|k| k != r.lambda))
                .map(|(i, _)| i)
                .collect()
        })
    });
    let code = Memo::new(move |_| {
        sim.with(|t| {
            let c = t.current();
            let (a, b) = (
                pipelab_core::patterns::lambda::code::code_view(&c.a),
                pipelab_core::patterns::kappa::code::code_view(&c.b),
            );
            let mut lines = vec!["-- Side A: Lambda".to_string()];
            let mut active: Vec<usize> = a.active.iter().map(|i| i + 1).collect();
            lines.extend(a.lines);
            lines.push(String::new());
            lines.push("-- Side B: Kappa".to_string());
            let off = lines.len();
            active.extend(b.active.iter().map(|i| i + off));
            lines.extend(b.lines);
            CodeView {
                language: "sql",
                title: "Side A (Lambda), then side B (Kappa)",
                lines,
                active,
                note: None,
            }
        })
    });
    let inspect = move || {
        view.with(|v| match picked.get() {
            None => "Click a window's bar on either side to compare it.".to_string(),
            Some(start) => match v.diff.rows.iter().find(|r| r.start_ms == start) {
                None => "That window has scrolled out of the recent windows.".to_string(),
                Some(r) => format!(
                    "Window {}: Lambda serves {} events ({}), Kappa {}; the final truth is {} events ({}).",
                    window_label(start, size_ms()),
                    r.lambda.events,
                    money(r.lambda.revenue_cents),
                    r.kappa.map_or("has not emitted it yet".to_string(), |k| format!("emitted {} events ({})", k.events, money(k.revenue_cents))),
                    r.truth.events,
                    money(r.truth.revenue_cents)
                ),
            },
        })
    };
    view! {
        <ComparePage sim=sim title="Compare: Lambda vs Kappa"
            lede="The same orders, late and repeated ones included, through both architectures. Lambda answers at once and becomes exact at each batch run by re-reading everything; Kappa reads each event once and answers a window when its watermark passes. Watch staleness, accuracy against the final truth, and work side by side."
            label_a=Signal::derive(|| "Lambda (batch + speed)".to_string())
            label_b=Signal::derive(|| "Kappa (one stream job)".to_string())
            side_a=ViewFn::from(move || view.with(|v| lambda_side(&v.a, &v.diff, picked)).into_any())
            side_b=ViewFn::from(move || view.with(|v| kappa_side(&v.b, &v.diff, latest_window(&v.a), picked)).into_any())
            diff=ViewFn::from(move || view.with(|v| diff_view(&v.diff, diff_table, differ)).into_any())
            pitfall_instead="The note's mistakes live on each page: Lambda's UNION ALL serving view on /lambda, Kappa's latest-offset source without a watermark on /kappa.">
            <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect}</div>
            <section class="panel" aria-label="Trade-off">
                <h2>"The trade-off here"</h2>
                <p data-testid="trade-off">{summary}</p>
            </section>
            <section class="panel">
                <BarChart id="accuracy" data=chart(0) />
                <BarChart id="staleness" data=chart(1) />
                <BarChart id="work" data=chart(2) />
            </section>
            <CodePanel code=code />
            <Questions questions=questions(sim) />
            <Explainer
                what="Lambda and Kappa both serve fresh results from a stream of events. Lambda keeps two pipelines — a batch layer that periodically recomputes exact views from all history, and a speed layer for what came since — and merges them. Kappa keeps one stream job over a replayable log, uses event time and watermarks to decide when a window is complete, and replays the log to change its logic."
                when="Lambda when late or corrected data must always end up in the answers and a periodic full recompute is affordable; Kappa when one codebase should serve everything and the allowed delay covers how late events really arrive."
                when_not="Lambda when two codebases computing the same thing will drift, or the history is too large to recompute on schedule; Kappa when events can arrive arbitrarily late and must still count, or replaying the whole log is too slow."
                glossary=GLOSSARY />
        </ComparePage>
    }
}
