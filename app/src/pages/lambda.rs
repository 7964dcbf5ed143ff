//! /lambda: the master log with its cut-off, the batch, speed and serving layers, and per
//! window how the served answer splits between batch and speed against the truth so far;
//! accuracy and freshness over simulated time.

use leptos::prelude::*;
use pipelab_core::format::{count, duration_ms, money, percent, short_clock, time_of_day};
use pipelab_core::patterns::lambda::code::code_view;
use pipelab_core::patterns::lambda::layers::SpeedOutcome;
use pipelab_core::patterns::lambda::view::row;
use pipelab_core::patterns::lambda::{Lambda, LambdaView, WindowRow};
use pipelab_core::sim::{Fault, Scenario, SimTime};

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
    ("master log", "The immutable, append-only record of every event ever received: the source of truth the batch layer recomputes from."),
    ("batch layer", "Recomputes every view from the whole master log on a schedule: slow, but exact, and it absorbs late and duplicate events."),
    ("cut-off", "The log offset a batch run read up to. Its views cover everything before it; the speed layer must cover exactly what comes after."),
    ("speed layer", "Updates views incrementally as events arrive, for the data the last served batch run has not covered yet."),
    ("serving layer", "Answers queries by combining the batch view and the speed view per key — correctly only if they do not overlap."),
    ("freshness", "How far behind the newest event the served answers are."),
    ("retention", "How long the speed layer keeps a window's state; events for older windows wait for the batch layer."),
    ("recompute", "Lambda's batch layer re-reads the whole history every period: its work grows with the log, not with the new data."),
];

/// What the learner clicked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Window(usize),
    Layer(&'static str),
}

fn window_text(w: &WindowRow, size_ms: i64) -> String {
    format!(
        "{}–{}",
        short_clock(SimTime(w.start_ms)),
        time_of_day(SimTime(w.start_ms + size_ms))
    )
}

/// The layers as boxes with the master log and its cut-offs, and the recent windows as
/// stacked bars (batch part, speed part) with a tick at the truth so far.
fn layers_svg(
    v: &LambdaView,
    rows: &[WindowRow],
    inspect: RwSignal<Option<Inspect>>,
) -> impl IntoView {
    const LX: f64 = 20.0;
    const LW: f64 = 340.0;
    let total = v.total_events.max(v.head).max(1) as f64;
    let x = move |o: u64| LX + o as f64 / total * LW;
    let cut = x(v.cutoff);
    let head = x(v.head);
    let running = v.running.map(|(run, c, _, done)| (run, x(c), done));
    let boxes: [(&'static str, f64, String, String); 3] = [
        (
            "batch",
            20.0,
            format!("Batch layer · run #{}", v.batch_run),
            match v.running {
                Some((run, c, _, done)) => format!(
                    "run #{run} reading {} events, served {}",
                    count(c),
                    time_of_day(SimTime(done))
                ),
                None => format!("{} events read so far", count(v.batch_work)),
            },
        ),
        (
            "speed",
            135.0,
            "Speed layer".to_string(),
            format!("{} windows since cut-off", v.speed_windows.len()),
        ),
        (
            "serving",
            250.0,
            "Serving layer".to_string(),
            if v.pitfall {
                "batch UNION ALL speed (the note)".into()
            } else {
                "batch + speed, split at the cut-off".into()
            },
        ),
    ];
    let box_views = boxes
        .into_iter()
        .map(|(name, bx, title, sub)| {
            view! {
                <g class=format!("layer {name}") data-inspect=format!("layer-{name}") on:click=move |_| inspect.set(Some(Inspect::Layer(name)))>
                    <rect x=bx y="46" width="110" height="40" rx="4" />
                    <text x=bx + 6.0 y="61" class="layer-title">{title}</text>
                    <text x=bx + 6.0 y="76" class="layer-sub">{sub}</text>
                </g>
            }
        })
        .collect_view();
    let max = rows
        .iter()
        .map(|r| r.serving.events.max(r.truth.events))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let current = v.current.map(|c| c.index);
    let n = rows.len().max(1) as f64;
    let bw = (LW / n).min(40.0);
    let bar_views = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let bx = LX + i as f64 * bw;
            let h = |e: u64| e as f64 / max * 70.0;
            let base = 190.0;
            let (hb, hs) = (h(r.batch.events), h(r.speed.events));
            let ty = base - h(r.truth.events);
            let w = r.index;
            let class = if Some(w) == current { "win just-moved" } else { "win" };
            let title = format!(
                "window {}: batch {} + speed {} = {} served; truth so far {}",
                window_text(r, v.size_ms),
                r.batch.events,
                r.speed.events,
                r.serving.events,
                r.truth.events
            );
            view! {
                <g class=class data-inspect=format!("window-{w}") on:click=move |_| inspect.set(Some(Inspect::Window(w)))>
                    <rect x=format!("{:.1}", bx + 2.0) y=format!("{:.1}", base - hb) width=format!("{:.1}", bw - 4.0) height=format!("{hb:.1}") class="part batch" />
                    <rect x=format!("{:.1}", bx + 2.0) y=format!("{:.1}", base - hb - hs) width=format!("{:.1}", bw - 4.0) height=format!("{hs:.1}") class="part speed" />
                    <line x1=format!("{:.1}", bx) x2=format!("{:.1}", bx + bw) y1=format!("{ty:.1}") y2=format!("{ty:.1}") class="truth-tick" />
                    <title>{title}</title>
                </g>
            }
        })
        .collect_view();
    view! {
        <rect x=LX y="12" width=LW height="12" class="log-all" />
        <rect x=LX y="12" width=format!("{:.1}", (cut - LX).max(0.0)) height="12" class="log-batch" />
        <rect x=format!("{cut:.1}") y="12" width=format!("{:.1}", (head - cut).max(0.0)) height="12" class="log-speed" />
        <line x1=format!("{cut:.1}") x2=format!("{cut:.1}") y1="6" y2="30" class="cutoff" />
        {running.map(|(run, rx, _)| view! {
            <line x1=format!("{rx:.1}") x2=format!("{rx:.1}") y1="8" y2="28" class="cutoff running"><title>{format!("run #{run}'s cut-off")}</title></line>
        })}
        <text x=LX y="40" class="axis-label">{format!("master log: {} events · cut-off at {} · speed covers the {} after it", count(v.head), count(v.cutoff), count(v.head.saturating_sub(v.cutoff)))}</text>
        {box_views}
        <text x=LX y="110" class="axis-label">"recent windows: batch part (blue) + speed part (orange); line = truth so far"</text>
        {bar_views}
        <line x1=LX x2=LX + LW y1="190" y2="190" class="axis" />
    }
}

fn serving_truth(v: &LambdaView) -> Truth {
    if v.head == 0 {
        Truth::Pending
    } else if v.error_abs == 0 {
        Truth::Correct
    } else {
        Truth::Wrong(v.error_sum)
    }
}

fn window_truth(v: &LambdaView) -> Truth {
    match v.current {
        None => Truth::Pending,
        Some(r) if r.serving.events == r.truth.events => Truth::Correct,
        Some(r) => Truth::Wrong(r.serving.events as i64 - r.truth.events as i64),
    }
}

/// The event's window against the final truth: events of it may still be on their way.
fn window_final_truth(v: &LambdaView) -> Truth {
    match v.current {
        None => Truth::Pending,
        Some(r) if r.serving.events == r.final_truth.events => Truth::Correct,
        Some(r) => Truth::Wrong(r.serving.events as i64 - r.final_truth.events as i64),
    }
}

/// The panel's numbers, badges and sentence as plain data.
#[derive(Clone, Debug, PartialEq)]
struct Readout {
    stats: [String; 9],
    serving_error: String,
    serving: Truth,
    window: Truth,
    window_final: Truth,
    hint: String,
}

fn readout(v: &LambdaView) -> Readout {
    let accuracy = 1.0 - (v.error_abs as f64 / v.distinct_events.max(1) as f64).min(1.0);
    let running = match v.running {
        Some((run, c, cms, done)) => format!(
            "run #{run}: cut-off {} ({}), served at {}",
            count(c),
            time_of_day(SimTime(cms)),
            time_of_day(SimTime(done))
        ),
        None => "none running".to_string(),
    };
    Readout {
        stats: [
            format!("#{}", v.batch_run),
            count(v.cutoff),
            running,
            count(v.batch_work),
            v.speed_windows.len().to_string(),
            count(v.speed_too_late),
            count(v.speed_duplicates),
            duration_ms(v.freshness_ms),
            percent(accuracy),
        ],
        serving_error: format!("off by {:+} events", v.error_sum),
        serving: serving_truth(v),
        window: window_truth(v),
        window_final: window_final_truth(v),
        hint: v.current.map(|r| format!(
            "The last event's window {}: batch {} + speed {} = {} served ({}); {} events in the log so far, {} in the whole input (late ones still to come).",
            window_text(&r, v.size_ms), r.batch.events, r.speed.events, r.serving.events, money(r.serving.revenue_cents), r.truth.events, r.final_truth.events
        )).unwrap_or_default(),
    }
}

/// `(label, test hook)` of each stat, in `Readout::stats` order.
const STATS: [(&str, &str); 9] = [
    ("Served batch run", "batch-run"),
    ("Cut-off (offset)", "cutoff"),
    ("Batch in progress", "batch-running"),
    ("Batch work (events read)", "batch-work"),
    ("Speed windows held", "speed-windows"),
    ("Too late for speed", "speed-too-late"),
    ("Repeats filtered (speed)", "speed-repeats"),
    ("Freshness", "freshness"),
    ("Accuracy", "accuracy"),
];

/// The layers and ground-truth panel: built once, its numbers and badges update in place.
#[component]
fn Metrics(view: Memo<LambdaView>) -> impl IntoView {
    let r = Memo::new(move |_| view.with(readout));
    let badge = move |f: fn(&Readout) -> Truth| Signal::derive(move || r.with(f));
    view! {
        <dl class="stats">
            {STATS.iter().enumerate().map(|(i, (label, hook))| view! {
                <div><dt>{*label}</dt><dd data-testid=*hook>{move || r.with(|r| r.stats[i].clone())}</dd></div>
            }).collect_view()}
        </dl>
        <dl class="stats">
            <div><dt>"All served windows"</dt><dd>
                <span data-testid="serving-error">{move || r.with(|r| r.serving_error.clone())}</span>" "
                <TruthBadge metric="serving" scope=TruthScope::SoFar truth=badge(|r| r.serving.clone()) />
            </dd></div>
            <div><dt>"The event's window"</dt><dd>
                <TruthBadge metric="window" scope=TruthScope::SoFar truth=badge(|r| r.window.clone()) />" "
                <TruthBadge metric="window-final" scope=TruthScope::Final truth=badge(|r| r.window_final.clone()) />
            </dd></div>
        </dl>
        <p class="hint">{move || r.with(|r| r.hint.clone())}</p>
    }
}

#[component]
fn InspectPanel(
    sim: Sim<Lambda>,
    view: Memo<LambdaView>,
    inspect: RwSignal<Option<Inspect>>,
) -> impl IntoView {
    let body = move || {
        match inspect.get() {
        None => "Click a layer or a window bar in the picture to inspect it.".to_string(),
        Some(Inspect::Layer("batch")) => view.with(|v| format!(
            "Batch layer: the served views come from run #{} with cut-off offset {} ({}); each run re-reads the whole log up to its cut-off — {} events read by all runs so far.",
            v.batch_run, count(v.cutoff), time_of_day(SimTime(v.cutoff_ms)), count(v.batch_work))),
        Some(Inspect::Layer("speed")) => view.with(|v| format!(
            "Speed layer: {} windows of events after the cut-off{}; {} events refused as older than it keeps; {} repeats filtered by id.",
            v.speed_windows.len(),
            v.speed_next_windows.map(|n| format!(" (and {n} windows since the running batch's cut-off)")).unwrap_or_default(),
            count(v.speed_too_late), count(v.speed_duplicates))),
        Some(Inspect::Layer(_)) => view.with(|v| format!(
            "Serving layer: per window, batch view + speed view{}. Off by {:+} events against the truth so far.",
            if v.pitfall { " — with the note's UNION ALL the speed view still holds rows the batch view covers" } else { ", split at the cut-off so nothing is counted twice" },
            v.error_sum)),
        Some(Inspect::Window(w)) => sim.with(|t| {
            let r = row(t.current(), w);
            let size = t.current().params().size_min * 60_000;
            format!(
                "Window {}: batch view {} events ({}), speed view {} ({}), served {}; the log holds {} distinct events for it so far.",
                window_text(&r, size), r.batch.events, money(r.batch.revenue_cents), r.speed.events, money(r.speed.revenue_cents), r.serving.events, r.truth.events
            )
        }),
    }
    };
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}
        </div>
    }
}

fn questions(sim: Sim<Lambda>) -> Vec<Question> {
    let after_batch = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            let mut started = false;
            while s.log().len() < s.total_steps() + 64 && !(started && s.last().batch_served.is_some()) {
                if s.view().head >= s.total_steps() {
                    return (0, "The input ends before another batch run is served: step back and ask again.".to_string());
                }
                s.step();
                started |= s.last().batch_started.is_some();
            }
            let (sum, _) = s.errors();
            let pick = if sum == 0 { 0 } else if sum < 0 { 1 } else { 2 };
            (pick, format!("The simulation runs on to the next batch run that starts from here: once it is served the answers are off by {sum:+} events{}.",
                if sum > 0 { " — the speed layer's rows before the cut-off are counted twice (the note's UNION ALL)" } else if sum < 0 { " — events are missing (a crash or events too late for the speed layer that the batch has not covered yet)" } else { "" }))
        })
        .unwrap_or((0, String::new()))
    });
    let crash = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            let _ = s.apply(&Fault::new("crash-speed"));
            let lost = -s.errors().0;
            (2, format!("A crash now loses the {} events the speed layer holds. A batch run already running was cut off before the crash, so the answers are right again only when a run that starts after the crash is served.", count(lost.max(0) as u64)))
        })
        .unwrap_or((2, String::new()))
    });
    vec![
        Question {
            id: "after-batch",
            prompt: "Predict: right after the next batch run (starting from now) is served, how far off are the served answers?".into(),
            choices: vec!["Exactly right".into(), "Short: some events are missing".into(), "Too high: some events are counted twice".into()],
            answer: after_batch,
        },
        Question {
            id: "cutoff",
            prompt: "Why does the serving layer need the batch run's cut-off?".into(),
            choices: vec!["To sort the results".into(), "To take each event from exactly one layer: batch before it, speed after it".into(), "To drop late events".into()],
            answer: Callback::new(|()| (1, "The batch view covers the log up to its cut-off and the speed view must cover only what came after; without the cut-off the two overlap and the same events are counted twice (switch on the note's UNION ALL).".into())),
        },
        Question {
            id: "crash",
            prompt: "The speed layer crashes now. When are the served answers right again?".into(),
            choices: vec!["At once: it restarts".into(), "When the batch run now in progress is served".into(), "When a batch run that starts after the crash is served".into()],
            answer: crash,
        },
        Question {
            id: "work",
            prompt: "Doubling the length of the run roughly multiplies the batch layer's total work by…".into(),
            choices: vec!["2".into(), "4".into(), "1: it only reads new data".into()],
            answer: Callback::new(|()| (1, "Each batch run re-reads the whole log up to its cut-off; twice as many runs over twice as much log is about four times the reading. Kappa processes each event once (plus a replay when the code changes).".into())),
        },
    ]
}

/// Newest window first.
fn window_rows(sim: Sim<Lambda>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let l = t.current();
            let len = l.windows_seen();
            let size = l.params().size_min * 60_000;
            (start..len.min(start + n))
                .map(|i| {
                    let r = row(l, len - 1 - i);
                    vec![
                        window_text(&r, size),
                        count(r.batch.events),
                        count(r.speed.events),
                        count(r.serving.events),
                        money(r.serving.revenue_cents),
                        count(r.truth.events),
                        format!("{:+}", r.serving.events as i64 - r.truth.events as i64),
                    ]
                })
                .collect()
        })
    })
}

#[component]
pub fn LambdaPage() -> impl IntoView {
    let sim = Sim::<Lambda>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let recent = Memo::new(move |_| {
        sim.with(|t| {
            let l = t.current();
            let n = l.windows_seen();
            (n.saturating_sub(12)..n)
                .map(|w| row(l, w))
                .collect::<Vec<_>>()
        })
    });
    let windows = Signal::derive(move || view.with(|v| v.windows));
    let hl = Signal::derive(move || {
        view.with(|v| match v.current {
            Some(c) if c.index < v.windows => vec![v.windows - 1 - c.index],
            _ => Vec::new(),
        })
    });
    let history = move |accuracy: bool| {
        Signal::derive(move || {
            view.with(|v| {
                let n = v.samples.len();
                let every = n.div_ceil(120).max(1);
                let pts: Vec<_> = v.samples.iter().step_by(every).copied().collect();
                BarData {
                    title: if accuracy {
                        "Accuracy of served answers over time".into()
                    } else {
                        "Freshness of served answers over time".into()
                    },
                    y_label: if accuracy {
                        "% of events right".into()
                    } else {
                        "minutes behind the head".into()
                    },
                    labels: pts
                        .iter()
                        .map(|s| time_of_day(SimTime(s.time_ms))[..5].to_string())
                        .collect(),
                    values: pts
                        .iter()
                        .map(|s| {
                            if accuracy {
                                s.accuracy * 100.0
                            } else {
                                s.freshness_ms as f64 / 60_000.0
                            }
                        })
                        .collect(),
                    reference: None,
                    emphasis: None,
                    second: None,
                    lines: true,
                }
            })
        })
    };
    let summary = move || {
        view.with(|v| match v.last_event {
            Some((_, e, Some(SpeedOutcome::TooLate))) => {
                format!("Event #{} is too late for the speed layer.", e.event_id)
            }
            _ => format!(
                "Served answers are off by {:+} events; freshness {}.",
                v.error_sum,
                duration_ms(v.freshness_ms)
            ),
        })
    };
    view! {
        <SimPage ui=ui title="Lambda: batch for accuracy, speed for freshness">
            <p class="lede">"Every event lands in an immutable master log. A batch layer recomputes exact views from the whole log every period, up to a cut-off; a speed layer keeps incremental views of what came after; the serving layer adds the two per window. Step through to watch batch runs start and get served, the speed layer shed what they cover, and the served answers stay equal to the truth — then crash the speed layer, send very late events, or switch on the note's UNION ALL."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Master log, layers and served windows"</h2>
                        <div class="diagram stream" data-testid="diagram">
                            <svg viewBox="0 0 380 200" role="img" class="stream-svg lambda-svg" aria-label=summary>
                                {move || view.with(|v| recent.with(|r| layers_svg(v, r, inspect)))}
                            </svg>
                            <p class="hint">{summary}</p>
                        </div>
                        <InspectPanel sim=sim view=view inspect=inspect />
                    </section>
                    <section class="panel metrics" aria-label="Layers and ground truth">
                        <h2>"Layers and ground truth"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel">
                        <DataTable id="serving" caption="Serving view by window, newest first (truth so far = distinct events in the log)" columns=&["Window", "Batch", "Speed", "Served", "Revenue served", "Truth so far", "Δ"] total=windows fetch=window_rows(sim) highlight=hl page_size=10 />
                    </section>
                    <section class="panel">
                        <BarChart id="accuracy" data=history(true) />
                        <BarChart id="freshness" data=history(false) />
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
                what="Lambda runs two pipelines over the same input. The batch layer periodically recomputes exact views from the complete, immutable master log; the speed layer covers only the events since the last batch run's cut-off, incrementally and approximately; the serving layer combines them. Batch results replace speed results as they arrive, so errors in the speed layer (a crash, late or duplicate events) heal at the next batch run."
                when="When results must be fresh and also exactly right in the end, and the batch recompute is cheap enough to run on schedule; or when a batch system of record already exists and a streaming layer is added for freshness."
                when_not="When one streaming job with replay can give both (Kappa): Lambda means two codebases that must compute the same thing, a merge that is easy to get wrong (the cut-off), and a batch layer whose work grows with the whole history."
                glossary=GLOSSARY />
        </SimPage>
    }
}
