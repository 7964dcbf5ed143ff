//! /partitioning: one orders table partitioned by hash of the user or by quarter of the
//! order date; each step inserts an order (or fails to); queries show what the planner
//! prunes; add a partition and see which rows move; the note's quarter bounds as a pitfall.

use leptos::prelude::*;
use pipelab_core::calendar::day_text;
use pipelab_core::format::{count, money, percent};
use pipelab_core::patterns::partitioning::code::code_view;
use pipelab_core::patterns::partitioning::params::{Grow, Scheme};
use pipelab_core::patterns::partitioning::query::{self, canned, plan, Answer, Query};
use pipelab_core::patterns::partitioning::scenario::{Growth, Last, MoveReport};
use pipelab_core::patterns::partitioning::view::{part_detail, part_rows, rejected_rows};
use pipelab_core::patterns::partitioning::{PartView, Partitioning};
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
    ("partition", "One physical piece of a table inside one database; the table is the union of its partitions and queries address the table."),
    ("partition key", "The column(s) whose value picks a row's partition: here user_id (hash) or order_date (range)."),
    ("hash partitioning", "A row goes to the partition whose REMAINDER equals hash(key) mod MODULUS: even spread of keys, no order."),
    ("range partitioning", "Each partition holds a range FROM (a) TO (b) of the key, with b excluded: rows of nearby dates live together."),
    ("DEFAULT partition", "A range (or list) partition that takes every row no other partition accepts, instead of the INSERT failing."),
    ("partition pruning", "The planner skips partitions whose bound cannot hold a matching row, so a query reads fewer rows."),
    ("half-open range", "A range that includes its start and excludes its end: [2024-01-01, 2024-04-01). Consecutive ranges then meet without gaps or overlaps."),
    ("hot partition", "A partition with far more rows (or traffic) than the others, from a skewed key or a burst."),
    ("splitting", "Replacing one hash partition (MODULUS m, REMAINDER r) by (2m, r) and (2m, r + m): only its rows are re-routed."),
];

/// What the learner clicked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inspect {
    Part(usize),
    Refused,
}

fn pick(key: &str, inspect: RwSignal<Option<Inspect>>) {
    if key == "refused" {
        inspect.set(Some(Inspect::Refused));
    } else if let Some(i) = key.strip_prefix("part-").and_then(|n| n.parse().ok()) {
        inspect.set(Some(Inspect::Part(i)));
    }
}

/// A short label under a partition's column.
fn short(name: &str) -> String {
    name.strip_prefix("orders_")
        .unwrap_or(name)
        .replace("2024_", "")
}

/// The picture: the last order, a column per partition (height by rows, hot ones
/// marked, the query's partitions outlined, the others faded) and the refused bin.
fn picture(v: &PartView, touched: Option<&[usize]>) -> impl IntoView {
    let n = v.parts.len() + 1;
    let width = 380.0 / n as f64;
    let max = v
        .parts
        .iter()
        .map(|p| p.rows)
        .max()
        .unwrap_or(0)
        .max(v.rejected)
        .max(1) as f64;
    let base = 170.0;
    let top = 52.0;
    let h = |rows: u64| (base - top) * rows as f64 / max;
    let (chip, target_x) = match &v.last {
        Last::Stored { order, part } => (
            Some((
                format!(
                    "order {} · user {} · {}",
                    order.order_id(),
                    order.user,
                    day_text(order.day)
                ),
                false,
            )),
            Some(10.0 + (*part as f64 + 0.5) * width),
        ),
        Last::Rejected { order, .. } => (
            Some((
                format!(
                    "order {} · user {} · {} — refused",
                    order.order_id(),
                    order.user,
                    day_text(order.day)
                ),
                true,
            )),
            Some(10.0 + (n as f64 - 0.5) * width),
        ),
        _ => (None, None),
    };
    let columns = v
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = 10.0 + i as f64 * width;
            let bh = h(p.rows);
            let mut class = String::from("part");
            for (on, c) in [
                (p.hot, " hot"),
                (p.target, " just-moved"),
                (p.new, " new"),
                (p.is_default, " default"),
                (touched.is_some_and(|t| t.contains(&i)), " scanned"),
                (touched.is_some_and(|t| !t.contains(&i)), " skipped"),
            ] {
                if on {
                    class.push_str(c);
                }
            }
            let title = format!(
                "{} {}: {} rows{}{}",
                p.name,
                p.bound,
                count(p.rows),
                if p.hot { ", hot" } else { "" },
                if p.new { ", new" } else { "" }
            );
            // What the column shows, built once for the texts and the accessible name, which
            // starts with those words (WCAG 2.5.3, label in name), then the tooltip's detail.
            let name_text = short(&p.name);
            let count_text = count(p.rows);
            let label = format!("{name_text}, {count_text}: {title}");
            let lx = x + width / 2.0;
            view! {
                <g class=class data-inspect=format!("part-{i}") tabindex="0" role="button" aria-label=label>
                    <title>{title}</title>
                    <rect x=format!("{:.1}", x + 2.0) y=top width=format!("{:.1}", (width - 4.0).max(2.0)) height=base - top class="slot" />
                    <rect x=format!("{:.1}", x + 2.0) y=format!("{:.1}", base - bh) width=format!("{:.1}", (width - 4.0).max(2.0)) height=format!("{bh:.1}") class="fill" />
                    <text x=format!("{lx:.1}") y="184" text-anchor="middle" class="col-label">{name_text}</text>
                    {" "} // keeps the two texts apart as words in the text content
                    <text x=format!("{lx:.1}") y=format!("{:.1}", (base - bh - 3.0).max(top + 9.0)) text-anchor="middle" class="col-count">{count_text}</text>
                </g>
            }
        })
        .collect_view();
    let rx = 10.0 + (n - 1) as f64 * width;
    let rh = h(v.rejected);
    let refused_count = count(v.rejected);
    let refused_title = format!("Refused inserts: {refused_count}");
    // Starts with the bin's visible words, "refused" and the count (WCAG 2.5.3).
    let refused_label = format!("refused: {refused_count} inserts");
    view! {
        {chip.map(|(text, bad)| view! {
            <g class=if bad { "order-chip refused" } else { "order-chip" }>
                <rect x="10" y="6" width="380" height="20" rx="4" />
                <text x="200" y="20" text-anchor="middle">{text}</text>
            </g>
        })}
        {target_x.map(|tx| view! {
            <path d=format!("M200 26 L{tx:.1} {:.1}", top - 2.0) class="route-arrow" />
        })}
        {columns}
        <g class="part refused-bin" data-inspect="refused" tabindex="0" role="button" aria-label=refused_label>
            <title>{refused_title}</title>
            <rect x=format!("{:.1}", rx + 2.0) y=top width=format!("{:.1}", (width - 4.0).max(2.0)) height=base - top class="slot" />
            <rect x=format!("{:.1}", rx + 2.0) y=format!("{:.1}", base - rh) width=format!("{:.1}", (width - 4.0).max(2.0)) height=format!("{rh:.1}") class="fill" />
            <text x=format!("{:.1}", rx + width / 2.0) y="184" text-anchor="middle" class="col-label">"refused"</text>
            {" "} // keeps the two texts apart as words in the text content
            <text x=format!("{:.1}", rx + width / 2.0) y=format!("{:.1}", (base - rh - 3.0).max(top + 9.0)) text-anchor="middle" class="col-count">{refused_count}</text>
        </g>
    }
}

/// The `truth-moved` badge: the rows the reorganisation moved against the oracle's count.
fn moved_truth(m: Option<&MoveReport>) -> Truth {
    match m {
        None => Truth::Pending,
        Some(m) if m.moved == m.truth_moved => Truth::Correct,
        Some(m) => Truth::Wrong(m.moved as i64 - m.truth_moved as i64),
    }
}

fn move_text(m: &MoveReport, v: &PartView) -> String {
    let name = |i: usize| v.parts.get(i).map_or("?".to_string(), |p| p.name.clone());
    let old = |i: usize| m.before.get(i).map_or("?".to_string(), |p| p.name.clone());
    let flows: Vec<String> = m
        .flows
        .iter()
        .map(|(f, t, n)| format!("{} → {}: {}", old(*f), name(*t), count(*n)))
        .collect();
    let how = match m.growth {
        Growth::Split { .. } => "split one partition",
        Growth::Rebuild { .. } => "rebuilt the table",
        Growth::Range { .. } => "created the next range",
    };
    format!(
        "The last added partition {how}: {} of {} rows read, {} moved ({} of the table){}.",
        count(m.rows_read),
        count(m.rows_total),
        count(m.moved),
        percent(if m.rows_total == 0 {
            0.0
        } else {
            m.moved as f64 / m.rows_total as f64
        }),
        if flows.is_empty() {
            String::new()
        } else {
            format!(": {}", flows.join(", "))
        }
    )
}

fn questions(sim: Sim<Partitioning>) -> Vec<Question> {
    let next = sim.predict_next(|s| match s.last() {
        Last::Rejected { order, .. } => (
            1,
            format!(
                "The next insert, order {} dated {}, is refused: no partition accepts that date.",
                order.order_id(),
                day_text(order.day)
            ),
        ),
        Last::Stored { order, part } => (
            0,
            format!(
                "The next insert, order {} dated {}, goes into {}.",
                order.order_id(),
                day_text(order.day),
                s.layout()
                    .parts()
                    .get(*part)
                    .map_or("?", |p| p.name.as_str())
            ),
        ),
        _ => (0, String::new()),
    });
    let add_now = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            match s.apply(&Fault::new("add-partition")) {
                Err(e) => (0, format!("No partition can be added here: {e}.")),
                Ok(()) => {
                    let m = s.last_move().cloned();
                    let (moved, total) = m.as_ref().map_or((0, 0), |m| (m.moved, m.rows_total));
                    let f = if total == 0 { 0.0 } else { moved as f64 / total as f64 };
                    let pick = if moved == 0 { 0 } else if f < 0.5 { 1 } else { 2 };
                    (pick, format!(
                        "The simulation adds a partition to a copy of this very state: {} of {} rows move. {}",
                        count(moved), count(total),
                        m.map(|m| match m.growth {
                            Growth::Range { .. } => "A new range holds dates nobody has inserted yet (unless DEFAULT kept some), so nothing moves.",
                            Growth::Split { .. } => "Only the split partition's rows are re-routed: those whose hash falls in its new half move there (about half, unless a hot user sits in one half).",
                            Growth::Rebuild { .. } => "Changing the modulus changes hash mod N for most rows, so most move.",
                        }).unwrap_or("")
                    ))
                }
            }
        })
        .unwrap_or((0, String::new()))
    });
    let user_lookup = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let s = t.current();
            let q = Query {
                user: Some(37),
                ..Query::default()
            };
            let p = plan(s.layout(), &q);
            let n = s.layout().parts().len();
            let pick = if p.touched.len() == 1 { 0 } else { 1 };
            (
                pick,
                format!(
                    "Here {} of {n} partitions are read: {}.",
                    p.touched.len(),
                    p.reason
                ),
            )
        })
        .unwrap_or((0, String::new()))
    });
    vec![
        Question {
            id: "predict-next",
            prompt: "Predict: will the next order be stored, or will its INSERT fail?".into(),
            choices: vec!["Stored in a partition".into(), "Refused: no partition accepts it".into()],
            answer: next,
        },
        Question {
            id: "add-now",
            prompt: "Predict: if a partition were added right now (with these settings), how many stored rows would move?".into(),
            choices: vec!["None".into(), "Some, less than half of the table".into(), "Most of the table".into()],
            answer: add_now,
        },
        Question {
            id: "user-lookup",
            prompt: "How many partitions does “orders of user 37” read on this table?".into(),
            choices: vec!["Exactly one".into(), "Every partition (or every one its dates could be in)".into()],
            answer: user_lookup,
        },
        Question {
            id: "bounds",
            prompt: "A quarter's partition is FOR VALUES FROM ('2024-01-01') TO ('2024-03-31'). Where does an order of 2024-03-31 go?".into(),
            choices: vec!["Into Q1: TO includes its date".into(), "Nowhere: TO is excluded, so the INSERT fails (or it lands in DEFAULT)".into(), "Into Q2".into()],
            answer: Callback::new(|()| (1, "Range bounds are half-open: FROM is included, TO excluded. Write TO ('2024-04-01') — the next quarter's first day — so consecutive quarters meet exactly; switch on the pitfall to watch 03-31 fail.".into())),
        },
    ]
}

#[component]
pub fn PartitioningPage() -> impl IntoView {
    let sim = Sim::<Partitioning>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let inspect = RwSignal::new(None::<Inspect>);
    // The query: a ready-made one or the learner's own.
    let days = Memo::new(move |_| sim.params_with(|p| p.days));
    let q_user = RwSignal::new("37".to_string());
    let q_from = RwSignal::new(String::new());
    let q_to = RwSignal::new(String::new());
    let parsed = Memo::new(move |_| query::parse(&q_user.get(), &q_from.get(), &q_to.get()));
    let field_error = move |field: &'static str| {
        move || {
            parsed.with(|p| {
                p.as_ref()
                    .err()
                    .filter(|e| e.0 == field)
                    .map(|e| e.1.clone())
            })
        }
    };
    let set_canned = move |i: usize| {
        if let Some((_, q)) = canned(days.get_untracked()).get(i) {
            q_user.set(q.user.map_or(String::new(), |u| u.to_string()));
            q_from.set(q.from.map_or(String::new(), day_text));
            q_to.set(q.to.map_or(String::new(), day_text));
        }
    };
    let answer = Memo::new(move |_| {
        let q = parsed.get().ok()?;
        view.track();
        sim.with(|t| Some((q, query::run(t.current(), &q, true))))
    });
    let touched =
        Memo::new(move |_| answer.with(|a| a.as_ref().map(|(_, r)| r.plan.touched.clone())));
    // The oracle's full scan and census re-derive every row from the feed: they run once
    // the page has been still (paused, same step and query) for 300 ms.
    let key = Memo::new(move |_| {
        (
            view.with(|v| {
                (
                    v.step,
                    v.stored,
                    v.rejected,
                    v.parts.len(),
                    v.last_move.as_ref().map(|m| m.moved),
                )
            }),
            parsed.get().ok(),
        )
    });
    let settled = crate::sim::settled(key, ui.playing);
    // The census and the scan, a slice of rows per task (`sim::sliced`).
    let oracle = crate::sim::sliced(
        settled,
        move |_| sim.with_untracked(|t| t.current().inserted()).unwrap_or(0),
        move |k| {
            let census = sim
                .with_untracked(|t| t.current().census_rows(0..0))
                .unwrap_or_default();
            (census, k.1.map(|_| (0u64, 0u64)))
        },
        move |k, sum, rows| {
            sim.with_untracked(|t| {
                let s = t.current();
                if let (Some(q), Some(total)) = (k.1, sum.1.as_mut()) {
                    let part = pipelab_core::oracle::partitioning::scan_all_rows(
                        s.feed(),
                        rows.clone(),
                        &s.history_bounds(),
                        &[&|o| q.matches(o)],
                    )[0];
                    total.0 += part.0;
                    total.1 += part.1;
                }
                sum.0.add(&s.census_rows(rows));
            });
        },
    );
    let rows_truth = Signal::derive(move || match oracle.get() {
        Some((k, (census, _))) if k == key.get() => {
            let (counts, refused) = sim.with(|t| {
                let s = t.current();
                (s.stored_counts(), s.rejected().len() as u64)
            });
            if census.per_part == counts && census.rejected == refused && census.overlapping == 0 {
                Truth::Correct
            } else {
                let stored: u64 = counts.iter().sum();
                let truth: u64 = census.per_part.iter().sum();
                Truth::Wrong(stored as i64 - truth as i64)
            }
        }
        _ => Truth::Pending,
    });
    let query_truth = Signal::derive(move || match (answer.get(), oracle.get()) {
        (Some((_, r)), Some((k, (_, Some(scan))))) if k == key.get() => {
            if (r.rows, r.cents) == scan {
                Truth::Correct
            } else {
                Truth::Wrong(r.rows as i64 - scan.0 as i64)
            }
        }
        _ => Truth::Pending,
    });
    let moved_badge = Signal::derive(move || view.with(|v| moved_truth(v.last_move.as_deref())));
    let code = Memo::new(move |_| {
        let q = parsed.get().unwrap_or_default();
        sim.with(|t| code_view(t.current(), &q))
    });
    let result_text = move || match answer.get() {
        None => "Fix the query to run it.".to_string(),
        Some((
            _,
            Answer {
                plan,
                rows_read,
                index_descents,
                rows,
                cents,
            },
        )) => {
            let total = view.with(|v| v.stored);
            let how = if index_descents > 0 {
                format!(
                    ", through the index: {} descent{}",
                    count(index_descents),
                    if index_descents == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            format!(
                "{} of {} partitions read ({} of {} rows{how}) → {} orders, {}. The planner: {}.",
                plan.touched.len(),
                view.with(|v| v.parts.len()),
                count(rows_read),
                count(total),
                count(rows),
                money(cents as i64),
                plan.reason
            )
        }
    };
    let sql = move || parsed.get().map(|q| q.sql()).unwrap_or_default();
    let summary = move || {
        view.with(|v| format!(
            "{} of {} orders inserted: {} stored in {} partitions, {} refused; the biggest partition holds {:.2}× the mean.",
            count(v.step), count(v.total), count(v.stored), v.parts.len(), count(v.rejected), v.max_over_mean
        ))
    };
    let chart = Signal::derive(move || {
        view.with(|v| {
            let mean = v.stored as f64 / v.parts.len().max(1) as f64;
            BarData {
                title: "Rows per partition".into(),
                y_label: "rows".into(),
                labels: v.parts.iter().map(|p| short(&p.name)).collect(),
                values: v.parts.iter().map(|p| p.rows as f64).collect(),
                reference: Some((format!("mean {mean:.1}"), mean)),
                emphasis: v.parts.iter().position(|p| p.target),
                second: None,
                lines: false,
            }
        })
    });
    let part_table = Signal::derive(move || {
        view.with(|v| {
            v.parts
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.bound.clone(),
                        count(p.rows),
                        percent(if v.stored == 0 {
                            0.0
                        } else {
                            p.rows as f64 / v.stored as f64
                        }),
                        [
                            (p.hot, "hot"),
                            (p.new, "new"),
                            (p.target, "just received an order"),
                        ]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, t)| *t)
                        .collect::<Vec<_>>()
                        .join(", "),
                    ]
                })
                .collect::<Vec<_>>()
        })
    });
    let part_highlight = Signal::derive(move || {
        view.with(|v| {
            v.parts
                .iter()
                .position(|p| p.target)
                .into_iter()
                .collect::<Vec<_>>()
        })
    });
    let last_move = Memo::new(move |_| view.with(|v| v.last_move.clone()));
    let moved_rows = Memo::new(move |_| {
        last_move.with(|m| {
            let names =
                view.with_untracked(|v| v.parts.iter().map(|p| p.name.clone()).collect::<Vec<_>>());
            m.as_ref()
                .map(|m| {
                    m.sample
                        .iter()
                        .map(|(o, from, to)| {
                            vec![
                                o.order_id().to_string(),
                                o.user.to_string(),
                                day_text(o.day),
                                m.before.get(*from).map_or("?".into(), |p| p.name.clone()),
                                names.get(*to).cloned().unwrap_or_default(),
                            ]
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    // The inspected partition's rows (or the refused inserts), paged.
    let inspected_total = Signal::derive(move || {
        view.with(|v| match inspect.get() {
            Some(Inspect::Part(i)) => v.parts.get(i).map_or(0, |p| p.rows as usize),
            Some(Inspect::Refused) => v.rejected as usize,
            None => 0,
        })
    });
    let inspected_rows: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        let which = inspect.get();
        sim.with(|t| match which {
            Some(Inspect::Part(i)) => part_rows(t.current(), i, start, n),
            Some(Inspect::Refused) => rejected_rows(t.current(), start, n),
            None => Vec::new(),
        })
    });
    let inspect_body = move || {
        match inspect.get() {
        None => "Click a partition's column (or the refused bin) to inspect it; its rows are listed below.".to_string(),
        Some(Inspect::Part(i)) => {
            view.track();
            sim.with(|t| part_detail(t.current(), i))
        }
        Some(Inspect::Refused) => view.with(|v| format!(
            "{} inserts found no partition and failed (the application got an error; the rows are not in the table).",
            count(v.rejected)
        )),
    }
    };
    let splittable = move || match inspect.get() {
        Some(Inspect::Part(i))
            if sim.params_with(|p| p.scheme == Scheme::Hash && p.grow == Grow::Split) =>
        {
            Some(i)
        }
        _ => None,
    };
    let move_summary = move || {
        view.with(|v| match &v.last_move {
            None => "No partition has been added yet: press “Add a partition” or pick a preset."
                .to_string(),
            Some(m) => move_text(m, v),
        })
    };
    view! {
        <SimPage ui=ui title="Partitioning: hash by user vs range by date">
            <p class="lede">"One orders table inside one database, split into partitions by a key: the hash of user_id, or ranges of order_date. Step to insert orders one by one and watch where each goes — or why it fails. Query it and see which partitions the planner skips; add a partition and see which rows move."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Partitions and the order just inserted"</h2>
                        <div class="diagram" data-testid="diagram">
                            <svg viewBox="0 0 400 192" role="group" class="part-svg" aria-label=summary
                                on:click=move |ev| if let Some(k) = crate::browser::inspect_target(&ev) { pick(&k, inspect) }
                                on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " {
                                    if let Some(k) = crate::browser::inspect_target(&ev) { ev.prevent_default(); pick(&k, inspect) }
                                }>
                                {move || touched.with(|t| view.with(|v| picture(v, t.as_deref())))}
                            </svg>
                            <p class="hint">{summary}</p>
                            <p class="legend hint">"Column height = rows; orange outline = hot (≥ 1.5× the mean); ringed = received the last order; dashed = just added; faded = skipped by the query below."</p>
                        </div>
                        <div class="inspect" data-testid="inspect" aria-live="polite">
                            <strong>"Inspect: "</strong>{inspect_body}" "
                            <button data-testid="inspect-split" hidden=move || splittable().is_none()
                                on:click=move |_| if let Some(i) = splittable() { sim.inject_fault(Fault::with_arg("add-partition", i as u32)) }>
                                "Split this partition"
                            </button>
                        </div>
                        <DataTable id="inspected" caption="Rows of what you inspected" columns=&["order_id", "user_id", "order_date", "amount / error"] total=inspected_total fetch=inspected_rows page_size=8 />
                    </section>
                    <section class="panel metrics" aria-label="Rows and ground truth">
                        <h2>"Where the rows are, against the oracle"</h2>
                        <dl class="stats">
                            <div><dt>"Stored"</dt><dd data-testid="stored">{move || view.with(|v| count(v.stored))}</dd></div>
                            <div><dt>"Refused inserts"</dt><dd data-testid="refused">{move || view.with(|v| count(v.rejected))}</dd></div>
                            <div><dt>"Biggest / mean"</dt><dd data-testid="imbalance">{move || view.with(|v| format!("{:.2}", v.max_over_mean))}</dd></div>
                            <div><dt>"Every row in one partition or refused"</dt><dd><TruthBadge metric="rows" scope=TruthScope::SoFar truth=rows_truth /></dd></div>
                        </dl>
                        <p class="hint" data-testid="moved-summary">{move_summary}</p>
                        <p>"Rows moved vs the oracle's count: " <TruthBadge metric="moved" scope=TruthScope::SoFar truth=moved_badge /></p>
                        <p class="hint">"The oracle re-derives every row from the input and tests it against every bound; it runs once the page is paused and still."</p>
                    </section>
                    <section class="panel" aria-label="Query">
                        <h2>"Query the table: what does pruning skip?"</h2>
                        <div class="form-row">
                            <label>"Ready-made " <select data-testid="q-preset" on:change=move |ev| { if let Ok(i) = event_target_value(&ev).parse::<usize>() { set_canned(i) } }>
                                <option value="">"pick one…"</option>
                                {move || canned(days.get()).into_iter().enumerate().map(|(i, (label, _))| view! { <option value=i.to_string()>{label}</option> }).collect_view()}
                            </select></label>
                        </div>
                        <div class="form-row">
                            <label>"user_id = " <input data-testid="q-user" size="6" placeholder="any" aria-invalid=move || field_error("user")().is_some().to_string()
                                prop:value=move || q_user.get() on:change=move |ev| q_user.set(event_target_value(&ev)) /></label>
                            <label>" dates from " <input data-testid="q-from" size="10" placeholder="2024-01-15" aria-invalid=move || field_error("from")().is_some().to_string()
                                prop:value=move || q_from.get() on:change=move |ev| q_from.set(event_target_value(&ev)) /></label>
                            <label>" to " <input data-testid="q-to" size="10" placeholder="2024-01-31" aria-invalid=move || field_error("to")().is_some().to_string()
                                prop:value=move || q_to.get() on:change=move |ev| q_to.set(event_target_value(&ev)) /></label>
                        </div>
                        {move || field_error("user")().map(|e| view! { <p class="error" data-testid="q-user-error" role="alert">{e}</p> })}
                        {move || field_error("from")().map(|e| view! { <p class="error" data-testid="q-from-error" role="alert">{e}</p> })}
                        {move || field_error("to")().map(|e| view! { <p class="error" data-testid="q-to-error" role="alert">{e}</p> })}
                        <pre class="code" tabindex="0" role="region" aria-label="The query"><code>{sql}</code></pre>
                        <p data-testid="query-result">{result_text}</p>
                        <p>"Pruned answer vs a full scan: " <TruthBadge metric="query" scope=TruthScope::SoFar truth=query_truth /></p>
                    </section>
                    <section class="panel">
                        <BarChart id="rows-per-partition" data=chart />
                        <DataTable id="partitions" caption="Partitions" columns=&["Table", "Bound", "Rows", "Share", ""] rows=part_table highlight=part_highlight page_size=16 />
                        <DataTable id="moved" caption="Rows moved by the last added partition (first 1,000)" columns=&["order_id", "user_id", "order_date", "From", "To"] rows=moved_rows />
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
                what="Partitioning splits one table into pieces inside one database by a partition key. The table still answers every query; the planner reads only the partitions a query's conditions can match (pruning), and old pieces can be dropped or archived whole."
                when="Large tables queried mostly by the partition key: time-series and orders by date (range — drop a quarter in one statement), or lookups by an id spread evenly (hash). Also to keep indexes and vacuum per piece small."
                when_not="Small tables (one index does it); queries that rarely filter on the key (every one reads every partition, plus planning overhead); keys that change often (an UPDATE moves the row between partitions); and when one machine is the limit — that is sharding."
                glossary=GLOSSARY />
        </SimPage>
    }
}
