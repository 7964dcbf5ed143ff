//! /compare/invalidate-vs-write-through: the same requests through the same fleet, writes
//! deleting the cached copies (A) or storing the new value in them (B); stale reads,
//! database reads and latency diffed.

use crate::format::{count, percent};
use crate::sim::compare::Pair;
use crate::sim::{ParamError, ParamSpec, Params, PitfallSpec, Preset};

use super::params::{CacheParams, WriteMode};
use super::scenario::Caching;
use super::view::CacheView;

pub struct InvalidateVsWriteThrough;

#[derive(Clone, Debug, PartialEq)]
pub struct PairParams {
    pub shared: CacheParams,
}

impl Default for PairParams {
    fn default() -> Self {
        PairParams {
            shared: CacheParams {
                requests: 4_000,
                writes: 0.2,
                ..CacheParams::default()
            },
        }
    }
}

/// Every caching field but the write mode (the side).
const SPECS: &[ParamSpec] = &[
    super::params::SPECS[1],
    super::params::SPECS[2],
    super::params::SPECS[3],
    super::params::SPECS[4],
    super::params::SPECS[5],
    super::params::SPECS[6],
    super::params::SPECS[7],
    super::params::SPECS[8],
    super::params::SPECS[9],
    super::params::SPECS[10],
    super::params::SPECS[11],
    super::params::SPECS[13],
    super::params::SPECS[14],
    super::params::SPECS[15],
];

impl Params for PairParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        CacheParams::pitfalls()
    }

    fn get(&self, field: &str) -> Option<String> {
        if field == "write" || field == "behind" {
            return None;
        }
        self.shared.get(field)
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == "write" || field == "behind" {
            return Err(ParamError::new(field, "is not a parameter of this page"));
        }
        self.shared.set(field, value)
    }
}

/// One side's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct SideNumbers {
    pub reads: u64,
    pub stale: u64,
    pub db_reads: u64,
    pub hit_rate: f64,
    pub mean_latency_us: f64,
    pub p99_us: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CacheDiff {
    pub a: SideNumbers,
    pub b: SideNumbers,
}

fn numbers(v: &CacheView) -> SideNumbers {
    let (l1, l2, _) = v.rates();
    SideNumbers {
        reads: v.stats.reads,
        stale: v.stats.stale,
        db_reads: v.stats.db_reads,
        hit_rate: l1 + l2,
        mean_latency_us: v.stats.latency_sum_us as f64
            / (v.stats.reads + v.stats.writes).max(1) as f64,
        p99_us: v.percentile_us(0.99),
    }
}

impl Pair for InvalidateVsWriteThrough {
    type A = Caching;
    type B = Caching;
    type Params = PairParams;
    type Tally = ();
    type Diff = CacheDiff;
    const SLUG: &'static str = "compare-invalidate-vs-write-through";

    fn split(p: &PairParams) -> (CacheParams, CacheParams) {
        (
            CacheParams {
                write: WriteMode::Invalidate,
                ..p.shared.clone()
            },
            CacheParams {
                write: WriteMode::WriteThrough,
                ..p.shared.clone()
            },
        )
    }

    fn after_step(_: &Caching, _: &Caching, _: &mut ()) {}

    fn after_fault(_: &Caching, _: &Caching, _: &mut ()) {}

    fn diff(_: &Caching, _: &Caching, views: (&CacheView, &CacheView), _: &()) -> CacheDiff {
        CacheDiff {
            a: numbers(views.0),
            b: numbers(views.1),
        }
    }

    fn narrate(a: &Caching, b: &Caching) -> String {
        format!(
            "A (invalidate): {} B (write-through): {}",
            super::view::narrate(a),
            super::view::narrate(b)
        )
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a stale read or a stampede on either side, or a fault"
    }
}

const PRESETS: &[Preset] = &[
    Preset {
        name: "slow-reads",
        label: "Slow database reads race the writes",
        description: "A 200 ms database and many writes: under invalidation a read that started before a write re-fills the old value after the write deleted it; write-through stores the new value and refuses the old fill.",
        seed: 42,
        params: &[("db", "200"), ("writes", "0.3"), ("rate", "1000")],
        faults: &[],
        step: 4_000,
    },
    Preset {
        name: "local-l1",
        label: "Local-only L1 invalidation on both",
        description: "Neither strategy helps the other instances' L1 copies when only the writer's L1 is told: both serve stale reads until the L1 TTL.",
        seed: 42,
        params: &[("l1sync", "local"), ("l1ttl", "30000")],
        faults: &[],
        step: 4_000,
    },
];

/// The trade-off in a few sentences from the numbers.
pub fn trade_off(d: &CacheDiff) -> String {
    let line = |name: &str, s: &SideNumbers| {
        format!(
            "{name}: {} of reads from a cache, {} database reads, {} stale, mean {:.2} ms",
            percent(s.hit_rate),
            count(s.db_reads),
            count(s.stale),
            s.mean_latency_us / 1_000.0
        )
    };
    let verdict = if d.a.reads > 0 && d.a.db_reads == 0 && d.b.db_reads == 0 {
        " Neither side ever asks L2 or the database (the note's L1 answers every read), so the write strategy cannot matter: both serve the same stale reads."
    } else if d.a.stale > d.b.stale {
        " Invalidation served more stale reads: a slow read can re-fill a value a write just deleted; write-through keeps the new value in the cache and only fills with values no write has overtaken."
    } else if d.b.stale > d.a.stale {
        " Write-through served more stale reads here."
    } else if d.a.stale == 0 {
        " Neither served a stale read."
    } else {
        " Both served the same number of stale reads: their source is not the write strategy (look at L1 invalidation)."
    };
    let cost = if d.a.db_reads > d.b.db_reads {
        " Invalidation also reads the database more: every write makes the next read of that key a miss."
    } else {
        ""
    };
    format!(
        "{}. {}.{verdict}{cost}",
        line("Invalidate", &d.a),
        line("Write-through", &d.b)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Compare, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn slow_reads_make_invalidation_stale_and_write_through_fresh() {
        let mut p = PairParams::default();
        for (f, v) in [("db", "200"), ("writes", "0.3"), ("rate", "1000")] {
            p.set(f, v).unwrap();
        }
        let mut c = Compare::<InvalidateVsWriteThrough>::new(&p, 42).unwrap();
        for _ in 0..c.total_steps() {
            c.step();
        }
        let d = c.view().diff;
        assert_eq!(d.b.stale, 0, "write-through with broadcast: never stale");
        assert!(d.a.stale > 0, "the invalidate race: {d:?}");
        assert!(d.a.db_reads > d.b.db_reads);
        assert!(trade_off(&d).contains("re-fill"));
    }

    #[test]
    fn under_the_notes_l1_the_write_strategy_cannot_matter() {
        let mut p = PairParams::default();
        p.set(super::super::params::PITFALL_L1_ANSWERS, "on")
            .unwrap();
        let mut c = Compare::<InvalidateVsWriteThrough>::new(&p, 7).unwrap();
        for _ in 0..c.total_steps() {
            c.step();
        }
        let d = c.view().diff;
        assert_eq!((d.a.db_reads, d.b.db_reads), (0, 0));
        assert!(d.a.stale > 0);
        assert_eq!(d.a.stale, d.b.stale, "reads see no write on either side");
        assert!(trade_off(&d).contains("cannot matter"));
    }
}
