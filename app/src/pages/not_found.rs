//! Anything that is not a built route.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    let ready = super::ready_flag();
    let path = crate::browser::location_path();
    view! {
        <div class="page not-found" data-testid="page-not-found" data-ready=move || if ready.get() { "true" } else { "false" }>
            <h1>"Nothing here (yet)"</h1>
            <p>"There is no page at " <code>{path}</code> ". It may be a pattern that is not built yet."</p>
            <p><A href="/">"← Back to all patterns"</A></p>
        </div>
    }
}
