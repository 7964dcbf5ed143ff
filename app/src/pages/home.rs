//! Home: what pipelab is, a card per pattern, compare view and the quiz.

use leptos::prelude::*;

use crate::catalog::{Card, COMPARES, PATTERNS, QUIZ};

fn card(c: &'static Card) -> impl IntoView {
    let body = view! {
        <h3>{c.title}</h3>
        <p>{c.blurb}</p>
    };
    if c.built {
        view! {
            <li class="card built" data-testid=format!("card-{}", c.id) data-built="true">
                <a href=format!("/{}", c.route)>{body}<span class="cta">"Open →"</span></a>
            </li>
        }
        .into_any()
    } else {
        view! {
            <li class="card unbuilt" data-testid=format!("card-{}", c.id) data-built="false" aria-disabled="true">
                {body}<span class="soon">"Not built yet"</span>
            </li>
        }
        .into_any()
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let ready = super::ready_flag();
    view! {
        <div class="page home" data-testid="page-home" data-ready=move || if ready.get() { "true" } else { "false" }>
            <section class="hero">
                <h1>"Run the data-engineering patterns, don’t just read about them."</h1>
                <p>"Each pattern is a live simulation on a deterministic order stream: step forward and back, scrub through time, change the workload, break things on purpose, and check every answer against an independently computed ground truth. Everything runs in your browser; every state is a link you can share."</p>
            </section>
            <h2>"Patterns"</h2>
            <ul class="cards">{PATTERNS.iter().map(card).collect_view()}</ul>
            <h2>"Compare two designs on the same input"</h2>
            <ul class="cards">{COMPARES.iter().map(card).collect_view()}</ul>
            <h2>"Check yourself"</h2>
            <ul class="cards">{card(&QUIZ)}</ul>
            <p>
                "Every pattern page can switch on a mistake from the study note pipelab teaches from. "
                <a href="/note" data-testid="home-note">"The note, in our words, and every pitfall from it →"</a>
            </p>
        </div>
    }
}
