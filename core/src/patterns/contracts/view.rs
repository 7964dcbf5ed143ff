//! What the /contracts page draws: the producer, the validator with the contract's
//! version, the accepted and dead-letter tables, the last record as JSON with its
//! violations, counts by kind, and the step's story.

use crate::format::count;

use super::contract::Contract;
use super::producer::Shipped;
use super::scenario::{Contracts, Last};
use super::validate::{plain_after_count, timestamp_text, validate, Kind};

#[derive(Clone, Debug, PartialEq)]
pub struct ContractView {
    pub step: u64,
    pub total: u64,
    pub accepted: u64,
    pub dead: u64,
    pub violations: u64,
    pub by_kind: [u64; 10],
    pub version: u32,
    pub drifts: Vec<Shipped>,
    pub last: Last,
    /// The last record's JSON.
    pub record: Option<String>,
    pub wrong_field: bool,
    /// The record the pipeline stopped at and the exception (the note's validator).
    pub stopped: Option<(u64, String)>,
}

impl ContractView {
    pub fn of(s: &Contracts) -> ContractView {
        let record = match s.last() {
            Last::Record { index, .. } | Last::Down { index, .. } => {
                Some(s.record(*index).to_text())
            }
            _ => None,
        };
        ContractView {
            step: s.validated(),
            total: s.params().records,
            accepted: s.accepted(),
            dead: s.dead().len() as u64,
            violations: s.violations(),
            by_kind: *s.by_kind(),
            version: s.params().contract.version,
            drifts: s.drifts().to_vec(),
            last: s.last().clone(),
            record,
            wrong_field: s.params().wrong_field,
            stopped: s.stopped().map(|(i, e)| (i, e.to_string())),
        }
    }
}

/// Every record so far, newest first: number, verdict, violations, and — when an earlier
/// contract is given — whether its verdict flipped under the current one.
pub fn record_rows(
    s: &Contracts,
    previous: Option<&Contract>,
    start: usize,
    n: usize,
) -> Vec<Vec<String>> {
    let len = s.validated();
    (start as u64..len.min(start as u64 + n as u64))
        .map(|i| {
            let index = len - 1 - i;
            if let Some((since, error)) = s.stopped().filter(|(since, _)| index >= *since) {
                return vec![
                    (index + 1).to_string(),
                    if index == since {
                        "pipeline stopped"
                    } else {
                        "not validated"
                    }
                    .into(),
                    if index == since {
                        error.to_string()
                    } else {
                        format!("the pipeline stopped at record {}", since + 1)
                    },
                    String::new(),
                ];
            }
            let v = s.check(index);
            let flipped = previous.is_some_and(|c| {
                let before = validate(
                    c,
                    &s.record(index),
                    s.producer().arrival_ms(index),
                    s.params().wrong_field,
                );
                before.is_empty() != v.is_empty()
            });
            vec![
                (index + 1).to_string(),
                if v.is_empty() {
                    "accepted"
                } else {
                    "dead letter"
                }
                .into(),
                v.iter()
                    .map(|x| x.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                if flipped {
                    if v.is_empty() {
                        "flipped: now accepted"
                    } else {
                        "flipped: now rejected"
                    }
                    .into()
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}

/// The dead-letter table, newest first: record number, every violation, the record.
pub fn dead_rows(s: &Contracts, start: usize, n: usize) -> Vec<Vec<String>> {
    let dead = s.dead();
    let len = dead.len();
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| dead.get(len - 1 - i))
        .map(|&i| {
            let v = s.check(i as u64);
            vec![
                (i as u64 + 1).to_string(),
                count(v.len() as u64),
                v.iter()
                    .map(|x| x.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                s.record(i as u64).to_text(),
            ]
        })
        .collect()
}

/// Records whose verdict differs under `previous` and the current contract.
pub fn flips(s: &Contracts, previous: &Contract) -> u64 {
    (0..s.processed())
        .filter(|&i| {
            let r = s.record(i);
            let now = s.producer().arrival_ms(i);
            let wf = s.params().wrong_field;
            validate(previous, &r, now, wf).is_empty()
                != validate(&s.params().contract, &r, now, wf).is_empty()
        })
        .count() as u64
}

/// The diagram's text alternative.
pub fn summary(v: &ContractView) -> String {
    format!(
        "Producer → validator (contract v{}) → accepted: {} records; dead letters: {} records with {} violations.{}{}",
        v.version,
        count(v.accepted),
        count(v.dead),
        count(v.violations),
        {
            let live: Vec<&str> = v
                .drifts
                .iter()
                .filter(|s| s.until.is_none())
                .map(|s| s.drift.text())
                .collect();
            if live.is_empty() {
                String::new()
            } else {
                format!(" The producer {}.", live.join(", and "))
            }
        },
        match &v.stopped {
            Some((i, e)) => format!(
                " The pipeline stopped at record {}: {}.",
                count(i + 1),
                e.split(':').next().unwrap_or("")
            ),
            None => String::new(),
        }
    )
}

/// Counts by kind with their labels, for the chart.
pub fn kind_counts(v: &ContractView) -> Vec<(&'static str, u64)> {
    Kind::ALL
        .iter()
        .zip(v.by_kind)
        .map(|(k, n)| (k.label(), n))
        .collect()
}

/// One sentence on the last step or fault.
pub fn narrate(s: &Contracts) -> String {
    match s.last() {
        Last::Start => format!(
            "The producer is about to send {} records; each is checked against contract {} v{}.",
            count(s.params().records),
            s.params().contract.name,
            s.params().contract.version
        ),
        Last::Record { index, violations } => {
            let at = timestamp_text(s.producer().arrival_ms(*index));
            if violations.is_empty() {
                format!(
                    "Record {} (arrived {at}) passes every rule: accepted.",
                    index + 1
                )
            } else {
                let plain = plain_after_count(violations);
                format!(
                    "Record {} (arrived {at}) breaks {} rule{}: {}. Dead letter.{}",
                    index + 1,
                    violations.len(),
                    if violations.len() == 1 { "" } else { "s" },
                    violations
                        .iter()
                        .map(|v| v.detail.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    if plain == violations.len() {
                        String::new()
                    } else {
                        format!(
                            " With its cross-field rules in @model_validator(mode=\"after\") methods, a Pydantic model would report only {plain}: it runs those once every field is valid, and stops at the first that fails."
                        )
                    }
                )
            }
        }
        Last::Down {
            index,
            since,
            error,
        } if index == since => {
            if error.starts_with("PydanticUserError") {
                format!(
                    "The pipeline cannot start: the note's validator is declared for status, a field the contract does not have, so Pydantic refuses to define the model ({error})."
                )
            } else {
                format!(
                    "Record {} (arrived {}): the note's status validator reads the date off the status value and raises {error}. Pydantic turns only ValueError and AssertionError into validation errors, so the exception escapes except ValidationError and the pipeline stops: this record is neither accepted nor dead-lettered.",
                    index + 1,
                    timestamp_text(s.producer().arrival_ms(*index))
                )
            }
        }
        Last::Down {
            index,
            since,
            error,
        } => format!(
            "Record {} arrives and waits: the pipeline has been down since record {} ({error}).",
            index + 1,
            since + 1
        ),
        Last::Rollback(d) => format!(
            "The producer rolls back the change that {}: records are as agreed again.",
            d.text()
        ),
        Last::Drift(d) => format!(
            "From the next record on, the producer {} — the contract does not change.",
            d.text()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::params::ContractParams;
    use super::*;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn tables_list_every_violation_and_flips_follow_the_contract() {
        let mut s = Contracts::new(&ContractParams::default(), 3).unwrap();
        for _ in 0..200 {
            s.step();
        }
        let rows = dead_rows(&s, 0, 1_000);
        assert_eq!(rows.len() as u64, s.view().dead);
        assert!(rows.iter().all(|r| !r[2].is_empty()));
        let mut strict = s.params().contract.clone();
        strict.fields.retain(|f| f.name != "coupon");
        let n = flips(&s, &strict);
        assert!(n > 0, "records with a coupon flip to rejected");
        assert_eq!(flips(&s, &s.params().contract.clone()), 0);
        assert!(!narrate(&s).is_empty());
        assert!(summary(&s.view()).contains("contract v1"));
    }

    #[test]
    fn the_story_names_what_after_validators_would_miss_and_the_stop() {
        use crate::sim::Params;
        let mut p = ContractParams::default();
        p.set("defects", "future").unwrap();
        p.invalid = 1.0;
        let mut s = Contracts::new(&p, 42).unwrap();
        let mut told = 0;
        for _ in 0..100 {
            s.step();
            if let Last::Record { violations, .. } = s.last() {
                let plain = plain_after_count(violations);
                let text = narrate(&s);
                assert_eq!(
                    text.contains(&format!("would report only {plain}:")),
                    plain != violations.len(),
                    "{text}"
                );
                told += usize::from(plain != violations.len());
            }
        }
        assert!(
            told > 0,
            "a completed order dated ahead also breaks shipped_at ≥ order_date"
        );
        p.wrong_field = true;
        let mut s = Contracts::new(&p, 42).unwrap();
        s.step();
        let first = narrate(&s);
        assert!(
            first.starts_with(
                "Record 1 (arrived 2024-01-15T09:00:00Z): the note's status validator"
            ),
            "{first}"
        );
        assert!(first.contains("AttributeError: 'Status' object has no attribute 'order_date'"));
        s.step();
        assert!(
            narrate(&s).contains("down since record 1"),
            "{}",
            narrate(&s)
        );
        assert!(summary(&s.view()).ends_with("The pipeline stopped at record 1: AttributeError."));
        let rows = record_rows(&s, None, 0, 10);
        assert_eq!(rows[0][1], "not validated");
        assert_eq!(rows[1][1], "pipeline stopped");
    }
}
