//! /sharding: orders routed by user id under mod-N or a consistent-hash ring; add or remove
//! shards as faults and see which keys move, checked against the oracle.

use std::f64::consts::PI;

use leptos::prelude::*;
use pipelab_core::format::{count, percent};
use pipelab_core::hash::key_hash;
use pipelab_core::patterns::sharding::code::code_view;
use pipelab_core::patterns::sharding::scenario::{ring_fraction, Last};
use pipelab_core::patterns::sharding::{RingArc, RouteDetail, Scheme, Sharding, ShardingView};
use pipelab_core::sim::Scenario;

use crate::sim::Sim;
use crate::sim_widgets::{
    SimFaultsPanel, SimNarration, SimNarrationLog, SimPage, SimScenarioPanel, SimTransport,
};
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
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
        Scheme::ModN => c
            .shards
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let start = i as f64 / n as f64;
                let end = ((i + 1) as f64 / n as f64 - 0.004).max(start + 0.001);
                let (lx, ly) = point_at(CX, CY, R - 26.0, (start + end) / 2.0);
                labels.push((lx, ly, format!("%{n}={i}")));
                (
                    arc_path(CX, CY, R, start, end),
                    *id,
                    format!("remainder {i} → shard {id}"),
                )
            })
            .collect(),
    };
    let centre = match c.scheme {
        Scheme::Ring => "hash ring".to_string(),
        Scheme::ModN => format!("hash mod {n}"),
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
            let frac = match rt.detail {
                RouteDetail::Ring { .. } => ring_fraction(rt.hash),
                RouteDetail::ModN { n, index } => (index as f64 + 0.5) / n.max(1) as f64,
            };
            let owner = match rt.detail {
                RouteDetail::Ring { point } => Some(point_at(CX, CY, R, ring_fraction(point))),
                RouteDetail::ModN { .. } => None,
            };
            Some((
                point_at(CX, CY, R + 14.0, frac),
                owner,
                rt.event.user_id as u64,
                rt.shard,
            ))
        }
        _ => None,
    };
    view! {
        <text x=CX y=CY + 12.0 text-anchor="middle" class="ring-sub">{format!("{} keys stored", count(v.keys_stored))}</text>
        {marker.map(|((kx, ky), owner, key, shard)| view! {
            <g class="key-marker" data-inspect=format!("key-{key}") tabindex="0" role="button"
                aria-label=format!("Inspect user {key}")
                on:click=move |_| inspect.set(Some(Inspect::Key(key)))
                on:keydown=move |ev| if ev.key() == "Enter" { inspect.set(Some(Inspect::Key(key))) }>
                <circle cx=format!("{kx:.1}") cy=format!("{ky:.1}") r="7" class=format!("key-dot {}", shard_class(shard)) />
                <title>{format!("user {key} → shard {shard}")}</title>
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
        })
    };
    view! {
        <div class="diagram" data-testid="diagram">
            <svg viewBox="0 0 300 280" role="img" class="ring-svg" aria-label=label>
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
                    Scheme::ModN => String::new(),
                };
                format!("Shard {id}: {} of {} stored keys ({}), {} orders routed to it so far.{points}",
                    count(s.keys), count(v.keys_stored), percent(share), count(s.events))
            }
        }),
        Some(Inspect::Key(key)) => sim.with(|t| {
            let s = t.current();
            let h = key_hash(key);
            match s.router().route(h) {
                None => format!("User {key}: no live shard."),
                Some((shard, RouteDetail::ModN { n, index })) =>
                    format!("User {key}: hash {h:#018x}; {h} mod {n} = {index}, so shard {shard}."),
                Some((shard, RouteDetail::Ring { point })) =>
                    format!("User {key}: hash {h:#018x} sits at {:.2}% of the ring; the next point clockwise ({:.2}%) belongs to shard {shard}.",
                        ring_fraction(h) * 100.0, ring_fraction(point) * 100.0),
            }
        }),
    }
    };
    view! {
        <div class="inspect" data-testid="inspect" aria-live="polite">
            <strong>"Inspect: "</strong>{body}
        </div>
    }
}

fn metrics_view(v: &ShardingView) -> impl IntoView {
    let dash = || "—".to_string();
    let m = v.last_change.clone();
    let truth = match &m {
        None => Truth::Pending,
        Some(m) => {
            let delta = m.moved.len() as i64 - m.truth_moved as i64;
            if delta == 0 && m.truth_same_keys {
                Truth::Correct
            } else {
                Truth::Wrong(delta)
            }
        }
    };
    let hint = match &m {
        None => "No shard has been added or removed yet: press “Add a shard” or pick a preset."
            .to_string(),
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
    view! {
        <dl class="stats">
            <div><dt>"Moved"</dt><dd data-testid="moved-count">{m.as_ref().map(|m| count(m.moved.len() as u64)).unwrap_or_else(dash)}</dd></div>
            <div><dt>"Of stored keys"</dt><dd data-testid="moved-fraction">{m.as_ref().map(|m| percent(m.moved_fraction())).unwrap_or_else(dash)}</dd></div>
            <div><dt>"Theory"</dt><dd data-testid="moved-expected">{m.as_ref().map(|m| format!("≈ {}", percent(m.expected_fraction()))).unwrap_or_else(dash)}</dd></div>
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

#[component]
pub fn ShardingPage() -> impl IntoView {
    let sim = Sim::<Sharding>::from_url();
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
                .position(|mv| mv.key == r.event.user_id as u64)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        })
    });
    view! {
        <SimPage sim=sim title="Sharding: mod-N vs a consistent-hash ring">
            <p class="lede">"Orders are spread over database shards by their user id. Step through the stream to watch each order routed, then add or remove a shard and count the stored keys that must move."</p>
            <div class="sticky-transport">
                <SimTransport sim=sim />
                <SimNarration sim=sim />
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
                    <CodePanel code=code />
                    <SimNarrationLog sim=sim />
                </div>
                <aside class="col-side">
                    <SimScenarioPanel sim=sim pitfall_instead="The note's pitfall here is its “consistent hash” ShardManager, which is really mod-N: pick the first preset, or set the scheme to mod-N and add a shard." />
                    <SimFaultsPanel sim=sim />
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
