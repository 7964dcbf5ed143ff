//! /event-sourcing: commands into a write model that loads, decides and appends to one
//! log; the newest events and the snapshot store in the picture; the order the last command
//! touched shown as its events beside its fold, with a temporal query; replay cost over time.

use leptos::prelude::*;
use pipelab_core::format::{count, money, time_of_day};
use pipelab_core::orders::schema::encode_v2;
use pipelab_core::orders::{upcast, OrderState, Status};
use pipelab_core::patterns::event_sourcing::code::code_view;
use pipelab_core::patterns::event_sourcing::scenario::{Handled, Outcome, SnapshotOutcome};
use pipelab_core::patterns::event_sourcing::view::{
    as_of, event_row, mismatch, order_detail, read_cost_sentence, EventRow,
};
use pipelab_core::patterns::event_sourcing::{EsView, EventSourcing};
use pipelab_core::sim::{Scenario, SimTime};

use crate::pages::event_cells::{event_cell, kind_class, CellBox};
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
    ("event", "A fact that happened (OrderPaid), stored forever in the order it was recorded; never updated or deleted."),
    ("stream", "All events of one aggregate (here: one order), numbered by version 1, 2, 3…"),
    ("aggregate", "The unit of consistency a command is checked against: here one order, whose state is the fold of its stream."),
    ("fold", "Applying the events one after another to an empty state; the result is the current state."),
    ("command", "A request to change something (PayOrder). The write model accepts it as an event or refuses it with a reason."),
    ("expected version", "The stream version a writer loaded; the append succeeds only if the stream is still at it (optimistic concurrency)."),
    ("snapshot", "A stored copy of an aggregate's fold at some version, so a load reads only the events after it. A cache: the log stays the truth."),
    ("upcasting", "Turning an event stored in an old schema into the current one as it is read, leaving the stored event unchanged."),
    ("temporal query", "An aggregate's state as of an earlier event: fold only the events up to it."),
];

/// What the learner clicked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Event(u64),
    Box(&'static str),
}

fn outcome_text(h: &Handled) -> String {
    match h.outcome {
        Outcome::Appended { version, .. } => format!("appended v{version}"),
        Outcome::Rejected(_) => "refused".into(),
        Outcome::Conflict(c) => format!("conflict: at v{}", c.actual),
    }
}

fn outcome_class(h: &Handled) -> &'static str {
    match h.outcome {
        Outcome::Appended { .. } => "box write ok",
        Outcome::Rejected(_) => "box write refused",
        Outcome::Conflict(_) => "box write conflict",
    }
}

/// The picture: command → write model → log (newest events) and snapshot store, with the
/// last load's cost three ways.
fn es_svg(v: &EsView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let last = v.handled.last();
    let cmd = last.map_or("—".to_string(), |h| {
        format!("#{} {}", h.order, h.command.label())
    });
    let write_sub = last.map_or("waiting".to_string(), outcome_text);
    let write_class = last.map_or("box write", outcome_class);
    let focus = last.map(|h| h.order);
    let just = last.and_then(|h| match h.outcome {
        Outcome::Appended { pos, .. } => Some(pos),
        _ => None,
    });
    let n = v.recent.len().max(1) as f64;
    let cw = (340.0 / n).min(40.0);
    let cells = v
        .recent
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let x = 20.0 + i as f64 * cw;
            let pos = e.pos;
            let mut class = kind_class(e.name).to_string();
            if Some(e.order) == focus {
                class.push_str(" focus");
            }
            if e.schema == 1 {
                class.push_str(" v1");
            }
            if Some(pos) == just {
                class.push_str(" just-moved");
            }
            let title = format!(
                "event {} · order #{} v{} · {}{}",
                count(pos + 1),
                e.order,
                e.version,
                e.name,
                if e.schema == 1 { " (schema v1)" } else { "" }
            );
            let at = CellBox {
                x,
                y: 92.0,
                w: cw,
                h: 34.0,
            };
            event_cell(
                pos,
                e.order,
                e.name,
                class,
                title,
                at,
                Callback::new(move |()| inspect.set(Some(Inspect::Event(pos)))),
            )
        })
        .collect_view();
    let cost = last.map(|h| h.cost).unwrap_or_default();
    let max = cost.scan.max(cost.stream).max(1) as f64;
    let bar = |y: f64, label: &'static str, value: u64, class: &'static str| {
        let w = (value as f64 / max * 200.0).max(if value > 0 { 1.0 } else { 0.0 });
        view! {
            <text x="20" y=format!("{:.1}", y + 7.0) class="axis-label">{label}</text>
            <rect x="150" y=format!("{y:.1}") width=format!("{w:.1}") height="8" class=class />
            <text x=format!("{:.1}", 154.0 + w) y=format!("{:.1}", y + 7.0) class="axis-label">{count(value)}</text>
        }
    };
    let snap_line = match last.map(|h| h.snapshot) {
        Some(SnapshotOutcome::Written { version }) => {
            format!("stored: order #{} at v{version}", focus.unwrap_or(0))
        }
        Some(SnapshotOutcome::Crashed { version }) => format!("crashed before storing v{version}!"),
        _ if v.snapshot_every == 0 => "off".to_string(),
        _ => format!("one every {} events of an order", v.snapshot_every),
    };
    view! {
        <g class="box cmd" data-inspect="box-commands" on:click=move |_| inspect.set(Some(Inspect::Box("commands")))>
            <rect x="20" y="10" width="150" height="40" rx="4" />
            <text x="26" y="25" class="layer-title">"Command"</text>
            <text x="26" y="40" class="layer-sub">{cmd}</text>
        </g>
        <path d="M170 30 h24 l-4 -3 m4 3 l-4 3" class="arrow" />
        <g class=write_class data-inspect="box-write" on:click=move |_| inspect.set(Some(Inspect::Box("write")))>
            <rect x="196" y="10" width="164" height="40" rx="4" />
            <text x="202" y="25" class="layer-title">"Write model: load · decide · append"</text>
            <text x="202" y="40" class="layer-sub">{write_sub}</text>
        </g>
        <text x="20" y="72" class="axis-label">{format!("event log: {} events, newest right{}", count(v.log_len), if v.pending_retry.is_some() { " · writer B will retry" } else { "" })}</text>
        <line x1="20" x2="360" y1="86" y2="86" class="axis" />
        {cells}
        <g class="box snap" data-inspect="box-snapshots" on:click=move |_| inspect.set(Some(Inspect::Box("snapshots")))>
            <rect x="20" y="136" width="340" height="24" rx="4" />
            <text x="26" y="151" class="layer-sub">{format!("snapshot store: {} snapshots · {}{}", count(v.totals.snapshots), snap_line, if v.crash_armed { " · a crash is armed" } else { "" })}</text>
        </g>
        <text x="20" y="176" class="axis-label">"events the last command's load read (before its append):"</text>
        {bar(182.0, "from the newest snapshot", cost.snapshot, "cost snap")}
        {bar(194.0, "whole stream (no snapshots)", cost.stream, "cost stream")}
        {bar(206.0, "the note's full scan", cost.scan, "cost scan")}
    }
}

fn state_text(s: &OrderState) -> String {
    if s.status == Status::None {
        return "does not exist yet".to_string();
    }
    format!(
        "{} · user {} · {} items · total {}{}",
        s.status.label(),
        s.user,
        s.items,
        money(s.total_cents),
        if s.paid_cents > 0 {
            format!(" · paid {}", money(s.paid_cents))
        } else {
            String::new()
        }
    )
}

fn event_text(e: &EventRow) -> String {
    format!(
        "v{} · {}{}{}",
        e.version,
        e.name,
        e.amount_cents
            .map(|a| format!(" {}", money(a)))
            .unwrap_or_default(),
        if e.schema == 1 { " (v1, upcast)" } else { "" }
    )
}

/// The inspected order: its events beside its fold, the oracle's badge, and a temporal
/// query over its versions.
#[component]
fn OrderPanel(sim: Sim<EventSourcing>, view: Memo<EsView>) -> impl IntoView {
    // The order picked by the learner; `None` follows the last command.
    let picked = RwSignal::new(None::<u32>);
    let as_of_version = RwSignal::new(None::<u32>);
    let order = Memo::new(move |_| {
        picked
            .get()
            .or_else(|| view.with(|v| v.handled.last().map(|h| h.order)))
    });
    let detail = Memo::new(move |_| {
        let o = order.get()?;
        sim.with(|t| {
            let s = t.current();
            (o >= 1 && o <= s.orders().max(1)).then(|| order_detail(s, o))
        })
    });
    let version = Memo::new(move |_| detail.with(|d| d.as_ref().map_or(0, |d| d.state.version)));
    let at = Memo::new(move |_| {
        let o = order.get()?;
        let v = as_of_version.get().unwrap_or(u32::MAX).min(version.get());
        Some((v, sim.with(|t| as_of(t.current(), o, v))))
    });
    let truth = Signal::derive(move || {
        detail.with(|d| match d {
            None => Truth::Pending,
            Some(d) => match mismatch(&d.state, &d.oracle) {
                None => Truth::Correct,
                Some(x) => Truth::Wrong(x),
            },
        })
    });
    let at_truth = Signal::derive(move || {
        at.with(|a| match a {
            None => Truth::Pending,
            Some((_, (state, oracle, _))) => match mismatch(state, oracle) {
                None => Truth::Correct,
                Some(x) => Truth::Wrong(x),
            },
        })
    });
    let error = RwSignal::new(String::new());
    let on_pick = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let max = sim.with_untracked(|t| t.current().orders()).unwrap_or(0);
        match text.trim().parse::<u32>() {
            _ if text.trim().is_empty() => {
                picked.set(None);
                error.set(String::new());
            }
            Ok(o) if o >= 1 && o <= max => {
                picked.set(Some(o));
                as_of_version.set(None);
                error.set(String::new());
            }
            _ => error.set(format!("Enter an order number from 1 to {max} (or leave it empty to follow the last command).")),
        }
    };
    view! {
        <section class="panel order-panel" aria-label="One order" data-testid="order-panel">
            <h2>"One order: its events and its fold"</h2>
            <label class="inline">"Order # "
                <input type="text" inputmode="numeric" data-testid="order-id" placeholder="last command's"
                    aria-invalid=move || (!error.get().is_empty()).to_string() on:change=on_pick />
            </label>
            <p class="error" data-testid="order-id-error" role="alert">{move || error.get()}</p>
            {move || detail.with(|d| match d {
                None => view! { <p class="hint">"No order yet: step forward."</p> }.into_any(),
                Some(d) => {
                    let snaps: Vec<u32> = d.snapshots.iter().map(|s| s.0).collect();
                    view! {
                        <div class="order-cols">
                            <div>
                                <h3>{format!("Order #{}: {} events", d.order, d.events.len())}</h3>
                                <ol class="stream-list" data-testid="order-events">
                                    {d.events.iter().map(|e| {
                                        let snap = snaps.contains(&e.version);
                                        view! { <li class:v1=e.schema == 1>{event_text(e)}{snap.then_some(" ◆ snapshot")}</li> }
                                    }).collect_view()}
                                </ol>
                            </div>
                            <div>
                                <h3>"Fold (loaded now)"</h3>
                                <p data-testid="order-state">{state_text(&d.state)}</p>
                                <p class="hint" data-testid="order-read-cost">{view.with(|v| read_cost_sentence(d, v.handled.last()))}</p>
                            </div>
                        </div>
                    }.into_any()
                }
            })}
            <p>"State vs the oracle's fold of its events: " <TruthBadge metric="state" scope=TruthScope::SoFar truth=truth /></p>
            <h3>"Temporal query: the order as of an earlier event"</h3>
            <label class="inline">"As of version "
                <input type="range" min="0" data-testid="as-of"
                    prop:max=move || version.get().to_string()
                    prop:value=move || at.with(|a| a.as_ref().map_or(0, |a| a.0)).to_string()
                    aria-valuetext=move || at.with(|a| a.as_ref().map_or("none".into(), |a| format!("version {}", a.0)))
                    on:input=move |ev| as_of_version.set(event_target_value(&ev).parse().ok()) />
            </label>
            <p data-testid="as-of-state">{move || at.with(|a| match a {
                None => String::new(),
                Some((v, (s, _, read))) => format!("v{v}: {} (read {read} events)", state_text(s)),
            })}</p>
            <p>"As-of state vs the oracle: " <TruthBadge metric="as-of" scope=TruthScope::SoFar truth=at_truth /></p>
        </section>
    }
}

#[component]
fn InspectPanel(
    sim: Sim<EventSourcing>,
    view: Memo<EsView>,
    inspect: RwSignal<Option<Inspect>>,
) -> impl IntoView {
    let body = move || {
        match inspect.get() {
        None => "Click an event in the log (or a box) to inspect it.".to_string(),
        Some(Inspect::Event(pos)) => sim
            .with(|t| event_row(t.current().store(), pos))
            .map(|e| {
                let stored = e.json.clone();
                let read = if e.schema == 1 {
                    match upcast(&stored) {
                        Ok(ev) => format!(" Read as (upcast to v2): {}", encode_v2(&ev)),
                        Err(why) => format!(" It cannot be read: {why}."),
                    }
                } else {
                    String::new()
                };
                format!(
                    "Event {} at {}: order #{} version {}. Stored (schema v{}): {}.{read}",
                    count(pos + 1),
                    time_of_day(SimTime(e.at_ms)),
                    e.order,
                    e.version,
                    e.schema,
                    stored
                )
            })
            .unwrap_or_else(|| "That event is not in the log at this step.".into()),
        Some(Inspect::Box("commands")) => view.with(|v| format!(
            "Commands: {} sent, {} refused, {} version conflicts, {} retried.",
            count(v.totals.commands), count(v.totals.rejected), count(v.totals.conflicts), count(v.totals.retries))),
        Some(Inspect::Box("snapshots")) => view.with(|v| format!(
            "Snapshot store: {} snapshots written{}; {} crashes before a snapshot. Snapshots are a cache: deleting them all changes no state, only the cost of loads.",
            count(v.totals.snapshots),
            if v.snapshot_every > 0 { format!(", one per {} events of an order", v.snapshot_every) } else { " (off)".into() },
            v.totals.crashes)),
        Some(Inspect::Box(_)) => view.with(|v| format!(
            "Write model: loads the order ({}), checks the command against its state, and appends with the loaded version as the expected version. {} events appended, {} of them by the old v1 service; {} upcasts on read.",
            if v.full_scan { "the note's way: scanning the whole log" } else if v.snapshot_every > 0 { "newest snapshot + later events" } else { "its whole stream" },
            count(v.totals.appended), count(v.totals.v1_events), count(v.totals.upcasts))),
    }
    };
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}
        </div>
    }
}

/// `(label, test hook)` of each stat, in `stats` order.
const STATS: [(&str, &str); 10] = [
    ("Events in the log", "log-len"),
    ("Orders", "orders"),
    ("Commands", "commands"),
    ("Refused", "rejected"),
    ("Conflicts / retries", "conflicts"),
    ("Snapshots", "snapshots"),
    ("Crashes before a snapshot", "crashes"),
    ("v1 events / upcasts", "upcasts"),
    ("Events read (this setup)", "read-total"),
    ("Mean read per load: snapshot · stream · scan", "read-mean"),
];

fn stats(v: &EsView) -> [String; 10] {
    let t = &v.totals;
    let n = t.commands.max(1) as f64;
    [
        count(v.log_len),
        count(v.orders as u64),
        count(t.commands),
        count(t.rejected),
        format!("{} / {}", count(t.conflicts), count(t.retries)),
        count(t.snapshots),
        count(t.crashes),
        format!("{} / {}", count(t.v1_events), count(t.upcasts)),
        count(t.read.actual),
        format!(
            "{:.1} · {:.1} · {:.0}",
            t.read.snapshot as f64 / n,
            t.read.stream as f64 / n,
            t.read.scan as f64 / n
        ),
    ]
}

#[component]
fn Metrics(view: Memo<EsView>) -> impl IntoView {
    let s = Memo::new(move |_| view.with(stats));
    view! {
        <dl class="stats">
            {STATS.iter().enumerate().map(|(i, (label, hook))| view! {
                <div><dt>{*label}</dt><dd data-testid=*hook>{move || s.with(|s| s[i].clone())}</dd></div>
            }).collect_view()}
        </dl>
    }
}

fn questions(sim: Sim<EventSourcing>) -> Vec<Question> {
    let next = sim.predict_next(move |s| {
        let Some(h) = s.last().handled.last().copied() else {
            return (0, String::new());
        };
        let pick = match h.outcome {
            Outcome::Appended { .. } => 0,
            Outcome::Rejected(_) => 1,
            Outcome::Conflict(_) => 2,
        };
        (
            pick,
            format!(
                "The next step is {} for order #{}: {}",
                h.command.label(),
                h.order,
                s.narrate()
            ),
        )
    });
    vec![
        Question {
            id: "next-command",
            prompt: "Predict: what happens to the next command? (Look at the order it will touch, then step to check.)".into(),
            choices: vec!["It is appended as an event".into(), "It is refused with a reason".into(), "It hits a version conflict".into()],
            answer: next,
        },
        Question {
            id: "crash",
            prompt: "A writer crashes after appending an event and before storing the snapshot. What is lost?".into(),
            choices: vec!["The event".into(), "Nothing: the next load replays from the previous snapshot".into(), "The whole order".into()],
            answer: Callback::new(|()| (1, "The log is the source of truth and the append succeeded; a snapshot is only a cache of a fold the log can always recompute. The next load starts from an older snapshot and reads a few more events (try the crash fault).".into())),
        },
        Question {
            id: "race",
            prompt: "Two writers load order #12 at version 7 and both append with expected version 7. What happens?".into(),
            choices: vec!["Both appends succeed".into(), "The second gets a version conflict, reloads at 8 and retries".into(), "The second overwrites the first".into()],
            answer: Callback::new(|()| (1, "The stream has one version 8: the first append takes it, the second is refused because the stream is no longer at 7. It reloads, re-checks its command against the new state — which may now refuse it — and retries.".into())),
        },
        Question {
            id: "scan",
            prompt: "With the note's get_state (scan every event), the log doubles. What happens to the cost of loading one order?".into(),
            choices: vec!["Nothing: the order's stream did not grow".into(), "It doubles".into(), "It halves".into()],
            answer: Callback::new(|()| (1, "The scan reads every event of every order, so each load costs the whole log; reading the order's own stream (an index on order_id, version) plus a snapshot keeps it to a handful of events.".into())),
        },
        Question {
            id: "upcast",
            prompt: "An old event stores \"amount\": \"12.30\" (dollars as text). What does the fold see?".into(),
            choices: vec!["amount_cents 1230 in USD".into(), "12 cents".into(), "An error: the event must be rewritten first".into()],
            answer: Callback::new(|()| (0, "Reads upcast v1 events to the current schema: the dollar text becomes integer cents, the currency is filled in. The stored event is never rewritten: the log stays immutable.".into())),
        },
    ]
}

/// Newest event first.
fn log_rows(sim: Sim<EventSourcing>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let store = t.current().store();
            let len = store.len() as usize;
            (start..len.min(start + n))
                .filter_map(|i| event_row(store, (len - 1 - i) as u64))
                .map(|e| {
                    vec![
                        count(e.pos + 1),
                        format!("#{}", e.order),
                        e.version.to_string(),
                        e.name.to_string(),
                        format!("v{}", e.schema),
                        e.amount_cents.map(money).unwrap_or_default(),
                        time_of_day(SimTime(e.at_ms)),
                    ]
                })
                .collect()
        })
    })
}

/// Newest refusal first.
fn rejection_rows(sim: Sim<EventSourcing>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let r = t.current().rejections();
            let len = r.len();
            (start..len.min(start + n))
                .filter_map(|i| r.get(len - 1 - i))
                .map(|r| {
                    vec![
                        count(r.step),
                        format!("#{}", r.order),
                        r.command.label(),
                        r.writer.label().to_string(),
                        r.reason.reason(),
                    ]
                })
                .collect()
        })
    })
}

/// Newest order first.
fn order_rows(sim: Sim<EventSourcing>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let s = t.current();
            let len = s.orders() as usize;
            (start..len.min(start + n))
                .map(|i| {
                    let o = (len - i) as u32;
                    let st = s.known(o);
                    vec![
                        format!("#{o}"),
                        st.status.label().to_string(),
                        st.items.to_string(),
                        money(st.total_cents),
                        st.version.to_string(),
                        s.store()
                            .latest_snapshot(o)
                            .map(|x| format!("v{}", x.version))
                            .unwrap_or_else(|| "—".into()),
                    ]
                })
                .collect()
        })
    })
}

#[component]
pub fn EventSourcingPage() -> impl IntoView {
    let sim = Sim::<EventSourcing>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let log_len = Signal::derive(move || view.with(|v| v.log_len as usize));
    let rejected = Signal::derive(move || view.with(|v| v.totals.rejected as usize));
    let orders = Signal::derive(move || view.with(|v| v.orders as usize));
    let log_hl = Signal::derive(move || {
        view.with(|v| match v.handled.last().map(|h| h.outcome) {
            Some(Outcome::Appended { pos, .. }) if pos + 1 == v.log_len => vec![0],
            _ => Vec::new(),
        })
    });
    let chart = move |scan: bool| {
        Signal::derive(move || {
            view.with(|v| {
                let n = v.samples.len();
                let every = n.div_ceil(120).max(1);
                let pts: Vec<_> = v.samples.iter().step_by(every).copied().collect();
                let labels = pts.iter().map(|s| count(s.step)).collect();
                if scan {
                    BarData {
                        title: "The note's full scan: events read per load as the log grows".into(),
                        y_label: "events read per load".into(),
                        labels,
                        values: pts.iter().map(|s| s.scan).collect(),
                        reference: None,
                        emphasis: None,
                        second: Some((
                            "the order's own stream".into(),
                            "full scan".into(),
                            pts.iter().map(|s| s.stream).collect(),
                        )),
                        lines: true,
                    }
                } else {
                    BarData {
                        title: "Replay cost: events read per load, with and without snapshots"
                            .into(),
                        y_label: "events read per load".into(),
                        labels,
                        values: pts.iter().map(|s| s.stream).collect(),
                        reference: None,
                        emphasis: None,
                        second: Some((
                            "from the newest snapshot".into(),
                            "whole stream".into(),
                            pts.iter().map(|s| s.snapshot).collect(),
                        )),
                        lines: true,
                    }
                }
            })
        })
    };
    let summary = move || {
        view.with(|v| match v.handled.last() {
            None => "An empty event store.".to_string(),
            Some(h) => format!(
                "Order #{} {}: {}. The log holds {} events.",
                h.order,
                h.command.label(),
                outcome_text(h),
                count(v.log_len)
            ),
        })
    };
    view! {
        <SimPage ui=ui title="Event sourcing: state as the fold of an append-only log">
            <p class="lede">"Every change to an order is an event appended to one log, never updated. A command is checked against the order's current state — the fold of its events — and either becomes the next event or is refused with a reason. Step through to watch orders fill up, pay and ship; race two writers on one order, crash a writer before its snapshot, let an old service write v1 events, or switch on the note's whole-log scan."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Commands, the write model, the log and the snapshot store"</h2>
                        <div class="diagram stream" data-testid="diagram">
                            <svg viewBox="0 0 380 216" role="group" class="stream-svg es-svg" aria-label=summary>
                                {move || view.with(|v| es_svg(v, inspect))}
                            </svg>
                            <p class="legend">
                                <span class="key ev-created"><span class="sw">"■"</span>" created"</span>
                                <span class="key ev-item"><span class="sw">"■"</span>" item added"</span>
                                <span class="key ev-paid"><span class="sw">"■"</span>" paid"</span>
                                <span class="key ev-shipped"><span class="sw">"■"</span>" shipped"</span>
                                <span class="key ev-cancelled"><span class="sw">"■"</span>" cancelled"</span>
                                <span class="key">"dashed: schema v1 · outlined: the last command's order"</span>
                            </p>
                            <p class="hint">{summary}</p>
                        </div>
                        <InspectPanel sim=sim view=view inspect=inspect />
                    </section>
                    <OrderPanel sim=sim view=view />
                    <section class="panel metrics" aria-label="Totals">
                        <h2>"Totals"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel lazy">
                        <BarChart id="replay-cost" data=chart(false) />
                        <BarChart id="scan-cost" data=chart(true) />
                    </section>
                    <section class="panel lazy">
                        <DataTable id="log" caption="The event log, newest first" columns=&["Event", "Order", "Version", "Type", "Schema", "Amount", "Recorded"] total=log_len fetch=log_rows(sim) highlight=log_hl page_size=10 />
                        <DataTable id="rejected" caption="Refused commands, newest first (nothing was appended for them)" columns=&["Step", "Order", "Command", "Writer", "Reason"] total=rejected fetch=rejection_rows(sim) page_size=8 />
                        <DataTable id="orders" caption="Orders (the fold of each stream), newest first" columns=&["Order", "Status", "Items", "Total", "Version", "Snapshot"] total=orders fetch=order_rows(sim) page_size=8 />
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
                what="Event sourcing stores what happened instead of what is: each change is an immutable event in an append-only log, and an entity's current state is computed by folding its events in order. Writes append; reads fold (or read a projection built from the same log). Because nothing is overwritten, the full history is kept: any past state can be rebuilt, and new views can be computed from old events."
                when="When the history itself matters (audit trails, finance, orders), when you need to answer \"what did we know at time T\", rebuild state after a bug fix, or feed other systems from the same facts (CQRS read models, CDC-like integration)."
                when_not="For simple CRUD data where only the current value matters; when events would be huge or change very often per entity without snapshots; or when the team is not ready for schema versioning, upcasting and eventual consistency on the read side."
                glossary=GLOSSARY />
        </SimPage>
    }
}
