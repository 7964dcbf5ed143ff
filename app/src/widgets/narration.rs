//! The current step's sentence (an aria-live region, quiet during play) and the scrollable,
//! virtualized log of every step so far: only the visible rows are computed and rendered.

use leptos::prelude::*;
use pipelab_core::sim::NarrationLine;

/// Height of one log row in pixels (the CSS uses the same value).
pub const ROW_PX: f64 = 22.0;
/// Rows rendered above and below the visible window.
const OVERSCAN: u64 = 4;
/// During play the log's scroll position is updated at most this often.
const SCROLL_EVERY_MS: u64 = 120;
/// Height of the log viewport in pixels.
const VIEWPORT_PX: f64 = 220.0;

/// `narration`: announced politely on manual steps and on pause, silent while playing.
#[component]
pub fn Narration(
    #[prop(into)] text: Signal<String>,
    #[prop(into)] playing: Signal<bool>,
) -> impl IntoView {
    view! {
        <p class="narration" data-testid="narration"
            aria-live=move || if playing.get() { "off" } else { "polite" }
            aria-atomic="true">{move || text.get()}</p>
    }
}

/// `narration-log`: one line per step `0..=current`; clicking a line seeks to its step.
/// `fetch(from, to)` returns `(step, sentence, notable)` for that range.
#[component]
pub fn NarrationLog(
    #[prop(into)] current: Signal<u64>,
    fetch: Callback<(u64, u64), Vec<NarrationLine>>,
    on_pick: Callback<u64>,
) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = NodeRef::<leptos::html::Div>::new();
    let rows = move || current.get() + 1;
    // The log ends at the current step: whenever that changes (a step, a seek, play), show
    // it at the bottom. Scrolling up to read older lines is left alone until the next change.
    // Setting scrollTop forces a layout of the page, so during play it would cost a layout
    // every frame: the rows to show follow at once (the signal), the scroll position
    // catches up at most every SCROLL_EVERY_MS.
    let scroll_scheduled = StoredValue::new(false);
    Effect::new(move |_| {
        let n = rows();
        let bottom = (n as f64 * ROW_PX - VIEWPORT_PX).max(0.0);
        scroll_top.set(bottom);
        if !scroll_scheduled.get_value() {
            scroll_scheduled.set_value(true);
            set_timeout(
                move || {
                    if scroll_scheduled.try_set_value(false).is_some() {
                        return; // the widget is gone
                    }
                    if let (Some(el), Some(top)) =
                        (viewport.get_untracked(), scroll_top.try_get_untracked())
                    {
                        el.set_scroll_top(top as i32);
                    }
                },
                std::time::Duration::from_millis(SCROLL_EVERY_MS),
            );
        }
    });
    let window = move || {
        let n = rows();
        let first = (scroll_top.get() / ROW_PX).floor() as u64;
        let from = first.saturating_sub(OVERSCAN).min(n.saturating_sub(1));
        let visible = (VIEWPORT_PX / ROW_PX).ceil() as u64;
        let to = (first + visible + OVERSCAN).min(n.saturating_sub(1));
        (from, to)
    };
    view! {
        <div class="narration-log" data-testid="narration-log" node_ref=viewport
            role="log" aria-label="Narration log" tabindex="0"
            style=format!("height:{VIEWPORT_PX}px")
            on:scroll=move |_| {
                // Our own scroll to the newest line arrives here too: ignore it when nothing
                // changed, or the visible rows would be rebuilt a second time that frame.
                if let Some(el) = viewport.get_untracked() {
                    let top = el.scroll_top() as f64;
                    if (top - scroll_top.get_untracked()).abs() >= 1.0 {
                        scroll_top.set(top);
                    }
                }
            }>
            <div class="log-spacer" style=move || format!("height:{}px", rows() as f64 * ROW_PX)>
                {move || {
                    let (from, to) = window();
                    let cur = current.get();
                    fetch.run((from, to)).into_iter().map(|(step, text, notable)| {
                        let top = format!("top:{}px", step as f64 * ROW_PX);
                        let class = match (step == cur, notable) {
                            (true, _) => "log-line current",
                            (false, true) => "log-line notable",
                            _ => "log-line",
                        };
                        let tip = text.clone();
                        view! {
                            <button class=class style=top data-testid="narration-line" data-step=step.to_string()
                                title=tip on:click=move |_| on_pick.run(step)>
                                <span class="log-step">{step.to_string()}</span>" "{text}
                            </button>
                        }
                    }).collect_view()
                }}
            </div>
        </div>
    }
}
