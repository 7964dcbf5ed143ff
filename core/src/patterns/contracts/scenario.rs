//! The contracts state machine: each step the producer sends one record and the validator
//! checks it against the contract; a valid record is accepted, an invalid one lands in the
//! dead-letter table with every violation. Faults make the producer drift (a new field, a
//! rename, a type change) without a contract change. With the note's validator the
//! pipeline stops at the first record it raises on: nothing after it is validated.

use crate::json::Value;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Params, Preset, Scenario};

use super::params::ContractParams;
use super::producer::{Drift, Producer, Shipped};
use super::validate::{note_crash, validate, Kind, Violation};

/// What the last step or fault did.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Record {
        index: u64,
        violations: Vec<Violation>,
    },
    /// The pipeline is down: record `index` arrived and was not validated. It stopped at
    /// record `since` (`index == since` on that step), on `error`, which the note's
    /// validator raised and `except ValidationError` does not catch.
    Down {
        index: u64,
        since: u64,
        error: String,
    },
    Drift(Drift),
    /// The producer rolled a drift back.
    Rollback(Drift),
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Contracts {
    params: std::sync::Arc<ContractParams>,
    producer: Producer,
    step: u64,
    accepted: u64,
    /// Indices of the dead-lettered records.
    dead: PVec<u32>,
    by_kind: [u64; 10],
    violations: u64,
    /// The record the pipeline stopped at, and the exception.
    stopped: Option<(u64, String)>,
    last: Last,
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "new-field",
        label: "Producer ships a new field",
        help: "From now on every record carries channel, which the contract does not name. Again: the change is rolled back.",
    },
    FaultSpec {
        kind: "rename-field",
        label: "Producer renames a field",
        help: "From now on user_id is sent as customer_id. Again: the change is rolled back.",
    },
    FaultSpec {
        kind: "type-change",
        label: "Producer changes a type",
        help: "From now on amount is sent as a string (\"12.50\") instead of a number. Again: the change is rolled back.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "note-validator",
        label: "The note's validator: the pipeline stops at record 1",
        description: "The note's date check is a status validator that reads order_date off the status value. In Pydantic that raises AttributeError on the first record whose status is valid, which except ValidationError does not catch: the pipeline stops there and no later record is accepted or dead-lettered, future-dated or not.",
        seed: 42,
        params: &[("wrong-field", "on"), ("defects", "future"), ("invalid", "0.2")],
        faults: &[],
        step: 300,
    },
    Preset {
        name: "rename",
        label: "A rename without a contract change",
        description: "At record 200 the producer renames user_id: every record after it is dead-lettered twice over (user_id missing, customer_id unknown).",
        seed: 42,
        params: &[("invalid", "0")],
        faults: &[(200, "rename-field")],
        step: 260,
    },
    Preset {
        name: "new-field",
        label: "A new field: rejected by a strict contract",
        description: "At record 200 the producer adds channel; the contract rejects fields it does not name. Set extra_fields to allow and they pass.",
        seed: 42,
        params: &[("invalid", "0")],
        faults: &[(200, "new-field")],
        step: 240,
    },
    Preset {
        name: "type-change",
        label: "amount becomes a string",
        description: "At record 300 amount arrives as \"12.50\": every record from there is rejected, almost always for amount's type.",
        seed: 42,
        params: &[],
        faults: &[(300, "type-change")],
        step: 320,
    },
    Preset {
        name: "cross-field",
        label: "Cross-field rules",
        description: "Completed orders without a shipping date, or shipped before they were ordered.",
        seed: 42,
        params: &[("defects", "cross"), ("invalid", "0.3")],
        faults: &[],
        step: 200,
    },
];

impl Contracts {
    pub fn params(&self) -> &ContractParams {
        &self.params
    }

    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    pub fn validated(&self) -> u64 {
        self.step
    }

    pub fn accepted(&self) -> u64 {
        self.accepted
    }

    pub fn dead(&self) -> &PVec<u32> {
        &self.dead
    }

    pub fn by_kind(&self) -> &[u64; 10] {
        &self.by_kind
    }

    pub fn violations(&self) -> u64 {
        self.violations
    }

    /// The record the pipeline stopped at and the exception, if it did.
    pub fn stopped(&self) -> Option<(u64, &str)> {
        self.stopped.as_ref().map(|(i, e)| (*i, e.as_str()))
    }

    /// Records validated (accepted or dead-lettered): all that arrived, unless the
    /// pipeline stopped.
    pub fn processed(&self) -> u64 {
        self.stopped.as_ref().map_or(self.step, |(i, _)| *i)
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    /// Record `i` as sent.
    pub fn record(&self, i: u64) -> Value {
        self.producer.record(i)
    }

    /// The violations of record `i` under the contract in force.
    pub fn check(&self, i: u64) -> Vec<Violation> {
        validate(
            &self.params.contract,
            &self.producer.record(i),
            self.producer.arrival_ms(i),
            self.params.wrong_field,
        )
    }

    /// Drifts shipped so far.
    pub fn drifts(&self) -> &[Shipped] {
        &self.producer.drifts
    }
}

impl Scenario for Contracts {
    type Params = ContractParams;
    type View = super::view::ContractView;
    const SLUG: &'static str = "contracts";
    // A clone is a few hundred bytes (the parameters are shared); a step builds and checks
    // a record. More checkpoints: a seek in a million records replays at most 123.
    const MAX_CHECKPOINTS: u64 = 8_192;

    fn new(params: &ContractParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.bound_errors();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Contracts {
            producer: Producer {
                seed,
                invalid: params.invalid,
                defects: params.defect_list(),
                gap_us: params.gap_us(),
                drifts: Vec::new(),
            },
            params: std::sync::Arc::new(params.clone()),
            step: 0,
            accepted: 0,
            dead: PVec::new(),
            by_kind: [0; 10],
            violations: 0,
            stopped: None,
            last: Last::Start,
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.records
    }

    fn step(&mut self) {
        let i = self.step;
        if self.stopped.is_none() && self.params.wrong_field {
            if let Some(error) = note_crash(&self.params.contract, &self.producer.record(i)) {
                self.stopped = Some((i, error));
            }
        }
        if let Some((since, error)) = &self.stopped {
            self.last = Last::Down {
                index: i,
                since: *since,
                error: error.clone(),
            };
            self.step += 1;
            return;
        }
        let violations = self.check(i);
        if violations.is_empty() {
            self.accepted += 1;
        } else {
            self.dead.push(i as u32);
            self.violations += violations.len() as u64;
            for v in &violations {
                if let Some(slot) = Kind::ALL.iter().position(|k| *k == v.kind) {
                    self.by_kind[slot] += 1;
                }
            }
        }
        self.step += 1;
        self.last = Last::Record {
            index: i,
            violations,
        };
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        let drift = match fault.kind.as_str() {
            "new-field" => Drift::NewField,
            "rename-field" => Drift::Rename,
            "type-change" => Drift::TypeChange,
            other => return Err(format!("this page has no fault “{other}”")),
        };
        // The same fault again while a drift is live rolls it back (the deploy reverted).
        let step = self.step;
        match self
            .producer
            .drifts
            .iter_mut()
            .find(|s| s.drift == drift && s.until.is_none())
        {
            Some(live) => {
                live.until = Some(step);
                self.last = Last::Rollback(drift);
            }
            None => {
                self.producer.drifts.push(Shipped {
                    from: step,
                    until: None,
                    drift,
                });
                self.last = Last::Drift(drift);
            }
        }
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a dead-lettered record, or the producer drifting from the contract"
    }

    fn narrate(&self) -> String {
        super::view::narrate(self)
    }

    fn is_notable(&self) -> bool {
        match &self.last {
            Last::Start => false,
            Last::Record { violations, .. } => !violations.is_empty(),
            Last::Down { index, since, .. } => index == since,
            Last::Drift(_) | Last::Rollback(_) => true,
        }
    }

    fn view(&self) -> super::view::ContractView {
        super::view::ContractView::of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract::Contract;
    use super::*;
    use crate::sim::Params;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(p: &ContractParams, faults: &[(u64, &str)], n: u64) -> Contracts {
        let mut s = Contracts::new(p, 42).unwrap();
        for k in 0..n {
            for (at, kind) in faults {
                if *at == k {
                    s.apply(&Fault::new(kind)).unwrap();
                }
            }
            s.step();
        }
        s
    }

    #[test]
    fn a_rename_dead_letters_every_record_after_it() {
        let p = ContractParams {
            invalid: 0.0,
            ..ContractParams::default()
        };
        let s = run(&p, &[(100, "rename-field")], 150);
        assert_eq!(s.accepted(), 100);
        assert_eq!(s.dead().len(), 50);
        assert_eq!(s.by_kind()[0], 50, "user_id missing");
        assert_eq!(s.by_kind()[6], 50, "customer_id unknown");
        assert!(Contracts::new(&p, 1)
            .unwrap()
            .apply(&Fault::new("nope"))
            .is_err());
        // A type change: amount arrives as a string on every record from there.
        let s = run(&p, &[(50, "type-change")], 100);
        assert_eq!((s.dead().len(), s.by_kind()[2]), (50, 50));
        assert!(s
            .check(60)
            .iter()
            .any(|v| v.field == "amount" && v.kind == Kind::Type));
        // The same fault again rolls the rename back.
        let s = run(&p, &[(100, "rename-field"), (120, "rename-field")], 150);
        assert_eq!(s.dead().len(), 20);
    }

    #[test]
    fn the_notes_validator_stops_the_pipeline_at_the_first_valid_status() {
        let mut p = ContractParams::default();
        p.set("defects", "future").unwrap();
        p.invalid = 0.3;
        let honest = run(&p, &[], 300);
        p.wrong_field = true;
        let note = run(&p, &[], 300);
        assert!(honest.by_kind()[7] > 50);
        // Record 1's status is valid: the note's validator raises on it.
        assert_eq!(note.stopped().map(|(i, _)| i), Some(0));
        assert_eq!(
            (note.accepted(), note.dead().len(), note.processed()),
            (0, 0, 0)
        );
        assert!(
            matches!(note.last(), Last::Down { index: 299, since: 0, error } if error.starts_with("AttributeError"))
        );
        assert_eq!(note.validated(), 300, "records keep arriving");
        // Records whose status fails reach the dead-letter table before the stop.
        p.set("defects", "enum").unwrap();
        p.invalid = 1.0;
        let s = run(&p, &[], 50);
        assert!(s.stopped().is_none() && s.dead().len() == 50);
        p.invalid = 0.5;
        let s = run(&p, &[], 50);
        let (at, _) = s.stopped().unwrap();
        assert_eq!(
            s.dead().len() as u64,
            at,
            "every record before the stop had a bad status"
        );
        // Allowing extra fields lets the new field through.
        let mut loose = ContractParams {
            invalid: 0.0,
            ..ContractParams::default()
        };
        loose.contract = Contract {
            allow_extra: true,
            ..Contract::default()
        };
        assert_eq!(run(&loose, &[(10, "new-field")], 50).accepted(), 50);
    }
}
