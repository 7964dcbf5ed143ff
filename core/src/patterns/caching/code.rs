//! The code panel: a multi-level cache in Python (cachetools for L1, redis-py for L2) for
//! the current settings, with the lines the last request ran highlighted. Written for
//! pipelab: L1 is checked, then L2, then the database, filling each on the way back.

use crate::sim::code::CodeView;

use super::params::{CacheParams, WriteMode};
use super::scenario::{Caching, Last, Served};

const NOTE: &str = "The note puts @lru_cache on a function that builds the profile itself, so the L1 lookup can never miss: L2 and the database are never asked and no write is ever seen. It also clears the whole L1 (cache_clear) on an L2 hit, calls a cache_set that functools' lru_cache does not have, deserialises Redis values with eval, and its invalidation clears only the local instance's L1.";

/// A duration in seconds as Python writes it (`5.0`, `0.1`).
fn seconds(ms: u32) -> String {
    format!("{:?}", ms as f64 / 1_000.0)
}

fn listing(p: &CacheParams) -> Vec<(&'static str, String)> {
    let mut l: Vec<(&'static str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| l.push((tag, text.to_string()));
    let broadcast = !p.l1_local;
    let guarded = p.guarded_fill;
    add("", "import json, redis");
    add("", "from cachetools import TTLCache");
    add("", "");
    // The latency figures the page uses, with their sources (see scenario.rs).
    add(
        "",
        "# L1, in this process: a hit is a lookup in memory, a few µs in CPython",
    );
    add(
        "",
        &format!(
            "l1 = TTLCache(maxsize={}, ttl={})",
            p.l1,
            if p.l1_ttl_ms == 0 {
                "float('inf')".to_string()
            } else {
                seconds(p.l1_ttl_ms)
            }
        ),
    );
    add(
        "",
        "# L2, shared: a round trip is ~0.2 ms on a 1 Gbit/s network (Redis's latency",
    );
    add(
        "",
        "# guide); if Redis is unreachable, a call fails only after these time-outs",
    );
    add(
        "",
        &format!(
            "r = redis.Redis.from_url(REDIS_URL, socket_connect_timeout={t}, socket_timeout={t})",
            t = seconds(p.l2_timeout_ms)
        ),
    );
    add(
        "",
        &format!(
            "L2_TTL_MS = {}",
            if p.l2_ttl_ms == 0 {
                "None".to_string()
            } else {
                p.l2_ttl_ms.to_string()
            }
        ),
    );
    if guarded {
        add("", "");
        add(
            "",
            "# Writers record each version they commit; a fill older than it is refused",
        );
        add(
            "",
            "# (with any write strategy; Memcache's leases do this for deletes)",
        );
        add("", "record_version = r.register_script(");
        add(
            "",
            "    \"if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then \"",
        );
        add("", "    \"redis.call('SET', KEYS[1], ARGV[1]) end\")");
        add("", "fill_if_newest = r.register_script(");
        add(
            "",
            "    \"if tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[2]) then return 0 end \"",
        );
        add(
            "",
            "    \"if ARGV[3] == '0' then redis.call('SET', KEYS[1], ARGV[1]) \"",
        );
        add(
            "",
            "    \"else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end return 1\")",
        );
    }
    if broadcast {
        add("", "");
        add(
            "",
            "# Every instance listens. Pub/Sub is asynchronous and at most once: a message",
        );
        add(
            "",
            "# published while this instance is disconnected never arrives, and its L1",
        );
        add("", "# copy then lives until the L1 TTL (the backstop)");
        add("", "def on_invalidate(message):");
        add("", "    sender, user_id = json.loads(message[\"data\"])");
        add("", "    if sender != INSTANCE_ID:");
        add("", "        l1.pop(user_id, None)");
        add("", "");
        add("", "listener = r.pubsub(ignore_subscribe_messages=True)");
        add("", "listener.subscribe(invalidate=on_invalidate)");
        add("", "listener.run_in_thread(sleep_time=0.05, daemon=True)");
    }
    add("", "");
    add("read", "def get_profile(user_id: int) -> dict:");
    add("l1", "    if (hit := l1.get(user_id)) is not None:");
    add(
        "l1",
        "        return hit                           # L1 hit",
    );
    add("l2", "    try:");
    add("l2", "        raw = r.get(f\"profile:{user_id}\")");
    add(
        "l2",
        "    except redis.RedisError:                 # L2 down: after the time-out,",
    );
    add(
        "l2",
        "        l1[user_id] = value = db.fetch_profile(user_id)   # the database, L1 only",
    );
    add("l2", "        return value");
    add("l2", "    if raw is not None:");
    add("l2", "        l1[user_id] = value = json.loads(raw)");
    add(
        "l2",
        "        return value                         # L2 hit, L1 filled",
    );
    if p.coalesce {
        add(
            "coalesce",
            "    if not r.set(f\"lock:{user_id}\", 1, nx=True, px=DB_TIMEOUT_MS):",
        );
        add(
            "coalesce",
            "        return wait_for_fill(user_id)        # another request reads it: poll L2",
        );
    }
    add(
        "db",
        "    value = db.fetch_profile(user_id)        # the database: {..., \"version\": n}",
    );
    add("db", "    try:");
    if guarded {
        add(
            "db",
            "        if not fill_if_newest(keys=[f\"profile:{user_id}\", f\"version:{user_id}\"],",
        );
        add(
            "db",
            "                              args=[json.dumps(value), value[\"version\"], L2_TTL_MS or 0]):",
        );
        add(
            "db",
            "            return value                     # overtaken by a write: not cached",
        );
    } else {
        add(
            "db",
            "        r.set(f\"profile:{user_id}\", json.dumps(value), px=L2_TTL_MS)",
        );
    }
    add("db", "    except redis.RedisError:");
    add(
        "db",
        "        pass                                 # L2 went down meanwhile: L1 only",
    );
    add("db", "    l1[user_id] = value");
    add("db", "    return value");
    add("", "");
    add(
        "write",
        "def update_profile(user_id: int, value: dict) -> None:",
    );
    let publish = "            p.publish(\"invalidate\", json.dumps([INSTANCE_ID, user_id]))";
    match p.write {
        WriteMode::Invalidate | WriteMode::WriteThrough => {
            add(
                "write",
                "    version = db.save_profile(user_id, value)   # commits; the row's new version",
            );
            if p.write == WriteMode::WriteThrough {
                add("write", "    saved = {**value, \"version\": version}");
            }
            add("write", "    try:");
            add(
                "write",
                "        with r.pipeline() as p:              # one round trip, one transaction",
            );
            if guarded {
                add(
                    "write",
                    "            record_version(keys=[f\"version:{user_id}\"], args=[version], client=p)",
                );
            }
            if p.write == WriteMode::Invalidate {
                add("write", "            p.delete(f\"profile:{user_id}\")");
            } else {
                add(
                    "write",
                    "            p.set(f\"profile:{user_id}\", json.dumps(saved), px=L2_TTL_MS)",
                );
            }
            if broadcast {
                add("write", publish);
            }
            add("write", "            p.execute()");
            add("write", "    except redis.RedisError:");
            add(
                "write",
                "        pass                                 # L2 down: its copy stays until its TTL",
            );
            if p.write == WriteMode::Invalidate {
                add("write", "    l1.pop(user_id, None)");
            } else {
                add("write", "    l1[user_id] = saved");
            }
        }
        WriteMode::WriteBehind => {
            add("write", "    try:");
            add(
                "write",
                "        version = r.incr(f\"version:{user_id}\")   # the version, from L2",
            );
            add("write", "        saved = {**value, \"version\": version}");
            add("write", "        with r.pipeline() as p:");
            add(
                "write",
                "            p.set(f\"profile:{user_id}\", json.dumps(saved), px=L2_TTL_MS)",
            );
            if broadcast {
                add("write", publish);
            }
            add("write", "            p.execute()");
            add(
                "write",
                "    except redis.RedisError:                 # L2 down: write the database now",
            );
            add("write", "        db.save_profile(user_id, value)");
            add("write", "        l1.pop(user_id, None)");
            add("write", "        return");
            add("write", "    l1[user_id] = saved");
            add(
                "write",
                &format!(
                    "    write_queue.put((user_id, saved))        # saved to the database in ~{} ms",
                    p.behind_ms
                ),
            );
        }
    }
    if !broadcast {
        add(
            "write",
            "    # other instances keep their L1 copy until it expires (the note)",
        );
    }
    l
}

pub fn code_view(s: &Caching) -> CodeView {
    let p = s.params();
    let active: &[&str] = match s.last() {
        Last::Read { rec, .. } => match rec.served {
            Served::L1 | Served::MadeUp => &["read", "l1"],
            Served::L2 => &["read", "l1", "l2"],
            Served::Coalesced => &["read", "l1", "l2", "coalesce"],
            Served::Db => &["read", "l1", "l2", "coalesce", "db"],
        },
        Last::Write { .. } => &["write"],
        _ => &[],
    };
    if p.l1_answers {
        let lines: Vec<(&str, String)> = vec![
            ("", "from functools import lru_cache".into()),
            ("", "".into()),
            ("", "@lru_cache(maxsize=1000)   # the note's L1".into()),
            ("read", "def l1_get_user_profile(user_id):".into()),
            (
                "l1",
                "    # builds the profile itself: the cache can never miss,".into(),
            ),
            (
                "l1",
                "    # so L2 and the database below are never reached".into(),
            ),
            (
                "l1",
                "    return {'user_id': user_id, 'name': f'User {user_id}'}".into(),
            ),
            ("", "".into()),
            ("", "def get_user_profile(user_id):".into()),
            ("l1", "    profile = l1_get_user_profile(user_id)".into()),
            ("l1", "    if profile:".into()),
            ("l1", "        return profile".into()),
            ("", "    ...  # L2 and the database: dead code".into()),
        ];
        return CodeView::tagged("python", "Python: the note's L1", lines, active, Some(NOTE));
    }
    CodeView::tagged(
        "python",
        "Python: cachetools L1, Redis L2, the database",
        listing(p),
        active,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_listing_follows_the_settings_and_the_request() {
        let mut s = Caching::new(&CacheParams::default(), 1).unwrap();
        s.step();
        while !matches!(s.last(), Last::Read { .. }) {
            s.step();
        }
        let c = code_view(&s);
        assert!(c.lines.iter().any(|l| l.contains("p.delete")));
        assert!(c.lines.iter().any(|l| l.contains("p.publish")));
        assert!(c.lines.iter().any(|l| l.contains("fill_if_newest(")));
        let lit: Vec<&str> = c.active.iter().map(|&i| c.lines[i].as_str()).collect();
        // The first read cannot hit a cache: it reads the database.
        assert!(
            lit.iter().any(|l| l.contains("db.fetch_profile")),
            "{lit:?}"
        );
        assert!(lit.iter().any(|l| l.contains("l1.get")));
        let wt = CacheParams {
            write: WriteMode::WriteThrough,
            coalesce: true,
            l1_local: true,
            ..CacheParams::default()
        };
        let c = code_view(&Caching::new(&wt, 1).unwrap());
        assert!(c.lines.iter().any(|l| l.contains("fill_if_newest(")));
        assert!(c.lines.iter().any(|l| l.contains("nx=True")));
        assert!(!c.lines.iter().any(|l| l.contains("publish")));
        // Issue 22: the guard is a setting of its own, not write-through's.
        let plain_wt = CacheParams {
            write: WriteMode::WriteThrough,
            guarded_fill: false,
            ..CacheParams::default()
        };
        let c = code_view(&Caching::new(&plain_wt, 1).unwrap());
        assert!(!c.lines.iter().any(|l| l.contains("fill_if_newest")));
        assert!(c
            .lines
            .iter()
            .any(|l| l.contains("r.set(f\"profile:{user_id}\"")));
        let note = CacheParams {
            l1_answers: true,
            ..CacheParams::default()
        };
        let c = code_view(&Caching::new(&note, 1).unwrap());
        assert!(c.note.is_some());
        assert!(c.lines.iter().any(|l| l.contains("@lru_cache")));
    }
}
