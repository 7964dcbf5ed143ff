//! /kappa: one log, one stream processor. Events as dots in event time × processing time,
//! the watermark as a line, windows as bands; late events to a side output; crash and
//! restart from a checkpoint; reprocessing a new code version from offset 0.

use leptos::prelude::*;
use pipelab_core::format::{count, duration_ms, money, short_clock, time_of_day};
use pipelab_core::oracle::streaming::Answer;
use pipelab_core::patterns::kappa::code::code_view;
use pipelab_core::patterns::kappa::{
    Disposition, JobView, Kappa, KappaView, LateRecord, Score, WindowResult,
};
use pipelab_core::sim::{Fault, Scenario, SimTime};
use pipelab_core::stream::{Rule, WindowKey, WindowKind};

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
    ("event time", "When the order actually happened, stamped by the producer; windows group by it."),
    ("processing time", "When the stream processor reads the event; delayed, out-of-order events make it differ from event time."),
    ("arrival delay", "How long after it happened an event reaches the log and is read (read time − event time). A long arrival delay makes an event late only if the watermark has already passed its windows."),
    ("watermark", "The processor's claim that no event older than this will still arrive: latest event time seen minus the allowed delay. A window fires when the watermark passes its end."),
    ("allowed delay", "How far behind the latest event time the watermark trails. Larger: fewer late events, later results."),
    ("tumbling window", "Fixed-size, non-overlapping event-time windows: each event is in exactly one."),
    ("sliding window", "Fixed-size windows starting every slide (Flink calls them HOP): an event is in size/slide windows."),
    ("session window", "Per key, a run of events separated by less than the gap; closes after a gap of inactivity. A late event can merge two sessions."),
    ("late event", "An event that arrives behind the watermark, so its windows have already fired: it is dropped or routed to a side output."),
    ("side output", "A second output stream of the same job, here for late events, so they can be reconciled instead of lost."),
    ("offset", "An event's position in the log. A consumer remembers the offset it has read up to."),
    ("checkpoint", "A consistent snapshot of the job's state together with its log offset; after a crash the job restarts from it and re-reads what followed."),
    ("reprocessing", "Running new code over the retained log from offset 0 into a new output, then switching readers to it: Kappa's answer to Lambda's batch layer."),
];

/// What the learner clicked in the picture.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Event(u64),
    Window(WindowKey),
}

const W: f64 = 360.0;
const H: f64 = 244.0;
const LEFT: f64 = 38.0;
const BOTTOM: f64 = 200.0;
const TOP: f64 = 12.0;
const RIGHT: f64 = 350.0;

fn fate_class(d: Disposition) -> &'static str {
    match d {
        Disposition::Counted { .. } => "dot counted",
        Disposition::Duplicate => "dot dup",
        Disposition::Late => "dot late",
        Disposition::PartlyLate { .. } => "dot partly",
    }
}

fn fate_text(d: Disposition, side: bool) -> String {
    match d {
        Disposition::Counted { windows: 1 } => "counted in its window".into(),
        Disposition::Counted { windows } => format!("counted in {windows} windows"),
        Disposition::Duplicate => "a repeat delivery, filtered by id".into(),
        Disposition::Late if side => "late: sent to the side output".into(),
        Disposition::Late => "late: dropped".into(),
        Disposition::PartlyLate { counted, missed } => {
            format!("partly late: missed {missed} closed window(s), counted in {counted}")
        }
    }
}

fn window_text(k: &WindowKey) -> String {
    let range = format!(
        "{}–{}",
        short_clock(SimTime(k.start_ms)),
        time_of_day(SimTime(k.end_ms))
    );
    if k.user != 0 {
        format!("user {} · {range}", k.user)
    } else {
        range
    }
}

/// The event-time × processing-time picture of the last events the readers' job read.
fn stream_svg(v: &KappaView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let dots = &v.dots;
    let lo = dots
        .iter()
        .map(|d| d.event.event_time.0.min(d.event.arrival_time.0))
        .min()
        .unwrap_or(0);
    let hi = dots
        .iter()
        .map(|d| d.event.arrival_time.0.max(d.event.event_time.0))
        .max()
        .unwrap_or(lo + 60_000)
        .max(lo + 60_000);
    let span = (hi - lo) as f64;
    let x = move |t: i64| LEFT + (t - lo) as f64 / span * (RIGHT - LEFT);
    let y = move |t: i64| BOTTOM - (t - lo) as f64 / span * (BOTTOM - TOP);
    let clamp_y = move |t: i64| y(t.clamp(lo, hi));
    // Window bands (event-time ranges) that overlap the visible range.
    let mut bands: Vec<(WindowKey, bool)> = v
        .open
        .iter()
        .filter(|o| o.key.end_ms > lo && o.key.start_ms < hi)
        .filter(|o| {
            v.windows.kind != WindowKind::Session || v.current.is_some_and(|c| c.key == o.key)
        })
        .map(|o| (o.key, true))
        .collect();
    let emitted_from = v.live.output.len().saturating_sub(6);
    for r in v.live.output.page(emitted_from, 6) {
        if r.key.end_ms > lo && r.key.start_ms < hi && v.windows.kind != WindowKind::Session {
            bands.push((r.key, false));
        }
    }
    let band_views = bands
        .into_iter()
        .map(|(key, open)| {
            let (y0, y1) = (clamp_y(key.end_ms), clamp_y(key.start_ms));
            let label = format!(
                "{} window {}",
                if open { "open" } else { "emitted" },
                window_text(&key)
            );
            view! {
                <rect x=LEFT y=format!("{y0:.1}") width=RIGHT - LEFT height=format!("{:.1}", (y1 - y0).max(1.0))
                    class=if open { "band open" } else { "band closed" }
                    data-inspect="window" on:click=move |_| inspect.set(Some(Inspect::Window(key)))>
                    <title>{label}</title>
                </rect>
            }
        })
        .collect_view();
    let wm_points: Vec<String> = dots
        .iter()
        .filter_map(|d| {
            let w = d.watermark_ms?;
            (w != i64::MAX && w >= lo)
                .then(|| format!("{:.1},{:.1}", x(d.event.arrival_time.0), y(w)))
        })
        .collect();
    let last_id = dots.last().map(|d| (d.offset, d.event.event_id));
    let side = v.side_output;
    let dot_views = dots
        .iter()
        .map(|d| {
            let e = d.event;
            let id = e.event_id;
            let newest = last_id == Some((d.offset, id));
            let class = format!("{}{}", fate_class(d.disposition), if newest { " just-moved" } else { "" });
            let title = format!(
                "event #{id} (user {}): happened {}, read {} — {}",
                e.user_id,
                time_of_day(e.event_time),
                time_of_day(e.arrival_time),
                fate_text(d.disposition, side)
            );
            view! {
                <circle cx=format!("{:.1}", x(e.arrival_time.0)) cy=format!("{:.1}", y(e.event_time.0))
                    r=if newest { "6" } else { "3.5" } class=class data-inspect=format!("event-{id}")
                    on:click=move |_| inspect.set(Some(Inspect::Event(id)))>
                    <title>{title}</title>
                </circle>
            }
        })
        .collect_view();
    view! {
        {band_views}
        <line x1=LEFT y1=BOTTOM x2=RIGHT y2=TOP class="diagonal" />
        <polyline points=wm_points.join(" ") class="watermark" />
        {dot_views}
        <line x1=LEFT y1=BOTTOM x2=RIGHT y2=BOTTOM class="axis" />
        <line x1=LEFT y1=BOTTOM x2=LEFT y2=TOP class="axis" />
        <text x=RIGHT y=BOTTOM + 10.0 text-anchor="end" class="axis-label">"processing time (when read) →"</text>
        <text x=LEFT y=BOTTOM + 10.0 class="axis-label">{time_of_day(SimTime(lo))}</text>
        <text x=4.0 y=TOP + 4.0 class="axis-label">{time_of_day(SimTime(hi))}</text>
        <text x=4.0 y=BOTTOM - 2.0 class="axis-label">"event"</text>
        <text x=4.0 y=BOTTOM + 8.0 class="axis-label">"time ↑"</text>
    }
}

/// The log as a strip from offset 0 to the end of the input, with each job's position.
fn log_strip(v: &KappaView) -> impl IntoView {
    let total = (v.total_events + (v.head.saturating_sub(v.total_events.min(v.head))))
        .max(v.head)
        .max(1) as f64;
    let x = move |o: u64| LEFT + o as f64 / total * (RIGHT - LEFT);
    let mut marks: Vec<(f64, &'static str, String)> = vec![(
        x(v.live.offset),
        "cursor live",
        format!(
            "{} reads at {}",
            v.live.version.as_str(),
            count(v.live.offset)
        ),
    )];
    if let Some(n) = &v.next {
        marks.push((
            x(n.offset),
            "cursor next",
            format!("{} replays at {}", n.version.as_str(), count(n.offset)),
        ));
    }
    if let Some(c) = v.checkpoint_offset {
        marks.push((
            x(c),
            "cursor checkpoint",
            format!("checkpoint at {}", count(c)),
        ));
    }
    let head = x(v.head);
    view! {
        <g class="log-strip" aria-hidden="true">
            <rect x=LEFT y=H - 22.0 width=RIGHT - LEFT height="8" class="log-all" />
            <rect x=LEFT y=H - 22.0 width=format!("{:.1}", head - LEFT) height="8" class="log-filled" />
            {marks.into_iter().map(|(mx, class, title)| view! {
                <path d=format!("M{mx:.1} {:.1} l-4 -6 h8 z", H - 22.0) class=class><title>{title}</title></path>
            }).collect_view()}
            <text x=LEFT y=H - 4.0 class="axis-label">{format!("log: {} of {} events appended", count(v.head), count(v.total_events))}</text>
        </g>
    }
}

#[component]
fn StreamDiagram(view: Memo<KappaView>, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let export = move |_| {
        if let Some(svg) = svg_ref.get_untracked() {
            let text =
                svg.outer_html()
                    .replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1);
            crate::browser::download("pipelab-kappa-picture.svg", "image/svg+xml", &text);
        }
    };
    let summary = move || {
        view.with(|v| {
            let late = v
                .dots
                .iter()
                .filter(|d| {
                    matches!(
                        d.disposition,
                        Disposition::Late | Disposition::PartlyLate { .. }
                    )
                })
                .count();
            format!(
                "The last {} events read: {} late. Watermark {}. {} windows open, {} emitted.",
                v.dots.len(),
                late,
                wm_text(v.live.watermark_ms),
                v.live.open_windows,
                count(v.live.output.len() as u64)
            )
        })
    };
    view! {
        <div class="diagram stream" data-testid="diagram">
            <svg node_ref=svg_ref viewBox=format!("0 0 {W} {H}") role="img" class="stream-svg" aria-label=summary>
                {move || view.with(|v| stream_svg(v, inspect))}
                {move || view.with(log_strip)}
            </svg>
            <p class="legend">
                <span class="key counted"><span class="sw">"●"</span>" counted"</span>
                <span class="key late"><span class="sw">"●"</span>" late"</span>
                <span class="key partly"><span class="sw">"●"</span>" partly late"</span>
                <span class="key dup"><span class="sw">"●"</span>" repeat"</span>
                <span class="key wm"><span class="sw">"—"</span>" watermark"</span>
                <span class="key diag"><span class="sw">"┄"</span>" on time (event = processing)"</span>
                <button class="small" data-testid="diagram-svg" on:click=export>"⤓ SVG"</button>
            </p>
            <p class="hint">{summary}</p>
        </div>
    }
}

fn wm_text(w: Option<i64>) -> String {
    match w {
        None => "none".into(),
        Some(i64::MAX) => "+∞ (end of input)".into(),
        Some(w) => time_of_day(SimTime(w)),
    }
}

#[component]
fn InspectPanel(
    sim: Sim<Kappa>,
    view: Memo<KappaView>,
    inspect: RwSignal<Option<Inspect>>,
) -> impl IntoView {
    let body = move || {
        match inspect.get() {
        None => "Click a dot (an event) or a band (a window) in the picture to inspect it.".to_string(),
        Some(Inspect::Event(id)) => view.with(|v| {
            match v.dots.iter().rev().find(|d| d.event.event_id == id) {
                None => format!("Event #{id} has scrolled out of the picture."),
                Some(d) => {
                    let e = d.event;
                    format!(
                        "Event #{id}: order {} of user {}, {} ({}). Happened {}, read at offset {} ({} later). Watermark after it: {}. The job: {}.",
                        e.order_id,
                        e.user_id,
                        e.status.as_str(),
                        money(e.amount_cents),
                        time_of_day(e.event_time),
                        d.offset,
                        duration_ms(e.lateness_ms()),
                        wm_text(d.watermark_ms),
                        fate_text(d.disposition, v.side_output)
                    )
                }
            }
        }),
        Some(Inspect::Window(key)) => view.with(|v| {
            if let Some(o) = v.open.iter().find(|o| o.key == key) {
                format!(
                    "Window {}: open, {} events and {} so far; the log holds {} for it so far. It fires when the watermark ({}) passes {}.",
                    window_text(&key),
                    o.agg.events,
                    money(o.agg.revenue_cents),
                    o.so_far.events,
                    wm_text(v.live.watermark_ms),
                    time_of_day(SimTime(key.end_ms))
                )
            } else if let Some(r) = v.live.output.iter().rev().find(|r| r.key == key) {
                let (ok, delta, t) = v.truth.judge(v.live.version, r);
                format!(
                    "Window {}: emitted at offset {} with {} events, {}; the final truth is {} events, {} ({}).",
                    window_text(&key),
                    r.emitted_offset,
                    r.agg.events,
                    money(r.agg.revenue_cents),
                    t.events,
                    money(t.revenue_cents),
                    if ok { "correct".to_string() } else { format!("wrong by {delta:+} events") }
                )
            } else {
                format!("Window {} is no longer shown.", window_text(&key))
            }
        }),
    }
    };
    let _ = sim;
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}
        </div>
    }
}

fn score_truth(s: &Score) -> Truth {
    if s.checked == 0 {
        Truth::Pending
    } else if s.wrong == 0 {
        Truth::Correct
    } else {
        Truth::Wrong(s.delta_events)
    }
}

/// A job's stats as text, so the panel only changes the numbers that changed.
#[derive(Clone, Debug, Default, PartialEq)]
struct JobTexts {
    version: String,
    offset: String,
    watermark: String,
    emitted: String,
    late: String,
    repeats: String,
    read: String,
}

fn job_texts(j: &JobView) -> JobTexts {
    JobTexts {
        version: format!("code {}", j.version.as_str()),
        offset: format!("{} / {}", count(j.offset), count(j.lag)),
        watermark: wm_text(j.watermark_ms),
        emitted: format!("{} / {}", j.open_windows, count(j.output.len() as u64)),
        late: count(j.late.len() as u64),
        repeats: count(j.duplicates),
        read: count(j.read),
    }
}

/// One job's stats, built once; each number is its own text node.
#[component]
fn JobStats(texts: Memo<JobTexts>, label: &'static str, testid: &'static str) -> impl IntoView {
    let t = move |f: fn(&JobTexts) -> &String| move || texts.with(|t| f(t).clone());
    view! {
        <dl class="stats" data-testid=testid>
            <div><dt>{label}</dt><dd>{t(|t| &t.version)}</dd></div>
            <div><dt>"Offset / lag"</dt><dd data-testid=format!("{testid}-offset")>{t(|t| &t.offset)}</dd></div>
            <div><dt>"Watermark"</dt><dd data-testid=format!("{testid}-watermark")>{t(|t| &t.watermark)}</dd></div>
            <div><dt>"Windows open / emitted"</dt><dd data-testid=format!("{testid}-emitted")>{t(|t| &t.emitted)}</dd></div>
            <div><dt>"Late events"</dt><dd data-testid=format!("{testid}-late")>{t(|t| &t.late)}</dd></div>
            <div><dt>"Repeats filtered"</dt><dd>{t(|t| &t.repeats)}</dd></div>
            <div><dt>"Events read"</dt><dd>{t(|t| &t.read)}</dd></div>
        </dl>
    }
}

/// The badges' states and the panel's sentences.
#[derive(Clone, Debug, PartialEq)]
struct Verdicts {
    latest: Truth,
    open: Truth,
    results: Truth,
    wrong: String,
    hint: String,
    missing: Option<String>,
}

fn verdicts(v: &KappaView) -> Verdicts {
    let latest = match &v.latest {
        None => Truth::Pending,
        Some((_, true, _, _)) => Truth::Correct,
        Some((_, false, d, _)) => Truth::Wrong(*d),
    };
    let open = match &v.current {
        None => Truth::Pending,
        Some(o) if o.agg.events == o.so_far.events => Truth::Correct,
        Some(o) => Truth::Wrong(o.agg.events as i64 - o.so_far.events as i64),
    };
    let latest_text = match &v.latest {
        None => "No window has fired yet.".to_string(),
        Some((r, _, _, t)) => format!(
            "Latest result: {} → {} events, {} (final truth {} events, {}).",
            window_text(&r.key),
            r.agg.events,
            money(r.agg.revenue_cents),
            t.events,
            money(t.revenue_cents)
        ),
    };
    let open_text = match &v.current {
        None => "The last event read went into no open window.".to_string(),
        Some(o) => format!(
            "Its open window {} holds {} events; the log holds {} for it so far.",
            window_text(&o.key),
            o.agg.events,
            o.so_far.events
        ),
    };
    Verdicts {
        latest,
        open,
        results: score_truth(&v.live.score),
        wrong: format!(
            "{} of {} wrong",
            count(v.live.score.wrong),
            count(v.live.score.checked)
        ),
        hint: format!("{latest_text} {open_text}"),
        missing: v.missing.map(|m| {
            format!(
                "End of input: {} final window(s) never emitted by the readers' job.",
                count(m)
            )
        }),
    }
}

/// The jobs and ground-truth panel: built once, its numbers and badges update in place
/// (rebuilding it every frame of play cost most of a frame at a million events).
#[component]
fn Metrics(view: Memo<KappaView>) -> impl IntoView {
    let live = Memo::new(move |_| view.with(|v| job_texts(&v.live)));
    let next =
        Memo::new(move |_| view.with(|v| v.next.as_ref().map(job_texts).unwrap_or_default()));
    let has_next = Memo::new(move |_| view.with(|v| v.next.is_some()));
    let m = Memo::new(move |_| view.with(verdicts));
    let badge = move |f: fn(&Verdicts) -> Truth| Signal::derive(move || m.with(f));
    view! {
        <JobStats texts=live label="Readers' job" testid="job-live" />
        {move || has_next.get().then(|| view! { <JobStats texts=next label="Replaying job" testid="job-next" /> })}
        <dl class="stats">
            <div><dt>"Latest window"</dt><dd><TruthBadge metric="window" scope=TruthScope::Final truth=badge(|m| m.latest.clone()) /></dd></div>
            <div><dt>"Its open window"</dt><dd><TruthBadge metric="open-window" scope=TruthScope::SoFar truth=badge(|m| m.open.clone()) /></dd></div>
            <div><dt>"All results"</dt><dd>
                <span data-testid="results-wrong">{move || m.with(|m| m.wrong.clone())}</span>" "
                <TruthBadge metric="results" scope=TruthScope::Final truth=badge(|m| m.results.clone()) />
            </dd></div>
        </dl>
        <p class="hint">{move || m.with(|m| m.hint.clone())}</p>
        {move || m.with(|m| m.missing.clone()).map(|t| view! { <p class="hint" data-testid="missing-windows">{t}</p> })}
    }
}

fn result_row(
    truth: &pipelab_core::patterns::kappa::TruthHandle,
    rule: Rule,
    r: &WindowResult,
) -> Vec<String> {
    let (ok, delta, t): (bool, i64, Answer) = truth.judge(rule, r);
    vec![
        window_text(&r.key),
        count(r.agg.events),
        money(r.agg.revenue_cents),
        format!("{} · {}", count(t.events), money(t.revenue_cents)),
        match (ok, r.repeat) {
            (true, false) => "correct".into(),
            (false, false) => format!("wrong by {delta:+}"),
            // An at-least-once sink wrote this window's row again after a restore.
            (true, true) => "correct, written again".into(),
            (false, true) => format!("wrong by {delta:+}, written again"),
        },
        r.emitted_offset.to_string(),
    ]
}

fn late_row(l: &LateRecord) -> Vec<String> {
    let e = l.event;
    vec![
        l.offset.to_string(),
        format!("#{}", e.event_id),
        e.user_id.to_string(),
        time_of_day(e.event_time),
        time_of_day(e.arrival_time),
        duration_ms(e.lateness_ms()),
        wm_text(Some(l.watermark_ms)),
        if l.kept {
            "side output".into()
        } else {
            "dropped".into()
        },
    ]
}

const RESULT_COLUMNS: &[&str] = &[
    "Window",
    "Events",
    "Revenue",
    "Final truth",
    "Verdict",
    "Emitted at offset",
];

/// Newest-first pages over a job's output.
fn output_fetch(view: Memo<KappaView>, next: bool) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        view.with(|v| {
            let job = if next { v.next.as_ref() } else { Some(&v.live) };
            let Some(job) = job else { return Vec::new() };
            let len = job.output.len();
            (start..len.min(start + n))
                .filter_map(|i| job.output.get(len - 1 - i))
                .map(|r| result_row(&v.truth, job.version, r))
                .collect()
        })
    })
}

fn questions(sim: Sim<Kappa>) -> Vec<Question> {
    let next = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            if s.view().head >= s.total_steps() {
                return (
                    0,
                    "The run is over: step back first, then ask again.".to_string(),
                );
            }
            s.step();
            let side = s.params().side_output;
            match s.last().disposition {
                Some((e, d, _)) => {
                    let pick = match d {
                        Disposition::Counted { .. } => 0,
                        Disposition::Late | Disposition::PartlyLate { .. } => 1,
                        Disposition::Duplicate => 2,
                    };
                    (
                        pick,
                        format!(
                            "The simulation takes the next step: event #{} (happened {}) is {}.",
                            e.event_id,
                            time_of_day(e.event_time),
                            fate_text(d, side)
                        ),
                    )
                }
                None => (0, "The job reads nothing next step.".to_string()),
            }
        })
        .unwrap_or((0, String::new()))
    });
    let switch = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            if let Err(e) = s.apply(&Fault::new("code-version")) {
                return (1, format!("No new version can be deployed here ({e}); in general readers switch once the new job has caught up with the head of the log."));
            }
            let mut steps = 0u64;
            while s.next_job().is_some() && steps < s.total_steps() {
                if s.view().head >= s.total_steps() {
                    break;
                }
                s.step();
                steps += 1;
            }
            let how = if s.next_job().is_none() {
                format!("in this run v2 catches up and readers switch after {} steps", count(steps))
            } else {
                "in this run the input ends before v2 catches up".to_string()
            };
            (1, format!("Readers keep using v1's output while v2 replays the log; they switch when v2 reaches the head — {how}."))
        })
        .unwrap_or((1, String::new()))
    });
    let delay = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let p = t.current().params();
            (1, format!("An event arrives at most {} after it happened, so a watermark trailing the latest event time by at least that much never passes a window that still has events on the way. Any less and some are late; more only delays the results.", duration_ms(p.lateness_s * 1000)))
        })
        .unwrap_or((1, String::new()))
    });
    vec![
        Question {
            id: "next-event",
            prompt: "Predict: what will the job do with the next event it reads?".into(),
            choices: vec!["Count it in an open window".into(), "Treat it as late: its window has fired".into(), "Ignore it as a repeat delivery".into()],
            answer: next,
        },
        Question {
            id: "delay",
            prompt: "Which allowed delay makes every window equal the final truth in this run?".into(),
            choices: vec!["0 s: emit as soon as possible".into(), "At least the maximum lateness".into(), "Any delay: watermarks are exact".into()],
            answer: delay,
        },
        Question {
            id: "no-watermark",
            prompt: "The note's source declares no watermark. When does a 10-minute event-time window fire?".into(),
            choices: vec!["After 10 minutes of processing time".into(), "When the next window's first event arrives".into(), "Never".into()],
            answer: Callback::new(|()| (2, "Event-time windows fire only when the watermark passes their end. With no watermark it never advances, so no window ever fires (try the “note's source” preset).".into())),
        },
        Question {
            id: "switch",
            prompt: "If v2 were deployed now, when would readers switch to its output?".into(),
            choices: vec!["Immediately".into(), "Once v2 has replayed the log up to the head".into(), "At v1's next checkpoint".into()],
            answer: switch,
        },
    ]
}

#[component]
pub fn KappaPage() -> impl IntoView {
    let sim = Sim::<Kappa>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let open_rows = Signal::derive(move || {
        view.with(|v| {
            v.open
                .iter()
                .map(|o| {
                    vec![
                        window_text(&o.key),
                        count(o.agg.events),
                        money(o.agg.revenue_cents),
                        count(o.so_far.events),
                        format!("{:+}", o.agg.events as i64 - o.so_far.events as i64),
                    ]
                })
                .collect::<Vec<_>>()
        })
    });
    let open_hl = Signal::derive(move || {
        view.with(|v| {
            v.current
                .and_then(|c| v.open.iter().position(|o| o.key == c.key))
                .into_iter()
                .collect()
        })
    });
    let out_len = Signal::derive(move || view.with(|v| v.live.output.len()));
    let next_len =
        Signal::derive(move || view.with(|v| v.next.as_ref().map_or(0, |n| n.output.len())));
    let has_next = Memo::new(move |_| view.with(|v| v.next.is_some()));
    let out_hl = Signal::derive(move || {
        sim.with(|t| {
            if t.current().last().live_emitted.is_empty() {
                Vec::new()
            } else {
                vec![0]
            }
        })
    });
    let late_len = Signal::derive(move || view.with(|v| v.live.late.len()));
    let late_fetch = Callback::new(move |(start, n): (usize, usize)| {
        view.with(|v| {
            let len = v.live.late.len();
            (start..len.min(start + n))
                .filter_map(|i| v.live.late.get(len - 1 - i))
                .map(late_row)
                .collect::<Vec<_>>()
        })
    });
    let chart = Signal::derive(move || {
        view.with(|v| {
            let from = v.live.output.len().saturating_sub(12);
            let rows = v.live.output.page(from, 12);
            let truths: Vec<f64> = rows
                .iter()
                .map(|r| v.truth.judge(v.live.version, r).2.events as f64)
                .collect();
            BarData {
                title: "Last 12 windows: events emitted vs final truth".into(),
                y_label: "events".into(),
                labels: rows
                    .iter()
                    .map(|r| time_of_day(SimTime(r.key.start_ms))[..5].to_string())
                    .collect(),
                values: rows.iter().map(|r| r.agg.events as f64).collect(),
                reference: None,
                emphasis: None,
                second: Some(("final truth".into(), "emitted".into(), truths)),
                lines: false,
            }
        })
    });
    view! {
        <SimPage ui=ui title="Kappa: one log, one stream processor">
            <p class="lede">"Orders arrive in a log, some late and some twice. One stream job groups them into event-time windows and emits each window when the watermark passes its end. Step through to watch events land as dots (when they happened against when they were read), the watermark line trail behind, and late events miss their windows. Crash the job, or deploy a new version that replays the whole log."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Event time × processing time"</h2>
                        <StreamDiagram view=view inspect=inspect />
                        <InspectPanel sim=sim view=view inspect=inspect />
                    </section>
                    <section class="panel metrics" aria-label="Jobs and ground truth">
                        <h2>"Jobs and ground truth"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel">
                        <DataTable id="open-windows" caption="Open windows of the readers' job (truth so far = distinct events in the log for that window)" columns=&["Window", "Events", "Revenue", "Truth so far", "Δ"] rows=open_rows highlight=open_hl page_size=8 />
                        <DataTable id="output" caption="Output of the readers' job, newest first" columns=RESULT_COLUMNS total=out_len fetch=output_fetch(view, false) highlight=out_hl page_size=8 />
                        <div hidden=move || !has_next.get()>
                            <DataTable id="output-next" caption="Output of the replaying job (v2), newest first" columns=RESULT_COLUMNS total=next_len fetch=output_fetch(view, true) page_size=8 />
                        </div>
                        <DataTable id="late" caption="Late events (side output), newest first" columns=&["Offset", "Event", "User", "Happened", "Read", "Arrival delay", "Watermark then", "Kept"] total=late_len fetch=late_fetch page_size=8 />
                    </section>
                    <section class="panel">
                        <BarChart id="windows-vs-truth" data=chart />
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
                what="Kappa keeps one immutable, replayable log and one stream processor. Results are computed once, as the events flow, in event-time windows; a watermark decides when a window is complete enough to emit. To change the logic you do not run a batch job: you replay the log from the beginning through the new code into a new output and switch readers when it has caught up."
                when="When every consumer can be served from one streaming codebase, the log retains enough history to replay (or is compacted per key), and results are needed within seconds or minutes."
                when_not="When a replay of the whole history would take too long or cost too much; when answers need large joins over all history that a stream job cannot hold in state; or when late data beyond any sensible allowed delay must still be folded in (then a batch correction, Lambda-style, earns its keep)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
