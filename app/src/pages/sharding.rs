//! /sharding: orders routed by user id under mod-N, a consistent-hash ring, rendezvous or
//! jump hashing; add or remove shards as faults and see which keys move, checked against
//! the oracle; a hot key and salting; key lookups vs scatter-gather; imbalance vs vnodes.

use std::f64::consts::PI;

use leptos::prelude::*;
use pipelab_core::format::{count, percent};
use pipelab_core::hash::key_hash;
use pipelab_core::patterns::sharding::code::code_view;
use pipelab_core::patterns::sharding::scenario::{key_label, ring_fraction, Last};
use pipelab_core::patterns::sharding::{
    MoveReport, RingArc, RouteDetail, Scheme, Sharding, ShardingView,
};
use pipelab_core::sim::{Fault, Scenario};

use crate::pages::sharding_load::{HotKeyPanel, QueriesPanel, VnodeSweep};
use crate::sim::Sim;
use crate::sim_widgets::{
    SimFaultsPanel, SimNarration, SimNarrationLog, SimPage, SimScenarioPanel, SimTransport,
};
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};
use crate::widgets::table::DataTable;

/// What the learner clicked in the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inspect {
    Shard(u32),
    Key(u64),
}

const GLOSSARY: &[(&str, &str)] = &[
    ("shard", "One of several databases that each hold a slice of the rows; together they hold everything."),
    ("shard key", "The column that decides a row's shard; here the order's user id, so a user's orders live together."),
    ("mod-N", "shard = hash(key) mod N. Even, but changing N changes the answer for most keys."),
    ("consistent hashing", "Shards and keys hashed onto one ring; a key belongs to the next shard point clockwise, so a new shard only takes keys from its neighbours."),
    ("virtual node", "One of many points a shard owns on the ring; more points give each shard many small arcs and a more even share."),
    ("rebalancing", "Copying the rows whose keys changed shard after shards were added or removed."),
    ("hot key", "A key with far more traffic than others; hashing spreads keys, not traffic, so it overloads one shard."),
    ("scatter-gather", "A query without the shard key must ask every shard and merge the answers."),
    ("rendezvous hashing", "Every shard scores the key with hash(key, shard); the highest score wins. A new shard only wins the keys it outbids for; no ring needed."),
    ("jump consistent hash", "A few lines of arithmetic mapping a key to bucket 0..N-1 with minimal movement when N grows; shards must be numbered and only the last can be removed cheaply."),
    ("key salting", "Splitting one hot key into several sub-keys (user#0, user#1, …) so its traffic spreads; reading the whole key then touches several shards."),
];

/// Colour class of a shard (the palette repeats after ten).
fn shard_class(id: u32) -> String {
    format!("s{}", id % 10)
}

/// SVG path of an arc of the ring between two fractions (0 = top, clockwise).
fn arc_path(cx: f64, cy: f64, r: f64, start: f64, end: f64) -> String {
    let a0 = start * 2.0 * PI - PI / 2.0;
    let a1 = end * 2.0 * PI - PI / 2.0;
    let (x0, y0) = (cx + r * a0.cos(), cy + r * a0.sin());
    let (x1, y1) = (cx + r * a1.cos(), cy + r * a1.sin());
    let large = if end - start > 0.5 { 1 } else { 0 };
    format!("M{x0:.2} {y0:.2} A{r} {r} 0 {large} 1 {x1:.2} {y1:.2}")
}

fn point_at(cx: f64, cy: f64, r: f64, frac: f64) -> (f64, f64) {
    let a = frac * 2.0 * PI - PI / 2.0;
    (cx + r * a.cos(), cy + r * a.sin())
}

/// What the circle shows; changes only when the shard set changes, so the arcs are not
/// rebuilt on every step.
#[derive(Clone, Debug, PartialEq)]
struct Circle {
    scheme: Scheme,
    arcs: Vec<RingArc>,
    shards: Vec<u32>,
    ring_points: usize,
}

const CX: f64 = 150.0;
const CY: f64 = 140.0;
const R: f64 = 105.0;

/// The circle: the ring's arcs, or for mod-N one slice per remainder.
fn circle_view(c: &Circle, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let n = c.shards.len().max(1);
    let mut labels: Vec<(f64, f64, String)> = Vec::new();
    let segments: Vec<(String, u32, String)> = match c.scheme {
        Scheme::Ring => c
            .arcs
            .iter()
            .map(|a| {
                (
                    arc_path(CX, CY, R, a.start, a.end),
                    a.shard,
                    format!("arc owned by shard {}", a.shard),
                )
            })
            .collect(),
        // The other schemes have no ring: one slice per live shard, in order.
        scheme => c
            .shards
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let start = i as f64 / n as f64;
                let end = ((i + 1) as f64 / n as f64 - 0.004).max(start + 0.001);
                let (lx, ly) = point_at(CX, CY, R - 26.0, (start + end) / 2.0);
                let (label, title) = match scheme {
                    Scheme::ModN => (format!("%{n}={i}"), format!("remainder {i} → shard {id}")),
                    Scheme::Jump => (format!("b{i}"), format!("bucket {i} → shard {id}")),
                    _ => (format!("#{id}"), format!("shard {id} bids for every key")),
                };
                labels.push((lx, ly, label));
                (arc_path(CX, CY, R, start, end), *id, title)
            })
            .collect(),
    };
    let centre = match c.scheme {
        Scheme::Ring => "hash ring".to_string(),
        Scheme::ModN => format!("hash mod {n}"),
        Scheme::Jump => format!("jump(hash, {n})"),
        Scheme::Rendezvous => "highest score".to_string(),
    };
    view! {
        {segments.into_iter().map(|(d, shard, title)| view! {
            <path d=d class=format!("arc {}", shard_class(shard)) data-inspect=format!("shard-{shard}")
                on:click=move |_| inspect.set(Some(Inspect::Shard(shard)))>
                <title>{title}</title>
            </path>
        }).collect_view()}
        {labels.into_iter().map(|(x, y, t)| view! {
            <text x=format!("{x:.1}") y=format!("{y:.1}") class="arc-label" text-anchor="middle">{t}</text>
        }).collect_view()}
        <text x=CX y=CY - 6.0 text-anchor="middle" class="ring-centre">{centre}</text>
    }
}

/// What moves every step: the stored-keys count and the key just routed.
fn marker_view(v: &ShardingView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let marker = match &v.last {
        Last::Routed(rt) => {
            let n = v.shards.len().max(1) as f64;
            let frac = match rt.detail {
                RouteDetail::Ring { .. } => ring_fraction(rt.hash),
                RouteDetail::ModN { index, .. } => (index as f64 + 0.5) / n,
                RouteDetail::Jump { bucket, .. } => (bucket as f64 + 0.5) / n,
                RouteDetail::Rendezvous { .. } => {
                    let i = v.shards.iter().position(|s| s.id == rt.shard).unwrap_or(0);
                    (i as f64 + 0.5) / n
                }
            };
            let owner = match rt.detail {
                RouteDetail::Ring { point } => Some(point_at(CX, CY, R, ring_fraction(point))),
                _ => None,
            };
            Some((point_at(CX, CY, R + 14.0, frac), owner, rt.key, rt.shard))
        }
        _ => None,
    };
    view! {
        <text x=CX y=CY + 12.0 text-anchor="middle" class="ring-sub">{format!("{} keys stored", count(v.keys_stored))}</text>
        {marker.map(|((kx, ky), owner, key, shard)| view! {
            <g class="key-marker" data-inspect=format!("key-{key}") tabindex="0" role="button"
                aria-label=format!("Inspect key {key}")
                on:click=move |_| inspect.set(Some(Inspect::Key(key)))
                on:keydown=move |ev| if crate::browser::is_activation(&ev) { ev.prevent_default(); inspect.set(Some(Inspect::Key(key))) }>
                <circle cx=format!("{kx:.1}") cy=format!("{ky:.1}") r="7" class=format!("key-dot {}", shard_class(shard)) />
                <title>{format!("key {key} → shard {shard}")}</title>
            </g>
            {owner.map(|(ox, oy)| view! { <circle cx=format!("{ox:.1}") cy=format!("{oy:.1}") r="4" class="owner-dot" /> })}
        })}
    }
}

/// One button per live shard with its counts.
fn shard_boxes(v: &ShardingView, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let boxes = v.shards.iter().map(|s| {
        let id = s.id;
        let mut class = format!("shard-box {}", shard_class(id));
        if s.is_target {
            class.push_str(" target");
        }
        if s.is_new {
            class.push_str(" new");
        }
        view! {
            <li>
                <button class=class data-inspect=format!("shard-{id}") data-testid=format!("shard-{id}")
                    on:click=move |_| inspect.set(Some(Inspect::Shard(id)))>
                    <span class="shard-name">{format!("shard {id}{}", if s.is_new { " (new)" } else { "" })}</span>
                    <span class="shard-keys">{format!("{} keys", count(s.keys))}</span>
                    <span class="shard-events">{format!("{} orders", count(s.events))}</span>
                </button>
            </li>
        }
    }).collect_view();
    let note = if v.ring_bucketed {
        format!("{} ring points are drawn as {} equal slices, each coloured by the shard owning its middle.", count(v.ring_points as u64), v.ring.len())
    } else {
        String::new()
    };
    view! {
        <ul class="shard-boxes" aria-label="Shards">{boxes}</ul>
        <p class="hint">{note}</p>
    }
}

#[component]
fn RingDiagram(view: Memo<ShardingView>, inspect: RwSignal<Option<Inspect>>) -> impl IntoView {
    let circle = Memo::new(move |_| {
        view.with(|v| Circle {
            scheme: v.scheme,
            arcs: v.ring.clone(),
            shards: v.shards.iter().map(|s| s.id).collect(),
            ring_points: v.ring_points,
        })
    });
    let label = move || {
        circle.with(|c| match c.scheme {
            Scheme::Ring => format!(
                "Hash ring with {} virtual-node points across {} shards",
                c.ring_points,
                c.shards.len()
            ),
            Scheme::ModN => format!("Mod-N routing over {} shards", c.shards.len()),
            Scheme::Jump => format!("Jump hash over {} numbered buckets", c.shards.len()),
            Scheme::Rendezvous => format!("Rendezvous hashing over {} shards", c.shards.len()),
        })
    };
    view! {
        <div class="diagram" data-testid="diagram">
            <svg viewBox="0 0 300 280" role="group" class="ring-svg" aria-label=label>
                {move || circle.with(|c| circle_view(c, inspect))}
                {move || view.with(|v| marker_view(v, inspect))}
            </svg>
            <div>{move || view.with(|v| shard_boxes(v, inspect))}</div>
        </div>
    }
}

#[component]
fn InspectPanel(
    sim: Sim<Sharding>,
    view: Memo<ShardingView>,
    inspect: RwSignal<Option<Inspect>>,
) -> impl IntoView {
    let body = move || {
        match inspect.get() {
        None => "Click a shard, an arc of the ring or the key marker to inspect it.".to_string(),
        Some(Inspect::Shard(id)) => view.with(|v| match v.shards.iter().find(|s| s.id == id) {
            None => format!("Shard {id} no longer exists."),
            Some(s) => {
                let share = if v.keys_stored == 0 { 0.0 } else { s.keys as f64 / v.keys_stored as f64 };
                let points = match v.scheme {
                    Scheme::Ring => format!(" It owns {} points on the ring.", v.vnodes_per_shard),
                    Scheme::Jump => format!(" It is bucket {} of {}.", v.shards.iter().position(|x| x.id == id).unwrap_or(0), v.shards.len()),
                    _ => String::new(),
                };
                format!("Shard {id}: {} of {} stored keys ({}), {} orders routed to it so far.{points}",
                    count(s.keys), count(v.keys_stored), percent(share), count(s.events))
            }
        }),
        Some(Inspect::Key(key)) => sim.with(|t| {
            let s = t.current();
            let h = key_hash(key);
            let who = key_label(key, s.params());
            match s.router().route(h) {
                None => format!("{who}: no live shard."),
                Some((shard, RouteDetail::ModN { n, index })) =>
                    format!("{who}: hash {h:#018x}; {h} mod {n} = {index}, so shard {shard}."),
                Some((shard, RouteDetail::Ring { point })) =>
                    format!("{who}: hash {h:#018x} sits at {:.2}% of the ring; the next point clockwise ({:.2}%) belongs to shard {shard}.",
                        ring_fraction(h) * 100.0, ring_fraction(point) * 100.0),
                Some((shard, RouteDetail::Rendezvous { weight })) =>
                    format!("{who}: hash {h:#018x}; of the {} shards' scores hash(key, shard), shard {shard}'s {weight:#018x} is the highest.", s.router().shards().len()),
                Some((shard, RouteDetail::Jump { n, bucket })) =>
                    format!("{who}: hash {h:#018x}; jump(hash, {n}) = bucket {bucket}, which is shard {shard}."),
            }
        }),
    }
    };
    // A shard can be removed from here: the fault button always takes the last one, and
    // jump hash's constraint only shows when another one goes.
    let removable = move || match inspect.get() {
        Some(Inspect::Shard(id))
            if view.with(|v| v.shards.len() > 1 && v.shards.iter().any(|s| s.id == id)) =>
        {
            Some(id)
        }
        _ => None,
    };
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}" "
            <button data-testid="inspect-remove-shard" hidden=move || removable().is_none()
                on:click=move |_| if let Some(id) = removable() { sim.inject_fault(Fault::with_arg("remove-shard", id)) }>
                "Remove this shard here"
            </button>
        </div>
    }
}

/// The `truth-keys-moved` badge for the last shard change: correct only when our moved set
/// equals the oracle's key for key; pending before any change.
pub fn moved_truth(m: Option<&MoveReport>) -> Truth {
    match m {
        None => Truth::Pending,
        Some(m) => {
            let delta = m.moved.len() as i64 - m.truth_moved as i64;
            if delta == 0 && m.truth_same_keys {
                Truth::Correct
            } else {
                Truth::Wrong(delta)
            }
        }
    }
}

fn metrics_view(v: &ShardingView) -> impl IntoView {
    let dash = || "—".to_string();
    let m = v.last_change.clone();
    let truth = moved_truth(m.as_deref());
    let hint = match &m {
        None => "No shard has been added or removed yet: press “Add a shard” or pick a preset."
            .to_string(),
        Some(m) if m.keys_total == 0 => {
            "No key was stored yet when the shard changed, so nothing could move and there is no share to compare with theory: step forward first, or pick a preset."
                .to_string()
        }
        Some(m) => {
            let flows: Vec<String> = m
                .flows()
                .into_iter()
                .map(|(f, t, n)| format!("{f}→{t}: {}", count(n)))
                .collect();
            format!(
                "{} keys stored when it happened. Where they went: {}.",
                count(m.keys_total),
                if flows.is_empty() {
                    "nowhere".to_string()
                } else {
                    flows.join(", ")
                }
            )
        }
    };
    // With no key stored there is no share: a percentage or a theory figure beside "0
    // moved" would read as a result.
    let stored = m.as_ref().filter(|m| m.keys_total > 0);
    view! {
        <dl class="stats">
            <div><dt>"Moved"</dt><dd data-testid="moved-count">{m.as_ref().map(|m| count(m.moved.len() as u64)).unwrap_or_else(dash)}</dd></div>
            <div><dt>"Of stored keys"</dt><dd data-testid="moved-fraction">{stored.map(|m| percent(m.moved_fraction())).unwrap_or_else(dash)}</dd></div>
            <div><dt>"Theory"</dt><dd data-testid="moved-expected">{stored.map(|m| format!("≈ {}", percent(m.expected_fraction()))).unwrap_or_else(dash)}</dd></div>
            <div><dt>"Ground truth (oracle)"</dt><dd>
                {m.as_ref().map(|m| count(m.truth_moved)).unwrap_or_else(dash)}" "
                <TruthBadge metric="keys-moved" scope=TruthScope::SoFar truth=Signal::stored(truth) />
            </dd></div>
        </dl>
        <p class="hint">{hint}</p>
        <dl class="stats">
            <div><dt>"Keys: max / mean"</dt><dd data-testid="imbalance">{format!("{:.2}", v.keys_max_over_mean)}</dd></div>
            <div><dt>"Keys: std. dev."</dt><dd>{format!("{:.1}", v.keys_stddev)}</dd></div>
            <div><dt>"Orders: max / mean"</dt><dd>{format!("{:.2}", v.events_max_over_mean)}</dd></div>
        </dl>
    }
}

#[component]
fn MovedMetrics(view: Memo<ShardingView>) -> impl IntoView {
    view! {
        <section class="panel metrics" aria-label="Keys moved">
            <h2>"Keys moved by the last shard change"</h2>
            {move || view.with(metrics_view)}
        </section>
    }
}

/// The page's questions; the first two are answered from the live run when checked.
fn questions(sim: Sim<Sharding>) -> Vec<Question> {
    let add_now = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            let n = s.router().shards().len();
            let scheme = s.router().scheme().label();
            match s.apply(&Fault::new("add-shard")) {
                Err(e) => (0, format!("No shard can be added here: {e}.")),
                Ok(()) => {
                    let m = s.last_change().map(|m| (m.moved.len() as u64, m.keys_total, m.moved_fraction()));
                    let (moved, total, f) = m.unwrap_or((0, 0, 0.0));
                    // Choices: none, ~1/(N+1), ~N/(N+1), all.
                    let targets = [0.0, 1.0 / (n as f64 + 1.0), n as f64 / (n as f64 + 1.0), 1.0];
                    let pick = if total == 0 {
                        0
                    } else {
                        (0..4)
                            .min_by(|a, b| (targets[*a] - f).abs().total_cmp(&(targets[*b] - f).abs()))
                            .unwrap_or(0)
                    };
                    (pick, format!(
                        "The simulation adds shard {n} to this very state: under {scheme}, {} of {} stored keys ({}) would move.{}",
                        count(moved), count(total), percent(f),
                        if total == 0 { " No key is stored yet, so nothing moves." } else { "" }
                    ))
                }
            }
        })
        .unwrap_or((0, String::new()))
    });
    let scatter = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let n = t.current().router().shards().len();
            (2, format!("A query without the shard key cannot be routed: all {n} shards are asked and their answers merged (scatter-gather). A query by user id asks exactly one."))
        })
        .unwrap_or((2, String::new()))
    });
    vec![
        Question {
            id: "add-now",
            prompt: "Predict: if a shard were added right now, what share of the stored keys would have to move?".into(),
            choices: vec![
                "None: existing keys stay put".into(),
                "About 1/(N+1), all of them to the new shard".into(),
                "About N/(N+1), between almost all shards".into(),
                "All of them".into(),
            ],
            answer: add_now,
        },
        Question {
            id: "scatter",
            prompt: "How many shards does “all orders with status paid” ask (the query has no user id)?".into(),
            choices: vec!["One".into(), "About half of them".into(), "Every shard".into()],
            answer: scatter,
        },
        Question {
            id: "hot-vnodes",
            prompt: "User 1 places 40% of all orders. Does raising virtual nodes from 100 to 500 spread that load?".into(),
            choices: vec![
                "Yes: more points spread every key's traffic".into(),
                "No: all of one key's orders go to one shard; split the key (salting) instead".into(),
                "Only under mod-N".into(),
            ],
            answer: Callback::new(|()| (1, "Virtual nodes even out how many keys each shard owns. One key still hashes to one point, so its traffic stays on one shard; salting the key into sub-keys spreads it, at the cost of reads that touch several shards.".into())),
        },
        Question {
            id: "jump-remove",
            prompt: "Under jump consistent hash with shards 0–4, which shard can leave with only its own keys moving?".into(),
            choices: vec!["Any of them".into(), "Shard 0".into(), "Shard 4, the last".into()],
            answer: Callback::new(|()| (2, "Jump hash maps keys to buckets 0..N-1. Shrinking N drops only the last bucket; removing any other renumbers the buckets after it, so their keys move too (try the “Jump hash: remove shard 1” preset).".into())),
        },
    ]
}

#[component]
pub fn ShardingPage() -> impl IntoView {
    let sim = Sim::<Sharding>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let chart = Signal::derive(move || {
        view.with(|v| {
            let mean = if v.shards.is_empty() {
                0.0
            } else {
                v.keys_stored as f64 / v.shards.len() as f64
            };
            BarData {
                title: "Keys stored per shard".into(),
                y_label: "keys".into(),
                labels: v.shards.iter().map(|s| s.id.to_string()).collect(),
                values: v.shards.iter().map(|s| s.keys as f64).collect(),
                reference: Some((format!("mean {mean:.1}"), mean)),
                emphasis: v.shards.iter().position(|s| s.is_target),
                second: None,
                lines: false,
            }
        })
    });
    let shard_rows = Signal::derive(move || {
        view.with(|v| {
            v.shards
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        count(s.keys),
                        percent(if v.keys_stored == 0 {
                            0.0
                        } else {
                            s.keys as f64 / v.keys_stored as f64
                        }),
                        count(s.events),
                        if s.is_new {
                            "new".into()
                        } else if s.is_target {
                            "just received an order".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect::<Vec<_>>()
        })
    });
    // Rebuilt only when a shard change happens, not on every routed order.
    let last_change = Memo::new(move |_| view.with(|v| v.last_change.clone()));
    let moved_rows = Memo::new(move |_| {
        last_change.with(|c| {
            c.as_ref()
                .map(|m| {
                    m.moved
                        .iter()
                        .map(|mv| vec![mv.key.to_string(), mv.from.to_string(), mv.to.to_string()])
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let moved_highlight = Signal::derive(move || {
        view.with(|v| match (&v.last, &v.last_change) {
            (Last::Routed(r), Some(m)) => m
                .moved
                .iter()
                .position(|mv| mv.key == r.key)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        })
    });
    view! {
        <SimPage ui=ui title="Sharding: mod-N, hash ring, rendezvous and jump hashing">
            <p class="lede">"Orders are spread over database shards by their user id. Step through the stream to watch each order routed, then add or remove a shard and count the stored keys that must move. Compare four schemes on the same keys with the scheme parameter."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"The picture"</h2>
                        <RingDiagram view=view inspect=inspect />
                        <InspectPanel sim=sim view=view inspect=inspect />
                    </section>
                    <MovedMetrics view=view />
                    <section class="panel">
                        <BarChart id="keys-per-shard" data=chart />
                        <DataTable id="shards" caption="Shards" columns=&["Shard", "Keys", "Share of keys", "Orders routed", ""] rows=shard_rows page_size=16 />
                        <DataTable id="moved" caption="Keys moved by the last change (user id, from, to)" columns=&["User (key)", "From shard", "To shard"] rows=moved_rows highlight=moved_highlight />
                    </section>
                    <QueriesPanel view=view />
                    <HotKeyPanel view=view />
                    <VnodeSweep sim=sim />
                    <CodePanel code=code />
                    <Questions questions=questions(sim) />
                    <SimNarrationLog ui=ui />
                </div>
                <aside class="col-side">
                    <SimScenarioPanel ui=ui pitfall_instead="The note's pitfall here is its “consistent hash” ShardManager, which is really mod-N: pick the first preset, or set the scheme to mod-N and add a shard." />
                    <SimFaultsPanel ui=ui />
                </aside>
            </div>
            <Explainer
                what="Sharding splits one table's rows across several databases by a shard key, so each holds a slice and they scale out together. The router must answer one question fast and the same way every time: which shard owns this key?"
                when="When one database can no longer hold the data or absorb the writes, and most queries name the shard key (here: “orders of user 37”), so each touches one shard."
                when_not="While a bigger machine, read replicas or partitioning inside one database still suffice; when most queries lack the shard key (each becomes a scatter-gather over every shard); or when you need transactions across keys that would land on different shards."
                glossary=GLOSSARY />
        </SimPage>
    }
}
