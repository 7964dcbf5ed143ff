//! Anything that is not a built route.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let ready = super::ready_flag();
    let path = crate::browser::location_path();
    view! {
        <div class="page not-found" data-testid="page-not-found" data-ready=move || if ready.get() { "true" } else { "false" }>
            <h1>"Nothing here (yet)"</h1>
            <p>"There is no page at " <code>{path}</code> ". It may be a pattern that is not built yet."</p>
            <p><a href="/">"← Back to all patterns"</a></p>
        </div>
    }
}
