//! The stream processor: one job reading the log in offset order, assigning each event to
//! event-time windows, tracking the watermark (max event time seen − allowed delay) and
//! emitting a window when the watermark passes its end. Late events are dropped or sent to
//! a side output; duplicate deliveries are filtered by id.

use crate::sim::PVec;
use crate::stream::{Agg, RecentIds, Rule, Seen, WindowKey, WindowKind, Windows};
use crate::workload::OrderEvent;

/// How a job is configured (what its code says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobConfig {
    pub windows: Windows,
    pub rule: Rule,
    pub delay_ms: i64,
    /// `false` is the note's source: no watermark, so event-time windows never close.
    pub watermarks: bool,
    /// Late events go to the side output (`true`) or are dropped.
    pub side_output: bool,
}

/// What the job did with one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Counted in `windows` open windows.
    Counted { windows: u32 },
    /// Its id was seen before: not counted again.
    Duplicate,
    /// Every window it belongs to had closed.
    Late,
    /// Some of its (sliding) windows had closed: counted only in the open ones.
    PartlyLate { counted: u32, missed: u32 },
}

/// A window the job emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowResult {
    pub key: WindowKey,
    pub agg: Agg,
    /// The log offset whose reading moved the watermark past the window's end.
    pub emitted_offset: u64,
    /// Written a second time: an at-least-once sink re-emits, after a restore, the results
    /// it had already written since the checkpoint (same window, same values).
    pub repeat: bool,
}

/// A late event as the side output lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateRecord {
    pub offset: u64,
    pub event: OrderEvent,
    /// The watermark when it arrived.
    pub watermark_ms: i64,
    /// Kept in the side output (`false`: dropped, only counted).
    pub kept: bool,
}

/// One job's state. Cloning is cheap: outputs are [`PVec`]s and the open windows are few.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub cfg: JobConfig,
    /// The next log offset to read.
    pub offset: u64,
    max_event_ms: Option<i64>,
    /// The end-of-input watermark has passed (every window closed).
    ended: bool,
    seen: RecentIds,
    /// Open windows sorted by key (earliest end first).
    open: Vec<(WindowKey, Agg)>,
    pub output: PVec<WindowResult>,
    /// Late events (kept or dropped, all counted).
    pub late: PVec<LateRecord>,
    pub duplicates: u64,
    /// Events read, re-reads after a restart included.
    pub read: u64,
    /// Results this job's state has emitted since offset 0 (restored with a checkpoint).
    pub emitted: u64,
    /// How many of that sequence the sink has written, across restores: after a restore
    /// with an at-least-once sink, results the replay emits below this are repeats.
    pub written: u64,
}

impl Job {
    pub fn new(cfg: JobConfig, offset: u64) -> Self {
        Job {
            cfg,
            offset,
            max_event_ms: None,
            ended: false,
            seen: RecentIds::new(),
            open: Vec::new(),
            output: PVec::new(),
            late: PVec::new(),
            duplicates: 0,
            read: 0,
            emitted: 0,
            written: 0,
        }
    }

    /// The current watermark: `None` before the first event or without watermarks;
    /// `i64::MAX` after the end of input.
    pub fn watermark(&self) -> Option<i64> {
        if !self.cfg.watermarks {
            return None;
        }
        if self.ended {
            return Some(i64::MAX);
        }
        self.max_event_ms
            .map(|m| m.saturating_sub(self.cfg.delay_ms))
    }

    pub fn max_event_ms(&self) -> Option<i64> {
        self.max_event_ms
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    pub fn open(&self) -> &[(WindowKey, Agg)] {
        &self.open
    }

    fn closed(&self, key: &WindowKey) -> bool {
        self.watermark().is_some_and(|wm| key.end_ms <= wm)
    }

    fn add_to(&mut self, key: WindowKey, agg: Agg) {
        match self.open.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.open[i].1.add(agg),
            Err(i) => self.open.insert(i, (key, agg)),
        }
    }

    /// Reads the event at `offset` (the job's next offset). Returns what it did and how
    /// many windows the watermark closed.
    pub fn process(
        &mut self,
        offset: u64,
        e: &OrderEvent,
        scratch: &mut Vec<WindowKey>,
    ) -> (Disposition, u32) {
        self.offset = offset + 1;
        self.read += 1;
        if self.seen.check(e.event_id) == Seen::Again {
            self.duplicates += 1;
            return (Disposition::Duplicate, 0);
        }
        let t = e.event_time.0;
        let agg = self.cfg.rule.agg_of(e);
        let disposition = if self.cfg.windows.kind == WindowKind::Session {
            let lone = self.cfg.windows.session_of(t, e.user_id);
            if self.closed(&lone) {
                Disposition::Late
            } else {
                self.merge_session(lone, agg);
                Disposition::Counted { windows: 1 }
            }
        } else {
            self.cfg.windows.assign(t, e.user_id, scratch);
            let mut counted = 0;
            let mut missed = 0;
            for key in scratch.iter() {
                if self.closed(key) {
                    missed += 1;
                } else {
                    counted += 1;
                    self.add_to(*key, agg);
                }
            }
            match (counted, missed) {
                (0, _) => Disposition::Late,
                (c, 0) => Disposition::Counted { windows: c },
                (c, m) => Disposition::PartlyLate {
                    counted: c,
                    missed: m,
                },
            }
        };
        if disposition == Disposition::Late {
            let watermark_ms = self.watermark().unwrap_or(i64::MIN);
            self.late.push(LateRecord {
                offset,
                event: *e,
                watermark_ms,
                kept: self.cfg.side_output,
            });
        }
        self.max_event_ms = Some(self.max_event_ms.map_or(t, |m| m.max(t)));
        let emitted = self.emit_ready(offset);
        (disposition, emitted)
    }

    /// Session merging: the event's `[t, t + gap)` joins every open session of the same
    /// user it overlaps, and their union becomes one session.
    fn merge_session(&mut self, lone: WindowKey, agg: Agg) {
        let mut merged = lone;
        let mut total = agg;
        let mut i = 0;
        while i < self.open.len() {
            let (k, a) = self.open[i];
            if k.user == lone.user && k.start_ms < merged.end_ms && merged.start_ms < k.end_ms {
                merged.start_ms = merged.start_ms.min(k.start_ms);
                merged.end_ms = merged.end_ms.max(k.end_ms);
                total.add(a);
                self.open.remove(i);
                // A wider session may now overlap one already passed: start over.
                i = 0;
            } else {
                i += 1;
            }
        }
        self.add_to(merged, total);
    }

    /// Emits every open window the watermark has passed, earliest end first.
    fn emit_ready(&mut self, offset: u64) -> u32 {
        let Some(wm) = self.watermark() else {
            return 0;
        };
        let n = self.open.partition_point(|(k, _)| k.end_ms <= wm);
        for (key, agg) in self.open.drain(..n) {
            let repeat = self.emitted < self.written;
            self.emitted += 1;
            self.written = self.written.max(self.emitted);
            self.output.push(WindowResult {
                key,
                agg,
                emitted_offset: offset,
                repeat,
            });
        }
        n as u32
    }

    /// The source is exhausted: the end-of-input watermark closes every window (only if
    /// the job declares watermarks at all).
    pub fn end_of_input(&mut self) -> u32 {
        if !self.cfg.watermarks || self.ended {
            return 0;
        }
        self.ended = true;
        let last = self.offset.saturating_sub(1);
        self.emit_ready(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;
    use crate::workload::OrderStatus;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ev(id: u64, user: u32, t: i64) -> OrderEvent {
        OrderEvent {
            event_id: id,
            order_id: id,
            user_id: user,
            product_id: 1,
            amount_cents: 100,
            status: OrderStatus::Paid,
            event_time: SimTime(t),
            arrival_time: SimTime(t),
            duplicate: false,
        }
    }

    fn cfg(kind: WindowKind, delay_ms: i64) -> JobConfig {
        JobConfig {
            windows: Windows {
                kind,
                size_ms: 10,
                slide_ms: 5,
                gap_ms: 5,
            },
            rule: Rule::V2,
            delay_ms,
            watermarks: true,
            side_output: true,
        }
    }

    fn run(job: &mut Job, events: &[OrderEvent]) -> Vec<Disposition> {
        let mut scratch = Vec::new();
        events
            .iter()
            .enumerate()
            .map(|(i, e)| job.process(i as u64, e, &mut scratch).0)
            .collect()
    }

    #[test]
    fn a_window_emits_when_the_watermark_passes_its_end_and_later_events_are_late() {
        let mut job = Job::new(cfg(WindowKind::Tumbling, 2), 0);
        let d = run(
            &mut job,
            &[
                ev(1, 1, 3),
                ev(2, 1, 11),
                ev(3, 1, 9),
                ev(4, 1, 12),
                ev(5, 1, 8),
            ],
        );
        // After t=11 the watermark is 9: [0,10) still open, so 9 counts. After 12 it is 10.
        assert_eq!(d[2], Disposition::Counted { windows: 1 });
        assert_eq!(d[4], Disposition::Late);
        assert_eq!(job.output.len(), 1);
        let first = job.output.get(0).unwrap();
        assert_eq!(
            (first.key.start_ms, first.agg.events, first.emitted_offset),
            (0, 2, 3)
        );
        assert_eq!(job.late.len(), 1);
        assert_eq!(job.end_of_input(), 1);
        assert_eq!(job.watermark(), Some(i64::MAX));
    }

    #[test]
    fn duplicates_are_not_counted_and_without_watermarks_nothing_closes() {
        let mut c = cfg(WindowKind::Tumbling, 0);
        c.watermarks = false;
        let mut job = Job::new(c, 0);
        let d = run(&mut job, &[ev(1, 1, 3), ev(1, 1, 3), ev(2, 1, 30)]);
        assert_eq!(d[1], Disposition::Duplicate);
        assert_eq!(job.end_of_input(), 0);
        assert!(job.output.is_empty());
        assert_eq!(job.open().len(), 2);
        assert_eq!(job.open()[0].1.events, 1);
    }

    #[test]
    fn sessions_merge_when_an_event_bridges_them() {
        let mut job = Job::new(cfg(WindowKind::Session, 100), 0);
        run(
            &mut job,
            &[ev(1, 7, 0), ev(2, 7, 8), ev(3, 7, 4), ev(4, 8, 4)],
        );
        // 0 → [0,5), 8 → [8,13), 4 → [4,9) bridges both: one session [0,13) of 3 events.
        let sessions: Vec<(u32, i64, i64, u64)> = job
            .open()
            .iter()
            .map(|(k, a)| (k.user, k.start_ms, k.end_ms, a.events))
            .collect();
        assert_eq!(sessions, vec![(8, 4, 9, 1), (7, 0, 13, 3)]);
    }

    #[test]
    fn sliding_events_can_be_partly_late() {
        let mut job = Job::new(cfg(WindowKind::Sliding, 0), 0);
        let d = run(&mut job, &[ev(1, 1, 12), ev(2, 1, 9)]);
        // Watermark 12 closes [0,10) but not [5,15).
        assert_eq!(
            d[1],
            Disposition::PartlyLate {
                counted: 1,
                missed: 1
            }
        );
    }
}
