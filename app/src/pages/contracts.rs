//! /contracts: a producer, a validator holding the contract, accepted records and a
//! dead-letter table with every violation; the contract edited as a form or as JSON (the
//! run rebuilt at the same step, records whose verdict flipped marked); a new version
//! checked for backward, forward and full compatibility; drift faults and the note's
//! validator.

use leptos::prelude::*;
use pipelab_core::format::count;
use pipelab_core::json;
use pipelab_core::oracle::contracts::{Judge, Tally};
use pipelab_core::patterns::contracts::code::code_view;
use pipelab_core::patterns::contracts::compat::{check, Compat};
use pipelab_core::patterns::contracts::contract::{Contract, FieldType};
use pipelab_core::patterns::contracts::scenario::Last;
use pipelab_core::patterns::contracts::validate::validate;
use pipelab_core::patterns::contracts::view::{dead_rows, kind_counts, record_rows, summary};
use pipelab_core::patterns::contracts::{ContractView, Contracts};
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
    ("data contract", "An agreement between the team producing data and the teams consuming it: the fields, their types and meanings, the rules they obey, and how the agreement may change."),
    ("schema", "The shape of a record: field names and types. A contract adds rules (ranges, allowed values, relations between fields) and ownership."),
    ("dead-letter table", "Where records that break the contract go, with the reasons, instead of being dropped or loaded into the tables others read."),
    ("cross-field rule", "A rule about several fields at once, such as a shipping date not before the order date."),
    ("schema drift", "The producer's records change shape (a new field, a rename, a type change) without the contract changing."),
    ("backward compatible", "Consumers on the new version can read everything produced under the old one: every record valid before is still valid."),
    ("forward compatible", "Consumers still on the old version can read what is produced under the new one: every record valid under the new version is valid under the old."),
    ("full compatibility", "Both: either side can upgrade first."),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inspect {
    Producer,
    Validator,
    Accepted,
    Dead,
}

fn pick(key: &str, inspect: RwSignal<Option<Inspect>>) {
    inspect.set(match key {
        "producer" => Some(Inspect::Producer),
        "validator" => Some(Inspect::Validator),
        "accepted" => Some(Inspect::Accepted),
        "dead" => Some(Inspect::Dead),
        _ => return,
    });
}

fn picture(v: &ContractView, rules: usize) -> impl IntoView {
    let (label, bad) = match &v.last {
        Last::Record { index, violations } => (
            if violations.is_empty() {
                format!("record {} → accepted", index + 1)
            } else {
                format!(
                    "record {} → dead letter: {} violation{}",
                    index + 1,
                    violations.len(),
                    if violations.len() == 1 { "" } else { "s" }
                )
            },
            !violations.is_empty(),
        ),
        Last::Down { index, since, .. } => (
            if index == since {
                format!(
                    "record {} → the validator raised: pipeline stopped",
                    index + 1
                )
            } else {
                format!(
                    "record {} → not validated: pipeline down since record {}",
                    index + 1,
                    since + 1
                )
            },
            true,
        ),
        Last::Drift(d) => (format!("the producer {}", d.text()), true),
        Last::Rollback(d) => (
            format!("rolled back: the producer no longer {}", d.text()),
            false,
        ),
        Last::Start => ("no record yet".into(), false),
    };
    let moved = |dead: bool| matches!(&v.last, Last::Record { violations, .. } if violations.is_empty() != dead);
    let live = v.drifts.iter().filter(|s| s.until.is_none()).count();
    let drift_text = if live == 0 {
        "as agreed".to_string()
    } else {
        format!("{live} drift{}", if live == 1 { "" } else { "s" })
    };
    // Each box's visible lines, built once for its texts and for its accessible name, which
    // reads them in order (WCAG 2.5.3, label in name).
    let contract_text = format!("contract v{}", v.version);
    let rules_text = format!("{rules} cross-field rules");
    let accepted_text = count(v.accepted);
    let dead_text = format!("{} · {} violations", count(v.dead), count(v.violations));
    let producer_label = format!("producer, {drift_text}");
    let validator_label = format!("validator, {contract_text}, {rules_text}");
    let accepted_label = format!("accepted, {accepted_text} records");
    let dead_label = format!("dead letters, {dead_text} ({} records)", count(v.dead));
    view! {
        <g class=if bad { "order-chip refused" } else { "order-chip" }>
            <rect x="4" y="4" width="392" height="18" rx="4" />
            <text x="200" y="16" text-anchor="middle">{label}</text>
        </g>
        <g class=format!("cache-box{}{}", if matches!(v.last, Last::Drift(_) | Last::Rollback(_)) { " just-moved" } else { "" }, if live == 0 { "" } else { " stale" })
            data-inspect="producer" tabindex="0" role="button" aria-label=producer_label>
            <rect x="6" y="50" width="90" height="56" rx="4" class="frame" />
            <text x="51" y="70" text-anchor="middle" class="box-label">"producer"</text>
            {" "} // keeps the lines apart as words in the text content
            <text x="51" y="86" text-anchor="middle" class="box-sub">{drift_text}</text>
        </g>
        <path d="M96 78 L150 78" class="route-arrow" />
        <g class=format!("cache-box{}", if matches!(v.last, Last::Record { .. }) { " just-moved" } else { "" })
            data-inspect="validator" tabindex="0" role="button" aria-label=validator_label>
            <rect x="150" y="50" width="100" height="56" rx="4" class="frame" />
            <text x="200" y="70" text-anchor="middle" class="box-label">"validator"</text>
            {" "}
            <text x="200" y="86" text-anchor="middle" class="box-sub">{contract_text}</text>
            {" "}
            <text x="200" y="98" text-anchor="middle" class="box-sub">{rules_text}</text>
        </g>
        <path d="M250 70 L300 44" class="route-arrow" />
        <path d="M250 88 L300 118" class="route-arrow" />
        <g class=format!("cache-box{}", if moved(false) { " just-moved" } else { "" }) data-inspect="accepted" tabindex="0" role="button"
            aria-label=accepted_label>
            <rect x="300" y="26" width="94" height="40" rx="4" class="frame" />
            <text x="347" y="42" text-anchor="middle" class="box-label">"accepted"</text>
            {" "}
            <text x="347" y="57" text-anchor="middle" class="box-sub">{accepted_text}</text>
        </g>
        <g class=format!("cache-box{}{}", if moved(true) { " just-moved" } else { "" }, if v.dead > 0 { " stale" } else { "" }) data-inspect="dead" tabindex="0" role="button"
            aria-label=dead_label>
            <rect x="300" y="98" width="94" height="40" rx="4" class="frame" />
            <text x="347" y="114" text-anchor="middle" class="box-label">"dead letters"</text>
            {" "}
            <text x="347" y="129" text-anchor="middle" class="box-sub">{dead_text}</text>
        </g>
    }
}

fn questions(sim: Sim<Contracts>) -> Vec<Question> {
    let next = sim.predict_next(|s| match s.last() {
        Last::Record { index, violations } => (
            usize::from(!violations.is_empty()),
            if violations.is_empty() {
                format!("Record {} passes every rule.", index + 1)
            } else {
                format!(
                    "Record {} is dead-lettered: {}.",
                    index + 1,
                    violations
                        .iter()
                        .map(|v| v.detail.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            },
        ),
        _ => (0, String::new()),
    });
    let rename = Callback::new(move |()| {
        sim.with_untracked(|t| {
            let mut s = t.current().clone();
            if let Err(e) = s.apply(&Fault::new("rename-field")) {
                return (2, format!("Not here: {e}."));
            }
            let left = (s.total_steps() - s.validated()).min(10);
            let before = s.dead().len();
            for _ in 0..left {
                s.step();
            }
            let dead = (s.dead().len() - before) as u64;
            let pick = if dead == 0 { 0 } else if dead < left { 1 } else { 2 };
            (pick, format!("On a copy of this run: {dead} of the next {left} records are dead-lettered. The contract {} user_id and {} fields it does not name.",
                if s.params().contract.field("user_id").is_some_and(|f| f.required) { "requires" } else { "does not require" },
                if s.params().contract.allow_extra { "allows" } else { "rejects" }))
        })
        .unwrap_or((0, String::new()))
    });
    vec![
        Question {
            id: "predict-next",
            prompt: "Predict: will the next record be accepted?".into(),
            choices: vec!["Accepted".into(), "Dead letter".into()],
            answer: next,
        },
        Question {
            id: "rename",
            prompt: "Predict: if the producer renamed user_id to customer_id now, how many of the next ten records would be dead-lettered?".into(),
            choices: vec!["None".into(), "Some".into(), "All of them".into()],
            answer: rename,
        },
        Question {
            id: "backward",
            prompt: "Which change to a contract keeps it backward compatible (consumers on the new version read old data)?".into(),
            choices: vec!["Making an optional field required".into(), "Adding an optional field".into(), "Removing a value from an enum".into()],
            answer: Callback::new(|()| (1, "Old records simply lack the new optional field, which is allowed. Making a field required rejects old records without it; removing an enum value rejects old records that used it. Try each in the compatibility checker: every failing verdict shows a record that proves it.".into())),
        },
        Question {
            id: "note-validator",
            prompt: "The note's validator for \"order date not in the future\" is declared for status and reads v.order_date. What happens on the first record whose status is valid?".into(),
            choices: vec!["It is rejected as dated in the future".into(), "It passes: the check never looks at order_date".into(), "The validator raises AttributeError, which escapes except ValidationError: the pipeline stops".into()],
            answer: Callback::new(|()| (2, "Pydantic hands the status validator a Status member, which has no order_date: AttributeError. Only ValueError and AssertionError become validation errors, so the exception escapes and the pipeline stops on that record. Switch on the pitfall and watch the run stop at record 1 while the oracle's badge says wrong.".into())),
        },
    ]
}

/// One editable row of the contract form.
#[component]
fn FieldRow(
    i: usize,
    contract: Memo<Contract>,
    edit: Callback<(usize, String, String)>,
) -> impl IntoView {
    let f = move || contract.with(|c| c.fields.get(i).cloned());
    let text = move |get: fn(&pipelab_core::patterns::contracts::contract::Field) -> String| {
        move || f().map(|x| get(&x)).unwrap_or_default()
    };
    let send = move |what: &'static str| {
        move |ev: leptos::ev::Event| edit.run((i, what.to_string(), event_target_value(&ev)))
    };
    view! {
        <tr>
            <td><input type="text" data-testid=format!("cf-{i}-name") aria-label="field name" prop:value=text(|x| x.name.clone()) on:change=send("name") /></td>
            <td>
                <select data-testid=format!("cf-{i}-type") aria-label="type" prop:value=text(|x| x.ty.as_str().to_string()) on:change=send("type")>
                    {FieldType::ALL.iter().map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> }).collect_view()}
                </select>
            </td>
            <td><input type="checkbox" data-testid=format!("cf-{i}-required") aria-label="required"
                prop:checked=move || f().is_some_and(|x| x.required)
                on:change=move |ev| edit.run((i, "required".into(), event_target_checked(&ev).to_string())) /></td>
            <td><input type="text" inputmode="decimal" size="6" data-testid=format!("cf-{i}-min") aria-label="minimum" prop:value=text(|x| x.min.clone().unwrap_or_default()) on:change=send("min") /></td>
            <td><input type="text" inputmode="decimal" size="6" data-testid=format!("cf-{i}-max") aria-label="maximum" prop:value=text(|x| x.max.clone().unwrap_or_default()) on:change=send("max") /></td>
            <td><input type="text" data-testid=format!("cf-{i}-values") aria-label="enum values, comma-separated" prop:value=text(|x| x.values.join(", ")) on:change=send("values") /></td>
            <td><button data-testid=format!("cf-{i}-remove") aria-label="remove this field" on:click=move |_| edit.run((i, "remove".into(), String::new()))>"✕"</button></td>
        </tr>
    }
}

/// Applies one form edit to a copy of `c`.
fn edited(c: &Contract, i: usize, what: &str, value: &str) -> Result<Contract, String> {
    let mut next = c.clone();
    let v = value.trim();
    let bound = |v: &str| -> Result<Option<String>, String> {
        if v.is_empty() {
            Ok(None)
        } else if json::parse(v)
            .ok()
            .is_some_and(|x| matches!(x, json::Value::Number(_)))
            && json::decimal(v).is_some()
        {
            Ok(Some(v.to_string()))
        } else {
            Err(format!(
                "“{}” is not a number",
                pipelab_core::sim::params::shorten(v)
            ))
        }
    };
    match what {
        "add" => {
            let n = (1..)
                .find(|n| next.field(&format!("field_{n}")).is_none())
                .unwrap_or(1);
            next.fields
                .push(pipelab_core::patterns::contracts::contract::Field {
                    name: format!("field_{n}"),
                    ty: FieldType::String,
                    required: false,
                    min: None,
                    max: None,
                    values: Vec::new(),
                    default: None,
                });
        }
        "extra" => next.allow_extra = v == "allow",
        "version" => {
            next.version = v.parse().map_err(|_| {
                format!(
                    "“{}” is not a version number",
                    pipelab_core::sim::params::shorten(v)
                )
            })?
        }
        "rule-remove" => {
            if i < next.rules.len() {
                next.rules.remove(i);
            }
        }
        _ => {
            let Some(f) = next.fields.get_mut(i) else {
                return Err("that field no longer exists".into());
            };
            match what {
                "name" => f.name = v.to_string(),
                "type" => {
                    f.ty = FieldType::parse(v).ok_or("unknown type")?;
                    if !f.ty.numeric() {
                        f.min = None;
                        f.max = None;
                    }
                    if f.ty == FieldType::Enum && f.values.is_empty() {
                        f.values = vec!["a".into()];
                    } else if f.ty != FieldType::Enum {
                        f.values.clear();
                    }
                }
                "required" => f.required = v == "true",
                "min" => f.min = bound(v)?,
                "max" => f.max = bound(v)?,
                "values" => {
                    f.values = v
                        .split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                }
                "remove" => {
                    next.fields.remove(i);
                }
                _ => {}
            }
        }
    }
    Contract::from_value(&next.to_value())
}

#[component]
pub fn ContractsPage() -> impl IntoView {
    let sim = Sim::<Contracts>::from_url();
    let ui = sim.ui();
    let view = Memo::new(move |_| sim.with(|t| t.current().view()));
    let code = Memo::new(move |_| sim.with(|t| code_view(t.current())));
    let contract = Memo::new(move |_| sim.params_with(|p| p.contract.clone()));
    let inspect = RwSignal::new(None::<Inspect>);
    // The contract before the last edit: records whose verdict flipped are marked.
    let previous = RwSignal::new(None::<Contract>);
    Effect::new(move |old: Option<Contract>| {
        let now = contract.get();
        if let Some(o) = old.filter(|o| *o != now) {
            previous.set(Some(o));
        }
        now
    });
    let form_error = RwSignal::new(None::<String>);
    let apply = move |c: Contract| {
        form_error.set(None);
        sim.set_param("contract", &c.to_json());
    };
    let edit = Callback::new(move |(i, what, value): (usize, String, String)| {
        match edited(&contract.get_untracked(), i, &what, &value) {
            Ok(c) => apply(c),
            Err(e) => form_error.set(Some(e)),
        }
    });
    // The JSON editor: the current contract until the learner types.
    let draft = RwSignal::new(String::new());
    Effect::new(move |_| draft.set(contract.with(Contract::to_pretty)));
    let json_error = Signal::derive(move || {
        ui.param_errors
            .get()
            .into_iter()
            .find(|(f, _)| f == "contract")
            .map(|(_, (_, m))| m)
    });
    // The next version, checked against the current one.
    let next_draft = RwSignal::new(String::new());
    Effect::new(move |_| {
        let c = contract.get();
        next_draft.set(
            Contract {
                version: c.version + 1,
                ..c
            }
            .to_pretty(),
        );
    });
    let verdict = RwSignal::new(None::<Result<Compat, String>>);
    let check_next = move |_| {
        verdict.set(Some(
            Contract::parse(&next_draft.get_untracked())
                .map(|n| check(&contract.get_untracked(), &n)),
        ));
    };
    // The oracle's tally and the flips, computed in slices between frames once still.
    let key = Memo::new(move |_| {
        let prev = previous.get();
        view.with(|v| {
            (
                v.step,
                v.accepted,
                v.dead,
                v.violations,
                v.version,
                v.wrong_field,
                v.drifts.len(),
                contract.get().to_json(),
                prev.map(|p| p.to_json()),
            )
        })
    });
    let settled = crate::sim::settled(key, ui.playing);
    // (the key it is for, records checked, records in all, the oracle's tally, flips)
    type Key = (u64, u64, u64, u64, u32, bool, usize, String, Option<String>);
    type Progress = Option<(Key, u64, u64, Tally, u64)>;
    let progress = RwSignal::new(None::<(Key, u64, u64, Tally, u64)>);
    Effect::new(move |_| {
        let Some(k) = settled.get() else {
            progress.set(None);
            return;
        };
        progress.set(Some((k.clone(), 0, k.0, Tally::default(), 0)));
        fn slice(
            sim: Sim<Contracts>,
            k: Key,
            judge: std::rc::Rc<Option<Judge>>,
            prev: std::rc::Rc<Option<Contract>>,
            progress: RwSignal<Progress>,
            settled: RwSignal<Option<Key>>,
        ) {
            set_timeout(
                move || {
                    if settled.try_get_untracked().flatten().as_ref() != Some(&k) {
                        return;
                    }
                    let Some((pk, done, n, mut t, mut flips)) = progress.get_untracked() else {
                        return;
                    };
                    if pk != k {
                        return;
                    }
                    let Some(j) = judge.as_ref() else {
                        return;
                    };
                    let end = (done + 4_000).min(n);
                    sim.with_untracked(|tl| {
                        let s = tl.current();
                        let p = s.producer();
                        for i in done..end {
                            let r = p.record(i);
                            let now = p.arrival_ms(i);
                            let b = j.broken(&r, now);
                            if b.is_empty() {
                                t.accepted += 1;
                            } else {
                                t.dead += 1;
                                t.violations += b.len() as u64;
                            }
                            if let Some(c) = prev.as_ref() {
                                let wf = s.params().wrong_field;
                                if validate(c, &r, now, wf).is_empty() != s.check(i).is_empty() {
                                    flips += 1;
                                }
                            }
                        }
                    });
                    progress.set(Some((pk, end, n, t, flips)));
                    if end < n {
                        slice(sim, k, judge, prev, progress, settled);
                    }
                },
                std::time::Duration::from_millis(10),
            );
        }
        let judge = std::rc::Rc::new(Judge::new(&k.7));
        let prev = std::rc::Rc::new(k.8.as_deref().and_then(|t| Contract::parse(t).ok()));
        slice(sim, k, judge, prev, progress, settled);
    });
    let truth = Signal::derive(move || match progress.get() {
        Some((k, done, n, t, _)) if done == n && k == key.get() => {
            let (accepted, dead) = view.with(|v| (v.accepted, v.dead));
            let wrong = dead as i64 - t.dead as i64;
            if accepted == t.accepted && wrong == 0 {
                Truth::Correct
            } else {
                Truth::Wrong(wrong)
            }
        }
        _ => Truth::Pending,
    });
    let progress_text = move || match progress.get().filter(|p| p.0 == key.get()) {
        None => "The oracle re-checks every record once the page is still.".to_string(),
        Some((_, done, n, t, flips)) if done == n => format!(
            "The oracle's own validator: {} accepted, {} dead letters, {} violations.{}",
            count(t.accepted),
            count(t.dead),
            count(t.violations),
            if previous.get().is_some() {
                format!(
                    " Since the last contract edit, {} records changed verdict.",
                    count(flips)
                )
            } else {
                String::new()
            }
        ),
        Some((_, done, n, _, _)) => format!(
            "The oracle is re-checking the records: {} of {}…",
            count(done),
            count(n)
        ),
    };
    let flips_now = move || match progress.get() {
        Some((k, done, n, _, flips)) if done == n && k == key.get() && previous.get().is_some() => {
            Some(flips)
        }
        _ => None,
    };
    let last_violations = move || {
        view.with(|v| match &v.last {
            Last::Record { violations, .. } => violations
                .iter()
                .map(|x| x.detail.clone())
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    };
    let kinds_chart = Signal::derive(move || {
        view.with(|v| {
            let k = kind_counts(v);
            BarData {
                title: "Violations by kind".into(),
                y_label: "violations".into(),
                labels: k.iter().map(|(l, _)| l.to_string()).collect(),
                values: k.iter().map(|(_, n)| *n as f64).collect(),
                reference: None,
                emphasis: None,
                second: None,
                lines: false,
            }
        })
    });
    let records_total = Signal::derive(move || view.with(|v| v.step as usize));
    let records_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        let prev = previous.get();
        sim.with(|t| record_rows(t.current(), prev.as_ref(), start, n))
    });
    let dead_total = Signal::derive(move || view.with(|v| v.dead as usize));
    let dead_fetch: RowPages = Callback::new(move |(start, n): (usize, usize)| {
        sim.with(|t| dead_rows(t.current(), start, n))
    });
    let inspect_body = move || {
        match inspect.get() {
        None => "Click the producer, the validator, accepted or dead letters to inspect them.".to_string(),
        Some(Inspect::Producer) => view.with(|v| {
            if v.drifts.is_empty() {
                "Producer: sends records as the contract says, apart from the share broken on purpose.".to_string()
            } else {
                format!(
                    "Producer: {}.",
                    v.drifts
                        .iter()
                        .map(|s| match s.until {
                            None => format!("from record {} it {}", s.from + 1, s.drift.text()),
                            Some(u) => format!("from record {} to {} it {} (rolled back)", s.from + 1, u, s.drift.text()),
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        }),
        Some(Inspect::Validator) => contract.with(|c| format!(
            "Validator: contract {} v{} — {} fields ({} required), {} cross-field rules ({}), fields it does not name {}.",
            c.name, c.version, c.fields.len(), c.fields.iter().filter(|f| f.required).count(), c.rules.len(),
            c.rules.iter().map(|r| r.text()).collect::<Vec<_>>().join("; "),
            if c.allow_extra { "allowed" } else { "rejected" })),
        Some(Inspect::Accepted) => view.with(|v| format!("Accepted: {} records, loaded where consumers read them.", count(v.accepted))),
        Some(Inspect::Dead) => view.with(|v| format!("Dead letters: {} records with {} violations between them, listed below with every reason.", count(v.dead), count(v.violations))),
    }
    };
    let rules_list = move || {
        contract.with(|c| {
            c.rules
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    let text = r.text();
                    view! {
                        <li>{text}" "<button data-testid=format!("rule-{j}-remove") aria-label="remove this rule" on:click=move |_| edit.run((j, "rule-remove".into(), String::new()))>"✕"</button></li>
                    }
                })
                .collect_view()
        })
    };
    let field_rows = move || {
        let n = contract.with(|c| c.fields.len());
        (0..n)
            .map(|i| view! { <FieldRow i=i contract=contract edit=edit /> })
            .collect_view()
    };
    let reasons_view = |rs: Vec<pipelab_core::patterns::contracts::compat::Reason>| {
        rs.into_iter()
            .map(|r| view! { <li>{r.text}<br /><code class="witness">{r.witness.to_text()}</code></li> })
            .collect_view()
    };
    view! {
        <SimPage ui=ui title="Data contracts: validate, dead-letter, evolve">
            <p class="lede">"A producer sends order records; a validator checks each against the contract — types, required fields, ranges, allowed values and rules across fields — and sends the ones that break it to a dead-letter table with every reason. Edit the contract and see which records flip; check a new version for compatibility; let the producer drift; switch on the note's validator."</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <div class="layout">
                <div class="col-main">
                    <section class="panel" aria-label="Picture">
                        <h2>"Producer, validator, accepted and dead letters"</h2>
                        <div class="diagram" data-testid="diagram">
                            <svg viewBox="0 0 400 144" role="group" class="cache-svg" aria-label=move || view.with(summary)
                                on:click=move |ev| if let Some(k) = crate::browser::inspect_target(&ev) { pick(&k, inspect) }
                                on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " {
                                    if let Some(k) = crate::browser::inspect_target(&ev) { ev.prevent_default(); pick(&k, inspect) }
                                }>
                                {move || { let rules = contract.with(|c| c.rules.len()); view.with(|v| picture(v, rules)) }}
                            </svg>
                            <p class="hint">{move || view.with(summary)}</p>
                            <p class="legend hint">"Ringed = where the last record went; red = dead letters, or a producer that drifted from the contract."</p>
                        </div>
                        <div class="inspect" data-testid="inspect" aria-live="polite"><strong>"Inspect: "</strong>{inspect_body}</div>
                    </section>
                    <section class="panel" aria-label="The last record">
                        <h2>"The last record"</h2>
                        <pre class="json" data-testid="record-json" tabindex="0" role="region" aria-label="The record as JSON">{move || view.with(|v| v.record.clone().unwrap_or_else(|| "No record yet.".into()))}</pre>
                        <ul data-testid="violations" class="violations">
                            {move || {
                                let vs = last_violations();
                                if vs.is_empty() {
                                    view! { <li>{move || view.with(|v| if matches!(v.last, Last::Record { .. }) { "Breaks no rule: accepted." } else { "—" })}</li> }.into_any()
                                } else {
                                    vs.into_iter().map(|t| view! { <li class="bad">{t}</li> }).collect_view().into_any()
                                }
                            }}
                        </ul>
                    </section>
                    <section class="panel metrics" aria-label="Counts and ground truth">
                        <h2>"Verdicts"</h2>
                        <dl class="stats">
                            <div><dt>"Accepted"</dt><dd data-testid="accepted">{move || view.with(|v| count(v.accepted))}</dd></div>
                            <div><dt>"Dead letters"</dt><dd data-testid="dead">{move || view.with(|v| count(v.dead))}</dd></div>
                            <div><dt>"Violations"</dt><dd data-testid="violation-count">{move || view.with(|v| count(v.violations))}</dd></div>
                            <div><dt>"Verdicts vs the oracle"</dt><dd><TruthBadge metric="verdicts" scope=TruthScope::SoFar truth=truth /></dd></div>
                            <div><dt>"Flipped by the last edit"</dt><dd data-testid="flips">{move || flips_now().map_or("—".to_string(), count)}</dd></div>
                        </dl>
                        <p class="hint" data-testid="oracle-status">{progress_text}</p>
                    </section>
                    <section class="panel" aria-label="Edit the contract">
                        <h2>"The contract"</h2>
                        <div class="table-wrap" data-testid="contract-form">
                            <table>
                                <caption>"Fields (each change rebuilds the run at this step)"</caption>
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Required"</th><th scope="col">"Min"</th><th scope="col">"Max"</th><th scope="col">"Enum values"</th><th scope="col"></th></tr></thead>
                                <tbody>{field_rows}</tbody>
                            </table>
                        </div>
                        <div class="form-row">
                            <button data-testid="cf-add" on:click=move |_| edit.run((0, "add".into(), String::new()))>"+ Add a field"</button>
                            <label>"Fields it does not name: "
                                <select data-testid="cf-extra" prop:value=move || if contract.with(|c| c.allow_extra) { "allow" } else { "reject" }
                                    on:change=move |ev| edit.run((0, "extra".into(), event_target_value(&ev)))>
                                    <option value="reject">"reject"</option>
                                    <option value="allow">"allow"</option>
                                </select>
                            </label>
                            <label>"Version "
                                <input type="text" inputmode="numeric" size="4" data-testid="cf-version" prop:value=move || contract.with(|c| c.version.to_string())
                                    on:change=move |ev| edit.run((0, "version".into(), event_target_value(&ev))) />
                            </label>
                        </div>
                        <p class="hint">"Cross-field rules (add one in the JSON below):"</p>
                        <ul class="rules">{rules_list}</ul>
                        <Show when=move || form_error.get().is_some()>
                            <p class="error" role="alert" data-testid="contract-form-error">{move || form_error.get().unwrap_or_default()}</p>
                        </Show>
                        <label for="contract-json">"As JSON"</label>
                        <textarea id="contract-json" data-testid="param-contract" rows="14" spellcheck="false" class="json-edit"
                            aria-invalid=move || if json_error.get().is_some() { "true" } else { "false" }
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                        <div class="form-row">
                            <button data-testid="contract-apply" on:click=move |_| sim.set_param("contract", &draft.get_untracked())>"Apply the JSON"</button>
                            <button data-testid="contract-revert" on:click=move |_| { draft.set(contract.with_untracked(Contract::to_pretty)); ui.param_errors.update(|e| e.retain(|(f, _)| f != "contract")); }>"Revert"</button>
                        </div>
                        <Show when=move || json_error.get().is_some()>
                            <p class="error" role="alert" data-testid="param-contract-error">{move || json_error.get().unwrap_or_default()}</p>
                        </Show>
                    </section>
                    <section class="panel" aria-label="Check a new version">
                        <h2>"Check a new version"</h2>
                        <p class="hint">"Edit the next version, then check it against the current one. Each failing direction shows a record one version accepts and the other rejects."</p>
                        <textarea data-testid="next-contract" rows="12" spellcheck="false" class="json-edit" aria-label="the next version of the contract (JSON)"
                            prop:value=move || next_draft.get() on:input=move |ev| next_draft.set(event_target_value(&ev))></textarea>
                        <div class="form-row">
                            <button data-testid="compat-check" on:click=check_next>"Check compatibility"</button>
                            <button data-testid="compat-adopt" on:click=move |_| match Contract::parse(&next_draft.get_untracked()) {
                                Ok(c) => apply(c),
                                Err(e) => verdict.set(Some(Err(e))),
                            }>"Adopt it as the contract"</button>
                        </div>
                        {move || verdict.get().map(|v| match v {
                            Err(e) => view! { <p class="error" role="alert" data-testid="next-contract-error">{e}</p> }.into_any(),
                            Ok(c) => {
                                let full = c.full();
                                let advice = c.advice();
                                let (b_ok, f_ok) = (c.backward.is_empty(), c.forward.is_empty());
                                view! {
                                    <div class="compat">
                                        <p data-testid="compat-backward" data-ok=b_ok.to_string()>{if b_ok { "✓ Backward compatible: everything valid under the current version stays valid." } else { "✗ Not backward compatible:" }}</p>
                                        <ul>{reasons_view(c.backward)}</ul>
                                        <p data-testid="compat-forward" data-ok=f_ok.to_string()>{if f_ok { "✓ Forward compatible: everything valid under the new version is valid under the current one." } else { "✗ Not forward compatible:" }}</p>
                                        <ul>{reasons_view(c.forward)}</ul>
                                        <p data-testid="compat-full" data-ok=full.to_string()>{advice}</p>
                                    </div>
                                }.into_any()
                            }
                        })}
                    </section>
                    <section class="panel lazy">
                        <BarChart id="violations" data=kinds_chart />
                        <DataTable id="dead" caption="Dead-letter table, newest first (every violation listed)" columns=&["Record", "Violations", "Reasons", "Record JSON"] total=dead_total fetch=dead_fetch page_size=8 />
                        <DataTable id="records" caption="Every record, newest first (flipped = its verdict changed with the last contract edit)" columns=&["Record", "Verdict", "Reasons", "Flipped"] total=records_total fetch=records_fetch page_size=10 flag=3 />
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
                what="A data contract states what a dataset promises — fields, types, which are required, allowed values and ranges, rules across fields — and is enforced where the data enters: records that break it are set aside with their reasons instead of silently corrupting the tables others read. Versions of the contract are checked for compatibility before they ship."
                when="Data crossing a team boundary (a service's events feeding analytics, a vendor feed, a shared topic); pipelines where a silent upstream change has broken reports before; regulated data whose shape must be documented."
                when_not="Exploratory data with no consumers yet; one team owning both ends of a pipeline that changes together; when nothing will act on the dead letters (then they are just a second place to lose data)."
                glossary=GLOSSARY />
        </SimPage>
    }
}
