//! The code panel: the real-world equivalent of the current configuration, with the lines
//! the current step exercises highlighted.

use leptos::prelude::*;
use pipelab_core::sim::CodeView;

#[component]
pub fn CodePanel(#[prop(into)] code: Signal<CodeView>) -> impl IntoView {
    view! {
        <section class="panel lazy code-panel" data-testid="code-panel" aria-label="Code">
            <h3>{move || code.get().title}</h3>
            <pre class="code"><code>
                {move || {
                    let c = code.get();
                    c.lines.iter().enumerate().map(|(i, line)| {
                        let active = c.active.contains(&i);
                        view! {
                            <span class=if active { "line active" } else { "line" }
                                data-active=if active { "true" } else { "false" }>
                                <span class="ln" aria-hidden="true">{format!("{:>2} ", i + 1)}</span>
                                {line.to_string()}
                                "\n"
                            </span>
                        }
                    }).collect_view()
                }}
            </code></pre>
            {move || code.get().note.map(|n| view! { <p class="pitfall-note"><strong>"The note’s mistake: "</strong>{n}</p> })}
        </section>
    }
}
