//! Scenario controls: seed (with random), the parameter form with inline errors, presets,
//! reset, and pitfall toggles.

use leptos::prelude::*;
use pipelab_core::sim::{ParamKind, ParamSpec, PitfallSpec, Preset};

/// `seed` and `seed-random`. The seed applies on `change`; a bad one shows why, inline.
#[component]
pub fn SeedInput(
    #[prop(into)] seed: Signal<u64>,
    on_apply: Callback<String, Result<(), String>>,
    on_random: Callback<()>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    view! {
        <div class="field">
            <label for="seed-input">"Seed"</label>
            <div class="seed-row">
                <input id="seed-input" type="text" inputmode="numeric" data-testid="seed"
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                    aria-describedby="seed-error"
                    prop:value=move || seed.get().to_string()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        error.set(on_apply.run(text).err());
                    } />
                <button data-testid="seed-random" title="A random seed"
                    on:click=move |_| { error.set(None); on_random.run(()); }>"Random"</button>
            </div>
            <Show when=move || error.get().is_some()>
                <p class="error" id="seed-error" data-testid="seed-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// The value for `key` in a list of pairs.
fn lookup<T: Clone>(pairs: &[(String, T)], key: &str) -> Option<T> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// One input per parameter (`param-<field>`, or `a-param-<field>` for a compare side's
/// `a.<field>`), with `…-error` beside it when invalid.
/// `values` gives the current valid value of each field; `errors` the rejected text and why.
#[component]
pub fn ParamForm(
    specs: &'static [ParamSpec],
    /// `(field, value)` of every valid current value.
    #[prop(into)]
    values: Signal<Vec<(String, String)>>,
    /// `(field, (rejected text, message))`.
    #[prop(into)]
    errors: Signal<Vec<(String, (String, String))>>,
    on_change: Callback<(String, String)>,
) -> impl IntoView {
    specs
        .iter()
        // A text parameter (a contract's JSON) has its page's own editor.
        .filter(|spec| !matches!(spec.kind, ParamKind::Text { .. }))
        .map(|spec| {
            let name = spec.name;
            let hook = pipelab_core::sim::params::param_hook(name);
            let id = format!("{hook}-input");
            let err_id = format!("{hook}-error-text");
            let err_hook = format!("{hook}-error");
            let shown = move || {
                lookup(&errors.get(), name)
                    .map(|(text, _)| text)
                    .or_else(|| lookup(&values.get(), name))
                    .unwrap_or_default()
            };
            let err = move || lookup(&errors.get(), name).map(|(_, m)| m);
            let control = match spec.kind {
                ParamKind::Choice(choices) => view! {
                    <select id=id.clone() data-testid=hook.clone()
                        prop:value=shown
                        on:change=move |ev| on_change.run((name.to_string(), event_target_value(&ev)))>
                        {choices.iter().map(|(v, label)| view! {
                            <option value=*v selected=move || lookup(&values.get(), name).map(|x| x == *v).unwrap_or(false)>{*label}</option>
                        }).collect_view()}
                    </select>
                }
                .into_any(),
                ParamKind::Text { .. } => ().into_any(),
                ParamKind::Int { .. } | ParamKind::Float { .. } => {
                    let (mode, range) = match spec.kind {
                        ParamKind::Float { min, max } => ("decimal", format!("{min} to {max}")),
                        ParamKind::Int { min, max } => ("numeric", format!("{min} to {max}")),
                        _ => ("text", String::new()),
                    };
                    view! {
                        <input id=id.clone() type="text" inputmode=mode data-testid=hook.clone()
                            title=range
                            aria-invalid=move || if err().is_some() { "true" } else { "false" }
                            aria-describedby=err_id.clone()
                            prop:value=shown
                            on:change=move |ev| on_change.run((name.to_string(), event_target_value(&ev))) />
                    }
                    .into_any()
                }
            };
            view! {
                <div class="field">
                    <label for=id title=spec.help>{spec.label}</label>
                    {control}
                    <Show when=move || err().is_some()>
                        <p class="error" id=err_id.clone() data-testid=err_hook.clone() role="alert">
                            {move || err().unwrap_or_default()}
                        </p>
                    </Show>
                    <p class="hint">{spec.help}</p>
                </div>
            }
        })
        .collect_view()
}

/// The `preset` select and the `reset` button.
#[component]
pub fn Presets(
    presets: &'static [Preset],
    on_pick: Callback<String>,
    on_reset: Callback<()>,
) -> impl IntoView {
    let select = NodeRef::<leptos::html::Select>::new();
    view! {
        <div class="field presets">
            <label for="preset-select">"Preset"</label>
            <div class="seed-row">
                <select id="preset-select" data-testid="preset" node_ref=select
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if !v.is_empty() {
                            on_pick.run(v);
                        }
                        if let Some(s) = select.get() {
                            s.set_value("");
                        }
                    }>
                    <option value="">"Choose a scenario worth seeing…"</option>
                    {presets.iter().map(|p| view! { <option value=p.name title=p.description>{p.label}</option> }).collect_view()}
                </select>
                <button data-testid="reset" title="Back to the defaults at step 0" on:click=move |_| on_reset.run(())>"Reset"</button>
            </div>
        </div>
    }
}

/// One `pitfall-<name>` checkbox per toggle; renders nothing for a page without pitfalls
/// except a line saying where its pitfall is shown instead.
#[component]
pub fn PitfallToggles(
    pitfalls: &'static [PitfallSpec],
    #[prop(into)] active: Signal<Vec<String>>,
    on_toggle: Callback<(String, bool)>,
    /// Shown when the page has no toggle (its pitfall is taught another way).
    #[prop(optional)]
    instead: Option<&'static str>,
) -> impl IntoView {
    view! {
        <fieldset class="pitfalls">
            <legend>"The note’s pitfalls"</legend>
            <p class="hint">
                "“The note” is the study note pipelab’s pitfalls come from: its examples contain mistakes worth seeing fail. "
                <a href="/note">"What the note is, and every pitfall from it"</a>
            </p>
            {pitfalls.iter().map(|p| {
                let name = p.name;
                view! {
                    <label class="check" title=p.help>
                        <input type="checkbox" data-testid=format!("pitfall-{name}")
                            prop:checked=move || active.get().iter().any(|a| a == name)
                            on:change=move |ev| on_toggle.run((name.to_string(), event_target_checked(&ev))) />
                        {p.label}
                    </label>
                    <p class="hint">{p.help}</p>
                }
            }).collect_view()}
            {instead.filter(|t| !t.is_empty()).map(|t| view! { <p class="hint">{t}</p> })}
        </fieldset>
    }
}
