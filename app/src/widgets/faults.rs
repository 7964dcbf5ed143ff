//! Fault buttons and the removable list of injected faults.

use leptos::prelude::*;
use pipelab_core::sim::{FaultAt, FaultSpec};

/// One `fault-<kind>` button per fault the pattern offers.
#[component]
pub fn FaultButtons(specs: &'static [FaultSpec], on_inject: Callback<String>) -> impl IntoView {
    view! {
        <div class="fault-buttons" role="group" aria-label="Inject a fault at this step">
            {specs.iter().map(|f| {
                let kind = f.kind;
                view! {
                    <button class="fault" data-testid=format!("fault-{kind}") title=f.help
                        on:click=move |_| on_inject.run(kind.to_string())>{f.label}</button>
                }
            }).collect_view()}
        </div>
    }
}

/// `faults`: the injected faults (step, kind), each removable and each a link to its step.
#[component]
pub fn FaultList(
    #[prop(into)] faults: Signal<Vec<FaultAt>>,
    /// `(step, kind, why)` of faults that could not apply.
    #[prop(into)]
    rejected: Signal<Vec<(u64, String, String)>>,
    on_remove: Callback<usize>,
    on_seek: Callback<u64>,
) -> impl IntoView {
    view! {
        <div class="fault-list">
            <h3>"Injected faults"</h3>
            <ul data-testid="faults">
                {move || {
                    let list = faults.get();
                    if list.is_empty() {
                        return view! { <li class="empty">"None yet. A fault applies after the current step and is kept in the link."</li> }.into_any();
                    }
                    let rej = rejected.get();
                    list.into_iter().enumerate().map(|(i, f)| {
                        let step = f.step;
                        let why = rej.iter().find(|(s, k, _)| *s == step && *k == f.fault.kind).map(|(_, _, w)| w.clone());
                        let label = match f.fault.arg {
                            Some(a) => format!("{} ({a})", f.fault.kind),
                            None => f.fault.kind.clone(),
                        };
                        view! {
                            <li data-testid="fault-item" data-step=step.to_string()>
                                <button class="link" title="Go to this step" on:click=move |_| on_seek.run(step)>
                                    {format!("step {step}")}
                                </button>
                                " · " {label}
                                {why.map(|w| view! { <span class="error">{format!(" — not applied: {w}")}</span> })}
                                <button data-testid="fault-remove" class="remove" aria-label=format!("Remove the fault at step {step}")
                                    on:click=move |_| on_remove.run(i)>"✕"</button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        </div>
    }
}
