//! The TTL trade-off: the same requests run again with one TTL for both cache levels at a
//! time — higher TTLs hit more and, where copies can go stale (local invalidation, lost
//! invalidations, write-behind), serve more stale reads. One point is one run, so the page
//! computes them one at a time between frames.

use crate::sim::Scenario;

use super::params::CacheParams;
use super::scenario::Caching;

/// The TTLs swept (ms); 0 = no expiry.
pub const TTLS_MS: [u32; 10] = [
    50, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 120_000, 0,
];
/// Requests per point at most (so one point stays a few milliseconds).
pub const MAX_SWEEP_REQUESTS: u64 = 20_000;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    pub ttl_ms: u32,
    /// Reads answered by L1 or L2.
    pub hit_rate: f64,
    pub stale_rate: f64,
    pub db_reads: u64,
    pub mean_latency_us: f64,
}

/// One run with both TTLs set to `ttl_ms` (the page's other settings, no faults).
pub fn point(params: &CacheParams, seed: u64, ttl_ms: u32) -> Option<SweepPoint> {
    let p = CacheParams {
        l1_ttl_ms: ttl_ms,
        l2_ttl_ms: ttl_ms,
        requests: params.requests.min(MAX_SWEEP_REQUESTS),
        ..params.clone()
    };
    let mut s = Caching::new(&p, seed).ok()?;
    for _ in 0..s.total_steps() {
        s.step();
    }
    let st = s.stats();
    let reads = st.reads.max(1) as f64;
    Some(SweepPoint {
        ttl_ms,
        hit_rate: (st.l1_hits + st.l2_hits) as f64 / reads,
        stale_rate: st.stale as f64 / reads,
        db_reads: st.db_reads,
        mean_latency_us: st.latency_sum_us as f64 / (st.reads + st.writes).max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn longer_ttls_hit_more_and_go_staler_under_local_invalidation() {
        let p = CacheParams {
            l1_local: true,
            requests: 8_000,
            ..CacheParams::default()
        };
        let short = point(&p, 9, 200).unwrap();
        let long = point(&p, 9, 30_000).unwrap();
        assert!(long.hit_rate > short.hit_rate, "{short:?} {long:?}");
        assert!(long.stale_rate > short.stale_rate, "{short:?} {long:?}");
        assert!(long.db_reads < short.db_reads);
        let synced = CacheParams {
            l1_local: false,
            write: super::super::params::WriteMode::WriteThrough,
            ..p
        };
        let synced_inv = CacheParams {
            write: super::super::params::WriteMode::Invalidate,
            ..synced.clone()
        };
        let synced = point(&synced, 9, 30_000).unwrap();
        assert_eq!(
            synced.stale_rate, 0.0,
            "write-through, broadcast, guarded fills: nothing stale"
        );
        // Question caching-06: with every copy reached and guarded fills, a long TTL costs
        // no staleness under invalidation either.
        assert_eq!(point(&synced_inv, 9, 30_000).unwrap().stale_rate, 0.0);
    }
}
