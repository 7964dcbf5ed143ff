//! /compare/modn-vs-ring: the same orders routed by two schemes (mod-N and a ring by
//! default, any two of the four by parameter) over the same shards, with the keys placed
//! differently and the keys each side moves after the same shard change.

use crate::format::{count, percent};
use crate::hash::key_hash;
use crate::sim::compare::Pair;
use crate::sim::params::{parse_choice, ParamSpec};
use crate::sim::{ParamError, ParamKind, Params, Preset};

use super::params::ShardingParams;
use super::router::Scheme;
use super::scenario::{Last, MoveKind, Sharding};
use super::view::ShardingView;

/// The pair.
pub struct ModnVsRing;

/// Shared workload and shards, one scheme per side.
#[derive(Clone, Debug, PartialEq)]
pub struct ModnVsRingParams {
    /// Everything but the scheme (which `shared.scheme` does not decide).
    pub shared: ShardingParams,
    pub a_scheme: Scheme,
    pub b_scheme: Scheme,
}

impl Default for ModnVsRingParams {
    fn default() -> Self {
        ModnVsRingParams {
            shared: ShardingParams {
                events: 2000,
                ..ShardingParams::default()
            },
            a_scheme: Scheme::ModN,
            b_scheme: Scheme::Ring,
        }
    }
}

/// The scheme choices, as the sharding page offers them.
const SCHEMES: &[(&str, &str)] = match super::params::SPECS[0].kind {
    ParamKind::Choice(c) => c,
    _ => &[],
};

const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "a.scheme",
        label: "Side A scheme",
        help: "How side A routes a user id to a shard.",
        kind: ParamKind::Choice(SCHEMES),
    },
    ParamSpec {
        name: "b.scheme",
        label: "Side B scheme",
        help: "How side B routes a user id to a shard.",
        kind: ParamKind::Choice(SCHEMES),
    },
    // The shared fields, exactly as the sharding page defines them (indices into its
    // SPECS: shards, vnodes, users, events, skew).
    super::params::SPECS[1],
    super::params::SPECS[2],
    super::params::SPECS[3],
    super::params::SPECS[4],
    super::params::SPECS[5],
];

fn scheme_of(text: &str) -> Scheme {
    match text {
        "modn" => Scheme::ModN,
        "rendezvous" => Scheme::Rendezvous,
        "jump" => Scheme::Jump,
        _ => Scheme::Ring,
    }
}

impl Params for ModnVsRingParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn get(&self, field: &str) -> Option<String> {
        match field {
            "a.scheme" => Some(self.a_scheme.as_str().to_string()),
            "b.scheme" => Some(self.b_scheme.as_str().to_string()),
            "shards" | "vnodes" | "users" | "events" | "skew" => self.shared.get(field),
            _ => None,
        }
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        let spec = Self::spec(field)
            .ok_or_else(|| ParamError::new(field, "is not a parameter of this page"))?;
        match field {
            "a.scheme" => self.a_scheme = scheme_of(parse_choice(spec, value)?),
            "b.scheme" => self.b_scheme = scheme_of(parse_choice(spec, value)?),
            _ => self.shared.set(field, value)?,
        }
        Ok(())
    }
}

/// What the pair counts as it goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Stored keys whose shard differs between the sides right now.
    pub placed_differently: u64,
    /// After the last shard change: keys moved on both sides, only on A, only on B.
    pub moved_both: u64,
    pub moved_only_a: u64,
    pub moved_only_b: u64,
}

/// The `diff` hook's content.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardingDiff {
    pub keys_stored: u64,
    pub placed_differently: u64,
    /// `(moved, keys stored then)` per side for the last shard change, if any.
    pub a_moved: Option<(u64, u64)>,
    pub b_moved: Option<(u64, u64)>,
    pub moved_both: u64,
    pub moved_only_a: u64,
    pub moved_only_b: u64,
    /// Keys per shard, max over mean, per side.
    pub a_imbalance: f64,
    pub b_imbalance: f64,
    /// Shards now (faults add or remove them on both sides alike).
    pub shards_now: u32,
}

fn shard_of(s: &Sharding, key: u64) -> Option<u32> {
    s.router().route(key_hash(key)).map(|r| r.0)
}

/// Both sides' code in one panel: side A's listing, then side B's, each under a comment
/// naming its side; the lines the current step exercises are highlighted on both.
pub fn code_view(a: &Sharding, b: &Sharding) -> crate::sim::CodeView {
    crate::sim::CodeView::side_by_side(
        super::code::code_view(a),
        super::code::code_view(b),
        ["# Side A", "# Side B"],
        "Python: side A, then side B",
    )
}

/// The trade-off for these parameters in two or three sentences, from the diff's numbers.
pub fn trade_off(p: &ModnVsRingParams, d: &ShardingDiff) -> String {
    let (la, lb) = (p.a_scheme.label(), p.b_scheme.label());
    let n = d.shards_now;
    let expected = |s: Scheme| {
        if s.is_consistent() {
            1.0 / (n as f64 + 1.0)
        } else {
            n as f64 / (n as f64 + 1.0)
        }
    };
    let spread = format!(
        "With {n} shard{} and {} stored keys, {la} holds max/mean {:.2} keys per shard and {lb} {:.2}.",
        if n == 1 { "" } else { "s" },
        count(d.keys_stored),
        d.a_imbalance,
        d.b_imbalance
    );
    let growth = match (d.a_moved, d.b_moved) {
        (Some((a, total)), Some((b, _))) => format!(
            " The last shard change moved {} of {} keys under {la} ({}) and {} under {lb} ({}); {} moved on both sides.",
            count(a),
            count(total),
            percent(if total == 0 { 0.0 } else { a as f64 / total as f64 }),
            count(b),
            percent(if total == 0 { 0.0 } else { b as f64 / total as f64 }),
            count(d.moved_both)
        ),
        _ => format!(
            " Adding a shard would move about {} of the keys under {la} and {} under {lb}: add one to see it.",
            percent(expected(p.a_scheme)),
            percent(expected(p.b_scheme))
        ),
    };
    let verdict = match (p.a_scheme.is_consistent(), p.b_scheme.is_consistent()) {
        (false, true) | (true, false) => {
            " Mod-N is simple and even but re-homes most data whenever the fleet changes; a consistent scheme pays a little lookup work to move only the new shard's share."
        }
        (false, false) => " Both sides are mod-N: they agree everywhere, and both re-home most keys on any change.",
        (true, true) => {
            " Both schemes are consistent: each moves only about 1/(N+1) of the keys on growth, though not the same keys; they differ in lookup cost, memory (a ring's points) and which shards can leave (jump: only the last)."
        }
    };
    format!("{spread}{growth}{verdict}")
}

const PRESETS: &[Preset] = &[
    Preset {
        name: "add-fifth-shard",
        label: "The note's ShardManager vs a ring: add a 5th shard",
        description: "At step 1,000 both sides gain shard 4. Mod-N re-homes about 80% of the stored keys; the ring about 20%, all to the new shard.",
        seed: 42,
        params: &[("events", "2000")],
        faults: &[(1000, "add-shard")],
        step: 1000,
    },
    Preset {
        name: "remove-shard",
        label: "Remove shard 3 from both",
        description: "Mod-N reshuffles nearly everything again; the ring moves only shard 3's keys, spread over the survivors.",
        seed: 7,
        params: &[("events", "2000")],
        faults: &[(1000, "remove-shard")],
        step: 1000,
    },
    Preset {
        name: "ring-vs-rendezvous",
        label: "Ring vs rendezvous: add a shard",
        description: "Both are consistent: each moves about 1/(N+1) of the keys to the new shard — but not the same keys.",
        seed: 11,
        params: &[("a.scheme", "ring"), ("b.scheme", "rendezvous"), ("events", "2000")],
        faults: &[(1000, "add-shard")],
        step: 1000,
    },
];

impl Pair for ModnVsRing {
    type A = Sharding;
    type B = Sharding;
    type Params = ModnVsRingParams;
    type Tally = Tally;
    type Diff = ShardingDiff;
    const SLUG: &'static str = "compare-modn-vs-ring";

    fn split(p: &ModnVsRingParams) -> (ShardingParams, ShardingParams) {
        let side = |scheme| ShardingParams {
            scheme,
            ..p.shared.clone()
        };
        (side(p.a_scheme), side(p.b_scheme))
    }

    fn after_step(a: &Sharding, b: &Sharding, tally: &mut Tally) {
        if let (Last::Routed(ra), Last::Routed(rb)) = (a.last(), b.last()) {
            if ra.new_key && rb.new_key && ra.shard != rb.shard {
                tally.placed_differently += 1;
            }
        }
    }

    fn after_fault(a: &Sharding, b: &Sharding, tally: &mut Tally) {
        let keys = a.stored_keys();
        tally.placed_differently = keys
            .iter()
            .filter(|k| shard_of(a, **k) != shard_of(b, **k))
            .count() as u64;
        let (ma, mb) = (a.last_change(), b.last_change());
        let (xs, ys): (Vec<u64>, Vec<u64>) = (
            ma.map(|m| m.moved.iter().map(|x| x.key).collect())
                .unwrap_or_default(),
            mb.map(|m| m.moved.iter().map(|x| x.key).collect())
                .unwrap_or_default(),
        );
        // Both lists are sorted by key: merge.
        let (mut i, mut j, mut both) = (0, 0, 0u64);
        while i < xs.len() && j < ys.len() {
            match xs[i].cmp(&ys[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    both += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        tally.moved_both = both;
        tally.moved_only_a = xs.len() as u64 - both;
        tally.moved_only_b = ys.len() as u64 - both;
    }

    fn diff(
        a: &Sharding,
        b: &Sharding,
        (va, vb): (&ShardingView, &ShardingView),
        tally: &Tally,
    ) -> ShardingDiff {
        ShardingDiff {
            keys_stored: va.keys_stored,
            placed_differently: tally.placed_differently,
            a_moved: a
                .last_change()
                .map(|m| (m.moved.len() as u64, m.keys_total)),
            b_moved: b
                .last_change()
                .map(|m| (m.moved.len() as u64, m.keys_total)),
            moved_both: tally.moved_both,
            moved_only_a: tally.moved_only_a,
            moved_only_b: tally.moved_only_b,
            a_imbalance: va.keys_max_over_mean,
            b_imbalance: vb.keys_max_over_mean,
            shards_now: a.router().shards().len() as u32,
        }
    }

    fn narrate(a: &Sharding, b: &Sharding) -> String {
        let (la, lb) = (a.router().scheme().label(), b.router().scheme().label());
        match (a.last(), b.last()) {
            (Last::Routed(ra), Last::Routed(rb)) => format!(
                "Order #{} (user {}): {la} → shard {}, {lb} → shard {}{}.",
                ra.event.order_id,
                ra.event.user_id,
                ra.shard,
                rb.shard,
                if ra.shard == rb.shard {
                    " (the same shard)"
                } else {
                    " (different shards)"
                }
            ),
            (Last::Changed(ma), Last::Changed(mb)) => {
                let what = match ma.kind {
                    MoveKind::Added(id) => format!("Shard {id} added to both sides"),
                    MoveKind::Removed(id) => format!("Shard {id} removed from both sides"),
                };
                format!(
                    "{what}: {la} moved {} of {} stored keys ({}), {lb} moved {} ({}).",
                    count(ma.moved.len() as u64),
                    count(ma.keys_total),
                    percent(ma.moved_fraction()),
                    count(mb.moved.len() as u64),
                    percent(mb.moved_fraction())
                )
            }
            _ => format!(
                "Start: the same orders will be routed over {} shards by {la} (A) and {lb} (B).",
                a.router().shards().len()
            ),
        }
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a shard added or removed on both sides, or the first order of a key that moved on either side"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::compare::Compare;
    use crate::sim::{Fault, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    type C = Compare<ModnVsRing>;

    fn run(steps: u64) -> C {
        let mut c = C::new(&ModnVsRingParams::default(), 42).unwrap();
        for _ in 0..steps {
            c.step();
        }
        c
    }

    #[test]
    fn both_sides_read_the_same_orders() {
        let c = run(300);
        match (c.a.last(), c.b.last()) {
            (Last::Routed(x), Last::Routed(y)) => assert_eq!(x.event, y.event),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.a.stored_keys(), c.b.stored_keys());
    }

    #[test]
    fn the_running_count_of_differently_placed_keys_matches_a_recount() {
        let c = run(800);
        let recount =
            c.a.stored_keys()
                .into_iter()
                .filter(|k| shard_of(&c.a, *k) != shard_of(&c.b, *k))
                .count() as u64;
        assert_eq!(c.tally.placed_differently, recount);
        assert!(recount > 0);
    }

    #[test]
    fn the_same_fault_moves_far_more_under_mod_n_and_the_diff_says_so() {
        let mut c = run(1000);
        c.apply(&Fault::new("add-shard")).unwrap();
        let d = c.view().diff;
        let (a, total) = d.a_moved.unwrap();
        let (b, _) = d.b_moved.unwrap();
        assert!(a as f64 / total as f64 > 0.7, "{a}/{total}");
        assert!((b as f64 / total as f64) < 0.3, "{b}/{total}");
        assert_eq!(d.moved_both + d.moved_only_a, a);
        assert_eq!(d.moved_both + d.moved_only_b, b);
        assert!(
            c.narrate().contains("added to both sides"),
            "{}",
            c.narrate()
        );
    }

    #[test]
    fn a_fault_one_side_refuses_leaves_both_unchanged() {
        let p = ModnVsRingParams {
            shared: ShardingParams {
                shards: 1,
                ..ShardingParams::default()
            },
            ..ModnVsRingParams::default()
        };
        let mut c = C::new(&p, 1).unwrap();
        c.step();
        let before = format!("{:?}", c.view());
        assert!(c.apply(&Fault::new("remove-shard")).is_err());
        assert_eq!(format!("{:?}", c.view()), before);
    }

    #[test]
    fn the_trade_off_uses_the_measured_numbers() {
        let mut c = run(1000);
        let p = ModnVsRingParams::default();
        let before = trade_off(&p, &c.view().diff);
        assert!(before.contains("add one to see it"), "{before}");
        c.apply(&Fault::new("add-shard")).unwrap();
        let d = c.view().diff;
        let after = trade_off(&p, &d);
        let (a, _) = d.a_moved.unwrap();
        assert!(after.contains(&count(a)), "{after}");
        assert!(after.contains("re-homes most data"), "{after}");
        // It counts the shards there are now, not the parameter's starting count.
        let n = p.shared.shards + 1;
        assert!(
            after.starts_with(&format!("With {n} shards and")),
            "{after}"
        );
    }

    #[test]
    fn the_code_panel_holds_both_sides_with_their_highlights() {
        let c = run(3);
        let v = code_view(&c.a, &c.b);
        let ca = super::super::code::code_view(&c.a);
        assert_eq!(
            v.lines.len(),
            ca.lines.len() + super::super::code::code_view(&c.b).lines.len() + 3
        );
        assert!(v.active.len() >= 2 && v.active.iter().all(|i| *i < v.lines.len()));
        assert!(
            v.active.iter().any(|i| *i <= ca.lines.len())
                && v.active.iter().any(|i| *i > ca.lines.len())
        );
    }

    #[test]
    fn the_shared_fields_are_the_sharding_pages_own() {
        let names: Vec<&str> = ModnVsRingParams::specs().iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["a.scheme", "b.scheme", "shards", "vnodes", "users", "events", "skew"]
        );
        assert_eq!(SCHEMES.len(), 4);
    }

    #[test]
    fn side_params_have_prefixed_names_and_bad_values_name_them() {
        let mut p = ModnVsRingParams::default();
        p.set("b.scheme", "jump").unwrap();
        assert_eq!(p.get("b.scheme").as_deref(), Some("jump"));
        assert!(p.set("a.scheme", "nope").is_err());
        assert!(p.set("shards", "0").is_err());
        assert_eq!(
            p.non_default_fields(),
            vec![("b.scheme", "jump".to_string())]
        );
    }
}
