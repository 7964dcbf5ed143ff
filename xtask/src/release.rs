//! The release build of `dist/`: Trunk, then the Content-Security-Policy.

use crate::csp;
use crate::ctx::Ctx;
use crate::Result;

/// `trunk build --release --offline`, then the CSP meta in `dist/index.html`.
pub fn build(ctx: &Ctx) -> Result {
    // `--offline` must follow `build`: before it, the flag swallows the sub-command.
    ctx.run(
        ctx.command("trunk")
            .args(["build", "--release", "--offline"]),
    )?;
    add_csp(ctx)
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
