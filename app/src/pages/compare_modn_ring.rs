//! /compare/modn-vs-ring: the compare view with two sharding sides (what each side shows,
//! and the diff); the shell is [`crate::compare::ComparePage`].

use leptos::prelude::*;
use pipelab_core::format::{count, percent};
use pipelab_core::patterns::sharding::compare::{code_view, trade_off, ModnVsRing, ShardingDiff};
use pipelab_core::patterns::sharding::ShardingView;
use pipelab_core::sim::{Compare, CompareView, Fault, Scenario, Side};

use crate::compare::ComparePage;
use crate::pages::sharding::moved_truth;
use crate::sim::Sim;
use crate::widgets::badge::{TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};
use crate::widgets::table::DataTable;

type View = CompareView<ModnVsRing>;

const GLOSSARY: &[(&str, &str)] = &[
    ("mod-N", "shard = hash(key) mod N: even, but a new N changes the answer for most keys."),
    ("consistent hashing", "Any scheme where adding the (N+1)th shard moves only about 1/(N+1) of the keys, all to the new shard: a hash ring, rendezvous, jump hash."),
    ("rebalancing", "Copying the rows whose keys changed shard after the fleet changed."),
];

/// A shard clicked on either side.
type Picked = RwSignal<Option<u32>>;

/// What one side shows: its shards' key counts (an SVG bar per shard, clickable), the last
/// change and its oracle badge.
fn side_view(side: Side, v: &ShardingView, picked: Picked) -> impl IntoView {
    let prefix = side.prefix();
    let truth = moved_truth(v.last_change.as_deref());
    let max = v.shards.iter().map(|s| s.keys).max().unwrap_or(0).max(1);
    let row_h = 22.0;
    let height = (v.shards.len().max(1) as f64 * row_h + 4.0).to_string();
    let bars = v
        .shards
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let y = i as f64 * row_h + 2.0;
            let width = 180.0 * s.keys as f64 / max as f64;
            let id = s.id;
            let name = format!("shard {}{}", s.id, if s.is_new { " (new)" } else { "" });
            // The name starts with the bar's visible words, its name and count (WCAG 2.5.3).
            let keys = count(s.keys);
            let label = format!("{name}, {keys} keys — inspect");
            view! {
                <g class=if s.is_target { "shard-bar target" } else { "shard-bar" }
                    data-inspect=format!("{prefix}-shard-{id}") role="button" tabindex="0"
                    aria-label=label
                    on:click=move |_| picked.set(Some(id))
                    on:keydown=move |ev| if crate::browser::is_activation(&ev) { ev.prevent_default(); picked.set(Some(id)) }>
                    <text x="0" y=format!("{:.0}", y + 14.0) class="bar-label">{name}</text>
                    {" "} // keeps the name and the count apart as words in the text content
                    <rect x="90" y=format!("{y:.0}") width="180" height="16" rx="3" class="bar-bg" />
                    <rect x="90" y=format!("{y:.0}") width=format!("{width:.1}") height="16" rx="3" class=format!("arc s{}", id % 10) />
                    <text x="330" y=format!("{:.0}", y + 14.0) text-anchor="end" class="bar-value">{keys}</text>
                </g>
            }
        })
        .collect_view();
    let moved = v.last_change.as_ref().map(|m| {
        format!(
            "{} of {} keys moved ({})",
            count(m.moved.len() as u64),
            count(m.keys_total),
            percent(m.moved_fraction())
        )
    });
    view! {
        <svg class="shard-bars" viewBox=format!("0 0 330 {height}") role="group" aria-label="Keys per shard">{bars}</svg>
        <dl class="stats">
            <div><dt>"Keys: max / mean"</dt><dd data-testid=format!("{prefix}-imbalance")>{format!("{:.2}", v.keys_max_over_mean)}</dd></div>
            <div><dt>"Last shard change"</dt><dd data-testid=format!("{prefix}-moved")>{moved.unwrap_or_else(|| "—".into())}</dd></div>
        </dl>
        <p>"Oracle: " <TruthBadge metric="keys-moved" side=prefix scope=TruthScope::SoFar truth=Signal::stored(truth) /></p>
    }
}

fn diff_view(d: &ShardingDiff) -> impl IntoView {
    let frac = |n: u64, of: u64| percent(if of == 0 { 0.0 } else { n as f64 / of as f64 });
    let change = match (d.a_moved, d.b_moved) {
        (Some((a, total)), Some((b, _))) => format!(
            "After the last shard change: A moved {} ({}), B moved {} ({}); {} moved on both, {} only on A, {} only on B.",
            count(a),
            frac(a, total),
            count(b),
            frac(b, total),
            count(d.moved_both),
            count(d.moved_only_a),
            count(d.moved_only_b)
        ),
        _ => "No shard change yet: add or remove a shard to see how many keys each side moves.".into(),
    };
    view! {
        <dl class="stats">
            <div><dt>"Keys stored"</dt><dd data-testid="diff-keys">{count(d.keys_stored)}</dd></div>
            <div><dt>"On different shards"</dt><dd data-testid="diff-placed">{format!("{} ({})", count(d.placed_differently), frac(d.placed_differently, d.keys_stored))}</dd></div>
            <div><dt>"Moved by A"</dt><dd data-testid="diff-a-moved">{d.a_moved.map(|m| count(m.0)).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Moved by B"</dt><dd data-testid="diff-b-moved">{d.b_moved.map(|m| count(m.0)).unwrap_or_else(|| "—".into())}</dd></div>
        </dl>
        <p class="hint">{change}</p>
    }
}

/// Predict which side moves more if a shard joined now (answered on a copy of the run),
/// and one on what the two schemes share.
fn questions(sim: Sim<Compare<ModnVsRing>>) -> Vec<Question> {
    let more = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut c = t.current().clone();
            if let Err(e) = c.apply(&Fault::new("add-shard")) {
                return (2, format!("No shard can be added here ({e})."));
            }
            let d = c.view().diff;
            let (a, b) = (d.a_moved.map_or(0, |m| m.0), d.b_moved.map_or(0, |m| m.0));
            let pick = match a.cmp(&b) {
                std::cmp::Ordering::Greater => 0,
                std::cmp::Ordering::Less => 1,
                std::cmp::Ordering::Equal => 2,
            };
            (pick, format!("Adding a shard to a copy of this very state moves {} keys on side A and {} on side B.", count(a), count(b)))
        })
        .unwrap_or((2, String::new()))
    });
    vec![
        Question {
            id: "which-moves-more",
            prompt:
                "Predict: if a shard joined both sides now, which side would move more stored keys?"
                    .into(),
            choices: vec!["Side A".into(), "Side B".into(), "Both the same".into()],
            answer: more,
        },
        Question {
            id: "both-hot",
            prompt: "Which problem does neither side solve?".into(),
            choices: vec![
                "Uneven keys per shard".into(),
                "Moving keys when a shard is added".into(),
                "A single hot user overloading one shard".into(),
            ],
            answer: Callback::new(|()| {
                (2, "Any hash scheme sends every order of one key to one shard; splitting the key (salting) is the fix, on the sharding page.".into())
            }),
        },
    ]
}

#[component]
pub fn CompareModnRingPage() -> impl IntoView {
    let sim = Sim::<Compare<ModnVsRing>>::from_url();
    let view: Memo<View> = Memo::new(move |_| sim.with(|t| t.current().view()));
    let label = move |side: Side| {
        sim.params_with(|p| {
            let s = match side {
                Side::A => p.a_scheme,
                Side::B => p.b_scheme,
            };
            s.label().to_string()
        })
    };
    let chart = Signal::derive(move || {
        view.with(|v| {
            let (pa, pb) =
                untrack(|| sim.params_with(|p| (p.a_scheme.label(), p.b_scheme.label())));
            let ids: Vec<u32> = v.a.shards.iter().map(|s| s.id).collect();
            BarData {
                title: "Keys stored per shard, both sides".into(),
                y_label: "keys".into(),
                labels: ids.iter().map(|i| i.to_string()).collect(),
                values: v.a.shards.iter().map(|s| s.keys as f64).collect(),
                reference: None,
                emphasis: None,
                second: Some((
                    format!("B: {pb}"),
                    format!("A: {pa}"),
                    ids.iter()
                        .map(|id| {
                            v.b.shards
                                .iter()
                                .find(|s| s.id == *id)
                                .map_or(0.0, |s| s.keys as f64)
                        })
                        .collect(),
                )),
                lines: false,
            }
        })
    });
    let summary = move || view.with(|v| sim.params_with(|p| trade_off(p, &v.diff)));
    // Keys per shard on both sides; the shard that just received an order on either side
    // is highlighted.
    let rows = Signal::derive(move || {
        view.with(|v| {
            let keys = |sv: &ShardingView, id: u32| {
                sv.shards
                    .iter()
                    .find(|s| s.id == id)
                    .map_or("—".to_string(), |s| count(s.keys))
            };
            v.a.shards
                .iter()
                .map(|s| vec![s.id.to_string(), keys(&v.a, s.id), keys(&v.b, s.id)])
                .collect::<Vec<_>>()
        })
    });
    let just_routed = Signal::derive(move || {
        view.with(|v| {
            v.a.shards
                .iter()
                .enumerate()
                .filter(|(i, s)| s.is_target || v.b.shards.get(*i).is_some_and(|b| b.is_target))
                .map(|(i, _)| i)
                .collect()
        })
    });
    let picked: Picked = RwSignal::new(None);
    let code = Memo::new(move |_| sim.with(|t| code_view(&t.current().a, &t.current().b)));
    let inspect = move || {
        view.with(|v| match picked.get() {
            None => "Click a shard's bar on either side to compare it.".to_string(),
            Some(id) => {
                let on = |sv: &ShardingView| {
                    sv.shards.iter().find(|s| s.id == id).map(|s| {
                        let share = if sv.keys_stored == 0 {
                            0.0
                        } else {
                            s.keys as f64 / sv.keys_stored as f64
                        };
                        format!(
                            "{} keys ({}), {} orders",
                            count(s.keys),
                            percent(share),
                            count(s.events)
                        )
                    })
                };
                match (on(&v.a), on(&v.b)) {
                    (None, None) => format!("Shard {id} no longer exists on either side."),
                    (a, b) => format!(
                        "Shard {id} — A: {}; B: {}.",
                        a.unwrap_or_else(|| "gone".into()),
                        b.unwrap_or_else(|| "gone".into())
                    ),
                }
            }
        })
    };
    view! {
        <ComparePage sim=sim title="Compare: mod-N vs consistent hashing"
            lede="The same orders, the same shards, two routing schemes. Step both at once; add or remove a shard and see how many stored keys each side has to move."
            label_a=Signal::derive(move || label(Side::A))
            label_b=Signal::derive(move || label(Side::B))
            side_a=ViewFn::from(move || view.with(|v| side_view(Side::A, &v.a, picked)).into_any())
            side_b=ViewFn::from(move || view.with(|v| side_view(Side::B, &v.b, picked)).into_any())
            diff=ViewFn::from(move || view.with(|v| diff_view(&v.diff)).into_any())
            pitfall_instead="The note's ShardManager calls md5(key) % N “consistent hashing”: that is side A here. Add a shard and compare the keys each side moves.">
            <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect}</div>
            <section class="panel" aria-label="Trade-off">
                <h2>"The trade-off here"</h2>
                <p data-testid="trade-off">{summary}</p>
            </section>
            <section class="panel">
                <BarChart id="keys-per-shard" data=chart />
                <DataTable id="sides" caption="Keys per shard on each side" columns=&["Shard", "A keys", "B keys"] rows=rows highlight=just_routed />
            </section>
            <CodePanel code=code />
            <Questions questions=questions(sim) />
            <Explainer
                what="Two routers over the same shards and the same stream of orders. Mod-N divides the key's hash by the shard count; consistent schemes (a hash ring with virtual nodes, rendezvous, jump hash) are built so that a change in the fleet only moves the keys that must move."
                when="Use a consistent scheme when shards come and go (scaling out, failures, rebalancing online); mod-N is fine for a fixed fleet, or when a full reshuffle is cheap."
                when_not="Neither fixes a hot key (salt it), and neither helps queries that lack the shard key (they scatter to every shard)."
                glossary=GLOSSARY />
        </ComparePage>
    }
}
