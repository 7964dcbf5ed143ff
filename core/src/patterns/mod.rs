//! One module per pattern. Each exposes a [`crate::sim::Scenario`] and its parameters.

pub mod batch_writes;
pub mod caching;
pub mod cdc;
pub mod contracts;
pub mod cqrs;
pub mod etl_elt;
pub mod event_sourcing;
pub mod kappa;
pub mod lakehouse;
pub mod lambda;
pub mod partitioning;
pub mod sharding;
