//! The sharding page's load panels: the hot key (and salting), the two typical reads of the
//! current order (by shard key vs scatter-gather), and imbalance against virtual nodes.

use leptos::prelude::*;
use pipelab_core::format::{count, percent};
use pipelab_core::patterns::sharding::view::{vnode_sweep, SWEEP_KEYS};
use pipelab_core::patterns::sharding::{Sharding, ShardingView};

use crate::sim::Sim;
use crate::widgets::chart::{BarChart, BarData};

fn shard_list(shards: &[u32]) -> String {
    shards
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `hot-key`: user 1's share of traffic, the shards it lands on, and what salting costs.
#[component]
pub fn HotKeyPanel(view: Memo<ShardingView>) -> impl IntoView {
    let body = move || {
        view.with(|v| {
            let h = &v.hot;
            let spread = h
                .per_shard
                .iter()
                .map(|(s, n)| format!("shard {s}: {}", count(*n)))
                .collect::<Vec<_>>()
                .join(", ");
            let verdict = if h.salt > 1 {
                format!(
                    "Salted into {} sub-keys (user {}#0 … #{}): its orders spread over {} shard(s), but reading all of user {}'s orders now asks {} shard(s) and merges.",
                    h.salt,
                    h.user,
                    h.salt - 1,
                    h.per_shard.len(),
                    h.user,
                    h.read_shards.len()
                )
            } else {
                format!(
                    "Every order of user {} lands on one shard whatever the scheme: hashing spreads keys, not traffic. Salt it to split it.",
                    h.user
                )
            };
            view! {
                <dl class="stats">
                    <div><dt>{format!("User {}'s orders", h.user)}</dt><dd data-testid="hot-events">{count(h.events)}</dd></div>
                    <div><dt>"Share of all orders"</dt><dd data-testid="hot-share">{percent(h.share)}</dd></div>
                    <div><dt>"Orders: max / mean"</dt><dd data-testid="traffic-imbalance">{format!("{:.2}", v.events_max_over_mean)}</dd></div>
                    <div><dt>"Shards a read of this user touches"</dt><dd data-testid="hot-read-shards">{h.read_shards.len()}</dd></div>
                </dl>
                <p class="hint">{if spread.is_empty() { "No order from this user yet.".to_string() } else { format!("Landed on {spread}.") }}</p>
                <p class="hint">{verdict}</p>
            }
        })
    };
    view! {
        <section class="panel" data-testid="hot-key" aria-label="Hot key">
            <h2>"The hot key"</h2>
            {body}
        </section>
    }
}

/// `queries`: the current order's user looked up by shard key vs a query without it.
#[component]
pub fn QueriesPanel(view: Memo<ShardingView>) -> impl IntoView {
    let body = move || {
        view.with(|v| match &v.queries {
            None => view! { <p class="hint">"Step once to route an order; its two typical reads appear here."</p> }.into_any(),
            Some(q) => view! {
                <table class="queries">
                    <thead><tr><th scope="col">"Query"</th><th scope="col">"Shards asked"</th><th scope="col">"Which"</th></tr></thead>
                    <tbody>
                        <tr>
                            <td>{format!("all orders of {} (has the shard key)", q.by_key_label)}</td>
                            <td data-testid="query-key-shards">{q.by_key_shards.len()}</td>
                            <td>{shard_list(&q.by_key_shards)}</td>
                        </tr>
                        <tr>
                            <td>{format!("all “{}” orders (no shard key: scatter-gather)", q.status)}</td>
                            <td data-testid="query-scatter-shards">{q.scatter_shards.len()}</td>
                            <td>{shard_list(&q.scatter_shards)}</td>
                        </tr>
                    </tbody>
                </table>
            }.into_any(),
        })
    };
    view! {
        <section class="panel" data-testid="queries" aria-label="Query routing">
            <h2>"Routing a query"</h2>
            {body}
        </section>
    }
}

/// `chart-vnode-sweep`: keys max/mean against virtual nodes per shard, for the run's
/// starting shards; recomputed only when the shard count or the users change.
#[component]
pub fn VnodeSweep(sim: Sim<Sharding>) -> impl IntoView {
    let input = Memo::new(move |_| sim.params_with(|p| (p.shards, p.users)));
    let points = Memo::new(move |_| {
        let (shards, users) = input.get();
        let ids: Vec<u32> = (0..shards).collect();
        vnode_sweep(&ids, users)
    });
    let data = Signal::derive(move || {
        let (shards, users) = input.get();
        let pts = points.get();
        BarData {
            title: format!(
                "Keys max/mean vs virtual nodes per shard ({shards} shards, {} keys)",
                count(users.min(SWEEP_KEYS) as u64)
            ),
            y_label: "max / mean".into(),
            labels: pts.iter().map(|p| p.vnodes.to_string()).collect(),
            values: pts.iter().map(|p| p.max_over_mean).collect(),
            reference: Some(("perfectly even = 1".into(), 1.0)),
            emphasis: None,
            second: None,
            lines: false,
        }
    });
    view! {
        <section class="panel lazy" data-testid="vnode-sweep" aria-label="Imbalance against virtual nodes">
            <h2>"Imbalance against virtual nodes"</h2>
            <p class="hint">"The same keys on rings with 1 to 500 points per shard: few points leave long arcs and uneven shards; many even out keys (not a hot key's traffic)."</p>
            <BarChart id="vnode-sweep" data=data />
        </section>
    }
}
