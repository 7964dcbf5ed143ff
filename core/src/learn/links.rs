//! Checks a content link against the page it names: every key valid there (the one decoder,
//! nothing ignored), the scenario builds, and the step exists in that run.

use crate::link;
use crate::sim::{Params, Scenario};

/// What a link opens: its route, step and the run's last step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub route: String,
    pub step: u64,
    pub total: u64,
}

pub(crate) fn open<S: Scenario>(route: &str, query: &str) -> Result<Opened, String> {
    let d = link::decode::<S::Params>(query, S::fault_specs());
    if let Some(v) = d.unknown_version {
        return Err(format!("unknown link version {v}"));
    }
    if !d.ignored.is_empty() {
        let keys: Vec<String> = d
            .ignored
            .iter()
            .map(|i| format!("{} ({})", i.key, i.reason))
            .collect();
        return Err(format!("ignored: {}", keys.join("; ")));
    }
    let errors = d.state.params.validate();
    if !errors.is_empty() {
        return Err(format!("parameters refused: {errors:?}"));
    }
    let s = S::new(&d.state.params, d.state.seed)
        .map_err(|e| format!("the scenario refused its parameters: {e:?}"))?;
    let total = s.total_steps();
    if d.state.step > total {
        return Err(format!("step {} is past the end ({total})", d.state.step));
    }
    for f in &d.state.faults {
        if f.step > total {
            return Err(format!("a fault at {} is past the end ({total})", f.step));
        }
    }
    Ok(Opened {
        route: route.to_string(),
        step: d.state.step,
        total,
    })
}

/// Opens `/<route>?<query>` as its page would (without stepping).
pub fn check(link: &str) -> Result<Opened, String> {
    let (path, query) = link
        .split_once('?')
        .ok_or_else(|| "a link needs /<route>?<query>".to_string())?;
    let route = path.trim_start_matches('/');
    match crate::registry::page(route) {
        Some(page) => (page.open)(query),
        None => Err(format!("/{route} is not a page with a simulation")),
    }
}
