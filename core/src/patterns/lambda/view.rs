//! What the Lambda page draws: the layers' state, the serving error against the truth so far,
//! accuracy and freshness over time, and per-window rows (paged from the scenario on demand).

use crate::sim::PVec;
use crate::stream::Agg;
use crate::workload::OrderEvent;

use super::layers::SpeedOutcome;
use super::scenario::Lambda;

/// One point of the accuracy / freshness history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub time_ms: i64,
    /// 1 − Σ|served − truth so far| / events so far.
    pub accuracy: f64,
    pub freshness_ms: i64,
    /// Σ (served − truth so far), events.
    pub error_events: i64,
}

/// One window as the serving table shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowRow {
    pub index: usize,
    pub start_ms: i64,
    pub batch: Agg,
    pub speed: Agg,
    pub serving: Agg,
    pub truth: Agg,
    /// Over the whole input (late events still to come included).
    pub final_truth: Agg,
}

/// The Lambda page's view.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaView {
    pub head: u64,
    pub total_events: u64,
    pub head_time_ms: i64,
    pub size_ms: i64,
    pub batch_run: u64,
    pub cutoff: u64,
    pub cutoff_ms: i64,
    /// `(run, cut-off offset, cut-off time, served at)` of a run in progress.
    pub running: Option<(u64, u64, i64, i64)>,
    pub batch_work: u64,
    pub speed_windows: Vec<(usize, Agg)>,
    pub speed_next_windows: Option<usize>,
    pub speed_too_late: u64,
    pub speed_duplicates: u64,
    pub error_sum: i64,
    pub error_abs: u64,
    pub distinct_events: u64,
    pub freshness_ms: i64,
    pub samples: PVec<Sample>,
    /// The window of the event just appended.
    pub current: Option<WindowRow>,
    pub last_event: Option<(u64, OrderEvent, Option<SpeedOutcome>)>,
    pub windows: usize,
    pub pitfall: bool,
    pub just_served: bool,
}

impl LambdaView {
    pub(super) fn of(l: &Lambda) -> Self {
        let current = l.last().appended.and_then(|(_, e)| {
            super::layers::window_index(e.event_time.0, l.params().size_min * 60_000)
                .map(|w| row(l, w))
        });
        LambdaView {
            head: l.log().len(),
            total_events: l.params().events,
            head_time_ms: l.log().head_time().0,
            size_ms: l.params().size_min * 60_000,
            batch_run: l.served().run,
            cutoff: l.served().cutoff,
            cutoff_ms: l.served().cutoff_ms,
            running: l
                .running()
                .map(|r| (r.views.run, r.views.cutoff, r.views.cutoff_ms, r.done_ms)),
            batch_work: l.batch_work(),
            speed_windows: l.speed().current.clone(),
            speed_next_windows: l.speed().next.as_ref().map(|n| n.len()),
            speed_too_late: l.speed().too_late,
            speed_duplicates: l.speed().duplicates,
            error_sum: l.errors().0,
            error_abs: l.errors().1,
            distinct_events: l.fold_distinct(),
            freshness_ms: l.freshness_ms(),
            samples: l.samples().clone(),
            current,
            last_event: l.last().appended.map(|(o, e)| (o, e, l.last().speed)),
            windows: l.windows_seen(),
            pitfall: l.params().union_all,
            just_served: l.last().batch_served.is_some(),
        }
    }
}

/// The serving row of window `w` (batch part, speed part, served sum, truth so far).
pub fn row(l: &Lambda, w: usize) -> WindowRow {
    let batch = l.served().views.get(w);
    let serving = l.serving(w);
    WindowRow {
        index: w,
        start_ms: w as i64 * l.params().size_min * 60_000,
        batch,
        speed: Agg {
            events: serving.events - batch.events,
            revenue_cents: serving.revenue_cents - batch.revenue_cents,
        },
        serving,
        truth: l.truth_so_far(w),
        final_truth: l.final_truth(w),
    }
}
