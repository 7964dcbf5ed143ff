//! The code panel: the real-world equivalent of the current configuration, with the lines
//! the current step exercises highlighted.
//!
//! The lines are rendered once per configuration; stepping only flips the highlight of the
//! lines whose state changed (one memo per line), so a seek does not rewrite the panel.

use leptos::prelude::*;
use pipelab_core::sim::CodeView;

#[component]
pub fn CodePanel(#[prop(into)] code: Signal<CodeView>) -> impl IntoView {
    let text = Memo::new(move |_| code.with(|c| (c.title, c.lines.clone(), c.note)));
    let active = Memo::new(move |_| code.with(|c| c.active.clone()));
    view! {
        <section class="panel lazy code-panel" data-testid="code-panel" aria-label="Code">
            <h3>{move || text.with(|t| t.0)}</h3>
            // The listing scrolls sideways on a narrow screen: focusable, so the keyboard can
            // scroll it too, and named as the region it then is. While it is focused and does
            // overflow, the left and right arrows scroll it (`SimPage`'s keys leave them alone).
            <pre class="code" tabindex="0" role="region" aria-label="Code listing"><code>
                {move || {
                    text.with(|t| {
                        t.1.iter().enumerate().map(|(i, line)| {
                            let on = Memo::new(move |_| active.with(|a| a.contains(&i)));
                            view! {
                                <span class=move || if on.get() { "line active" } else { "line" }
                                    data-active=move || if on.get() { "true" } else { "false" }>
                                    <span class="ln" aria-hidden="true">{format!("{:>2} ", i + 1)}</span>
                                    {line.clone()}
                                    "\n"
                                </span>
                            }
                        }).collect_view()
                    })
                }}
            </code></pre>
            {move || text.with(|t| t.2).map(|n| view! { <p class="pitfall-note"><strong>"The note’s mistake: "</strong>{n}</p> })}
        </section>
    }
}
