//! /compare/invalidate-vs-write-through: the same requests through the same fleet, writes
//! deleting the cached copies (A) or storing the new value (B); stale reads, database
//! reads and latency diffed. The shell is [`crate::compare::ComparePage`].

use leptos::prelude::*;
use pipelab_core::oracle::caching::Judge;

use crate::pages::caching::judge_reads;
use pipelab_core::format::{count, percent};
use pipelab_core::patterns::caching::code::code_view;
use pipelab_core::patterns::caching::compare::{
    trade_off, CacheDiff, InvalidateVsWriteThrough, SideNumbers,
};
use pipelab_core::patterns::caching::scenario::{Last, Served};
use pipelab_core::patterns::caching::view::{bound_text, summary};
use pipelab_core::patterns::caching::CacheView;
use pipelab_core::sim::{Compare, CompareView, Fault, Scenario, Side};

use crate::compare::ComparePage;
use crate::sim::Sim;
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};

type View = CompareView<InvalidateVsWriteThrough>;

const GLOSSARY: &[(&str, &str)] = &[
    ("invalidation", "On a write, delete the cached copies; the next read misses and fetches the new value."),
    ("write-through", "On a write, store the new value in the caches as well as the database."),
    ("the fill race", "A read misses and reads the old value from the database; a write commits and deletes (A) or replaces (B) the cached copy; the read then stores its old value — stale until the TTL. Plain fills lose it under both strategies; a version-guarded fill refuses the old value."),
    ("version-guarded fill", "A fill refused when a writer has recorded a newer version since the read began; a setting shared by both sides, as Memcache's leases guard delete-based invalidation."),
];

fn side_view(
    side: Side,
    v: &CacheView,
    picked: RwSignal<Option<Side>>,
    truth: Truth,
) -> impl IntoView {
    let prefix = side.prefix();
    let (l1, l2, db) = v.rates();
    let last = match &v.last {
        Last::Read { rec, .. } => format!(
            "last: read key {} from {}{}",
            rec.key,
            rec.served.label(),
            if rec.stale() { " — STALE" } else { "" }
        ),
        Last::Write { req, version, .. } => format!("last: write key {} → v{version}", req.key),
        _ => "—".into(),
    };
    // The level that answered the last read is highlighted.
    let served = match &v.last {
        Last::Read { rec, .. } => Some(match rec.served {
            Served::L1 | Served::MadeUp => 0,
            Served::L2 => 1,
            Served::Db | Served::Coalesced => 2,
        }),
        _ => None,
    };
    let bars = [("L1", l1), ("L2", l2), ("database", db)]
        .into_iter()
        .enumerate()
        .map(|(i, (name, share))| {
            let y = i as f64 * 22.0 + 2.0;
            view! {
                <g class=if served == Some(i) { "shard-bar part-bar target" } else { "shard-bar part-bar" }>
                    <text x="0" y=format!("{:.0}", y + 13.0) class="bar-label">{name}</text>
                    <rect x="90" y=format!("{y:.0}") width="180" height="14" rx="3" class="bar-bg" />
                    <rect x="90" y=format!("{y:.0}") width=format!("{:.1}", 180.0 * share) height="14" rx="3" class="bar-fill" />
                    <text x="330" y=format!("{:.0}", y + 13.0) text-anchor="end" class="bar-value">{percent(share)}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="shard-bars" viewBox="0 0 330 70" role="img" aria-label="Where reads were answered" data-inspect=format!("{prefix}-levels")
            tabindex="0" on:click=move |_| picked.set(Some(side)) on:keydown=move |ev| if crate::browser::is_activation(&ev) { ev.prevent_default(); picked.set(Some(side)) }>{bars}</svg>
        <dl class="stats">
            <div><dt>"Stale reads"</dt><dd data-testid=format!("{prefix}-stale")>{count(v.stats.stale)}</dd></div>
            <div><dt>"Database reads"</dt><dd data-testid=format!("{prefix}-db-reads")>{count(v.stats.db_reads)}</dd></div>
            <div><dt>"p99 read"</dt><dd>{v.percentile_us(0.99).map_or("—".into(), bound_text)}</dd></div>
        </dl>
        <p class="hint">{last}</p>
        <p>"Stale count vs the oracle: " <TruthBadge metric="stale" side=prefix scope=TruthScope::SoFar truth=Signal::stored(truth) /></p>
    }
}

fn diff_view(d: &CacheDiff) -> impl IntoView {
    let row = |name: &'static str, f: fn(&SideNumbers) -> String| {
        view! { <tr><td>{name}</td><td>{f(&d.a)}</td><td>{f(&d.b)}</td></tr> }
    };
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Side by side">
            <table class="mini">
                <caption>"The same requests, two write strategies"</caption>
                <thead><tr><th>""</th><th>"A: invalidate"</th><th>"B: write-through"</th></tr></thead>
                <tbody>
                    {row("Reads", |s| count(s.reads))}
                    {row("Stale reads", |s| count(s.stale))}
                    {row("Cache hit rate", |s| percent(s.hit_rate))}
                    {row("Database reads", |s| count(s.db_reads))}
                    {row("Mean latency", |s| format!("{:.2} ms", s.mean_latency_us / 1_000.0))}
                    {row("p99 read", |s| s.p99_us.map_or("—".into(), bound_text))}
                </tbody>
            </table>
        </div>
        <dl class="stats">
            <div><dt>"Stale: A − B"</dt><dd data-testid="diff-stale">{(d.a.stale as i64 - d.b.stale as i64).to_string()}</dd></div>
            <div><dt>"Database reads: A − B"</dt><dd data-testid="diff-db-reads">{(d.a.db_reads as i64 - d.b.db_reads as i64).to_string()}</dd></div>
        </dl>
    }
}

fn questions(sim: Sim<Compare<InvalidateVsWriteThrough>>) -> Vec<Question> {
    let expiry = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut c = t.current().clone();
            if let Err(e) = c.apply(&Fault::new("hot-key-expiry")) {
                return (2, format!("Not here ({e})."));
            }
            let (a0, b0) = (c.a.stats().db_reads, c.b.stats().db_reads);
            for _ in 0..50.min(c.total_steps() - c.a.served()) {
                c.step();
            }
            let (a, b) = (c.a.stats().db_reads - a0, c.b.stats().db_reads - b0);
            let pick = match a.cmp(&b) {
                std::cmp::Ordering::Greater => 0,
                std::cmp::Ordering::Less => 1,
                std::cmp::Ordering::Equal => 2,
            };
            (pick, format!("On a copy of this run, the next 50 requests after the hot key expires make {a} database reads on A and {b} on B: an expiry empties the caches the same way under both strategies."))
        })
        .unwrap_or((2, String::new()))
    });
    vec![
        Question {
            id: "expiry",
            prompt: "Predict: if the hot key expired now, which side would read the database more over the next 50 requests?".into(),
            choices: vec!["A, invalidate".into(), "B, write-through".into(), "About the same".into()],
            answer: expiry,
        },
        Question {
            id: "race",
            prompt: "Why can both strategies serve stale reads even when every instance hears of every write?".into(),
            choices: vec!["They cannot".into(), "With plain fills, a slow read started before the write can store its old value after the write".into(), "Because L2 has a TTL".into()],
            answer: Callback::new(|()| (1, "The read fetched version n from the database; the write committed n+1 and deleted (A) or replaced (B) the cached copy; the read then stored version n. A version-guarded fill refuses that old value under either strategy (Memcache's leases guard delete-based invalidation the same way): set Cache fills to version-guarded and compare.".into())),
        },
    ]
}

#[component]
pub fn CompareInvalidateWtPage() -> impl IntoView {
    let sim = Sim::<Compare<InvalidateVsWriteThrough>>::from_url();
    let view: Memo<View> = Memo::new(move |_| sim.with(|t| t.current().view()));
    let picked = RwSignal::new(None::<Side>);
    let ui = sim.ui();
    let key = Memo::new(move |_| view.with(|v| (v.a.step, v.a.stats.stale, v.b.stats.stale)));
    let settled = crate::sim::settled(key, ui.playing);
    // A slice of reads per task on both sides (`sim::sliced`).
    let verdicts = crate::sim::sliced(
        settled,
        move |_| {
            sim.with_untracked(|t| {
                let c = t.current();
                c.a.reads_log().len().max(c.b.reads_log().len()) as u64
            })
            .unwrap_or(0)
        },
        move |_| {
            sim.with_untracked(|t| {
                let c = t.current();
                (Judge::new(c.a.feed()), Judge::new(c.b.feed()))
            })
            .unwrap_or_default()
        },
        move |_, judges: &mut (Judge, Judge), rows| {
            sim.with_untracked(|t| {
                let c = t.current();
                judge_reads(&c.a, &mut judges.0, rows.clone());
                judge_reads(&c.b, &mut judges.1, rows);
            });
        },
    );
    let truth = move |side: Side| match verdicts.get() {
        Some((k, (Judge { verdict: a, .. }, Judge { verdict: b, .. }))) if k == key.get() => {
            let (v, mine) = match side {
                Side::A => (a, k.1),
                Side::B => (b, k.2),
            };
            if v.stale == mine && v.from_the_future == 0 {
                Truth::Correct
            } else {
                Truth::Wrong(mine as i64 - v.stale as i64)
            }
        }
        _ => Truth::Pending,
    };
    let chart = Signal::derive(move || {
        view.with(|v| BarData {
            title: "Stale reads and database reads (hundreds) per side".into(),
            y_label: "count".into(),
            labels: vec!["stale reads".into(), "database reads ÷ 100".into()],
            values: vec![v.a.stats.stale as f64, v.a.stats.db_reads as f64 / 100.0],
            reference: None,
            emphasis: None,
            second: Some((
                "B: write-through".into(),
                "A: invalidate".into(),
                vec![v.b.stats.stale as f64, v.b.stats.db_reads as f64 / 100.0],
            )),
            lines: false,
        })
    });
    let code = Memo::new(move |_| {
        sim.with(|t| {
            pipelab_core::sim::CodeView::side_by_side(
                code_view(&t.current().a),
                code_view(&t.current().b),
                ["# Side A: invalidate", "# Side B: write-through"],
                "Python: side A, then side B",
            )
        })
    });
    let inspect = move || match picked.get() {
        None => "Click a side's levels to compare it in a sentence.".to_string(),
        Some(side) => view.with(|v| {
            format!(
                "Side {}: {}",
                side.prefix().to_uppercase(),
                summary(if side == Side::A { &v.a } else { &v.b })
            )
        }),
    };
    view! {
        <ComparePage sim=sim title="Compare: invalidate vs write-through"
            lede="The same requests, the same fleet and caches; on a write, side A deletes the cached copies and side B stores the new value in them. Step both and compare stale reads, database reads and latency."
            label_a=Signal::derive(|| "invalidate on write".to_string())
            label_b=Signal::derive(|| "write-through".to_string())
            side_a=ViewFn::from(move || { let t = truth(Side::A); view.with(|v| side_view(Side::A, &v.a, picked, t)).into_any() })
            side_b=ViewFn::from(move || { let t = truth(Side::B); view.with(|v| side_view(Side::B, &v.b, picked, t)).into_any() })
            diff=ViewFn::from(move || view.with(|v| diff_view(&v.diff)).into_any())>
            <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect}</div>
            <section class="panel" aria-label="Trade-off">
                <h2>"The trade-off here"</h2>
                <p data-testid="trade-off">{move || view.with(|v| trade_off(&v.diff))}</p>
            </section>
            <section class="panel">
                <BarChart id="stale-and-db" data=chart />
            </section>
            <CodePanel code=code />
            <Questions questions=questions(sim) />
            <Explainer
                what="Two ways to keep a cache in step with its database on a write. Invalidation deletes the copies and lets the next read refill them; write-through writes the new value into the caches too."
                when="Invalidate when writes are frequent and reads of the written key rare (no point caching what nobody reads), or values are expensive to compute on write; a delete can be repeated or reordered without harm, which is why large deployments invalidate. Write through when the key is read right after it is written and a miss costs too much, and keep concurrent writers of one key from reordering their sets."
                when_not="Neither fixes copies the write does not reach (another instance's L1 without a broadcast), the fill race (use version-guarded fills with either), nor a stampede when a hot key expires (coalesce)."
                glossary=GLOSSARY />
        </ComparePage>
    }
}
