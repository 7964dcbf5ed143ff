//! Contracts' parameters: the run (records, their rate), the producer's invalid share and
//! the kinds of defect, the contract itself (JSON) and the pitfall (the note's validator
//! hung on the wrong field, which raises in Python).

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};

use super::contract::Contract;
use super::producer::Defect;

/// Largest run the page allows.
pub const MAX_RECORDS: i64 = 1_000_000;
/// Longest contract text accepted.
pub const MAX_CONTRACT: usize = 16 * 1024;
/// The pitfall's name.
pub const PITFALL_WRONG_FIELD: &str = "wrong-field";

const DEFECTS: &[(&str, &str)] = &[
    ("all", "every kind"),
    ("missing", "missing or null fields"),
    ("type", "wrong types"),
    ("range", "out of range"),
    ("enum", "values outside an enum"),
    ("future", "dates in the future"),
    ("cross", "cross-field rules broken"),
];

pub(super) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "records",
        label: "Records",
        help: "Records the producer sends: one step validates one.",
        kind: ParamKind::Int {
            min: 1,
            max: MAX_RECORDS,
        },
    },
    ParamSpec {
        name: "rate",
        label: "Records per second",
        help:
            "How fast records arrive (a record's arrival is the \"now\" dates are checked against).",
        kind: ParamKind::Int {
            min: 1,
            max: 10_000,
        },
    },
    ParamSpec {
        name: "invalid",
        label: "Invalid share",
        help: "Share of records the producer breaks on purpose, in the chosen way.",
        kind: ParamKind::Float { min: 0.0, max: 1.0 },
    },
    ParamSpec {
        name: "defects",
        label: "How records are broken",
        help: "The kind of defect in an invalid record.",
        kind: ParamKind::Choice(DEFECTS),
    },
    ParamSpec {
        name: "contract",
        label: "Contract (JSON)",
        help: "The data contract every record is checked against.",
        kind: ParamKind::Text {
            max_len: MAX_CONTRACT,
        },
    },
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_WRONG_FIELD,
    label: "The note's validator checks the wrong field",
    help: "The note hangs its \"order date not in the future\" check on the status validator and reads the date off the status value. In Pydantic that raises AttributeError, which is not a validation error: except ValidationError does not catch it, and the pipeline stops at the first record whose status is valid. Validate the field the rule is about.",
}];

/// Validated contracts parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ContractParams {
    pub records: u64,
    pub rate: u32,
    pub invalid: f64,
    /// `None`: every kind.
    pub defects: Option<Defect>,
    pub contract: Contract,
    pub wrong_field: bool,
}

impl Default for ContractParams {
    fn default() -> Self {
        ContractParams {
            records: 2_000,
            rate: 50,
            invalid: 0.15,
            defects: None,
            contract: Contract::default(),
            wrong_field: false,
        }
    }
}

impl Params for ContractParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "records" => self.records.to_string(),
            "rate" => self.rate.to_string(),
            "invalid" => format!("{}", self.invalid),
            "defects" => self.defects.map_or("all", Defect::as_str).to_string(),
            "contract" => self.contract.to_json(),
            PITFALL_WRONG_FIELD => if self.wrong_field { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_WRONG_FIELD {
            self.wrong_field = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "records" => self.records = parse_int(spec, value)? as u64,
            "rate" => self.rate = parse_int(spec, value)? as u32,
            "invalid" => self.invalid = parse_float(spec, value)?,
            "defects" => {
                let v = parse_choice(spec, value)?;
                self.defects = Defect::ALL.into_iter().find(|d| d.as_str() == v);
            }
            "contract" => {
                if value.len() > MAX_CONTRACT {
                    return Err(ParamError::new(
                        field,
                        format!(
                            "the contract is {} bytes; at most {MAX_CONTRACT} are accepted",
                            value.len()
                        ),
                    ));
                }
                self.contract = Contract::parse(value).map_err(|e| ParamError::new(field, e))?;
            }
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl ContractParams {
    /// The producer's defect kinds.
    pub fn defect_list(&self) -> Vec<Defect> {
        match self.defects {
            Some(d) => vec![d],
            None => Defect::ALL.to_vec(),
        }
    }

    pub fn gap_us(&self) -> u64 {
        (1_000_000 / self.rate.max(1) as u64).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_contract_round_trips_and_bad_json_is_refused_with_its_position() {
        let mut p = ContractParams::default();
        p.set("defects", "enum").unwrap();
        let mut q = ContractParams::default();
        for s in ContractParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        assert_eq!(p, q);
        let e = p
            .set("contract", "{\"name\": \"x\",\n  \"version\": }")
            .unwrap_err();
        assert!(e.message.contains("line 2, column 14"), "{}", e.message);
        assert_eq!(p.contract, Contract::default(), "refused: unchanged");
        assert!(p.non_default_fields().iter().all(|(f, _)| *f != "contract"));
    }
}
