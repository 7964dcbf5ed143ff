//! Browser tests for the shared widgets (`app/src/widgets`). Each test mounts one widget
//! into a fresh `<div>` on `document.body` with real signals and callbacks, drives real DOM
//! elements (clicks, `input`/`change`/`keydown` events that bubble), lets the reactive
//! system settle, and asserts on the DOM through the `data-testid` hooks.
//!
//! Run with `cargo test -p pipelab-app --target wasm32-unknown-unknown` (headless browser
//! through `wasm-bindgen-test-runner`).

#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::tachys::view::Mountable;
use leptos::task::tick;
use pipelab_app::widgets::badge::{Truth, TruthBadge, TruthScope};
use pipelab_app::widgets::chart::{BarChart, BarData, REDRAW_AFTER_MS};
use pipelab_app::widgets::code::CodePanel;
use pipelab_app::widgets::explainer::Explainer;
use pipelab_app::widgets::faults::{FaultButtons, FaultList};
use pipelab_app::widgets::help::{HelpOverlay, KEYS};
use pipelab_app::widgets::narration::{Narration, NarrationLog, ROW_PX};
use pipelab_app::widgets::questions::{Question, Questions};
use pipelab_app::widgets::scenario::{ParamForm, PitfallToggles, Presets, SeedInput};
use pipelab_app::widgets::table::DataTable;
use pipelab_app::widgets::transport::Transport;
use pipelab_core::sim::{
    CodeView, Fault, FaultAt, FaultSpec, ParamKind, ParamSpec, PitfallSpec, Preset,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

/// One mounted widget: its container `<div>` on `<body>` and the handle that owns its
/// reactive scope. Dropping it unmounts the view and removes the container, also when an
/// assertion panics halfway through a test.
struct Fixture<M: Mountable> {
    root: HtmlElement,
    handle: Option<leptos::mount::UnmountHandle<M>>,
}

impl<M: Mountable> Fixture<M> {
    fn get(&self, testid: &str) -> Element {
        self.find(testid)
            .unwrap_or_else(|| panic!("no element [data-testid=\"{testid}\"] is rendered"))
    }

    fn find(&self, testid: &str) -> Option<Element> {
        self.root
            .query_selector(&format!("[data-testid=\"{testid}\"]"))
            .expect("valid selector")
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self
            .root
            .query_selector_all(selector)
            .expect("valid selector");
        (0..list.length())
            .filter_map(|i| list.get(i))
            .map(|n| n.dyn_into::<Element>().expect("an element"))
            .collect()
    }

    fn count(&self, testid: &str) -> usize {
        self.all(&format!("[data-testid=\"{testid}\"]")).len()
    }
}

impl<M: Mountable> Drop for Fixture<M> {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.root.remove();
    }
}

/// Mounts `f()` into a new `<div>` appended to `document.body`.
fn mount<F, N>(f: F) -> Fixture<N::State>
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    let document = web_sys::window().unwrap().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = mount_to(root.clone(), f);
    Fixture {
        root,
        handle: Some(handle),
    }
}

/// Lets effects and render effects scheduled by signal writes run.
async fn settle() {
    for _ in 0..4 {
        tick().await;
    }
}

/// Waits `ms` milliseconds of real time (for debounced widgets).
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    settle().await;
}

/// Records what a callback was called with (callbacks must be `Send + Sync`).
#[derive(Clone)]
struct Calls<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone> Calls<T> {
    fn new() -> Self {
        Calls(Arc::new(Mutex::new(Vec::new())))
    }
    fn push(&self, v: T) {
        self.0.lock().unwrap().push(v);
    }
    fn get(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// `new <ctor>(kind, {bubbles: true, ...extra})`, as a page's own events would be.
fn make_event(ctor: &str, kind: &str, extra: &[(&str, JsValue)]) -> web_sys::Event {
    let window = web_sys::window().unwrap();
    let ctor: js_sys::Function = js_sys::Reflect::get(&window, &JsValue::from_str(ctor))
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"bubbles".into(), &JsValue::TRUE).unwrap();
    for (k, v) in extra {
        js_sys::Reflect::set(&init, &JsValue::from_str(k), v).unwrap();
    }
    let args = js_sys::Array::of2(&JsValue::from_str(kind), &init);
    js_sys::Reflect::construct(&ctor, &args)
        .unwrap()
        .unchecked_into()
}

fn fire(el: &Element, kind: &str) {
    el.dispatch_event(&make_event("Event", kind, &[])).unwrap();
}

fn key_down(el: &Element, key: &str) {
    el.dispatch_event(&make_event(
        "KeyboardEvent",
        "keydown",
        &[("key", JsValue::from_str(key))],
    ))
    .unwrap();
}

fn click(el: &Element) {
    el.dyn_ref::<HtmlElement>()
        .expect("an HTML element")
        .click();
}

/// Types `value` into an `<input>` and fires `kind` (`input` or `change`).
fn set_input(el: &Element, value: &str, kind: &str) {
    el.dyn_ref::<HtmlInputElement>()
        .expect("an <input>")
        .set_value(value);
    fire(el, kind);
}

/// Picks `value` in a `<select>` and fires `change`.
fn set_select(el: &Element, value: &str) {
    el.dyn_ref::<HtmlSelectElement>()
        .expect("a <select>")
        .set_value(value);
    fire(el, "change");
}

fn input_value(el: &Element) -> String {
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        i.value()
    } else {
        el.dyn_ref::<HtmlSelectElement>()
            .expect("an <input> or <select>")
            .value()
    }
}

fn checked(el: &Element) -> bool {
    el.dyn_ref::<HtmlInputElement>()
        .expect("an <input>")
        .checked()
}

fn disabled(el: &Element) -> bool {
    el.has_attribute("disabled")
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no `{name}` attribute", el.tag_name()))
}

// ---------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------

static SPEEDS: &[(&str, &str, f64)] = &[("0.5", "½×", 0.5), ("1", "1×", 1.0), ("4", "4×", 4.0)];

struct TransportRig {
    step: RwSignal<u64>,
    playing: RwSignal<bool>,
    markers: RwSignal<Vec<u64>>,
    pending: RwSignal<Option<(u64, f64)>>,
    plays: Calls<()>,
    forwards: Calls<()>,
    backs: Calls<()>,
    starts: Calls<()>,
    ends: Calls<()>,
    seeks: Calls<u64>,
    speeds: Calls<usize>,
}

fn mount_transport(total: u64) -> (TransportRig, Fixture<impl Mountable>) {
    let rig = TransportRig {
        step: RwSignal::new(0),
        playing: RwSignal::new(false),
        markers: RwSignal::new(vec![3, 7]),
        pending: RwSignal::new(None),
        plays: Calls::new(),
        forwards: Calls::new(),
        backs: Calls::new(),
        starts: Calls::new(),
        ends: Calls::new(),
        seeks: Calls::new(),
        speeds: Calls::new(),
    };
    let total = RwSignal::new(total);
    let speed = RwSignal::new(1usize);
    let (step, playing, markers, pending) = (rig.step, rig.playing, rig.markers, rig.pending);
    let (plays, forwards, backs, starts, ends, seeks, speeds) = (
        rig.plays.clone(),
        rig.forwards.clone(),
        rig.backs.clone(),
        rig.starts.clone(),
        rig.ends.clone(),
        rig.seeks.clone(),
        rig.speeds.clone(),
    );
    let fx = mount(move || {
        let on_play = Callback::new(move |()| {
            plays.push(());
            playing.update(|p| *p = !*p);
        });
        let on_step_forward = Callback::new(move |()| forwards.push(()));
        let on_step_back = Callback::new(move |()| backs.push(()));
        let on_start = Callback::new(move |()| starts.push(()));
        let on_end = Callback::new(move |()| ends.push(()));
        let on_seek = Callback::new(move |v: u64| seeks.push(v));
        let on_speed = Callback::new(move |i: usize| {
            speeds.push(i);
            speed.set(i);
        });
        view! {
            <Transport step=step total=total playing=playing speed=speed speeds=SPEEDS
                markers=markers pending=pending
                on_play=on_play on_step_forward=on_step_forward on_step_back=on_step_back
                on_start=on_start on_end=on_end on_seek=on_seek on_speed=on_speed />
        }
    });
    (rig, fx)
}

#[wasm_bindgen_test]
async fn transport_step_buttons_are_disabled_at_the_ends() {
    let (rig, fx) = mount_transport(10);
    settle().await;

    assert!(
        disabled(&fx.get("step-back")),
        "step-back must be disabled at step 0"
    );
    assert!(!disabled(&fx.get("step-forward")));
    assert_eq!(text(&fx.get("step")), "0");
    assert_eq!(text(&fx.get("step-total")), "10");
    // A disabled button does not act.
    click(&fx.get("step-back"));
    assert_eq!(rig.backs.len(), 0);
    click(&fx.get("step-forward"));
    assert_eq!(rig.forwards.len(), 1);

    rig.step.set(4);
    settle().await;
    assert!(!disabled(&fx.get("step-back")));
    assert!(!disabled(&fx.get("step-forward")));
    assert_eq!(text(&fx.get("step")), "4");
    click(&fx.get("step-back"));
    assert_eq!(rig.backs.len(), 1);

    rig.step.set(10);
    settle().await;
    assert!(!disabled(&fx.get("step-back")));
    assert!(
        disabled(&fx.get("step-forward")),
        "step-forward must be disabled at the last step"
    );
    click(&fx.get("step-forward"));
    assert_eq!(rig.forwards.len(), 1);

    click(&fx.get("to-start"));
    click(&fx.get("to-end"));
    assert_eq!(rig.starts.len(), 1);
    assert_eq!(rig.ends.len(), 1);
}

#[wasm_bindgen_test]
async fn transport_play_calls_on_play_and_aria_pressed_follows_playing() {
    let (rig, fx) = mount_transport(10);
    settle().await;
    let play = fx.get("play");
    assert_eq!(attr(&play, "aria-pressed"), "false");
    assert!(text(&play).contains("Play"));

    click(&play);
    assert_eq!(rig.plays.len(), 1);
    settle().await;
    assert!(rig.playing.get_untracked());
    assert_eq!(attr(&play, "aria-pressed"), "true");
    assert_eq!(attr(&play, "aria-label"), "Pause");
    assert!(text(&play).contains("Pause"));

    // The attribute follows the signal, whoever sets it.
    rig.playing.set(false);
    settle().await;
    assert_eq!(attr(&play, "aria-pressed"), "false");
    assert_eq!(attr(&play, "aria-label"), "Play");
    assert_eq!(rig.plays.len(), 1);
}

#[wasm_bindgen_test]
async fn transport_seek_input_calls_on_seek_with_the_value() {
    let (rig, fx) = mount_transport(20);
    settle().await;
    let seek = fx.get("seek");
    assert_eq!(attr(&seek, "max"), "20");
    assert_eq!(input_value(&seek), "0");

    set_input(&seek, "7", "input");
    settle().await;
    assert_eq!(rig.seeks.get(), vec![7]);

    set_input(&seek, "20", "input");
    assert_eq!(rig.seeks.get(), vec![7, 20]);

    // The bar shows the step signal.
    rig.step.set(12);
    settle().await;
    assert_eq!(input_value(&seek), "12");
}

#[wasm_bindgen_test]
async fn transport_speed_change_calls_on_speed_with_the_index() {
    let (rig, fx) = mount_transport(10);
    settle().await;
    let speed = fx.get("speed");
    assert_eq!(
        input_value(&speed),
        "1",
        "the select shows the speed signal"
    );
    assert_eq!(fx.all("[data-testid=\"speed\"] option").len(), SPEEDS.len());

    set_select(&speed, "4");
    assert_eq!(rig.speeds.get(), vec![2]);
    set_select(&speed, "0.5");
    assert_eq!(rig.speeds.get(), vec![2, 0]);
    settle().await;
    assert_eq!(input_value(&speed), "0.5");
}

#[wasm_bindgen_test]
async fn transport_renders_one_seek_marker_per_marker_step() {
    let (rig, fx) = mount_transport(10);
    settle().await;
    let markers = fx.all("[data-testid=\"seek-marker\"]");
    assert_eq!(markers.len(), 2);
    assert_eq!(attr(&markers[0], "title"), "fault at step 3");
    assert_eq!(attr(&markers[1], "title"), "fault at step 7");
    assert!(attr(&markers[0], "style").contains("30.0000%"));

    rig.markers.set(vec![1, 2, 5, 9]);
    settle().await;
    assert_eq!(fx.count("seek-marker"), 4);

    rig.markers.set(vec![]);
    settle().await;
    assert_eq!(fx.count("seek-marker"), 0);

    // The pending-seek status line appears only while a seek is prepared.
    assert!(fx.all(".pending").is_empty());
    rig.pending.set(Some((50, 0.25)));
    settle().await;
    let pending = fx.all(".pending");
    assert_eq!(pending.len(), 1);
    assert!(text(&pending[0]).contains("Preparing step 50"));
    assert!(text(&pending[0]).contains("25%"));
    rig.pending.set(None);
    settle().await;
    assert!(fx.all(".pending").is_empty());
}

// ---------------------------------------------------------------------------------------
// Scenario controls
// ---------------------------------------------------------------------------------------

static PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "rate",
        label: "Rate",
        help: "Events per second.",
        kind: ParamKind::Int { min: 1, max: 100 },
    },
    ParamSpec {
        name: "skew",
        label: "Skew",
        help: "How uneven the keys are.",
        kind: ParamKind::Float { min: 0.0, max: 2.0 },
    },
    ParamSpec {
        name: "mode",
        label: "Mode",
        help: "Which router.",
        kind: ParamKind::Choice(&[("mod", "Mod N"), ("ring", "Ring")]),
    },
];

#[wasm_bindgen_test]
async fn param_form_shows_errors_inline_and_reports_changes() {
    let values = RwSignal::new(Vec::from([
        ("rate".to_string(), "10".to_string()),
        ("skew".to_string(), "0.5".to_string()),
        ("mode".to_string(), "mod".to_string()),
    ]));
    let errors = RwSignal::new(Vec::from([(
        "rate".to_string(),
        (
            "abc".to_string(),
            "rate must be a whole number from 1 to 100".to_string(),
        ),
    )]));
    let changes = Calls::<(String, String)>::new();
    let c = changes.clone();
    let fx = mount(move || {
        let on_change = Callback::new(move |fv: (String, String)| c.push(fv));
        view! { <ParamForm specs=PARAMS values=values errors=errors on_change=on_change /> }
    });
    settle().await;

    // An error entry: its message inline, and the input keeps the rejected text.
    let rate = fx.get("param-rate");
    assert_eq!(input_value(&rate), "abc");
    assert_eq!(attr(&rate, "aria-invalid"), "true");
    assert_eq!(
        text(&fx.get("param-rate-error")).trim(),
        "rate must be a whole number from 1 to 100"
    );
    // No error entry: no error element, the valid value shown.
    assert!(fx.find("param-skew-error").is_none());
    assert!(fx.find("param-mode-error").is_none());
    assert_eq!(input_value(&fx.get("param-skew")), "0.5");
    assert_eq!(attr(&fx.get("param-skew"), "aria-invalid"), "false");
    assert_eq!(input_value(&fx.get("param-mode")), "mod");

    // The error goes away when `errors` no longer has it.
    errors.set(Vec::new());
    values.update(|v| {
        v.retain(|(k, _)| k != "rate");
        v.push(("rate".to_string(), "42".to_string()));
    });
    settle().await;
    assert!(fx.find("param-rate-error").is_none());
    assert_eq!(input_value(&rate), "42");
    assert_eq!(attr(&rate, "aria-invalid"), "false");

    // A change event reports (field, value).
    set_input(&fx.get("param-skew"), "1.25", "change");
    set_select(&fx.get("param-mode"), "ring");
    assert_eq!(
        changes.get(),
        vec![
            ("skew".to_string(), "1.25".to_string()),
            ("mode".to_string(), "ring".to_string()),
        ]
    );

    // A new error on another field.
    errors.set(Vec::from([(
        "skew".to_string(),
        ("9".to_string(), "skew must be from 0 to 2".to_string()),
    )]));
    settle().await;
    assert_eq!(
        text(&fx.get("param-skew-error")).trim(),
        "skew must be from 0 to 2"
    );
    assert_eq!(input_value(&fx.get("param-skew")), "9");
    assert!(fx.find("param-rate-error").is_none());
}

#[wasm_bindgen_test]
async fn seed_input_shows_apply_errors_and_random_clears_them() {
    let seed = RwSignal::new(7u64);
    let applied = Calls::<String>::new();
    let randoms = Calls::<()>::new();
    let (a, r) = (applied.clone(), randoms.clone());
    let fx = mount(move || {
        let on_apply = Callback::new(move |text: String| -> Result<(), String> {
            a.push(text.clone());
            match text.trim().parse::<u64>() {
                Ok(v) => {
                    seed.set(v);
                    Ok(())
                }
                Err(_) => Err(format!("“{text}” is not a seed: use digits only")),
            }
        });
        let on_random = Callback::new(move |()| {
            r.push(());
            seed.set(99);
        });
        view! { <SeedInput seed=seed on_apply=on_apply on_random=on_random /> }
    });
    settle().await;
    let input = fx.get("seed");
    assert_eq!(input_value(&input), "7");
    assert!(fx.find("seed-error").is_none());

    set_input(&input, "x1", "change");
    settle().await;
    assert_eq!(applied.get(), vec!["x1".to_string()]);
    assert_eq!(
        text(&fx.get("seed-error")).trim(),
        "“x1” is not a seed: use digits only"
    );
    assert_eq!(attr(&input, "aria-invalid"), "true");

    set_input(&input, "123", "change");
    settle().await;
    assert!(fx.find("seed-error").is_none(), "Ok hides the error");
    assert_eq!(attr(&input, "aria-invalid"), "false");
    assert_eq!(input_value(&input), "123");

    set_input(&input, "nope", "change");
    settle().await;
    assert!(fx.find("seed-error").is_some());
    click(&fx.get("seed-random"));
    settle().await;
    assert_eq!(randoms.len(), 1);
    assert!(fx.find("seed-error").is_none(), "random clears the error");
    assert_eq!(input_value(&input), "99");
}

static PITFALLS: &[PitfallSpec] = &[
    PitfallSpec {
        name: "hash-mod",
        label: "Hash mod N",
        help: "Rehashes every key when N changes.",
    },
    PitfallSpec {
        name: "no-dedup",
        label: "No de-duplication",
        help: "Counts retried events twice.",
    },
];

#[wasm_bindgen_test]
async fn pitfall_toggles_reflect_active_and_report_toggles() {
    let active = RwSignal::new(vec!["no-dedup".to_string()]);
    let toggles = Calls::<(String, bool)>::new();
    let t = toggles.clone();
    let fx = mount(move || {
        let on_toggle = Callback::new(move |(name, on): (String, bool)| {
            t.push((name.clone(), on));
            active.update(|a| {
                a.retain(|x| x != &name);
                if on {
                    a.push(name);
                }
            });
        });
        view! { <PitfallToggles pitfalls=PITFALLS active=active on_toggle=on_toggle /> }
    });
    settle().await;
    let hash = fx.get("pitfall-hash-mod");
    let dedup = fx.get("pitfall-no-dedup");
    assert_eq!(attr(&hash, "type"), "checkbox");
    assert!(!checked(&hash));
    assert!(checked(&dedup));

    click(&hash);
    settle().await;
    assert_eq!(toggles.get(), vec![("hash-mod".to_string(), true)]);
    assert!(checked(&hash));

    click(&dedup);
    settle().await;
    assert_eq!(
        toggles.get(),
        vec![
            ("hash-mod".to_string(), true),
            ("no-dedup".to_string(), false)
        ]
    );
    assert!(!checked(&dedup));

    // The boxes follow `active` when it changes elsewhere (a preset, a link).
    active.set(vec!["no-dedup".to_string()]);
    settle().await;
    assert!(!checked(&hash));
    assert!(checked(&dedup));
}

static PRESETS: &[Preset] = &[
    Preset {
        name: "hot-key",
        label: "A hot key",
        description: "One key takes most traffic.",
        seed: 3,
        params: &[("skew", "1.8")],
        faults: &[],
        step: 40,
    },
    Preset {
        name: "crash",
        label: "A shard crashes",
        description: "Watch the keys move.",
        seed: 5,
        params: &[],
        faults: &[(10, "crash")],
        step: 12,
    },
];

#[wasm_bindgen_test]
async fn presets_pick_then_reset_the_select_and_reset_button() {
    let picks = Calls::<String>::new();
    let resets = Calls::<()>::new();
    let (p, r) = (picks.clone(), resets.clone());
    let fx = mount(move || {
        let on_pick = Callback::new(move |name: String| p.push(name));
        let on_reset = Callback::new(move |()| r.push(()));
        view! { <Presets presets=PRESETS on_pick=on_pick on_reset=on_reset /> }
    });
    settle().await;
    let select = fx.get("preset");
    // The placeholder and one option per preset.
    assert_eq!(
        fx.all("[data-testid=\"preset\"] option").len(),
        1 + PRESETS.len()
    );

    set_select(&select, "crash");
    settle().await;
    assert_eq!(picks.get(), vec!["crash".to_string()]);
    assert_eq!(
        input_value(&select),
        "",
        "the select goes back to its placeholder"
    );

    click(&fx.get("reset"));
    assert_eq!(resets.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn fault_list_renders_items_and_removes_by_index() {
    let faults = RwSignal::new(vec![
        FaultAt {
            step: 3,
            fault: Fault::new("crash"),
        },
        FaultAt {
            step: 9,
            fault: Fault::with_arg("remove-shard", 2),
        },
        FaultAt {
            step: 15,
            fault: Fault::new("partition"),
        },
    ]);
    let rejected = RwSignal::new(vec![(
        9u64,
        "remove-shard".to_string(),
        "no shard 2".to_string(),
    )]);
    let removed = Calls::<usize>::new();
    let seeks = Calls::<u64>::new();
    let (rm, sk) = (removed.clone(), seeks.clone());
    let fx = mount(move || {
        let on_remove = Callback::new(move |i: usize| {
            rm.push(i);
            faults.update(|f| {
                f.remove(i);
            });
        });
        let on_seek = Callback::new(move |s: u64| sk.push(s));
        view! { <FaultList faults=faults rejected=rejected on_remove=on_remove on_seek=on_seek /> }
    });
    settle().await;
    let items = fx.all("[data-testid=\"fault-item\"]");
    assert_eq!(items.len(), 3);
    let steps: Vec<String> = items.iter().map(|i| attr(i, "data-step")).collect();
    assert_eq!(steps, vec!["3", "9", "15"]);
    assert!(text(&items[1]).contains("remove-shard (2)"));
    assert!(text(&items[1]).contains("not applied: no shard 2"));
    assert!(!text(&items[0]).contains("not applied"));

    // The step link seeks.
    let link = items[2].query_selector("button.link").unwrap().unwrap();
    click(&link);
    assert_eq!(seeks.get(), vec![15]);

    // Remove the middle one.
    let remove = items[1]
        .query_selector("[data-testid=\"fault-remove\"]")
        .unwrap()
        .unwrap();
    click(&remove);
    assert_eq!(removed.get(), vec![1]);
    settle().await;
    let steps: Vec<String> = fx
        .all("[data-testid=\"fault-item\"]")
        .iter()
        .map(|i| attr(i, "data-step"))
        .collect();
    assert_eq!(steps, vec!["3", "15"]);

    // Remove the first of the remaining list: the index is the position now.
    click(&fx.all("[data-testid=\"fault-remove\"]")[0]);
    assert_eq!(removed.get(), vec![1, 0]);
    settle().await;
    assert_eq!(fx.count("fault-item"), 1);
    click(&fx.all("[data-testid=\"fault-remove\"]")[0]);
    settle().await;
    assert_eq!(fx.count("fault-item"), 0);
    assert_eq!(fx.all("[data-testid=\"faults\"] li.empty").len(), 1);
}

static FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "crash",
        label: "Crash a shard",
        help: "A shard stops.",
    },
    FaultSpec {
        kind: "partition",
        label: "Partition",
        help: "A shard is cut off.",
    },
    FaultSpec {
        kind: "slow",
        label: "Slow disk",
        help: "A shard lags.",
    },
];

#[wasm_bindgen_test]
async fn fault_buttons_one_per_spec_and_inject_their_kind() {
    let injected = Calls::<String>::new();
    let i = injected.clone();
    let fx = mount(move || {
        let on_inject = Callback::new(move |kind: String| i.push(kind));
        view! { <FaultButtons specs=FAULTS on_inject=on_inject /> }
    });
    settle().await;
    assert_eq!(fx.all(".fault-buttons button").len(), FAULTS.len());
    for spec in FAULTS {
        let b = fx.get(&format!("fault-{}", spec.kind));
        assert!(text(&b).contains(spec.label));
        assert_eq!(attr(&b, "title"), spec.help);
    }
    click(&fx.get("fault-partition"));
    click(&fx.get("fault-crash"));
    assert_eq!(
        injected.get(),
        vec!["partition".to_string(), "crash".to_string()]
    );
}

// ---------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------

fn table_rows(n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| vec![i.to_string(), (i * i).to_string()])
        .collect()
}

/// A table over a growing source asks only for the page it shows.
#[wasm_bindgen_test]
async fn data_table_fetches_only_the_page_it_shows() {
    let total = RwSignal::new(1_000_000usize);
    let asked = StoredValue::new(Vec::<(usize, usize)>::new());
    let fetch = Callback::new(move |(start, n): (usize, usize)| {
        asked.update_value(|a| a.push((start, n)));
        let end = (start + n).min(total.get());
        (start..end)
            .map(|i| vec![i.to_string(), (i % 7).to_string()])
            .collect::<Vec<_>>()
    });
    let fx = mount(move || {
        view! {
            <DataTable id="big" caption="Big" columns=&["n", "n mod 7"] total=total fetch=fetch page_size=5 />
        }
    });
    settle().await;
    assert_eq!(
        text(&fx.get("table-big-page")),
        "Page 1 of 200000 · 1000000 rows"
    );
    assert_eq!(
        asked.get_value(),
        vec![(0, 5)],
        "only the first page was built"
    );
    click(&fx.get("table-big-next"));
    settle().await;
    let cells: Vec<String> = fx
        .all("[data-testid=\"table-big\"] tbody tr")
        .iter()
        .map(|tr| text(&tr.query_selector("td").unwrap().unwrap()))
        .collect();
    assert_eq!(cells, vec!["5", "6", "7", "8", "9"]);
    assert_eq!(asked.get_value().last(), Some(&(5, 5)));
    total.set(7);
    settle().await;
    assert_eq!(text(&fx.get("table-big-page")), "Page 2 of 2 · 7 rows");
}

#[wasm_bindgen_test]
async fn data_table_pages_highlights_and_offers_csv() {
    let rows = RwSignal::new(table_rows(25));
    let highlight = RwSignal::new(vec![1usize, 12]);
    let fx = mount(move || {
        view! {
            <DataTable id="t" caption="Squares" columns=&["n", "n²"] rows=rows page_size=10
                highlight=highlight />
        }
    });
    settle().await;
    let first_cells = |fx: &Fixture<_>| -> Vec<String> {
        fx.all("[data-testid=\"table-t\"] tbody tr")
            .iter()
            .map(|tr| text(&tr.query_selector("td").unwrap().unwrap()))
            .collect()
    };
    let hl_rows = |fx: &Fixture<_>| -> Vec<String> {
        fx.all("[data-testid=\"table-t\"] tbody tr.hl")
            .iter()
            .map(|tr| text(&tr.query_selector("td").unwrap().unwrap()))
            .collect()
    };

    assert_eq!(
        fx.all("[data-testid=\"table-t\"] thead th").len(),
        2,
        "one header per column"
    );
    assert!(disabled(&fx.get("table-t-prev")), "prev disabled on page 1");
    assert!(!disabled(&fx.get("table-t-next")));
    assert_eq!(text(&fx.get("table-t-page")), "Page 1 of 3 · 25 rows");
    let want: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(first_cells(&fx), want);
    assert_eq!(hl_rows(&fx), vec!["1"]);

    click(&fx.get("table-t-next"));
    settle().await;
    assert_eq!(text(&fx.get("table-t-page")), "Page 2 of 3 · 25 rows");
    let want: Vec<String> = (10..20).map(|i| i.to_string()).collect();
    assert_eq!(first_cells(&fx), want);
    assert_eq!(hl_rows(&fx), vec!["12"]);
    assert!(!disabled(&fx.get("table-t-prev")));
    let row12 = &fx.all("[data-testid=\"table-t\"] tbody tr")[2];
    let cells = row12.query_selector_all("td").unwrap();
    assert_eq!(
        cells.get(1).unwrap().text_content().unwrap_or_default(),
        "144"
    );

    click(&fx.get("table-t-next"));
    settle().await;
    assert_eq!(text(&fx.get("table-t-page")), "Page 3 of 3 · 25 rows");
    assert_eq!(first_cells(&fx).len(), 5);
    assert!(
        disabled(&fx.get("table-t-next")),
        "next disabled on the last page"
    );

    click(&fx.get("table-t-prev"));
    settle().await;
    assert_eq!(text(&fx.get("table-t-page")), "Page 2 of 3 · 25 rows");

    // The table shrinks below the current page: it moves back to a page that exists.
    rows.set(table_rows(4));
    settle().await;
    assert_eq!(text(&fx.get("table-t-page")), "Page 1 of 1 · 4 rows");
    assert_eq!(first_cells(&fx), vec!["0", "1", "2", "3"]);
    assert!(disabled(&fx.get("table-t-prev")));
    assert!(disabled(&fx.get("table-t-next")));

    // Empty: a row says so.
    rows.set(vec![]);
    settle().await;
    assert_eq!(fx.all("[data-testid=\"table-t\"] tbody td.empty").len(), 1);

    // CSV content is unit-tested natively; here only the hook.
    assert!(text(&fx.get("table-t-csv")).contains("CSV"));
}

// ---------------------------------------------------------------------------------------
// Badge
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn truth_badge_states_in_attributes_and_words() {
    let truth = RwSignal::new(Truth::Correct);
    let fx = mount(move || {
        view! { <TruthBadge metric="count" scope=TruthScope::SoFar truth=truth /> }
    });
    settle().await;
    let badge = fx.get("truth-count");
    assert_eq!(attr(&badge, "data-state"), "correct");
    assert_eq!(attr(&badge, "data-delta"), "0");
    assert_eq!(attr(&badge, "data-truth"), "so-far");
    assert_eq!(text(&badge), "✓ correct vs truth so far");
    assert!(attr(&badge, "class").contains("badge-correct"));

    truth.set(Truth::Wrong(-3));
    settle().await;
    assert_eq!(attr(&badge, "data-state"), "wrong");
    assert_eq!(attr(&badge, "data-delta"), "-3");
    assert_eq!(attr(&badge, "data-truth"), "so-far");
    assert_eq!(text(&badge), "✗ wrong by -3 vs truth so far");
    assert!(attr(&badge, "class").contains("badge-wrong"));

    truth.set(Truth::Pending);
    settle().await;
    assert_eq!(attr(&badge, "data-state"), "pending");
    assert_eq!(attr(&badge, "data-delta"), "0");
    assert_eq!(text(&badge), "… pending (vs truth so far)");
    assert!(attr(&badge, "class").contains("badge-pending"));
}

#[wasm_bindgen_test]
async fn truth_badge_final_scope_and_positive_delta() {
    let truth = RwSignal::new(Truth::Wrong(2));
    let fx = mount(move || {
        view! { <TruthBadge metric="sum" scope=TruthScope::Final truth=truth /> }
    });
    settle().await;
    let badge = fx.get("truth-sum");
    assert_eq!(attr(&badge, "data-truth"), "final");
    assert_eq!(attr(&badge, "data-delta"), "2");
    assert_eq!(text(&badge), "✗ wrong by +2 vs final truth");
}

// ---------------------------------------------------------------------------------------
// Narration
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn narration_is_quiet_while_playing() {
    let text_sig = RwSignal::new("Step 3: key k7 goes to shard 2.".to_string());
    let playing = RwSignal::new(false);
    let fx = mount(move || view! { <Narration text=text_sig playing=playing /> });
    settle().await;
    let p = fx.get("narration");
    assert_eq!(text(&p), "Step 3: key k7 goes to shard 2.");
    assert_eq!(attr(&p, "aria-live"), "polite");
    playing.set(true);
    text_sig.set("Step 4.".to_string());
    settle().await;
    assert_eq!(attr(&p, "aria-live"), "off");
    assert_eq!(text(&p), "Step 4.");
}

/// The app's CSS for the log (not loaded in tests), so that it really scrolls.
const LOG_CSS: &str = ".narration-log{overflow-y:auto;position:relative}\
    .log-spacer{position:relative}\
    .log-line{position:absolute;left:0;height:22px}";

#[wasm_bindgen_test]
async fn narration_log_renders_only_a_window_and_picks_steps() {
    const CURRENT: u64 = 100_000;
    let current = RwSignal::new(CURRENT);
    let fetched = Calls::<(u64, u64)>::new();
    let picks = Calls::<u64>::new();
    let (f, p) = (fetched.clone(), picks.clone());
    let fx = mount(move || {
        let fetch = Callback::new(move |(from, to): (u64, u64)| {
            f.push((from, to));
            (from..=to)
                .map(|s| (s, format!("step {s}: something happened"), s % 10 == 0))
                .collect::<Vec<_>>()
        });
        let on_pick = Callback::new(move |s: u64| p.push(s));
        view! {
            <style>{LOG_CSS}</style>
            <NarrationLog current=current fetch=fetch on_pick=on_pick />
        }
    });
    settle().await;

    let lines = fx.all("[data-testid=\"narration-line\"]");
    assert!(!lines.is_empty(), "some lines are rendered");
    assert!(
        lines.len() <= 40,
        "only a window of lines is rendered, got {}",
        lines.len()
    );
    // Never asked for more than a window of sentences.
    for (from, to) in fetched.get() {
        assert!(
            from <= to && to - from < 40,
            "fetch({from}, {to}) is too wide"
        );
        assert!(to <= CURRENT);
    }
    // The spacer keeps the full height so the scrollbar means the whole run.
    let spacer = &fx.all("[data-testid=\"narration-log\"] .log-spacer")[0];
    assert!(attr(spacer, "style").contains(&format!("height:{}px", (CURRENT + 1) as f64 * ROW_PX)));
    // Following: the newest line is in the window and marked current.
    let newest = fx
        .root
        .query_selector("[data-testid=\"narration-line\"][data-step=\"100000\"]")
        .unwrap()
        .expect("the current line is rendered while following");
    assert!(attr(&newest, "class").contains("current"));

    // Clicking a line picks its step.
    let line = &lines[lines.len() / 2];
    let step: u64 = attr(line, "data-step").parse().unwrap();
    click(line);
    assert_eq!(picks.get(), vec![step]);

    // Scrolling to the middle renders the middle, still only a window.
    let log = fx.get("narration-log");
    log.set_scroll_top((50_000.0 * ROW_PX) as i32);
    log.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    let lines = fx.all("[data-testid=\"narration-line\"]");
    assert!(lines.len() <= 40, "still a window, got {}", lines.len());
    let middle = fx
        .root
        .query_selector("[data-testid=\"narration-line\"][data-step=\"50000\"]")
        .unwrap()
        .expect("the line scrolled to is rendered");
    assert!(text(&middle).contains("step 50000: something happened"));
    click(&middle);
    assert_eq!(picks.get(), vec![step, 50_000]);

    // The next step brings the log back to its newest line.
    current.set(CURRENT + 1);
    settle().await;
    assert!(
        fx.root
            .query_selector("[data-testid=\"narration-line\"][data-step=\"100001\"]")
            .unwrap()
            .is_some(),
        "a step change shows the new current line"
    );
}

// ---------------------------------------------------------------------------------------
// Code panel
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn code_panel_marks_the_active_lines() {
    let code = RwSignal::new(CodeView {
        language: "rust",
        title: "Routing a key",
        lines: [
            "let h = hash(key);",
            "let shard = h % n;",
            "send(shard, event);",
            "ack();",
        ]
        .map(String::from)
        .to_vec(),
        active: vec![1, 3],
        note: None,
    });
    let fx = mount(move || view! { <CodePanel code=code /> });
    settle().await;
    let active_of = |fx: &Fixture<_>| -> Vec<bool> {
        fx.all("[data-testid=\"code-panel\"] [data-active]")
            .iter()
            .map(|l| attr(l, "data-active") == "true")
            .collect()
    };
    let panel = fx.get("code-panel");
    assert!(text(&panel).contains("Routing a key"));
    assert_eq!(active_of(&fx), vec![false, true, false, true]);
    let lines = fx.all("[data-testid=\"code-panel\"] [data-active]");
    assert!(text(&lines[1]).contains("let shard = h % n;"));
    assert!(attr(&lines[1], "class").contains("active"));
    assert!(!attr(&lines[0], "class").contains("active"));
    assert!(fx.all(".pitfall-note").is_empty());

    code.update(|c| {
        c.active = vec![0];
        c.note = Some("mod N moves almost every key when N changes");
    });
    settle().await;
    assert_eq!(active_of(&fx), vec![true, false, false, false]);
    // Only the highlight changed: the line elements are the same nodes, not re-rendered.
    let after = fx.all("[data-testid=\"code-panel\"] [data-active]");
    for (a, b) in lines.iter().zip(&after) {
        assert!(
            a.is_same_node(Some(b)),
            "a code line was re-rendered for a highlight change"
        );
    }
    let note = fx.all(".pitfall-note");
    assert_eq!(note.len(), 1);
    assert!(text(&note[0]).contains("mod N moves almost every key"));
}

// ---------------------------------------------------------------------------------------
// Questions
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn questions_are_graded_only_on_check_with_the_answers_explanation() {
    let asked = Arc::new(Mutex::new(0u32));
    let counter = asked.clone();
    let fx = mount(move || {
        let counter = counter.clone();
        let answer = Callback::new(move |()| {
            *counter.lock().unwrap() += 1;
            (1usize, "because the simulation says so".to_string())
        });
        view! {
            <Questions questions=vec![Question {
                id: "q1",
                prompt: "Which one?".into(),
                choices: vec!["first".into(), "second".into()],
                answer,
            }] />
        }
    });
    settle().await;
    assert!(text(&fx.get("question-q1")).contains("Which one?"));
    assert!(
        fx.find("question-q1-result").is_none(),
        "no result before checking"
    );

    // Check with nothing picked: a prompt, and the answer is not computed.
    click(&fx.get("question-q1-check"));
    settle().await;
    assert!(text(&fx.get("question-q1-result")).contains("Pick an answer first"));
    assert_eq!(*asked.lock().unwrap(), 0);

    // A wrong pick, then check.
    click(&fx.get("question-q1-choice-0"));
    settle().await;
    assert!(
        fx.find("question-q1-result").is_none(),
        "changing the choice clears the result"
    );
    click(&fx.get("question-q1-check"));
    settle().await;
    let result = fx.get("question-q1-result");
    assert_eq!(attr(&result, "data-correct"), "false");
    assert!(text(&result).contains("because the simulation says so"));
    assert_eq!(*asked.lock().unwrap(), 1);

    // The right pick.
    click(&fx.get("question-q1-choice-1"));
    settle().await;
    click(&fx.get("question-q1-check"));
    settle().await;
    assert_eq!(attr(&fx.get("question-q1-result"), "data-correct"), "true");
    assert_eq!(*asked.lock().unwrap(), 2);
}

// ---------------------------------------------------------------------------------------
// Help overlay and explainer
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn help_overlay_opens_on_signal_and_escape_closes_it() {
    let open = RwSignal::new(false);
    let fx = mount(move || view! { <HelpOverlay open=open /> });
    settle().await;
    assert!(fx.find("help-overlay").is_none(), "hidden while closed");

    open.set(true);
    settle().await;
    let overlay = fx.get("help-overlay");
    assert_eq!(attr(&overlay, "role"), "dialog");
    assert_eq!(
        fx.all("[data-testid=\"help-overlay\"] tbody tr").len(),
        KEYS.len()
    );

    // Another key does nothing; Escape from inside closes.
    let close = fx.all("[data-testid=\"help-overlay\"] button")[0].clone();
    key_down(&close, "a");
    settle().await;
    assert!(open.get_untracked());
    assert!(fx.find("help-overlay").is_some());
    key_down(&close, "Escape");
    settle().await;
    assert!(!open.get_untracked());
    assert!(fx.find("help-overlay").is_none(), "Escape closes it");

    // The Close button too.
    open.set(true);
    settle().await;
    click(&fx.all("[data-testid=\"help-overlay\"] button")[0]);
    settle().await;
    assert!(!open.get_untracked());
    assert!(fx.find("help-overlay").is_none());
}

static GLOSSARY: &[(&str, &str)] = &[
    ("shard", "One partition of the keys."),
    ("rebalance", "Moving keys when shards change."),
];

#[wasm_bindgen_test]
async fn explainer_lists_the_glossary_as_terms() {
    let fx = mount(move || {
        view! {
            <Explainer what="Splits keys across shards." when="Too much for one box."
                when_not="Cross-key queries." glossary=GLOSSARY />
        }
    });
    settle().await;
    let ex = fx.get("explainer");
    assert!(text(&ex).contains("Splits keys across shards."));
    assert!(text(&ex).contains("Cross-key queries."));
    let terms = fx.all("[data-testid=\"glossary-term\"]");
    assert_eq!(terms.len(), GLOSSARY.len());
    for (el, (t, d)) in terms.iter().zip(GLOSSARY) {
        assert_eq!(text(el), *t);
        assert_eq!(attr(el, "title"), *d);
        assert_eq!(attr(el, "tabindex"), "0");
    }
}

// ---------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn bar_chart_renders_svg_and_offers_download() {
    let data = RwSignal::new(BarData {
        title: "Keys per shard".to_string(),
        y_label: "keys".to_string(),
        labels: vec!["s0".into(), "s1".into(), "s2".into()],
        values: vec![10.0, 20.0, 30.0],
        reference: Some(("mean".to_string(), 20.0)),
        emphasis: Some(2),
        second: None,
        lines: false,
    });
    let fx = mount(move || view! { <BarChart id="load" data=data /> });
    settle().await;
    sleep_ms(REDRAW_AFTER_MS as i32 + 150).await;
    let fig = fx.get("chart-load");
    let svg = fig
        .query_selector("svg")
        .unwrap()
        .expect("an <svg> inside chart-load");
    let markup = svg.outer_html();
    assert!(
        !markup.contains("chart unavailable"),
        "plotters failed in the browser: {markup}"
    );
    assert!(
        svg.query_selector_all("rect").unwrap().length() >= 3,
        "the bars are drawn"
    );
    let img = fig.query_selector(".chart-svg").unwrap().unwrap();
    assert_eq!(
        attr(&img, "aria-label"),
        "Keys per shard — s0: 10, s1: 20, s2: 30"
    );
    assert!(fx.find("chart-load-svg").is_some());
    // The text alternative as a table: a caption, a header and one row per bar.
    let cells = |fx: &Fixture<_>| -> Vec<String> {
        let list = fx
            .get("chart-load")
            .query_selector_all("table tbody tr > *")
            .unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i).and_then(|n| n.text_content()))
            .collect()
    };
    assert_eq!(cells(&fx), ["s0", "10", "s1", "20", "s2", "30"]);

    let bars = |fx: &Fixture<_>| {
        fx.get("chart-load")
            .query_selector_all("svg rect")
            .unwrap()
            .length()
    };
    let bars_before = bars(&fx);
    data.update(|d| {
        d.labels.push("s3".into());
        d.values.push(5.0);
    });
    settle().await;
    // The text alternative is current at once; the drawing waits for the data to rest.
    assert_eq!(
        attr(&img, "aria-label"),
        "Keys per shard — s0: 10, s1: 20, s2: 30, s3: 5"
    );
    assert_eq!(cells(&fx).len(), 8, "the table follows the data");
    assert_eq!(
        bars(&fx),
        bars_before,
        "not redrawn while data may still be changing"
    );
    sleep_ms(REDRAW_AFTER_MS as i32 + 150).await;
    assert_eq!(
        bars(&fx),
        bars_before + 1,
        "redrawn with the new bar once the data rests"
    );
    assert!(fx
        .find("chart-load")
        .unwrap()
        .query_selector("svg")
        .unwrap()
        .is_some());
}
