//! /compare/etl-vs-elt: ETL (side A) and ELT (side B) on the same nightly extracts — each
//! side's path into the warehouse, and their published tables diffed key by key against
//! the oracle; the shell is [`crate::compare::ComparePage`].

use leptos::prelude::*;
use pipelab_core::format::{count, money};
use pipelab_core::patterns::etl_elt::code::code_view;
use pipelab_core::patterns::etl_elt::compare::{trade_off, EtlDiff, EtlVsElt};
use pipelab_core::patterns::etl_elt::scenario::Last;
use pipelab_core::patterns::etl_elt::transform::Rule;
use pipelab_core::patterns::etl_elt::view::{time_text, EtlView, Judged};
use pipelab_core::sim::{Compare, CompareView, Fault, Scenario, Side};

use crate::compare::ComparePage;
use crate::sim::Sim;
use crate::widgets::badge::{Truth, TruthBadge, TruthScope};
use crate::widgets::code::CodePanel;
use crate::widgets::explainer::Explainer;
use crate::widgets::questions::{Question, Questions};
use crate::widgets::table::DataTable;

type View = CompareView<EtlVsElt>;

const GLOSSARY: &[(&str, &str)] = &[
    ("ETL", "Extract, transform, load: the data is cleaned and aggregated before it reaches the warehouse, which only ever holds the result."),
    ("ELT", "Extract, load, transform: raw rows land in a staging table and the transform runs inside the warehouse, where the raw rows stay."),
    ("staging table", "The landing table for raw rows, here one Arrow record batch per INSERT, each row tagged with its night."),
    ("re-derive", "Run a changed transform over raw rows already kept, instead of extracting them again."),
];

fn truth(j: Judged) -> Truth {
    match j {
        Judged::Pending => Truth::Pending,
        Judged::Correct => Truth::Correct,
        Judged::Wrong { keys, .. } => Truth::Wrong(keys as i64),
    }
}

fn judged_class(j: Judged) -> &'static str {
    match j {
        Judged::Pending => "pending",
        Judged::Correct => "ok",
        Judged::Wrong { .. } => "wrong",
    }
}

fn table_text(t: Option<(u32, Rule)>) -> String {
    t.map_or("not published yet".into(), |(run, rule)| {
        format!("night {} · rule v{}", run + 1, rule.version())
    })
}

/// What the learner clicked: a box, by its id.
type Picked = RwSignal<Option<&'static str>>;

/// One box of a side's path: a title and a line under it, click or Enter/Space to inspect.
/// The accessible name starts with the two visible lines (WCAG 2.5.3, label in name).
fn path_box(
    id: &'static str,
    class: String,
    x: f64,
    title: &'static str,
    sub: String,
    picked: Picked,
) -> AnyView {
    let label = format!("{title}, {sub} — inspect");
    view! {
        <g class=class data-inspect=id role="button" tabindex="0" aria-label=label
            on:click=move |_| picked.set(Some(id))
            on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); picked.set(Some(id)) }>
            <rect x=format!("{x:.0}") y="4" width="150" height="34" rx="4" />
            <text x=format!("{:.0}", x + 5.0) y="17" class="layer-title">{title}</text>
            {" "} // keeps the two lines apart as words in the text content
            <text x=format!("{:.0}", x + 5.0) y="30" class="layer-sub">{sub}</text>
        </g>
    }
    .into_any()
}

/// One side: its path as two or three boxes, its numbers, and its badge.
fn side_view(side: Side, v: &EtlView, d: &EtlDiff, picked: Picked) -> AnyView {
    let prefix = side.prefix();
    let moved = matches!(v.last, Last::Row { .. });
    let loaded = matches!(v.last, Last::Row { load: Some(_), .. });
    let (boxes, stats, j): (AnyView, Vec<(&str, &str, String)>, Judged) = match side {
        Side::A => (
            view! {
                {path_box("a-etl", format!("box etl{}", if moved { " just-moved" } else { "" }), 4.0, "ETL server (in memory)",
                    format!("rule v{} · {} counted", v.etl_rule.version(), count(v.etl_running.counted)), picked)}
                <path d="M154 21 L172 21" class="arrow" />
                {path_box("a-table", format!("box table {}", judged_class(d.etl_judged)), 174.0, "revenue_etl", table_text(d.etl), picked)}
            }
            .into_any(),
            vec![
                ("Rows in the warehouse", "rows-kept", count(d.etl_rows_kept)),
                ("First data (last night)", "first-data", d.timing.map_or("—".into(), |t| time_text(t.etl_ms))),
                ("Rule of its table", "table-rule", d.etl.map_or("—".into(), |(_, r)| format!("v{}", r.version()))),
            ],
            d.etl_judged,
        ),
        Side::B => (
            view! {
                {path_box("b-staging", format!("box staging{}", if loaded { " just-moved" } else { "" }), 4.0, "stg_raw_orders",
                    format!("{} raw rows · {} INSERTs", count(v.staging_rows), count(v.loads)), picked)}
                <path d="M154 21 L172 21" class="arrow" />
                {path_box("b-table", format!("box table {}", judged_class(d.elt_judged)), 174.0, "revenue_elt", table_text(d.elt), picked)}
            }
            .into_any(),
            vec![
                ("Rows in the warehouse", "rows-kept", count(d.elt_rows_kept)),
                ("First data (last night)", "first-data", d.timing.map_or("—".into(), |t| format!("{} raw, {} answer", time_text(t.elt_raw_ms), time_text(t.elt_ms)))),
                ("Rule of its table", "table-rule", d.elt.map_or("—".into(), |(_, r)| format!("v{}", r.version()))),
            ],
            d.elt_judged,
        ),
    };
    view! {
        <svg class="stream-svg es-svg etl-svg" viewBox="0 0 330 42" role="group" aria-label=format!("{} path", if side == Side::A { "ETL" } else { "ELT" })>{boxes}</svg>
        <dl class="stats">
            {stats.into_iter().map(|(label, hook, value)| view! {
                <div><dt>{label}</dt><dd data-testid=format!("{prefix}-{hook}")>{value}</dd></div>
            }).collect_view()}
        </dl>
        <p>"Oracle: " <TruthBadge metric="answer" side=prefix scope=TruthScope::Final truth=Signal::stored(truth(j)) /></p>
    }
    .into_any()
}

fn inspect_text(v: &View, which: Option<&str>) -> String {
    let d = &v.diff;
    match which {
        None => "Click a box on either side to inspect it.".into(),
        Some("a-etl") => format!(
            "A's ETL server cleans and aggregates each row in memory with rule v{}; this night so far: {} counted, {} dropped (null or bad), {} duplicates skipped. Nothing reaches the warehouse until the extract ends.",
            v.a.etl_rule.version(), count(v.a.etl_running.counted), count(v.a.etl_running.null + v.a.etl_running.bad), count(v.a.etl_running.duplicates)
        ),
        Some("b-staging") => format!(
            "B's staging table holds {} raw rows from {} INSERTs (Arrow record batches), each tagged with its night; {} rows wait in the loader's buffer.",
            count(v.b.staging_rows), count(v.b.loads), count(v.b.buffered as u64)
        ),
        Some(t) => {
            let (name, p, j) = if t == "a-table" { ("revenue_etl", d.etl, d.etl_judged) } else { ("revenue_elt", d.elt, d.elt_judged) };
            format!("{name}: {}; against the oracle under the rule in force it is {}.", table_text(p), judged_words(j))
        }
    }
}

fn cell(v: Option<(i64, u64)>) -> String {
    v.map_or("—".into(), |(c, o)| {
        format!("{} / {}", money(c), count(o))
    })
}

fn diff_view(d: &EtlDiff) -> AnyView {
    view! {
        <dl class="stats">
            <div><dt>"Keys that differ"</dt><dd data-testid="diff-keys">{count(d.disagree)}</dd></div>
            <div><dt>"Rule in force"</dt><dd data-testid="diff-rule">{d.rule.label()}</dd></div>
            <div><dt>"Rows kept: ETL / ELT"</dt><dd data-testid="diff-rows-kept">{format!("{} / {}", count(d.etl_rows_kept), count(d.elt_rows_kept))}</dd></div>
        </dl>
        <p class="hint">{trade_off(d)}</p>
    }
    .into_any()
}

fn diff_rows(d: &EtlDiff) -> Vec<Vec<String>> {
    d.rows
        .iter()
        .map(|r| {
            vec![
                r.key.clone(),
                cell(r.etl),
                cell(r.elt),
                cell(r.truth),
                if r.etl == r.elt {
                    "same".into()
                } else {
                    "differ".into()
                },
            ]
        })
        .collect()
}

fn questions(sim: Sim<Compare<EtlVsElt>>) -> Vec<Question> {
    let after_change = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut c = t.current().clone();
            if let Err(e) = c.apply(&Fault::new("rule-change")) {
                return (2, format!("The rule cannot change here ({e})."));
            }
            let d = c.view().diff;
            let pick = match (d.etl_judged, d.elt_judged) {
                (Judged::Wrong { .. }, Judged::Correct) => 1,
                (Judged::Correct, Judged::Wrong { .. }) => 0,
                _ => 2,
            };
            (pick, format!("Changing the rule on a copy of this very state: ETL's table is {}, ELT's is {}; {} key(s) differ.",
                judged_words(d.etl_judged), judged_words(d.elt_judged), count(d.disagree)))
        })
        .unwrap_or((2, String::new()))
    });
    vec![
        Question {
            id: "rule-now",
            prompt: "Predict: if the revenue rule changed right now, which side's table would be right under the new rule?".into(),
            choices: vec!["Only A (ETL)".into(), "Only B (ELT)".into(), "Both, or neither".into()],
            answer: after_change,
        },
        Question {
            id: "same-input",
            prompt: "On the same clean extract with the same rule, how do the two published tables compare?".into(),
            choices: vec!["They are equal".into(), "ELT's has more keys".into(), "ETL's is missing the duplicates".into()],
            answer: Callback::new(|()| (0, "The same business logic runs in both places — one row per order, nulls and bad amounts dropped — so the aggregates are equal; the property tests check it night by night.".into())),
        },
    ]
}

fn judged_words(j: Judged) -> &'static str {
    match j {
        Judged::Pending => "not published",
        Judged::Correct => "right",
        Judged::Wrong { .. } => "wrong",
    }
}

#[component]
pub fn CompareEtlVsEltPage() -> impl IntoView {
    let sim = Sim::<Compare<EtlVsElt>>::from_url();
    let view: Memo<View> = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(&t.current().b)));
    let rows = Signal::derive(move || view.with(|v| diff_rows(&v.diff)));
    let picked: Picked = RwSignal::new(None);
    let inspect = move || view.with(|v| inspect_text(v, picked.get()));
    let differ = Signal::derive(move || {
        view.with(|v| {
            v.diff
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.etl != r.elt)
                .map(|(i, _)| i)
                .collect()
        })
    });
    view! {
        <ComparePage sim=sim title="Compare: ETL vs ELT"
            lede="The same source, the same nightly extracts, two ways into the warehouse. Step both at once; at the end of a night both publish — then change the rule and see which one can answer again without extracting."
            label_a=Signal::stored("ETL: transform, then load the result".to_string())
            label_b=Signal::stored("ELT: load raw rows, transform in the warehouse".to_string())
            side_a=ViewFn::from(move || view.with(|v| side_view(Side::A, &v.a, &v.diff, picked)))
            side_b=ViewFn::from(move || view.with(|v| side_view(Side::B, &v.b, &v.diff, picked)))
            diff=ViewFn::from(move || view.with(|v| diff_view(&v.diff)))
            pitfall_instead="The note stages with if_exists='append': it is a toggle on /etl-elt. Here ELT keeps each night under its run id, so the difference you see is the design, not the bug.">
            <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect}</div>
            <section class="panel">
                <DataTable id="diff-rows" caption="The two published tables key by key (keys that differ first), with the oracle's value for ELT's night" columns=&["Key", "A: ETL", "B: ELT", "Oracle", ""] rows=rows highlight=differ page_size=12 />
            </section>
            <CodePanel code=code />
            <Questions questions=questions(sim) />
            <Explainer
                what="Two pipelines over the same extracts. ETL cleans and aggregates on its own server and loads only the result; ELT loads the raw rows into staging and runs the same logic as SQL in the warehouse."
                when="ELT when the warehouse can do the work and keeping the raw rows is worth their storage (rules change, audits, backfills); ETL when raw data must not land, or the job is small enough that a warehouse query's start-up dominates."
                when_not="ETL when the rules change often — every change needs a new extract, and the source has moved on; ELT when raw data may not be stored."
                glossary=GLOSSARY />
        </ComparePage>
    }
}
