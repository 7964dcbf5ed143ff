//! pipelab-app: the Leptos client-side app. Pages are thin: they hold a [`sim::Sim`] and
//! draw its plain-data views with shared widgets; all pattern logic lives in pipelab-core.

pub mod app;
pub mod browser;
pub mod catalog;
pub mod compare;
pub mod pages;
pub mod panic;
pub mod sim;
pub mod sim_widgets;
pub mod widgets;

use wasm_bindgen::prelude::*;

/// Installs the panic hook and mounts the app on `<body>`.
pub fn start() {
    panic::install();
    leptos::mount::mount_to_body(app::App);
}

/// Test and benchmark hooks, exported on `window.wasmBindings` by Trunk's loader.
/// Deliberately panics so the end-to-end suite can check the panic message.
#[wasm_bindgen]
pub fn debug_panic() {
    panic!("debug_panic() was called on purpose by a test"); // ok: a test hook that must panic
}

/// Routes `events` events of the default sharding run and returns a checksum: the kernel
/// the in-browser benchmark times against the native figure.
#[wasm_bindgen]
pub fn kernel_checksum(events: u32) -> f64 {
    (pipelab_core::patterns::sharding::kernel_checksum(events) % (1 << 52)) as f64
}

/// Bytes of wasm linear memory currently reserved.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map(|b| b.byte_length() as f64)
        .unwrap_or(0.0)
}
