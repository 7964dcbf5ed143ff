//! What the /contracts page draws: the producer, the validator with the contract's
//! version, the accepted and dead-letter tables, the last record as JSON with its
//! violations, counts by kind, and the step's story.

use crate::format::count;

use super::contract::Contract;
use super::producer::Shipped;
use super::scenario::{Contracts, Last};
use super::validate::{timestamp_text, validate, Kind};

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
}

impl ContractView {
    pub fn of(s: &Contracts) -> ContractView {
        let record = match s.last() {
            Last::Record { index, .. } => Some(s.record(*index).to_text()),
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
    (0..s.validated())
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
        "Producer → validator (contract v{}) → accepted: {} records; dead letters: {} records with {} violations.{}",
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
                format!(
                    "Record {} (arrived {at}) breaks {} rule{}: {}. Dead letter.",
                    index + 1,
                    violations.len(),
                    if violations.len() == 1 { "" } else { "s" },
                    violations
                        .iter()
                        .map(|v| v.detail.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        }
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
}
