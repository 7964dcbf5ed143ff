//! Partitioning one orders table inside one database: by hash of the user id or by ranges
//! of the order date (PostgreSQL's declarative partitioning). Each step inserts one order;
//! queries show which partitions the planner prunes; faults add a partition (and move
//! rows), send a hot-key burst, or bring a quarter with no partition. Checked against
//! [`crate::oracle::partitioning`].

pub mod code;
pub mod compare;
pub mod feed;
pub mod layout;
pub mod params;
pub mod query;
pub mod scenario;
pub mod view;

pub use params::PartParams;
pub use scenario::Partitioning;
pub use view::PartView;

/// Routes `rows` orders of the default range scenario and returns a checksum (the
/// routing benchmark's kernel).
pub fn kernel_checksum(rows: u32, scheme: params::Scheme) -> u64 {
    use crate::sim::Scenario;
    let p = PartParams {
        rows: rows.max(1) as u64,
        scheme,
        ..PartParams::default()
    };
    let Ok(mut s) = Partitioning::new(&p, 42) else {
        return 0;
    };
    for _ in 0..rows {
        s.step();
    }
    s.stores()
        .iter()
        .fold(s.rejected().len() as u64, |acc, st| {
            acc.wrapping_mul(31).wrapping_add(st.len() as u64)
        })
}
