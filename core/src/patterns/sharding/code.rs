//! The code panel: the real-world equivalent of the current configuration, with the lines
//! the current step exercises highlighted. Written for pipelab, not taken from the note.

use crate::sim::code::CodeView;

use super::router::Scheme;
use super::scenario::{Last, Sharding};

// Each line carries a tag saying which kind of step exercises it.
const MOD_N: &[(&str, &str)] = &[
    ("", "import hashlib"),
    ("", ""),
    ("", "class ModNRouter:"),
    (
        "",
        "    \"\"\"hash(key) % N. Simple, but NOT consistent hashing.\"\"\"",
    ),
    ("start", "    def __init__(self, shards):"),
    ("start", "        self.shards = list(shards)"),
    ("", ""),
    ("route", "    def shard_for(self, user_id: int):"),
    (
        "route",
        "        digest = hashlib.md5(str(user_id).encode()).digest()",
    ),
    ("route", "        h = int.from_bytes(digest[:8], 'little')"),
    ("route", "        return self.shards[h % len(self.shards)]"),
    ("", ""),
    ("change", "    def add_shard(self, shard):"),
    (
        "change",
        "        # N changes, so h % N changes for most keys:",
    ),
    (
        "change",
        "        # about N/(N+1) of all keys must be copied elsewhere.",
    ),
    ("change", "        self.shards.append(shard)"),
];

const RING: &[(&str, &str)] = &[
    ("", "import bisect, hashlib"),
    ("", ""),
    ("", "def h64(text: str) -> int:"),
    (
        "",
        "    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], 'little')",
    ),
    ("", ""),
    ("", "class HashRing:"),
    ("start", "    def __init__(self, shards, vnodes=100):"),
    ("start", "        self.vnodes = vnodes"),
    (
        "start",
        "        self.points = []  # sorted (position, shard)",
    ),
    ("start", "        for s in shards:"),
    ("start", "            self.add_shard(s)"),
    ("", ""),
    ("route", "    def shard_for(self, user_id: int):"),
    ("route", "        pos = h64(str(user_id))"),
    (
        "route",
        "        i = bisect.bisect_left(self.points, (pos, ''))",
    ),
    (
        "route",
        "        return self.points[i % len(self.points)][1]  # wrap around",
    ),
    ("", ""),
    ("change", "    def add_shard(self, shard):"),
    (
        "change",
        "        # Only keys between a new point and its predecessor move,",
    ),
    (
        "change",
        "        # all of them to the new shard: about 1/(N+1) of keys.",
    ),
    ("change", "        for v in range(self.vnodes):"),
    (
        "change",
        "            bisect.insort(self.points, (h64(f'{shard}#{v}'), shard))",
    ),
    ("", ""),
    ("change", "    def remove_shard(self, shard):"),
    (
        "change",
        "        self.points = [p for p in self.points if p[1] != shard]",
    ),
];

const RENDEZVOUS: &[(&str, &str)] = &[
    ("", "import hashlib"),
    ("", ""),
    ("", "def score(user_id: int, shard: int) -> int:"),
    ("", "    data = f'{user_id}:{shard}'.encode()"),
    (
        "",
        "    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), 'little')",
    ),
    ("", ""),
    ("", "class RendezvousRouter:"),
    ("start", "    def __init__(self, shards):"),
    ("start", "        self.shards = set(shards)"),
    ("", ""),
    ("route", "    def shard_for(self, user_id: int):"),
    (
        "route",
        "        # every shard bids for the key; the highest score wins",
    ),
    (
        "route",
        "        return max(self.shards, key=lambda s: (score(user_id, s), s))",
    ),
    ("", ""),
    ("change", "    def add_shard(self, shard):"),
    (
        "change",
        "        # a key moves only if the newcomer outbids its shard: ~1/(N+1)",
    ),
    ("change", "        self.shards.add(shard)"),
    ("", ""),
    ("change", "    def remove_shard(self, shard):"),
    (
        "change",
        "        # only that shard's keys move, each to its runner-up",
    ),
    ("change", "        self.shards.discard(shard)"),
];

const JUMP: &[(&str, &str)] = &[
    ("", "import hashlib"),
    ("", ""),
    ("", "def h64(user_id: int) -> int:"),
    (
        "",
        "    return int.from_bytes(hashlib.md5(str(user_id).encode()).digest()[:8], 'little')",
    ),
    ("", ""),
    ("", "def jump_hash(key: int, buckets: int) -> int:"),
    ("route", "    b, j = -1, 0"),
    ("route", "    while j < buckets:"),
    ("route", "        b = j"),
    (
        "route",
        "        key = (key * 2862933555777941757 + 1) % 2**64",
    ),
    (
        "route",
        "        j = (b + 1) * (1 << 31) // ((key >> 33) + 1)",
    ),
    ("route", "    return b"),
    ("", ""),
    ("", "class JumpRouter:"),
    ("start", "    def __init__(self, shards: int):"),
    (
        "start",
        "        self.n = shards  # shards are numbered buckets 0..n-1",
    ),
    ("", ""),
    ("route", "    def shard_for(self, user_id: int):"),
    ("route", "        return jump_hash(h64(user_id), self.n)"),
    ("", ""),
    ("change", "    def add_shard(self):"),
    (
        "change",
        "        self.n += 1  # only keys whose new bucket is n-1 move",
    ),
    ("", ""),
    ("change", "    def remove_last_shard(self):"),
    (
        "change",
        "        # only the last bucket can go cheaply; dropping bucket i",
    ),
    (
        "change",
        "        # would renumber i+1.. and move their keys as well",
    ),
    ("change", "        self.n -= 1"),
];

const NOTE_MOD_N: &str = "The reference note's ShardManager calls this “consistent hash sharding”, but md5(key) % len(shards) is mod-N: adding a 5th shard re-homes about 80% of keys. The ring on the right-hand scheme is what the name promises.";

/// The code panel for the current state.
pub fn code_view(s: &Sharding) -> CodeView {
    let (lines, title, note) = match s.router().scheme() {
        Scheme::ModN => (MOD_N, "Python: routing by hash mod N", Some(NOTE_MOD_N)),
        Scheme::Ring => (
            RING,
            "Python: a consistent-hash ring with virtual nodes",
            None,
        ),
        Scheme::Rendezvous => (
            RENDEZVOUS,
            "Python: rendezvous (highest random weight) hashing",
            None,
        ),
        Scheme::Jump => (JUMP, "Python: jump consistent hash", None),
    };
    let tag = match s.last() {
        Last::Start => "start",
        Last::Routed(_) => "route",
        Last::Changed(_) => "change",
    };
    CodeView::tagged("python", title, lines.to_vec(), &[tag], note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::sharding::ShardingParams;
    use crate::sim::{Fault, Params, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(scheme: &str, steps: u64) -> Sharding {
        let mut p = ShardingParams::default();
        p.set("scheme", scheme).unwrap();
        let mut s = Sharding::new(&p, 42).unwrap();
        for _ in 0..steps {
            s.step();
        }
        s
    }

    #[test]
    fn each_scheme_has_its_own_listing_and_only_mod_n_carries_the_notes_mistake() {
        let mut titles = Vec::new();
        for scheme in ["modn", "ring", "rendezvous", "jump"] {
            let v = code_view(&run(scheme, 3));
            assert_eq!(v.note.is_some(), scheme == "modn", "{scheme}");
            titles.push(v.title);
            // A routed order lights the routing lines, which are real code.
            assert!(!v.active.is_empty(), "{scheme}");
            assert!(v.active.iter().all(|&i| !v.lines[i].trim().is_empty()));
        }
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), 4);
    }

    #[test]
    fn adding_a_shard_lights_the_change_lines() {
        let mut s = run("ring", 5);
        let routed = code_view(&s).active;
        s.apply(&Fault::new("add-shard")).unwrap();
        let changed = code_view(&s);
        assert_ne!(changed.active, routed);
        assert!(changed
            .active
            .iter()
            .any(|&i| changed.lines[i].contains("def ") || changed.lines[i].contains("self.")));
    }
}
