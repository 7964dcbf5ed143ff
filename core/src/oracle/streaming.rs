//! Ground truth for event-time windows, computed without the stream processor: the distinct
//! events (first delivery of each id) are bucketed into *panes* of one slide, and a window's
//! answer is the sum of the panes it covers; sessions come from sorting each user's events
//! and cutting at every gap. "Truth so far" counts only events whose first delivery has
//! arrived; "final truth" counts the whole input.

use crate::sort::sort_pairs;
use crate::workload::{OrderEvent, OrderStatus};

/// The window definition, restated here so the oracle shares no code with the processor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowDef {
    Tumbling { size_ms: i64 },
    Sliding { size_ms: i64, slide_ms: i64 },
    Session { gap_ms: i64 },
}

/// A window's exact answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub events: u64,
    pub revenue_cents: i64,
}

/// One distinct event as the oracle keeps it.
#[derive(Clone, Copy, Debug)]
struct Fact {
    time_ms: i64,
    /// Index of its first delivery in the tape (arrival order).
    arrival: u32,
    revenue_cents: i64,
}

#[derive(Clone, Debug)]
struct Pane {
    start_ms: i64,
    /// Arrival indices, ascending.
    arrivals: Vec<u32>,
    /// `revenue_prefix[n]`: revenue of the first `n` arrivals.
    revenue_prefix: Vec<i64>,
    /// Every arrival's revenue (the last prefix, kept inline: a walk over many panes'
    /// final answers then reads no other memory).
    revenue_total: i64,
}

/// See [`StreamTruth::finals`]. Asking for an earlier start than the last one is allowed
/// (it searches again); the answers are always [`StreamTruth::window_final`]'s.
pub struct Finals<'a> {
    truth: &'a StreamTruth,
    extra: &'a [OrderEvent],
    /// The first pane starting at or after the last start asked.
    from: usize,
    last_start_ms: i64,
}

impl Finals<'_> {
    /// The final answer for the window starting at `start_ms`.
    pub fn at(&mut self, start_ms: i64) -> Answer {
        let panes = &self.truth.panes;
        if start_ms < self.last_start_ms {
            self.from = panes.partition_point(|p| p.start_ms < start_ms);
        } else {
            while panes.get(self.from).is_some_and(|p| p.start_ms < start_ms) {
                self.from += 1;
            }
        }
        self.last_start_ms = start_ms;
        let end = start_ms.saturating_add(self.truth.window_size());
        let mut a = Answer::default();
        for p in panes[self.from..].iter().take_while(|p| p.start_ms < end) {
            a.events += p.arrivals.len() as u64;
            a.revenue_cents += p.revenue_total;
        }
        self.truth.add_extra(&mut a, start_ms, end, self.extra);
        a
    }
}

/// A session in the ground truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTruth {
    pub user: u32,
    pub start_ms: i64,
    pub end_ms: i64,
    pub answer: Answer,
}

/// The oracle over one input tape.
#[derive(Clone, Debug)]
pub struct StreamTruth {
    def: WindowDef,
    paid_only: bool,
    pane_ms: i64,
    panes: Vec<Pane>,
    /// Per user id (index = user), distinct events sorted by event time.
    users: Vec<Vec<Fact>>,
    /// Every final session of the tape, sorted by (user, start).
    tape_sessions: Vec<SessionTruth>,
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn revenue(e: &OrderEvent, paid_only: bool) -> i64 {
    if !paid_only || e.status == OrderStatus::Paid {
        e.amount_cents
    } else {
        0
    }
}

impl StreamTruth {
    /// Builds the oracle. `paid_only` is code v2's revenue rule (v1 adds every event).
    pub fn build(tape: &[OrderEvent], def: WindowDef, paid_only: bool) -> Self {
        // First delivery of every id: sort (id, index) and keep the smallest index per id.
        let mut firsts: Vec<(i64, u64)> = tape
            .iter()
            .enumerate()
            .map(|(i, e)| (e.event_id as i64, i as u64))
            .collect();
        sort_pairs(&mut firsts);
        firsts.dedup_by_key(|(id, _)| *id);
        let pane_ms = match def {
            WindowDef::Tumbling { size_ms } => size_ms.max(1),
            // Panes of gcd(size, slide) tile every window exactly.
            WindowDef::Sliding { size_ms, slide_ms } => gcd(size_ms.max(1), slide_ms.max(1)),
            WindowDef::Session { .. } => i64::MAX,
        };
        let mut panes = Vec::new();
        let mut users: Vec<Vec<Fact>> = Vec::new();
        if let WindowDef::Session { .. } = def {
            let mut by_user: Vec<Vec<(i64, u64)>> = Vec::new();
            for (_, i) in &firsts {
                let e = &tape[*i as usize];
                let u = e.user_id as usize;
                if by_user.len() <= u {
                    by_user.resize_with(u + 1, Vec::new);
                }
                by_user[u].push((e.event_time.0, *i));
            }
            users = by_user
                .into_iter()
                .map(|mut list| {
                    sort_pairs(&mut list);
                    list.into_iter()
                        .map(|(t, i)| Fact {
                            time_ms: t,
                            arrival: i as u32,
                            revenue_cents: revenue(&tape[i as usize], paid_only),
                        })
                        .collect()
                })
                .collect();
        } else {
            let mut keyed: Vec<(i64, u64)> = firsts
                .iter()
                .map(|(_, i)| {
                    let t = tape[*i as usize].event_time.0;
                    (t - t.rem_euclid(pane_ms), *i)
                })
                .collect();
            sort_pairs(&mut keyed);
            for (start, i) in keyed {
                if panes.last().is_none_or(|p: &Pane| p.start_ms != start) {
                    panes.push(Pane {
                        start_ms: start,
                        arrivals: Vec::new(),
                        revenue_prefix: vec![0],
                        revenue_total: 0,
                    });
                }
                if let Some(p) = panes.last_mut() {
                    let before = p.revenue_prefix.last().copied().unwrap_or(0);
                    let total = before + revenue(&tape[i as usize], paid_only);
                    p.arrivals.push(i as u32);
                    p.revenue_prefix.push(total);
                    p.revenue_total = total;
                }
            }
        }
        let mut truth = StreamTruth {
            def,
            paid_only,
            pane_ms,
            panes,
            users,
            tape_sessions: Vec::new(),
        };
        truth.tape_sessions = truth.all_sessions(&[]);
        truth
    }

    /// The final session of `user` starting at `start_ms`, if the input has one.
    pub fn session_final(
        &self,
        user: u32,
        start_ms: i64,
        extra: &[OrderEvent],
    ) -> Option<SessionTruth> {
        if extra.iter().any(|e| e.user_id == user) {
            return self
                .sessions(user, u64::MAX, extra)
                .into_iter()
                .find(|s| s.start_ms == start_ms);
        }
        self.tape_sessions
            .binary_search_by(|s| (s.user, s.start_ms).cmp(&(user, start_ms)))
            .ok()
            .and_then(|i| self.tape_sessions.get(i).copied())
    }

    fn window_size(&self) -> i64 {
        match self.def {
            WindowDef::Tumbling { size_ms } => size_ms.max(1),
            WindowDef::Sliding { size_ms, .. } => size_ms.max(1),
            WindowDef::Session { .. } => 0,
        }
    }

    /// The answer for the time window `[start, start + size)` over tape events whose first
    /// delivery is among the first `arrived`, plus `extra` (inserted events, all arrived).
    pub fn window(&self, start_ms: i64, arrived: u64, extra: &[OrderEvent]) -> Answer {
        let end = start_ms.saturating_add(self.window_size());
        let mut a = Answer::default();
        let from = self.panes.partition_point(|p| p.start_ms < start_ms);
        for p in self.panes[from..].iter().take_while(|p| p.start_ms < end) {
            let n = p.arrivals.partition_point(|i| (*i as u64) < arrived);
            a.events += n as u64;
            a.revenue_cents += p.revenue_prefix.get(n).copied().unwrap_or(0);
        }
        self.add_extra(&mut a, start_ms, end, extra);
        a
    }

    /// Adds the distinct `extra` events of `[start_ms, end)` to `a`.
    fn add_extra(&self, a: &mut Answer, start_ms: i64, end: i64, extra: &[OrderEvent]) {
        let mut seen: Vec<u64> = Vec::new();
        for e in extra {
            let t = e.event_time.0;
            if t >= start_ms && t < end && !seen.contains(&e.event_id) {
                seen.push(e.event_id);
                a.events += 1;
                a.revenue_cents += revenue(e, self.paid_only);
            }
        }
    }

    /// Final answers ([`Self::window_final`]) for windows asked in increasing start order,
    /// walking the panes once instead of searching them per window: what a page needs to
    /// judge every closed window each frame.
    pub fn finals<'a>(&'a self, extra: &'a [OrderEvent]) -> Finals<'a> {
        Finals {
            truth: self,
            extra,
            from: 0,
            last_start_ms: i64::MIN,
        }
    }

    /// The final answer for the window starting at `start_ms` (every tape event counted).
    pub fn window_final(&self, start_ms: i64, extra: &[OrderEvent]) -> Answer {
        self.window(start_ms, u64::MAX, extra)
    }

    /// The sessions of `user` over tape events first delivered among the first `arrived`,
    /// plus `extra`, in time order.
    pub fn sessions(&self, user: u32, arrived: u64, extra: &[OrderEvent]) -> Vec<SessionTruth> {
        let WindowDef::Session { gap_ms } = self.def else {
            return Vec::new();
        };
        // (time, revenue as the payload's bits): sorted by time, the revenue rides along.
        let mut facts: Vec<(i64, u64)> = self
            .users
            .get(user as usize)
            .map(|l| {
                l.iter()
                    .filter(|f| (f.arrival as u64) < arrived)
                    .map(|f| (f.time_ms, f.revenue_cents as u64))
                    .collect()
            })
            .unwrap_or_default();
        let mut seen: Vec<u64> = Vec::new();
        for e in extra {
            if e.user_id == user && !seen.contains(&e.event_id) {
                seen.push(e.event_id);
                facts.push((e.event_time.0, revenue(e, self.paid_only) as u64));
            }
        }
        sort_pairs(&mut facts);
        let mut out: Vec<SessionTruth> = Vec::new();
        for (t, rev) in facts {
            let rev = rev as i64;
            match out.last_mut() {
                Some(s) if t < s.end_ms => {
                    s.end_ms = s.end_ms.max(t + gap_ms);
                    s.answer.events += 1;
                    s.answer.revenue_cents += rev;
                }
                _ => out.push(SessionTruth {
                    user,
                    start_ms: t,
                    end_ms: t + gap_ms,
                    answer: Answer {
                        events: 1,
                        revenue_cents: rev,
                    },
                }),
            }
        }
        out
    }

    /// Every final window start (tumbling/sliding) with its answer, in start order: the
    /// set of windows a correct processor must have emitted by the end of the input.
    pub fn all_windows(&self, extra: &[OrderEvent]) -> Vec<(i64, Answer)> {
        let size = self.window_size();
        if size == 0 {
            return Vec::new();
        }
        let mut starts: Vec<(i64, u64)> = Vec::new();
        let times = self.panes.iter().map(|p| p.start_ms).chain(
            extra
                .iter()
                .map(|e| e.event_time.0 - e.event_time.0.rem_euclid(self.pane_ms)),
        );
        let slide = match self.def {
            WindowDef::Sliding { slide_ms, .. } => slide_ms.max(1),
            _ => size,
        };
        for pane in times {
            // Every window start on the slide grid whose range covers this pane.
            let mut s = (pane - size).div_euclid(slide) * slide;
            while s <= pane {
                if pane < s + size {
                    starts.push((s, 0));
                }
                s += slide;
            }
        }
        sort_pairs(&mut starts);
        starts.dedup();
        starts
            .into_iter()
            .map(|(s, _)| (s, self.window_final(s, extra)))
            .filter(|(_, a)| a.events > 0)
            .collect()
    }

    /// Every final session of every user.
    pub fn all_sessions(&self, extra: &[OrderEvent]) -> Vec<SessionTruth> {
        let mut users: Vec<(i64, u64)> = (0..self.users.len() as u32)
            .filter(|u| self.users.get(*u as usize).is_some_and(|l| !l.is_empty()))
            .chain(extra.iter().map(|e| e.user_id))
            .map(|u| (u as i64, 0))
            .collect();
        sort_pairs(&mut users);
        users.dedup();
        users
            .into_iter()
            .flat_map(|(u, _)| self.sessions(u as u32, u64::MAX, extra))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ev(id: u64, user: u32, t: i64, status: OrderStatus) -> OrderEvent {
        OrderEvent {
            event_id: id,
            order_id: id,
            user_id: user,
            product_id: 1,
            amount_cents: 100,
            status,
            event_time: SimTime(t),
            arrival_time: SimTime(t),
            duplicate: false,
        }
    }

    #[test]
    fn counts_distinct_ids_by_first_delivery() {
        let tape = [
            ev(1, 1, 5, OrderStatus::Created),
            ev(2, 1, 12, OrderStatus::Paid),
            ev(1, 1, 5, OrderStatus::Created),
            ev(3, 2, 8, OrderStatus::Paid),
        ];
        let t = StreamTruth::build(&tape, WindowDef::Tumbling { size_ms: 10 }, true);
        assert_eq!(
            t.window_final(0, &[]),
            Answer {
                events: 2,
                revenue_cents: 100
            }
        );
        assert_eq!(
            t.window(0, 1, &[]).events,
            1,
            "only the first delivery arrived"
        );
        assert_eq!(t.window(0, 3, &[]).events, 1, "the repeat does not count");
        assert_eq!(t.window(0, 4, &[]).events, 2);
        let extra = [ev(INJ, 3, 9, OrderStatus::Paid)];
        assert_eq!(t.window_final(0, &extra).events, 3);
        assert_eq!(t.all_windows(&[]).len(), 2);
    }

    const INJ: u64 = 1 << 48;

    #[test]
    fn sliding_windows_sum_their_panes_and_sessions_cut_at_gaps() {
        let tape = [
            ev(1, 1, 0, OrderStatus::Created),
            ev(2, 1, 4, OrderStatus::Created),
            ev(3, 1, 20, OrderStatus::Created),
        ];
        let t = StreamTruth::build(
            &tape,
            WindowDef::Sliding {
                size_ms: 10,
                slide_ms: 5,
            },
            false,
        );
        let all: Vec<(i64, u64)> = t
            .all_windows(&[])
            .iter()
            .map(|(s, a)| (*s, a.events))
            .collect();
        assert_eq!(all, vec![(-5, 2), (0, 2), (15, 1), (20, 1)]);
        let s = StreamTruth::build(&tape, WindowDef::Session { gap_ms: 5 }, false);
        let got: Vec<(i64, i64, u64)> = s
            .all_sessions(&[])
            .iter()
            .map(|x| (x.start_ms, x.end_ms, x.answer.events))
            .collect();
        assert_eq!(got, vec![(0, 9, 2), (20, 25, 1)]);
        // An inserted event at 12 bridges nothing (gap 5 from 4 is 9 < 12) but one at 8 joins.
        let extra = [ev(INJ, 1, 8, OrderStatus::Created)];
        assert_eq!(s.sessions(1, u64::MAX, &extra)[0].end_ms, 13);
    }
}
