//! The one encoder and the one decoder of scenario state in a URL query
//! (PAGE-CONTRACT.md): `v=1&seed=<u64>&step=<n>&<field>=<value>&…&faults=<step>:<kind>[:<arg>],…
//! &pitfalls=<name>,…[&tour=<n>]`. Decoding never fails as a whole: each invalid key falls
//! back to its default on its own and is reported.

use crate::sim::{Fault, FaultAt, FaultSpec, Params};

/// The link format version this build writes and reads.
pub const VERSION: &str = "1";
/// The default seed of every page.
pub const DEFAULT_SEED: u64 = 42;
/// Most faults a link may carry (bounded like everything else).
pub const MAX_FAULTS: usize = 256;

/// A scenario state as a link carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkState<P> {
    pub seed: u64,
    pub step: u64,
    pub params: P,
    pub faults: Vec<FaultAt>,
    /// Switched-on pitfall names, sorted and distinct.
    pub pitfalls: Vec<String>,
    pub tour: Option<u32>,
}

impl<P: Params> Default for LinkState<P> {
    fn default() -> Self {
        LinkState {
            seed: DEFAULT_SEED,
            step: 0,
            params: P::default(),
            faults: Vec::new(),
            pitfalls: Vec::new(),
            tour: None,
        }
    }
}

/// A key of the query that was ignored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignored {
    pub key: String,
    pub reason: String,
}

/// The result of decoding: a usable state plus what was ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded<P> {
    pub state: LinkState<P>,
    pub ignored: Vec<Ignored>,
    /// The link had a `v` this build does not know; defaults were used throughout.
    pub unknown_version: Option<String>,
}

/// Encodes a state as a query string (without `?`). Parameters equal to their default are
/// omitted; the order of keys is fixed so equal states give equal links.
pub fn encode<P: Params>(state: &LinkState<P>) -> String {
    let mut parts = vec![
        format!("v={VERSION}"),
        format!("seed={}", state.seed),
        format!("step={}", state.step),
    ];
    for (name, value) in state.params.non_default_fields() {
        parts.push(format!("{name}={}", percent_encode(&value)));
    }
    if !state.faults.is_empty() {
        let faults: Vec<String> = state
            .faults
            .iter()
            .map(|f| match f.fault.arg {
                Some(a) => format!("{}:{}:{a}", f.step, f.fault.kind),
                None => format!("{}:{}", f.step, f.fault.kind),
            })
            .collect();
        parts.push(format!("faults={}", percent_encode(&faults.join(","))));
    }
    // A pitfall the parameters switch on is part of the state even if the caller's list
    // forgot it (a preset loads it as a parameter): the link always carries it.
    let mut pitfalls = state.pitfalls.clone();
    for name in crate::sim::preset::pitfalls_on(&state.params) {
        insert_pitfall(&mut pitfalls, &name);
    }
    if !pitfalls.is_empty() {
        let names: Vec<&str> = pitfalls.iter().map(|s| s.as_str()).collect();
        parts.push(format!("pitfalls={}", percent_encode(&names.join(","))));
    }
    if let Some(t) = state.tour {
        parts.push(format!("tour={t}"));
    }
    parts.join("&")
}

/// Adds `name` to a sorted, distinct list of pitfall names (one non-generic copy).
#[inline(never)]
pub fn insert_pitfall(list: &mut Vec<String>, name: &str) {
    if let Err(at) = list.binary_search_by(|p| p.as_str().cmp(name)) {
        list.insert(at, name.to_string());
    }
}

/// Decodes a query string (with or without a leading `?`) for a page with parameters `P`
/// and faults `fault_specs`. Never panics; see [`Decoded`].
pub fn decode<P: Params>(query: &str, fault_specs: &[FaultSpec]) -> Decoded<P> {
    let mut state = LinkState::<P>::default();
    let mut ignored = Vec::new();
    let pairs = parse_query(query);
    let mut ignore = |key: &str, reason: String| {
        if !ignored.iter().any(|i: &Ignored| i.key == key) {
            ignored.push(Ignored {
                key: crate::sim::params::shorten(key),
                reason,
            });
        }
    };
    if let Some((_, v)) = pairs.iter().find(|(k, _)| k == "v") {
        if v != VERSION {
            return Decoded {
                state,
                ignored: Vec::new(),
                unknown_version: Some(crate::sim::params::shorten(v)),
            };
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in &pairs {
        if seen.contains(&key.as_str()) {
            ignore(
                key,
                "appears more than once; the first value was used".into(),
            );
            continue;
        }
        seen.push(key);
        match key.as_str() {
            "v" => {}
            "seed" => match value.trim().parse::<u64>() {
                Ok(s) => state.seed = s,
                Err(_) => ignore(
                    key,
                    "must be a whole number from 0 to 18446744073709551615".into(),
                ),
            },
            "step" => match value.trim().parse::<u64>() {
                Ok(s) => state.step = s,
                Err(_) => ignore(key, "must be a whole number of steps, 0 or more".into()),
            },
            "tour" => match value.trim().parse::<u32>() {
                Ok(t) => state.tour = Some(t),
                Err(_) => ignore(key, "must be a slide number".into()),
            },
            "faults" => match parse_faults(value, fault_specs) {
                Ok(f) => state.faults = f,
                Err(why) => ignore(key, why),
            },
            "pitfalls" => {
                let mut bad = Vec::new();
                for name in value.split(',').filter(|s| !s.is_empty()) {
                    if P::pitfalls().iter().any(|p| p.name == name) {
                        insert_pitfall(&mut state.pitfalls, name);
                        // The params carry the toggle too: it is what the scenario reads.
                        let _ = state.params.set(name, "on");
                    } else {
                        bad.push(crate::sim::params::shorten(name));
                    }
                }
                if !bad.is_empty() {
                    ignore(key, format!("unknown pitfall: {}", bad.join(", ")));
                }
            }
            field => {
                if P::spec(field).is_some() {
                    if let Err(e) = state.params.set(field, value) {
                        ignore(key, e.message);
                    }
                } else {
                    ignore(key, "is not a setting of this page".into());
                }
            }
        }
    }
    Decoded {
        state,
        ignored,
        unknown_version: None,
    }
}

fn parse_faults(value: &str, specs: &[FaultSpec]) -> Result<Vec<FaultAt>, String> {
    let mut out = Vec::new();
    for item in value.split(',').filter(|s| !s.is_empty()) {
        if out.len() >= MAX_FAULTS {
            return Err(format!("more than {MAX_FAULTS} faults"));
        }
        let mut parts = item.split(':');
        let step = parts.next().and_then(|s| s.parse::<u64>().ok());
        let kind = parts.next();
        let arg = parts.next();
        let shown = crate::sim::params::shorten(item);
        let (Some(step), Some(kind)) = (step, kind) else {
            return Err(format!("“{shown}” is not step:kind"));
        };
        if !specs.iter().any(|s| s.kind == kind) {
            return Err(format!(
                "“{}” is not a fault of this page",
                crate::sim::params::shorten(kind)
            ));
        }
        let arg = match arg {
            None => None,
            Some(a) => Some(
                a.parse::<u32>()
                    .map_err(|_| format!("“{shown}” has a bad argument"))?,
            ),
        };
        if parts.next().is_some() {
            return Err(format!("“{shown}” has too many parts"));
        }
        out.push(FaultAt {
            step,
            fault: Fault {
                kind: kind.to_string(),
                arg,
            },
        });
    }
    crate::sim::fault::sort_by_step(&mut out);
    Ok(out)
}

/// Splits a query into decoded `(key, value)` pairs, in order.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` and `+`; malformed escapes are kept as written; invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but unreserved characters and `,` `:` (kept readable).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::sharding::ShardingParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn specs() -> &'static [FaultSpec] {
        crate::patterns::sharding::Sharding::fault_specs()
    }

    #[test]
    fn round_trip_of_a_full_state() {
        let mut params = ShardingParams::default();
        params.set("scheme", "modn").unwrap();
        params.set("skew", "0.75").unwrap();
        let state = LinkState {
            seed: u64::MAX,
            step: 1234,
            params,
            faults: vec![
                FaultAt {
                    step: 5,
                    fault: Fault::new("add-shard"),
                },
                FaultAt {
                    step: 9,
                    fault: Fault::with_arg("remove-shard", 2),
                },
            ],
            pitfalls: Vec::new(),
            tour: Some(3),
        };
        let q = encode(&state);
        assert!(
            q.starts_with("v=1&seed=18446744073709551615&step=1234&scheme=modn&skew=0.75"),
            "{q}"
        );
        let d = decode::<ShardingParams>(&q, specs());
        assert_eq!(d.ignored, vec![]);
        assert_eq!(d.state, state);
    }

    #[test]
    fn each_bad_key_falls_back_alone_and_is_named() {
        let d = decode::<ShardingParams>(
            "?v=1&seed=banana&step=-3&events=zzz&shards=8&faults=9:nope&utm=x",
            specs(),
        );
        let keys: Vec<&str> = d.ignored.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, vec!["seed", "step", "events", "faults", "utm"]);
        assert_eq!(d.state.seed, DEFAULT_SEED);
        assert_eq!(d.state.params.shards, 8, "the good key still applies");
        assert_eq!(d.state.params.events, ShardingParams::default().events);
        assert!(d.ignored[2].reason.contains("1 to 1000000"));
    }

    #[test]
    fn a_pitfall_in_the_link_switches_it_on_in_the_params() {
        use crate::patterns::kappa::{params::PITFALL_LATEST, Kappa, KappaParams};
        let d = decode::<KappaParams>(
            "?v=1&pitfalls=latest-offset,nope&delay=600",
            Kappa::fault_specs(),
        );
        assert_eq!(d.state.pitfalls, vec![PITFALL_LATEST.to_string()]);
        assert!(
            d.state.params.latest_offset,
            "the scenario reads the toggle from the params"
        );
        assert_eq!(d.state.params.delay_s, 600);
        assert_eq!(d.ignored.len(), 1, "the unknown pitfall is reported");
        let back = encode(&d.state);
        assert!(back.contains("pitfalls=latest-offset"), "{back}");
        assert!(!back.contains("latest-offset=on"), "{back}");
    }

    #[test]
    fn unknown_version_means_defaults() {
        let d = decode::<ShardingParams>("v=99&seed=5", specs());
        assert_eq!(d.unknown_version.as_deref(), Some("99"));
        assert_eq!(d.state.seed, DEFAULT_SEED);
    }

    #[test]
    fn percent_decoding_survives_garbage() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
        assert_eq!(
            parse_query("a&=b&c=%%"),
            vec![
                ("a".into(), "".into()),
                ("".into(), "b".into()),
                ("c".into(), "%%".into())
            ]
        );
    }
}
