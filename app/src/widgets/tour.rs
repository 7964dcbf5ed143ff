//! The guided tour of a pattern page: slides from `core/data/tours/<slug>.json`, each a
//! state loaded through the one link decoder. `tour=<n>` in the URL opens slide n (from 1);
//! a link holding only `tour` (and `v`) loads that slide's state, a link with a state keeps
//! it (the learner was exploring from that slide). Leaving keeps the current state.
//!
//! Hooks: `tour-open`; `tour` (the panel) with `tour-slide`, `tour-total`, `tour-title`,
//! `tour-text`, `tour-prev`, `tour-next`, `tour-finish`, `tour-again`, `tour-leave`.

use leptos::prelude::*;
use pipelab_core::learn::content;
use pipelab_core::learn::tour::Tour;

use crate::sim_widgets::SimUi;
use crate::work::Work;

/// The page's tour, read once per page (`None` for pages without one).
fn page_tour(slug: &str) -> Option<Tour> {
    content::tour(slug).and_then(Result::ok)
}

/// Shows slide `n` (1-based, clamped): loads its state and records it as the place the
/// learner is at.
fn show(ui: SimUi, tour: &Tour, n: u32, load: bool) {
    let len = tour.slides.len() as u32;
    let n = n.clamp(1, len.max(1));
    if load {
        if let Some(slide) = tour.slides.get(n as usize - 1) {
            if let Err(why) = ui.load_query.run(slide.query().to_string()) {
                ui.notice.set(Some(format!(
                    "This slide's state could not be loaded: {why}."
                )));
            }
        }
    }
    ui.set_tour.run(Some(n));
    Work::get().update(|w| w.set_tour(&tour.pattern, n));
}

#[component]
pub fn TourButton(ui: SimUi) -> impl IntoView {
    let Some(tour) = page_tour(ui.slug) else {
        return ().into_any();
    };
    let len = tour.slides.len() as u32;
    let tour = StoredValue::new(tour);
    let work = Work::get();
    let saved = move || {
        work.data
            .with(|w| w.tour(tour.with_value(|t| t.pattern.clone()).as_str()))
    };
    view! {
        <button type="button" data-testid="tour-open" aria-pressed=move || if ui.tour.get().is_some() { "true" } else { "false" }
            title="A guided walk through this pattern in the live simulation"
            on:click=move |_| {
                if ui.tour.get_untracked().is_some() {
                    ui.set_tour.run(None);
                    return;
                }
                let at = match saved() { Some(k) if k >= 1 && k <= len => k, _ => 1 };
                tour.with_value(|t| show(ui, t, at, true));
            }>
            {move || match (ui.tour.get(), saved()) {
                (Some(_), _) => "Close the tour".to_string(),
                (None, Some(k)) if k > len => "Take the tour again ✓".to_string(),
                (None, Some(k)) if k >= 1 => format!("Resume the tour ({k}/{len})"),
                _ => "Take the tour".to_string(),
            }}
        </button>
    }
    .into_any()
}

#[component]
pub fn TourPanel(ui: SimUi) -> impl IntoView {
    let Some(tour) = page_tour(ui.slug) else {
        return ().into_any();
    };
    let len = tour.slides.len() as u32;
    let title = tour.title.clone();
    let tour = StoredValue::new(tour);
    // A deep link: open the slide, loading its state only when the link holds none.
    if let Some(n) = ui.tour.get_untracked() {
        let bare = ui.tour_link_bare;
        if n == 0 || n > len {
            ui.notice.set(Some(format!(
                "This tour has slides 1 to {len}; slide {n} does not exist, so it opened at slide {}.",
                n.clamp(1, len)
            )));
        }
        tour.with_value(|t| show(ui, t, n, bare || n == 0 || n > len));
    }
    let slide = move |f: fn(&pipelab_core::learn::tour::Slide) -> String| {
        let n = ui.tour.get().unwrap_or(1);
        tour.with_value(|t| t.slides.get(n as usize - 1).map(f).unwrap_or_default())
    };
    let go = move |n: u32| tour.with_value(|t| show(ui, t, n, true));
    view! {
        <Show when=move || ui.tour.get().is_some()>
            <section class="panel tour" data-testid="tour" aria-label="Guided tour" aria-live="polite">
                <p class="tour-head">
                    <strong>{title.clone()}</strong>
                    " — slide "<span data-testid="tour-slide">{move || ui.tour.get().unwrap_or(1)}</span>
                    " of "<span data-testid="tour-total">{len}</span>
                </p>
                <h2 data-testid="tour-title">{move || slide(|s| s.title.clone())}</h2>
                <p data-testid="tour-text">{move || slide(|s| s.text.clone())}</p>
                <div class="tour-buttons">
                    <button type="button" data-testid="tour-prev"
                        disabled=move || { ui.tour.get().unwrap_or(1) <= 1 }
                        on:click=move |_| go(ui.tour.get_untracked().unwrap_or(1).saturating_sub(1))>"‹ Previous"</button>
                    <Show when=move || { ui.tour.get().unwrap_or(1) < len }
                        fallback=move || view! {
                            <button type="button" data-testid="tour-finish" on:click=move |_| {
                                ui.set_tour.run(None);
                                Work::get().update(|w| w.set_tour(&tour.with_value(|t| t.pattern.clone()), len + 1));
                                ui.notice.set(Some("Tour finished. Everything you saw is still here to explore — or take a quiz on it at /quiz.".into()));
                            }>"Finish the tour ✓"</button>
                        }>
                        <button type="button" data-testid="tour-next"
                            on:click=move |_| go(ui.tour.get_untracked().unwrap_or(1) + 1)>"Next ›"</button>
                    </Show>
                    <button type="button" data-testid="tour-again" title="Load this slide's state again"
                        on:click=move |_| go(ui.tour.get_untracked().unwrap_or(1))>"Reload this slide"</button>
                    <button type="button" data-testid="tour-leave" title="Close the tour and keep exploring from here"
                        on:click=move |_| ui.set_tour.run(None)>"Leave the tour — explore from here"</button>
                </div>
            </section>
        </Show>
    }
    .into_any()
}
