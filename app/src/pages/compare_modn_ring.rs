//! /compare/modn-vs-ring: the compare view with two sharding sides (what each side shows,
//! and the diff); the shell is [`crate::compare::ComparePage`].

use leptos::prelude::*;
use pipelab_core::format::{count, percent};
use pipelab_core::patterns::sharding::compare::{trade_off, ModnVsRing, ShardingDiff};
use pipelab_core::patterns::sharding::ShardingView;
use pipelab_core::sim::{Compare, CompareView, Scenario, Side};

use crate::compare::ComparePage;
use crate::sim::Sim;
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::explainer::Explainer;

type View = CompareView<ModnVsRing>;

const GLOSSARY: &[(&str, &str)] = &[
    ("mod-N", "shard = hash(key) mod N: even, but a new N changes the answer for most keys."),
    ("consistent hashing", "Any scheme where adding the (N+1)th shard moves only about 1/(N+1) of the keys, all to the new shard: a hash ring, rendezvous, jump hash."),
    ("rebalancing", "Copying the rows whose keys changed shard after the fleet changed."),
];

/// What one side shows: its shards' key counts, the last change and its oracle badge.
fn side_view(side: Side, v: &ShardingView) -> impl IntoView {
    let prefix = side.prefix();
    let truth = match &v.last_change {
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
    let max = v.shards.iter().map(|s| s.keys).max().unwrap_or(0).max(1);
    let bars = v
        .shards
        .iter()
        .map(|s| {
            let width = format!("width:{:.1}%", s.keys as f64 * 100.0 / max as f64);
            view! {
                <li class=if s.is_target { "shard-bar target" } else { "shard-bar" }>
                    <span class="shard-name">{format!("shard {}{}", s.id, if s.is_new { " (new)" } else { "" })}</span>
                    <span class="bar"><span class=format!("fill s{}", s.id % 10) style=width></span></span>
                    <span class="shard-keys">{count(s.keys)}</span>
                </li>
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
        <ul class="shard-bars" aria-label="Keys per shard">{bars}</ul>
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
            <div><dt>"On different shards"</dt><dd data-testid="diff-placed">{count(d.placed_differently)}</dd></div>
            <div><dt>"Moved by A"</dt><dd data-testid="diff-a-moved">{d.a_moved.map(|m| count(m.0)).unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt>"Moved by B"</dt><dd data-testid="diff-b-moved">{d.b_moved.map(|m| count(m.0)).unwrap_or_else(|| "—".into())}</dd></div>
        </dl>
        <p class="hint">{format!("{} of {} stored keys ({}) sit on a different shard under A than under B.", count(d.placed_differently), count(d.keys_stored), frac(d.placed_differently, d.keys_stored))}</p>
        <p class="hint">{change}</p>
    }
}

#[component]
pub fn CompareModnRingPage() -> impl IntoView {
    let sim = Sim::<Compare<ModnVsRing>>::from_url();
    let view: Memo<View> = Memo::new(move |_| sim.with(|t| t.current().view()));
    let label = move |side: Side| {
        sim.params.with(|p| {
            let s = match side {
                Side::A => p.a_scheme,
                Side::B => p.b_scheme,
            };
            s.label().to_string()
        })
    };
    let chart = Signal::derive(move || {
        view.with(|v| {
            let (pa, pb) = sim
                .params
                .with_untracked(|p| (p.a_scheme.label(), p.b_scheme.label()));
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
            }
        })
    });
    let summary = move || view.with(|v| sim.params.with(|p| trade_off(p, &v.diff)));
    view! {
        <ComparePage sim=sim title="Compare: mod-N vs consistent hashing"
            lede="The same orders, the same shards, two routing schemes. Step both at once; add or remove a shard and see how many stored keys each side has to move."
            label_a=Signal::derive(move || label(Side::A))
            label_b=Signal::derive(move || label(Side::B))
            side_a=ViewFn::from(move || view.with(|v| side_view(Side::A, &v.a)).into_any())
            side_b=ViewFn::from(move || view.with(|v| side_view(Side::B, &v.b)).into_any())
            diff=ViewFn::from(move || view.with(|v| diff_view(&v.diff)).into_any())>
            <section class="panel" aria-label="Trade-off">
                <h2>"The trade-off here"</h2>
                <p data-testid="trade-off">{summary}</p>
            </section>
            <section class="panel">
                <BarChart id="keys-per-shard" data=chart />
            </section>
            <Explainer
                what="Two routers over the same shards and the same stream of orders. Mod-N divides the key's hash by the shard count; consistent schemes (a hash ring with virtual nodes, rendezvous, jump hash) are built so that a change in the fleet only moves the keys that must move."
                when="Use a consistent scheme when shards come and go (scaling out, failures, rebalancing online); mod-N is fine for a fixed fleet, or when a full reshuffle is cheap."
                when_not="Neither fixes a hot key (salt it), and neither helps queries that lack the shard key (they scatter to every shard)."
                glossary=GLOSSARY />
        </ComparePage>
    }
}
