//! The release build of `dist/`: Trunk, then the Content-Security-Policy, then the
//! service worker that caches it all for offline use.

use crate::csp;
use crate::ctx::Ctx;
use crate::offline;
use crate::Result;

/// `trunk build --release --offline`, then the CSP meta in `dist/index.html`, then
/// `dist/sw.js`.
pub fn build(ctx: &Ctx) -> Result {
    // `--offline` must follow `build`: before it, the flag swallows the sub-command.
    let mut trunk = ctx.command("trunk");
    trunk.args(["build", "--release", "--offline"]);
    if let Some(flags) = wasm_rustflags() {
        trunk.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", flags);
    }
    ctx.run(&mut trunk)?;
    // Before the CSP, which allows the registration script by its hash.
    offline::add_registration(ctx)?;
    add_csp(ctx)?;
    // Last: the worker's list and version cover the final bytes of every other file.
    offline::write_worker(ctx)
}

/// The wasm32 flags of `.cargo/config.toml` plus a path remap: panic locations embed the
/// crates' paths under Cargo's home, so without it the download's bytes (and the size
/// budget's margin) would depend on where a machine keeps `~/.cargo`. The remap makes them
/// `crates/index.crates.io-…/<crate>/src/…` everywhere (and a little shorter).
pub(crate) fn wasm_rustflags() -> Option<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")))?;
    let registry = home.join("registry").join("src");
    let registry = registry.to_str()?;
    // Cargo splits this variable on spaces: a home with a space keeps the plain flags.
    if registry.contains(' ') {
        return None;
    }
    Some(format!(
        "--cfg erase_components --remap-path-prefix={registry}=crates"
    ))
}

/// Adds (or refreshes) the CSP meta in `dist/index.html`; safe to run repeatedly.
pub fn add_csp(ctx: &Ctx) -> Result {
    let index = ctx.dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let with_csp = csp::inject(&html).map_err(|e| format!("{}: {e}", index.display()))?;
    if with_csp != html {
        std::fs::write(&index, &with_csp)
            .map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    }
    let hashes = with_csp.matches("'sha256-").count();
    println!(
        "csp: Content-Security-Policy in dist/index.html allows {hashes} inline script(s) by hash"
    );
    if hashes == 0 {
        println!(
            "csp: note: Trunk emitted no inline loader script; check that the app still starts"
        );
    }
    Ok(())
}
