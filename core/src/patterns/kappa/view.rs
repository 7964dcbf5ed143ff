//! What the Kappa page draws: both jobs, the open windows with their truth so far, the
//! emitted results (paged from shared storage) with a handle to the oracle for their final
//! truth, and the recent events for the event-time × processing-time picture.

use std::sync::Arc;

use crate::oracle::streaming::{Answer, StreamTruth};
use crate::sim::PVec;
use crate::stream::{Agg, Rule, WindowKey, WindowKind, Windows};
use crate::workload::OrderEvent;

use super::processor::{Disposition, Job, LateRecord, WindowResult};
use super::scenario::{judge_key, rule_index, Kappa};

/// Results judged against the final truth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub checked: u64,
    pub wrong: u64,
    /// Σ (emitted events − true events) over the judged results.
    pub delta_events: i64,
    /// Results written a second time after a restore (at-least-once sink); not judged again.
    pub repeated: u64,
}

/// One event as the picture shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dot {
    pub offset: u64,
    pub event: OrderEvent,
    pub disposition: Disposition,
    /// The watermark right after the job read it.
    pub watermark_ms: Option<i64>,
}

/// A job as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobView {
    pub version: Rule,
    pub offset: u64,
    /// Events in the log it has not read yet.
    pub lag: u64,
    pub watermark_ms: Option<i64>,
    pub max_event_ms: Option<i64>,
    pub read: u64,
    pub duplicates: u64,
    pub output: PVec<WindowResult>,
    pub late: PVec<LateRecord>,
    pub open_windows: usize,
    pub score: Score,
    pub ended: bool,
}

impl JobView {
    fn of(job: &Job, head: u64, score: Score) -> Self {
        JobView {
            version: job.cfg.rule,
            offset: job.offset,
            lag: head.saturating_sub(job.offset),
            watermark_ms: job.watermark(),
            max_event_ms: job.max_event_ms(),
            read: job.read,
            duplicates: job.duplicates,
            output: job.output.clone(),
            late: job.late.clone(),
            open_windows: job.open().len(),
            score,
            ended: job.ended(),
        }
    }
}

/// An open window and what it should hold so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenRow {
    pub key: WindowKey,
    pub agg: Agg,
    /// Over the events in the log now (truth so far).
    pub so_far: Answer,
}

/// Access to the oracle for rows the page pages through (final truth per result).
#[derive(Clone)]
pub struct TruthHandle {
    truths: Arc<[StreamTruth; 2]>,
    extra: Arc<Vec<OrderEvent>>,
    session: bool,
}

impl TruthHandle {
    pub(super) fn new(truths: Arc<[StreamTruth; 2]>, extra: Arc<Vec<OrderEvent>>) -> Self {
        TruthHandle {
            truths,
            extra,
            session: false,
        }
    }

    fn for_kind(mut self, kind: WindowKind) -> Self {
        self.session = kind == WindowKind::Session;
        self
    }

    /// `(correct, emitted − true events, the true answer)` for a result of code `rule`.
    pub fn judge(&self, rule: Rule, r: &WindowResult) -> (bool, i64, Answer) {
        judge_key(&self.truths[rule_index(rule)], &self.extra, r, self.session)
    }
}

impl PartialEq for TruthHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.truths, &other.truths) && self.extra == other.extra
    }
}

// The oracle is a function of the params and seed; print only what faults added.
impl std::fmt::Debug for TruthHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TruthHandle(extra={})", self.extra.len())
    }
}

/// The Kappa page's view.
#[derive(Clone, Debug, PartialEq)]
pub struct KappaView {
    pub windows: Windows,
    pub delay_ms: i64,
    pub head: u64,
    pub total_events: u64,
    pub head_time_ms: i64,
    pub live: JobView,
    pub next: Option<JobView>,
    pub checkpoint_offset: Option<u64>,
    pub dots: Vec<Dot>,
    /// The live job's open windows (at most [`OPEN_ROWS`], earliest end first).
    pub open: Vec<OpenRow>,
    /// The open window the last counted event went into, against truth so far.
    pub current: Option<OpenRow>,
    /// The live job's latest result against final truth.
    pub latest: Option<(WindowResult, bool, i64, Answer)>,
    pub truth: TruthHandle,
    /// After the end of input: final windows never emitted.
    pub missing: Option<u64>,
    pub pitfall: bool,
    pub switched_at: Option<u64>,
    pub side_output: bool,
    /// The output sink is exactly-once (transactions committed by checkpoints).
    pub exactly_once: bool,
}

/// Open windows listed at most.
pub const OPEN_ROWS: usize = 40;

impl KappaView {
    pub(super) fn of(
        k: &Kappa,
        dots: &std::collections::VecDeque<Dot>,
        score_live: Score,
        score_next: Score,
        switched_at: Option<u64>,
        missing: Option<u64>,
        truth: TruthHandle,
    ) -> Self {
        let p = k.params();
        let log = k.log();
        let head = log.len();
        let truth = truth.for_kind(p.window);
        let arrived = log.arrived();
        let extra: Vec<OrderEvent> = log
            .inserted()
            .filter(|e| e.event_id >= crate::stream::INJECTED_ID_BASE)
            .copied()
            .collect();
        let oracle = &truth.truths[rule_index(k.live().cfg.rule)];
        let so_far = |key: &WindowKey| -> Answer {
            if key.user != 0 || p.window == WindowKind::Session {
                oracle
                    .sessions(key.user, arrived, &extra)
                    .into_iter()
                    .find(|s| s.start_ms < key.end_ms && key.start_ms < s.end_ms)
                    .map(|s| s.answer)
                    .unwrap_or_default()
            } else {
                oracle.window(key.start_ms, arrived, &extra)
            }
        };
        let open: Vec<OpenRow> = k
            .live()
            .open()
            .iter()
            .take(OPEN_ROWS)
            .map(|(key, agg)| OpenRow {
                key: *key,
                agg: *agg,
                so_far: so_far(key),
            })
            .collect();
        let current = k.last().disposition.and_then(|(e, d, _)| {
            if !matches!(
                d,
                Disposition::Counted { .. } | Disposition::PartlyLate { .. }
            ) {
                return None;
            }
            let t = e.event_time.0;
            k.live()
                .open()
                .iter()
                .rev()
                .find(|(key, _)| {
                    key.start_ms <= t
                        && t < key.end_ms
                        && (p.window != WindowKind::Session || key.user == e.user_id)
                })
                .map(|(key, agg)| OpenRow {
                    key: *key,
                    agg: *agg,
                    so_far: so_far(key),
                })
        });
        let latest = k.live().output.last().map(|r| {
            let (ok, delta, t) = truth.judge(k.live().cfg.rule, r);
            (*r, ok, delta, t)
        });
        KappaView {
            windows: p.windows(),
            delay_ms: p.delay_s * 1000,
            head,
            total_events: p.events,
            head_time_ms: log.head_time().0,
            live: JobView::of(k.live(), head, score_live),
            next: k.next_job().map(|j| JobView::of(j, head, score_next)),
            checkpoint_offset: k.saved_offset(),
            dots: dots.iter().copied().collect(),
            open,
            current,
            latest,
            truth,
            missing,
            pitfall: p.latest_offset,
            switched_at,
            side_output: p.side_output,
            exactly_once: p.exactly_once,
        }
    }
}
