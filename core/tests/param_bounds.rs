//! Issue 10: every parameter bound is enforced by the core, not only by the form, and the
//! message names the parameter and its bounds.
//!
//! For every parameter of every page: each end of its range is accepted (or refused only by a
//! limit spanning several fields, never as out of range); one past either end is refused with
//! an error on that parameter whose message states the range, and nothing changes. A choice
//! refuses a name it does not have and lists the ones it has. Values that bypass `set` (a
//! struct literal, as a preset is written) are refused when the scenario is built.

use pipelab_core::patterns::{
    batch_writes::{BatchParams, BatchWrites},
    caching::{CacheParams, Caching},
    cdc::{Cdc, CdcParams},
    contracts::{ContractParams, Contracts},
    cqrs::{Cqrs, CqrsParams},
    etl_elt::{EtlElt, EtlParams},
    event_sourcing::{EsParams, EventSourcing},
    kappa::{Kappa, KappaParams},
    lakehouse::{LakeParams, Lakehouse},
    lambda::{Lambda, LambdaParams},
    partitioning::{PartParams, Partitioning},
    sharding::{Sharding, ShardingParams},
};
use pipelab_core::sim::{ParamKind, Params, Scenario};

/// Checks every spec of `S`'s parameters; returns how many bounds were tried.
fn bounds_of<S: Scenario>() -> usize {
    let page = S::SLUG;
    let mut tried = 0;
    for spec in S::Params::specs() {
        let name = spec.name;
        let edge_ok = |text: String| {
            let mut p = S::Params::default();
            if let Err(e) = p.set(name, &text) {
                assert!(
                    !e.message.contains("out of range"),
                    "{page}.{name}: the bound {text} itself is refused as out of range: {}",
                    e.message
                );
            }
        };
        let refused = |text: String, must_name: &[String]| {
            let mut p = S::Params::default();
            let e = p
                .set(name, &text)
                .expect_err(&format!("{page}.{name}: {text} is accepted"));
            assert_eq!(
                e.field, name,
                "{page}.{name}: the error is on another field"
            );
            for word in must_name {
                assert!(
                    e.message.contains(word.as_str()),
                    "{page}.{name}={text}: the message does not name {word}: {}",
                    e.message
                );
            }
            assert_eq!(
                p,
                S::Params::default(),
                "{page}.{name}={text}: a refused value changed the parameters"
            );
        };
        match spec.kind {
            ParamKind::Int { min, max } => {
                edge_ok(min.to_string());
                edge_ok(max.to_string());
                let range = vec![min.to_string(), max.to_string()];
                if let Some(below) = min.checked_sub(1) {
                    refused(below.to_string(), &range);
                }
                if let Some(above) = max.checked_add(1) {
                    refused(above.to_string(), &range);
                }
                refused("1.5e3x".into(), &[]);
                tried += 2;
            }
            ParamKind::Float { min, max } => {
                edge_ok(min.to_string());
                edge_ok(max.to_string());
                let step = ((max - min).abs() * 1e-3).max(1e-6);
                let range = vec![min.to_string(), max.to_string()];
                refused((min - step).to_string(), &range);
                refused((max + step).to_string(), &range);
                refused("NaN".into(), &[]);
                refused("inf".into(), &[]);
                tried += 2;
            }
            ParamKind::Choice(choices) => {
                for (value, _) in choices {
                    edge_ok(value.to_string());
                }
                let names: Vec<String> = choices.iter().map(|(v, _)| v.to_string()).collect();
                refused("no-such-choice".into(), &names);
                tried += 1;
            }
            _ => {}
        }
    }
    tried
}

#[test]
fn every_parameter_bound_is_enforced_and_named() {
    let tried = bounds_of::<EtlElt>()
        + bounds_of::<BatchWrites>()
        + bounds_of::<Lambda>()
        + bounds_of::<Kappa>()
        + bounds_of::<Lakehouse>()
        + bounds_of::<EventSourcing>()
        + bounds_of::<Cqrs>()
        + bounds_of::<Partitioning>()
        + bounds_of::<Sharding>()
        + bounds_of::<Caching>()
        + bounds_of::<Cdc>()
        + bounds_of::<Contracts>();
    assert!(tried >= 60, "only {tried} bounds were tried");
}

/// Building `S` from `params` (one value out of its range) is refused, naming that parameter.
fn refuses<S: Scenario>(params: S::Params, field: &str) {
    match S::new(&params, 1) {
        Ok(_) => panic!("{}: built with {field} out of range", S::SLUG),
        Err(errors) => {
            assert!(
                errors
                    .iter()
                    .any(|e| e.field == field && e.message.contains("out of range")),
                "{}: no out-of-range error on {field}: {errors:?}",
                S::SLUG
            );
        }
    }
}

#[test]
fn a_value_that_bypasses_the_form_is_refused_when_the_scenario_is_built() {
    refuses::<EtlElt>(
        EtlParams {
            rows: 0,
            ..Default::default()
        },
        "rows",
    );
    refuses::<BatchWrites>(
        BatchParams {
            rows: 0,
            ..Default::default()
        },
        "rows",
    );
    refuses::<Lambda>(
        LambdaParams {
            period_min: 0,
            ..Default::default()
        },
        "period",
    );
    refuses::<Kappa>(
        KappaParams {
            size_min: 0,
            ..Default::default()
        },
        "size",
    );
    refuses::<Lakehouse>(
        LakeParams {
            rows: 0,
            ..Default::default()
        },
        "rows",
    );
    refuses::<EventSourcing>(
        EsParams {
            commands: 0,
            ..Default::default()
        },
        "commands",
    );
    refuses::<Cqrs>(
        CqrsParams {
            commands: 0,
            ..Default::default()
        },
        "commands",
    );
    refuses::<Partitioning>(
        PartParams {
            rows: 0,
            ..Default::default()
        },
        "rows",
    );
    refuses::<Sharding>(
        ShardingParams {
            shards: 0,
            ..Default::default()
        },
        "shards",
    );
    refuses::<Caching>(
        CacheParams {
            requests: 0,
            ..Default::default()
        },
        "requests",
    );
    refuses::<Cdc>(
        CdcParams {
            changes: 0,
            ..Default::default()
        },
        "changes",
    );
    refuses::<Contracts>(
        ContractParams {
            records: 0,
            ..Default::default()
        },
        "records",
    );
}
