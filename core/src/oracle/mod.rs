//! Independent ground truth. Each oracle recomputes a pattern's answer by a different,
//! deliberately naive algorithm and never imports the pattern it checks, so a bug in the
//! pattern cannot hide in its own yardstick.

pub mod batch;
pub mod caching;
pub mod cdc;
pub mod contracts;
pub mod etl;
pub mod lakehouse;
pub mod orders;
pub mod partitioning;
pub mod sharding;
pub mod streaming;
