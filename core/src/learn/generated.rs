//! Questions made from seeded simulations: the seed picks a configuration, the link is
//! written first (through the one encoder's grammar) and decoded back into the very
//! parameters the answer is computed from — so the question, its link and its answer are
//! one state. Answers come from the patterns' own code (the router, the CDC scenario, the
//! contract validator); the tests check each against the oracles, which never share it.

use super::bank::{Answer, Dec, Difficulty, Origin, Question};
use crate::format::count;
use crate::hash::key_hash;
use crate::link;
use crate::patterns::cdc::Cdc;
use crate::patterns::contracts::Contracts;
use crate::patterns::sharding::router::{Router, Scheme};
use crate::patterns::sharding::{Sharding, ShardingParams};
use crate::sim::{Fault, Params, Rng, Scenario};

/// The kinds of generated question, one per generator.
pub const KINDS: [&str; 3] = ["sharding-moved", "cdc-missed-deletes", "contracts-dead"];

/// A generated question and the configuration it came from (for the tests).
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub question: Question,
    pub kind: &'static str,
    pub seed: u64,
}

fn numeric(
    id: String,
    pattern: &str,
    difficulty: Difficulty,
    stem: String,
    (answer, unit): (i64, &str),
    explanation: String,
    link: String,
) -> Question {
    Question {
        id,
        pattern: pattern.to_string(),
        difficulty,
        origin: Origin::Generated,
        stem,
        answer: Answer::Numeric {
            value: Dec::whole(answer),
            tolerance: Dec::whole(0),
            unit: unit.to_string(),
        },
        explanation,
        link,
    }
}

/// Keys `1..=keys` routed by `scheme` over `shards` shards: how many move when one shard
/// is added (the router's answer).
pub fn sharding_moved(scheme: Scheme, shards: u32, vnodes: u32, keys: u64) -> u64 {
    let before = Router::new(scheme, shards, vnodes);
    let (after, _) = before.with_added();
    (1..=keys)
        .filter(|k| {
            let h = key_hash(*k);
            before.route(h).map(|r| r.0) != after.route(h).map(|r| r.0)
        })
        .count() as u64
}

fn gen_sharding(seed: u64) -> Option<Generated> {
    let mut rng = Rng::stream(seed, "gen-sharding");
    let scheme = Scheme::ALL[rng.below(4) as usize];
    let shards = 3 + rng.below(6) as u32;
    let vnodes = [8u32, 32, 100][rng.below(3) as usize];
    let keys = [200u64, 500, 1000][rng.below(3) as usize];
    let events = keys * 3;
    // The link lands where the question is asked: every order routed, then one shard
    // added at that step, so the page shows the moved keys beside the oracle's count.
    let mut query = format!(
        "v=1&seed={seed}&step={events}&scheme={}&shards={shards}&users={keys}&events={events}&skew=0&faults={events}:add-shard",
        scheme.as_str()
    );
    if scheme == Scheme::Ring {
        query.push_str(&format!("&vnodes={vnodes}"));
    }
    let d = link::decode::<ShardingParams>(&query, Sharding::fault_specs());
    if !d.ignored.is_empty() {
        return None;
    }
    let mut s = Sharding::new(&d.state.params, d.state.seed).ok()?;
    for _ in 0..d.state.step.min(s.total_steps()) {
        s.step();
    }
    s.apply(&Fault::new("add-shard")).ok()?;
    let m = s.last_change()?;
    let (moved, stored) = (m.moved.len() as u64, m.keys_total);
    let theory = m.expected_fraction() * stored as f64;
    // Graded within a tolerance that accepts the theory figure and 10% either side, so a
    // learner who reasons it out is right without running the simulation.
    let off = libm::ceil(libm::fabs(theory - moved as f64)) as u64;
    let tolerance = off.max(moved.div_ceil(10)).max(2);
    let ring = if scheme == Scheme::Ring {
        format!(" with {vnodes} virtual nodes per shard")
    } else {
        String::new()
    };
    let stem = format!(
        "Seed {seed}: {} orders from users 1 to {keys}, each user equally likely, are routed by {}{ring} over {shards} shards, which leaves {} distinct users stored. Then one shard is added. How many of the {} stored users now live on a different shard?",
        count(events),
        scheme.label(),
        count(stored),
        count(stored),
    );
    let why = if scheme.is_consistent() {
        format!(
            "A consistent scheme moves only the keys the new shard takes over, about 1/{} of them, and every one of them moves to the new shard.",
            shards + 1
        )
    } else {
        format!(
            "Mod-N changes the divisor, so a key stays only when hash mod {shards} = hash mod {}: most keys move, about {shards}/{} of them.",
            shards + 1,
            shards + 1
        )
    };
    let explanation = format!(
        "{why} That predicts about {} of the {} stored users; the run moves exactly {} (the linked page shows it under Moved, beside the oracle's count). Answers within ± {} are accepted, which covers the prediction.",
        libm::round(theory) as u64,
        count(stored),
        count(moved),
        count(tolerance),
    );
    let mut q = numeric(
        format!("gen-sharding-moved-{seed}"),
        "sharding",
        Difficulty::Medium,
        stem,
        (moved as i64, "users"),
        explanation,
        format!("/sharding?{query}"),
    );
    if let Answer::Numeric { tolerance: t, .. } = &mut q.answer {
        *t = Dec::whole(tolerance as i64);
    }
    Some(Generated {
        question: q,
        kind: "sharding-moved",
        seed,
    })
}

/// Runs a scenario decoded from `query` for its `step`; `None` if the link does not decode
/// cleanly or the scenario refuses it.
fn run<S: Scenario>(query: &str) -> Option<S> {
    let d = link::decode::<S::Params>(query, S::fault_specs());
    if !d.ignored.is_empty() || d.unknown_version.is_some() || !d.state.faults.is_empty() {
        return None;
    }
    let mut s = S::new(&d.state.params, d.state.seed).ok()?;
    for _ in 0..d.state.step.min(s.total_steps()) {
        s.step();
    }
    Some(s)
}

fn gen_cdc(seed: u64) -> Option<Generated> {
    let mut rng = Rng::stream(seed, "gen-cdc");
    let changes = [200u64, 400, 600][rng.below(3) as usize];
    let poll_ms = [1_000u64, 2_000, 5_000, 10_000][rng.below(4) as usize];
    let deletes = ["0.1", "0.2", "0.3"][rng.below(3) as usize];
    let query = format!(
        "v=1&seed={seed}&step={changes}&changes={changes}&poll={poll_ms}&deletes={deletes}"
    );
    let s: Cdc = run(&query)?;
    let missed = s.stats().missed_deletes;
    let rate = s.params().rate;
    let stem = format!(
        "Seed {seed}: {changes} changes at {rate} per second, {}% of them deletes, and a poller running SELECT … WHERE updated_at > the last poll every {} s. By change {changes}, how many deletes has polling missed?",
        match deletes {
            "0.1" => 10,
            "0.2" => 20,
            _ => 30,
        },
        poll_ms / 1000
    );
    Some(Generated {
        question: numeric(
            format!("gen-cdc-missed-deletes-{seed}"),
            "cdc",
            Difficulty::Hard,
            stem,
            (missed as i64, "deletes"),
            format!(
                "A deleted row is simply absent when the next poll runs, so polling can never see a delete: every delete among the changes its polls have covered is missed — {missed} here. Log-based CDC reads the delete from the WAL."
            ),
            format!("/cdc?{query}"),
        ),
        kind: "cdc-missed-deletes",
        seed,
    })
}

fn gen_contracts(seed: u64) -> Option<Generated> {
    let mut rng = Rng::stream(seed, "gen-contracts");
    let records = [100u64, 200, 300][rng.below(3) as usize];
    let invalid = ["0.1", "0.2", "0.3"][rng.below(3) as usize];
    let defects = ["missing", "type", "range", "enum", "future", "cross"][rng.below(6) as usize];
    let query = format!(
        "v=1&seed={seed}&step={records}&records={records}&invalid={invalid}&defects={defects}"
    );
    let s: Contracts = run(&query)?;
    let dead = s.dead().len() as i64;
    let label = crate::patterns::contracts::ContractParams::spec("defects")
        .and_then(|sp| match sp.kind {
            crate::sim::ParamKind::Choice(c) => c.iter().find(|(v, _)| *v == defects).map(|c| c.1),
            _ => None,
        })
        .unwrap_or(defects);
    let stem = format!(
        "Seed {seed}: a producer sends {records} order records, breaking a share of {invalid} of them ({label}), against the default contract. How many of the {records} land in the dead-letter table?"
    );
    Some(Generated {
        question: numeric(
            format!("gen-contracts-dead-{seed}"),
            "contracts",
            Difficulty::Medium,
            stem,
            (dead, "records"),
            format!(
                "Each record is checked against every rule; any violation dead-letters it. The share is a probability per record, so the count is near {records} × {invalid} but not exactly it: {dead} here."
            ),
            format!("/contracts?{query}"),
        ),
        kind: "contracts-dead",
        seed,
    })
}

/// The generated question of `kind` for `seed`.
pub fn generate(kind: &str, seed: u64) -> Option<Generated> {
    match kind {
        "sharding-moved" => gen_sharding(seed),
        "cdc-missed-deletes" => gen_cdc(seed),
        "contracts-dead" => gen_contracts(seed),
        _ => None,
    }
}

/// One question of each kind for `seed` (what a quiz session adds to the bank).
pub fn set(seed: u64) -> Vec<Question> {
    KINDS
        .iter()
        .filter_map(|k| generate(k, seed).map(|g| g.question))
        .collect()
}
