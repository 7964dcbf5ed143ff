//! Thin generic wiring between a [`Sim`] and the shared widgets, so a pattern page is
//! mostly its picture and tables. Nothing here knows a pattern.

use leptos::ev;
use leptos::prelude::*;
use pipelab_core::sim::{Params, Scenario};

use crate::browser;
use crate::sim::{Sim, SPEEDS};
use crate::widgets::faults::{FaultButtons, FaultList};
use crate::widgets::help::HelpOverlay;
use crate::widgets::narration::{Narration, NarrationLog};
use crate::widgets::scenario::{ParamForm, PitfallToggles, Presets, SeedInput};
use crate::widgets::transport::Transport;

/// The page root: `page-<slug>` with `data-ready`, the global keys, the help overlay, the
/// `url-error` banner and the action notice.
#[component]
pub fn SimPage<S: Scenario + Send + Sync + 'static>(
    sim: Sim<S>,
    title: &'static str,
    children: Children,
) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    let ready = RwSignal::new(false);
    let help = RwSignal::new(false);
    Effect::new(move |_| {
        if !ready.get_untracked() {
            ready.set(true);
            browser::mark("pipelab:interactive");
        }
    });
    let handle = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        if e.ctrl_key() || e.alt_key() || e.meta_key() || browser::is_editable_target(&e) {
            return;
        }
        if help.get_untracked() {
            if e.key() == "Escape" {
                help.set(false);
            }
            return;
        }
        match e.key().as_str() {
            " " | "Spacebar" if !browser::is_button_target(&e) => {
                e.prevent_default();
                sim.toggle_play();
            }
            "ArrowRight" => {
                e.prevent_default();
                sim.step_forward();
            }
            "ArrowLeft" => {
                e.prevent_default();
                sim.step_back();
            }
            "Home" => {
                e.prevent_default();
                sim.to_start();
            }
            "End" => {
                e.prevent_default();
                sim.to_end();
            }
            "+" | "=" | "Add" => sim.faster(),
            "-" | "Subtract" => sim.slower(),
            "?" => help.set(true),
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <div class="page sim-page" data-testid=format!("page-{}", S::SLUG)
            data-ready=move || if ready.get() { "true" } else { "false" }>
            <header class="page-head">
                <h1>{title}</h1>
                <div class="toolbar">
                    <button data-testid="next-notable" title=format!("Jump to the next notable event: {}", S::notable_means())
                        on:click=move |_| sim.next_notable()>"Next notable event »"</button>
                    <CopyLink sim=sim />
                    <button data-testid="help" aria-label="Keyboard help" title="Keyboard help (?)"
                        on:click=move |_| help.set(true)>"?"</button>
                </div>
            </header>
            <Show when=move || sim.url_error.get().is_some()>
                <p class="banner error" data-testid="url-error" role="alert">{move || sim.url_error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || sim.notice.get().is_some()>
                <p class="banner notice" data-testid="notice" role="status">
                    {move || sim.notice.get().unwrap_or_default()}
                    <button class="link" aria-label="Dismiss" on:click=move |_| sim.notice.set(None)>"✕"</button>
                </p>
            </Show>
            {children()}
            <HelpOverlay open=help />
        </div>
    }
}

/// "Copy link": puts the scenario's URL on the clipboard and shows it.
#[component]
pub fn CopyLink<S: Scenario + Send + Sync + 'static>(sim: Sim<S>) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    let copied = RwSignal::new(false);
    view! {
        <button data-testid="copy-link" title="Copy a link to exactly this state"
            on:click=move |_| {
                browser::copy_text(&sim.link());
                copied.set(true);
                set_timeout(move || { let _ = copied.try_set(false); }, std::time::Duration::from_millis(1500));
            }>
            {move || if copied.get() { "✓ Link copied" } else { "Copy link" }}
        </button>
    }
}

/// The transport bar wired to the simulation.
#[component]
pub fn SimTransport<S: Scenario + Send + Sync + 'static>(sim: Sim<S>) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    view! {
        <Transport
            step=Signal::derive(move || sim.step())
            total=Signal::derive(move || sim.total())
            playing=sim.playing
            speed=sim.speed
            speeds=SPEEDS
            markers=Signal::derive(move || sim.faults().into_iter().map(|f| f.step).collect())
            pending=Signal::derive(move || sim.pending.get().map(|t| (t, sim.built_fraction())))
            on_play=Callback::new(move |_| sim.toggle_play())
            on_step_forward=Callback::new(move |_| sim.step_forward())
            on_step_back=Callback::new(move |_| sim.step_back())
            on_start=Callback::new(move |_| sim.to_start())
            on_end=Callback::new(move |_| sim.to_end())
            on_seek=Callback::new(move |n| { sim.playing.set(false); sim.scrub_to(n) })
            on_speed=Callback::new(move |i| sim.speed.set(i))
        />
    }
}

/// The current sentence.
#[component]
pub fn SimNarration<S: Scenario + Send + Sync + 'static>(sim: Sim<S>) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    view! { <Narration text=Signal::derive(move || sim.with(|t| t.current().narrate())) playing=sim.playing /> }
}

/// The log of every step so far.
#[component]
pub fn SimNarrationLog<S: Scenario + Send + Sync + 'static>(sim: Sim<S>) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    view! {
        <section class="panel lazy">
            <h3>"Narration log"</h3>
            <NarrationLog
                current=Signal::derive(move || sim.step())
                fetch=Callback::new(move |(a, b)| sim.narrations(a, b))
                on_pick=Callback::new(move |n| sim.go_to(n))
            />
        </section>
    }
}

/// Seed, presets and reset, parameters, pitfalls.
#[component]
pub fn SimScenarioPanel<S: Scenario + Send + Sync + 'static>(
    sim: Sim<S>,
    #[prop(optional)] pitfall_instead: Option<&'static str>,
) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    let values = Signal::derive(move || {
        sim.params.with(|p| {
            S::Params::specs()
                .iter()
                .filter_map(|s| p.get(s.name).map(|v| (s.name.to_string(), v)))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="panel scenario" aria-label="Scenario">
            <h2>"Scenario"</h2>
            <Presets presets=S::presets()
                on_pick=Callback::new(move |name: String| sim.apply_preset(&name))
                on_reset=Callback::new(move |_| sim.reset()) />
            <SeedInput seed=sim.seed
                on_apply=Callback::new(move |text: String| sim.set_seed_text(&text))
                on_random=Callback::new(move |_| sim.random_seed()) />
            <ParamForm specs=S::Params::specs() values=values errors=sim.param_errors
                on_change=Callback::new(move |(field, value): (String, String)| sim.set_param(&field, &value)) />
            <PitfallToggles pitfalls=S::Params::pitfalls() active=sim.pitfalls
                on_toggle=Callback::new(move |(name, on): (String, bool)| sim.set_pitfall(&name, on))
                instead=pitfall_instead.unwrap_or("") />
        </section>
    }
}

/// Fault buttons and the list of injected faults.
#[component]
pub fn SimFaultsPanel<S: Scenario + Send + Sync + 'static>(sim: Sim<S>) -> impl IntoView
where
    S::Params: Send + Sync + 'static,
{
    view! {
        <section class="panel faults-panel" aria-label="Faults">
            <h2>"Faults"</h2>
            <FaultButtons specs=S::fault_specs() on_inject=Callback::new(move |kind: String| sim.inject(&kind)) />
            <FaultList
                faults=Signal::derive(move || sim.faults())
                rejected=Signal::derive(move || sim.rejected_faults().into_iter().map(|(s, f, w)| (s, f.kind, w)).collect())
                on_remove=Callback::new(move |i| sim.remove_fault(i))
                on_seek=Callback::new(move |n| sim.go_to(n)) />
        </section>
    }
}
