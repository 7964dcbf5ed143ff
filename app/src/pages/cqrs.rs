//! /cqrs: commands through a write model into the event log, two projectors building read
//! models behind it with their positions and lag, and clients reading their own writes
//! back — fresh, stale, or after waiting for a version or a position token.

use leptos::prelude::*;
use pipelab_core::format::{count, money, time_of_day};
use pipelab_core::patterns::cqrs::code::code_view;
use pipelab_core::patterns::cqrs::params::ReadMode;
use pipelab_core::patterns::cqrs::projection::Model;
use pipelab_core::patterns::cqrs::scenario::{answer_sentence, Published, ReadResult, STEP_MS};
use pipelab_core::patterns::cqrs::view::ProjectorView;
use pipelab_core::patterns::cqrs::{Cqrs, CqrsView};
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
    ("command", "A request to change state (PayOrder), checked by the write model; an accepted one becomes an event."),
    ("write model", "The side that validates commands against current state and records what happened; optimised for correctness, not queries."),
    ("read model", "A table shaped for one kind of query (orders by user, revenue by day), built from the events; it can be dropped and rebuilt."),
    ("projector", "A consumer that applies events to a read model in log order and remembers its position."),
    ("lag", "Events in the log that a projector has not applied yet: how far its read model is behind the write side."),
    ("stale read", "A read that does not yet reflect a write the same client already made (read-your-own-writes violated)."),
    ("position token", "Where the write's event landed: in Kafka a (partition, offset) pair, since offsets count per partition. A read that carries it waits until the read model's position in that partition has passed it."),
    ("transactional outbox", "The write model's new state and an outbox row holding its event commit in one database transaction; a relay sends the rows to Kafka afterwards. A crash can delay an event, never lose it; the relay may send one twice, so readers skip versions they already have."),
    ("dual write", "Saving to the database and then sending to Kafka: two writes no transaction spans. A crash between them leaves the database with a change the log never gets."),
    ("retention", "How long Kafka keeps a topic's events (retention.ms, 7 days by default) or, with compaction, only each key's newest event. A read model rebuilt from offset 0 is right only if every event is still there."),
    ("idempotent projection", "Applying an event a second time changes nothing, here because each model stores the last position it applied."),
    ("at-least-once", "A delivery guarantee under which a consumer may see the same event more than once (after a retry or rebalance)."),
];

/// What the learner clicked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Event(u64),
    Projector(Model),
    Box(&'static str),
}

fn read_state(v: &CqrsView) -> (&'static str, String) {
    match v.answers.last() {
        _ if v
            .answers
            .iter()
            .any(|a| matches!(a.result, ReadResult::Stale { .. })) =>
        {
            ("box read stale", "stale: saw an old version".to_string())
        }
        _ if v.answers.iter().any(|a| a.result == ReadResult::TimedOut) => {
            ("box read stale", "a read timed out".to_string())
        }
        Some(a) => (
            "box read ok",
            format!("fresh: order #{} v{}", a.read.order, a.read.version),
        ),
        None if v.pending > 0 => ("box read waiting", format!("{} read(s) waiting", v.pending)),
        None => ("box read", "no read this step".to_string()),
    }
}

/// The picture: client → write model → the log's newest events with each projector's
/// position → projectors → read models, and how the last read after a write went.
fn cqrs_svg(v: &CqrsView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let last = v.handled.first();
    let cmd = last.map_or("—".to_string(), |h| {
        format!("#{} {}", h.order, h.command.label())
    });
    let write_sub = last.map_or("waiting".to_string(), |h| match h.result {
        Ok(Published::Logged(pos)) => format!("event {} appended", count(pos + 1)),
        Ok(Published::Outbox) => "committed; in the outbox".to_string(),
        Ok(Published::Lost) => "saved; crashed before the send".to_string(),
        Err(_) => "refused: no event".to_string(),
    });
    let first = v.recent.first().map_or(v.log_len, |(p, _)| *p);
    let cw = 340.0 / 16.0;
    let x_of = |pos: u64| 20.0 + (pos.saturating_sub(first)) as f64 * cw;
    let just = last.and_then(|h| h.result.ok().and_then(|r| r.position()));
    let cells = v
        .recent
        .iter()
        .enumerate()
        .map(|(i, (pos, e))| {
            let pos = *pos;
            let x = 20.0 + i as f64 * cw;
            let mut class = kind_class(e.body.name()).to_string();
            if Some(pos) == just {
                class.push_str(" just-moved");
            }
            let applied = v.projectors.iter().filter(|p| p.next > pos).count();
            if applied < 2 {
                class.push_str(" unapplied");
            }
            let title = format!(
                "event {} · order #{} · {} · applied by {applied} of 2 projectors",
                count(pos + 1),
                e.order,
                e.body.name()
            );
            let at = CellBox {
                x,
                y: 70.0,
                w: cw,
                h: 30.0,
            };
            event_cell(
                pos,
                e.order,
                e.body.name(),
                class,
                title,
                at,
                Callback::new(move |()| inspect.set(Some(Inspect::Event(pos)))),
            )
        })
        .collect_view();
    // Each projector's position: a marker under the cell it reads next (at the right
    // edge when it has caught up, at the left edge when it is further behind than the
    // cells shown) and a label saying how far behind it is.
    let cursors = v
        .projectors
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = if p.model == Model::ByUser { "orders by user" } else { "revenue by day" };
            let x = if p.next < first { 20.0 } else { x_of(p.next).min(358.0) };
            let label = if p.lag == 0 {
                format!("{name}: caught up")
            } else {
                format!("{name}: {} behind", count(p.lag))
            };
            view! {
                <path d=format!("M{x:.1} 103 l-3 5 h6 z") class=format!("cursor c{i}") />
                <text x=format!("{:.1}", 20.0 + i as f64 * 175.0) y="118" class=format!("cursor c{i}")>{format!("▲ {label}")}</text>
            }
        })
        .collect_view();
    let (read_class, read_text) = read_state(v);
    let boxes = v
        .projectors
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let m = p.model;
            let bx = 20.0 + i as f64 * 175.0;
            let models = match m {
                Model::ByUser => format!("spent {}", money(p.money)),
                Model::RevenueByDay => format!("revenue {}", money(p.money)),
            };
            view! {
                <g class=format!("box proj c{i}") data-inspect=format!("projector-{i}") on:click=move |_| inspect.set(Some(Inspect::Projector(m)))>
                    <rect x=format!("{bx:.1}") y="130" width="165" height="40" rx="4" />
                    <text x=format!("{:.1}", bx + 6.0) y="145" class="layer-title">{format!("Projector: {}", m.name())}</text>
                    <text x=format!("{:.1}", bx + 6.0) y="160" class="layer-sub">{format!("at {} · lag {} · {models}", count(p.next), count(p.lag))}</text>
                </g>
            }
        })
        .collect_view();
    let topics = if v.split_topics {
        (
            "writes to order_commands",
            "projectors read order_queries (empty)",
        )
    } else {
        ("writes to order_events", "projectors read order_events")
    };
    let publish = if v.outbox {
        format!("outbox: {} waiting", v.outbox_waiting)
    } else if v.lost > 0 {
        format!("save, then send: {} lost", count(v.lost))
    } else {
        "save, then send".to_string()
    };
    view! {
        <g class="box cmd" data-inspect="box-client" on:click=move |_| inspect.set(Some(Inspect::Box("client")))>
            <rect x="20" y="8" width="150" height="36" rx="4" />
            <text x="26" y="22" class="layer-title">"Client command"</text>
            <text x="26" y="36" class="layer-sub">{cmd}</text>
        </g>
        <path d="M170 26 h24 l-4 -3 m4 3 l-4 3" class="arrow" />
        <g class="box write" data-inspect="box-write" on:click=move |_| inspect.set(Some(Inspect::Box("write")))>
            <rect x="196" y="8" width="164" height="36" rx="4" />
            <text x="202" y="22" class="layer-title">"Write model"</text>
            <text x="202" y="36" class="layer-sub">{write_sub}</text>
        </g>
        <text x="20" y="60" class="axis-label">{format!("event log: {} events · {} · {publish}", count(v.log_len), topics.0)}</text>
        {cells}
        {cursors}
        {boxes}
        <text x="20" y="182" class="axis-label">{topics.1}</text>
        <g class=read_class data-inspect="box-read" on:click=move |_| inspect.set(Some(Inspect::Box("read")))>
            <rect x="20" y="188" width="340" height="24" rx="4" />
            <text x="26" y="203" class="layer-sub">{format!("Read after write ({}): {read_text}", mode_text(v.mode))}</text>
        </g>
    }
}

fn mode_text(m: ReadMode) -> &'static str {
    match m {
        ReadMode::Immediate => "at once",
        ReadMode::WaitVersion => "wait for the version",
        ReadMode::Token => "wait for the token",
    }
}

fn truth(model: i64, truth: i64) -> Truth {
    if model == truth {
        Truth::Correct
    } else {
        Truth::Wrong(model - truth)
    }
}

/// `(label, test hook)` of each stat, in `stats` order.
const STATS: [(&str, &str); 12] = [
    ("Events in the log", "log-len"),
    ("Refused commands", "rejected"),
    ("Lag: orders by user", "lag-by-user"),
    ("Lag: revenue by day", "lag-revenue"),
    ("Reads after writes", "reads"),
    ("Fresh / stale", "fresh-stale"),
    ("Timed out", "timed-out"),
    ("Mean / longest wait", "wait"),
    ("Duplicates skipped / re-applied", "duplicates"),
    ("Rebuilds", "rebuilds"),
    ("Outbox rows waiting", "outbox"),
    ("Events lost between the two writes", "lost"),
];

fn stats(v: &CqrsView) -> [String; 12] {
    let r = &v.reads;
    let answered = (r.fresh + r.stale).max(1);
    let [a, b] = &v.projectors;
    [
        count(v.log_len),
        count(v.rejected),
        count(a.lag),
        count(b.lag),
        format!("{} ({} waiting)", count(r.issued), v.pending),
        format!("{} / {}", count(r.fresh), count(r.stale)),
        count(r.timed_out),
        format!(
            "{:.1} / {} steps",
            r.waited_steps as f64 / answered as f64,
            r.longest_wait
        ),
        format!(
            "{} / {}",
            count(a.duplicates_skipped + b.duplicates_skipped),
            count(a.duplicates_applied + b.duplicates_applied)
        ),
        count(a.rebuilds),
        if v.outbox {
            count(v.outbox_waiting)
        } else {
            "— (no outbox)".to_string()
        },
        count(v.lost),
    ]
}

#[component]
fn Metrics(view: Memo<CqrsView>) -> impl IntoView {
    let s = Memo::new(move |_| view.with(stats));
    let p = move |i: usize| Memo::new(move |_| view.with(|v| v.projectors[i]));
    let (a, b) = (p(0), p(1));
    let badge = move |m: Memo<ProjectorView>, head: bool| {
        Signal::derive(move || {
            m.with(|p| truth(p.money, if head { p.truth_head } else { p.truth_at }))
        })
    };
    view! {
        <dl class="stats">
            {STATS.iter().enumerate().map(|(i, (label, hook))| view! {
                <div><dt>{*label}</dt><dd data-testid=*hook>{move || s.with(|s| s[i].clone())}</dd></div>
            }).collect_view()}
        </dl>
        <dl class="stats">
            <div><dt>"Orders by user (money spent)"</dt><dd>
                <TruthBadge metric="by-user" money=true scope=TruthScope::SoFar truth=badge(a, false) />" "
                <TruthBadge metric="by-user-final" money=true scope=TruthScope::Final truth=badge(a, true) />
            </dd></div>
            <div><dt>"Revenue by day (all days)"</dt><dd>
                <TruthBadge metric="revenue" money=true scope=TruthScope::SoFar truth=badge(b, false) />" "
                <TruthBadge metric="revenue-final" money=true scope=TruthScope::Final truth=badge(b, true) />
            </dd></div>
        </dl>
        <p class="hint">"Each badge compares the money in the read model (spent over all customers, revenue over all days) with the oracle's. “Truth so far” is the oracle's fold of the log up to the projector's position; “final truth” is the fold of every event the write side committed: a lagging read model is behind it until the lag drains, and an event lost between the two writes keeps it behind for good."</p>
    }
}

#[component]
fn InspectPanel(
    sim: Sim<Cqrs>,
    view: Memo<CqrsView>,
    inspect: RwSignal<Option<Inspect>>,
) -> impl IntoView {
    let body = move || {
        match inspect.get() {
        None => "Click an event, a projector or a box in the picture to inspect it.".to_string(),
        Some(Inspect::Event(pos)) => sim.with(|t| {
            let s = t.current();
            match s.log().get(pos as usize) {
                None => "That event is not in the log at this step.".to_string(),
                Some(e) => {
                    let by = |m: Model| if s.projector(m).next > pos { "applied" } else { "not yet applied" };
                    format!(
                        "Event {} at {}: order #{} {}{}. Orders by user: {}; revenue by day: {}.",
                        count(pos + 1),
                        time_of_day(SimTime(e.at_ms)),
                        e.order,
                        e.body.name(),
                        e.body.amount_cents().map(|a| format!(" {}", money(a))).unwrap_or_default(),
                        by(Model::ByUser),
                        by(Model::RevenueByDay)
                    )
                }
            }
        }),
        Some(Inspect::Projector(m)) => view.with(|v| {
            let p = v.projectors[m as usize];
            format!(
                "Projector {}: next position {}, {} events behind; {} applied, {} redelivered events skipped, {} re-applied; rebuilt {} time(s). Its model holds {} against the oracle's {} at its position ({} for the whole log).",
                m.name(), count(p.next), count(p.lag), count(p.applied), count(p.duplicates_skipped), count(p.duplicates_applied), p.rebuilds,
                money(p.money), money(p.truth_at), money(p.truth_head)
            )
        }),
        Some(Inspect::Box("read")) => view.with(|v| match v.answers.last() {
            Some(a) => format!("The last read after a write: {}", answer_sentence(a)),
            None => format!("No read was answered this step; {} waiting.", v.pending),
        }),
        Some(Inspect::Box(_)) => view.with(|v| format!(
            "Write side: {} events in the log, {} commands refused. The write model keeps each order's own state; it never reads the read models. {}",
            count(v.log_len), count(v.rejected),
            if v.outbox {
                format!("Each new state commits with an outbox row; a relay sends the rows to Kafka ({} waiting now{}).", v.outbox_waiting, if v.crash_armed { "; a crash is armed" } else { "" })
            } else {
                format!("Each new state is saved, then its event is sent: a crash between the two loses it ({} lost so far{}).", count(v.lost), if v.crash_armed { "; a crash is armed" } else { "" })
            })),
    }
    };
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}
        </div>
    }
}

fn questions(sim: Sim<Cqrs>) -> Vec<Question> {
    let next = sim.predict_next(move |s| {
            match s.last().answers.iter().find(|a| a.answered == a.read.issued) {
                Some(a) => (
                    if matches!(a.result, ReadResult::Fresh) { 0 } else { 1 },
                    format!("At the next step {}", answer_sentence(a)),
                ),
                None => (2, format!("At the next step the client's read is not answered at once: {} read(s) wait for the read model.", s.pending().len())),
            }
    });
    vec![
        Question {
            id: "next-read",
            prompt: "Predict: the next client writes and immediately reads its order back. What does it see?".into(),
            choices: vec!["Its own write".into(), "The old version (stale)".into(), "Nothing yet: the read waits".into()],
            answer: next,
        },
        Question {
            id: "token",
            prompt: "Why can a position token fix stale reads on any read model, while waiting for a version needs the model to track versions?".into(),
            choices: vec!["Tokens are faster".into(), "A token is a log position: every projector can say whether it has applied that far".into(), "Versions can be stale".into()],
            answer: Callback::new(|()| (1, "The token is where the write's event landed, a (partition, offset) pair in Kafka; every projector keeps its position in each partition, so a read of any model (even revenue by day, which has no order versions) can wait until that model has passed the offset in that partition.".into())),
        },
        Question {
            id: "duplicates",
            prompt: "The broker redelivers 20 events to a projector that stores its position (the next offset, per partition) with its rows. What changes in the read model?".into(),
            choices: vec!["Nothing".into(), "Those 20 events are counted twice".into(), "The model is rebuilt".into()],
            answer: Callback::new(|()| (0, "Each redelivered event's offset is below the stored position of its partition, so the projector skips it: idempotent projection. Switch idempotency off and inject duplicates to see the double counting.".into())),
        },
        Question {
            id: "topics",
            prompt: "In the note, the command side publishes to order_commands and the read side consumes order_queries. What happens to the read model?".into(),
            choices: vec!["It lags a little".into(), "It never changes".into(), "It double-counts".into()],
            answer: Callback::new(|()| (1, "Nothing is ever published to the topic the projector reads, so the read models stay empty: every read is stale and every wait times out. Switch on the pitfall to watch.".into())),
        },
    ]
}

fn user_rows(sim: Sim<Cqrs>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let s = t.current();
            let p = s.projector(Model::ByUser);
            let truth = s.truth_at(Model::ByUser);
            let users = s.params().users as usize;
            (start..users.min(start + n))
                .map(|i| {
                    let u = (i + 1) as u32;
                    let r = p.user(u);
                    let (_, _, spent) = truth.user(u);
                    vec![
                        format!("user {u}"),
                        r.orders.to_string(),
                        r.open.to_string(),
                        money(r.spent_cents),
                        if spent == r.spent_cents {
                            "✓".into()
                        } else {
                            format!("✗ {}", money(spent))
                        },
                    ]
                })
                .collect()
        })
    })
}

fn day_rows(sim: Sim<Cqrs>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let s = t.current();
            let p = s.projector(Model::RevenueByDay);
            let head = s.truth_head();
            let days = ((START_DAY_MS + s.steps() as i64 * STEP_MS) / 86_400_000 + 1) as usize;
            (start..days.min(start + n))
                .map(|d| {
                    vec![
                        format!("day {}", d + 1),
                        money(p.day(d)),
                        money(head.day(d)),
                    ]
                })
                .collect()
        })
    })
}

const START_DAY_MS: i64 = pipelab_core::patterns::cqrs::scenario::START_MS;

fn read_rows(sim: Sim<Cqrs>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let a = t.current().answers();
            let len = a.len();
            (start..len.min(start + n))
                .filter_map(|i| a.get(len - 1 - i))
                .map(|a| {
                    vec![
                        count(a.read.issued),
                        format!("#{}", a.read.order),
                        format!("v{}", a.read.version),
                        count(a.read.token + 1),
                        (a.answered - a.read.issued).to_string(),
                        match a.result {
                            ReadResult::Fresh => "fresh".to_string(),
                            ReadResult::Stale { seen } => format!("stale (saw v{seen})"),
                            ReadResult::TimedOut => "timed out".to_string(),
                        },
                    ]
                })
                .collect()
        })
    })
}

#[component]
pub fn CqrsPage() -> impl IntoView {
    let sim = Sim::<Cqrs>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let users = Signal::derive(move || sim.params_with(|p| p.users as usize));
    let days = Signal::derive(move || {
        view.with(|v| ((START_DAY_MS + v.step as i64 * STEP_MS) / 86_400_000 + 1) as usize)
    });
    let answered = Signal::derive(move || {
        view.with(|v| (v.reads.fresh + v.reads.stale + v.reads.timed_out) as usize)
    });
    let chart = move |lag: bool| {
        Signal::derive(move || {
            view.with(|v| {
                let n = v.samples.len();
                let every = n.div_ceil(120).max(1);
                let pts: Vec<_> = v.samples.iter().step_by(every).copied().collect();
                let labels = pts.iter().map(|s| count(s.step)).collect();
                if lag {
                    BarData {
                        title: "Lag of each read model (events not yet applied)".into(),
                        y_label: "events behind".into(),
                        labels,
                        values: pts.iter().map(|s| s.lag_by_user as f64).collect(),
                        reference: None,
                        emphasis: None,
                        second: Some((
                            "revenue by day".into(),
                            "orders by user".into(),
                            pts.iter().map(|s| s.lag_revenue as f64).collect(),
                        )),
                        lines: true,
                    }
                } else {
                    BarData {
                        title: "Stale reads after writes".into(),
                        y_label: "% of reads stale".into(),
                        labels,
                        values: pts.iter().map(|s| s.stale_share * 100.0).collect(),
                        reference: None,
                        emphasis: None,
                        second: None,
                        lines: true,
                    }
                }
            })
        })
    };
    let summary = move || {
        view.with(|v| {
            format!(
                "{} events in the log; orders-by-user is {} behind, revenue-by-day {}; {} of {} reads after writes were stale.",
                count(v.log_len), count(v.projectors[0].lag), count(v.projectors[1].lag), count(v.reads.stale), count(v.reads.issued)
            )
        })
    };
    view! {
        <SimPage ui=ui title="CQRS: a write model, an event log, and read models that lag">
            <p class="lede">"Commands are checked by the write model and become events in a log. Projectors read the log and build read models shaped for queries — orders by user, revenue by day — a little later, in batches. Step through to watch the lag and the stale reads it causes; switch reads to wait for a version or a position token; crash the projectors, redeliver events, send a write burst, or crash a writer between its database commit and its send to Kafka (with and without the outbox); or switch on the note's two topics."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Write side, event log, projectors and reads"</h2>
                        <div class="diagram stream" data-testid="diagram">
                            <svg viewBox="0 0 380 216" role="group" class="stream-svg es-svg cqrs-svg" aria-label=summary>
                                {move || view.with(|v| cqrs_svg(v, inspect))}
                            </svg>
                            <p class="legend">
                                <span class="key ev-created"><span class="sw">"■"</span>" created"</span>
                                <span class="key ev-item"><span class="sw">"■"</span>" item added"</span>
                                <span class="key ev-paid"><span class="sw">"■"</span>" paid"</span>
                                <span class="key ev-shipped"><span class="sw">"■"</span>" shipped"</span>
                                <span class="key ev-cancelled"><span class="sw">"■"</span>" cancelled"</span>
                                <span class="key">"faded: not yet applied by both projectors"</span>
                            </p>
                            <p class="hint">{summary}</p>
                        </div>
                        <InspectPanel sim=sim view=view inspect=inspect />
                    </section>
                    <section class="panel metrics" aria-label="Read models and ground truth">
                        <h2>"Read models and ground truth"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel lazy">
                        <BarChart id="lag" data=chart(true) />
                        <BarChart id="stale" data=chart(false) />
                    </section>
                    <section class="panel lazy">
                        <DataTable id="users" caption="Read model: orders by user (✓ = the oracle's fold up to the projector's position)" columns=&["Customer", "Orders", "Open", "Spent", "Oracle"] total=users fetch=user_rows(sim) page_size=8 />
                        <DataTable id="revenue" caption="Read model: revenue by day, against the oracle's fold of the whole log" columns=&["Day", "Read model", "Whole log"] total=days fetch=day_rows(sim) page_size=8 />
                        <DataTable id="reads" caption="Reads after writes, newest first" columns=&["Step", "Order", "Wrote", "Token (event)", "Waited (steps)", "Result"] total=answered fetch=read_rows(sim) page_size=8 />
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
                what="CQRS (command query responsibility segregation) splits the model that accepts changes from the models that answer questions. Commands are validated on the write side and recorded as events; projectors turn the events into read models, each shaped for its queries and scaled on its own. The read side is eventually consistent: it catches up asynchronously."
                when="When reads and writes differ a lot in shape or volume (many query views over the same facts, heavy reporting beside transactional writes), when read models must be rebuilt or added later from history, and together with event sourcing."
                when_not="For simple CRUD where one table serves both; when users must always read their own writes and you cannot afford the waiting or routing that makes it so; or when the team cannot operate the extra moving parts (brokers, projectors, replays)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
