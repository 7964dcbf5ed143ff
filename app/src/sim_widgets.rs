//! Wiring between a simulation and the shared widgets, so a pattern page is mostly its
//! picture and tables. Nothing here knows a pattern, and nothing here is generic: a page
//! turns its [`Sim`] into a [`SimUi`] once (signals, callbacks and static metadata), so the
//! widgets' code exists once in the download however many pages there are.

use leptos::ev;
use leptos::prelude::*;
use pipelab_core::sim::{
    FaultAt, FaultSpec, NarrationLine, ParamSpec, Params, PitfallSpec, Preset, Scenario,
};

use crate::browser;
use crate::sim::{Sim, SimCore, SPEEDS};
use crate::widgets::faults::{FaultButtons, FaultList};
use crate::widgets::help::HelpOverlay;
use crate::widgets::narration::{Narration, NarrationLog};
use crate::widgets::save::SaveScenario;
use crate::widgets::scenario::{ParamForm, PitfallToggles, Presets, SeedInput};
use crate::widgets::tour::{TourButton, TourPanel};
use crate::widgets::transport::Transport;

/// Everything a user can do to a simulation from the shared widgets.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    TogglePlay,
    StepForward,
    StepBack,
    ToStart,
    ToEnd,
    Faster,
    Slower,
    NextNotable,
    GoTo(u64),
    /// A seek-bar input (stops play; the URL follows shortly after).
    ScrubTo(u64),
    SetParam(String, String),
    RandomSeed,
    SetPitfall(String, bool),
    Inject(String),
    RemoveFault(usize),
    Preset(String),
    Reset,
}

/// A simulation as the shared widgets see it: `Copy`, not generic.
#[derive(Clone, Copy)]
pub struct SimUi {
    pub slug: &'static str,
    pub notable_means: &'static str,
    pub specs: &'static [ParamSpec],
    pub pitfall_specs: &'static [PitfallSpec],
    pub presets: &'static [Preset],
    pub fault_specs: &'static [FaultSpec],
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<usize>,
    pub seed: RwSignal<u64>,
    pub pitfalls: RwSignal<Vec<String>>,
    pub notice: RwSignal<Option<String>>,
    pub url_error: RwSignal<Option<String>>,
    pub param_errors: RwSignal<Vec<(String, (String, String))>>,
    pub step: Signal<u64>,
    pub total: Signal<u64>,
    pub narration: Signal<String>,
    /// `(field, value)` of every parameter.
    pub values: Signal<Vec<(String, String)>>,
    pub faults: Signal<Vec<FaultAt>>,
    pub rejected: Signal<Vec<(u64, String, String)>>,
    /// A pending seek's target and the built fraction.
    pub pending: Signal<Option<(u64, f64)>>,
    pub act: Callback<Action>,
    pub narrations: Callback<(u64, u64), Vec<NarrationLine>>,
    pub link: Callback<(), String>,
    /// The current state's query string (for saving it by name).
    pub query: Callback<(), String>,
    pub set_seed_text: Callback<String, Result<(), String>>,
    /// The open tour slide (1-based), or `None`.
    pub tour: RwSignal<Option<u32>>,
    /// Opened by a bare `tour=<n>` link (load the slide's state).
    pub tour_link_bare: bool,
    pub set_tour: Callback<Option<u32>>,
    /// Loads a link's state (a tour slide).
    pub load_query: Callback<String, Result<(), String>>,
}

/// A scenario type's static metadata, for [`SimCore::ui`].
pub struct UiMeta {
    pub slug: &'static str,
    pub notable_means: &'static str,
    pub specs: &'static [ParamSpec],
    pub pitfall_specs: &'static [PitfallSpec],
    pub presets: &'static [Preset],
    pub fault_specs: &'static [FaultSpec],
}

impl<S> Sim<S>
where
    S: Scenario + Send + Sync + 'static,
    S::Params: Send + Sync + 'static,
{
    /// The widgets' view of this simulation.
    pub fn ui(self) -> SimUi {
        let core: SimCore = *self;
        core.ui(UiMeta {
            slug: S::SLUG,
            notable_means: S::notable_means(),
            specs: S::Params::specs(),
            pitfall_specs: S::Params::pitfalls(),
            presets: S::presets(),
            fault_specs: S::fault_specs(),
        })
    }
}

impl SimCore {
    /// The widgets' view of this simulation (compiled once for every page).
    pub fn ui(self, meta: UiMeta) -> SimUi {
        let sim = self;
        SimUi {
            slug: meta.slug,
            notable_means: meta.notable_means,
            specs: meta.specs,
            pitfall_specs: meta.pitfall_specs,
            presets: meta.presets,
            fault_specs: meta.fault_specs,
            playing: sim.playing,
            speed: sim.speed,
            seed: sim.seed,
            pitfalls: sim.pitfalls,
            notice: sim.notice,
            url_error: sim.url_error,
            param_errors: sim.param_errors,
            step: Signal::derive(move || sim.step()),
            total: Signal::derive(move || sim.total()),
            narration: Signal::derive(move || sim.narrate()),
            values: Signal::derive(move || sim.param_values()),
            faults: Signal::derive(move || sim.faults()),
            rejected: Signal::derive(move || {
                sim.rejected_faults()
                    .into_iter()
                    .map(|(s, f, w)| (s, f.kind, w))
                    .collect()
            }),
            pending: Signal::derive(move || sim.pending.get().map(|t| (t, sim.built_fraction()))),
            act: Callback::new(move |a: Action| match a {
                Action::TogglePlay => sim.toggle_play(),
                Action::StepForward => sim.step_forward(),
                Action::StepBack => sim.step_back(),
                Action::ToStart => sim.to_start(),
                Action::ToEnd => sim.to_end(),
                Action::Faster => sim.faster(),
                Action::Slower => sim.slower(),
                Action::NextNotable => sim.next_notable(),
                Action::GoTo(n) => sim.go_to(n),
                Action::ScrubTo(n) => {
                    sim.playing.set(false);
                    sim.scrub_to(n)
                }
                Action::SetParam(f, v) => sim.set_param(&f, &v),
                Action::RandomSeed => sim.random_seed(),
                Action::SetPitfall(n, on) => sim.set_pitfall(&n, on),
                Action::Inject(kind) => sim.inject(&kind),
                Action::RemoveFault(i) => sim.remove_fault(i),
                Action::Preset(name) => sim.apply_preset(&name),
                Action::Reset => sim.reset(),
            }),
            narrations: Callback::new(move |(a, b)| sim.narrations(a, b)),
            link: Callback::new(move |()| sim.link()),
            query: Callback::new(move |()| sim.query()),
            set_seed_text: Callback::new(move |t: String| sim.set_seed_text(&t)),
            tour: sim.tour,
            tour_link_bare: sim.tour_link_bare,
            set_tour: Callback::new(move |t: Option<u32>| sim.set_tour(t)),
            load_query: Callback::new(move |q: String| sim.load_query(&q)),
        }
    }
}

/// The page root: `page-<slug>` with `data-ready`, the global keys, the help overlay, the
/// `url-error` banner and the action notice.
#[component]
pub fn SimPage(ui: SimUi, title: &'static str, children: Children) -> impl IntoView {
    let act = move |a: Action| ui.act.run(a);
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
                act(Action::TogglePlay);
            }
            // A focused region that scrolls sideways (a code listing, a wide table on a
            // phone) keeps its arrows for scrolling.
            "ArrowRight" | "ArrowLeft" if browser::is_sideways_scroller_target(&e) => {}
            "ArrowRight" => {
                e.prevent_default();
                act(Action::StepForward);
            }
            "ArrowLeft" => {
                e.prevent_default();
                act(Action::StepBack);
            }
            "Home" => {
                e.prevent_default();
                act(Action::ToStart);
            }
            "End" => {
                e.prevent_default();
                act(Action::ToEnd);
            }
            "+" | "=" | "Add" => act(Action::Faster),
            "-" | "Subtract" => act(Action::Slower),
            "?" => help.set(true),
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <div class="page sim-page" data-testid=format!("page-{}", ui.slug)
            data-ready=move || if ready.get() { "true" } else { "false" }>
            <header class="page-head">
                <h1>{title}</h1>
                <div class="toolbar">
                    // New here? The explainer (what it is, when to use it, the glossary) sits
                    // below the controls; this takes a newcomer there first.
                    <a class="button-link" href="#explainer" data-testid="explainer-link">"What is this? ↓"</a>
                    <button data-testid="next-notable" title=format!("Jump to the next notable event: {}", ui.notable_means)
                        on:click=move |_| act(Action::NextNotable)>"Next notable event »"</button>
                    <CopyLink ui=ui />
                    <SaveScenario ui=ui />
                    <TourButton ui=ui />
                    <button data-testid="help" aria-label="Keyboard help" title="Keyboard help (?)"
                        on:click=move |_| help.set(true)>"?"</button>
                </div>
            </header>
            <Show when=move || ui.url_error.get().is_some()>
                <p class="banner error" data-testid="url-error" role="alert">{move || ui.url_error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || ui.notice.get().is_some()>
                <p class="banner notice" data-testid="notice" role="status">
                    {move || ui.notice.get().unwrap_or_default()}
                    <button class="link" aria-label="Dismiss" on:click=move |_| ui.notice.set(None)>"✕"</button>
                </p>
            </Show>
            <TourPanel ui=ui />
            {children()}
            <HelpOverlay open=help />
        </div>
    }
}

/// "Copy link": puts the scenario's URL on the clipboard and shows it.
#[component]
pub fn CopyLink(ui: SimUi) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <button data-testid="copy-link" title="Copy a link to exactly this state"
            on:click=move |_| {
                browser::copy_text(&ui.link.run(()));
                copied.set(true);
                set_timeout(move || { let _ = copied.try_set(false); }, std::time::Duration::from_millis(1500));
            }>
            {move || if copied.get() { "✓ Link copied" } else { "Copy link" }}
        </button>
    }
}

/// The transport bar wired to the simulation.
#[component]
pub fn SimTransport(ui: SimUi) -> impl IntoView {
    let act = ui.act;
    view! {
        <Transport
            step=ui.step
            total=ui.total
            playing=ui.playing
            speed=ui.speed
            speeds=SPEEDS
            markers=Signal::derive(move || ui.faults.get().into_iter().map(|f| f.step).collect())
            pending=ui.pending
            on_play=Callback::new(move |_| act.run(Action::TogglePlay))
            on_step_forward=Callback::new(move |_| act.run(Action::StepForward))
            on_step_back=Callback::new(move |_| act.run(Action::StepBack))
            on_start=Callback::new(move |_| act.run(Action::ToStart))
            on_end=Callback::new(move |_| act.run(Action::ToEnd))
            on_seek=Callback::new(move |n| act.run(Action::ScrubTo(n)))
            on_speed=Callback::new(move |i| ui.speed.set(i))
        />
    }
}

/// The current sentence.
#[component]
pub fn SimNarration(ui: SimUi) -> impl IntoView {
    view! { <Narration text=ui.narration playing=ui.playing /> }
}

/// The log of every step so far.
#[component]
pub fn SimNarrationLog(ui: SimUi) -> impl IntoView {
    view! {
        <section class="panel lazy">
            <h3>"Narration log"</h3>
            <NarrationLog
                current=ui.step
                fetch=ui.narrations
                on_pick=Callback::new(move |n| ui.act.run(Action::GoTo(n)))
            />
        </section>
    }
}

/// Seed, presets and reset, parameters, pitfalls.
#[component]
pub fn SimScenarioPanel(
    ui: SimUi,
    #[prop(optional)] pitfall_instead: Option<&'static str>,
) -> impl IntoView {
    let act = ui.act;
    view! {
        <section class="panel scenario" aria-label="Scenario">
            <h2>"Scenario"</h2>
            <Presets presets=ui.presets
                on_pick=Callback::new(move |name: String| act.run(Action::Preset(name)))
                on_reset=Callback::new(move |_| act.run(Action::Reset)) />
            <SeedInput seed=ui.seed
                on_apply=ui.set_seed_text
                on_random=Callback::new(move |_| act.run(Action::RandomSeed)) />
            <ParamForm specs=ui.specs values=ui.values errors=ui.param_errors
                on_change=Callback::new(move |(field, value): (String, String)| act.run(Action::SetParam(field, value))) />
            <PitfallToggles pitfalls=ui.pitfall_specs active=ui.pitfalls
                on_toggle=Callback::new(move |(name, on): (String, bool)| act.run(Action::SetPitfall(name, on)))
                instead=pitfall_instead.unwrap_or("") />
        </section>
    }
}

/// Fault buttons and the list of injected faults.
#[component]
pub fn SimFaultsPanel(ui: SimUi) -> impl IntoView {
    let act = ui.act;
    view! {
        <section class="panel faults-panel" aria-label="Faults">
            <h2>"Faults"</h2>
            <FaultButtons specs=ui.fault_specs on_inject=Callback::new(move |kind: String| act.run(Action::Inject(kind))) />
            <FaultList
                faults=ui.faults
                rejected=ui.rejected
                on_remove=Callback::new(move |i| act.run(Action::RemoveFault(i)))
                on_seek=Callback::new(move |n| act.run(Action::GoTo(n))) />
        </section>
    }
}
