//! `pipelab-determinism hashes` prints the trace digests; `kernel N` (sharding) and
//! `kappa-kernel N` time a kernel natively (events/s) for the wasm/native ratio printed by `cargo xtask bench`.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("hashes") => {
            print!("{}", pipelab_determinism::trace_hashes_text());
            ExitCode::SUCCESS
        }
        Some(which @ ("kernel" | "kappa-kernel")) => {
            let events: u32 = args
                .get(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(1_000_000);
            let start = Instant::now();
            let checksum = if which == "kernel" {
                pipelab_determinism::kernel(events)
            } else {
                pipelab_determinism::kappa_kernel(events)
            };
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            println!(
                "{which} native events={events} ms={ms:.1} events_per_s={:.0} checksum={}",
                events as f64 / (ms / 1000.0),
                checksum % (1 << 52)
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: pipelab-determinism hashes | kernel <events> | kappa-kernel <events>"
            );
            ExitCode::from(2)
        }
    }
}
