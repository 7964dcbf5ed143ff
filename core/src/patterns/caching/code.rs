//! The code panel: a multi-level cache in Python (cachetools for L1, redis-py for L2) for
//! the current settings, with the lines the last request ran highlighted. Written for
//! pipelab: L1 is checked, then L2, then the database, filling each on the way back.

use crate::sim::code::CodeView;

use super::params::{CacheParams, WriteMode};
use super::scenario::{Caching, Last, Served};

const NOTE: &str = "The note puts @lru_cache on a function that builds the profile itself, so the L1 lookup can never miss: L2 and the database are never asked and no write is ever seen. It also clears the whole L1 (cache_clear) on an L2 hit, calls a cache_set that functools' lru_cache does not have, deserialises Redis values with eval, and its invalidation clears only the local instance's L1.";

fn listing(p: &CacheParams) -> Vec<(&'static str, String)> {
    let mut l: Vec<(&'static str, String)> = Vec::new();
    let mut add = |tag: &'static str, text: &str| l.push((tag, text.to_string()));
    add("", "import json, redis");
    add("", "from cachetools import TTLCache");
    add("", "");
    add(
        "",
        &format!(
            "l1 = TTLCache(maxsize={}, ttl={})        # per instance, LRU + TTL",
            p.l1,
            if p.l1_ttl_ms == 0 {
                "float('inf')".to_string()
            } else {
                format!("{}", p.l1_ttl_ms as f64 / 1_000.0)
            }
        ),
    );
    add("", "r = redis.Redis()                          # shared L2");
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
    add("", "");
    add("read", "def get_profile(user_id: int) -> dict:");
    add("l1", "    if (hit := l1.get(user_id)) is not None:");
    add(
        "l1",
        "        return hit                           # L1 hit",
    );
    add("l2", "    raw = r.get(f\"profile:{user_id}\")");
    add("l2", "    if raw is not None:");
    add("l2", "        l1[user_id] = value = json.loads(raw)");
    add(
        "l2",
        "        return value                         # L2 hit, L1 filled",
    );
    if p.coalesce {
        add(
            "coalesce",
            "    lock = r.set(f\"lock:{user_id}\", 1, nx=True, px=DB_TIMEOUT_MS)",
        );
        add(
            "coalesce",
            "    if not lock:                             # someone else is reading it",
        );
        add(
            "coalesce",
            "        return wait_for_fill(user_id)        # poll L2 until it appears",
        );
    }
    add(
        "db",
        "    value = db.fetch_profile(user_id)        # the database",
    );
    if p.write == WriteMode::Invalidate {
        add(
            "db",
            "    r.set(f\"profile:{user_id}\", json.dumps(value), px=L2_TTL_MS)",
        );
    } else {
        add(
            "db",
            "    # only if no write stored a newer version meanwhile (compare versions)",
        );
        add(
            "db",
            "    set_if_newer(r, f\"profile:{user_id}\", value, px=L2_TTL_MS)",
        );
    }
    add("db", "    l1[user_id] = value");
    add("db", "    return value");
    add("", "");
    add(
        "write",
        "def update_profile(user_id: int, value: dict) -> None:",
    );
    match p.write {
        WriteMode::Invalidate => {
            add("write", "    db.save_profile(user_id, value)");
            add("write", "    r.delete(f\"profile:{user_id}\")");
            add("write", "    l1.pop(user_id, None)");
        }
        WriteMode::WriteThrough => {
            add("write", "    db.save_profile(user_id, value)");
            add(
                "write",
                "    r.set(f\"profile:{user_id}\", json.dumps(value), px=L2_TTL_MS)",
            );
            add("write", "    l1[user_id] = value");
        }
        WriteMode::WriteBehind => {
            add(
                "write",
                "    r.set(f\"profile:{user_id}\", json.dumps(value), px=L2_TTL_MS)",
            );
            add("write", "    l1[user_id] = value");
            add(
                "write",
                &format!(
                    "    write_queue.put((user_id, value))         # saved to the database in ~{} ms",
                    p.behind_ms
                ),
            );
        }
    }
    if p.l1_local {
        add(
            "write",
            "    # other instances keep their L1 copy until it expires (the note)",
        );
    } else {
        add(
            "write",
            "    r.publish(\"invalidate\", user_id)          # every instance drops its L1 copy",
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
        assert!(c.lines.iter().any(|l| l.contains("r.delete")));
        assert!(c.lines.iter().any(|l| l.contains("r.publish")));
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
        assert!(c.lines.iter().any(|l| l.contains("set_if_newer")));
        assert!(c.lines.iter().any(|l| l.contains("nx=True")));
        assert!(!c.lines.iter().any(|l| l.contains("r.publish")));
        let note = CacheParams {
            l1_answers: true,
            ..CacheParams::default()
        };
        let c = code_view(&Caching::new(&note, 1).unwrap());
        assert!(c.note.is_some());
        assert!(c.lines.iter().any(|l| l.contains("@lru_cache")));
    }
}
