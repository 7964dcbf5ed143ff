//! The explainer (what it is / when to use it / when not to) with glossary tooltips, and
//! the keyboard-help overlay lives in `help.rs`.

use leptos::prelude::*;

/// A term with its definition, shown as a tooltip (title + focusable for keyboard users).
#[component]
pub fn Term(term: &'static str, definition: &'static str) -> impl IntoView {
    view! { <dfn class="term" tabindex="0" title=definition data-testid="glossary-term">{term}</dfn> }
}

/// `explainer`: three short paragraphs and a glossary.
#[component]
pub fn Explainer(
    what: &'static str,
    when: &'static str,
    when_not: &'static str,
    glossary: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    view! {
        <section class="panel lazy explainer" id="explainer" data-testid="explainer" aria-label="Explainer">
            <h2>"What it is"</h2>
            <p>{what}</p>
            <h3>"When to use it"</h3>
            <p>{when}</p>
            <h3>"When not to"</h3>
            <p>{when_not}</p>
            <h3>"Glossary"</h3>
            <dl class="glossary">
                {glossary.iter().map(|(t, d)| view! { <dt><Term term=t definition=d /></dt><dd>{*d}</dd> }).collect_view()}
            </dl>
        </section>
    }
}
