//! Lambda's layers. The batch layer folds the whole master log with an exact, unbounded
//! duplicate filter; a batch run's views are that fold as of its cut-off offset (the same
//! numbers a recompute from scratch gives; the run is charged for reading every event up to
//! the cut-off). The speed layer folds each event as it arrives into the windows it still
//! keeps, in two generations: since the served cut-off, and since the running batch's
//! cut-off (which replaces the first when that run's views are served).

use crate::sim::parray::{PArray, PBitSet};
use crate::stream::{Agg, RecentIds, Rule, Seen, INJECTED_ID_BASE};
use crate::workload::OrderEvent;

/// A window's index: its start divided by the window size (`None` before the epoch).
pub fn window_index(event_ms: i64, size_ms: i64) -> Option<usize> {
    let i = event_ms.div_euclid(size_ms.max(1));
    usize::try_from(i).ok()
}

/// The batch layer's running fold of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchFold {
    pub views: PArray<Agg>,
    seen: PBitSet,
    seen_injected: Vec<u64>,
    /// Distinct events folded.
    pub distinct: u64,
}

impl Default for BatchFold {
    fn default() -> Self {
        BatchFold {
            views: PArray::new(),
            seen: PBitSet::new(),
            seen_injected: Vec::new(),
            distinct: 0,
        }
    }
}

impl BatchFold {
    /// Folds one log event; `false` if its id was seen before.
    pub fn fold(&mut self, e: &OrderEvent, size_ms: i64, rule: Rule) -> bool {
        let new = if e.event_id >= INJECTED_ID_BASE {
            match self.seen_injected.binary_search(&e.event_id) {
                Ok(_) => false,
                Err(at) => {
                    self.seen_injected.insert(at, e.event_id);
                    true
                }
            }
        } else {
            self.seen.insert(e.event_id)
        };
        if new {
            self.distinct += 1;
            if let Some(w) = window_index(e.event_time.0, size_ms) {
                self.views.update(w, |a| a.add(rule.agg_of(e)));
            }
        }
        new
    }
}

/// A batch run's views, served from when the run finishes.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchViews {
    /// Log offsets below this are covered.
    pub cutoff: u64,
    /// Processing time of the cut-off.
    pub cutoff_ms: i64,
    pub views: PArray<Agg>,
    /// Which run produced them (0: none yet).
    pub run: u64,
}

impl BatchViews {
    pub fn empty() -> Self {
        BatchViews {
            cutoff: 0,
            cutoff_ms: 0,
            views: PArray::new(),
            run: 0,
        }
    }
}

/// What the speed layer did with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpeedOutcome {
    Counted,
    Duplicate,
    /// Its window is older than the speed layer keeps: only a batch run will count it.
    TooLate,
}

/// Incremental views of one generation: windows kept, by index, sorted.
pub type SpeedViews = Vec<(usize, Agg)>;

/// The speed layer.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeedLayer {
    seen: RecentIds,
    max_event_ms: Option<i64>,
    /// Views of events at or after the served cut-off.
    pub current: SpeedViews,
    /// Views of events at or after the running batch's cut-off.
    pub next: Option<SpeedViews>,
    /// Arrival time of the last event it counted.
    pub last_counted_ms: Option<i64>,
    pub too_late: u64,
    pub duplicates: u64,
}

impl Default for SpeedLayer {
    fn default() -> Self {
        SpeedLayer {
            seen: RecentIds::new(),
            max_event_ms: None,
            current: Vec::new(),
            next: None,
            last_counted_ms: None,
            too_late: 0,
            duplicates: 0,
        }
    }
}

fn add_to(views: &mut SpeedViews, w: usize, agg: Agg) {
    match views.binary_search_by_key(&w, |(i, _)| *i) {
        Ok(i) => views[i].1.add(agg),
        Err(i) => views.insert(i, (w, agg)),
    }
}

impl SpeedLayer {
    /// The oldest window index it still keeps, given its retention.
    pub fn horizon(&self, size_ms: i64, retention_ms: i64) -> Option<usize> {
        let m = self.max_event_ms?;
        window_index(m - retention_ms, size_ms)
    }

    /// Folds one event into both generations. Returns the outcome and the window indices
    /// it expired (their state is dropped).
    pub fn add(
        &mut self,
        e: &OrderEvent,
        size_ms: i64,
        retention_ms: i64,
        rule: Rule,
    ) -> (SpeedOutcome, Vec<usize>) {
        if self.seen.check(e.event_id) == Seen::Again {
            self.duplicates += 1;
            return (SpeedOutcome::Duplicate, Vec::new());
        }
        let w = window_index(e.event_time.0, size_ms);
        let too_old = match (w, self.horizon(size_ms, retention_ms)) {
            (None, _) => true,
            (Some(w), Some(h)) => w < h,
            (Some(_), None) => false,
        };
        if too_old {
            self.too_late += 1;
            return (SpeedOutcome::TooLate, Vec::new());
        }
        let w = w.unwrap_or(0);
        let agg = rule.agg_of(e);
        add_to(&mut self.current, w, agg);
        if let Some(next) = &mut self.next {
            add_to(next, w, agg);
        }
        self.last_counted_ms = Some(e.arrival_time.0);
        self.max_event_ms = Some(
            self.max_event_ms
                .map_or(e.event_time.0, |m| m.max(e.event_time.0)),
        );
        let mut expired = Vec::new();
        if let Some(h) = self.horizon(size_ms, retention_ms) {
            for views in std::iter::once(&mut self.current).chain(self.next.as_mut()) {
                let n = views.partition_point(|(i, _)| *i < h);
                for (i, _) in views.drain(..n) {
                    if !expired.contains(&i) {
                        expired.push(i);
                    }
                }
            }
        }
        (SpeedOutcome::Counted, expired)
    }

    /// The speed view of window `w` in the current generation.
    pub fn get(&self, w: usize) -> Agg {
        self.current
            .binary_search_by_key(&w, |(i, _)| *i)
            .map(|i| self.current[i].1)
            .unwrap_or_default()
    }

    /// Everything lost (a crash): a fresh layer.
    pub fn crash(&mut self) -> Vec<usize> {
        let held: Vec<usize> = self.current.iter().map(|(i, _)| *i).collect();
        *self = SpeedLayer::default();
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;
    use crate::workload::OrderStatus;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ev(id: u64, t: i64) -> OrderEvent {
        OrderEvent {
            event_id: id,
            order_id: id,
            user_id: 1,
            product_id: 1,
            amount_cents: 100,
            status: OrderStatus::Paid,
            event_time: SimTime(t),
            arrival_time: SimTime(t),
            duplicate: false,
        }
    }

    #[test]
    fn the_batch_fold_counts_each_id_once_across_the_whole_log() {
        let mut b = BatchFold::default();
        assert!(b.fold(&ev(3, 5), 10, Rule::V2));
        assert!(b.fold(&ev(9, 15), 10, Rule::V2));
        assert!(!b.fold(&ev(3, 5), 10, Rule::V2));
        assert_eq!(b.views.get(0).events, 1);
        assert_eq!(b.distinct, 2);
    }

    #[test]
    fn the_speed_layer_forgets_old_windows_and_refuses_their_events() {
        let mut s = SpeedLayer::default();
        assert_eq!(s.add(&ev(1, 5), 10, 30, Rule::V2).0, SpeedOutcome::Counted);
        let (o, expired) = s.add(&ev(2, 45), 10, 30, Rule::V2);
        assert_eq!((o, expired), (SpeedOutcome::Counted, vec![0]));
        assert_eq!(s.get(0).events, 0);
        assert_eq!(s.add(&ev(3, 9), 10, 30, Rule::V2).0, SpeedOutcome::TooLate);
        assert_eq!(
            s.add(&ev(2, 45), 10, 30, Rule::V2).0,
            SpeedOutcome::Duplicate
        );
        s.next = Some(Vec::new());
        s.add(&ev(4, 41), 10, 30, Rule::V2);
        assert_eq!(s.get(4).events, 2);
        assert_eq!(s.next.as_ref().map(|n| n.len()), Some(1));
    }
}
