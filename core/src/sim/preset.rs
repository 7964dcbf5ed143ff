//! Named scenarios worth seeing, as data (params, seed, faults, starting step).

/// A preset as the page lists it. Fields not named keep their defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// Stable id used in the `preset` select.
    pub name: &'static str,
    pub label: &'static str,
    /// One or two sentences on what to look at.
    pub description: &'static str,
    pub seed: u64,
    pub params: &'static [(&'static str, &'static str)],
    /// `(step, fault)`, the fault as `kind` or `kind:arg`.
    pub faults: &'static [(u64, &'static str)],
    /// The step to land on.
    pub step: u64,
}

impl Preset {
    /// The preset's parameters over the defaults (a value that does not parse keeps its
    /// default) and its faults: what loading it builds a run from.
    pub fn load<P: super::Params>(&self) -> (P, Vec<super::FaultAt>) {
        let mut params = P::default();
        for (field, value) in self.params {
            let _ = params.set(field, value);
        }
        let faults = self
            .faults
            .iter()
            .map(|(step, kind)| super::FaultAt {
                step: *step,
                fault: super::Fault::from_preset(kind),
            })
            .collect();
        (params, faults)
    }
}

impl Preset {
    /// The whole state loading this preset lands on, as a link carries it: its seed, step,
    /// parameters, faults and the pitfalls its parameters switch on (so a shared or
    /// reloaded link shows the same run, checkboxes included).
    pub fn link_state<P: super::Params>(&self) -> crate::link::LinkState<P> {
        let (params, faults) = self.load::<P>();
        crate::link::LinkState {
            seed: self.seed,
            step: self.step,
            pitfalls: pitfalls_on(&params),
            params,
            faults,
            tour: None,
        }
    }
}

/// The names of the pitfalls `params` switch on, sorted.
pub fn pitfalls_on<P: super::Params>(params: &P) -> Vec<String> {
    let mut on = Vec::new();
    for p in P::pitfalls() {
        if params.get(p.name).as_deref() == Some("on") {
            crate::link::insert_pitfall(&mut on, p.name);
        }
    }
    on
}

/// A pitfall toggle: the reference note's mistake, switchable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PitfallSpec {
    pub name: &'static str,
    pub label: &'static str,
    /// What the note does wrong and what damage to watch for.
    pub help: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::sharding::ShardingParams;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn loading_applies_the_params_over_defaults_and_reads_fault_arguments() {
        let p = Preset {
            name: "x",
            label: "x",
            description: "",
            seed: 1,
            params: &[("shards", "7"), ("events", "not a number")],
            faults: &[(5, "remove-shard:2"), (9, "add-shard")],
            step: 0,
        };
        let (params, faults) = p.load::<ShardingParams>();
        assert_eq!(params.shards, 7);
        assert_eq!(
            params.events,
            ShardingParams::default().events,
            "a bad value keeps its default"
        );
        assert_eq!(faults[0].fault.arg, Some(2));
        assert_eq!(
            (faults[1].step, faults[1].fault.kind.as_str()),
            (9, "add-shard")
        );
    }
}
