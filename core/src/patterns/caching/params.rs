//! Caching's parameters: the fleet (instances, each with an L1), the shared L2, the
//! database's latency, the workload, how writes reach the caches, and the pitfall (the
//! note's L1 that always answers).

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

/// Largest run the page allows.
pub const MAX_REQUESTS: i64 = 1_000_000;
/// The pitfall's name.
pub const PITFALL_L1_ANSWERS: &str = "l1-always-answers";
/// Pub/Sub messages that may be on their way at once (delay × request rate × instances).
pub const MAX_MESSAGES_IN_FLIGHT: u64 = 20_000;
/// Cache entries (all L1s plus L2) times retained checkpoints may not pass this: each
/// checkpoint keeps its own copy of every cache (about 32 bytes an entry).
pub const MAX_ENTRY_COPIES: u64 = 6_000_000;

/// How a write reaches the caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Write the database, then delete the key from L2 and L1.
    Invalidate,
    /// Write the database, then set the new value in L2 and L1.
    WriteThrough,
    /// Set the new value in L2 and L1 now; the database gets it `behind_ms` later.
    WriteBehind,
}

impl WriteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteMode::Invalidate => "invalidate",
            WriteMode::WriteThrough => "write-through",
            WriteMode::WriteBehind => "write-behind",
        }
    }
}

const MODES: &[(&str, &str)] = &[
    ("invalidate", "invalidate (delete on write)"),
    ("write-through", "write-through (set on write)"),
    ("write-behind", "write-behind (cache now, database later)"),
];

pub(super) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "write",
        label: "Writes",
        help: "Invalidate: write the database, delete the cached copies. Write-through: write the database, store the new value in the caches. Write-behind: store it in the caches now and write the database later.",
        kind: ParamKind::Choice(MODES),
    },
    ParamSpec {
        name: "requests",
        label: "Requests",
        help: "Requests in the run: one step serves one read or write.",
        kind: ParamKind::Int { min: 1, max: MAX_REQUESTS },
    },
    ParamSpec {
        name: "instances",
        label: "App instances",
        help: "Application servers behind a load balancer, each with its own in-memory L1.",
        kind: ParamKind::Int { min: 1, max: 8 },
    },
    ParamSpec {
        name: "keys",
        label: "Keys (user profiles)",
        help: "Distinct keys requested.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "skew",
        label: "Key skew (Zipf s)",
        help: "0 = every key equally popular; higher = a few hot keys get most requests (key 1 the most).",
        kind: ParamKind::Float { min: 0.0, max: 3.0 },
    },
    ParamSpec {
        name: "rate",
        label: "Requests per second",
        help: "How fast requests arrive (spread over the instances).",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "writes",
        label: "Write share",
        help: "Share of requests that update their key.",
        kind: ParamKind::Float { min: 0.0, max: 1.0 },
    },
    ParamSpec {
        name: "l1",
        label: "L1 size (entries)",
        help: "Entries each instance's LRU holds; the least recently used is evicted to make room.",
        kind: ParamKind::Int { min: 1, max: 2_000 },
    },
    ParamSpec {
        name: "l1ttl",
        label: "L1 TTL (ms)",
        help: "How long an L1 entry lives; 0 = until evicted.",
        kind: ParamKind::Int { min: 0, max: 3_600_000 },
    },
    ParamSpec {
        name: "l2",
        label: "L2 size (entries)",
        help: "Entries the shared cache (Redis) holds, least recently used evicted first.",
        kind: ParamKind::Int { min: 1, max: 20_000 },
    },
    ParamSpec {
        name: "l2ttl",
        label: "L2 TTL (ms)",
        help: "How long an L2 entry lives; 0 = until evicted.",
        kind: ParamKind::Int { min: 0, max: 3_600_000 },
    },
    ParamSpec {
        name: "db",
        label: "Database latency (ms)",
        help: "Time a database read or write takes, round trip included: your own database's figure (the default 20 ms is an assumption, not a measurement).",
        kind: ParamKind::Int { min: 1, max: 2_000 },
    },
    ParamSpec {
        name: "behind",
        label: "Write-behind delay (ms)",
        help: "How long a write-behind write waits before it reaches the database.",
        kind: ParamKind::Int { min: 1, max: 600_000 },
    },
    ParamSpec {
        name: "l1sync",
        label: "L1 invalidation",
        help: "Broadcast: a write reaches every instance's L1 (pub/sub). Local: only the instance that wrote updates its L1, as in the note — the others serve their old copy until it expires.",
        kind: ParamKind::Choice(&[("broadcast", "every instance (pub/sub)"), ("local", "only the writer's (the note)")]),
    },
    ParamSpec {
        name: "coalesce",
        label: "Request coalescing",
        help: "On: when a key is missing everywhere, one request reads the database and the others wait for it. Off: every miss reads the database (a stampede when a hot key expires).",
        kind: ParamKind::Choice(&[("off", "off"), ("on", "on")]),
    },
    ParamSpec {
        name: "burst",
        label: "Hot-key burst (requests)",
        help: "Requests for the hot key arriving at once (0.1 ms apart) when it expires (the hot-key-expiry fault).",
        kind: ParamKind::Int { min: 1, max: 1_000 },
    },
    ParamSpec {
        name: "fill",
        label: "Cache fills",
        help: "What a read that missed does with the database's answer, whatever the write strategy. Version-guarded: every writer records the version it committed in L2, and a fill older than that version is refused (Memcache's leases protect delete-based invalidation the same way). Plain: the read stores whatever it got, so a read that started before a write can put the old value back after the write.",
        kind: ParamKind::Choice(FILLS),
    },
    ParamSpec {
        name: "l2timeout",
        label: "L2 client time-out (ms)",
        help: "How long a call to L2 waits before it fails when Redis is unreachable (the L2 outage fault): redis-py's socket_connect_timeout and socket_timeout. Left unset, redis-py waits as long as the operating system does. A refused connection fails at once instead.",
        kind: ParamKind::Int { min: 1, max: 60_000 },
    },
    ParamSpec {
        name: "pubsub",
        label: "Pub/Sub delivery delay (µs)",
        help: "How long an invalidation message takes to reach the other instances' L1s: Redis Pub/Sub delivers asynchronously, at least a network hop (about 200 µs on a 1 Gbit/s network, per Redis's latency guide). 0 = instant, an idealisation. Delivery is at most once: see the subscriber-disconnect fault.",
        kind: ParamKind::Int { min: 0, max: 1_000_000 },
    },
];

const FILLS: &[(&str, &str)] = &[
    ("versioned", "version-guarded (refuse an overtaken fill)"),
    ("plain", "plain set (store whatever the read got)"),
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_L1_ANSWERS,
    label: "The note's L1: an @lru_cache that makes up the profile",
    help: "The note decorates a function that builds the profile itself with @lru_cache, so the L1 lookup always returns something: L2 and the database are never asked, and no write is ever seen. Check L1, then L2, then the database, filling each on the way back.",
}];

/// Validated caching parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheParams {
    pub write: WriteMode,
    pub requests: u64,
    pub instances: u32,
    pub keys: u32,
    pub skew: f64,
    pub rate: u32,
    pub writes: f64,
    pub l1: u32,
    pub l1_ttl_ms: u32,
    pub l2: u32,
    pub l2_ttl_ms: u32,
    pub db_ms: u32,
    pub behind_ms: u32,
    /// Only the writer's L1 learns of a write (the note).
    pub l1_local: bool,
    pub coalesce: bool,
    pub burst: u32,
    /// Fills are refused once L2 knows a newer version of the key (every write strategy).
    pub guarded_fill: bool,
    /// The client's time-out for a call to an unreachable L2.
    pub l2_timeout_ms: u32,
    /// How long a Pub/Sub invalidation takes to reach the other instances.
    pub pubsub_us: u32,
    /// The note's L1 that always answers (pitfall).
    pub l1_answers: bool,
}

impl Default for CacheParams {
    fn default() -> Self {
        CacheParams {
            write: WriteMode::Invalidate,
            requests: 5_000,
            instances: 3,
            keys: 2_000,
            skew: 1.0,
            rate: 500,
            writes: 0.1,
            l1: 100,
            l1_ttl_ms: 5_000,
            l2: 1_000,
            l2_ttl_ms: 60_000,
            db_ms: 20,
            behind_ms: 1_000,
            l1_local: false,
            coalesce: false,
            burst: 50,
            guarded_fill: true,
            l2_timeout_ms: 100,
            pubsub_us: 0,
            l1_answers: false,
        }
    }
}

impl Params for CacheParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        let on_off = |b: bool| if b { "on" } else { "off" }.to_string();
        Some(match field {
            "write" => self.write.as_str().to_string(),
            "requests" => self.requests.to_string(),
            "instances" => self.instances.to_string(),
            "keys" => self.keys.to_string(),
            "skew" => format!("{}", self.skew),
            "rate" => self.rate.to_string(),
            "writes" => format!("{}", self.writes),
            "l1" => self.l1.to_string(),
            "l1ttl" => self.l1_ttl_ms.to_string(),
            "l2" => self.l2.to_string(),
            "l2ttl" => self.l2_ttl_ms.to_string(),
            "db" => self.db_ms.to_string(),
            "behind" => self.behind_ms.to_string(),
            "l1sync" => if self.l1_local { "local" } else { "broadcast" }.to_string(),
            "coalesce" => on_off(self.coalesce),
            "burst" => self.burst.to_string(),
            "fill" => if self.guarded_fill {
                "versioned"
            } else {
                "plain"
            }
            .to_string(),
            "l2timeout" => self.l2_timeout_ms.to_string(),
            "pubsub" => self.pubsub_us.to_string(),
            PITFALL_L1_ANSWERS => on_off(self.l1_answers),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        crate::sim::params::set_checked(self, field, value, Self::set_one)
    }

    fn combination_errors(&self) -> Vec<ParamError> {
        self.combined_limits()
    }
}

impl CacheParams {
    fn set_one(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_L1_ANSWERS {
            self.l1_answers = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        let int = |v: &str| parse_int(spec, v);
        match field {
            "write" => {
                self.write = match parse_choice(spec, value)? {
                    "write-through" => WriteMode::WriteThrough,
                    "write-behind" => WriteMode::WriteBehind,
                    _ => WriteMode::Invalidate,
                }
            }
            "requests" => self.requests = int(value)? as u64,
            "instances" => self.instances = int(value)? as u32,
            "keys" => self.keys = int(value)? as u32,
            "skew" => self.skew = parse_float(spec, value)?,
            "rate" => self.rate = int(value)? as u32,
            "writes" => self.writes = parse_float(spec, value)?,
            "l1" => self.l1 = int(value)? as u32,
            "l1ttl" => self.l1_ttl_ms = int(value)? as u32,
            "l2" => self.l2 = int(value)? as u32,
            "l2ttl" => self.l2_ttl_ms = int(value)? as u32,
            "db" => self.db_ms = int(value)? as u32,
            "behind" => self.behind_ms = int(value)? as u32,
            "l1sync" => self.l1_local = parse_choice(spec, value)? == "local",
            "coalesce" => self.coalesce = parse_choice(spec, value)? == "on",
            "burst" => self.burst = int(value)? as u32,
            "fill" => self.guarded_fill = parse_choice(spec, value)? == "versioned",
            "l2timeout" => self.l2_timeout_ms = int(value)? as u32,
            "pubsub" => self.pubsub_us = int(value)? as u32,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }

    /// Cache entries a checkpoint copies: every L1 and L2 full.
    pub fn entries(&self) -> u64 {
        self.instances as u64 * self.l1 as u64 + self.l2 as u64
    }

    /// The limits that come from several values at once, each naming what to change.
    fn combined_limits(&self) -> Vec<ParamError> {
        let checkpoints = crate::sim::timeline::checkpoints_for(self.requests);
        if self.entries() * checkpoints > MAX_ENTRY_COPIES {
            return vec![ParamError::new(
                "l2",
                format!(
                    "{} cache entries ({} instances × {} + {}) over {} requests would keep {} copies of the caches for stepping back; use fewer entries or requests (at most {} entries × checkpoints)",
                    self.entries(),
                    self.instances,
                    self.l1,
                    self.l2,
                    self.requests,
                    checkpoints,
                    MAX_ENTRY_COPIES
                ),
            )];
        }
        // Every message on its way is kept (and copied into each checkpoint): bound how
        // many a delay can hold at once, at most one write per request.
        let in_flight =
            self.pubsub_us as u64 * self.instances.saturating_sub(1) as u64 / self.gap_us();
        if in_flight > MAX_MESSAGES_IN_FLIGHT {
            return vec![ParamError::new(
                "pubsub",
                format!(
                    "a {} µs delay at {} requests per second could keep {} invalidation messages on their way at once; use a shorter delay, a lower rate or fewer instances (at most {})",
                    self.pubsub_us, self.rate, in_flight, MAX_MESSAGES_IN_FLIGHT
                ),
            )];
        }
        Vec::new()
    }

    /// Microseconds between requests.
    pub fn gap_us(&self) -> u64 {
        (1_000_000 / self.rate.max(1) as u64).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn fields_round_trip_and_too_many_copies_are_refused_by_name() {
        let mut p = CacheParams::default();
        for (f, v) in [
            ("write", "write-behind"),
            ("l1sync", "local"),
            ("coalesce", "on"),
            ("fill", "plain"),
            ("skew", "1.5"),
            (PITFALL_L1_ANSWERS, "on"),
        ] {
            p.set(f, v).unwrap();
        }
        let mut q = CacheParams::default();
        for s in CacheParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_L1_ANSWERS, "on").unwrap();
        assert_eq!(p, q);
        p.set("requests", "1000000").unwrap();
        let e = p.set("l2", "20000").unwrap_err();
        assert!(e.message.contains("copies of the caches"), "{}", e.message);
        assert_eq!(p.l2, 1_000, "refused: unchanged");
        assert!(p.set("writes", "1.5").is_err());
        assert!(p.set("l1sync", "sometimes").is_err());
        assert!(p.set("fill", "maybe").is_err());
        let mut q = CacheParams::default();
        q.set("pubsub", "5000").unwrap();
        q.set("rate", "100000").unwrap();
        let e = q.set("pubsub", "1000000").unwrap_err();
        assert!(e.message.contains("invalidation messages"), "{}", e.message);
        assert!(
            CacheParams::default().guarded_fill,
            "the corrected pattern by default"
        );
    }
}
