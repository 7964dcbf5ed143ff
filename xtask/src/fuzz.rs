//! `cargo xtask fuzz [--seconds N] [--seed S]`: runs every decoder's fuzz target
//! (`core/tests/fuzz_decoders.rs`) for N seconds each (default 10) in release mode and
//! prints the executions; a crash fails the command and its input is kept under
//! `fuzz/crashes/<target>/`, where the normal suite replays it from then on.

use crate::ctx::Ctx;
use crate::Result;

pub fn run(ctx: &Ctx, args: &[String]) -> Result {
    let mut seconds: u64 = 10;
    let mut seed: Option<u64> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().ok_or_else(|| format!("`{arg}` needs a value"))?;
        match arg.as_str() {
            "--seconds" => {
                seconds = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=86_400).contains(s))
                    .ok_or_else(|| format!("--seconds must be 1 to 86400, not `{value}`"))?;
            }
            "--seed" => {
                seed = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--seed must be a whole number, not `{value}`"))?,
                );
            }
            other => return Err(format!("unknown option `{other}` for fuzz")),
        }
    }
    let mut cmd = ctx.cargo();
    cmd.args([
        "test",
        "--release",
        "-p",
        "pipelab-core",
        "--test",
        "fuzz_decoders",
        "--",
        "--ignored",
        "--nocapture",
        "fuzz_for_a_while",
    ]);
    cmd.env("PIPELAB_FUZZ_SECONDS", seconds.to_string());
    if let Some(s) = seed {
        cmd.env("PIPELAB_FUZZ_SEED", s.to_string());
    }
    ctx.run(&mut cmd)
}
