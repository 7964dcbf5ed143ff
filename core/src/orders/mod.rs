//! The order domain shared by the write-side patterns (/event-sourcing, /cqrs): commands,
//! the events they become, an order's state as the fold of its events, a seeded command
//! generator, and the two event schemas with the upcaster between them.

pub mod domain;
pub mod generator;
pub mod schema;

pub use domain::{decide, evolve, Command, EventBody, OrderState, Rejection, Status};
pub use generator::{CommandGen, GenParams};
pub use schema::{upcast, StoredBody};
