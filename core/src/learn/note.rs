//! The study note the pitfalls come from, in pipelab's own words: what each of its sections
//! teaches, and every mistake in its examples that a page lets the learner switch on, each
//! with a link to a state that shows the damage. The `/note` page renders this.

use crate::link;
use crate::patterns::{
    batch_writes::BatchWrites, caching::Caching, cdc::Cdc, contracts::Contracts, cqrs::Cqrs,
    etl_elt::EtlElt, event_sourcing::EventSourcing, kappa::Kappa, lakehouse::Lakehouse,
    lambda::Lambda, partitioning::Partitioning, sharding::Sharding,
};
use crate::sim::{preset::pitfalls_on, Params, Scenario};

/// What the page says the note is, before anything else.
pub const ABOUT: &str = "pipelab's pitfalls come from one study note: a compact guide to data-engineering design patterns (ETL and ELT, Lambda and Kappa, the lakehouse, event sourcing and CQRS, partitioning and sharding, caching, batch writes, CDC and data contracts) with a short Python or SQL example for each. The examples read well, and several are wrong in ways a reviewer or an interviewer would catch. pipelab does not reproduce the note. This page says in its own words what each section teaches and where its example goes wrong, and links to a run where you can watch the mistake do its damage. On every pattern page, the mistake is a pitfall toggle you can switch on and off.";

/// One section of the note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The pattern page (`/<slug>`).
    pub slug: &'static str,
    pub title: &'static str,
    /// What the section teaches, in our words.
    pub teaches: &'static str,
    pub pitfalls: Vec<Pitfall>,
}

/// One mistake of the note's example and where to see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pitfall {
    pub label: &'static str,
    /// What goes wrong, in our words.
    pub what: &'static str,
    /// `/<slug>?<query>`: a state that shows it.
    pub link: String,
}

/// The pitfall toggles of `S` with the first preset that switches each one on (else a link
/// that switches it on at the start).
fn toggles<S: Scenario>() -> Vec<Pitfall> {
    <S::Params as Params>::pitfalls()
        .iter()
        .map(|spec| {
            let query = S::presets()
                .iter()
                .find(|p| {
                    pitfalls_on(&p.load::<S::Params>().0)
                        .iter()
                        .any(|n| n == spec.name)
                })
                .map(|p| link::encode(&p.link_state::<S::Params>()))
                .unwrap_or_else(|| format!("v=1&pitfalls={}", spec.name));
            Pitfall {
                label: spec.label,
                what: spec.help,
                link: format!("/{}?{query}", S::SLUG),
            }
        })
        .collect()
}

/// A mistake shown by a preset rather than a toggle.
fn preset<S: Scenario>(name: &str, label: &'static str, what: &'static str) -> Option<Pitfall> {
    let p = S::presets().iter().find(|p| p.name == name)?;
    Some(Pitfall {
        label,
        what,
        link: format!(
            "/{}?{}",
            S::SLUG,
            link::encode(&p.link_state::<S::Params>())
        ),
    })
}

fn section<S: Scenario>(title: &'static str, teaches: &'static str) -> Section {
    Section {
        slug: S::SLUG,
        title,
        teaches,
        pitfalls: toggles::<S>(),
    }
}

/// The note's sections in the order it presents them, each with its mistakes.
pub fn sections() -> Vec<Section> {
    let mut out = vec![
        section::<EtlElt>(
            "ETL and ELT",
            "Transform before loading (ETL: the warehouse only receives the result) or load the raw rows first and transform inside the warehouse (ELT: the raw data stays, so a changed rule can be re-run on it). The example loads a nightly extract with pandas and transforms it with SQL.",
        ),
        section::<Lambda>(
            "Lambda architecture",
            "A batch layer recomputes accurate views from the whole immutable log, a speed layer counts what arrived since, and a serving layer merges the two. The example's serving view adds the batch and the speed results together.",
        ),
        section::<Kappa>(
            "Kappa architecture",
            "One log and one stream processor: event-time windows, watermarks and late data, and reprocessing by replaying the log into a new output with the new code. The example runs Flink SQL from PyFlink over an orders topic in Kafka.",
        ),
        section::<Lakehouse>(
            "The lakehouse",
            "Bronze, silver and gold tables in an open table format: snapshots, atomic commits, time travel and schema evolution over files in object storage. The example writes each layer with Spark to Iceberg tables.",
        ),
        section::<EventSourcing>(
            "Event sourcing",
            "State is the fold of an append-only log of events; writes append with an expected version, and snapshots bound the replay. The example keeps the events in a table and rebuilds an order from them.",
        ),
        section::<Cqrs>(
            "CQRS",
            "Commands go to a write model that emits events; projectors build separate read models from them, asynchronously, so reads can lag behind writes. The example wires the two sides through Kafka topics.",
        ),
        section::<Partitioning>(
            "Partitioning",
            "One logical table split into partitions by a key (hash of the user, or ranges of dates) so queries read only the partitions they need and old data leaves a partition at a time. The example declares quarterly range partitions in PostgreSQL.",
        ),
        section::<Sharding>(
            "Sharding",
            "Rows spread over several databases by a shard key; the routing scheme decides how much data moves when a shard is added or removed. The example's ShardManager routes by a hash of the key.",
        ),
        section::<Caching>(
            "Multi-level caching",
            "An in-process L1, a shared L2 such as Redis, and the database behind them: reads fall through the levels and writes must keep every copy fresh. The example caches user profiles at two levels.",
        ),
        section::<BatchWrites>(
            "Batch writes",
            "Sending rows one at a time costs a round trip and a commit each; batches and bulk copy amortise them, and a bad row or a lost connection must not duplicate or lose rows. The example inserts with psycopg2.",
        ),
        section::<Cdc>(
            "Change data capture",
            "Changes are read from the database's write-ahead log (Debezium) and applied to a copy with an idempotent MERGE, deletes included; polling a timestamp column misses deletes. The example sends change events to Kafka and merges them.",
        ),
        section::<Contracts>(
            "Data contracts",
            "Producer and consumer agree on fields, types, ranges and rules; records that break them go to a dead-letter table with every reason. The example validates records with a Pydantic model.",
        ),
    ];
    let extra = [
        (
            "sharding",
            preset::<Sharding>(
                "note-shardmanager",
                "The note's “consistent hash” ShardManager is hash mod N",
                "It calls its router consistent hashing, but it takes the hash modulo the number of shards: adding a fifth shard to four moves about 80% of the keys, most of them between old shards. A consistent-hash ring moves about a fifth, all to the new shard.",
            ),
        ),
        (
            "caching",
            preset::<Caching>(
                "local-invalidation",
                "The note clears only the writer's own L1",
                "Its invalidation clears the in-process L1 of the instance that wrote and deletes the key from Redis, but every other app instance keeps its own L1 copy and serves the old value until that copy expires.",
            ),
        ),
    ];
    for (slug, pitfall) in extra {
        if let (Some(s), Some(p)) = (out.iter_mut().find(|s| s.slug == slug), pitfall) {
            s.pitfalls.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_pattern_has_a_section_with_a_pitfall_whose_link_opens_with_it_on() {
        let all = sections();
        assert_eq!(all.len(), 12);
        for s in &all {
            assert!(!s.pitfalls.is_empty(), "{} has no pitfall", s.slug);
            for p in &s.pitfalls {
                let opened = crate::learn::links::check(&p.link);
                assert!(opened.is_ok(), "{}: {:?}", p.link, opened);
                assert!(p.link.starts_with(&format!("/{}?", s.slug)));
            }
        }
        // A toggle's link switches that toggle on.
        let kappa = all.iter().find(|s| s.slug == "kappa").unwrap();
        assert!(kappa.pitfalls[0].link.contains("pitfalls=latest-offset"));
    }
}
