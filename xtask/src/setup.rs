//! `cargo xtask setup`: make sure every tool the build and the tests need is installed.
//!
//! Each step is a fast check plus an install action that only runs when the check fails, so
//! running setup on a ready machine costs well under two seconds.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::ctx::{self, probe, Ctx};
use crate::Result;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const MIN_NODE_MAJOR: u32 = 20;

/// What a check found.
enum Check {
    /// Present and usable; the text says what was found.
    Ready(String),
    /// Absent or wrong; the text says why.
    Missing(String),
}

struct Step {
    name: &'static str,
    check: fn(&Ctx) -> Result<Check>,
    install: fn(&Ctx) -> Result,
    /// What the step needs from the outside world, shown when it fails.
    hint: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        name: "rustfmt and clippy",
        check: check_components,
        install: install_components,
        hint: "rustfmt and clippy come from rustup (`rustup component add rustfmt clippy`), so \
               rustup must manage this toolchain and its server must be reachable.",
    },
    Step {
        name: "wasm32 target",
        check: check_wasm_target,
        install: install_wasm_target,
        hint: "The wasm32-unknown-unknown standard library can only be had from rustup \
               (`rustup target add wasm32-unknown-unknown`); there is no other source, so rustup \
               must manage this toolchain and its server (static.rust-lang.org) must be reachable.",
    },
    Step {
        name: "cargo dependencies",
        check: check_crates,
        install: fetch_crates,
        hint: "`cargo fetch` downloads the crates pinned in Cargo.lock from crates.io, which must \
               be reachable; Trunk then builds offline from that cache.",
    },
    Step {
        name: "Trunk 0.21.14",
        check: check_trunk,
        install: install_trunk,
        hint: "Trunk is built from crates.io with `cargo install --locked trunk@0.21.14` (about \
               5 minutes; 0.22 needs a newer rustc than this project's), so crates.io must be \
               reachable and a couple of GB of disk free.",
    },
    Step {
        name: "wasm-bindgen CLI",
        check: check_wasm_bindgen,
        install: install_wasm_bindgen,
        hint: "The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in \
               Cargo.lock; it is built from crates.io with `cargo install wasm-bindgen-cli \
               --version <that version>` (deliberately without --locked), so crates.io must be \
               reachable.",
    },
    Step {
        name: "Node.js and npm",
        check: check_node,
        install: install_node,
        hint: "Node.js 20 or newer, with npm, runs wasm-opt, the wasm tests, the end-to-end tests \
               and the browser benchmark. Install both (from your distribution if it is recent \
               enough, or from nodejs.org), then run `cargo xtask setup` again.",
    },
    Step {
        name: "npm packages (wasm-opt, playwright-core)",
        check: check_npm_packages,
        install: install_npm_packages,
        hint: "`npm ci` in tests/ installs binaryen (a wasm-opt that works; Debian's is broken) \
               and playwright-core from the committed tests/package-lock.json, so the npm \
               registry must be reachable.",
    },
    Step {
        name: "Chromium and chromedriver",
        check: check_browser,
        install: install_browser,
        hint: "Chromium and chromedriver come from Debian: `apt-get update && apt-get install -y \
               --no-install-recommends chromium chromium-driver`, which needs root, apt-get and \
               a reachable Debian mirror. Elsewhere, install Chromium and the matching \
               chromedriver yourself and point the CHROMIUM and CHROMEDRIVER environment \
               variables at them.",
    },
];

/// Runs every step; with `check_only`, reports what is missing instead of installing it.
pub fn run(ctx: &Ctx, check_only: bool) -> Result {
    let started = Instant::now();
    let mut missing = Vec::new();
    for step in STEPS {
        print!("setup: {} ... ", step.name);
        ctx::flush();
        match run_step(ctx, step, check_only) {
            Ok(None) => {}
            Ok(Some(why)) => missing.push(format!("{} ({why})", step.name)),
            Err(e) => {
                println!("FAILED");
                return Err(step_failure(step, &e));
            }
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "setup --check: missing: {}. Run `cargo xtask setup` to install.",
            missing.join("; ")
        ));
    }
    println!(
        "setup: everything is ready ({})",
        ctx::secs(started.elapsed())
    );
    Ok(())
}

/// The one-paragraph message for a step that could not be completed: what failed and what
/// the machine needs (never a backtrace).
fn step_failure(step: &Step, error: &str) -> String {
    format!(
        "setup could not complete the step \"{}\": {error}.\n{}",
        step.name, step.hint
    )
}

/// Checks, and installs when needed. Returns why the step is missing in check-only mode.
fn run_step(ctx: &Ctx, step: &Step, check_only: bool) -> Result<Option<String>> {
    let why = match (step.check)(ctx)? {
        Check::Ready(found) => {
            println!("ok ({found})");
            return Ok(None);
        }
        Check::Missing(why) => why,
    };
    if check_only {
        println!("missing ({why})");
        return Ok(Some(why));
    }
    println!("installing ({why})");
    (step.install)(ctx)?;
    match (step.check)(ctx)? {
        Check::Ready(found) => {
            println!("setup: {} ... ok (installed; {found})", step.name);
            Ok(None)
        }
        Check::Missing(why) => Err(format!("the install ran but the check still fails: {why}")),
    }
}

// --- rustfmt and clippy -------------------------------------------------------------------

fn check_components(_: &Ctx) -> Result<Check> {
    let fmt = probe("cargo", &["fmt", "--version"]);
    let clippy = probe("cargo", &["clippy", "--version"]);
    Ok(match (fmt, clippy) {
        (Some(fmt), Some(clippy)) => Check::Ready(format!("{fmt}; {clippy}")),
        _ => Check::Missing("`cargo fmt` or `cargo clippy` does not run".into()),
    })
}

fn install_components(ctx: &Ctx) -> Result {
    require_rustup()?;
    ctx.run(
        ctx.command("rustup")
            .args(["component", "add", "rustfmt", "clippy"]),
    )
}

// --- wasm32 target ------------------------------------------------------------------------

fn check_wasm_target(ctx: &Ctx) -> Result<Check> {
    let sysroot = ctx
        .command("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run `rustc --print sysroot`: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let lib = sysroot.join("lib/rustlib").join(WASM_TARGET).join("lib");
    Ok(if lib.is_dir() {
        Check::Ready("already installed".into())
    } else {
        Check::Missing(format!("{} does not exist", lib.display()))
    })
}

fn install_wasm_target(ctx: &Ctx) -> Result {
    require_rustup()?;
    ctx.run(ctx.command("rustup").args(["target", "add", WASM_TARGET]))
}

fn require_rustup() -> Result {
    match ctx::which("rustup") {
        Some(_) => Ok(()),
        None => {
            Err("`rustup` is not on PATH, and this toolchain cannot be extended without it".into())
        }
    }
}

// --- cargo dependencies -------------------------------------------------------------------

fn check_crates(ctx: &Ctx) -> Result<Check> {
    if !ctx.root.join("Cargo.lock").is_file() {
        return Ok(Check::Missing("there is no Cargo.lock yet".into()));
    }
    // Succeeds without network exactly when every locked crate is already downloaded.
    let offline = ctx
        .cargo()
        .args(["fetch", "--offline", "--quiet"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `cargo fetch --offline`: {e}"))?;
    Ok(if offline.success() {
        Check::Ready("every crate in Cargo.lock is downloaded".into())
    } else {
        Check::Missing("some crates in Cargo.lock are not downloaded yet".into())
    })
}

fn fetch_crates(ctx: &Ctx) -> Result {
    ctx.run(ctx.cargo().arg("fetch"))
}

// --- Trunk --------------------------------------------------------------------------------

fn check_trunk(_: &Ctx) -> Result<Check> {
    Ok(match probe("trunk", &["--version"]) {
        Some(v) if v == format!("trunk {TRUNK_VERSION}") => Check::Ready(v),
        Some(v) => Check::Missing(format!("found `{v}`")),
        None => Check::Missing("`trunk` is not installed".into()),
    })
}

fn install_trunk(ctx: &Ctx) -> Result {
    ctx.run(
        ctx.cargo()
            .args(["install", "--locked", &format!("trunk@{TRUNK_VERSION}")]),
    )
}

// --- wasm-bindgen CLI ---------------------------------------------------------------------

fn check_wasm_bindgen(ctx: &Ctx) -> Result<Check> {
    let Some(want) = locked_wasm_bindgen(ctx)? else {
        return Ok(Check::Missing(
            "there is no Cargo.lock yet to read the version from".into(),
        ));
    };
    check_trunk_toml(ctx, &want)?;
    for tool in ["wasm-bindgen", "wasm-bindgen-test-runner"] {
        match probe(tool, &["--version"]) {
            Some(v) if v.split_whitespace().any(|word| word == want) => {}
            Some(v) => {
                return Ok(Check::Missing(format!(
                    "Cargo.lock wants {want}, found `{v}`"
                )))
            }
            None => return Ok(Check::Missing(format!("`{tool}` is not installed"))),
        }
    }
    Ok(Check::Ready(format!(
        "wasm-bindgen and wasm-bindgen-test-runner {want}, as in Cargo.lock"
    )))
}

fn install_wasm_bindgen(ctx: &Ctx) -> Result {
    let version = locked_wasm_bindgen(ctx)?.ok_or("there is no Cargo.lock")?;
    ctx.run(
        ctx.cargo()
            .args(["install", "wasm-bindgen-cli", "--version", &version]),
    )
}

/// The version of the `wasm-bindgen` package in Cargo.lock, `None` without a Cargo.lock.
pub fn locked_wasm_bindgen(ctx: &Ctx) -> Result<Option<String>> {
    let path = ctx.root.join("Cargo.lock");
    if !path.is_file() {
        return Ok(None);
    }
    let lock =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let versions = lock_versions(&lock, "wasm-bindgen");
    match versions.as_slice() {
        [one] => Ok(Some(one.clone())),
        [] => Err("Cargo.lock has no `wasm-bindgen` package; the app should depend on it".into()),
        many => Err(format!(
            "Cargo.lock has several wasm-bindgen versions ({}); keep exactly one (the workspace pins it)",
            many.join(", ")
        )),
    }
}

/// The versions of every `[[package]]` called `name` in a Cargo.lock.
fn lock_versions(lock: &str, name: &str) -> Vec<String> {
    let wanted_name = format!("name = \"{name}\"");
    lock.split("[[package]]")
        .filter(|block| block.lines().any(|line| line.trim() == wanted_name))
        .filter_map(|block| {
            block.lines().find_map(|line| {
                let value = line.trim().strip_prefix("version = ")?;
                Some(value.trim_matches('"').to_string())
            })
        })
        .collect()
}

/// Trunk must be told the same wasm-bindgen version, or it tries to download its own.
fn check_trunk_toml(ctx: &Ctx, want: &str) -> Result {
    let text = std::fs::read_to_string(ctx.root.join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    let pinned = text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "wasm_bindgen").then(|| value.trim().trim_matches('"').to_string())
    });
    match pinned {
        Some(v) if v == want => Ok(()),
        Some(v) => Err(format!(
            "Trunk.toml pins wasm_bindgen = \"{v}\" but Cargo.lock has {want}; make them equal"
        )),
        None => Err(format!(
            "Trunk.toml has no `[tools] wasm_bindgen = \"{want}\"`, so Trunk would try to download one"
        )),
    }
}

// --- Node.js ------------------------------------------------------------------------------

fn check_node(_: &Ctx) -> Result<Check> {
    let Some(version) = probe("node", &["--version"]) else {
        return Ok(Check::Missing("`node` is not installed".into()));
    };
    let major: Option<u32> = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok());
    if major.is_none_or(|m| m < MIN_NODE_MAJOR) {
        return Ok(Check::Missing(format!(
            "found Node.js {version}, need {MIN_NODE_MAJOR} or newer"
        )));
    }
    if ctx::which("npm").is_none() {
        return Ok(Check::Missing("`npm` is not installed".into()));
    }
    Ok(Check::Ready(format!("node {version}, npm")))
}

fn install_node(_: &Ctx) -> Result {
    Err("xtask does not install Node.js itself".into())
}

// --- npm packages -------------------------------------------------------------------------

fn check_npm_packages(ctx: &Ctx) -> Result<Check> {
    if !ctx.tests.join("package.json").is_file() {
        return Err("tests/package.json is missing".into());
    }
    let lock = ctx.tests.join("package-lock.json");
    let installed = ctx.tests.join("node_modules/.package-lock.json");
    if !lock.is_file() {
        return Ok(Check::Missing(
            "there is no tests/package-lock.json yet".into(),
        ));
    }
    match (modified(&lock), modified(&installed)) {
        (_, None) => return Ok(Check::Missing("tests/node_modules is not installed".into())),
        (Some(l), Some(i)) if l > i => {
            return Ok(Check::Missing(
                "tests/package-lock.json changed since the last install".into(),
            ))
        }
        _ => {}
    }
    // Reading the installed version keeps this check instant; running the npm wasm-opt
    // (a Node program) would cost a second or more.
    let Some(binaryen) = package_version(&ctx.tests.join("node_modules/binaryen/package.json"))
    else {
        return Ok(Check::Missing(
            "binaryen is not in tests/node_modules".into(),
        ));
    };
    let wasm_opt = ctx.tests.join("node_modules/.bin/wasm-opt");
    if !ctx::is_executable(&wasm_opt) {
        return Ok(Check::Missing(format!("{} is missing", wasm_opt.display())));
    }
    if ctx::which("wasm-opt").as_deref() != Some(wasm_opt.as_path()) {
        return Err(format!(
            "{} is not the first wasm-opt on PATH",
            wasm_opt.display()
        ));
    }
    Ok(Check::Ready(format!(
        "wasm-opt from binaryen {binaryen}, first on PATH"
    )))
}

/// The `"version"` of an installed npm package's package.json.
fn package_version(package_json: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package_json).ok()?;
    let after = text.split("\"version\"").nth(1)?;
    let value = after.trim_start().strip_prefix(':')?.trim_start();
    let value = value.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_string())
}

fn install_npm_packages(ctx: &Ctx) -> Result {
    let mut npm = ctx.command("npm");
    npm.current_dir(&ctx.tests)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    if ctx.tests.join("package-lock.json").is_file() {
        npm.args(["ci", "--no-audit", "--no-fund"]);
    } else {
        println!("setup: creating tests/package-lock.json: commit it");
        npm.args(["install", "--no-audit", "--no-fund"]);
    }
    ctx.run(&mut npm)
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

// --- Chromium and chromedriver ------------------------------------------------------------

/// The Chromium binary the tests drive: `$CHROMIUM`, or Debian's `/usr/bin/chromium`.
pub fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// `$CHROMEDRIVER`, the first `chromedriver` on PATH, or Debian's `/usr/bin/chromedriver`.
pub fn chromedriver() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| ctx::which("chromedriver"))
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

fn check_browser(_: &Ctx) -> Result<Check> {
    let missing: Vec<String> = [chromium(), chromedriver()]
        .iter()
        .filter(|path| !ctx::is_executable(path))
        .map(|path| path.display().to_string())
        .collect();
    Ok(if missing.is_empty() {
        Check::Ready(format!(
            "{}, {}",
            chromium().display(),
            chromedriver().display()
        ))
    } else {
        Check::Missing(format!("{} not found", missing.join(" and ")))
    })
}

/// Whether Chromium can be installed here: apt-get must exist and we must be root.
fn apt_usable(has_apt_get: bool, is_root: bool) -> Result {
    if !has_apt_get {
        return Err("this system has no apt-get".into());
    }
    if !is_root {
        return Err("installing with apt-get needs root, and xtask is not running as root".into());
    }
    Ok(())
}

fn install_browser(ctx: &Ctx) -> Result {
    apt_usable(
        ctx::which("apt-get").is_some(),
        probe("id", &["-u"]).as_deref() == Some("0"),
    )?;
    let apt = |args: &[&str]| {
        ctx.run(
            ctx.command("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    };
    apt(&["update"])?;
    apt(&[
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_apt_or_root_the_browser_step_fails_with_a_clear_paragraph() {
        let step = STEPS
            .iter()
            .find(|s| s.name.starts_with("Chromium"))
            .expect("a Chromium step");
        let no_apt = apt_usable(false, true).unwrap_err();
        let message = step_failure(step, &no_apt);
        assert!(message.contains("no apt-get"), "{message}");
        assert!(
            message.contains("apt-get install"),
            "says what would install it: {message}"
        );
        assert!(!message.contains("panicked") && !message.contains("backtrace"));
        let no_root = apt_usable(true, false).unwrap_err();
        assert!(step_failure(step, &no_root).contains("needs root"));
        assert!(apt_usable(true, true).is_ok());
    }

    #[test]
    fn reads_versions_from_a_lockfile() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"
"#;
        assert_eq!(lock_versions(lock, "wasm-bindgen"), vec!["0.2.130"]);
        assert!(lock_versions(lock, "trunk").is_empty());
    }

    #[test]
    fn reads_an_npm_package_version() {
        let dir = std::env::temp_dir().join(format!("xtask-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("package.json");
        std::fs::write(
            &file,
            "{\n  \"name\": \"binaryen\",\n  \"version\" : \"132.0.0\"\n}",
        )
        .unwrap();
        assert_eq!(package_version(&file).as_deref(), Some("132.0.0"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
