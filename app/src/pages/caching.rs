//! /caching: app instances with their L1s, a shared L2 and a database; each step serves
//! one read or write; hit rates per level, latency, stale reads judged by the oracle,
//! stampedes and coalescing, and the TTL trade-off swept run by run between frames.

use leptos::prelude::*;
use pipelab_core::format::{count, percent};
use pipelab_core::oracle::caching::Judge;
use pipelab_core::patterns::caching::code::code_view;
use pipelab_core::patterns::caching::feed::HOT_KEY;
use pipelab_core::patterns::caching::scenario::{Last, Served, BUCKETS_US};
use pipelab_core::patterns::caching::sweep::{self, SweepPoint, TTLS_MS};
use pipelab_core::patterns::caching::view::{
    bound_text, cache_rows, percentile, read_rows, summary,
};
use pipelab_core::patterns::caching::{CacheView, Caching};
use pipelab_core::sim::{Fault, Scenario};

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
    ("L1", "A small cache inside each application instance's memory: the fastest, but every instance has its own copy."),
    ("L2", "A cache shared by every instance (Redis, Memcached): one network round trip, one copy per key."),
    ("cache-aside", "The application reads the cache first and, on a miss, reads the database and stores the answer in the cache itself."),
    ("LRU", "Least recently used: when the cache is full, the entry untouched for the longest is evicted."),
    ("TTL", "Time to live: an entry expires this long after it was stored, whatever happens to the data meanwhile."),
    ("invalidation", "Deleting a cached copy when the data changes, so the next read fetches the new value."),
    ("write-through", "On a write, storing the new value in the cache right after committing it to the database. Two writers whose cache steps land out of order can leave the older value cached until its TTL."),
    ("version-guarded fill", "A read that missed stores its answer only if no newer version was recorded meanwhile, so a slow read cannot put an old value back. It works with every write strategy; Memcache's leases guard delete-based invalidation this way."),
    ("interleaved writers", "Two writers of one key whose steps overlap: both commit in order, but their cache updates land in the other order. A set can leave the older value behind; a delete cannot."),
    ("write-behind", "Writing the cache now and the database later (batched): fast writes, but the database lags and queued writes can be lost."),
    ("stale read", "A read that returns an older version than one already written."),
    ("stampede", "Many requests missing the same key at once and all reading the database (thundering herd)."),
    ("request coalescing", "Letting one request read the database for a missing key while the others wait for its answer (single flight)."),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inspect {
    Instance(usize),
    L2,
    Db,
}

fn pick(key: &str, inspect: RwSignal<Option<Inspect>>) {
    match key {
        "l2" => inspect.set(Some(Inspect::L2)),
        "db" => inspect.set(Some(Inspect::Db)),
        k => {
            if let Some(i) = k.strip_prefix("inst-").and_then(|n| n.parse().ok()) {
                inspect.set(Some(Inspect::Instance(i)));
            }
        }
    }
}

/// The picture: the instances with their L1 fill, L2, the database, and the path the last
/// request took.
fn picture(v: &CacheView) -> impl IntoView {
    let n = v.instances.len().max(1);
    let w = 380.0 / n as f64;
    let (served, stale, active, label) = match &v.last {
        Last::Read { req, rec, .. } => (
            Some(rec.served),
            rec.stale(),
            Some(req.instance as usize),
            format!(
                "read key {} → {}{} · {:.3} ms",
                req.key,
                rec.served.label(),
                if rec.stale() { " · STALE" } else { "" },
                rec.latency_us as f64 / 1_000.0
            ),
        ),
        Last::Write { req, version, .. } => (
            None,
            false,
            Some(req.instance as usize),
            format!("write key {} → version {version}", req.key),
        ),
        _ => (None, false, None, String::new()),
    };
    let boxes = v
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let x = 10.0 + i as f64 * w;
            let fill = (w - 16.0) * inst.l1_len as f64 / inst.l1_capacity.max(1) as f64;
            let mut class = "cache-box inst".to_string();
            if inst.active {
                class.push_str(" just-moved");
            }
            if inst.stale_hot {
                class.push_str(" stale");
            }
            let title = format!(
                "Instance {i}: L1 {} of {} entries{}",
                inst.l1_len,
                inst.l1_capacity,
                if inst.stale_hot { ", holds an old copy of the hot key" } else { "" }
            );
            // What the box shows, built once for the texts and the accessible name, which starts
            // with those words (WCAG 2.5.3, label in name), then the tooltip's detail.
            let app_text = format!("app {i}");
            let l1_text = format!("L1 {}/{}", inst.l1_len, inst.l1_capacity);
            let aria = format!("{app_text}, {l1_text} — {title}");
            view! {
                <g class=class data-inspect=format!("inst-{i}") tabindex="0" role="button" aria-label=aria>
                    <title>{title}</title>
                    <rect x=format!("{:.1}", x + 3.0) y="34" width=format!("{:.1}", w - 6.0) height="46" rx="4" class="frame" />
                    <text x=format!("{:.1}", x + w / 2.0) y="48" text-anchor="middle" class="box-label">{app_text}</text>
                    {" "} // keeps the two texts apart as words in the text content
                    <rect x=format!("{:.1}", x + 8.0) y="60" width=format!("{:.1}", (w - 16.0).max(1.0)) height="10" class="bar-bg" />
                    <rect x=format!("{:.1}", x + 8.0) y="60" width=format!("{fill:.1}") height="10" class="bar-fill" />
                    <text x=format!("{:.1}", x + w / 2.0) y="78" text-anchor="middle" class="box-sub">{l1_text}</text>
                </g>
            }
        })
        .collect_view();
    let l2_fill = 200.0 * v.l2_len as f64 / v.l2_capacity.max(1) as f64;
    let ax = active.map(|i| 10.0 + (i as f64 + 0.5) * w).unwrap_or(200.0);
    let path = match served {
        Some(Served::L2) => Some(format!("M{ax:.1} 80 L200 104")),
        Some(Served::Db) | Some(Served::Coalesced) => {
            Some(format!("M{ax:.1} 80 L200 104 L200 146"))
        }
        _ => None,
    };
    // The L2 and database boxes: their visible words, reused as the start of their names.
    let l2_text = if v.l2_up {
        "L2 (shared)"
    } else {
        "L2 — DOWN"
    };
    let l2_label = format!("{l2_text}: {} of {} entries", v.l2_len, v.l2_capacity);
    let db_sub = format!(
        "{} reads in flight · {} writes queued",
        v.in_flight, v.pending_writes
    );
    let db_label = format!("database, {db_sub}");
    view! {
        <g class=if stale { "order-chip refused" } else { "order-chip" }>
            <rect x="10" y="6" width="380" height="20" rx="4" />
            <text x="200" y="20" text-anchor="middle">{if label.is_empty() { "no request yet".to_string() } else { label }}</text>
        </g>
        {boxes}
        {path.map(|d| view! { <path d=d class=if stale { "route-arrow stale" } else { "route-arrow" } /> })}
        <g class=format!("cache-box l2{}{}", if v.l2_up { "" } else { " down" }, if served == Some(Served::L2) { " just-moved" } else { "" })
            data-inspect="l2" tabindex="0" role="button" aria-label=l2_label>
            <rect x="90" y="104" width="220" height="34" rx="4" class="frame" />
            <text x="200" y="117" text-anchor="middle" class="box-label">{l2_text}</text>
            <rect x="100" y="124" width="200" height="8" class="bar-bg" />
            <rect x="100" y="124" width=format!("{l2_fill:.1}") height="8" class="bar-fill" />
        </g>
        <g class=format!("cache-box db{}", if matches!(served, Some(Served::Db) | Some(Served::Coalesced)) { " just-moved" } else { "" })
            data-inspect="db" tabindex="0" role="button" aria-label=db_label>
            <rect x="120" y="146" width="160" height="34" rx="4" class="frame" />
            <text x="200" y="160" text-anchor="middle" class="box-label">"database"</text>
            {" "} // keeps the two texts apart as words in the text content
            <text x="200" y="174" text-anchor="middle" class="box-sub">{db_sub}</text>
        </g>
    }
}

fn questions(sim: Sim<Caching>) -> Vec<Question> {
    let next = sim.predict_next(|s| match s.last() {
        Last::Read { rec, .. } => {
            let pick = match rec.served {
                Served::L1 | Served::MadeUp => 0,
                Served::L2 => 1,
                Served::Db | Served::Coalesced => 2,
            };
            (
                pick,
                format!(
                    "The next request reads key {}: {}.",
                    rec.key,
                    rec.served.label()
                ),
            )
        }
        Last::Write { req, .. } => (
            3,
            format!("The next request is a write of key {}.", req.key),
        ),
        _ => (3, String::new()),
    });
    let stampede = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            if let Err(e) = s.apply(&Fault::new("hot-key-expiry")) {
                return (0, format!("Not here: {e}."));
            }
            let before = s.stats().db_reads;
            let burst = s.params().burst as u64;
            for _ in 0..burst.min(s.total_steps() - s.served()) {
                s.step();
            }
            let reads = s.stats().db_reads - before;
            let pick = if reads <= 2 { 0 } else if reads * 2 < burst { 1 } else { 2 };
            (pick, format!(
                "On a copy of this run: the hot key expires and {} requests for it arrive; the database gets {} reads (some may be other keys'). Coalescing is {}.",
                burst, reads, if s.params().coalesce { "on: one request reads, the rest wait" } else { "off: every miss reads" }
            ))
        })
        .unwrap_or((0, String::new()))
    });
    vec![
        Question {
            id: "predict-next",
            prompt: "Predict: where will the next request be answered from?".into(),
            choices: vec!["L1".into(), "L2".into(), "The database".into(), "It is a write".into()],
            answer: next,
        },
        Question {
            id: "stampede",
            prompt: "Predict: if the hot key expired now as a burst of requests for it arrives, how many database reads would the burst cause?".into(),
            choices: vec!["One or two".into(), "Some, less than half the burst".into(), "About one per request".into()],
            answer: stampede,
        },
        Question {
            id: "local-l1",
            prompt: "Instance 0 updates a profile and clears its own L1 and L2. What does instance 1 return for that profile a second later?".into(),
            choices: vec!["The new version: L2 was cleared".into(), "Its own L1's old copy, until that entry expires".into(), "An error".into()],
            answer: Callback::new(|()| (1, "Instance 1 never hears of the write: its L1 still holds the old profile and answers without asking L2. Broadcast the invalidation (pub/sub) or keep the L1 TTL short; try the “write on one instance” fault with L1 invalidation set to local.".into())),
        },
        Question {
            id: "note-l1",
            prompt: "In the note, L1 is an @lru_cache on a function that builds the profile. How often are L2 and the database asked?".into(),
            choices: vec!["On every L1 miss".into(), "Never: the decorated function always returns something".into(), "Only after a write".into()],
            answer: Callback::new(|()| (1, "The decorated function never returns None, so the `if profile:` check always passes at L1: the rest of the method is dead code and no write is ever seen. Switch on the pitfall to watch every read become an L1 hit — and stale.".into())),
        },
    ]
}

/// Takes the reads `rows` of `s`'s log into `judge` (the oracle, a slice at a time).
pub(crate) fn judge_reads(s: &Caching, judge: &mut Judge, rows: std::ops::Range<u64>) {
    let log = s.reads_log();
    for i in rows {
        if let Some(r) = log.get(i as usize) {
            judge.read(s.feed(), s.served(), r.index, r.key, r.version);
        }
    }
}

#[component]
pub fn CachingPage() -> impl IntoView {
    let sim = Sim::<Caching>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    // The oracle re-reads every request: once the page is still.
    let key = Memo::new(move |_| view.with(|v| (v.step, v.stats.reads, v.stats.stale)));
    let settled = crate::sim::settled(key, ui.playing);
    // A slice of reads per task (`sim::sliced`).
    let verdict = crate::sim::sliced(
        settled,
        move |_| {
            sim.with_untracked(|t| t.current().reads_log().len() as u64)
                .unwrap_or(0)
        },
        move |_| {
            sim.with_untracked(|t| Judge::new(t.current().feed()))
                .unwrap_or_default()
        },
        move |_, judge, rows| {
            sim.with_untracked(|t| judge_reads(t.current(), judge, rows));
        },
    );
    let stale_truth = Signal::derive(move || match verdict.get() {
        Some((k, Judge { verdict: v, .. })) if k == key.get() => {
            if v.stale == k.2 && v.reads == k.1 && v.from_the_future == 0 {
                Truth::Correct
            } else {
                Truth::Wrong(k.2 as i64 - v.stale as i64)
            }
        }
        _ => Truth::Pending,
    });
    // The TTL sweep: one run per tick, restarted when the settings change.
    let sweep_key = Memo::new(move |_| {
        let seed = ui.seed.get();
        sim.params_with(|p| (p.clone(), seed))
    });
    let points = RwSignal::new(Vec::<SweepPoint>::new());
    Effect::new(move |_| {
        let (params, seed) = sweep_key.get();
        points.set(Vec::new());
        fn next(
            params: pipelab_core::patterns::caching::CacheParams,
            seed: u64,
            i: usize,
            points: RwSignal<Vec<SweepPoint>>,
            key: Memo<(pipelab_core::patterns::caching::CacheParams, u64)>,
        ) {
            if i >= TTLS_MS.len() {
                return;
            }
            set_timeout(
                move || {
                    if key
                        .try_with_untracked(|k| k.0 != params || k.1 != seed)
                        .unwrap_or(true)
                    {
                        return;
                    }
                    if let Some(p) = sweep::point(&params, seed, TTLS_MS[i]) {
                        points.update(|v| v.push(p));
                    }
                    next(params, seed, i + 1, points, key);
                },
                std::time::Duration::from_millis(30),
            );
        }
        next(params, seed, 0, points, sweep_key);
    });
    let sweep_chart = Signal::derive(move || {
        points.with(|pts| BarData {
            title: "TTL (both levels) against cache hit rate and stale reads".into(),
            y_label: "% of reads".into(),
            labels: pts
                .iter()
                .map(|p| {
                    if p.ttl_ms == 0 {
                        "∞".to_string()
                    } else if p.ttl_ms >= 1_000 {
                        format!("{}s", p.ttl_ms / 1_000)
                    } else {
                        format!("{}ms", p.ttl_ms)
                    }
                })
                .collect(),
            values: pts.iter().map(|p| p.hit_rate * 100.0).collect(),
            reference: None,
            emphasis: None,
            second: Some((
                "stale reads".into(),
                "hit rate".into(),
                pts.iter().map(|p| p.stale_rate * 100.0).collect(),
            )),
            lines: true,
        })
    });
    let sweep_rows = Signal::derive(move || {
        points.with(|pts| {
            pts.iter()
                .map(|p| {
                    vec![
                        if p.ttl_ms == 0 {
                            "none".into()
                        } else {
                            format!("{} ms", p.ttl_ms)
                        },
                        percent(p.hit_rate),
                        percent(p.stale_rate),
                        count(p.db_reads),
                        format!("{:.2} ms", p.mean_latency_us / 1_000.0),
                    ]
                })
                .collect::<Vec<_>>()
        })
    });
    let over_time = Signal::derive(move || {
        view.with(|v| v.step);
        sim.with(|t| {
            let samples: Vec<_> = t.current().samples().iter().copied().collect();
            let every = samples.len().div_ceil(120).max(1);
            let pts: Vec<_> = samples.iter().step_by(every).collect();
            BarData {
                title: "Reads answered by L1, and by any cache, over the run".into(),
                y_label: "% of reads in the window".into(),
                labels: pts.iter().map(|s| count(s.step)).collect(),
                values: pts
                    .iter()
                    .map(|s| 100.0 * s.l1_hits as f64 / s.reads.max(1) as f64)
                    .collect(),
                reference: None,
                emphasis: None,
                second: Some((
                    "L1 or L2".into(),
                    "L1".into(),
                    pts.iter()
                        .map(|s| 100.0 * (s.l1_hits + s.l2_hits) as f64 / s.reads.max(1) as f64)
                        .collect(),
                )),
                lines: true,
            }
        })
    });
    let latency_over_time = Signal::derive(move || {
        view.with(|v| v.step);
        sim.with(|t| {
            let samples: Vec<_> = t.current().samples().iter().copied().collect();
            let every = samples.len().div_ceil(120).max(1);
            let pts: Vec<_> = samples.iter().step_by(every).collect();
            let ms = |s: &pipelab_core::patterns::caching::scenario::Sample, q: f64| {
                let b: Vec<u64> = s.buckets.iter().map(|n| *n as u64).collect();
                percentile(&b, q).map_or(0.0, |us| {
                    if us == u64::MAX {
                        1_000.0
                    } else {
                        us as f64 / 1_000.0
                    }
                })
            };
            BarData {
                title: "Read latency over the run: p50 and p99 per window (bucket bounds)".into(),
                y_label: "ms".into(),
                labels: pts.iter().map(|s| count(s.step)).collect(),
                values: pts.iter().map(|s| ms(s, 0.5)).collect(),
                reference: None,
                emphasis: None,
                second: Some((
                    "p99".into(),
                    "p50".into(),
                    pts.iter().map(|s| ms(s, 0.99)).collect(),
                )),
                lines: true,
            }
        })
    });
    let latency_chart = Signal::derive(move || {
        view.with(|v| BarData {
            title: "Read latency distribution (whole run)".into(),
            y_label: "reads".into(),
            labels: BUCKETS_US.iter().map(|b| bound_text(*b)).collect(),
            values: v.buckets.iter().map(|n| *n as f64).collect(),
            reference: None,
            emphasis: match &v.last {
                Last::Read { rec, .. } => {
                    BUCKETS_US.iter().position(|b| rec.latency_us as u64 <= *b)
                }
                _ => None,
            },
            second: None,
            lines: false,
        })
    });
    let reads_total = Signal::derive(move || view.with(|v| v.stats.reads as usize));
    let reads_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| read_rows(t.current(), start, n))
    });
    let cache_total = Signal::derive(move || {
        view.with(|v| match inspect.get() {
            Some(Inspect::Instance(i)) => v.instances.get(i).map_or(0, |x| x.l1_len),
            Some(Inspect::L2) => v.l2_len,
            _ => 0,
        })
    });
    let cache_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        let which = inspect.get();
        sim.with(|t| match which {
            Some(Inspect::Instance(i)) => cache_rows(t.current(), Some(i), start, n),
            Some(Inspect::L2) => cache_rows(t.current(), None, start, n),
            _ => Vec::new(),
        })
    });
    let inspect_body = move || {
        match inspect.get() {
        None => "Click an instance, L2 or the database to inspect it; a cache's entries are listed below, most recently used first.".to_string(),
        Some(Inspect::Instance(i)) => view.with(|v| v.instances.get(i).map_or(format!("Instance {i} does not exist."), |x| format!(
            "Instance {i}: its L1 holds {} of {} entries{}.", x.l1_len, x.l1_capacity,
            if x.stale_hot { format!(", including an old copy of hot key {HOT_KEY}") } else { String::new() }))),
        Some(Inspect::L2) => view.with(|v| format!("L2 (shared): {} of {} entries; {}.", v.l2_len, v.l2_capacity, if v.l2_up { "reachable" } else { "unreachable (outage)" })),
        Some(Inspect::Db) => view.with(|v| format!(
            "Database: {} reads so far ({} at once at the peak), {} now in flight; {} writes saved, {} queued by write-behind.",
            count(v.stats.db_reads), v.stats.peak_in_flight, v.in_flight, count(v.stats.db_writes), v.pending_writes)),
    }
    };
    let rates = move || view.with(|v| v.rates());
    view! {
        <SimPage ui=ui title="Multi-level caching: L1, L2 and the database">
            <p class="lede">"Several app instances each keep a small L1 in memory; they share an L2; behind both sits a database that takes milliseconds to answer. Step through the requests and watch where each is answered, what it costs, and whether the value is still current. Turn the knobs, drop L2, expire the hot key, write on one instance — or switch on the note's L1."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Instances, L2, the database — and the last request's path"</h2>
                        <div class="diagram" data-testid="diagram">
                            <svg viewBox="0 0 400 186" role="group" class="cache-svg" aria-label=move || view.with(summary)
                                on:click=move |ev| if let Some(k) = crate::browser::inspect_target(&ev) { pick(&k, inspect) }
                                on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " {
                                    if let Some(k) = crate::browser::inspect_target(&ev) { ev.prevent_default(); pick(&k, inspect) }
                                }>
                                {move || view.with(picture)}
                            </svg>
                            <p class="hint">{move || view.with(summary)}</p>
                            <p class="legend hint">"Ringed = the last request went there; red = a stale answer, or an instance whose L1 holds an old copy of the hot key; bars = how full each cache is."</p>
                        </div>
                        <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect_body}</div>
                        <DataTable id="cache" caption="Entries of the inspected cache (most recently used first)" columns=&["Key", "Version", "Expires", ""] total=cache_total fetch=cache_fetch page_size=8 />
                    </section>
                    <section class="panel metrics" aria-label="Hit rates and ground truth">
                        <h2>"Hit rates, latency and staleness"</h2>
                        <dl class="stats">
                            <div><dt>"From L1"</dt><dd data-testid="l1-rate">{move || percent(rates().0)}</dd></div>
                            <div><dt>"From L2"</dt><dd data-testid="l2-rate">{move || percent(rates().1)}</dd></div>
                            <div><dt>"From the database"</dt><dd data-testid="db-rate">{move || percent(rates().2)}</dd></div>
                            <div><dt>"Database reads"</dt><dd data-testid="db-reads">{move || view.with(|v| count(v.stats.db_reads))}</dd></div>
                            <div><dt>"Coalesced"</dt><dd data-testid="coalesced">{move || view.with(|v| count(v.stats.coalesced))}</dd></div>
                            <div><dt>"p50 / p99 read"</dt><dd data-testid="latency">{move || view.with(|v| format!("{} / {}", v.percentile_us(0.5).map_or("—".into(), bound_text), v.percentile_us(0.99).map_or("—".into(), bound_text)))}</dd></div>
                            <div><dt>"Stale reads"</dt><dd data-testid="stale">{move || view.with(|v| count(v.stats.stale))}</dd></div>
                            <div><dt>"Stale count vs the oracle"</dt><dd><TruthBadge metric="stale" scope=TruthScope::SoFar truth=stale_truth /></dd></div>
                        </dl>
                        <p class="hint">"The oracle knows only the requests: a key's newest version is the number of writes to it before the read. It re-reads them once the page is paused and still."</p>
                        <p class="hint">"Where the latencies come from: an L1 hit counts 2 µs, a lookup in the instance's own memory (a main-memory reference takes about 100 ns, Jeff Dean's “Numbers Everyone Should Know”; cachetools' TTLCache.get takes a few µs in CPython, timed by the conformance test). An L2 round trip counts 200 µs, the typical latency of a 1 Gbit/s network in Redis's guide “Diagnosing latency issues”. The database latency and the L2 client time-out (redis-py's socket_connect_timeout and socket_timeout) are settings: during an L2 outage each call waits for that time-out before the read falls through to the database."</p>
                    </section>
                    <section class="panel lazy">
                        <BarChart id="hit-rate" data=over_time />
                        <BarChart id="latency-over-time" data=latency_over_time />
                        <BarChart id="latency" data=latency_chart />
                    </section>
                    <section class="panel lazy" aria-label="TTL trade-off">
                        <h2>"The TTL trade-off"</h2>
                        <p class="hint" data-testid="sweep-status">{move || { let n = points.with(|p| p.len()); if n < TTLS_MS.len() { format!("Running the same requests with each TTL: {n} of {} done…", TTLS_MS.len()) } else { format!("The same requests (up to {}) with each TTL, these settings, no faults.", count(sweep::MAX_SWEEP_REQUESTS)) } }}</p>
                        <BarChart id="ttl-sweep" data=sweep_chart />
                        <DataTable id="sweep" caption="TTL sweep" columns=&["TTL", "Cache hit rate", "Stale reads", "Database reads", "Mean latency"] rows=sweep_rows page_size=10 />
                    </section>
                    <section class="panel lazy">
                        <DataTable id="reads" caption="Reads, newest first" columns=&["Request", "Key", "Version", "Newest", "From", "Latency", ""] total=reads_total fetch=reads_fetch page_size=10 />
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
                what="A multi-level cache answers reads from the nearest copy: memory inside the instance (L1), a shared cache (L2), then the database. Each level is faster and smaller than the next; the hard part is keeping copies current when the data changes, and protecting the database when a popular key goes missing."
                when="Read-heavy data that changes rarely and tolerates a little staleness (profiles, catalogues, configuration); a database that would not survive the read load; latency budgets a database round trip does not fit."
                when_not="Data that must never be stale (balances, stock at checkout) unless every write path updates every copy; write-heavy keys (the caches churn and every write pays twice); small datasets a database already keeps in memory."
                glossary=GLOSSARY />
        </SimPage>
    }
}
