//! `cargo xtask`: the project's automation, in plain Rust.
//!
//! Every sub-command first makes sure the tools it needs are installed (`setup`), then runs
//! ordinary commands (`cargo`, `trunk`, `node`, ...) with inherited output. Errors are turned
//! into one readable message and exit code 1; nothing here is meant to panic.

mod bench;
mod conformance;
mod csp;
mod ctx;
mod determinism;
mod fuzz;
mod offline;
mod pipeline;
mod release;
mod setup;
mod size;
mod test;

use std::process::ExitCode;

/// Every fallible function in xtask returns a human-readable message as its error.
pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup [--check]                 install what is missing (wasm32 target, Trunk, wasm-bindgen CLI,
                                  wasm-opt and Playwright from tests/package-lock.json, Chromium and
                                  chromedriver); --check only reports
  serve [--port N] [--address A]  set up, then `trunk serve` at http://127.0.0.1:8080 (rebuilds on change)
  test [--skip STEP]...           set up, then every check CI runs, stopping at the first failure;
                                  steps: fmt clippy clippy-wasm test test-wasm determinism conformance
                                  build e2e size
  build                           release build of dist/ plus the Content-Security-Policy
  size                            size report of an existing dist/ against size-budget.toml
  determinism                     compare the determinism hashes of the native and wasm32 builds
  bench                           criterion benchmarks, the kernel natively and as wasm, and the
                                  in-browser measurements
  conformance [PYTEST ARGS]...    every code listing run on its real engine (PostgreSQL, Redis, DuckDB,
                                  Pydantic...) and the simulations checked against them; installs the
                                  engines and conformance/requirements.txt (see conformance/README.md)
  listings DIR                    write every code listing the app can show to DIR (+ manifest.json)
  fuzz [--seconds N] [--seed S]   every decoder's fuzz target for N seconds (default 10), release
                                  mode; crashes are kept in fuzz/crashes/ (see fuzz/README.md)
  help                            this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nerror: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result {
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        return Ok(());
    };
    let ctx = ctx::Ctx::new()?;
    match command.as_str() {
        "setup" => {
            let check_only = parse_flags(rest, &["--check"])?.contains(&"--check");
            setup::run(&ctx, check_only)
        }
        "serve" => serve(&ctx, rest),
        "test" => test::run(&ctx, &parse_skips(rest)?),
        "build" => {
            no_args(rest)?;
            setup::run(&ctx, false)?;
            release::build(&ctx)
        }
        "size" => {
            no_args(rest)?;
            size::report(&ctx).map(|_| ())
        }
        "determinism" => {
            no_args(rest)?;
            setup::run(&ctx, false)?;
            determinism::check(&ctx)
        }
        "bench" => {
            no_args(rest)?;
            bench::run(&ctx)
        }
        "fuzz" => fuzz::run(&ctx, rest),
        "conformance" => conformance::run(&ctx, rest),
        "listings" => match rest {
            [dir] => ctx.run(
                ctx.cargo()
                    .args(["run", "-q", "-p", "pipelab-conformance", "--", "listings"])
                    .arg(dir),
            ),
            _ => Err(format!("`listings` takes one folder\n\n{USAGE}")),
        },
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// `cargo xtask serve [--port N] [--address A]`.
fn serve(ctx: &ctx::Ctx, args: &[String]) -> Result {
    let mut port = "8080".to_string();
    let mut address = "127.0.0.1".to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let slot = match arg.as_str() {
            "--port" => &mut port,
            "--address" => &mut address,
            other => return Err(format!("unknown option `{other}` for serve\n\n{USAGE}")),
        };
        *slot = it
            .next()
            .ok_or_else(|| format!("`{arg}` needs a value"))?
            .clone();
    }
    port.parse::<u16>()
        .map_err(|_| format!("`--port {port}` is not a port number"))?;
    address
        .parse::<std::net::IpAddr>()
        .map_err(|_| format!("`--address {address}` is not an IP address"))?;

    setup::run(ctx, false)?;
    println!("serving on http://{address}:{port}/ (every unknown route falls back to index.html)");
    // `--no-spa=false` pins Trunk's index.html fallback on, whatever the environment says.
    ctx.run(ctx.command("trunk").args([
        "serve",
        "--address",
        &address,
        "--port",
        &port,
        "--no-spa=false",
    ]))
}

fn parse_flags<'a>(args: &[String], known: &[&'a str]) -> Result<Vec<&'a str>> {
    args.iter()
        .map(|arg| {
            known
                .iter()
                .copied()
                .find(|k| k == arg)
                .ok_or_else(|| format!("unknown option `{arg}`\n\n{USAGE}"))
        })
        .collect()
}

fn parse_skips(args: &[String]) -> Result<Vec<String>> {
    let mut skips = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--skip" => {
                let step = it.next().ok_or("`--skip` needs a step name")?;
                if !test::STEP_IDS.contains(&step.as_str()) {
                    return Err(format!(
                        "unknown step `{step}`; steps are: {}",
                        test::STEP_IDS.join(" ")
                    ));
                }
                skips.push(step.clone());
            }
            other => return Err(format!("unknown option `{other}` for test\n\n{USAGE}")),
        }
    }
    Ok(skips)
}

fn no_args(args: &[String]) -> Result {
    match args.first() {
        None => Ok(()),
        Some(arg) => Err(format!("unexpected argument `{arg}`\n\n{USAGE}")),
    }
}
