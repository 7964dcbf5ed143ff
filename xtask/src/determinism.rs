//! The cross-target determinism check and the simulation-kernel timing, both of which run
//! the `pipelab-determinism` crate natively and as wasm32 in Node.

use std::path::PathBuf;

use crate::ctx::Ctx;
use crate::Result;

const PACKAGE: &str = "pipelab-determinism";
const WASM_FILE: &str = "pipelab_determinism.wasm";
const JS_FILE: &str = "pipelab_determinism.js";

/// Hashes every step of several full runs natively and as wasm32, and fails unless both
/// print the same, non-empty lines.
pub fn check(ctx: &Ctx) -> Result {
    let native =
        ctx.capture(
            ctx.cargo()
                .args(["run", "--release", "-p", PACKAGE, "--", "hashes"]),
        )?;
    let js = build_for_node(ctx)?;
    let wasm = ctx.capture(ctx.command("node").args([
        "-e",
        "process.stdout.write(require(process.argv[1]).trace_hashes())",
        &js.to_string_lossy(),
    ]))?;
    println!("\nnative:\n{}", indent(&native));
    println!("wasm32 (Node):\n{}", indent(&wasm));
    compare(&native, &wasm)?;
    println!("determinism: {} identical lines", lines(&native).len());
    Ok(())
}

/// Line-by-line comparison; trailing blank lines do not count.
fn compare(native: &str, wasm: &str) -> Result {
    let (a, b) = (lines(native), lines(wasm));
    if a.is_empty() || b.is_empty() {
        let which = if a.is_empty() { "native" } else { "wasm32" };
        return Err(format!("the {which} run printed no hashes"));
    }
    let mut differences = Vec::new();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied(), b.get(i).copied());
        if x != y {
            differences.push(format!(
                "line {}: native `{}` vs wasm32 `{}`",
                i + 1,
                x.unwrap_or("<missing>"),
                y.unwrap_or("<missing>")
            ));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "native and wasm32 differ on {} of {} lines:\n{}",
            differences.len(),
            a.len().max(b.len()),
            differences.join("\n")
        ))
    }
}

fn lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

fn indent(text: &str) -> String {
    lines(text)
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds the crate for wasm32 in release mode and generates Node bindings; returns the JS
/// module's path.
fn build_for_node(ctx: &Ctx) -> Result<PathBuf> {
    let mut cargo = ctx.cargo();
    cargo.args([
        "build",
        "--release",
        "-p",
        PACKAGE,
        "--target",
        "wasm32-unknown-unknown",
        "--lib",
    ]);
    // The same flags as the release build of dist/, so the two share compiled crates
    // instead of rebuilding each other's (a flag change invalidates Cargo's cache).
    if let Some(flags) = crate::release::wasm_rustflags() {
        cargo.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", flags);
    }
    ctx.run(&mut cargo)?;
    let wasm = ctx
        .target
        .join("wasm32-unknown-unknown/release")
        .join(WASM_FILE);
    let out_dir = ctx.target.join("determinism-node");
    ctx.run(ctx.command("wasm-bindgen").args([
        "--target".as_ref(),
        "nodejs".as_ref(),
        "--out-dir".as_ref(),
        out_dir.as_os_str(),
        wasm.as_os_str(),
    ]))?;
    Ok(out_dir.join(JS_FILE))
}

/// `kernel events=N ms=T events_per_s=R` from the native release build.
/// `which` is `kernel` (workload + sharding) or `kappa-kernel` (workload + Kappa).
pub fn native_kernel(ctx: &Ctx, events: u32, which: &str) -> Result<String> {
    let out = ctx.capture(ctx.cargo().args([
        "run",
        "--release",
        "-p",
        PACKAGE,
        "--",
        which,
        &events.to_string(),
    ]))?;
    kernel_line(&out, which)
        .ok_or_else(|| format!("the native kernel printed no `{which} ...` line:\n{out}"))
}

/// The same measurement as wasm32 in Node, timed in JavaScript around `kernel_checksum`.
pub fn wasm_kernel(ctx: &Ctx, events: u32, which: &str) -> Result<String> {
    let js = build_for_node(ctx)?;
    let script = r#"
const m = require(process.argv[1]);
const events = Number(process.argv[2]);
const which = process.argv[3];
const f = which === 'kernel' ? m.kernel_checksum : m.kappa_kernel_checksum;
f(Math.min(events, 10000)); // warm up the JIT tiers
const t0 = performance.now();
const checksum = f(events);
const ms = performance.now() - t0;
console.log(`${which} events=${events} ms=${ms.toFixed(1)} events_per_s=${Math.round(events / (ms / 1000))} checksum=${checksum}`);
"#;
    let out = ctx.capture(ctx.command("node").args([
        "-e",
        script,
        &js.to_string_lossy(),
        &events.to_string(),
        which,
    ]))?;
    kernel_line(&out, which)
        .ok_or_else(|| format!("the wasm kernel printed no `{which} ...` line:\n{out}"))
}

fn kernel_line(output: &str, which: &str) -> Option<String> {
    output
        .lines()
        .find(|l| l.starts_with(&format!("{which} ")))
        .map(|l| l.trim().to_string())
}

/// The `events_per_s=` figure of a kernel line.
pub fn events_per_s(line: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|word| word.strip_prefix("events_per_s="))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_outputs_pass() {
        assert!(compare("a 1\nb 2\n", "a 1\nb 2").is_ok());
    }

    #[test]
    fn any_difference_or_empty_output_fails() {
        assert!(compare("a 1\nb 2\n", "a 1\nb 3\n").is_err());
        assert!(compare("a 1\nb 2\n", "a 1\n").is_err());
        assert!(compare("", "").is_err());
        assert!(compare("a 1\n", "\n").is_err());
    }

    #[test]
    fn parses_kernel_lines() {
        let line = kernel_line(
            "noise\nkernel events=10 ms=2.0 events_per_s=5000\n",
            "kernel",
        )
        .unwrap();
        assert_eq!(events_per_s(&line), Some(5000.0));
    }
}
