//! `/note`: the study note the pitfalls come from, in our words, each pitfall linked to a
//! run that shows it (`pipelab_core::learn::note`).

use leptos::prelude::*;
use pipelab_core::learn::note::{sections, ABOUT};

#[component]
pub fn NotePage() -> impl IntoView {
    let ready = super::ready_flag();
    let list = sections();
    view! {
        <div class="page note" data-testid="page-note" data-ready=move || if ready.get() { "true" } else { "false" }>
            <h1>"The study note behind the pitfalls"</h1>
            <p class="lede">{ABOUT}</p>
            <nav aria-label="Sections of the note">
                <ul class="note-toc">
                    {list.iter().map(|s| view! {
                        <li><a href=format!("#note-{}", s.slug)>{s.title}</a></li>
                    }).collect_view()}
                </ul>
            </nav>
            {list.into_iter().map(|s| view! {
                <section class="note-section panel" id=format!("note-{}", s.slug) data-testid=format!("note-{}", s.slug)>
                    <h2>{s.title}" "<a class="note-open" href=format!("/{}", s.slug)>"open the pattern →"</a></h2>
                    <p><strong>"What it teaches. "</strong>{s.teaches}</p>
                    <h3>"Where its example goes wrong"</h3>
                    <ul class="note-pitfalls">
                        {s.pitfalls.into_iter().map(|p| view! {
                            <li>
                                <p><strong>{p.label}</strong></p>
                                <p>{p.what}</p>
                                // A full page load (as the quiz's links do): the page reads its state from the
                                // URL when it starts.
                                <p><a rel="external" href=p.link data-testid="note-pitfall-link">"See it happen in the simulation →"</a></p>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </div>
    }
}
