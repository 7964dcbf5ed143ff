//! The compare view every pattern pair reuses: one transport, seed and workload; side A and
//! side B next to each other; the `diff` panel; the shared scenario, faults and log. A pair
//! page supplies only what each side shows and what its diff shows.

use leptos::prelude::*;
use pipelab_core::sim::{Compare, Pair};

use crate::sim::Sim;
use crate::sim_widgets::{
    SimFaultsPanel, SimNarration, SimNarrationLog, SimPage, SimScenarioPanel, SimTransport,
};

/// The compare page shell. `side_a` / `side_b` render inside `side-a` / `side-b` columns
/// titled `label_a` / `label_b`; `diff` renders inside the `diff` panel; `children` go
/// below (charts, explainer, questions).
#[component]
pub fn ComparePage<P: Pair>(
    sim: Sim<Compare<P>>,
    title: &'static str,
    lede: &'static str,
    #[prop(into)] label_a: Signal<String>,
    #[prop(into)] label_b: Signal<String>,
    side_a: ViewFn,
    side_b: ViewFn,
    diff: ViewFn,
    /// Where the reference note's mistake shows on this page, when it is not a toggle.
    #[prop(optional)]
    pitfall_instead: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    Compare<P>: Send + Sync + 'static,
    P::Params: Send + Sync + 'static,
{
    let ui = sim.ui();
    view! {
        <SimPage ui=ui title=title>
            <p class="lede">{lede}</p>
            <div class="sticky-transport">
                <SimTransport ui=ui />
                <SimNarration ui=ui />
            </div>
            <section class="panel diff-panel" aria-label="Difference between the sides">
                <h2>"A vs B"</h2>
                <div data-testid="diff" class="diff">{move || diff.run()}</div>
            </section>
            <div class="compare-sides" data-testid="diagram">
                <section class="panel side" data-testid="side-a" aria-label="Side A">
                    <h2><span class="side-tag">"A"</span>" "{move || label_a.get()}</h2>
                    {move || side_a.run()}
                </section>
                <section class="panel side" data-testid="side-b" aria-label="Side B">
                    <h2><span class="side-tag">"B"</span>" "{move || label_b.get()}</h2>
                    {move || side_b.run()}
                </section>
            </div>
            <div class="layout">
                <div class="col-main">
                    {children()}
                    <SimNarrationLog ui=ui />
                </div>
                <aside class="col-side">
                    <SimScenarioPanel ui=ui pitfall_instead=pitfall_instead.unwrap_or("") />
                    <SimFaultsPanel ui=ui />
                </aside>
            </div>
        </SimPage>
    }
}
