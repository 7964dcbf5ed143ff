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
pub mod work;

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

thread_local! {
    /// The staged extract `elt_stage` builds for `elt_transform_checksum` to read.
    static STAGED: std::cell::RefCell<Vec<pipelab_core::patterns::etl_elt::table::RecordBatch>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Stages the first night's extract of a `rows`-row source (100,000 customers, the
/// page's data-quality defaults) as Arrow record batches of 10,000 rows; returns the rows
/// staged. The benchmark then times [`elt_transform_checksum`] alone.
#[wasm_bindgen]
pub fn elt_stage(rows: u32) -> f64 {
    use pipelab_core::patterns::etl_elt::{extract::staged_extract, EtlParams};
    let p = EtlParams {
        rows: rows.max(1) as u64,
        runs: 1,
        users: 100_000,
        ..EtlParams::default()
    };
    let batches = staged_extract(42, p.shape(), 10_000);
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    STAGED.with(|s| *s.borrow_mut() = batches);
    n as f64
}

/// The ELT transform over the staged rows, grouped by customer (parse, one row per
/// order, SUM and COUNT per user): a checksum of the result.
#[wasm_bindgen]
pub fn elt_transform_checksum() -> f64 {
    use pipelab_core::patterns::etl_elt::table::Group;
    use pipelab_core::patterns::etl_elt::transform::{transform, Rule};
    STAGED.with(|s| {
        let batches = s.borrow();
        let (t, c) = transform(batches.iter(), Group::User, Rule::AllOrders, 100_001);
        let sum = t
            .cents
            .iter()
            .fold(c.counted as i64, |a, &x| a.wrapping_add(x));
        (sum.rem_euclid(1 << 52)) as f64
    })
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
