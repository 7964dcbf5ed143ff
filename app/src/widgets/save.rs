//! "Save": keeps the current scenario under a name in the learner's saved work (listed,
//! opened and deleted on the quiz page's "Your work"). Hooks: `save-scenario` (toggle),
//! `save-name`, `save-confirm`, `save-message`.

use leptos::prelude::*;

use crate::browser;
use crate::sim_widgets::SimUi;
use crate::work::Work;

#[component]
pub fn SaveScenario(ui: SimUi) -> impl IntoView {
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let work = Work::get();
    let save = move || {
        let route = browser::location_path().trim_matches('/').to_string();
        let query = ui.query.run(());
        let now = browser::clock_ms();
        let mut outcome = Err(String::new());
        work.update(|w| outcome = w.save_scenario(&name.get_untracked(), &route, &query, now));
        match outcome {
            Ok(msg) => {
                message.set(Some((true, msg)));
                open.set(false);
                name.set(String::new());
            }
            Err(why) => message.set(Some((false, why))),
        }
    };
    view! {
        <span class="save-scenario">
            <button type="button" data-testid="save-scenario" aria-expanded=move || if open.get() { "true" } else { "false" }
                title="Keep this exact state under a name (listed on the quiz page, under Your work)"
                on:click=move |_| { open.update(|o| *o = !*o); message.set(None); }>"Save…"</button>
            <Show when=move || open.get()>
                <form class="save-form" on:submit=move |e| { e.prevent_default(); save(); }>
                    <label>"Name "
                        <input type="text" data-testid="save-name" maxlength="80" autofocus
                            prop:value=move || name.get()
                            on:input=move |e| name.set(event_target_value(&e)) />
                    </label>
                    <button type="submit" data-testid="save-confirm">"Save"</button>
                </form>
            </Show>
            {move || message.get().map(|(ok, text)| view! {
                <span class=if ok { "save-message ok" } else { "save-message error" } role="status" data-testid="save-message">{text}</span>
            })}
        </span>
    }
}
