//! The event cells /event-sourcing and /cqrs draw for the log's newest order events: a box
//! coloured by event type, the order and a short type label, a tooltip, and click or Enter
//! to inspect it.

use leptos::prelude::*;

/// The CSS classes of an event type's cell.
pub fn kind_class(name: &str) -> &'static str {
    match name {
        "OrderCreated" => "ev created",
        "ItemAdded" => "ev item",
        "OrderPaid" => "ev paid",
        "OrderShipped" => "ev shipped",
        "OrderCancelled" => "ev cancelled",
        _ => "ev",
    }
}

fn short_name(name: &str) -> &'static str {
    match name {
        "OrderCreated" => "new",
        "ItemAdded" => "+item",
        "OrderPaid" => "paid",
        "OrderShipped" => "ship",
        "OrderCancelled" => "cancel",
        _ => "?",
    }
}

/// Where a cell goes: its left edge, top, width and height in SVG units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// One event cell: `class` is [`kind_class`] plus the page's own modifiers; `pick` runs
/// on click and on Enter.
pub fn event_cell(
    pos: u64,
    order: u32,
    name: &'static str,
    class: String,
    title: String,
    at: CellBox,
    pick: Callback<()>,
) -> AnyView {
    // What the cell shows, built once for the texts and the accessible name, which starts
    // with those words (WCAG 2.5.3, label in name) and goes on with the tooltip's detail.
    let order_text = format!("#{order}");
    let kind_text = short_name(name);
    let label = format!("{order_text} {kind_text}, {title}");
    let mid = at.x + at.w / 2.0;
    view! {
        <g class=class data-inspect=format!("event-{pos}") tabindex="0" role="button" aria-label=label
            on:click=move |_| pick.run(())
            on:keydown=move |ev| if crate::browser::is_activation(&ev) { ev.prevent_default(); pick.run(()) }>
            <rect x=format!("{:.1}", at.x + 1.0) y=format!("{:.1}", at.y) width=format!("{:.1}", at.w - 2.0) height=format!("{:.1}", at.h) rx="3" />
            <text x=format!("{mid:.1}") y=format!("{:.1}", at.y + at.h * 0.4) class="cell-order">{order_text}</text>
            {" "} // keeps the two lines apart as words in the text content
            <text x=format!("{mid:.1}") y=format!("{:.1}", at.y + at.h * 0.8) class="cell-kind">{kind_text}</text>
            <title>{title}</title>
        </g>
    }
    .into_any()
}
