//! ETL vs ELT: one nightly full extract of an orders table (with nulls, bad amounts and
//! duplicated rows) through three pipelines — transform then load the aggregate (ETL), load
//! raw rows into an Arrow staging table then transform in the warehouse (ELT), and load
//! then transform each chunk as it lands (streaming). The oracle
//! ([`crate::oracle::etl`]) folds each extract's CSV lines independently.

pub mod code;
pub mod compare;
pub mod costs;
pub mod extract;
pub mod params;
pub mod scenario;
pub mod source;
pub mod table;
pub mod transform;
pub mod view;

pub use params::EtlParams;
pub use scenario::EtlElt;
pub use view::EtlView;
