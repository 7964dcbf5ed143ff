//! One file per page.

pub mod batch_writes;
pub mod caching;
pub mod cdc;
pub mod compare_etl_vs_elt;
pub mod compare_hash_range;
pub mod compare_invalidate_wt;
pub mod compare_lambda_kappa;
pub mod compare_modn_ring;
pub mod contracts;
pub mod cqrs;
pub mod etl_elt;
pub mod event_cells;
pub mod event_sourcing;
pub mod home;
pub mod kappa;
pub mod lakehouse;
pub mod lambda;
pub mod not_found;
pub mod note;
pub mod partitioning;
pub mod quiz;
pub mod sharding;
pub mod sharding_load;

use leptos::prelude::*;

/// `data-ready` for a non-simulation page: true after the first render, with the mark.
pub fn ready_flag() -> RwSignal<bool> {
    let ready = RwSignal::new(false);
    Effect::new(move |_| {
        if !ready.get_untracked() {
            ready.set(true);
            crate::browser::mark("pipelab:interactive");
        }
    });
    ready
}
