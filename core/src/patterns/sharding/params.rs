//! Sharding's parameters: scheme, shard count, virtual nodes and the workload knobs.

use crate::sim::params::{parse_choice, parse_float, parse_int};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params};

use super::router::Scheme;

/// Largest run the page allows (PAGE-CONTRACT.md asks for at least 1,000,000).
pub const MAX_EVENTS: i64 = 1_000_000;

/// Every sharding parameter, in form order (the compare page reuses the shared ones).
pub(super) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "scheme",
        label: "Scheme",
        help: "How a user id picks its shard (each scheme is in the glossary below).",
        kind: ParamKind::Choice(&[
            ("modn", "mod-N (hash % N)"),
            ("ring", "consistent-hash ring"),
            ("rendezvous", "rendezvous (highest random weight)"),
            ("jump", "jump consistent hash"),
        ]),
    },
    ParamSpec {
        name: "shards",
        label: "Shards",
        help: "Shards at the start of the run.",
        kind: ParamKind::Int { min: 1, max: 64 },
    },
    ParamSpec {
        name: "vnodes",
        label: "Virtual nodes per shard",
        help: "Points each shard owns on the ring; more points spread keys more evenly (ring only).",
        kind: ParamKind::Int { min: 1, max: 500 },
    },
    ParamSpec {
        name: "users",
        label: "Users (keys)",
        help: "Distinct user ids in the workload; the user id is the shard key.",
        kind: ParamKind::Int { min: 1, max: 100_000 },
    },
    ParamSpec {
        name: "events",
        label: "Events",
        help: "Order events in the run: one step routes one event.",
        kind: ParamKind::Int { min: 1, max: MAX_EVENTS },
    },
    ParamSpec {
        name: "skew",
        label: "Key skew (Zipf s)",
        help: "0 = every user equally active; higher = a few users place most orders.",
        kind: ParamKind::Float { min: 0.0, max: 3.0 },
    },
    ParamSpec {
        name: "salt",
        label: "Salt the hot key into",
        help: "Split user 1 (the hottest) into S sub-keys so its orders spread; reading it then asks up to S shards. 1 = off.",
        kind: ParamKind::Int { min: 1, max: 16 },
    },
];

/// Validated sharding parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardingParams {
    pub scheme: Scheme,
    pub shards: u32,
    pub vnodes_per_shard: u32,
    pub users: u32,
    pub events: u64,
    pub skew: f64,
    /// Sub-keys the hottest user (user 1) is split into; 1 = not salted.
    pub salt: u32,
}

impl Default for ShardingParams {
    fn default() -> Self {
        ShardingParams {
            scheme: Scheme::Ring,
            shards: 4,
            vnodes_per_shard: 100,
            users: 1000,
            events: 10_000,
            skew: 0.0,
            salt: 1,
        }
    }
}

impl Params for ShardingParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "scheme" => self.scheme.as_str().to_string(),
            "shards" => self.shards.to_string(),
            "vnodes" => self.vnodes_per_shard.to_string(),
            "users" => self.users.to_string(),
            "events" => self.events.to_string(),
            "skew" => format!("{}", self.skew),
            "salt" => self.salt.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        let spec = Self::spec_or_error(field)?;
        match field {
            "scheme" => {
                self.scheme = match parse_choice(spec, value)? {
                    "modn" => Scheme::ModN,
                    "rendezvous" => Scheme::Rendezvous,
                    "jump" => Scheme::Jump,
                    _ => Scheme::Ring,
                }
            }
            "shards" => self.shards = parse_int(spec, value)? as u32,
            "vnodes" => self.vnodes_per_shard = parse_int(spec, value)? as u32,
            "users" => self.users = parse_int(spec, value)? as u32,
            "events" => self.events = parse_int(spec, value)? as u64,
            "skew" => self.skew = parse_float(spec, value)?,
            "salt" => self.salt = parse_int(spec, value)? as u32,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl ShardingParams {
    /// Every bound checked again (values may have been built in code, not parsed).
    pub fn validate(&self) -> Vec<ParamError> {
        self.bound_errors()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_every_field_through_text() {
        let mut p = ShardingParams::default();
        p.set("scheme", "modn").unwrap();
        p.set("shards", "7").unwrap();
        p.set("skew", "1.25").unwrap();
        let mut q = ShardingParams::default();
        for s in ShardingParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        assert_eq!(p, q);
        assert_eq!(
            p.non_default_fields(),
            vec![
                ("scheme", "modn".into()),
                ("shards", "7".into()),
                ("skew", "1.25".into())
            ]
        );
    }

    #[test]
    fn bad_values_are_rejected_with_the_bound_and_leave_the_value_alone() {
        let mut p = ShardingParams::default();
        let e = p.set("events", "0").unwrap_err();
        assert!(e.message.contains("1 to 1000000"), "{}", e.message);
        assert_eq!(p.events, 10_000);
        assert!(p.set("shards", "65").is_err());
        assert!(p.set("nope", "1").is_err());
        let bad = ShardingParams {
            shards: 0,
            skew: f64::NAN,
            ..ShardingParams::default()
        };
        let errs = bad.validate();
        assert_eq!(errs.len(), 2, "{errs:?}");
    }
}
