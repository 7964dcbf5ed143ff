//! The learning content compiled into the build: the question bank and the tours, one pair
//! of files per pattern (`core/data/`), read on demand by the quiz and the tour panel.

use super::bank::{self, Question};
use super::tour::{self, Tour};

/// The twelve pattern pages, in the home page's order, with their display names.
pub const PATTERNS: [(&str, &str); 12] = [
    ("etl-elt", "ETL vs ELT"),
    ("batch-writes", "Batch writes"),
    ("lambda", "Lambda"),
    ("kappa", "Kappa"),
    ("lakehouse", "Lakehouse"),
    ("event-sourcing", "Event sourcing"),
    ("cqrs", "CQRS"),
    ("partitioning", "Partitioning"),
    ("sharding", "Sharding"),
    ("caching", "Multi-level caching"),
    ("cdc", "Change data capture"),
    ("contracts", "Data contracts"),
];

/// The display name of a pattern's slug (the slug itself if unknown).
pub fn pattern_name(slug: &str) -> &str {
    PATTERNS
        .iter()
        .find(|(s, _)| *s == slug)
        .map_or(slug, |(_, n)| n)
}

macro_rules! files {
    ($dir:literal) => {
        [
            (
                "etl-elt",
                include_str!(concat!("../../data/", $dir, "/etl-elt.json")),
            ),
            (
                "batch-writes",
                include_str!(concat!("../../data/", $dir, "/batch-writes.json")),
            ),
            (
                "lambda",
                include_str!(concat!("../../data/", $dir, "/lambda.json")),
            ),
            (
                "kappa",
                include_str!(concat!("../../data/", $dir, "/kappa.json")),
            ),
            (
                "lakehouse",
                include_str!(concat!("../../data/", $dir, "/lakehouse.json")),
            ),
            (
                "event-sourcing",
                include_str!(concat!("../../data/", $dir, "/event-sourcing.json")),
            ),
            (
                "cqrs",
                include_str!(concat!("../../data/", $dir, "/cqrs.json")),
            ),
            (
                "partitioning",
                include_str!(concat!("../../data/", $dir, "/partitioning.json")),
            ),
            (
                "sharding",
                include_str!(concat!("../../data/", $dir, "/sharding.json")),
            ),
            (
                "caching",
                include_str!(concat!("../../data/", $dir, "/caching.json")),
            ),
            (
                "cdc",
                include_str!(concat!("../../data/", $dir, "/cdc.json")),
            ),
            (
                "contracts",
                include_str!(concat!("../../data/", $dir, "/contracts.json")),
            ),
        ]
    };
}

const QUIZ: [(&str, &str); 12] = files!("quiz");
const TOURS: [(&str, &str); 12] = files!("tours");

/// The whole bank, and the problems of files that could not be read (named by file; the
/// tests require none — the quiz shows them rather than failing).
pub fn bank() -> (Vec<Question>, Vec<String>) {
    let mut all = Vec::new();
    let mut problems = Vec::new();
    for (slug, text) in QUIZ {
        match bank::parse_file(slug, text) {
            Ok(qs) => all.extend(qs),
            Err(e) => problems.push(format!("quiz/{slug}.json: {e}")),
        }
    }
    (all, problems)
}

/// The tour of a pattern page, or why it cannot be read; `None` for an unknown slug.
pub fn tour(slug: &str) -> Option<Result<Tour, String>> {
    TOURS
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(s, text)| tour::parse(s, text).map_err(|e| format!("tours/{s}.json: {e}")))
}

/// Every tour with its slug, for the tests.
pub fn tours() -> Vec<(&'static str, Result<Tour, String>)> {
    TOURS
        .iter()
        .map(|(s, text)| (*s, tour::parse(s, text)))
        .collect()
}
