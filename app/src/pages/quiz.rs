//! /quiz: practice on the question bank and on questions generated from seeded
//! simulations, a timed interview with a report by pattern, and the learner's saved work
//! (progress, interviews, named scenarios, export and import). The grading, the drawing of
//! interview questions and the saved-work format live in `pipelab_core::learn`.
//!
//! Hooks: `quiz-mode-practice|interview|work`; filters `quiz-filter-pattern`,
//! `quiz-filter-difficulty`, `quiz-filter-source`, `quiz-filter-unmastered`, `quiz-gen-seed`,
//! `quiz-gen-new`; a question `quiz-question` (`data-id`), `quiz-choice-<i>`, `quiz-number`,
//! `quiz-submit`, `quiz-result` (`data-correct`), `quiz-link`, `quiz-prev`, `quiz-next`,
//! `quiz-position`, `quiz-count`, `quiz-mastered`; interview `interview-count`,
//! `interview-minutes`, `interview-start`, `interview-remaining` (`data-ms`),
//! `interview-position`, `interview-finish`, `interview-report`, `interview-score`,
//! `interview-row-<pattern>`; work `work-progress`, `saved-scenarios`, `saved-<i>`,
//! `saved-open-<i>`, `saved-delete-<i>`, `work-export`, `work-import`, `work-import-error`,
//! `work-import-merge`, `work-import-replace`, `work-import-cancel`, `work-import-done`,
//! `interview-history`.

use leptos::prelude::*;
use pipelab_core::learn::bank::{Answer, Difficulty, Given, Origin, Question};
use pipelab_core::learn::content::{self, pattern_name, PATTERNS};
use pipelab_core::learn::generated;
use pipelab_core::learn::interview::{Filter, Interview};
use pipelab_core::learn::saved::SavedWork;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::work::Work;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Practice,
    Interview,
    Work,
}

/// The filters the practice list and the interview share.
#[derive(Clone, Copy)]
struct Filters {
    pattern: RwSignal<String>,
    difficulty: RwSignal<String>,
    /// `all`, `bank` or `generated`.
    source: RwSignal<String>,
    unmastered: RwSignal<bool>,
}

impl Filters {
    fn filter(&self) -> Filter {
        let p = self.pattern.get();
        let d = self.difficulty.get();
        Filter {
            patterns: if p.is_empty() { vec![] } else { vec![p] },
            difficulties: Difficulty::parse(&d).into_iter().collect(),
        }
    }
}

fn selected(e: &leptos::ev::Event) -> String {
    event_target_value(e)
}

#[component]
pub fn QuizPage() -> impl IntoView {
    let ready = super::ready_flag();
    let work = Work::get();
    let (bank, problems) = content::bank();
    let bank = StoredValue::new(bank);
    let gen_seed = RwSignal::new(1u64);
    let gen_text = RwSignal::new("1".to_string());
    let gen_error = RwSignal::new(None::<String>);
    // Bank + the generated questions of the current seed (each runs a small simulation).
    let questions = Memo::new(move |_| {
        let mut all = bank.get_value();
        all.extend(generated::set(gen_seed.get()));
        all
    });
    let mode = RwSignal::new(Mode::Practice);
    let filters = Filters {
        pattern: RwSignal::new(String::new()),
        difficulty: RwSignal::new(String::new()),
        source: RwSignal::new("all".into()),
        unmastered: RwSignal::new(false),
    };
    let total_bank = bank.with_value(Vec::len);
    let mastered = move || work.data.with(|w| bank.with_value(|b| w.mastered(b)));

    let tab = move |m: Mode, label: &'static str, id: &'static str| {
        view! {
            <button type="button" role="tab" data-testid=id
                aria-selected=move || if mode.get() == m { "true" } else { "false" }
                class=move || if mode.get() == m { "tab active" } else { "tab" }
                on:click=move |_| mode.set(m)>{label}</button>
        }
    };
    view! {
        <div class="page quiz-page" data-testid="page-quiz" data-ready=move || if ready.get() { "true" } else { "false" }>
            <header class="page-head">
                <h1>"Quiz and interview practice"</h1>
            </header>
            <p class="lead">
                {move || {
                    let generated = questions.with(Vec::len).saturating_sub(total_bank);
                    format!("{total_bank} questions in the bank across the twelve patterns — the reference note's interview questions in our words and many of our own — plus {generated} generated from a seeded simulation, whose answers the simulation computes: {} to practise in all. ", total_bank + generated)
                }}
                "You have answered "<strong data-testid="quiz-mastered">{mastered}</strong>{format!(" of the {total_bank} right (your latest try). Progress is kept in this browser.")}
            </p>
            {(!problems.is_empty()).then(|| view! {
                <p class="banner error" role="alert">{format!("Some questions could not be read: {}", problems.join("; "))}</p>
            })}
            <div class="tabs" role="tablist" aria-label="Mode">
                {tab(Mode::Practice, "Practice", "quiz-mode-practice")}
                {tab(Mode::Interview, "Timed interview", "quiz-mode-interview")}
                {tab(Mode::Work, "Your work", "quiz-mode-work")}
            </div>
            <Show when=move || mode.get() != Mode::Work>
                <FilterBar filters=filters gen_text=gen_text gen_error=gen_error gen_seed=gen_seed />
            </Show>
            {move || match mode.get() {
                Mode::Practice => view! { <Practice questions=questions filters=filters /> }.into_any(),
                Mode::Interview => view! { <InterviewMode questions=questions filters=filters /> }.into_any(),
                Mode::Work => view! { <YourWork questions=questions /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn FilterBar(
    filters: Filters,
    gen_text: RwSignal<String>,
    gen_error: RwSignal<Option<String>>,
    gen_seed: RwSignal<u64>,
) -> impl IntoView {
    let apply_seed = move |text: String| match text.trim().parse::<u64>() {
        Ok(s) => {
            gen_error.set(None);
            gen_seed.set(s);
        }
        Err(_) => gen_error.set(Some(
            "The seed must be a whole number from 0 to 18446744073709551615.".into(),
        )),
    };
    view! {
        <fieldset class="quiz-filters">
            <legend>"Questions"</legend>
            <label>"Pattern "
                <select data-testid="quiz-filter-pattern" on:change=move |e| filters.pattern.set(selected(&e))>
                    <option value="">"All patterns"</option>
                    {PATTERNS.iter().map(|(slug, name)| view! { <option value=*slug>{*name}</option> }).collect_view()}
                </select>
            </label>
            <label>"Difficulty "
                <select data-testid="quiz-filter-difficulty" on:change=move |e| filters.difficulty.set(selected(&e))>
                    <option value="">"Any"</option>
                    {Difficulty::ALL.into_iter().map(|d| view! { <option value=d.as_str()>{d.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Source "
                <select data-testid="quiz-filter-source" on:change=move |e| filters.source.set(selected(&e))>
                    <option value="all">"All"</option>
                    <option value="bank">"Question bank"</option>
                    <option value="generated">"Generated from a simulation"</option>
                </select>
            </label>
            <label class="check">
                <input type="checkbox" data-testid="quiz-filter-unmastered"
                    on:change=move |e| filters.unmastered.set(event_target_checked(&e)) />
                " Only ones I have not got right"
            </label>
            <label>"Simulation seed "
                <input type="text" inputmode="numeric" class="seed" data-testid="quiz-gen-seed"
                    title="The seed the generated questions are simulated from"
                    prop:value=move || gen_text.get()
                    on:input=move |e| gen_text.set(event_target_value(&e))
                    on:change=move |e| apply_seed(event_target_value(&e)) />
            </label>
            <button type="button" data-testid="quiz-gen-new" on:click=move |_| {
                let s = browser::clock_ms() % 1_000_000;
                gen_text.set(s.to_string());
                apply_seed(s.to_string());
            }>"New simulated questions"</button>
            {move || gen_error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="quiz-gen-seed-error">{e}</p> })}
        </fieldset>
    }
}

/// Indices of the questions the filters admit.
fn pool(questions: &[Question], filters: &Filters, work: &SavedWork) -> Vec<usize> {
    let f = filters.filter();
    let source = filters.source.get();
    let unmastered = filters.unmastered.get();
    (0..questions.len())
        .filter(|&i| {
            let q = &questions[i];
            f.admits(q)
                && match source.as_str() {
                    "bank" => q.origin != Origin::Generated,
                    "generated" => q.origin == Origin::Generated,
                    _ => true,
                }
                && (!unmastered || !work.answer(&q.id).is_some_and(|a| a.last))
        })
        .collect()
}

fn origin_text(q: &Question) -> &'static str {
    match q.origin {
        Origin::Note => "from the reference note's interview questions",
        Origin::Ours => "pipelab's own",
        Origin::Generated => "generated from a seeded simulation",
    }
}

/// The answer inputs of one question: radio choices or a number field.
#[component]
fn AnswerInput(
    q: Question,
    picked: RwSignal<Option<usize>>,
    typed: RwSignal<String>,
    #[prop(into)] locked: Signal<bool>,
) -> impl IntoView {
    match &q.answer {
        Answer::Choice { choices, .. } => {
            let name = format!("quiz-{}", q.id);
            view! {
                <ul class="choices">
                    {choices.iter().enumerate().map(|(i, c)| {
                        let name = name.clone();
                        view! {
                            <li><label>
                                <input type="radio" name=name data-testid=format!("quiz-choice-{i}")
                                    prop:checked=move || picked.get() == Some(i)
                                    disabled=move || locked.get()
                                    on:change=move |_| picked.set(Some(i)) />
                                " "{c.clone()}
                            </label></li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
        Answer::Numeric { unit, .. } => view! {
            <label class="numeric">"Your answer "
                <input type="text" inputmode="decimal" data-testid="quiz-number" autocomplete="off"
                    prop:value=move || typed.get() disabled=move || locked.get()
                    on:input=move |e| typed.set(event_target_value(&e)) />
                " "{unit.clone()}
            </label>
        }
        .into_any(),
    }
}

fn given(q: &Question, picked: Option<usize>, typed: &str) -> Given {
    match q.answer {
        Answer::Choice { .. } => Given::Choice(picked.unwrap_or(usize::MAX)),
        Answer::Numeric { .. } => Given::Number(typed.to_string()),
    }
}

#[component]
fn Practice(questions: Memo<Vec<Question>>, filters: Filters) -> impl IntoView {
    let work = Work::get();
    let list = Memo::new(move |_| {
        questions.with(|qs| work.data.with_untracked(|w| pool(qs, &filters, w)))
    });
    let pos = RwSignal::new(0usize);
    // A new filter starts the list again.
    Effect::new(move |_| {
        list.track();
        pos.set(0);
    });
    let picked = RwSignal::new(None::<usize>);
    let typed = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<bool, String>>);
    let current = Memo::new(move |_| {
        let i = list.with(|l| l.get(pos.get()).copied())?;
        questions.with(|qs| qs.get(i).cloned())
    });
    Effect::new(move |_| {
        current.track();
        picked.set(None);
        typed.set(String::new());
        result.set(None);
    });
    let submit = move || {
        let Some(q) = current.get_untracked() else {
            return;
        };
        let r = q.grade(&given(&q, picked.get_untracked(), &typed.get_untracked()));
        if let Ok(right) = r {
            work.update(|w| w.record_answer(&q.id, right));
        }
        result.set(Some(r));
    };
    let n = move || list.with(Vec::len);
    view! {
        <section class="panel quiz-practice" aria-label="Practice">
            <p class="quiz-nav">
                "Question "<span data-testid="quiz-position">{move || if n() == 0 { 0 } else { pos.get() + 1 }}</span>
                " of "<span data-testid="quiz-count">{n}</span>
            </p>
            {move || match current.get() {
                None => view! { <p data-testid="quiz-empty">"No question matches these filters."</p> }.into_any(),
                Some(q) => {
                    let explanation = q.explanation.clone();
                    let answer = q.answer_text();
                    let link = q.link.clone();
                    let record = work.data.with(|w| w.answer(&q.id).cloned());
                    view! {
                        <article class="quiz-question" data-testid="quiz-question" data-id=q.id.clone()>
                            <p class="meta">
                                {pattern_name(&q.pattern).to_string()}" · "{q.difficulty.as_str()}" · "{origin_text(&q)}
                                {record.map(|r| format!(" · tried {} time{}, right {}", r.tries, if r.tries == 1 { "" } else { "s" }, r.right))}
                            </p>
                            <h2 class="stem">{q.stem.clone()}</h2>
                            <form on:submit=move |e| { e.prevent_default(); submit(); }>
                                <AnswerInput q=q.clone() picked=picked typed=typed locked=Signal::derive(|| false) />
                                <button type="submit" data-testid="quiz-submit">"Check"</button>
                            </form>
                            {move || result.get().map(|r| match r {
                                Err(e) => view! { <p class="field-error" role="alert" data-testid="quiz-input-error">{e}</p> }.into_any(),
                                Ok(ok) => view! {
                                    <div class=if ok { "result right" } else { "result wrong" } role="status"
                                        data-testid="quiz-result" data-correct=if ok { "true" } else { "false" }>
                                        <p><strong>{if ok { "Right. " } else { "Not quite. " }}</strong>
                                            {(!ok).then(|| format!("The answer is {}. ", answer.clone()))}
                                            {explanation.clone()}</p>
                                        <p><a data-testid="quiz-link" rel="external" href=link.clone()>"See it in the simulation →"</a></p>
                                    </div>
                                }.into_any(),
                            })}
                        </article>
                    }
                    .into_any()
                }
            }}
            <div class="quiz-buttons">
                <button type="button" data-testid="quiz-prev" disabled=move || pos.get() == 0
                    on:click=move |_| pos.update(|p| *p = p.saturating_sub(1))>"‹ Previous"</button>
                <button type="button" data-testid="quiz-next" disabled=move || { pos.get() + 1 >= n() }
                    on:click=move |_| pos.update(|p| *p += 1)>"Next ›"</button>
            </div>
        </section>
    }
}

fn clock_text(ms: u64) -> String {
    let s = ms.div_ceil(1000);
    format!("{}:{:02}", s / 60, s % 60)
}

#[component]
fn InterviewMode(questions: Memo<Vec<Question>>, filters: Filters) -> impl IntoView {
    let work = Work::get();
    let count = RwSignal::new("10".to_string());
    let minutes = RwSignal::new("10".to_string());
    let error = RwSignal::new(None::<String>);
    let interview = RwSignal::new(None::<Interview>);
    let now = RwSignal::new(browser::clock_ms());
    let recorded = RwSignal::new(false);
    let picked = RwSignal::new(None::<usize>);
    let typed = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    // Ticks the clock; records the report once, when the interview ends.
    let tick = move || {
        let t = browser::clock_ms();
        now.set(t);
        let over = interview.with_untracked(|iv| iv.as_ref().map(|iv| iv.is_over(t)));
        if over == Some(true) && !recorded.get_untracked() {
            recorded.set(true);
            interview.update(|iv| {
                if let Some(iv) = iv {
                    iv.finish(t);
                }
            });
            let (limit, report) = interview
                .with_untracked(|iv| {
                    let iv = iv.as_ref()?;
                    Some((iv.limit_ms, questions.with_untracked(|qs| iv.report(qs, t))))
                })
                .unzip();
            if let (Some(limit), Some(report)) = (limit, report) {
                work.update(|w| w.record_interview(t, limit, &report));
            }
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(250)) {
        on_cleanup(move || handle.clear());
    }
    let start = move || {
        let c = count.get_untracked().trim().parse::<usize>();
        let m = minutes.get_untracked().trim().parse::<u64>();
        let (Ok(c), Ok(m)) = (c, m) else {
            error.set(Some(
                "Type whole numbers: questions from 1 to 50, minutes from 1 to 120.".into(),
            ));
            return;
        };
        if !(1..=120).contains(&m) {
            error.set(Some("Allow from 1 to 120 minutes.".into()));
            return;
        }
        let t = browser::clock_ms();
        let seed = t ^ 0x9E37_79B9_7F4A_7C15;
        // The interview draws from the filtered pool (pattern, difficulty, source).
        let f = filters.filter();
        let source = filters.source.get_untracked();
        let result = questions.with_untracked(|qs| {
            let allowed: Vec<Question> = qs
                .iter()
                .filter(|q| match source.as_str() {
                    "bank" => q.origin != Origin::Generated,
                    "generated" => q.origin == Origin::Generated,
                    _ => true,
                })
                .cloned()
                .collect();
            Interview::start(&allowed, &f, c, m * 60_000, seed, t).map(|mut iv| {
                // Map back to indices of the whole list.
                iv.picked = iv
                    .picked
                    .iter()
                    .filter_map(|&i| qs.iter().position(|q| q.id == allowed[i].id))
                    .collect();
                iv
            })
        });
        match result {
            Ok(iv) => {
                error.set(None);
                message.set(None);
                recorded.set(false);
                picked.set(None);
                typed.set(String::new());
                now.set(t);
                interview.set(Some(iv));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let answer = move || {
        let t = browser::clock_ms();
        now.set(t);
        let Some((pos, q)) = interview.with_untracked(|iv| {
            let iv = iv.as_ref()?;
            let pos = iv.current()?;
            Some((
                pos,
                questions.with_untracked(|qs| qs.get(iv.picked[pos]).cloned())?,
            ))
        }) else {
            return;
        };
        let right = match q.grade(&given(&q, picked.get_untracked(), &typed.get_untracked())) {
            Ok(r) => r,
            Err(e) => {
                message.set(Some(e));
                return;
            }
        };
        let mut outcome = Ok(());
        interview.update(|iv| {
            if let Some(iv) = iv {
                outcome = iv.answer(pos, right, t);
            }
        });
        match outcome {
            Ok(()) => {
                work.update(|w| w.record_answer(&q.id, right));
                message.set(None);
            }
            Err(e) => message.set(Some(e)),
        }
        picked.set(None);
        typed.set(String::new());
        tick();
    };
    let running = move || interview.with(|iv| iv.as_ref().is_some_and(|iv| !iv.is_over(now.get())));
    view! {
        <section class="panel quiz-interview" aria-label="Timed interview">
            <Show when=move || !running()>
                <form class="interview-setup" on:submit=move |e| { e.prevent_default(); start(); }>
                    <p>"Answer N questions against the clock, drawn at random from the filters above, with no explanations until the end — then a score by pattern."</p>
                    <label>"Questions " <input type="text" inputmode="numeric" data-testid="interview-count" size="4"
                        prop:value=move || count.get() on:input=move |e| count.set(event_target_value(&e)) /></label>
                    <label>" Minutes " <input type="text" inputmode="numeric" data-testid="interview-minutes" size="4"
                        prop:value=move || minutes.get() on:input=move |e| minutes.set(event_target_value(&e)) /></label>
                    " "<button type="submit" data-testid="interview-start">
                        {move || if interview.with(Option::is_some) { "Start another interview" } else { "Start the interview" }}
                    </button>
                    {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="interview-error">{e}</p> })}
                </form>
            </Show>
            <Show when=running>
                {move || {
                    let (pos, len, remaining, q) = interview.with(|iv| {
                        let iv = iv.as_ref()?;
                        let pos = iv.current()?;
                        let q = questions.with(|qs| qs.get(iv.picked[pos]).cloned())?;
                        Some((pos, iv.picked.len(), iv.remaining_ms(now.get()), q))
                    })?;
                    Some(view! {
                        <div class="interview-run">
                            <p class="interview-bar">
                                "Question "<span data-testid="interview-position">{pos + 1}</span>" of "{len}
                                " · time left "<strong data-testid="interview-remaining" data-ms=remaining.to_string()>{clock_text(remaining)}</strong>
                            </p>
                            <article class="quiz-question" data-testid="quiz-question" data-id=q.id.clone()>
                                <p class="meta">{pattern_name(&q.pattern).to_string()}" · "{q.difficulty.as_str()}</p>
                                <h2 class="stem">{q.stem.clone()}</h2>
                                <form on:submit=move |e| { e.prevent_default(); answer(); }>
                                    <AnswerInput q=q.clone() picked=picked typed=typed locked=Signal::derive(|| false) />
                                    <button type="submit" data-testid="quiz-submit">"Answer"</button>
                                </form>
                            </article>
                            <button type="button" data-testid="interview-finish" on:click=move |_| {
                                let t = browser::clock_ms();
                                interview.update(|iv| if let Some(iv) = iv { iv.finish(t) });
                                tick();
                            }>"Finish now"</button>
                        </div>
                    })
                }}
            </Show>
            {move || message.get().map(|m| view! { <p class="field-error" role="alert" data-testid="interview-message">{m}</p> })}
            <Show when=move || { interview.with(|iv| iv.as_ref().is_some_and(|iv| iv.is_over(now.get()))) }>
                {move || interview.with(|iv| iv.as_ref().map(|iv| {
                    let t = now.get();
                    questions.with(|qs| {
                        let r = iv.report(qs, t);
                        let timed_out = iv.remaining_ms(t) == 0;
                        view! {
                            <div class="interview-report" data-testid="interview-report">
                                <h2>"Your interview"</h2>
                                <p data-testid="interview-score" data-right=r.right.to_string() data-asked=r.asked.to_string()>
                                    {format!("{} of {} right", r.right, r.asked)}
                                    {(r.unanswered > 0).then(|| format!(", {} not answered", r.unanswered))}
                                    {format!(" in {}{}.", clock_text(r.used_ms), if timed_out { " — time ran out" } else { "" })}
                                </p>
                                <table class="data-table">
                                    <caption>"Score by pattern"</caption>
                                    <thead><tr><th scope="col">"Pattern"</th><th scope="col">"Asked"</th><th scope="col">"Right"</th><th scope="col">"Not answered"</th></tr></thead>
                                    <tbody>
                                        {r.by_pattern.iter().map(|s| view! {
                                            <tr data-testid=format!("interview-row-{}", s.pattern)>
                                                <th scope="row">{pattern_name(&s.pattern).to_string()}</th>
                                                <td>{s.asked}</td><td>{s.right}</td><td>{s.unanswered}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <h3>"The questions"</h3>
                                <ol class="interview-review">
                                    {iv.picked.iter().zip(iv.answers.iter()).filter_map(|(&i, a)| {
                                        let q = qs.get(i)?;
                                        let verdict = match a { Some(true) => "right", Some(false) => "wrong", None => "not answered" };
                                        Some(view! {
                                            <li class=format!("review {}", verdict.replace(' ', "-"))>
                                                <p><strong>{verdict}</strong>" — "{q.stem.clone()}</p>
                                                <p>"Answer: "{q.answer_text()}". "{q.explanation.clone()}" "
                                                    <a rel="external" href=q.link.clone()>"See it in the simulation →"</a></p>
                                            </li>
                                        })
                                    }).collect_view()}
                                </ol>
                            </div>
                        }
                    })
                }))}
            </Show>
        </section>
    }
}

#[component]
fn YourWork(questions: Memo<Vec<Question>>) -> impl IntoView {
    let work = Work::get();
    let imported = RwSignal::new(None::<SavedWork>);
    let import_error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let on_file = move |e: leptos::ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        done.set(None);
        leptos::task::spawn_local(async move {
            let text = browser::picked_file_text(&input).await;
            input.set_value("");
            match text {
                None => {}
                Some(Err(e)) => {
                    imported.set(None);
                    import_error.set(Some(e));
                }
                Some(Ok(text)) => match SavedWork::from_json(&text) {
                    Ok(w) => {
                        import_error.set(None);
                        imported.set(Some(w));
                    }
                    Err(e) => {
                        imported.set(None);
                        import_error.set(Some(format!("{} Your current work is unchanged.", e.0)));
                    }
                },
            }
        });
    };
    let finish_import = move |replace: bool| {
        let Some(w) = imported.get_untracked() else {
            return;
        };
        work.update(|cur| {
            if replace {
                *cur = w.clone()
            } else {
                cur.merge(&w)
            }
        });
        imported.set(None);
        done.set(Some(if replace {
            "Imported: your work was replaced by the file's.".into()
        } else {
            "Imported: the file's work was merged into yours.".into()
        }));
    };
    let progress = move || {
        work.data.with(|w| {
            questions.with(|qs| {
                PATTERNS
                    .iter()
                    .map(|(slug, name)| {
                        let of: Vec<&Question> = qs.iter().filter(|q| q.pattern == *slug && q.origin != Origin::Generated).collect();
                        let tried = of.iter().filter(|q| w.answer(&q.id).is_some()).count();
                        let right = of.iter().filter(|q| w.answer(&q.id).is_some_and(|a| a.last)).count();
                        let tour = w.tour(slug);
                        view! {
                            <tr>
                                <th scope="row"><a href=format!("/{slug}")>{*name}</a></th>
                                <td>{of.len()}</td><td>{tried}</td><td>{right}</td>
                                <td>{match tour { None => "not started".to_string(), Some(k) if k as usize > 8 => "finished".to_string(), Some(k) => format!("at slide {k}") }}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <section class="panel quiz-work" aria-label="Your work">
            <h2>"Progress"</h2>
            <table class="data-table" data-testid="work-progress">
                <thead><tr><th scope="col">"Pattern"</th><th scope="col">"Questions"</th><th scope="col">"Tried"</th><th scope="col">"Right (latest)"</th><th scope="col">"Tour"</th></tr></thead>
                <tbody>{progress}</tbody>
            </table>
            <h2>"Saved scenarios"</h2>
            <p class="hint">"Save any simulation's exact state with “Save…” at the top of its page."</p>
            <ul class="saved-list" data-testid="saved-scenarios">
                {move || work.data.with(|w| {
                    if w.scenarios.is_empty() {
                        return view! { <li class="empty">"None yet."</li> }.into_any();
                    }
                    w.scenarios.iter().enumerate().map(|(i, s)| view! {
                        <li data-testid=format!("saved-{i}")>
                            <a data-testid=format!("saved-open-{i}") rel="external" href=s.href()>{s.name.clone()}</a>
                            <span class="route">{format!(" — /{}", s.route)}</span>
                            " "
                            <button type="button" class="link" data-testid=format!("saved-delete-{i}")
                                aria-label=format!("Delete {}", s.name)
                                on:click=move |_| work.update(|w| { w.delete_scenario(i); })>"Delete"</button>
                        </li>
                    }).collect_view().into_any()
                })}
            </ul>
            <h2>"Interviews"</h2>
            <ul data-testid="interview-history">
                {move || work.data.with(|w| {
                    if w.interviews.is_empty() {
                        return view! { <li class="empty">"None yet."</li> }.into_any();
                    }
                    w.interviews.iter().rev().map(|r| view! {
                        <li>{format!("{} of {} right in {} (of {} allowed)", r.right, r.asked, clock_text(r.used_ms), clock_text(r.limit_ms))}</li>
                    }).collect_view().into_any()
                })}
            </ul>
            <h2>"Keep it safe"</h2>
            <p>"Your work lives in this browser only. Export it as a file to keep a copy or move it to another browser; importing a file lets you merge it into your work or replace your work with it."</p>
            <button type="button" data-testid="work-export" on:click=move |_| work.export()>"Export my work (JSON)"</button>
            " "
            <label class="file">"Import a file "
                <input type="file" accept=".json,application/json" data-testid="work-import" on:change=on_file />
            </label>
            {move || import_error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="work-import-error">{e}</p> })}
            {move || imported.get().map(|w| view! {
                <div class="banner notice" role="status" data-testid="work-import-choice">
                    <p>{format!("The file holds {} answered questions, {} interviews, {} tour positions and {} saved scenarios. What should happen to your current work?",
                        w.answers.len(), w.interviews.len(), w.tours.len(), w.scenarios.len())}</p>
                    <button type="button" data-testid="work-import-merge" on:click=move |_| finish_import(false)>"Merge it into my work"</button>
                    " "
                    <button type="button" data-testid="work-import-replace" on:click=move |_| finish_import(true)>"Replace my work with it"</button>
                    " "
                    <button type="button" data-testid="work-import-cancel" on:click=move |_| imported.set(None)>"Cancel"</button>
                </div>
            })}
            {move || done.get().map(|d| view! { <p class="banner notice" role="status" data-testid="work-import-done">{d}</p> })}
        </section>
    }
}
