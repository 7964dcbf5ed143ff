//! "A few questions" on a pattern page: multiple choice, checked on demand, each with an
//! explanation. A question's answer may come from the live simulation: `answer` is asked
//! only when the learner presses "Check", so a costly what-if never runs per step.
//!
//! Hooks: `questions`, and per question `question-<id>`, `question-<id>-choice-<i>` (radio),
//! `question-<id>-check` and `question-<id>-result` (`data-correct` = `true` / `false`).

use leptos::prelude::*;

/// One question. `answer` returns the index of the right choice and the explanation for the
/// current state (for a predict question: what the simulation says will happen).
#[derive(Clone)]
pub struct Question {
    pub id: &'static str,
    pub prompt: String,
    pub choices: Vec<String>,
    pub answer: Callback<(), (usize, String)>,
}

#[component]
pub fn Questions(questions: Vec<Question>) -> impl IntoView {
    view! {
        <section class="panel lazy questions" data-testid="questions" aria-label="Questions">
            <h2>"Check yourself"</h2>
            <ol class="question-list">
                {questions.into_iter().map(|q| view! { <QuestionItem q=q /> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn QuestionItem(q: Question) -> impl IntoView {
    let picked = RwSignal::new(None::<usize>);
    // (correct, text) once checked; cleared when the choice changes.
    let result = RwSignal::new(None::<(bool, String)>);
    let id = q.id;
    let answer = q.answer;
    let check = move |_| {
        let Some(choice) = picked.get_untracked() else {
            result.set(Some((false, "Pick an answer first.".into())));
            return;
        };
        let (right, why) = answer.run(());
        result.set(Some((choice == right, why)));
    };
    let choices = q
        .choices
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            view! {
                <li>
                    <label>
                        <input type="radio" name=format!("q-{id}") data-testid=format!("question-{id}-choice-{i}")
                            on:change=move |_| { picked.set(Some(i)); result.set(None); } />
                        " "{text}
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="question" data-testid=format!("question-{id}")>
            <p class="prompt">{q.prompt}</p>
            <ul class="choices">{choices}</ul>
            <button type="button" data-testid=format!("question-{id}-check") on:click=check>"Check"</button>
            {move || result.get().map(|(ok, why)| view! {
                <p class=if ok { "result right" } else { "result wrong" } role="status"
                    data-testid=format!("question-{id}-result") data-correct=if ok { "true" } else { "false" }>
                    <strong>{if ok { "Right. " } else { "Not quite. " }}</strong>{why}
                </p>
            })}
        </li>
    }
}
