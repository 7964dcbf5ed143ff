//! The few browser calls the app makes, in one place, each tolerant of a missing API
//! (no window in tests, storage disabled, clipboard refused): never a panic.

use wasm_bindgen::JsCast;

/// Milliseconds from `performance.now()`, or 0 without a window.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// `location.search` (with the leading `?`, possibly empty).
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// `location.pathname`.
pub fn location_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".to_string())
}

/// Replaces the query of the current history entry (no new entry, no navigation).
pub fn replace_query(query: &str) {
    let Some(w) = web_sys::window() else { return };
    let Ok(history) = w.history() else { return };
    let url = format!("{}?{}", location_path(), query);
    let current = format!("{}{}", location_path(), location_search());
    if url != current {
        let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&url));
    }
}

/// The full URL of the current page.
pub fn location_href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// `performance.mark(name)`.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Copies `text` to the clipboard; the promise's outcome is ignored (the UI says "copied"
/// only as a hint, and the link is also shown as text to copy by hand).
pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Offers `contents` as a file download named `filename`.
pub fn download(filename: &str, mime: &str, contents: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(el) = document.create_element("a") {
        if let Ok(a) = el.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(filename);
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Whether the user asked for reduced motion.
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// Whether a keyboard event's target is somewhere the user types (keys must not act there).
pub fn is_editable_target(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    if tag == "textarea" || tag == "select" {
        return true;
    }
    if tag == "input" {
        let kind = el
            .get_attribute("type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        // A range input (the seek bar) takes arrows itself; checkboxes don't type.
        return !matches!(kind.as_str(), "checkbox" | "radio" | "button" | "submit");
    }
    el.closest("[contenteditable=''],[contenteditable='true']")
        .ok()
        .flatten()
        .is_some()
}

/// Whether the event's target is an element that overflows sideways (so it can scroll).
pub fn is_sideways_scroller_target(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.scroll_width() > el.client_width())
}

/// Whether a key press activates a button: Enter or Space. Call `prevent_default` after, so
/// Space does not also scroll the page.
pub fn is_activation(ev: &web_sys::KeyboardEvent) -> bool {
    matches!(ev.key().as_str(), "Enter" | " ")
}

/// Whether the event's target is a button, a `role="button"` shape included (Space then
/// presses it instead of playing).
pub fn is_button_target(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            tag == "button"
                || tag == "a"
                || tag == "summary"
                || el.get_attribute("role").as_deref() == Some("button")
        })
        .unwrap_or(false)
}

/// The `data-inspect` key of the element an event happened on (or its nearest ancestor
/// carrying one): one listener on a picture serves every clickable shape in it.
pub fn inspect_target(ev: &web_sys::Event) -> Option<String> {
    ev.target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("[data-inspect]")
        .ok()??
        .get_attribute("data-inspect")
}

/// The learner's clock for timed work, in ms since 1970: `Date.now()`, unless the page
/// was given a number in `window.__pipelabClock` (the end-to-end tests' injected clock).
pub fn clock_ms() -> u64 {
    let injected = web_sys::window().and_then(|w| {
        js_sys::Reflect::get(&w, &wasm_bindgen::JsValue::from_str("__pipelabClock"))
            .ok()
            .and_then(|v| v.as_f64())
    });
    let ms = injected.unwrap_or_else(js_sys::Date::now);
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

/// Whether index.html's service-worker script has announced a newer build waiting to take
/// over (it keeps the worker in `window.__pipelabUpdate`).
pub fn update_waiting() -> bool {
    web_sys::window()
        .and_then(|w| {
            js_sys::Reflect::get(&w, &wasm_bindgen::JsValue::from_str("__pipelabUpdate")).ok()
        })
        .is_some_and(|v| v.is_truthy())
}

/// Sends a plain event named `name` to `window` (for index.html's own script).
pub fn dispatch(name: &str) {
    if let (Some(w), Ok(ev)) = (web_sys::window(), web_sys::Event::new(name)) {
        let _ = w.dispatch_event(&ev);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// `localStorage.getItem(key)`; `Err` when storage is unavailable (disabled, private mode).
pub fn storage_get(key: &str) -> Result<Option<String>, String> {
    let s = local_storage().ok_or("This browser does not let the page keep data.")?;
    s.get_item(key)
        .map_err(|_| "This browser refused to read the page's stored data.".to_string())
}

/// `localStorage.setItem(key, value)`; `Err` says why it was refused (full, disabled).
pub fn storage_set(key: &str, value: &str) -> Result<(), String> {
    let s = local_storage().ok_or("This browser does not let the page keep data.")?;
    s.set_item(key, value).map_err(|_| {
        "Your work could not be stored (the browser's storage is full or disabled); export it to keep it.".to_string()
    })
}

/// The text of the first file picked in a file input (`None` if none was picked).
pub async fn picked_file_text(input: &web_sys::HtmlInputElement) -> Option<Result<String, String>> {
    let file = input.files()?.get(0)?;
    if file.size() > 4.0 * 1024.0 * 1024.0 {
        return Some(Err(format!(
            "“{}” is {:.1} MB; a pipelab save file is at most 1 MB.",
            file.name(),
            file.size() / 1024.0 / 1024.0
        )));
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
    Some(match text.ok().and_then(|v| v.as_string()) {
        Some(t) => Ok(t),
        None => Err(format!("“{}” could not be read as text.", file.name())),
    })
}

/// `localStorage.removeItem(key)` (nothing when storage is unavailable).
pub fn storage_remove(key: &str) {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(key);
    }
}

/// Adds or removes the `render-all` class on `<html>`: lazy panels then render even off
/// screen (for printing and full-page captures; see `style.css`).
pub fn set_render_all(on: bool) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let classes: Vec<String> = root
        .class_name()
        .split_whitespace()
        .filter(|c| *c != "render-all")
        .map(str::to_string)
        .chain(on.then(|| "render-all".to_string()))
        .collect();
    root.set_class_name(&classes.join(" "));
}
