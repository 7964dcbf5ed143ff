//! The sharding state machine.

use std::fmt;
use std::sync::Arc;

use crate::format::{clock, count, money, percent};
use crate::hash::key_hash;
use crate::oracle::sharding::{self as oracle, Layout};
use crate::sim::{Fault, FaultSpec, ParamError, Preset, Scenario};
use crate::workload::{OrderEvent, Workload, WorkloadParams};

use super::params::ShardingParams;
use super::router::{RouteDetail, Router, Scheme};

/// What changed the shard set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveKind {
    Added(u32),
    Removed(u32),
}

/// One key that changed shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyMove {
    pub key: u64,
    pub from: u32,
    pub to: u32,
}

/// What a shard change did to the keys stored so far, with the oracle's independent answer.
#[derive(Clone, PartialEq)]
pub struct MoveReport {
    pub kind: MoveKind,
    pub scheme: Scheme,
    pub shards_before: Vec<u32>,
    pub shards_after: Vec<u32>,
    /// Distinct keys stored when the change happened.
    pub keys_total: u64,
    /// Sorted by key.
    pub moved: Vec<KeyMove>,
    /// Keys the oracle says move.
    pub truth_moved: u64,
    /// Whether the oracle's moved set equals ours key for key.
    pub truth_same_keys: bool,
}

impl MoveReport {
    pub fn moved_fraction(&self) -> f64 {
        if self.keys_total == 0 {
            0.0
        } else {
            self.moved.len() as f64 / self.keys_total as f64
        }
    }

    /// What theory predicts for this scheme and change: ~1/(N+1) for a consistent scheme
    /// gaining its (N+1)th shard, ~N/(N+1) for mod-N; removals: 1/N and (N-1)/N.
    ///
    /// Jump hash numbers its buckets 0..N-1 and a key's bucket under N-1 buckets is its
    /// bucket under N unless that was the last one. Removing the shard at index i < N-1:
    /// the keys of buckets i..N-2 (N-1-i of the N buckets) now land one shard further on,
    /// and the last bucket's keys are spread evenly over the N-1 buckets left, staying only
    /// in the one that maps to their old shard: (N-1-i)/N + (N-2)/(N(N-1)) move (3/4 for
    /// i = 1 of 5). Removing the last shard moves only its keys, 1/N.
    pub fn expected_fraction(&self) -> f64 {
        let before = self.shards_before.len() as f64;
        let after = self.shards_after.len() as f64;
        let bigger = before.max(after);
        match (self.scheme, self.kind) {
            (Scheme::ModN, _) => 1.0 - 1.0 / bigger,
            (Scheme::Jump, MoveKind::Removed(id)) => {
                let i = self
                    .shards_before
                    .iter()
                    .position(|s| *s == id)
                    .unwrap_or(self.shards_before.len().saturating_sub(1));
                if i + 1 >= self.shards_before.len() {
                    1.0 / before
                } else {
                    (before - 1.0 - i as f64) / before + (before - 2.0) / (before * (before - 1.0))
                }
            }
            _ => 1.0 / bigger,
        }
    }

    /// Jump hash asked to remove a shard that is not the last: the renumbering the scheme
    /// forces, in words (None otherwise).
    pub fn jump_renumbering(&self) -> Option<String> {
        let MoveKind::Removed(id) = self.kind else {
            return None;
        };
        if self.scheme != Scheme::Jump || self.shards_before.last() == Some(&id) {
            return None;
        }
        Some(format!(
            "jump hash only knows buckets 0..N-1, so removing shard {id} (not the last) shifts every later shard down one bucket and their keys move too"
        ))
    }

    /// Moves grouped by `(from, to)` with counts, for the "where did they go" table.
    pub fn flows(&self) -> Vec<(u32, u32, u64)> {
        let mut pairs: Vec<(u32, u32)> = self.moved.iter().map(|m| (m.from, m.to)).collect();
        pairs.sort_unstable();
        let mut out: Vec<(u32, u32, u64)> = Vec::new();
        for (f, t) in pairs {
            match out.last_mut() {
                Some(last) if last.0 == f && last.1 == t => last.2 += 1,
                _ => out.push((f, t, 1)),
            }
        }
        out
    }
}

// Summarised so hashing every step's view stays cheap; the digest covers every move.
impl fmt::Debug for MoveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digest = 0u64;
        for m in &self.moved {
            digest = crate::hash::fold_digest(digest, &format!("{}:{}>{}", m.key, m.from, m.to));
        }
        f.debug_struct("MoveReport")
            .field("kind", &self.kind)
            .field("scheme", &self.scheme)
            .field("shards_before", &self.shards_before)
            .field("shards_after", &self.shards_after)
            .field("keys_total", &self.keys_total)
            .field("moved", &self.moved.len())
            .field("moved_digest", &digest)
            .field("truth_moved", &self.truth_moved)
            .field("truth_same_keys", &self.truth_same_keys)
            .finish()
    }
}

/// The hottest user under Zipf skew (the workload ranks users from 1).
pub const HOT_USER: u32 = 1;

/// The shard key of an order: its user id, or for the salted hot user one of its sub-keys
/// `users + 1 + (order_id % salt)` (ids past every real user, so they never collide).
pub fn shard_key(event: &OrderEvent, params: &ShardingParams) -> u64 {
    if params.salt > 1 && event.user_id == HOT_USER {
        params.users as u64 + 1 + event.order_id % params.salt as u64
    } else {
        event.user_id as u64
    }
}

/// A shard key as people read it: `user 7`, or `user 1#2` for a salted sub-key.
pub fn key_label(key: u64, params: &ShardingParams) -> String {
    let first_sub = params.users as u64 + 1;
    if params.salt > 1 && key >= first_sub {
        format!("user {HOT_USER}#{}", key - first_sub)
    } else {
        format!("user {key}")
    }
}

/// One routed event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Routed {
    pub event: OrderEvent,
    /// Its shard key (the user id, or a salted sub-key of the hot user).
    pub key: u64,
    pub hash: u64,
    pub shard: u32,
    pub detail: RouteDetail,
    /// First event of this key: it becomes a stored key.
    pub new_key: bool,
    /// This key moved in the last shard change and this is its first event since.
    pub moved_from: Option<u32>,
}

/// What the last step or fault did.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Routed(Routed),
    Changed(Arc<MoveReport>),
}

/// A small map from shard id to a counter, sorted by id (a handful of shards: a sorted
/// vector is smaller and faster than a tree here).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ShardCounts(Vec<(u32, u64)>);

impl ShardCounts {
    fn zeros(shards: &[u32]) -> Self {
        let mut v: Vec<(u32, u64)> = shards.iter().map(|s| (*s, 0)).collect();
        v.sort_unstable();
        ShardCounts(v)
    }

    /// Adds `n` to `shard`'s counter, creating it at 0 first if needed.
    fn add(&mut self, shard: u32, n: u64) {
        match self.0.binary_search_by_key(&shard, |e| e.0) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (shard, n)),
        }
    }

    fn remove(&mut self, shard: u32) {
        self.0.retain(|e| e.0 != shard);
    }

    /// The counter of `shard` (0 if absent).
    pub fn get(&self, shard: u32) -> u64 {
        self.0
            .binary_search_by_key(&shard, |e| e.0)
            .map(|i| self.0[i].1)
            .unwrap_or(0)
    }

    /// `(shard, count)` pairs by shard id.
    pub fn entries(&self) -> &[(u32, u64)] {
        &self.0
    }

    /// Sum over all shards.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|e| e.1).sum()
    }
}

/// A fixed-size set of user ids.
#[derive(Clone, Debug, PartialEq, Eq)]
struct KeySet {
    words: Vec<u64>,
}

impl KeySet {
    fn new(max_key: u32) -> Self {
        KeySet {
            words: vec![0; max_key as usize / 64 + 1],
        }
    }
    fn insert(&mut self, k: u64) -> bool {
        let (w, b) = ((k / 64) as usize, k % 64);
        match self.words.get_mut(w) {
            Some(word) => {
                let was = *word & (1 << b) != 0;
                *word |= 1 << b;
                !was
            }
            None => false,
        }
    }
    fn remove(&mut self, k: u64) -> bool {
        let (w, b) = ((k / 64) as usize, k % 64);
        match self.words.get_mut(w) {
            Some(word) => {
                let was = *word & (1 << b) != 0;
                *word &= !(1 << b);
                was
            }
            None => false,
        }
    }
    fn clear(&mut self) {
        self.words.iter_mut().for_each(|w| *w = 0);
    }
    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.words.iter().enumerate().flat_map(|(i, w)| {
            (0..64u64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| i as u64 * 64 + b)
        })
    }
}

/// The sharding scenario. State is bounded by the number of users, not the run length,
/// so checkpoints stay small.
#[derive(Clone, Debug)]
pub struct Sharding {
    pub(super) params: ShardingParams,
    seed: u64,
    workload: Workload,
    pub(super) router: Router,
    pub(super) steps_done: u64,
    stored: KeySet,
    pub(super) keys_stored: u64,
    pub(super) keys_per_shard: ShardCounts,
    pub(super) events_per_shard: ShardCounts,
    /// Keys moved by the last change that have not been seen since.
    awaiting_move: KeySet,
    /// Orders of the hot user so far, and on which shards they landed.
    pub(super) hot_events: u64,
    pub(super) hot_per_shard: ShardCounts,

    pub(super) last: Last,
    pub(super) last_change: Option<Arc<MoveReport>>,
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "add-shard",
        label: "Add a shard",
        help: "A new shard joins (the next id). Watch how many stored keys must move to it.",
    },
    FaultSpec {
        kind: "remove-shard",
        label: "Remove a shard",
        help: "The highest-numbered shard leaves (or the one given). Its keys must go somewhere.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "note-shardmanager",
        label: "The note's “consistent hash” ShardManager: add a 5th shard",
        description: "The reference note calls md5(key) % 4 consistent hashing. It is mod-N: adding a 5th shard at step 1,000 re-homes about 80% of the stored keys.",
        seed: 42,
        params: &[("scheme", "modn"), ("shards", "4"), ("events", "2000")],
        faults: &[(1000, "add-shard")],
        step: 1000,
    },
    Preset {
        name: "ring-add-shard",
        label: "Consistent-hash ring: add a 5th shard",
        description: "The same workload on a ring with 100 virtual nodes per shard: only about 20% of keys move, and all of them to the new shard.",
        seed: 42,
        params: &[("scheme", "ring"), ("shards", "4"), ("events", "2000")],
        faults: &[(1000, "add-shard")],
        step: 1000,
    },
    Preset {
        name: "few-vnodes",
        label: "3 virtual nodes per shard",
        description: "With very few points per shard the ring's arcs are uneven, so one shard holds far more keys than another (compare max/mean with 100 vnodes).",
        seed: 7,
        params: &[("scheme", "ring"), ("vnodes", "3"), ("events", "5000")],
        faults: &[],
        step: 5000,
    },
    Preset {
        name: "hot-key",
        label: "Hot user (Zipf skew 1.5)",
        description: "User 1 places a large share of all orders. Every one of them lands on the same shard whatever the scheme: hashing spreads keys, not traffic. Compare the traffic max/mean with the keys max/mean.",
        seed: 3,
        params: &[("skew", "1.5"), ("events", "5000")],
        faults: &[],
        step: 5000,
    },
    Preset {
        name: "hot-key-salted",
        label: "Hot user salted into 8 sub-keys",
        description: "The same skewed traffic with user 1 split into user 1#0..1#7: its orders now spread over several shards and the traffic max/mean drops — but reading all of user 1's orders touches every shard holding a sub-key.",
        seed: 3,
        params: &[("skew", "1.5"), ("events", "5000"), ("salt", "8")],
        faults: &[],
        step: 5000,
    },
    Preset {
        name: "rendezvous-add-shard",
        label: "Rendezvous hashing: add a 5th shard",
        description: "Each key scores every shard and picks the highest. A new shard wins about 1/5 of the keys and nothing else moves — no ring, no virtual nodes.",
        seed: 42,
        params: &[("scheme", "rendezvous"), ("shards", "4"), ("events", "2000")],
        faults: &[(1000, "add-shard")],
        step: 1000,
    },
    Preset {
        name: "jump-remove-middle",
        label: "Jump hash: remove shard 1 of 5 (not the last)",
        description: "Jump hash maps keys to numbered buckets 0..N-1 and can only drop the last one cheaply. Removing shard 1 shifts the keys of buckets 1 to 3 one shard on, and spreads the last bucket's keys over the four left: about 3/4 of the keys move instead of 1/5.",
        seed: 42,
        params: &[("scheme", "jump"), ("shards", "5"), ("events", "2000")],
        faults: &[(1000, "remove-shard:1")],
        step: 1000,
    },
];

impl Sharding {
    fn layout(router: &Router) -> Layout {
        let shards = router.shards().to_vec();
        match router.scheme() {
            Scheme::ModN => Layout::ModN { shards },
            Scheme::Ring => Layout::Ring {
                shards,
                vnodes: router.vnodes(),
            },
            Scheme::Rendezvous => Layout::Rendezvous { shards },
            Scheme::Jump => Layout::Jump { shards },
        }
    }

    /// Re-homes every stored key under `next` and records what moved.
    fn change_to(&mut self, next: Router, kind: MoveKind) {
        let keys: Vec<u64> = self.stored.iter().collect();
        let mut moved = Vec::new();
        let mut per_shard = ShardCounts::zeros(next.shards());
        for k in &keys {
            let h = key_hash(*k);
            let from = self.router.route(h).map(|r| r.0);
            let to = next.route(h).map(|r| r.0);
            if let Some(to) = to {
                per_shard.add(to, 1);
                if let Some(from) = from {
                    if from != to {
                        moved.push(KeyMove { key: *k, from, to });
                    }
                }
            }
        }
        let truth = oracle::moved_keys(&Self::layout(&self.router), &Self::layout(&next), &keys);
        let truth_same_keys = truth.len() == moved.len()
            && truth
                .iter()
                .zip(&moved)
                .all(|(t, m)| t.0 == m.key && t.1 == m.from && t.2 == m.to);
        let report = Arc::new(MoveReport {
            kind,
            scheme: next.scheme(),
            shards_before: self.router.shards().to_vec(),
            shards_after: next.shards().to_vec(),
            keys_total: keys.len() as u64,
            truth_moved: truth.len() as u64,
            truth_same_keys,
            moved,
        });
        self.awaiting_move.clear();
        for m in &report.moved {
            self.awaiting_move.insert(m.key);
        }
        if let MoveKind::Removed(id) = kind {
            self.events_per_shard.remove(id);
        }
        if let MoveKind::Added(id) = kind {
            self.events_per_shard.add(id, 0);
        }
        self.keys_per_shard = per_shard;
        self.router = next;
        self.last = Last::Changed(report.clone());
        self.last_change = Some(report);
    }

    pub fn params(&self) -> &ShardingParams {
        &self.params
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn last_change(&self) -> Option<&MoveReport> {
        self.last_change.as_deref()
    }

    /// Keys stored so far, ascending.
    pub fn stored_keys(&self) -> Vec<u64> {
        self.stored.iter().collect()
    }
}

impl Scenario for Sharding {
    type Params = ShardingParams;
    type View = super::view::ShardingView;
    const SLUG: &'static str = "sharding";

    fn new(params: &ShardingParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let workload = Workload::new(
            WorkloadParams {
                users: params.users,
                skew: params.skew,
                ..WorkloadParams::default()
            },
            seed,
        );
        let router = Router::new(params.scheme, params.shards, params.vnodes_per_shard);
        let zeros = ShardCounts::zeros(router.shards());
        Ok(Sharding {
            params: params.clone(),
            seed,
            workload,
            stored: KeySet::new(params.users + 17),
            awaiting_move: KeySet::new(params.users + 17),
            hot_events: 0,
            hot_per_shard: ShardCounts::default(),
            router,
            steps_done: 0,
            keys_stored: 0,
            keys_per_shard: zeros.clone(),
            events_per_shard: zeros,
            last: Last::Start,
            last_change: None,
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.events
    }

    fn step(&mut self) {
        let event = self.workload.next_event();
        self.steps_done += 1;
        let key = shard_key(&event, &self.params);
        let hash = key_hash(key);
        let Some((shard, detail)) = self.router.route(hash) else {
            return;
        };
        if event.user_id == HOT_USER {
            self.hot_events += 1;
            self.hot_per_shard.add(shard, 1);
        }
        let new_key = self.stored.insert(key);
        if new_key {
            self.keys_stored += 1;
            self.keys_per_shard.add(shard, 1);
        }
        self.events_per_shard.add(shard, 1);
        // The moved list is sorted by key, so the old shard is a binary search away.
        let moved_from = if self.awaiting_move.remove(key) {
            self.last_change.as_ref().and_then(|m| {
                let i = m.moved.binary_search_by_key(&key, |mv| mv.key).ok()?;
                Some(m.moved[i].from)
            })
        } else {
            None
        };
        self.last = Last::Routed(Routed {
            event,
            key,
            hash,
            shard,
            detail,
            new_key,
            moved_from,
        });
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        match fault.kind.as_str() {
            "add-shard" => {
                if fault.arg.is_some() {
                    return Err(
                        "add-shard takes no shard id: the new shard always gets the next id".into(),
                    );
                }
                if self.router.shards().len() >= 64 {
                    return Err("there are already 64 shards, the most this page allows".into());
                }
                if self.router.shards().last().copied() == Some(u32::MAX) {
                    return Err("no shard id left".into());
                }
                let (next, id) = self.router.with_added();
                self.change_to(next, MoveKind::Added(id));
                Ok(())
            }
            "remove-shard" => {
                let shards = self.router.shards();
                if shards.len() <= 1 {
                    return Err(
                        "the last shard cannot be removed: its keys would have nowhere to go"
                            .into(),
                    );
                }
                let id = match fault.arg {
                    Some(id) if shards.contains(&id) => id,
                    Some(id) => return Err(format!("shard {id} does not exist")),
                    None => shards[shards.len() - 1],
                };
                let next = self.router.with_removed(id);
                self.change_to(next, MoveKind::Removed(id));
                Ok(())
            }
            other => Err(format!("“{other}” is not a fault of the sharding page")),
        }
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a shard added or removed, or the first order of a key that had to move since"
    }

    fn narrate(&self) -> String {
        match &self.last {
            Last::Start => format!(
                "Start: {} shards under {}{}; no orders routed yet.",
                self.router.shards().len(),
                self.router.scheme().label(),
                match self.router.scheme() {
                    Scheme::Ring => format!(" with {} virtual nodes each", self.router.vnodes()),
                    _ => String::new(),
                }
            ),
            Last::Routed(r) => {
                let e = &r.event;
                let how = match r.detail {
                    RouteDetail::ModN { n, index } => {
                        format!("hash mod {n} = {index}, so shard {}", r.shard)
                    }
                    RouteDetail::Rendezvous { .. } => format!(
                        "of the {} live shards, shard {} scores this key highest",
                        self.router.shards().len(),
                        r.shard
                    ),
                    RouteDetail::Jump { n, bucket } => {
                        format!("jump(hash, {n}) = bucket {bucket}, so shard {}", r.shard)
                    }
                    RouteDetail::Ring { point } => format!(
                        "the next virtual node clockwise (at {:.1}% of the ring) belongs to shard {}",
                        ring_fraction(point) * 100.0,
                        r.shard
                    ),
                };
                let salted = if r.key != e.user_id as u64 {
                    format!(
                        " User {HOT_USER} is salted: this order's key is {}",
                        key_label(r.key, &self.params)
                    )
                } else {
                    String::new()
                };
                let what = if let Some(from) = r.moved_from {
                    format!(" This key used to live on shard {from}: its first order since the change goes to shard {}.", r.shard)
                } else if r.new_key {
                    " New key: shard now stores it.".to_string()
                } else {
                    String::new()
                };
                format!(
                    "Order #{} ({}, user {}, {}, {}){}{}: {}.{}",
                    e.order_id,
                    e.status.as_str(),
                    e.user_id,
                    money(e.amount_cents),
                    clock(e.event_time),
                    if e.duplicate {
                        " — a duplicate delivery"
                    } else {
                        ""
                    },
                    salted,
                    how,
                    what
                )
            }
            Last::Changed(m) => {
                let change = match m.kind {
                    MoveKind::Added(id) => format!("Shard {id} added"),
                    MoveKind::Removed(id) => format!("Shard {id} removed"),
                };
                format!(
                    "{change} under {} ({} → {} shards): {} of {} stored keys moved ({}); theory says about {}.{}",
                    m.scheme.label(),
                    m.shards_before.len(),
                    m.shards_after.len(),
                    count(m.moved.len() as u64),
                    count(m.keys_total),
                    percent(m.moved_fraction()),
                    percent(m.expected_fraction()),
                    m.jump_renumbering()
                        .map(|t| format!(" Note: {t}."))
                        .unwrap_or_default()
                )
            }
        }
    }

    fn is_notable(&self) -> bool {
        match &self.last {
            Last::Start => false,
            Last::Routed(r) => r.moved_from.is_some(),
            Last::Changed(_) => true,
        }
    }

    fn view(&self) -> super::view::ShardingView {
        super::view::ShardingView::of(self)
    }
}

/// A ring position as a fraction of the whole ring, `[0, 1)`.
pub fn ring_fraction(position: u64) -> f64 {
    position as f64 / 18_446_744_073_709_551_616.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Params;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(params: &ShardingParams, seed: u64, steps: u64) -> Sharding {
        let mut s = Sharding::new(params, seed).unwrap();
        for _ in 0..steps {
            s.step();
        }
        s
    }

    #[test]
    fn every_stored_key_is_counted_on_exactly_one_shard() {
        let s = run(&ShardingParams::default(), 1, 3000);
        let total = s.keys_per_shard.total();
        assert_eq!(total, s.keys_stored);
        assert_eq!(s.stored_keys().len() as u64, s.keys_stored);
        let events = s.events_per_shard.total();
        assert_eq!(events, 3000);
    }

    #[test]
    fn mod_n_fifth_shard_moves_about_four_fifths_and_agrees_with_the_oracle() {
        let mut p = ShardingParams::default();
        p.set("scheme", "modn").unwrap();
        let mut s = run(&p, 42, 5000);
        s.apply(&Fault::new("add-shard")).unwrap();
        let m = s.last_change().unwrap();
        assert!(
            (0.74..0.86).contains(&m.moved_fraction()),
            "{}",
            m.moved_fraction()
        );
        assert_eq!(m.truth_moved, m.moved.len() as u64);
        assert!(m.truth_same_keys);
        assert!(s.is_notable());
        assert!(s.narrate().contains("Shard 4 added"));
    }

    #[test]
    fn ring_moves_keys_only_to_the_new_shard() {
        let mut s = run(&ShardingParams::default(), 42, 5000);
        s.apply(&Fault::new("add-shard")).unwrap();
        let m = s.last_change().unwrap();
        assert!(m.moved.iter().all(|mv| mv.to == 4));
        assert!(
            (0.1..0.3).contains(&m.moved_fraction()),
            "{}",
            m.moved_fraction()
        );
    }

    #[test]
    fn cannot_remove_the_last_shard_or_a_missing_one() {
        let p = ShardingParams {
            shards: 1,
            ..ShardingParams::default()
        };
        let mut s = run(&p, 1, 10);
        let before = s.clone().view();
        assert!(s.apply(&Fault::new("remove-shard")).is_err());
        assert!(s.apply(&Fault::with_arg("remove-shard", 9)).is_err());
        assert!(s.apply(&Fault::new("explode")).is_err());
        assert_eq!(format!("{:?}", s.view()), format!("{before:?}"));
    }

    #[test]
    fn the_first_order_of_a_moved_key_is_notable_and_narrated() {
        let mut s = run(&ShardingParams::default(), 5, 2000);
        s.apply(&Fault::new("remove-shard")).unwrap();
        let mut found = false;
        for _ in 0..2000 {
            s.step();
            if s.is_notable() {
                assert!(
                    s.narrate().contains("used to live on shard 3"),
                    "{}",
                    s.narrate()
                );
                found = true;
                break;
            }
        }
        assert!(found);
    }
}

#[cfg(test)]
mod jump_removal_tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The derived share for removing each shard of five matches the share measured on a
    /// real run (thousands of keys), and the preset's words match the derivation.
    #[test]
    fn jump_removal_theory_matches_the_measured_share() {
        for i in 0..5u32 {
            let p = ShardingParams {
                scheme: Scheme::Jump,
                shards: 5,
                users: 20_000,
                events: 20_000,
                ..ShardingParams::default()
            };
            let mut s = Sharding::new(&p, 7).unwrap();
            for _ in 0..p.events {
                s.step();
            }
            s.apply(&Fault::with_arg("remove-shard", i)).unwrap();
            let m = s.last_change().unwrap();
            let (measured, theory) = (m.moved_fraction(), m.expected_fraction());
            assert!(
                (measured - theory).abs() < 0.03,
                "removing shard {i} of 5: measured {measured:.3}, theory {theory:.3}"
            );
        }
        let preset = PRESETS
            .iter()
            .find(|p| p.name == "jump-remove-middle")
            .unwrap();
        assert!(preset.description.contains("about 3/4 of the keys move"));
    }
}
