//! `cargo xtask bench`: criterion, the kernel natively and as wasm in Node, and the
//! in-browser measurements. Figures are printed (and saved), never asserted.

use std::cell::RefCell;

use crate::ctx::{self, Ctx};
use crate::determinism::{self, events_per_s};
use crate::pipeline::{self, OnFailure, Step};
use crate::{release, setup, Result};

const KERNEL_EVENTS: u32 = 1_000_000;

#[derive(Default)]
struct Results {
    criterion: Vec<String>,
    native: Option<String>,
    wasm: Option<String>,
    kappa_native: Option<String>,
    kappa_wasm: Option<String>,
    browser: Vec<String>,
    built: bool,
}

pub fn run(ctx: &Ctx) -> Result {
    setup::run(ctx, false)?;
    let results = RefCell::new(Results::default());
    let steps = vec![
        Step::new("criterion", "criterion benchmarks (pipelab-core)", || {
            let out = ctx.tee(ctx.cargo().args(["bench", "-p", "pipelab-core"]))?;
            results.borrow_mut().criterion = criterion_summary(&out);
            Ok(())
        }),
        Step::new("kernel-native", "kernel (native)", || {
            let line = determinism::native_kernel(ctx, KERNEL_EVENTS, "kernel")?;
            results.borrow_mut().native = Some(line);
            let line = determinism::native_kernel(ctx, KERNEL_EVENTS, "kappa-kernel")?;
            results.borrow_mut().kappa_native = Some(line);
            Ok(())
        }),
        Step::new("kernel-wasm", "kernel (wasm32 in Node)", || {
            let line = determinism::wasm_kernel(ctx, KERNEL_EVENTS, "kernel")?;
            results.borrow_mut().wasm = Some(line);
            let line = determinism::wasm_kernel(ctx, KERNEL_EVENTS, "kappa-kernel")?;
            results.borrow_mut().kappa_wasm = Some(line);
            Ok(())
        }),
        Step::new("build", "release build of dist/", || {
            release::build(ctx)?;
            results.borrow_mut().built = true;
            Ok(())
        }),
        Step::new(
            "browser",
            "in-browser measurements (tests/bench/browser.mjs)",
            || {
                if !results.borrow().built {
                    return Err("not measured: the release build of dist/ failed".into());
                }
                let out = ctx.tee(
                    ctx.command("node")
                        .arg(ctx.tests.join("bench/browser.mjs"))
                        .env("PIPELAB_DIST", &ctx.dist)
                        .env("CHROMIUM", setup::chromium())
                        .env("PIPELAB_BENCH_JSON", ctx.target.join("bench-browser.json")),
                )?;
                results.borrow_mut().browser = out.lines().map(str::to_string).collect();
                Ok(())
            },
        ),
    ];
    let outcome = pipeline::run("bench", steps, &[], OnFailure::Continue);
    let report = render(&results.borrow());
    print!("\n{report}");
    let path = ctx.target.join("bench-report.txt");
    match std::fs::create_dir_all(&ctx.target).and_then(|()| std::fs::write(&path, &report)) {
        Ok(()) => println!("(written to {})", ctx::rel(&path, &ctx.root).display()),
        Err(e) => println!("(could not write {}: {e})", path.display()),
    }
    outcome
}

/// The benchmark names with their `time:` and `thrpt:` lines from criterion's output.
fn criterion_summary(output: &str) -> Vec<String> {
    let mut summary = Vec::new();
    let mut name: Option<&str> = None;
    for line in output.lines() {
        let trimmed = line.trim();
        // Libtest's listing of ignored unit tests (`test sim::time::… ... ignored`) is
        // interleaved with criterion's output and names modules like `time::`.
        if trimmed.is_empty() || trimmed.starts_with("test ") || trimmed.starts_with("running ") {
            continue;
        }
        let is_figure = trimmed.starts_with("time:") || trimmed.starts_with("thrpt:");
        if line.contains("time:") && !is_figure {
            summary.push(line.trim_end().to_string()); // name and time on one line
            name = None;
        } else if is_figure {
            if let Some(n) = name.take() {
                summary.push(n.to_string());
            }
            summary.push(line.trim_end().to_string());
        } else if !line.starts_with(char::is_whitespace) {
            name = Some(trimmed);
        }
    }
    summary
}

fn render(r: &Results) -> String {
    let mut text = String::from("==> benchmark results\n");
    text.push_str("criterion (pipelab-core):\n");
    push_lines(&mut text, &r.criterion);
    let missing = "(not measured)".to_string();
    let rate = |line: &Option<String>| line.as_deref().and_then(events_per_s);
    for (title, native, wasm) in [
        (
            "simulation kernel (workload + sharding)",
            &r.native,
            &r.wasm,
        ),
        (
            "kappa kernel (log + oracle + processor, tumbling)",
            &r.kappa_native,
            &r.kappa_wasm,
        ),
    ] {
        text.push_str(&format!("{title}:\n"));
        text.push_str(&format!(
            "  native:        {}\n",
            native.as_ref().unwrap_or(&missing)
        ));
        text.push_str(&format!(
            "  wasm32 (Node): {}\n",
            wasm.as_ref().unwrap_or(&missing)
        ));
        if let (Some(n), Some(w)) = (rate(native), rate(wasm)) {
            if n > 0.0 {
                text.push_str(&format!("  wasm/native events/s ratio: {:.2}\n", w / n));
            }
        }
    }
    text.push_str("in-browser (headless Chromium):\n");
    push_lines(&mut text, &r.browser);
    text
}

fn push_lines(text: &mut String, lines: &[String]) {
    if lines.is_empty() {
        text.push_str("  (no output)\n");
    }
    for line in lines {
        text.push_str(&format!("  {line}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_criterion_figures() {
        let out = "\
running 52 tests
test sim::time::tests::epoch_is_new_year_2024 ... ignored
Benchmarking workload/events: Warming up for 3.0000 s
workload/events         time:   [1.0 ms 1.1 ms 1.2 ms]
                        thrpt:  [8.0 Melem/s 8.5 Melem/s 9.0 Melem/s]
Found 2 outliers among 100 measurements (2.00%)
sharding/seek_into_a_1m_step_run
                        time:   [3.0 ms 3.1 ms 3.2 ms]
";
        assert_eq!(
            criterion_summary(out),
            vec![
                "workload/events         time:   [1.0 ms 1.1 ms 1.2 ms]",
                "                        thrpt:  [8.0 Melem/s 8.5 Melem/s 9.0 Melem/s]",
                "sharding/seek_into_a_1m_step_run",
                "                        time:   [3.0 ms 3.1 ms 3.2 ms]",
            ]
        );
    }
}
