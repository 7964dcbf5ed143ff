//! A list of named steps run in order, with `==> step` headers, timings and a summary.

use std::time::{Duration, Instant};

use crate::ctx;
use crate::Result;

pub struct Step<'a> {
    /// Short name for `--skip`.
    pub id: &'static str,
    /// What is printed.
    pub title: String,
    pub run: Box<dyn FnOnce() -> Result + 'a>,
}

impl<'a> Step<'a> {
    pub fn new(
        id: &'static str,
        title: impl Into<String>,
        run: impl FnOnce() -> Result + 'a,
    ) -> Self {
        Step {
            id,
            title: title.into(),
            run: Box::new(run),
        }
    }
}

enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped,
    NotRun,
}

/// How a pipeline reacts to a failing step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    Stop,
    Continue,
}

/// Runs the steps; returns an error naming the (first) failed step.
pub fn run(name: &str, steps: Vec<Step<'_>>, skip: &[String], on_failure: OnFailure) -> Result {
    let started = Instant::now();
    let mut rows: Vec<(String, Outcome)> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for step in steps {
        let stop = on_failure == OnFailure::Stop && !failed.is_empty();
        if stop {
            rows.push((step.title, Outcome::NotRun));
            continue;
        }
        if skip.iter().any(|s| s == step.id) {
            println!("\n==> {} (skipped)", step.title);
            rows.push((step.title, Outcome::Skipped));
            continue;
        }
        println!("\n==> {}", step.title);
        ctx::flush();
        let t = Instant::now();
        match (step.run)() {
            Ok(()) => rows.push((step.title, Outcome::Passed(t.elapsed()))),
            Err(e) => {
                println!("\nFAILED: {}\n  {}", step.title, e.replace('\n', "\n  "));
                failed.push(step.title.clone());
                rows.push((step.title, Outcome::Failed(t.elapsed())));
            }
        }
    }
    print_summary(name, &rows, started.elapsed());
    match failed.as_slice() {
        [] => Ok(()),
        [first, ..] => {
            for title in &failed {
                println!("FAILED: {title}");
            }
            Err(format!("`cargo xtask {name}` failed at: {first}"))
        }
    }
}

fn print_summary(name: &str, rows: &[(String, Outcome)], total: Duration) {
    let width = rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    println!("\n==> summary of `cargo xtask {name}`");
    for (title, outcome) in rows {
        let (status, time) = match outcome {
            Outcome::Passed(d) => ("ok", ctx::secs(*d)),
            Outcome::Failed(d) => ("FAILED", ctx::secs(*d)),
            Outcome::Skipped => ("skipped", String::new()),
            Outcome::NotRun => ("not run", String::new()),
        };
        let row = format!("  {title:<width$}  {status:<7}  {time:>8}");
        println!("{}", row.trim_end());
    }
    println!("  {:<width$}  {:<7}  {:>8}", "total", "", ctx::secs(total));
    ctx::flush();
}
