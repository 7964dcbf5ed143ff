//! Data contracts: a contract (fields, types, required, defaults, ranges, enums,
//! cross-field rules, extra fields allowed or not) read from JSON; a producer emitting
//! order records, some broken on purpose and drifting under faults; a validator reporting
//! every violation; a dead-letter table; compatibility of two versions by witness search;
//! the note's validator hung on the wrong field, which raises in Python and stops the
//! pipeline. Checked by [`crate::oracle::contracts`], and on Pydantic by
//! `conformance/tests/test_contracts.py`.

pub mod code;
pub mod compat;
pub mod contract;
pub mod params;
pub mod producer;
pub mod scenario;
pub mod validate;
pub mod view;

pub use contract::Contract;
pub use params::ContractParams;
pub use scenario::Contracts;
pub use view::ContractView;
