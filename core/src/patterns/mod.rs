//! One module per pattern. Each exposes a [`crate::sim::Scenario`] and its parameters.

pub mod kappa;
pub mod lambda;
pub mod sharding;
