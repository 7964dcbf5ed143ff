//! What the CQRS page draws: the write side, the log with each projector's position, the
//! two read models' lag, the reads after writes, and the history of lag and stale reads.

use crate::oracle::orders::PrefixTruth;
use crate::sim::PVec;

use super::params::ReadMode;
use super::projection::Model;
use super::scenario::{Cqrs, Handled, LogEvent, ReadAnswer, ReadStats};

/// One point of the lag / stale-read history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub step: u64,
    pub lag_by_user: u64,
    pub lag_revenue: u64,
    /// Stale reads among the reads answered since the previous point.
    pub stale_share: f64,
}

/// A projector as the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProjectorView {
    pub model: Model,
    pub next: u64,
    pub lag: u64,
    pub applied: u64,
    pub duplicates_skipped: u64,
    pub duplicates_applied: u64,
    pub rebuilds: u64,
    /// Money in the model (spent over all customers / revenue over all days), cents.
    pub money: i64,
    /// The oracle's money at the projector's position, and over every event the write
    /// side committed.
    pub truth_at: i64,
    pub truth_head: i64,
}

fn money(t: &PrefixTruth, m: Model) -> i64 {
    match m {
        Model::ByUser => t.spent_total,
        Model::RevenueByDay => t.revenue_total,
    }
}

/// Newest log events shown in the picture.
pub const RECENT: u64 = 16;

/// The page's view.
#[derive(Clone, Debug, PartialEq)]
pub struct CqrsView {
    pub step: u64,
    pub total: u64,
    pub log_len: u64,
    pub rejected: u64,
    pub orders: u32,
    pub projectors: [ProjectorView; 2],
    pub reads: ReadStats,
    pub pending: usize,
    pub burst_left: u64,
    pub mode: ReadMode,
    pub idempotent: bool,
    pub split_topics: bool,
    /// Events reach the log through the outbox (else: save, then send).
    pub outbox: bool,
    /// Outbox rows committed and not sent yet.
    pub outbox_waiting: u64,
    pub crash_armed: bool,
    pub crashes: u64,
    /// Events committed that never reached the log (save-then-send crashes).
    pub lost: u64,
    /// The relay's catch-up this step: `(first position, count)`.
    pub relayed: Option<(u64, u64)>,
    pub handled: Vec<Handled>,
    pub answers: Vec<ReadAnswer>,
    pub projected: [u64; 2],
    pub fault: Option<String>,
    /// `(position, event)`, oldest first.
    pub recent: Vec<(u64, LogEvent)>,
    pub samples: PVec<Sample>,
}

impl CqrsView {
    pub fn of(s: &Cqrs) -> CqrsView {
        let len = s.log().len() as u64;
        let pv = |m: Model| {
            let p = s.projector(m);
            ProjectorView {
                model: m,
                next: p.next,
                lag: s.lag(m),
                applied: p.applied,
                duplicates_skipped: p.duplicates_skipped,
                duplicates_applied: p.duplicates_applied,
                rebuilds: p.rebuilds,
                money: p.money_total,
                truth_at: money(s.truth_at(m), m),
                truth_head: money(s.truth_head(), m),
            }
        };
        let last = s.last();
        CqrsView {
            step: s.steps(),
            total: s.params().commands,
            log_len: len,
            rejected: s.rejected(),
            orders: s.orders(),
            projectors: [pv(Model::ByUser), pv(Model::RevenueByDay)],
            reads: *s.reads(),
            pending: s.pending().len(),
            burst_left: s.burst_left(),
            mode: s.params().reads,
            idempotent: s.params().idempotent,
            split_topics: s.params().split_topics,
            outbox: s.params().outbox,
            outbox_waiting: s.outbox().len() as u64,
            crash_armed: s.crash_armed(),
            crashes: s.crashes(),
            lost: s.lost(),
            relayed: last.relayed,
            handled: last.handled.clone(),
            answers: last.answers.clone(),
            projected: last.projected,
            fault: last.fault.clone(),
            recent: (len.saturating_sub(RECENT)..len)
                .filter_map(|p| s.log().get(p as usize).map(|e| (p, *e)))
                .collect(),
            samples: s.samples().clone(),
        }
    }
}
