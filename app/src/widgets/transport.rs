//! Play/pause, step, jump, the seek bar with fault markers, and speed.

use leptos::prelude::*;

/// The transport bar (PAGE-CONTRACT.md hooks: play, step-forward, step-back, to-start,
/// to-end, seek, speed, step, step-total, seek-marker).
#[component]
pub fn Transport(
    #[prop(into)] step: Signal<u64>,
    #[prop(into)] total: Signal<u64>,
    #[prop(into)] playing: Signal<bool>,
    #[prop(into)] speed: Signal<usize>,
    /// `(value, label)` of each speed option.
    speeds: &'static [(&'static str, &'static str, f64)],
    /// Steps where faults are recorded.
    #[prop(into)]
    markers: Signal<Vec<u64>>,
    /// A seek still being prepared, with progress `0..=1`.
    #[prop(into)]
    pending: Signal<Option<(u64, f64)>>,
    on_play: Callback<()>,
    on_step_forward: Callback<()>,
    on_step_back: Callback<()>,
    on_start: Callback<()>,
    on_end: Callback<()>,
    on_seek: Callback<u64>,
    on_speed: Callback<usize>,
) -> impl IntoView {
    let at_start = move || step.get() == 0;
    let at_end = move || step.get() >= total.get();
    view! {
        <div class="transport" role="group" aria-label="Transport">
            <div class="transport-buttons">
                <button data-testid="to-start" title="To start (Home)" aria-label="To start"
                    on:click=move |_| on_start.run(())>"|◀"</button>
                <button data-testid="step-back" title="Step back (←)" aria-label="Step back"
                    disabled=at_start on:click=move |_| on_step_back.run(())>"◀"</button>
                <button data-testid="play" class="play"
                    aria-pressed=move || if playing.get() { "true" } else { "false" }
                    aria-label=move || if playing.get() { "Pause" } else { "Play" }
                    title="Play / pause (Space)"
                    on:click=move |_| on_play.run(())>
                    {move || if playing.get() { "❚❚ Pause" } else { "▶ Play" }}
                </button>
                <button data-testid="step-forward" title="Step forward (→)" aria-label="Step forward"
                    disabled=at_end on:click=move |_| on_step_forward.run(())>"▶"</button>
                <button data-testid="to-end" title="To end (End)" aria-label="To end"
                    on:click=move |_| on_end.run(())>"▶|"</button>
                <label class="speed">
                    <span>"Speed"</span>
                    <select data-testid="speed" title="Speed (+ / −)"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(i) = speeds.iter().position(|s| s.0 == v) {
                                on_speed.run(i);
                            }
                        }
                        prop:value=move || speeds[speed.get().min(speeds.len() - 1)].0>
                        {speeds.iter().enumerate().map(|(i, (value, label, _))| view! {
                            <option value=*value selected=move || speed.get() == i>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
                <span class="step-readout">
                    "Step " <strong data-testid="step">{move || step.get().to_string()}</strong>
                    " of " <span data-testid="step-total">{move || total.get().to_string()}</span>
                </span>
            </div>
            <div class="seek-wrap">
                <input type="range" data-testid="seek" class="seek" min="0"
                    aria-label="Seek"
                    max=move || total.get().to_string()
                    prop:value=move || step.get().to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<u64>() {
                            on_seek.run(v);
                        }
                    } />
                <div class="seek-markers" aria-hidden="true">
                    {move || {
                        let t = total.get().max(1) as f64;
                        markers.get().into_iter().map(|m| {
                            let left = format!("left: calc({:.4}% - 1px)", m as f64 / t * 100.0);
                            view! { <span data-testid="seek-marker" class="seek-marker" style=left title=format!("fault at step {m}")></span> }
                        }).collect_view()
                    }}
                </div>
            </div>
            <Show when=move || pending.get().is_some()>
                <p class="pending" role="status">
                    {move || pending.get().map(|(target, frac)| format!(
                        "Preparing step {target}: building the run… {:.0}%", frac * 100.0)).unwrap_or_default()}
                </p>
            </Show>
        </div>
    }
}
