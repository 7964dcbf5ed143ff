//! The one list of the simulation pages: each page's route, how a link to it opens, and
//! every code listing it can show. The links check (`learn::links`) and the conformance
//! layer's listing writer (`conformance/`) both read it, so a new page is added here once.

use crate::learn::links::{open, Opened};
use crate::link::{self, LinkState};
use crate::patterns::{
    batch_writes::{code as bw_code, BatchWrites},
    caching::{code as cache_code, compare::InvalidateVsWriteThrough, Caching},
    cdc::{code as cdc_code, Cdc},
    contracts::{code as contracts_code, Contracts},
    cqrs::{code as cqrs_code, Cqrs},
    etl_elt::{code as etl_code, compare::EtlVsElt, EtlElt},
    event_sourcing::{code as es_code, EventSourcing},
    kappa::{code as kappa_code, Kappa},
    lakehouse::{code as lake_code, Lakehouse},
    lambda::{code as lambda_code, compare::LambdaVsKappa, Lambda},
    partitioning::{code as part_code, compare::HashVsRange, query, Partitioning},
    sharding::{code as shard_code, compare::ModnVsRing, Sharding},
};
use crate::sim::{
    CodeView, Compare, Fault, FaultAt, ParamKind, Params, Preset, Scenario, Timeline,
};

/// One simulation page.
pub struct Page {
    /// The route without its leading slash (`sharding`, `compare/modn-vs-ring`).
    pub route: &'static str,
    /// What runs each of the page's listings: `postgresql`, `python` (with the drivers it
    /// imports), `flink-sql`, `spark-sql`, `debezium+postgresql`… The conformance layer
    /// picks its engine by this name.
    pub dialect: &'static str,
    /// Opens a link query as the page would (without stepping).
    pub open: fn(&str) -> Result<Opened, String>,
    /// Every distinct listing the page can show (see [`listings_of`]).
    pub listings: fn() -> Vec<Listing>,
    /// Checks that every preset's whole state survives its link (see [`presets_round_trip`]).
    pub presets_round_trip: fn() -> Result<(), String>,
}

/// One code listing, with a link to a state that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub route: &'static str,
    /// The query (without `?`) of one state that shows this text.
    pub link: String,
    /// Switched-on pitfalls in that state.
    pub pitfalls: Vec<String>,
    pub language: &'static str,
    pub title: &'static str,
    pub text: String,
    /// The panel's note on the reference note's mistake, if it shows one.
    pub note: Option<&'static str>,
}

macro_rules! page {
    ($route:literal, $dialect:literal, $s:ty, $code:expr) => {
        Page {
            route: $route,
            dialect: $dialect,
            open: |q| open::<$s>($route, q),
            listings: || listings_of::<$s>($route, $code),
            presets_round_trip: presets_round_trip::<$s>,
        }
    };
}

/// Every simulation page, pattern pages first, in the home page's order.
pub static PAGES: [Page; 17] = [
    page!(
        "etl-elt",
        "python+sqlalchemy+duckdb",
        EtlElt,
        |s: &EtlElt| vec![etl_code::code_view(s)]
    ),
    page!(
        "batch-writes",
        "python+psycopg2",
        BatchWrites,
        |s: &BatchWrites| vec![bw_code::code_view(s)]
    ),
    page!("lambda", "spark-sql+flink-sql", Lambda, |s: &Lambda| vec![
        lambda_code::code_view(s)
    ]),
    page!("kappa", "flink-sql", Kappa, |s: &Kappa| vec![
        kappa_code::code_view(s)
    ]),
    page!(
        "lakehouse",
        "spark-sql+delta",
        Lakehouse,
        |s: &Lakehouse| vec![lake_code::code_view(s)]
    ),
    page!(
        "event-sourcing",
        "python+psycopg2",
        EventSourcing,
        |s: &EventSourcing| vec![es_code::code_view(s)]
    ),
    page!("cqrs", "python+kafka", Cqrs, |s: &Cqrs| vec![
        cqrs_code::code_view(s)
    ]),
    page!(
        "partitioning",
        "postgresql",
        Partitioning,
        |s: &Partitioning| partitioning_listings(s)
    ),
    page!("sharding", "python", Sharding, |s: &Sharding| vec![
        shard_code::code_view(s)
    ]),
    page!("caching", "python+redis", Caching, |s: &Caching| vec![
        cache_code::code_view(s)
    ]),
    page!("cdc", "debezium+postgresql", Cdc, |s: &Cdc| vec![
        cdc_code::code_view(s)
    ]),
    page!(
        "contracts",
        "python+pydantic",
        Contracts,
        |s: &Contracts| vec![contracts_code::code_view(s)]
    ),
    // A compare page's panel is its two sides' listings one after the other, each the
    // pattern's own listing for that side's settings.
    page!(
        "compare/etl-vs-elt",
        "python+sqlalchemy+duckdb",
        Compare<EtlVsElt>,
        |c: &Compare<EtlVsElt>| vec![etl_code::code_view(&c.a), etl_code::code_view(&c.b)]
    ),
    page!(
        "compare/lambda-vs-kappa",
        "spark-sql+flink-sql",
        Compare<LambdaVsKappa>,
        |c: &Compare<LambdaVsKappa>| vec![
            lambda_code::code_view(&c.a),
            kappa_code::code_view(&c.b)
        ]
    ),
    page!(
        "compare/modn-vs-ring",
        "python",
        Compare<ModnVsRing>,
        |c: &Compare<ModnVsRing>| vec![shard_code::code_view(&c.a), shard_code::code_view(&c.b)]
    ),
    page!(
        "compare/hash-vs-range",
        "postgresql",
        Compare<HashVsRange>,
        |c: &Compare<HashVsRange>| {
            let mut v = partitioning_listings(&c.a);
            v.extend(partitioning_listings(&c.b));
            v
        }
    ),
    page!(
        "compare/invalidate-vs-write-through",
        "python+redis",
        Compare<InvalidateVsWriteThrough>,
        |c: &Compare<InvalidateVsWriteThrough>| vec![
            cache_code::code_view(&c.a),
            cache_code::code_view(&c.b)
        ]
    ),
];

/// The page at `route` (without its leading slash).
pub fn page(route: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.route == route)
}

/// The partitioning listing for each of the page's ready-made queries.
fn partitioning_listings(s: &Partitioning) -> Vec<CodeView> {
    query::canned(s.params().days)
        .iter()
        .map(|(_, q)| part_code::code_view(s, q))
        .collect()
}

/// The most settings combinations tried per page before falling back to one field at a
/// time.
const MAX_COMBINATIONS: usize = 512;
/// The steps each configuration's listing is read at (clamped to the run), besides a
/// preset's own step; every fault the page offers is also injected at the middle one.
const SAMPLE_STEPS: [u64; 3] = [0, 40, 400];

/// Every distinct listing `S`'s page can show: over the defaults, every preset, and every
/// combination of the choice parameters and pitfall toggles (one field at a time past
/// [`MAX_COMBINATIONS`]), each read at a few steps and after each fault the page offers.
pub fn listings_of<S: Scenario>(
    route: &'static str,
    code: fn(&S) -> Vec<CodeView>,
) -> Vec<Listing> {
    let mut out: Vec<Listing> = Vec::new();
    let mut add = |t: &Timeline<S>, state: &LinkState<S::Params>| {
        for c in code(t.current()) {
            let text = c.lines.join("\n");
            if out.iter().any(|l| l.text == text) {
                continue;
            }
            out.push(Listing {
                route,
                link: link::encode(state),
                pitfalls: state.pitfalls.clone(),
                language: c.language,
                title: c.title,
                text,
                note: c.note,
            });
        }
    };
    for (params, faults, seed, step) in configurations::<S>() {
        let Ok(s) = S::new(&params, seed) else {
            continue;
        };
        let mut t = Timeline::new(s, faults.clone());
        let pitfalls: Vec<String> = S::Params::pitfalls()
            .iter()
            .filter(|p| params.get(p.name).as_deref() == Some("on"))
            .map(|p| p.name.to_string())
            .collect();
        let mut state = LinkState {
            seed,
            step: 0,
            params: params.clone(),
            faults,
            pitfalls,
            tour: None,
        };
        let mut steps: Vec<u64> = SAMPLE_STEPS.to_vec();
        steps.extend(step);
        for at in steps {
            let at = at.min(t.total());
            t.seek(at);
            state.step = at;
            add(&t, &state);
        }
        // Each fault, injected at the middle sample step, read just after it and a step on.
        let at = SAMPLE_STEPS[1].min(t.total());
        for spec in S::fault_specs() {
            let mut forked = Timeline::new(
                S::new(&params, seed)
                    .ok()
                    .unwrap_or_else(|| t.current().clone()),
                Vec::new(),
            );
            forked.seek(at);
            let fault = Fault::new(spec.kind);
            if forked.inject(fault.clone()).is_err() {
                continue;
            }
            let mut st = state.clone();
            st.faults = vec![FaultAt { step: at, fault }];
            st.step = at;
            add(&forked, &st);
            if forked.step_forward() {
                st.step = forked.step();
                add(&forked, &st);
            }
        }
    }
    out
}

/// `(params, faults, seed, extra step)`: one configuration a listing is read in.
type Configuration<P> = (P, Vec<FaultAt>, u64, Option<u64>);

/// The defaults, each preset and the choice × pitfall combinations.
fn configurations<S: Scenario>() -> Vec<Configuration<S::Params>> {
    let mut out = vec![(S::Params::default(), Vec::new(), link::DEFAULT_SEED, None)];
    for p in S::presets() {
        let (params, faults) = Preset::load::<S::Params>(p);
        out.push((params, faults, p.seed, Some(p.step)));
    }
    // The fields whose value changes the listing's shape: choices and pitfalls.
    let mut fields: Vec<(&'static str, Vec<&'static str>)> = S::Params::specs()
        .iter()
        .filter_map(|spec| match spec.kind {
            ParamKind::Choice(options) => {
                Some((spec.name, options.iter().map(|(v, _)| *v).collect()))
            }
            _ => None,
        })
        .collect();
    fields.extend(
        S::Params::pitfalls()
            .iter()
            .map(|p| (p.name, vec!["off", "on"])),
    );
    let combos = fields
        .iter()
        .try_fold(1usize, |n, (_, v)| n.checked_mul(v.len()))
        .unwrap_or(usize::MAX);
    if combos <= MAX_COMBINATIONS {
        for i in 0..combos {
            let mut p = S::Params::default();
            let mut rest = i;
            let mut ok = true;
            for (name, values) in &fields {
                let v = values[rest % values.len()];
                rest /= values.len();
                ok &= p.set(name, v).is_ok();
            }
            if ok {
                out.push((p, Vec::new(), link::DEFAULT_SEED, None));
            }
        }
    } else {
        for (name, values) in &fields {
            for v in values {
                let mut p = S::Params::default();
                if p.set(name, v).is_ok() {
                    out.push((p, Vec::new(), link::DEFAULT_SEED, None));
                }
            }
        }
    }
    out
}

/// Every preset of `S` encoded as its link and decoded again gives the same seed, step,
/// parameters, faults and pitfalls, with nothing ignored; and the pitfalls its parameters
/// switch on are in the link.
pub fn presets_round_trip<S: Scenario>() -> Result<(), String> {
    for p in S::presets() {
        let state = p.link_state::<S::Params>();
        let query = link::encode(&state);
        let d = link::decode::<S::Params>(&query, S::fault_specs());
        let same = d.ignored.is_empty()
            && d.state.seed == state.seed
            && d.state.step == state.step
            && d.state.params == state.params
            && d.state.faults == state.faults
            && d.state.pitfalls == crate::sim::preset::pitfalls_on(&state.params);
        if !same {
            return Err(format!("preset {}: {query} → {:?}", p.name, d.ignored));
        }
        // A caller that forgets the list (as the page once did after loading a preset)
        // still gets a link that switches the preset's pitfalls on.
        let forgetful = link::encode(&LinkState {
            pitfalls: Vec::new(),
            ..state.clone()
        });
        let d = link::decode::<S::Params>(&forgetful, S::fault_specs());
        if d.state.pitfalls != crate::sim::preset::pitfalls_on(&state.params)
            || d.state.params != state.params
        {
            return Err(format!("preset {}: {forgetful} loses its pitfalls", p.name));
        }
        for name in crate::sim::preset::pitfalls_on(&state.params) {
            if !query.contains(&name) {
                return Err(format!(
                    "preset {} switches {name} on; its link {query} omits it",
                    p.name
                ));
            }
        }
    }
    Ok(())
}

/// Every listing of every page.
pub fn all_listings() -> Vec<Listing> {
    PAGES.iter().flat_map(|p| (p.listings)()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_preset_of_every_page_is_whole_in_its_link() {
        for p in &PAGES {
            if let Err(e) = (p.presets_round_trip)() {
                panic!("/{}: {e}", p.route);
            }
        }
    }

    #[test]
    fn every_route_is_listed_once_and_found() {
        for p in &PAGES {
            assert_eq!(PAGES.iter().filter(|q| q.route == p.route).count(), 1);
            assert!(page(p.route).is_some());
        }
        assert!(page("nope").is_none());
    }

    #[test]
    fn the_batch_writes_listings_cover_every_mode_and_the_pitfall() {
        let all = (page("batch-writes").map(|p| p.listings)).map_or_else(Vec::new, |f| f());
        for needle in [
            "execute_values",
            "executemany",
            "copy_expert",
            "cur.execute(",
        ] {
            assert!(
                all.iter().any(|l| l.text.contains(needle)),
                "no listing with {needle}"
            );
        }
        assert!(
            all.iter()
                .any(|l| l.pitfalls.iter().any(|p| p == "executemany")
                    || l.link.contains("pitfalls="))
        );
        for l in &all {
            assert!(
                (page("batch-writes").map(|p| p.open)).is_some_and(|open| open(&l.link).is_ok()),
                "{} does not open",
                l.link
            );
        }
    }
}
