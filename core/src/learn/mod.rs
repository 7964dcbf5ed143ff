//! The learning layer's core: the question bank and its grading, guided tours, questions
//! generated from seeded simulations, the timed interview, and the learner's saved work.
//! Content is data (`core/data/`); everything here is pure and total on its input.

pub mod bank;
pub mod content;
pub mod fields;
pub mod generated;
pub mod interview;
pub mod links;
pub mod note;
pub mod saved;
pub mod tour;
