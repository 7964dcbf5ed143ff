//! Event-time windows: tumbling, sliding and per-user session windows, the window key, the
//! aggregate kept per window, and the code versions' revenue rules.

use crate::workload::{OrderEvent, OrderStatus};

/// Which windows events fall into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// Fixed, non-overlapping windows of `size`.
    Tumbling,
    /// Windows of `size` starting every `slide`: an event is in `size / slide` of them.
    Sliding,
    /// Per user: events closer than `gap` belong to one session.
    Session,
}

impl WindowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WindowKind::Tumbling => "tumbling",
            WindowKind::Sliding => "sliding",
            WindowKind::Session => "session",
        }
    }
}

/// A window: `[start, end)` in event time (ms); `user` is 0 except for sessions.
/// Ordered by end first, so the windows a watermark closes come first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WindowKey {
    pub end_ms: i64,
    pub start_ms: i64,
    pub user: u32,
}

/// What a window holds so far: distinct events and the revenue the code version counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Agg {
    pub events: u64,
    pub revenue_cents: i64,
}

impl Agg {
    pub fn add(&mut self, other: Agg) {
        self.events += other.events;
        self.revenue_cents += other.revenue_cents;
    }
}

/// The processing code's version: what "revenue" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// v1 adds the order amount of every event, so an order that is created, paid and
    /// shipped counts three times (the bug v2 fixes).
    V1,
    /// v2 counts an order's amount once, when it is paid.
    V2,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::V1 => "v1",
            Rule::V2 => "v2",
        }
    }

    /// One event's contribution to a window.
    pub fn agg_of(self, e: &OrderEvent) -> Agg {
        let revenue_cents = match self {
            Rule::V1 => e.amount_cents,
            Rule::V2 if e.status == OrderStatus::Paid => e.amount_cents,
            Rule::V2 => 0,
        };
        Agg {
            events: 1,
            revenue_cents,
        }
    }
}

/// The window definition (sizes in ms, validated by the page's parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    pub kind: WindowKind,
    pub size_ms: i64,
    pub slide_ms: i64,
    pub gap_ms: i64,
}

impl Windows {
    /// The tumbling or sliding windows containing event time `t`, earliest start first.
    /// Sessions are assigned by merging (see the processor), so this returns none for them.
    pub fn assign(&self, t: i64, user: u32, out: &mut Vec<WindowKey>) {
        out.clear();
        let _ = user;
        match self.kind {
            WindowKind::Tumbling => {
                let start = t.div_euclid(self.size_ms.max(1)) * self.size_ms.max(1);
                out.push(WindowKey {
                    start_ms: start,
                    end_ms: start + self.size_ms.max(1),
                    user: 0,
                });
            }
            WindowKind::Sliding => {
                let slide = self.slide_ms.max(1);
                let size = self.size_ms.max(slide);
                let last = t.div_euclid(slide) * slide;
                let mut start = last - (size - 1) / slide * slide;
                while start <= last {
                    if start + size > t {
                        out.push(WindowKey {
                            start_ms: start,
                            end_ms: start + size,
                            user: 0,
                        });
                    }
                    start += slide;
                }
            }
            WindowKind::Session => {}
        }
    }

    /// A lone event's session before merging: `[t, t + gap)`.
    pub fn session_of(&self, t: i64, user: u32) -> WindowKey {
        WindowKey {
            start_ms: t,
            end_ms: t + self.gap_ms.max(1),
            user,
        }
    }

    /// Wording for narration: "10 min tumbling", "10 min every 5 min", "sessions (15 min gap)".
    pub fn describe(&self) -> String {
        use crate::format::duration_ms;
        match self.kind {
            WindowKind::Tumbling => format!("{} tumbling windows", duration_ms(self.size_ms)),
            WindowKind::Sliding => format!(
                "{} windows sliding every {}",
                duration_ms(self.size_ms),
                duration_ms(self.slide_ms)
            ),
            WindowKind::Session => {
                format!("per-user sessions ({} gap)", duration_ms(self.gap_ms))
            }
        }
    }
}

/// A Flink SQL interval literal, `INTERVAL '90' SECOND`. Flink's (Calcite's) default
/// leading-field precision is 2 digits, so `INTERVAL '600' SECOND` fails validation ("exceeds
/// precision of SECOND(2) field"); a longer value states its precision: `INTERVAL '600'
/// SECOND(3)`.
pub fn flink_interval(n: i64, unit: &str) -> String {
    let digits = n.unsigned_abs().to_string().len();
    if digits > 2 {
        format!("INTERVAL '{n}' {unit}({digits})")
    } else {
        format!("INTERVAL '{n}' {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn w(kind: WindowKind, size: i64, slide: i64) -> Windows {
        Windows {
            kind,
            size_ms: size,
            slide_ms: slide,
            gap_ms: 0,
        }
    }

    #[test]
    fn flink_intervals_state_a_precision_past_two_digits() {
        assert_eq!(flink_interval(90, "SECOND"), "INTERVAL '90' SECOND");
        assert_eq!(flink_interval(600, "SECOND"), "INTERVAL '600' SECOND(3)");
        assert_eq!(flink_interval(1440, "MINUTE"), "INTERVAL '1440' MINUTE(4)");
    }

    #[test]
    fn tumbling_puts_each_time_in_one_half_open_window() {
        let mut out = Vec::new();
        w(WindowKind::Tumbling, 10, 10).assign(10, 0, &mut out);
        assert_eq!((out[0].start_ms, out[0].end_ms), (10, 20));
        w(WindowKind::Tumbling, 10, 10).assign(9, 0, &mut out);
        assert_eq!((out[0].start_ms, out[0].end_ms), (0, 10));
        w(WindowKind::Tumbling, 10, 10).assign(-1, 0, &mut out);
        assert_eq!(out[0].start_ms, -10);
    }

    #[test]
    fn sliding_windows_are_every_window_whose_range_holds_the_time() {
        let mut out = Vec::new();
        for t in -30..60 {
            for (size, slide) in [(10, 5), (10, 3), (9, 9), (12, 4)] {
                w(WindowKind::Sliding, size, slide).assign(t, 0, &mut out);
                // Brute force: every start that is a multiple of slide near t.
                let expect: Vec<i64> = (-100..100)
                    .map(|k| k * slide)
                    .filter(|s| *s <= t && t < s + size)
                    .collect();
                let got: Vec<i64> = out.iter().map(|k| k.start_ms).collect();
                assert_eq!(got, expect, "t={t} size={size} slide={slide}");
            }
        }
    }
}
