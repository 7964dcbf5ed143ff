//! /lakehouse: bronze, silver and gold (Delta Lake tables) as lanes of Arrow data files, the
//! commit log of silver you can travel back through, a query that shows the files pruning skipped, and
//! the commit, file and gold tables.

use leptos::prelude::*;
use pipelab_core::calendar::{at_text, day_text, parse_day, parse_when};
use pipelab_core::format::{count, money};
use pipelab_core::patterns::lakehouse::code::code_view;
use pipelab_core::patterns::lakehouse::jobs::{query, Query, QueryResult};
use pipelab_core::patterns::lakehouse::scenario::{Last, RunReport};
use pipelab_core::patterns::lakehouse::table::{FileId, Layer};
use pipelab_core::patterns::lakehouse::view::{
    chart_samples, commit_cells, commit_json, commit_page, file_cells, file_page, file_rows,
    gold_page,
};
use pipelab_core::patterns::lakehouse::{LakeView, Lakehouse};
use pipelab_core::sim::Scenario;

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
    ("bronze / silver / gold", "Raw data as it landed; cleaned, typed, one row per entity; aggregates ready for dashboards."),
    ("Delta Lake", "The table format used here: each table is Parquet data files plus _delta_log, a log of commits numbered 0, 1, 2…; here each file is held as an Arrow record batch."),
    ("data file", "An immutable file of rows. Tables change by adding and removing whole files."),
    ("version / snapshot", "Version N is the table after its commit N (version 0: CREATE TABLE, empty); its snapshot is the list of files live then. Reading an old version is time travel."),
    ("transaction log", "_delta_log: one JSON file per version whose add and remove actions list the files it added and removed, each with partition values and per-column min/max statistics."),
    ("optimistic commit", "A writer prepares its files against the version it read; the commit fails (ConcurrentAppendException…) if a commit since then changed what it read. Nothing retries by itself: the job runs its statement again."),
    ("MERGE", "Insert, update or delete rows by matching a key against the table: rerunning it with the same input changes nothing."),
    ("compaction", "OPTIMIZE: rewriting a partition's files into fewer, larger ones (here ZORDER BY user_id: sorted by user), with the same rows."),
    ("partition pruning", "Skipping files whose partition value cannot match the query; min/max statistics skip more."),
    ("schema evolution", "Adding a column without rewriting old files: readers fill it with null for them."),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Inspect {
    Lane(Layer),
    Landing,
    File(FileId),
    Commit(u32),
}

/// Which silver version the page reads.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Travel {
    Current,
    Version(u32),
    At(i64),
}

/// Up to this many files per lane are drawn (the newest).
const LANE_FILES: usize = 14;
/// Snapshot dots on the timeline.
const DOTS: u32 = 20;

fn lane_class(l: Layer) -> &'static str {
    match l {
        Layer::Bronze => "bronze",
        Layer::Silver => "silver",
        Layer::Gold => "gold",
    }
}

/// What a `data-inspect` key in the picture selects (a snapshot also becomes the version
/// read).
fn pick(key: &str, inspect: RwSignal<Option<Inspect>>, travel: RwSignal<Travel>) {
    let number = |prefix: &str| key.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok());
    let chosen = if key == "landing" {
        Some(Inspect::Landing)
    } else if let Some(id) = number("file-") {
        Some(Inspect::File(id))
    } else if let Some(v) = number("snapshot-") {
        travel.set(Travel::Version(v));
        Some(Inspect::Commit(v))
    } else {
        Layer::ALL
            .into_iter()
            .find(|l| key.strip_prefix("lane-") == Some(l.name()))
            .map(Inspect::Lane)
    };
    if chosen.is_some() {
        inspect.set(chosen);
    }
}

/// One file as a lane draws it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LaneFile {
    id: FileId,
    /// Its number within its table (its name, `part-00042`).
    seq: u32,
    rows: u32,
    partition: Option<u32>,
    small: bool,
    just: bool,
}

/// What the picture needs, gathered once per step (and per time-travel/query change).
#[derive(Clone, Debug, PartialEq)]
struct Picture {
    /// Per lane: the newest files, and how many files are live in all.
    lanes: [(Vec<LaneFile>, usize); 3],
    silver_version: u32,
    /// The newest silver snapshots: (version, op is a conflict retry / compaction marker).
    dots: Vec<(u32, &'static str)>,
}

fn picture(s: &Lakehouse, silver_version: u32) -> Picture {
    let lake = s.lake();
    let target = s.params().target_rows;
    let lane = |layer: Layer, version: u32| {
        let t = lake.table(layer);
        let (files, live) = if version == t.version() {
            (t.newest_live(LANE_FILES), t.live_count())
        } else {
            let all = t.files_at(version);
            let n = all.len();
            (all[n.saturating_sub(LANE_FILES)..].to_vec(), n)
        };
        let just: Vec<FileId> = if version == t.version() && step_committed(s, layer) {
            t.added_by(version)
        } else {
            Vec::new()
        };
        let shown = files
            .iter()
            .filter_map(|&f| lake.file(f))
            .map(|d| LaneFile {
                id: d.id,
                seq: d.seq,
                rows: d.rows,
                partition: d.partition,
                small: layer == Layer::Silver && d.rows < target,
                just: just.contains(&d.id),
            })
            .collect();
        (shown, live)
    };
    let silver = lake.table(Layer::Silver);
    let first = silver.version().saturating_sub(DOTS - 1).max(1);
    let dots = (first..=silver.version())
        .filter_map(|v| silver.commit(v))
        .map(|c| {
            (
                c.version,
                match c.op {
                    pipelab_core::patterns::lakehouse::table::Op::Compact => "compact",
                    pipelab_core::patterns::lakehouse::table::Op::AddColumn => "schema",
                    _ if c.writer == 1 => "rival",
                    _ if c.retries > 0 => "retried",
                    _ => "merge",
                },
            )
        })
        .collect();
    Picture {
        lanes: [
            lane(Layer::Bronze, lake.table(Layer::Bronze).version()),
            lane(Layer::Silver, silver_version),
            lane(Layer::Gold, lake.table(Layer::Gold).version()),
        ],
        silver_version,
        dots,
    }
}

/// Whether the last step committed to `layer`.
fn step_committed(s: &Lakehouse, layer: Layer) -> bool {
    match s.last() {
        Last::Arrived { file, run, .. } => match layer {
            Layer::Bronze => file.is_some(),
            _ => run.as_ref().is_some_and(|r| committed(r, layer)),
        },
        Last::Rerun(r) => committed(r, layer),
        Last::ColumnAdded { .. } => layer != Layer::Gold,
        _ => false,
    }
}

fn committed(r: &RunReport, layer: Layer) -> bool {
    match layer {
        Layer::Bronze => false,
        Layer::Silver => r.silver_version.is_some() || r.compaction.is_some(),
        Layer::Gold => r.gold.is_some(),
    }
}

/// The picture's shapes; clicks and keys reach them through one listener on the `<svg>`
/// ([`pick`]), so a frame re-renders attributes, not event handlers.
fn lake_svg(
    v: &LakeView,
    p: &Picture,
    q: Option<&QueryResult>,
    target: u32,
    file_rows: u32,
) -> impl IntoView {
    let lanes = Layer::ALL.map(|layer| {
        let i = layer as usize;
        let y = 8.0 + i as f64 * 46.0;
        let (files, live) = &p.lanes[i];
        let version = if layer == Layer::Silver { p.silver_version } else { v.versions[i] };
        let title = format!("{} v{version}", layer.name());
        let more = live.saturating_sub(files.len());
        let sub = if more > 0 {
            format!("{} files, {} drawn", count(*live as u64), files.len())
        } else {
            format!("{} file{}", count(*live as u64), if *live == 1 { "" } else { "s" })
        };
        // The accessible name starts with the lane's visible words (WCAG 2.5.3, label in name).
        let lane_label = format!("{title}, {sub} — inspect the {} table", layer.name());
        let scale = match layer {
            Layer::Bronze => file_rows.max(1) as f64,
            Layer::Silver => target.max(1) as f64,
            Layer::Gold => files.iter().map(|f| f.rows).max().unwrap_or(1).max(1) as f64,
        };
        // Widths by rows, shrunk together when the lane would overflow.
        let natural = |rows: u32| 4.0 + 22.0 * (rows as f64 / scale).min(1.5);
        let wanted: f64 = files.iter().map(|f| natural(f.rows) + 2.0).sum();
        let fit = (300.0 / wanted.max(1.0)).min(1.0);
        let mut x = 86.0;
        let rects = files
            .iter()
            .map(|&LaneFile { id, seq, rows, partition: part, small, just }| {
                let w = natural(rows) * fit;
                let fx = x;
                x += w + 2.0 * fit;
                let mut class = format!("file {}", lane_class(layer));
                if let Some(d) = part {
                    class.push_str(&format!(" p{}", d % 4));
                }
                if small {
                    class.push_str(" small");
                }
                if just {
                    class.push_str(" just-moved");
                }
                if let Some(q) = q.filter(|_| layer == Layer::Silver) {
                    class.push_str(if q.scanned.binary_search(&id).is_ok() { " scanned" } else { " skipped" });
                }
                let label = format!(
                    "{} file part-{seq:05}{}: {rows} rows",
                    layer.name(),
                    part.map_or(String::new(), |d| format!(" of {}", day_text(d)))
                );
                view! {
                    <rect class=class x=format!("{fx:.1}") y=format!("{:.1}", y + 4.0) width=format!("{w:.1}") height="26" rx="2"
                        data-inspect=format!("file-{id}") role="button" tabindex="0" aria-label=label />
                }
            })
            .collect_view();
        view! {
            <g class=format!("box lane {}", lane_class(layer)) data-inspect=format!("lane-{}", layer.name()) role="button" tabindex="0" aria-label=lane_label>
                <rect x="4" y=format!("{y:.1}") width="78" height="34" rx="4" />
                <text x="9" y=format!("{:.1}", y + 14.0) class="layer-title">{title}</text>
                {" "} // keeps the two lines apart as words in the text content
                <text x="9" y=format!("{:.1}", y + 27.0) class="layer-sub">{sub}</text>
            </g>
            {rects}
        }
    });
    let dots = p
        .dots
        .iter()
        .enumerate()
        .map(|(i, &(ver, kind))| {
            let cx = 92.0 + i as f64 * 12.0;
            let selected = ver == p.silver_version;
            let class = format!("dot {kind}{}", if selected { " selected" } else { "" });
            let label = format!("Silver snapshot v{ver}: read the table as of it");
            view! {
                <circle class=class cx=format!("{cx:.1}") cy="152" r=if selected { "5" } else { "4" }
                    data-inspect=format!("snapshot-{ver}") role="button" tabindex="0" aria-label=label />
            }
        })
        .collect_view();
    let landing = format!(
        "landing (next bronze file): {} / {} rows",
        v.landing, file_rows
    );
    let landing_label = format!("{landing} — inspect the landing buffer");
    view! {
        {lanes}
        <g class="box landing" data-inspect="landing" role="button" tabindex="0" aria-label=landing_label>
            <text x="4" y="174" class="axis-label">{landing}</text>
        </g>
        <text x="4" y="155" class="axis-label">"silver snapshots"</text>
        {dots}
    }
}

fn lane_text(v: &LakeView, layer: Layer) -> String {
    match layer {
        Layer::Bronze => format!(
            "bronze.orders_raw: every landed file appended as it came — {} files, at version {}, schema {}. Amounts are still text; bad rows and resends are kept: bronze is the record of what arrived.",
            count(v.bronze_files as u64), v.versions[0], v.schemas[0]
        ),
        Layer::Silver => format!(
            "silver.orders, partitioned by order day: {} live files ({} small, under the target size), {} orders worth {}, schema {}. {} compactions, {} failed commits (the job ran its MERGE again). {} bad rows rejected so far{}.",
            count(v.silver_files as u64), count(v.silver_small as u64), count(v.silver_orders), money(v.silver_cents), v.schemas[1], v.compactions, v.conflicts, count(v.rejected),
            if v.filtered > 0 { format!(", {} rows dropped by the newest-day filter", count(v.filtered)) } else { String::new() }
        ),
        Layer::Gold => format!(
            "gold.user_stats: {} rows at v{}. A reader summing them per user is {} against the oracle{}.",
            count(v.gold_rows), v.versions[2],
            if v.gold_wrong_users == 0 { "right" } else { "wrong" },
            if v.gold_wrong_users > 0 { format!(" ({} users off, {} orders counted too many)", v.gold_wrong_users, count(v.gold_wrong_orders)) } else { String::new() }
        ),
    }
}

fn file_detail(s: &Lakehouse, id: FileId) -> AnyView {
    let Some(f) = s.lake().file(id) else {
        return view! { <span>"That file does not exist at this step."</span> }.into_any();
    };
    let cells = file_cells(f);
    let (columns, rows) = file_rows(f, s.feed(), 0, 8);
    let head = format!(
        "{} — partition {}, {} rows, order_id {}, user_id {}, amount {}, {}, added in {}.",
        cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]
    );
    let more = (f.rows as usize).saturating_sub(rows.len());
    view! {
        <span>{head}</span>
        <div class="table-wrap" tabindex="0" role="region" aria-label="The file’s rows"><table class="mini">
            <thead><tr>{columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}</tr></thead>
            <tbody>{rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
        </table></div>
        {(more > 0).then(|| view! { <span class="hint">{format!("… and {more} more rows.")}</span> })}
    }
    .into_any()
}

fn commit_detail(s: &Lakehouse, version: u32) -> AnyView {
    let json = commit_json(s.lake(), Layer::Silver, version);
    view! {
        <span>{format!("Silver v{version} as Delta Lake logs it, _delta_log/{version:020}.json: one action per line (sizes are the Arrow batches' bytes). The query below now reads this version:")}</span>
        <pre class="json" tabindex="0" role="region" aria-label="The commit’s actions as JSON">{json}</pre>
    }
    .into_any()
}

#[component]
fn Metrics(view: Memo<LakeView>) -> impl IntoView {
    let stats = Memo::new(move |_| {
        view.with(|v| {
            vec![
                ("Bronze files", "bronze-files", count(v.bronze_files as u64)),
                (
                    "Silver files (small)",
                    "silver-files",
                    format!(
                        "{} ({})",
                        count(v.silver_files as u64),
                        count(v.silver_small as u64)
                    ),
                ),
                ("Silver orders", "silver-orders", count(v.silver_orders)),
                ("Gold rows", "gold-rows", count(v.gold_rows)),
                ("Pipeline runs", "runs", count(v.runs as u64)),
                ("Commit conflicts", "conflicts", count(v.conflicts as u64)),
                ("Compactions", "compactions", count(v.compactions as u64)),
                (
                    "Rows rejected / filtered",
                    "rejected",
                    format!("{} / {}", count(v.rejected), count(v.filtered)),
                ),
            ]
        })
    });
    let silver = Signal::derive(move || {
        view.with(|v| {
            if v.truth_through == 0 {
                Truth::Pending
            } else if v.silver_wrong_users == 0 && v.silver_orders == v.truth_orders {
                Truth::Correct
            } else {
                Truth::Wrong(v.silver_orders as i64 - v.truth_orders as i64)
            }
        })
    });
    let gold = Signal::derive(move || {
        view.with(|v| {
            if v.truth_through == 0 {
                Truth::Pending
            } else if v.gold_wrong_users == 0 {
                Truth::Correct
            } else {
                Truth::Wrong(v.gold_wrong_orders as i64)
            }
        })
    });
    let hint = move || {
        view.with(|v| {
            format!(
                "The oracle folds the feed's first {} rows itself (each order once, its own amount check): {} orders worth {}. Silver holds {} worth {}; gold read per user is off for {} user(s).",
                count(v.truth_through), count(v.truth_orders), money(v.truth_cents), count(v.silver_orders), money(v.silver_cents), v.gold_wrong_users
            )
        })
    };
    view! {
        <dl class="stats">
            {move || stats.with(|r| r.iter().map(|(label, hook, value)| view! {
                <div><dt>{*label}</dt><dd data-testid=*hook>{value.clone()}</dd></div>
            }).collect_view())}
        </dl>
        <dl class="stats">
            <div><dt>"silver.orders"</dt><dd><TruthBadge metric="silver" scope=TruthScope::SoFar truth=silver /></dd></div>
            <div><dt>"gold.user_stats"</dt><dd><TruthBadge metric="gold" scope=TruthScope::SoFar truth=gold /></dd></div>
        </dl>
        <p class="hint">{hint}</p>
    }
}

fn commit_rows(sim: Sim<Lakehouse>, layer: RwSignal<Layer>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        let l = layer.get_untracked();
        sim.with(|t| {
            commit_page(t.current().lake(), l, start, n)
                .iter()
                .map(commit_cells)
                .collect()
        })
    })
}

fn file_table_rows(sim: Sim<Lakehouse>, version: Memo<u32>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        let v = version.get_untracked();
        sim.with(|t| {
            file_page(t.current().lake(), Layer::Silver, v, start, n)
                .into_iter()
                .map(file_cells)
                .collect()
        })
    })
}

fn gold_table_rows(sim: Sim<Lakehouse>) -> RowPages {
    Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| {
            let lake = t.current().lake();
            gold_page(lake, lake.table(Layer::Gold).version(), start, n)
        })
    })
}

fn questions(sim: Sim<Lakehouse>) -> Vec<Question> {
    let next = sim.predict_next(move |s| {
            match s.last() {
                Last::Arrived { run: Some(_), .. } => (2, "The next row completes a bronze file, and that file completes a run: silver, compaction and gold commit.".to_string()),
                Last::Arrived { file: Some((f, _)), .. } => (1, format!("The next row completes bronze file {f}; the jobs wait for more files.")),
                _ => (0, format!("The next row waits in the landing buffer ({} of {} rows).", s.landing().end - s.landing().start, s.params().file_rows)),
            }
    });
    vec![
        Question {
            id: "next-commit",
            prompt: "Predict: what does the next step commit?".into(),
            choices: vec!["Nothing yet".into(), "A bronze file".into(), "A bronze file and a pipeline run".into()],
            answer: next,
        },
        Question {
            id: "append",
            prompt: "The note appends the gold aggregate of all of silver every run. After three runs, how many rows does each user have in gold?".into(),
            choices: vec!["1".into(), "3".into(), "It depends on the orders".into()],
            answer: Callback::new(|()| (1, "Each run appends a fresh row per user: three rows, so summing gold counts the first run's orders three times. Overwrite or MERGE keeps one row per user; switch the pitfall on and watch the gold badge.".into())),
        },
        Question {
            id: "conflict",
            prompt: "Two writers MERGE the same bronze rows from the same version of silver; one commits first. What happens to the other?".into(),
            choices: vec!["It commits too: its files are just as valid".into(), "Its commit fails with ConcurrentAppendException; the job runs the MERGE again".into(), "Delta re-reads the table and retries it by itself".into()],
            answer: Callback::new(|()| (1, "Delta checks at commit time whether a commit since the version it read added files to a partition its MERGE read; one did, so the commit fails and nothing is written. Nothing retries by itself: the job runs its MERGE again on the new version, which matches every order and inserts nothing. Had it committed, each order would be stored twice.".into())),
        },
        Question {
            id: "compaction",
            prompt: "OPTIMIZE rewrites a partition's 5 small files as 1. What happens to a query over that day?".into(),
            choices: vec!["Same answer, fewer files opened".into(), "Faster, but the answer changes".into(), "Old snapshots can no longer be read".into()],
            answer: Callback::new(|()| (0, "The rows are the same, so the answer is; the query opens one file instead of five. The old files stay (until VACUUM deletes them), so time travel to before the compaction still works.".into())),
        },
        Question {
            id: "schema",
            prompt: "After ALTER TABLE … ADD COLUMN currency, what does a reader see in currency for rows written before?".into(),
            choices: vec!["An error".into(), "null".into(), "The default currency".into()],
            answer: Callback::new(|()| (1, "Old files have no currency column; the reader fills it with null. Nothing is rewritten: the commit holds only the new schema (a metaData action). Reading a version from before the change shows the old schema.".into())),
        },
    ]
}

#[component]
pub fn LakehousePage() -> impl IntoView {
    let sim = Sim::<Lakehouse>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let inspect = RwSignal::new(None::<Inspect>);
    let travel = RwSignal::new(Travel::Current);
    let travel_error = RwSignal::new(None::<String>);
    let log_layer = RwSignal::new(Layer::Silver);
    // The silver version read by the picture, the query and the file table.
    let silver_version = Memo::new(move |_| {
        let current = view.with(|v| v.versions[1]);
        match travel.get() {
            Travel::Current => current,
            Travel::Version(v) => v.min(current),
            Travel::At(ms) => sim.with(|t| {
                t.current()
                    .lake()
                    .table(Layer::Silver)
                    .version_as_of(ms)
                    .unwrap_or(0)
            }),
        }
    });
    let travel_note = move || {
        let current = view.with(|v| v.versions[1]);
        let v = silver_version.get();
        match travel.get() {
            Travel::Current => format!("Reading the current snapshot, silver v{current}."),
            Travel::Version(want) if want > current => format!(
                "silver v{want} does not exist at this step: reading v{current}, the newest."
            ),
            Travel::Version(_) => {
                format!("Reading silver v{v} (VERSION AS OF {v}); the table is at v{current} now.")
            }
            Travel::At(ms) if v == 0 => {
                format!("Nothing had been committed to silver by {}.", at_text(ms))
            }
            Travel::At(ms) => format!(
                "TIMESTAMP AS OF {} reads silver v{v}, the newest snapshot committed by then.",
                at_text(ms)
            ),
        }
    };
    // The query.
    let q_from = RwSignal::new("2024-01-03".to_string());
    let q_to = RwSignal::new("2024-01-03".to_string());
    let q_user = RwSignal::new(String::new());
    let users = Memo::new(move |_| sim.params_with(|p| p.users));
    let parsed = Memo::new(move |_| {
        let mut errors = Vec::new();
        let from = parse_day(&q_from.get())
            .map_err(|e| errors.push(("from", e)))
            .ok();
        let to = parse_day(&q_to.get())
            .map_err(|e| errors.push(("to", e)))
            .ok();
        let user_text = q_user.get();
        let user = if user_text.trim().is_empty() {
            Some(None)
        } else {
            match user_text.trim().parse::<u32>() {
                Ok(u) if u < users.get() => Some(Some(u)),
                _ => {
                    errors.push((
                        "user",
                        format!(
                            "a user id from 0 to {}, or blank for every user",
                            users.get().saturating_sub(1)
                        ),
                    ));
                    None
                }
            }
        };
        match (from, to, user) {
            (Some(a), Some(b), Some(u)) if a <= b => Ok(Query {
                from_day: a,
                to_day: b,
                user: u,
            }),
            (Some(_), Some(_), Some(_)) => {
                Err(vec![("to", "the last day is before the first".to_string())])
            }
            _ => Err(errors),
        }
    });
    let field_error = move |field: &'static str| {
        move || {
            parsed.with(|p| {
                p.as_ref()
                    .err()
                    .and_then(|e| e.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
            })
        }
    };
    let result = Memo::new(move |_| {
        let Ok(q) = parsed.get() else { return None };
        let v = silver_version.get();
        view.track();
        sim.with(|t| Some((q, query(t.current().lake(), v, &q, true))))
    });
    // The full scan the badge compares with reads every row of the snapshot, so it runs
    // once the page has been still (paused, no new step, query or version) for 300 ms.
    let scan_key = Memo::new(move |_| {
        let (step, version, orders) = view.with(|v| (v.step, v.versions[1], v.silver_orders));
        (
            step,
            version,
            orders,
            silver_version.get(),
            parsed.get().ok(),
        )
    });
    let settled = crate::sim::settled(scan_key, ui.playing);
    let full = Memo::new(move |_| {
        let key = settled.get()?;
        let q = key.4?;
        sim.with_untracked(|t| (key, query(t.current().lake(), key.3, &q, false)))
    });
    let query_truth = Signal::derive(move || match (result.get(), full.get()) {
        (Some((_, r)), Some((key, f))) if key == scan_key.get() => {
            if r.matched == f.matched && r.sum_cents == f.sum_cents {
                Truth::Correct
            } else {
                Truth::Wrong(r.matched as i64 - f.matched as i64)
            }
        }
        _ => Truth::Pending,
    });
    let result_text = move || {
        match result.get() {
        None => "Fix the query to run it.".to_string(),
        Some((q, r)) => format!(
            "silver v{} · {} files: {} skipped by partition, {} by user_id min/max, {} read ({} rows) → {} orders{}, {}.",
            silver_version.get(),
            r.files,
            r.skipped_by_partition,
            r.skipped_by_stats,
            r.scanned.len(),
            count(r.rows_read),
            count(r.matched),
            q.user.map_or(String::new(), |u| format!(" of user {u}")),
            money(r.sum_cents)
        ),
    }
    };
    let sql = move || {
        match parsed.get() {
        Ok(q) => format!(
            "SELECT COUNT(*), SUM(amount) FROM silver.orders{} WHERE order_day BETWEEN '{}' AND '{}'{};",
            match travel.get() {
                Travel::Current => String::new(),
                Travel::Version(_) => format!(" VERSION AS OF {}", silver_version.get()),
                Travel::At(ms) => format!(" TIMESTAMP AS OF '{}'", at_text(ms)),
            },
            day_text(q.from_day),
            day_text(q.to_day),
            q.user.map_or(String::new(), |u| format!(" AND user_id = {u}"))
        ),
        Err(_) => String::new(),
    }
    };
    let pic = Memo::new(move |_| {
        let v = silver_version.get();
        view.track();
        sim.with(|t| picture(t.current(), v))
    });
    let target = Memo::new(move |_| sim.params_with(|p| (p.target_rows, p.file_rows)));
    let summary = move || {
        view.with(|v| format!(
            "{} of {} rows landed; bronze v{} ({} files), silver v{} ({} files, {} small), gold v{} ({} rows); {} conflicts, {} compactions.",
            count(v.step), count(v.total), v.versions[0], count(v.bronze_files as u64), v.versions[1], count(v.silver_files as u64), count(v.silver_small as u64), v.versions[2], count(v.gold_rows), v.conflicts, v.compactions
        ))
    };
    let inspect_body = move || {
        match inspect.get() {
        None => view! { <span>"Click a table, a file or a snapshot in the picture to inspect it."</span> }.into_any(),
        Some(Inspect::Lane(l)) => view! { <span>{view.with(|v| lane_text(v, l))}</span> }.into_any(),
        Some(Inspect::Landing) => view! { <span>{view.with(|v| format!("{} rows have landed and wait for the ingester's next bronze file ({} rows per file).", v.landing, target.get().1))}</span> }.into_any(),
        Some(Inspect::File(id)) => {
            view.track();
            sim.with(|t| file_detail(t.current(), id))
        }
        Some(Inspect::Commit(ver)) => {
            view.track();
            sim.with(|t| commit_detail(t.current(), ver))
        }
    }
    };
    let files_chart = Signal::derive(move || {
        view.with(|v| v.samples_len);
        sim.with(|t| {
            let pts = chart_samples(t.current(), 120);
            BarData {
                title: "Live silver files over the run, and how many are small".into(),
                y_label: "files".into(),
                labels: pts.iter().map(|s| count(s.step)).collect(),
                values: pts.iter().map(|s| s.silver_files as f64).collect(),
                reference: None,
                emphasis: None,
                second: Some((
                    "small".into(),
                    "all".into(),
                    pts.iter().map(|s| s.silver_small as f64).collect(),
                )),
                lines: true,
            }
        })
    });
    let commits_total =
        Signal::derive(move || view.with(|v| v.versions[log_layer.get() as usize] as usize));
    let files_total = Signal::derive(move || {
        let v = silver_version.get();
        view.track();
        sim.with(|t| t.current().lake().table(Layer::Silver).live_count_at(v))
    });
    let gold_total = Signal::derive(move || view.with(|v| v.gold_rows as usize));
    let set_version = move |text: String| {
        let t = text.trim();
        if t.is_empty() {
            travel.set(Travel::Current);
            travel_error.set(None);
            return;
        }
        match t.trim_start_matches('v').parse::<u32>() {
            Ok(v) if v >= 1 => {
                travel.set(Travel::Version(v));
                travel_error.set(None);
            }
            _ => travel_error.set(Some(format!(
                "“{}” is not a version: a number from 1, or blank for the current one",
                pipelab_core::sim::params::shorten(t)
            ))),
        }
    };
    let set_time = move |text: String| {
        if text.trim().is_empty() {
            travel.set(Travel::Current);
            travel_error.set(None);
            return;
        }
        match parse_when(&text) {
            Ok(ms) => {
                travel.set(Travel::At(ms));
                travel_error.set(None);
            }
            Err(e) => travel_error.set(Some(e)),
        }
    };
    view! {
        <SimPage ui=ui title="Lakehouse: bronze, silver and gold with snapshots and time travel">
            <p class="lede">"Raw orders land in bronze, a Delta Lake table of immutable data files (Arrow batches here); a job MERGEs them typed, valid and one per order into silver's day partitions; another keeps per-user totals in gold. Every table is a log of commits numbered from version 0, so any version can be read again. Step through; add a second writer, rerun a job, send a late file, add a column — or switch on the note's gold append."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Tables, their files, and silver's snapshots"</h2>
                        <div class="diagram stream" data-testid="diagram">
                            <svg viewBox="0 0 400 180" role="group" class="stream-svg es-svg etl-svg lake-svg" aria-label=summary
                                on:click=move |ev| if let Some(k) = crate::browser::inspect_target(&ev) { pick(&k, inspect, travel) }
                                on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " {
                                    if let Some(k) = crate::browser::inspect_target(&ev) { ev.prevent_default(); pick(&k, inspect, travel) }
                                }>
                                {move || {
                                    let (t, fr) = target.get();
                                    let r = result.get();
                                    view.with(|v| pic.with(|p| lake_svg(v, p, r.as_ref().map(|x| &x.1), t, fr)))
                                }}
                            </svg>
                            <p class="hint">{summary}</p>
                            <p class="legend hint">"Files: width by rows; dashed = small; silver coloured by day partition; ringed = just committed; faded = skipped by the query below. Snapshots: click one to read silver as of it."</p>
                        </div>
                        <div class="inspect" data-testid="inspect" aria-live="polite">
                            <strong>"Inspect: "</strong>{inspect_body}
                        </div>
                    </section>
                    <section class="panel metrics" aria-label="Tables and ground truth">
                        <h2>"The tables against the oracle"</h2>
                        <Metrics view=view />
                    </section>
                    <section class="panel" aria-label="Query and time travel">
                        <h2>"Query silver, now or as of a snapshot"</h2>
                        <div class="form-row">
                            <label>"Version " <input data-testid="travel-version" size="6" placeholder="current"
                                prop:value=move || match travel.get() { Travel::Version(v) => v.to_string(), _ => String::new() }
                                on:change=move |ev| set_version(event_target_value(&ev)) /></label>
                            <label>"or as of " <input data-testid="travel-time" size="18" placeholder="2024-01-05 12:00"
                                prop:value=move || match travel.get() { Travel::At(ms) => at_text(ms), _ => String::new() }
                                on:change=move |ev| set_time(event_target_value(&ev)) /></label>
                            <button data-testid="travel-now" on:click=move |_| { travel.set(Travel::Current); travel_error.set(None) }>"Now"</button>
                        </div>
                        {move || travel_error.get().map(|e| view! { <p class="error" data-testid="travel-error" role="alert">{e}</p> })}
                        <p class="hint" data-testid="travel-note">{travel_note}</p>
                        <div class="form-row">
                            <label>"Days from " <input data-testid="q-from" size="10" prop:value=move || q_from.get() on:change=move |ev| q_from.set(event_target_value(&ev)) /></label>
                            <label>" to " <input data-testid="q-to" size="10" prop:value=move || q_to.get() on:change=move |ev| q_to.set(event_target_value(&ev)) /></label>
                            <label>" user " <input data-testid="q-user" size="5" placeholder="all" prop:value=move || q_user.get() on:change=move |ev| q_user.set(event_target_value(&ev)) /></label>
                        </div>
                        {move || field_error("from")().map(|e| view! { <p class="error" data-testid="q-from-error" role="alert">{e}</p> })}
                        {move || field_error("to")().map(|e| view! { <p class="error" data-testid="q-to-error" role="alert">{e}</p> })}
                        {move || field_error("user")().map(|e| view! { <p class="error" data-testid="q-user-error" role="alert">{e}</p> })}
                        <pre class="code" tabindex="0" role="region" aria-label="The query"><code>{sql}</code></pre>
                        <p data-testid="query-result">{result_text}</p>
                        <p>"Pruned answer vs a full scan: " <TruthBadge metric="query" scope=TruthScope::SoFar truth=query_truth /></p>
                        <p class="hint">"The full scan reads every row of the snapshot: it runs once the page is paused and still."</p>
                    </section>
                    <section class="panel lazy">
                        <BarChart id="files" data=files_chart />
                    </section>
                    <section class="panel lazy">
                        <label>"Commit log of " <select data-testid="log-layer" on:change=move |ev| log_layer.set(match event_target_value(&ev).as_str() { "bronze" => Layer::Bronze, "gold" => Layer::Gold, _ => Layer::Silver })>
                            <option value="bronze">"bronze"</option>
                            <option value="silver" selected>"silver"</option>
                            <option value="gold">"gold"</option>
                        </select></label>
                        <DataTable id="commits" caption="Commits (DESCRIBE HISTORY), newest first; version 0, the CREATE TABLE, is not listed" columns=&["Version", "Committed", "Operation", "Files added / removed", "Rows added / removed", "Schema", "Attempt"] total=commits_total fetch=commit_rows(sim, log_layer) page_size=8 />
                        <DataTable id="files" caption="Silver's files live in the version read (from the log's add actions), newest first" columns=&["Path", "Partition", "Rows", "order_id min…max", "user_id min…max", "amount min…max", "Schema", "Added in"] total=files_total fetch=file_table_rows(sim, silver_version) page_size=8 />
                        <DataTable id="gold" caption="gold.user_stats now, every row (the note's append leaves several per user)" columns=&["user_id", "order_count", "total_spent"] total=gold_total fetch=gold_table_rows(sim) page_size=8 />
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
                what="A lakehouse keeps tables as immutable data files in cheap storage plus a table format (Delta Lake here; Iceberg and Hudi are others) that records which files make each version. Commits are atomic and optimistic, old versions stay readable, and per-file statistics let readers skip files. Bronze keeps what arrived, silver what is valid, gold what the business asks."
                when="Many readers and writers over large, growing tables; reprocessing and audits (rerun from bronze, read yesterday's version); both SQL analytics and data science on the same files."
                when_not="Small data a single database handles; workloads of many tiny, low-latency updates (row stores do them better); teams without time for table maintenance (OPTIMIZE, VACUUM of old files)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
