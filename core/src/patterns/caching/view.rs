//! What the /caching page draws: each instance's L1, L2, the database, hit rates per level,
//! the latency distribution, the last request's path, and its story.

use crate::format::{count, percent};

use super::feed::{Origin, HOT_KEY};
use super::params::WriteMode;
use super::scenario::{Caching, Last, Served, Stats, BUCKETS_US, L1_US, STAMPEDE_READERS};

#[derive(Clone, Debug, PartialEq)]
pub struct InstanceView {
    pub l1_len: usize,
    pub l1_capacity: u32,
    /// The last request went through this instance.
    pub active: bool,
    /// Its L1 holds an older version of the hot key than the newest write.
    pub stale_hot: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CacheView {
    pub step: u64,
    pub total: u64,
    pub now_us: u64,
    pub instances: Vec<InstanceView>,
    pub l2_len: usize,
    pub l2_capacity: u32,
    pub l2_up: bool,
    pub in_flight: usize,
    pub pending_writes: usize,
    pub stats: Stats,
    pub buckets: [u64; 12],
    pub last: Last,
}

impl CacheView {
    pub fn of(s: &Caching) -> CacheView {
        let active = match s.last() {
            Last::Read { req, .. } | Last::Write { req, .. } => Some(req.instance as usize),
            _ => None,
        };
        let (_, newest_hot) = s.versions(HOT_KEY);
        CacheView {
            step: s.served(),
            total: s.params().requests,
            now_us: s.now_us(),
            instances: s
                .l1()
                .iter()
                .enumerate()
                .map(|(i, c)| InstanceView {
                    l1_len: c.len(),
                    l1_capacity: c.capacity(),
                    active: active == Some(i),
                    stale_hot: c.peek(HOT_KEY).is_some_and(|(v, _)| v < newest_hot),
                })
                .collect(),
            l2_len: s.l2().len(),
            l2_capacity: s.l2().capacity(),
            l2_up: s.l2_up(),
            in_flight: s.in_flight(),
            pending_writes: s.pending_writes(),
            stats: *s.stats(),
            buckets: *s.buckets(),
            last: s.last().clone(),
        }
    }

    /// Share of reads answered by L1, by L2, and by the database.
    pub fn rates(&self) -> (f64, f64, f64) {
        let r = self.stats.reads.max(1) as f64;
        let (a, b) = (self.stats.l1_hits as f64 / r, self.stats.l2_hits as f64 / r);
        if self.stats.reads == 0 {
            (0.0, 0.0, 0.0)
        } else {
            (a, b, (1.0 - a - b).max(0.0))
        }
    }

    /// The latency (µs) at or below which a share `q` of reads completed, as a bucket bound.
    pub fn percentile_us(&self, q: f64) -> Option<u64> {
        percentile(&self.buckets, q)
    }
}

/// The bucket bound at or below which a share `q` of the counted latencies fall.
pub fn percentile(buckets: &[u64], q: f64) -> Option<u64> {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return None;
    }
    let want = ((total as f64 * q).ceil() as u64).max(1);
    let mut acc = 0;
    for (i, n) in buckets.iter().enumerate() {
        acc += n;
        if acc >= want {
            return BUCKETS_US.get(i).copied();
        }
    }
    None
}

/// A latency as text: `2 µs` under a millisecond, else `20.40 ms`.
pub fn latency_text(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else {
        format!("{:.2} ms", us as f64 / 1_000.0)
    }
}

/// A latency bound as text: `≤ 1.1 ms`, `> 1 s`.
pub fn bound_text(us: u64) -> String {
    if us == u64::MAX {
        "> 1 s".into()
    } else if us < 1_000 {
        format!("≤ {us} µs")
    } else {
        format!("≤ {} ms", us as f64 / 1_000.0)
    }
}

/// One sentence for the last step or fault (and, after it, an outdated database answer
/// that landed just before).
pub fn narrate(s: &Caching) -> String {
    let step = narrate_last(s);
    match (s.last(), s.outdated_fill()) {
        (Last::Read { .. } | Last::Write { .. }, Some(f)) => format!(
            "{step} {}",
            if f.refused {
                format!(
                    "Just before, a database read of key {} that started before version {} was written returned version {}; the guard refused to cache it.",
                    f.key, f.newest, f.version
                )
            } else {
                format!(
                    "Just before, a database read of key {} that started before version {} was written returned version {} and put it in the caches (a plain fill).",
                    f.key, f.newest, f.version
                )
            }
        ),
        _ => step,
    }
}

fn narrate_last(s: &Caching) -> String {
    let p = s.params();
    match s.last() {
        Last::Start => format!(
            "{} app instances, each with an L1 of {} entries; a shared L2 of {}; a database answering in {} ms. Writes {}; a read that missed {}.",
            p.instances,
            p.l1,
            p.l2,
            p.db_ms,
            match p.write {
                WriteMode::Invalidate => "delete the cached copies",
                WriteMode::WriteThrough => "store the new value in the caches",
                WriteMode::WriteBehind => "go to the caches now and to the database later",
            },
            if p.guarded_fill {
                "fills the caches only if no newer version was recorded meanwhile"
            } else {
                "fills the caches with whatever it got"
            }
        ),
        Last::Read {
            req,
            rec,
            db_readers,
        } => {
            let whence = match rec.served {
                Served::L1 => "an L1 hit".to_string(),
                Served::MadeUp => "the note's L1: it made the profile up without asking L2 or the database".to_string(),
                Served::L2 => "an L1 miss, an L2 hit (copied into L1)".to_string(),
                Served::Db if *db_readers >= STAMPEDE_READERS => format!(
                    "missed both caches and read the database — {db_readers} reads of this key are in flight at once: a stampede (many concurrent misses of one key)"
                ),
                Served::Db if *db_readers > 1 => format!(
                    "missed both caches and read the database — {db_readers} reads of this key are in flight at once (overlapping misses; a stampede is many)"
                ),
                Served::Db if !s.l2_up() => format!(
                    "missed L1; L2 is down, so the call failed after the client's {} ms time-out and it read the database (only L1 is filled when it answers)",
                    p.l2_timeout_ms
                ),
                Served::Db => "missed both caches and read the database (both are filled when it answers)".to_string(),
                Served::Coalesced => "missed both caches and waited for the database read already in flight (coalesced)".to_string(),
            };
            let verdict = if rec.stale() {
                format!(
                    " STALE: it returned version {} but version {} was already written.",
                    rec.version, rec.newest
                )
            } else {
                String::new()
            };
            format!(
                "Instance {} read key {}{}: {whence}, {}.{verdict}",
                req.instance,
                req.key,
                if req.origin == Origin::Burst { " (burst)" } else { "" },
                latency_text(rec.latency_us as u64)
            )
        }
        Last::Write {
            req,
            version,
            l2_missed,
            stale_l1,
            paused,
            late,
            overtaken,
            lost_to,
        } => {
            if *paused {
                return format!(
                    "Instance {} updated key {} to version {version}: {}, then stalled before its cache step (a pause, a slow network); another writer comes next.",
                    req.instance,
                    req.key,
                    match p.write {
                        WriteMode::WriteBehind => "it queued the database write",
                        _ => "it committed to the database",
                    }
                );
            }
            let how = match p.write {
                WriteMode::Invalidate => "wrote the database and deleted the cached copies",
                WriteMode::WriteThrough => "wrote the database and stored the new value in L2 and its L1",
                WriteMode::WriteBehind => "stored the new value in L2 and its L1; the database gets it later",
            };
            let mut out = format!(
                "Instance {} updated key {} to version {version}: {how}.",
                req.instance, req.key
            );
            if *l2_missed {
                out.push_str(" L2 was down, so its copy was left as it was.");
            }
            if *overtaken > 0 {
                out.push_str(&format!(
                    " {} database read(s) of this key that started before this write are still in flight: {}.",
                    overtaken,
                    if p.guarded_fill {
                        "the guard will refuse to cache their older answer"
                    } else {
                        "their plain fill will put the older value back in the caches"
                    }
                ));
            }
            if let Some(l) = late {
                if p.write == WriteMode::Invalidate {
                    out.push_str(&format!(
                        " Then instance {}'s stalled delete for version {} landed: deleting twice leaves nothing behind, so the order does not matter.",
                        l.instance, l.version
                    ));
                } else if l.left_stale {
                    out.push_str(&format!(
                        " Then instance {}'s stalled cache step landed and stored version {} over it: L2 now holds a value older than the database's, and serves it {}.",
                        l.instance,
                        l.version,
                        if p.l2_ttl_ms == 0 {
                            "until it is evicted or written again (there is no TTL)".to_string()
                        } else {
                            format!("until its TTL ({} s) runs out or the key is written again", p.l2_ttl_ms as f64 / 1_000.0)
                        }
                    ));
                } else {
                    out.push_str(&format!(
                        " Then instance {}'s stalled cache step for version {} landed.",
                        l.instance, l.version
                    ));
                }
            }
            let ids = |v: &[u32]| {
                v.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let l1_until = if p.l1_ttl_ms == 0 {
                "until evicted (there is no L1 TTL)".to_string()
            } else {
                format!("until its L1 TTL ({} s) runs out", p.l1_ttl_ms as f64 / 1_000.0)
            };
            if !stale_l1.is_empty() {
                if p.l1_local {
                    out.push_str(&format!(
                        " Only the local L1 was told: instance(s) {} still hold an older version.",
                        ids(stale_l1)
                    ));
                } else if *l2_missed {
                    out.push_str(&format!(
                        " The invalidation message goes through the same Redis, so it was not sent either: instance(s) {} keep an older version in L1, {l1_until}.",
                        ids(stale_l1)
                    ));
                } else {
                    let lost: Vec<u32> = stale_l1.iter().copied().filter(|i| lost_to.contains(i)).collect();
                    let pending: Vec<u32> = stale_l1.iter().copied().filter(|i| !lost_to.contains(i)).collect();
                    if !lost.is_empty() {
                        out.push_str(&format!(
                            " Instance(s) {} have no Pub/Sub connection: the message is lost for them (Pub/Sub delivers at most once and keeps no backlog), and their old L1 copy stays {l1_until}.",
                            ids(&lost)
                        ));
                    }
                    if !pending.is_empty() {
                        out.push_str(&format!(
                            " The invalidation message to instance(s) {} is on its way ({} µs): until it lands they serve their old L1 copy.",
                            ids(&pending),
                            p.pubsub_us
                        ));
                    }
                }
            }
            out
        }
        Last::Outage => format!(
            "L2 is unreachable for the next two seconds: each call to it fails only after the client's {} ms time-out; reads then go to the database, and writes can neither touch L2's copies nor publish invalidations.",
            p.l2_timeout_ms
        ),
        Last::Unsubscribed { instance } => format!(
            "Instance {instance} loses its Pub/Sub connection for two seconds: invalidation messages published meanwhile never reach it (at most once, no backlog). Next, instance 0 updates the hot key."
        ),
        Last::HotExpiry { burst } => format!(
            "Key {HOT_KEY} expired from every cache just as {} requests for it arrive, 0.1 ms apart{}.",
            count(*burst),
            if p.coalesce { " (requests are coalesced)" } else { "" }
        ),
        Last::Interleave => "Two writers are about to update the hot key: instance 0 commits first but stalls before its cache step; instance 1 commits next and updates the caches at once.".into(),
        Last::WriteOne => "Instance 0 is about to update the hot key; the requests after it read the key on the other instances.".into(),
    }
}

/// The run's numbers in a sentence.
pub fn summary(v: &CacheView) -> String {
    let (l1, l2, db) = v.rates();
    format!(
        "{} reads: {} from L1, {} from L2, {} from the database ({} database reads, {} coalesced); {} stale; mean latency {:.2} ms.",
        count(v.stats.reads),
        percent(l1),
        percent(l2),
        percent(db),
        count(v.stats.db_reads),
        count(v.stats.coalesced),
        count(v.stats.stale),
        if v.stats.reads + v.stats.writes == 0 {
            L1_US as f64 / 1_000.0
        } else {
            v.stats.latency_sum_us as f64 / (v.stats.reads + v.stats.writes) as f64 / 1_000.0
        }
    )
}

/// Up to `n` reads from `start`, newest first: request, instance? key, version, newest,
/// from, latency, verdict.
pub fn read_rows(s: &Caching, start: usize, n: usize) -> Vec<Vec<String>> {
    let len = s.reads_log().len();
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| s.reads_log().get(len - 1 - i))
        .map(|r| {
            vec![
                (r.index as u64 + 1).to_string(),
                r.key.to_string(),
                r.version.to_string(),
                r.newest.to_string(),
                r.served.label().to_string(),
                latency_text(r.latency_us as u64),
                if r.stale() {
                    "stale".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}

/// An instance's L1 (or L2 for `None`), most recently used first: key, version, expires.
pub fn cache_rows(s: &Caching, which: Option<usize>, start: usize, n: usize) -> Vec<Vec<String>> {
    let cache = match which {
        Some(i) => s.l1().get(i),
        None => Some(s.l2()),
    };
    let now_ms = (s.now_us() / 1_000) as u32;
    cache
        .map(|c| c.entries())
        .unwrap_or_default()
        .into_iter()
        .skip(start)
        .take(n)
        .map(|(key, version, expires)| {
            let newest = s.versions(key).1;
            vec![
                key.to_string(),
                version.to_string(),
                if expires == u32::MAX {
                    "never".into()
                } else {
                    format!(
                        "in {:.1} s",
                        expires.saturating_sub(now_ms) as f64 / 1_000.0
                    )
                },
                if version < newest {
                    format!("stale (newest {newest})")
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}
