//! The `?` keyboard-help overlay.

use leptos::prelude::*;

pub const KEYS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("→ / ←", "step forward / back"),
    ("Home / End", "jump to start / end"),
    ("+ / −", "faster / slower"),
    ("?", "show this help"),
    ("Esc", "close this help"),
];

/// `help-overlay`, shown while `open`; Escape or the button closes it.
#[component]
pub fn HelpOverlay(open: RwSignal<bool>) -> impl IntoView {
    let close = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(b) = close.get() {
                let _ = b.focus();
            }
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="overlay" data-testid="help-overlay" role="dialog" aria-modal="true" aria-labelledby="help-title"
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                <div class="overlay-box">
                    <h2 id="help-title">"Keyboard"</h2>
                    <table class="keys">
                        <tbody>
                            {KEYS.iter().map(|(k, what)| view! { <tr><th scope="row"><kbd>{*k}</kbd></th><td>{*what}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                    <p class="hint">"Keys are ignored while you type in a field."</p>
                    <button node_ref=close on:click=move |_| open.set(false)>"Close"</button>
                </div>
            </div>
        </Show>
    }
}
