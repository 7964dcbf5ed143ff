//! /compare/hash-vs-range: the same orders in a hash-partitioned table (A) and a
//! range-partitioned one (B); the same five queries on both, rows read and returned diffed.
//! The shell is [`crate::compare::ComparePage`].

use leptos::prelude::*;
use pipelab_core::format::count;
use pipelab_core::patterns::partitioning::compare::{
    code_view, oracle_rows_in, trade_off, HashVsRange, PartDiff,
};
use pipelab_core::patterns::partitioning::query::Query;
use pipelab_core::patterns::partitioning::view::part_detail;
use pipelab_core::patterns::partitioning::PartView;
use pipelab_core::sim::{Compare, CompareView, Fault, Scenario, Side};

use crate::compare::ComparePage;
use crate::sim::Sim;
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::chart::{BarChart, BarData};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};
use crate::widgets::table::DataTable;

type View = CompareView<HashVsRange>;

const GLOSSARY: &[(&str, &str)] = &[
    ("hash partitioning", "hash(user_id) mod MODULUS picks the partition: a user's rows together, dates spread everywhere."),
    ("range partitioning", "order_date ranges pick the partition: a quarter's rows together, a user's spread over every quarter."),
    ("partition pruning", "Skipping partitions whose bound cannot match the query's conditions."),
];

/// A partition clicked on either side.
type Picked = RwSignal<Option<(Side, usize)>>;

fn side_view(side: Side, v: &PartView, picked: Picked, answers: Truth) -> impl IntoView {
    let prefix = side.prefix();
    let max = v
        .parts
        .iter()
        .map(|p| p.rows)
        .max()
        .unwrap_or(0)
        .max(v.rejected)
        .max(1);
    let row_h = 20.0;
    let n = v.parts.len() + 1;
    let height = (n as f64 * row_h + 4.0).to_string();
    let bar = |i: usize, y: f64, name: String, rows: u64, class: String| {
        let width = 170.0 * rows as f64 / max as f64;
        let key = if i == usize::MAX {
            format!("{prefix}-refused")
        } else {
            format!("{prefix}-part-{i}")
        };
        // The name starts with the bar's visible words, its name and count (WCAG 2.5.3,
        // label in name); only a partition's bar opens the inspect panel.
        let rows_text = count(rows);
        let aria = if i == usize::MAX {
            format!("{name}, {rows_text} inserts")
        } else {
            format!("{name}, {rows_text} rows — inspect")
        };
        view! {
            <g class=class data-inspect=key role="button" tabindex="0" aria-label=aria
                on:click=move |_| if i != usize::MAX { picked.set(Some((side, i))) }
                on:keydown=move |ev| if crate::browser::is_activation(&ev) && i != usize::MAX { ev.prevent_default(); picked.set(Some((side, i))) }>
                <text x="0" y=format!("{:.0}", y + 13.0) class="bar-label">{name}</text>
                {" "} // keeps the name and the count apart as words in the text content
                <rect x="110" y=format!("{y:.0}") width="170" height="14" rx="3" class="bar-bg" />
                <rect x="110" y=format!("{y:.0}") width=format!("{width:.1}") height="14" rx="3" class="bar-fill" />
                <text x="330" y=format!("{:.0}", y + 13.0) text-anchor="end" class="bar-value">{rows_text}</text>
            </g>
        }
    };
    let mut bars: Vec<AnyView> = v
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut class = "shard-bar part-bar".to_string();
            if p.target {
                class.push_str(" target");
            }
            if p.hot {
                class.push_str(" hot");
            }
            bar(
                i,
                i as f64 * row_h + 2.0,
                p.name.trim_start_matches("orders_").to_string(),
                p.rows,
                class,
            )
            .into_any()
        })
        .collect();
    bars.push(
        bar(
            usize::MAX,
            v.parts.len() as f64 * row_h + 2.0,
            "refused".into(),
            v.rejected,
            "shard-bar part-bar refused".into(),
        )
        .into_any(),
    );
    view! {
        <svg class="shard-bars" viewBox=format!("0 0 330 {height}") role="group" aria-label="Rows per partition">{bars}</svg>
        <dl class="stats">
            <div><dt>"Biggest / mean"</dt><dd data-testid=format!("{prefix}-imbalance")>{format!("{:.2}", v.max_over_mean)}</dd></div>
            <div><dt>"Refused inserts"</dt><dd data-testid=format!("{prefix}-refused")>{count(v.rejected)}</dd></div>
            <div><dt>"Last added partition moved"</dt><dd data-testid=format!("{prefix}-moved")>{v.last_move.as_ref().map_or("—".to_string(), |m| format!("{} of {} rows", count(m.moved), count(m.rows_total)))}</dd></div>
        </dl>
        <p>"Answers vs the oracle's full scan: " <TruthBadge metric="answers" side=prefix scope=TruthScope::SoFar truth=Signal::stored(answers) /></p>
    }
}

fn diff_view(d: &PartDiff) -> impl IntoView {
    let rows = d
        .queries
        .iter()
        .map(|q| {
            let same = q.a_rows == q.b_rows;
            view! {
                <tr class=if same { "" } else { "differs" }>
                    <td>{q.label}</td>
                    <td>{format!("{} ({})", count(q.a_read), q.a_parts)}</td>
                    <td>{format!("{} ({})", count(q.b_read), q.b_parts)}</td>
                    <td>{count(q.a_rows)}</td>
                    <td>{count(q.b_rows)}</td>
                    <td>{if same { "same" } else { "differ" }}</td>
                </tr>
            }
        })
        .collect_view();
    let differ = d.queries.iter().filter(|q| q.a_rows != q.b_rows).count();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Side by side">
            <table class="mini">
                <caption>"The same queries on both tables: rows read (partitions) and rows returned"</caption>
                <thead><tr><th>"Query"</th><th>"A reads"</th><th>"B reads"</th><th>"A returns"</th><th>"B returns"</th><th>""</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <dl class="stats">
            <div><dt>"Answers that differ"</dt><dd data-testid="diff-answers">{differ.to_string()}</dd></div>
            <div><dt>"Refused: A / B"</dt><dd data-testid="diff-refused">{format!("{} / {}", count(d.a_rejected), count(d.b_rejected))}</dd></div>
            <div><dt>"Biggest / mean: A / B"</dt><dd>{format!("{:.2} / {:.2}", d.a_max_over_mean, d.b_max_over_mean)}</dd></div>
        </dl>
    }
}

fn questions(sim: Sim<Compare<HashVsRange>>) -> Vec<Question> {
    let grow = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut c = t.current().clone();
            if let Err(e) = c.apply(&Fault::new("add-partition")) {
                return (2, format!("No partition can be added here ({e})."));
            }
            let d = c.view().diff;
            let (a, b) = (d.a_moved.unwrap_or(0), d.b_moved.unwrap_or(0));
            let pick = match a.cmp(&b) {
                std::cmp::Ordering::Greater => 0,
                std::cmp::Ordering::Less => 1,
                std::cmp::Ordering::Equal => 2,
            };
            (pick, format!("Adding a partition to a copy of this very state moves {} rows on the hash side and {} on the range side.", count(a), count(b)))
        })
        .unwrap_or((2, String::new()))
    });
    vec![
        Question {
            id: "which-moves-more",
            prompt: "Predict: if both tables gained a partition now, which would move more rows?".into(),
            choices: vec!["A, hash".into(), "B, range".into(), "Neither: the same".into()],
            answer: grow,
        },
        Question {
            id: "dashboard",
            prompt: "A dashboard shows last week's revenue, refreshed every minute. Which table reads less?".into(),
            choices: vec!["A: hash by user".into(), "B: range by date".into(), "The same".into()],
            answer: Callback::new(|()| (1, "Its only condition is on order_date: the range table reads the one partition holding last week, the hash table reads every partition (look at the date-range row of the diff).".into())),
        },
    ]
}

#[component]
pub fn CompareHashRangePage() -> impl IntoView {
    let sim = Sim::<Compare<HashVsRange>>::from_url();
    let view: Memo<View> = Memo::new(move |_| sim.with(|t| t.current().view()));
    let picked: Picked = RwSignal::new(None);
    let ui = sim.ui();
    // The oracle scans every row of each side: once the page is still.
    let key = Memo::new(move |_| {
        view.with(|v| {
            (
                v.a.step,
                v.a.stored,
                v.b.stored,
                v.a.parts.len(),
                v.b.parts.len(),
            )
        })
    });
    let settled = crate::sim::settled(key, ui.playing);
    // A slice of rows per task on both sides (`sim::sliced`).
    let oracle = crate::sim::sliced(
        settled,
        move |_| {
            sim.with_untracked(|t| t.current().a.inserted().max(t.current().b.inserted()))
                .unwrap_or(0)
        },
        move |_| {
            sim.with_untracked(|t| {
                let c = t.current();
                (oracle_rows_in(&c.a, 0..0), oracle_rows_in(&c.b, 0..0))
            })
            .unwrap_or_default()
        },
        move |_, sum: &mut (Vec<u64>, Vec<u64>), rows| {
            sim.with_untracked(|t| {
                let c = t.current();
                for (x, y) in sum.0.iter_mut().zip(oracle_rows_in(&c.a, rows.clone())) {
                    *x += y;
                }
                for (x, y) in sum.1.iter_mut().zip(oracle_rows_in(&c.b, rows)) {
                    *x += y;
                }
            });
        },
    );
    let answers = move |side: Side| match oracle.get() {
        Some((k, (a, b))) if k == key.get() => view.with(|v| {
            let (truth, got): (&Vec<u64>, Vec<u64>) = match side {
                Side::A => (&a, v.diff.queries.iter().map(|q| q.a_rows).collect()),
                Side::B => (&b, v.diff.queries.iter().map(|q| q.b_rows).collect()),
            };
            if *truth == got {
                Truth::Correct
            } else {
                Truth::Wrong(got.iter().sum::<u64>() as i64 - truth.iter().sum::<u64>() as i64)
            }
        }),
        _ => Truth::Pending,
    };
    let chart = Signal::derive(move || {
        view.with(|v| BarData {
            title: "Rows read by each query: A (hash) and B (range)".into(),
            y_label: "rows read".into(),
            labels: (1..=v.diff.queries.len())
                .map(|i| format!("Q{i}"))
                .collect(),
            values: v.diff.queries.iter().map(|q| q.a_read as f64).collect(),
            reference: None,
            emphasis: None,
            second: Some((
                "B: range".into(),
                "A: hash".into(),
                v.diff.queries.iter().map(|q| q.b_read as f64).collect(),
            )),
            lines: false,
        })
    });
    let query_rows = Signal::derive(move || {
        view.with(|v| {
            v.diff
                .queries
                .iter()
                .enumerate()
                .map(|(i, q)| vec![format!("Q{}", i + 1), q.sql.clone()])
                .collect::<Vec<_>>()
        })
    });
    let summary = move || view.with(|v| trade_off(&v.diff));
    let code = Memo::new(move |_| {
        sim.with(|t| {
            code_view(
                &t.current().a,
                &t.current().b,
                &Query {
                    user: Some(37),
                    ..Query::default()
                },
            )
        })
    });
    let inspect = move || match picked.get() {
        None => "Click a partition's bar on either side to inspect it.".to_string(),
        Some((side, i)) => {
            view.track();
            sim.with(|t| {
                let s = match side {
                    Side::A => &t.current().a,
                    Side::B => &t.current().b,
                };
                format!(
                    "Side {}: {}",
                    side.prefix().to_uppercase(),
                    part_detail(s, i)
                )
            })
        }
    };
    view! {
        <ComparePage sim=sim title="Compare: hash vs range partitioning"
            lede="The same orders inserted into two tables: A partitioned by hash of user_id, B by quarter of order_date. Step both at once and compare what the same five queries read — and whether they return the same rows."
            label_a=Signal::derive(|| "hash by user_id".to_string())
            label_b=Signal::derive(|| "range by order_date".to_string())
            side_a=ViewFn::from(move || { let t = answers(Side::A); view.with(|v| side_view(Side::A, &v.a, picked, t)).into_any() })
            side_b=ViewFn::from(move || { let t = answers(Side::B); view.with(|v| side_view(Side::B, &v.b, picked, t)).into_any() })
            diff=ViewFn::from(move || view.with(|v| diff_view(&v.diff)).into_any())>
            <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect}</div>
            <section class="panel" aria-label="Trade-off">
                <h2>"The trade-off here"</h2>
                <p data-testid="trade-off">{summary}</p>
            </section>
            <section class="panel">
                <BarChart id="rows-read" data=chart />
                <DataTable id="queries" caption="The five queries" columns=&["", "SQL"] rows=query_rows />
            </section>
            <CodePanel code=code />
            <Questions questions=questions(sim) />
            <Explainer
                what="Two ways to split one table. Hashing the user id spreads users evenly and keeps each user's orders in one partition; ranges of the order date keep each period's orders together. The planner can only prune on the partition key, so each layout makes one family of queries cheap and leaves the other reading everything."
                when="Hash when most queries name the key (a user's orders, a device's readings) and even spread matters; range when most queries (and retention) follow time — dashboards, archiving or dropping a quarter whole."
                when_not="Neither helps a query without the key; a range table needs its future partitions created ahead (or a DEFAULT), and a hash table cannot drop old data by period."
                glossary=GLOSSARY />
        </ComparePage>
    }
}
