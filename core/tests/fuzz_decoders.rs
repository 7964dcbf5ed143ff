//! Fuzzing every decoder of outside data (issue 10): URL state for every page, pasted JSON
//! (contracts, saved work), the content files' readers, a learner's typed number, and
//! every parameter's text parser. A stable, dependency-free harness: inputs are the corpus
//! in `fuzz/corpus/<target>/` and mutations of it (bit flips, insertions, deletions,
//! duplicated and spliced chunks, interesting numbers, truncation), drawn from the
//! project's own seeded generator, each call under `catch_unwind`. A panic is a crash: its
//! input is written to `fuzz/crashes/<target>/` and the run fails.
//!
//! In the normal suite (`cargo test`), each target runs its corpus and a few thousand
//! mutations. `cargo xtask fuzz --seconds N` runs the ignored long test for N seconds per
//! target and prints the executions.
#![cfg(not(target_arch = "wasm32"))]
// A harness, not a simulation: it may read the wall clock to bound its running time.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pipelab_core::json;
use pipelab_core::learn::bank::{self, Dec};
use pipelab_core::learn::saved::SavedWork;
use pipelab_core::learn::{links, tour};
use pipelab_core::link;
use pipelab_core::patterns::contracts::Contract;
use pipelab_core::patterns::{
    batch_writes::BatchWrites, caching::Caching, cdc::Cdc, contracts::Contracts, cqrs::Cqrs,
    etl_elt::EtlElt, event_sourcing::EventSourcing, kappa::Kappa, lakehouse::Lakehouse,
    lambda::Lambda, partitioning::Partitioning, sharding::Sharding,
};
use pipelab_core::sim::{Params, Rng, Scenario};

type Target = fn(&str);

/// Decodes a query for page `S` and sets every field of its parameters from the text.
fn page<S: Scenario>(text: &str) {
    let d = link::decode::<S::Params>(text, S::fault_specs());
    let _ = link::encode(&d.state);
    let mut p = S::Params::default();
    for spec in S::Params::specs() {
        let _ = p.set(spec.name, text);
    }
    let _ = p.validate();
}

fn link_target(text: &str) {
    page::<EtlElt>(text);
    page::<BatchWrites>(text);
    page::<Lambda>(text);
    page::<Kappa>(text);
    page::<Lakehouse>(text);
    page::<EventSourcing>(text);
    page::<Cqrs>(text);
    page::<Partitioning>(text);
    page::<Sharding>(text);
    page::<Caching>(text);
    page::<Cdc>(text);
    page::<Contracts>(text);
}

/// A whole link opened as its page would (only for short runs: the text's own `step`).
fn open_target(text: &str) {
    // Keep runs small: a fuzzed link may ask for a million steps of work to build.
    if text.contains("events=")
        || text.contains("changes=")
        || text.contains("records=")
        || text.contains("rows=")
    {
        return;
    }
    let _ = links::check(text);
}

fn json_target(text: &str) {
    if let Ok(v) = json::parse(text) {
        let again = json::parse(&v.to_text()).expect("written JSON reads back");
        assert_eq!(again, v, "JSON round trip");
    }
}

fn contract_target(text: &str) {
    if let Ok(c) = Contract::parse(text) {
        let back = Contract::parse(&c.to_json()).expect("a written contract reads back");
        assert_eq!(back.to_json(), c.to_json());
    }
}

fn saved_target(text: &str) {
    if let Ok(w) = SavedWork::from_json(text) {
        assert_eq!(SavedWork::from_json(&w.to_json()), Ok(w));
    }
}

fn bank_target(text: &str) {
    if let Ok(qs) = bank::parse_file("kappa", text) {
        for q in &qs {
            let _ = q.grade(&bank::Given::Number(text.chars().take(20).collect()));
            let _ = q.answer_text();
        }
        let _ = bank::audit(&qs, &["kappa"], 8, 120);
    }
    let _ = tour::parse("kappa", text);
}

fn number_target(text: &str) {
    if let Some(d) = Dec::read(text) {
        let _ = d.within(Dec::whole(1), Dec::whole(0));
        let _ = d.text();
    }
}

const TARGETS: &[(&str, Target)] = &[
    ("link", link_target),
    ("open", open_target),
    ("json", json_target),
    ("contract", contract_target),
    ("saved", saved_target),
    ("bank", bank_target),
    ("number", number_target),
];

fn dir(kind: &str, target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(kind)
        .join(target)
}

/// Seeds made from the project's own valid inputs, so mutations start from deep inside
/// each format.
fn builtin(target: &str) -> Vec<String> {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let file = |p: &str| std::fs::read_to_string(data.join(p)).unwrap_or_default();
    match target {
        "link" | "open" => {
            let (qs, _) = pipelab_core::learn::content::bank();
            let mut links: Vec<String> = qs.into_iter().map(|q| q.link).collect();
            for (_, t) in pipelab_core::learn::content::tours() {
                if let Ok(t) = t {
                    links.extend(t.slides.into_iter().map(|s| s.link));
                }
            }
            links
                .into_iter()
                .map(|l| {
                    if target == "link" {
                        l.split_once('?').map_or(l.clone(), |(_, q)| q.to_string())
                    } else {
                        l
                    }
                })
                .collect()
        }
        "json" | "contract" => vec![
            Contract::default().to_pretty(),
            Contract::default().to_json(),
        ],
        "saved" => {
            let mut w = SavedWork::default();
            w.record_answer("kappa-01", true);
            w.set_tour("cdc", 3);
            let _ = w.save_scenario("late \"event\"", "kappa", "v=1&seed=7&step=40", 1);
            vec![w.to_json()]
        }
        "bank" => vec![file("quiz/kappa.json"), file("tours/kappa.json")],
        _ => vec![
            "12.5".into(),
            "1,000 ms".into(),
            "-3".into(),
            "+0.5 %".into(),
        ],
    }
}

fn corpus(target: &str) -> Vec<String> {
    let mut out = builtin(target);
    for kind in ["corpus", "crashes"] {
        if let Ok(entries) = std::fs::read_dir(dir(kind, target)) {
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths {
                if let Ok(bytes) = std::fs::read(&p) {
                    out.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
    }
    out.push(String::new());
    out
}

const INTERESTING: &[&str] = &[
    "0",
    "-1",
    "1",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "1e309",
    "1e-400",
    "NaN",
    "inf",
    "0.0000000000000000001",
    "9999999999999999999999999999",
    "\"\"",
    "null",
    "true",
    "[]",
    "{}",
    "%",
    "%ZZ",
    "%00",
    "&",
    "=",
    ",",
    ":",
    "\\u0000",
    "\u{FEFF}",
    "é",
    "\u{1F600}",
];

/// One mutation of `input` (sometimes spliced with `other`).
fn mutate(rng: &mut Rng, input: &str, other: &str) -> String {
    let mut b: Vec<u8> = input.as_bytes().to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = b.len() as u64;
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len) as usize;
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1) as usize;
                b.insert(i, rng.below(256) as u8);
            }
            2 if len > 0 => {
                let i = rng.below(len) as usize;
                let n = (1 + rng.below(8) as usize).min(b.len() - i);
                b.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len) as usize;
                let n = (1 + rng.below(32) as usize).min(b.len() - i);
                let chunk: Vec<u8> = b[i..i + n].to_vec();
                let at = rng.below(b.len() as u64 + 1) as usize;
                b.splice(at..at, chunk);
            }
            4 => {
                let o = other.as_bytes();
                let cut = rng.below(len + 1) as usize;
                let from = rng.below(o.len() as u64 + 1) as usize;
                b.truncate(cut);
                b.extend_from_slice(&o[from..]);
            }
            5 => {
                // Replace a run of digits (or insert) with an interesting token.
                let tok = INTERESTING[rng.below(INTERESTING.len() as u64) as usize].as_bytes();
                let start = b.iter().position(|c| c.is_ascii_digit());
                match start {
                    Some(s) if rng.below(2) == 0 => {
                        let end = b[s..]
                            .iter()
                            .position(|c| !c.is_ascii_digit())
                            .map_or(b.len(), |e| s + e);
                        b.splice(s..end, tok.iter().copied());
                    }
                    _ => {
                        let at = rng.below(len + 1) as usize;
                        b.splice(at..at, tok.iter().copied());
                    }
                }
            }
            6 if len > 0 => {
                b.truncate(rng.below(len) as usize);
            }
            _ => {
                // Repeat a structural character (deep nesting, many keys).
                let c = [b'[', b'{', b'&', b',', b'"'][rng.below(5) as usize];
                let n = 1 + rng.below(64) as usize;
                let at = rng.below(len + 1) as usize;
                b.splice(at..at, std::iter::repeat_n(c, n));
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

struct Outcome {
    executions: u64,
    crashes: Vec<(String, String)>,
}

fn run(name: &str, target: Target, budget: Budget, seed: u64) -> Outcome {
    let seeds = corpus(name);
    let mut rng = Rng::stream(seed, name);
    let mut out = Outcome {
        executions: 0,
        crashes: Vec::new(),
    };
    let started = Instant::now();
    let try_one = |input: &str, out: &mut Outcome| {
        out.executions += 1;
        let r = catch_unwind(AssertUnwindSafe(|| target(input)));
        if let Err(e) = r {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if out.crashes.len() < 20 {
                out.crashes.push((input.to_string(), why));
            }
        }
    };
    for s in &seeds {
        try_one(s, &mut out);
    }
    loop {
        let done = match budget {
            Budget::Executions(n) => out.executions >= n,
            Budget::Time(d) => started.elapsed() >= d,
        };
        if done {
            break;
        }
        let a = &seeds[rng.below(seeds.len() as u64) as usize];
        let b = &seeds[rng.below(seeds.len() as u64) as usize];
        let input = mutate(&mut rng, a, b);
        try_one(&input, &mut out);
    }
    out
}

#[derive(Clone, Copy)]
enum Budget {
    Executions(u64),
    Time(Duration),
}

fn report_and_save(results: Vec<(&str, Outcome)>) {
    let mut failed = Vec::new();
    for (name, o) in &results {
        println!(
            "fuzz {name:>9}: {:>9} executions, {} crashes",
            o.executions,
            o.crashes.len()
        );
        for (input, why) in &o.crashes {
            let d = dir("crashes", name);
            let _ = std::fs::create_dir_all(&d);
            let file = d.join(format!(
                "{:016x}.txt",
                pipelab_core::hash::bytes_hash(input.as_bytes(), 0)
            ));
            let _ = std::fs::write(&file, input);
            failed.push(format!("{name}: {why} (input saved to {})", file.display()));
        }
    }
    assert!(failed.is_empty(), "crashes:\n{}", failed.join("\n"));
}

#[test]
fn every_decoder_survives_its_corpus_and_mutations() {
    // Quiet: a panic's message is collected, not printed per input.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let results: Vec<(&str, Outcome)> = TARGETS
        .iter()
        .map(|(name, t)| {
            let n = if *name == "open" { 300 } else { 3_000 };
            (*name, run(name, *t, Budget::Executions(n), 1))
        })
        .collect();
    std::panic::set_hook(hook);
    report_and_save(results);
}

/// `cargo xtask fuzz --seconds N`: every target for N seconds (env `PIPELAB_FUZZ_SECONDS`),
/// seeded by `PIPELAB_FUZZ_SEED` (default: the time).
#[test]
#[ignore = "long: run by `cargo xtask fuzz`"]
fn fuzz_for_a_while() {
    let secs: u64 = std::env::var("PIPELAB_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("PIPELAB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    println!("fuzz: seed {seed}, {secs} s per target");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let results: Vec<(&str, Outcome)> = TARGETS
        .iter()
        .map(|(name, t)| {
            (
                *name,
                run(name, *t, Budget::Time(Duration::from_secs(secs)), seed),
            )
        })
        .collect();
    std::panic::set_hook(hook);
    report_and_save(results);
}
