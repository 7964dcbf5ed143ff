//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use std::path::{Path, PathBuf};

use crate::ctx::Ctx;
use crate::pipeline::{self, OnFailure, Step};
use crate::{conformance, determinism, release, setup, size, Result};

const WASM: &str = "wasm32-unknown-unknown";

/// The names `--skip` accepts, in the order the steps run.
pub const STEP_IDS: &[&str] = &[
    "fmt",
    "clippy",
    "clippy-wasm",
    "test",
    "test-wasm",
    "determinism",
    "conformance",
    "build",
    "e2e",
    "size",
];

pub fn run(ctx: &Ctx, skip: &[String]) -> Result {
    setup::run(ctx, false)?;
    let cargo = |args: &'static [&'static str]| move || ctx.run(ctx.cargo().args(args));
    let steps = vec![
        Step::new(
            "fmt",
            "cargo fmt --check",
            cargo(&["fmt", "--all", "--", "--check"]),
        ),
        Step::new(
            "clippy",
            "clippy (native, all targets)",
            cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        Step::new(
            "clippy-wasm",
            "clippy (wasm32: pipelab-core, pipelab-app)",
            || wasm_clippy(ctx),
        ),
        Step::new("test", "tests (native)", cargo(&["test", "--workspace"])),
        Step::new(
            "test-wasm",
            "tests (wasm32: pipelab-core in Node, pipelab-app in headless Chromium)",
            || wasm_tests(ctx),
        ),
        Step::new(
            "determinism",
            "determinism (native vs wasm32 hashes)",
            || determinism::check(ctx),
        ),
        Step::new(
            "conformance",
            "conformance (listings and simulations on real engines)",
            || conformance::run(ctx, &[]),
        ),
        Step::new(
            "build",
            "release build of dist/ (+ Content-Security-Policy)",
            || release::build(ctx),
        ),
        Step::new("e2e", "end-to-end tests (tests/e2e)", || e2e(ctx)),
        Step::new("size", "size report", || size::report(ctx).map(|_| ())),
    ];
    debug_assert!(steps.iter().map(|s| s.id).eq(STEP_IDS.iter().copied()));
    pipeline::run("test", steps, skip, OnFailure::Stop)
}

fn wasm_clippy(ctx: &Ctx) -> Result {
    ctx.run(ctx.cargo().args([
        "clippy",
        "-p",
        "pipelab-core",
        "--target",
        WASM,
        "--lib",
        "--",
        "-D",
        "warnings",
    ]))?;
    ctx.run(ctx.cargo().args([
        "clippy",
        "-p",
        "pipelab-app",
        "--target",
        WASM,
        "--lib",
        "--bins",
        "--",
        "-D",
        "warnings",
    ]))
}

/// `cargo test --target wasm32` goes through `wasm-bindgen-test-runner` (the runner in
/// `.cargo/config.toml`): Node for the core, headless Chromium via chromedriver for the app.
fn wasm_tests(ctx: &Ctx) -> Result {
    ctx.run(
        ctx.cargo()
            .args(["test", "-p", "pipelab-core", "--target", WASM]),
    )?;
    ctx.run(
        ctx.cargo()
            .args(["test", "-p", "pipelab-app", "--target", WASM])
            .env("CHROMEDRIVER", setup::chromedriver()),
    )
}

/// The end-to-end suite against the built `dist/`; the tests serve it themselves.
pub fn e2e(ctx: &Ctx) -> Result {
    let dir = ctx.tests.join("e2e");
    let mut files = Vec::new();
    find_node_tests(&dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "no test files (named like `*.test.mjs`) under {}",
            dir.display()
        ));
    }
    ctx.run(
        ctx.command("node")
            .args(["--test", "--test-concurrency=1"])
            .args(&files)
            .env("PIPELAB_DIST", &ctx.dist)
            .env("CHROMIUM", setup::chromium()),
    )
}

/// Files `node --test` would pick from a folder (Node 20's rules: `test.js`, `test-*.js`,
/// `*.test.js`, `*-test.js`, `*_test.js`, also `.mjs`/`.cjs`), listed explicitly so the
/// command means the same on every Node version.
fn find_node_tests(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    crate::ctx::walk_files(
        dir,
        &|name| name != "node_modules" && !name.starts_with('.'),
        &is_node_test_file,
        files,
    )
}

fn is_node_test_file(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "js" | "mjs" | "cjs")
        && (stem == "test"
            || stem.starts_with("test-")
            || [".test", "-test", "_test"]
                .iter()
                .any(|suffix| stem.ends_with(suffix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_test_file_names() {
        for name in [
            "pages.test.mjs",
            "test.js",
            "test-home.cjs",
            "a-test.js",
            "a_test.mjs",
        ] {
            assert!(is_node_test_file(name), "{name}");
        }
        for name in [
            "server.mjs",
            "cdp.js",
            "pages.test.ts",
            "README.md",
            "attest.js",
        ] {
            assert!(!is_node_test_file(name), "{name}");
        }
    }
}
