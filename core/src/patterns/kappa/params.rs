//! Kappa's parameters: the window definition, the allowed delay, late handling, the job's
//! code version, checkpointing and catch-up speed, and the workload knobs.

use crate::sim::params::{parse_choice, parse_float, parse_int, parse_on_off};
use crate::sim::{ParamError, ParamKind, ParamSpec, Params, PitfallSpec};
use crate::stream::{load, Rule, WindowKind, Windows};
use crate::workload::WorkloadParams;

/// Largest run the page allows (PAGE-CONTRACT.md asks for at least 1,000,000).
pub use crate::stream::load::MAX_EVENTS;
/// Most windows one event may belong to (sliding size / slide).
pub const MAX_WINDOWS_PER_EVENT: i64 = 12;

/// The pitfall: the note's source starts at the latest offset and declares no watermark.
pub const PITFALL_LATEST: &str = "latest-offset";

pub(crate) const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "window",
        label: "Windows",
        help: "Tumbling: fixed, back to back. Sliding: fixed size, a new one every slide. Session: per user, closed by a gap of inactivity.",
        kind: ParamKind::Choice(&[
            ("tumbling", "tumbling"),
            ("sliding", "sliding"),
            ("session", "session (per user)"),
        ]),
    },
    ParamSpec {
        name: "size",
        label: "Window size (min)",
        help: "Length of a tumbling or sliding window in event time.",
        kind: ParamKind::Int { min: 1, max: 1440 },
    },
    ParamSpec {
        name: "slide",
        label: "Slide (min)",
        help: "Sliding windows only: a new window starts every slide; at most 12 windows per event.",
        kind: ParamKind::Int { min: 1, max: 1440 },
    },
    ParamSpec {
        name: "gap",
        label: "Session gap (min)",
        help: "Session windows only: a user's session ends after this long without an event.",
        kind: ParamKind::Int { min: 1, max: 240 },
    },
    ParamSpec {
        name: "delay",
        label: "Allowed delay (s)",
        help: "Watermark = latest event time seen − this. Windows emit when the watermark passes their end; events behind it are late.",
        kind: ParamKind::Int { min: 0, max: 7200 },
    },
    ParamSpec {
        name: "late",
        label: "Late events",
        help: "What the job does with an event whose windows have already emitted.",
        kind: ParamKind::Choice(&[("side", "send to a side output"), ("drop", "drop (count only)")]),
    },
    ParamSpec {
        name: "version",
        label: "Code version",
        help: "v1 adds an order's amount on every event (created, paid, shipped: counted up to three times); v2 counts it once, when paid.",
        kind: ParamKind::Choice(&[("v1", "v1 (revenue bug)"), ("v2", "v2 (fixed)")]),
    },
    ParamSpec {
        name: "checkpoint",
        label: "Checkpoint every (events)",
        help: "The job saves its state and offset this often; after a crash it restarts from the last save.",
        kind: ParamKind::Int { min: 10, max: 100_000 },
    },
    ParamSpec {
        name: "catchup",
        label: "Catch-up speed (events/step)",
        help: "How many events a job behind the head of the log reads per step (replay after a crash or for a new version).",
        kind: ParamKind::Int { min: 2, max: 1000 },
    },
    ParamSpec {
        name: "sink",
        label: "Output sink delivers",
        help: "At-least-once (the Kafka sink's default): a result is visible as soon as it is written, and after a restore the results written since the checkpoint are written again. Exactly-once: results are written in a Kafka transaction committed by the next checkpoint; read_committed readers see each once, but only after that checkpoint.",
        kind: ParamKind::Choice(&[
            ("at-least-once", "at-least-once (default)"),
            ("exactly-once", "exactly-once (transactions)"),
        ]),
    },
    load::EVENTS,
    load::USERS,
    load::INTERVAL,
    load::LATE_SHARE,
    load::LATENESS,
    load::DUPS,
];

const PITFALLS: &[PitfallSpec] = &[PitfallSpec {
    name: PITFALL_LATEST,
    label: "The note's source: latest-offset, no watermark",
    help: "The note's job declares no WATERMARK, so event_time is not a time attribute and Flink's planner rejects the TUMBLE when the job is submitted: it never starts. Its 'latest-offset' is a second mistake: a new version started that way would begin at the head of the log with no history to replay.",
}];

/// Validated Kappa parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct KappaParams {
    pub window: WindowKind,
    pub size_min: i64,
    pub slide_min: i64,
    pub gap_min: i64,
    pub delay_s: i64,
    pub side_output: bool,
    pub version: Rule,
    pub checkpoint_events: u64,
    /// The output sink's delivery guarantee: exactly-once (Kafka transactions committed by
    /// checkpoints) or at-least-once (the Kafka sink's default).
    pub exactly_once: bool,
    pub catchup_events: u64,
    pub events: u64,
    pub users: u32,
    pub interval_s: i64,
    pub late_share: f64,
    pub lateness_s: i64,
    pub dup_share: f64,
    /// The note's source (pitfall).
    pub latest_offset: bool,
}

impl Default for KappaParams {
    fn default() -> Self {
        KappaParams {
            window: WindowKind::Tumbling,
            size_min: 10,
            slide_min: 5,
            gap_min: 15,
            delay_s: 60,
            side_output: true,
            version: Rule::V1,
            checkpoint_events: 200,
            exactly_once: false,
            catchup_events: 8,
            events: 3000,
            users: 50,
            interval_s: 10,
            late_share: 0.1,
            lateness_s: 600,
            dup_share: 0.02,
            latest_offset: false,
        }
    }
}

impl Params for KappaParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn pitfalls() -> &'static [PitfallSpec] {
        PITFALLS
    }

    fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "window" => self.window.as_str().to_string(),
            "size" => self.size_min.to_string(),
            "slide" => self.slide_min.to_string(),
            "gap" => self.gap_min.to_string(),
            "delay" => self.delay_s.to_string(),
            "late" => if self.side_output { "side" } else { "drop" }.to_string(),
            "version" => self.version.as_str().to_string(),
            "checkpoint" => self.checkpoint_events.to_string(),
            "sink" => if self.exactly_once {
                "exactly-once"
            } else {
                "at-least-once"
            }
            .to_string(),
            "catchup" => self.catchup_events.to_string(),
            "events" => self.events.to_string(),
            "users" => self.users.to_string(),
            "interval" => self.interval_s.to_string(),
            "lateshare" => format!("{}", self.late_share),
            "lateness" => self.lateness_s.to_string(),
            "dups" => format!("{}", self.dup_share),
            PITFALL_LATEST => if self.latest_offset { "on" } else { "off" }.to_string(),
            _ => return None,
        })
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if field == PITFALL_LATEST {
            self.latest_offset = parse_on_off(field, value)?;
            return Ok(());
        }
        let spec = Self::spec_or_error(field)?;
        match field {
            "window" => {
                self.window = match parse_choice(spec, value)? {
                    "sliding" => WindowKind::Sliding,
                    "session" => WindowKind::Session,
                    _ => WindowKind::Tumbling,
                }
            }
            "size" => self.size_min = parse_int(spec, value)?,
            "slide" => self.slide_min = parse_int(spec, value)?,
            "gap" => self.gap_min = parse_int(spec, value)?,
            "delay" => self.delay_s = parse_int(spec, value)?,
            "late" => self.side_output = parse_choice(spec, value)? == "side",
            "version" => {
                self.version = match parse_choice(spec, value)? {
                    "v2" => Rule::V2,
                    _ => Rule::V1,
                }
            }
            "checkpoint" => self.checkpoint_events = parse_int(spec, value)? as u64,
            "sink" => self.exactly_once = parse_choice(spec, value)? == "exactly-once",
            "catchup" => self.catchup_events = parse_int(spec, value)? as u64,
            "events" => self.events = parse_int(spec, value)? as u64,
            "users" => self.users = parse_int(spec, value)? as u32,
            "interval" => self.interval_s = parse_int(spec, value)?,
            "lateshare" => self.late_share = parse_float(spec, value)?,
            "lateness" => self.lateness_s = parse_int(spec, value)?,
            "dups" => self.dup_share = parse_float(spec, value)?,
            _ => return Err(ParamError::new(field, "is not a parameter of this page")),
        }
        Ok(())
    }
}

impl KappaParams {
    /// Every bound checked again, plus the rules that tie fields together.
    pub fn validate(&self) -> Vec<ParamError> {
        let mut errors = self.bound_errors();
        if self.window == WindowKind::Sliding {
            if self.slide_min > self.size_min {
                errors.push(ParamError::new(
                    "slide",
                    format!(
                        "{} min is longer than the window ({} min): the slide must be at most the size",
                        self.slide_min, self.size_min
                    ),
                ));
            } else if self.size_min > self.slide_min * MAX_WINDOWS_PER_EVENT {
                errors.push(ParamError::new(
                    "slide",
                    format!(
                        "{} min puts each event in more than {MAX_WINDOWS_PER_EVENT} windows of {} min: use a slide of at least {} min",
                        self.slide_min,
                        self.size_min,
                        (self.size_min + MAX_WINDOWS_PER_EVENT - 1) / MAX_WINDOWS_PER_EVENT
                    ),
                ));
            }
        }
        errors
    }

    pub fn windows(&self) -> Windows {
        Windows {
            kind: self.window,
            size_ms: self.size_min * 60_000,
            slide_ms: self.slide_min * 60_000,
            gap_ms: self.gap_min * 60_000,
        }
    }

    pub fn workload(&self) -> WorkloadParams {
        load::workload(
            self.users,
            self.interval_s,
            self.late_share,
            self.lateness_s,
            self.dup_share,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::dedupe::WINDOW_IDS;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_every_field_and_the_pitfall_is_not_a_field() {
        let mut p = KappaParams::default();
        p.set("window", "sliding").unwrap();
        p.set("delay", "600").unwrap();
        p.set("dups", "0.1").unwrap();
        p.set("sink", "exactly-once").unwrap();
        assert!(p.exactly_once);
        p.set(PITFALL_LATEST, "on").unwrap();
        let mut q = KappaParams::default();
        for s in KappaParams::specs() {
            q.set(s.name, &p.get(s.name).unwrap()).unwrap();
        }
        q.set(PITFALL_LATEST, "on").unwrap();
        assert_eq!(p, q);
        assert!(p
            .non_default_fields()
            .iter()
            .all(|(f, _)| *f != PITFALL_LATEST));
        assert!(p.set(PITFALL_LATEST, "yes").is_err());
    }

    #[test]
    fn cross_field_rules_name_the_field_and_the_bound() {
        let p = KappaParams {
            window: WindowKind::Sliding,
            size_min: 10,
            slide_min: 20,
            ..KappaParams::default()
        };
        let e = p.validate();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "slide");
        let p = KappaParams {
            window: WindowKind::Sliding,
            size_min: 60,
            slide_min: 1,
            ..KappaParams::default()
        };
        assert!(p.validate()[0].message.contains("at least 5 min"));
        assert!(KappaParams::default().validate().is_empty());
    }

    #[test]
    fn the_bounds_keep_every_late_event_inside_the_duplicate_filter() {
        // Ids are handed out in event-time order, about one per mean gap; a late event or a
        // redelivery is at most the maximum lateness behind, so its id is within
        // lateness / interval of the newest id (gaps are drawn up to twice the mean).
        let (ParamKind::Int { max: lateness, .. }, ParamKind::Int { min: interval, .. }) = (
            KappaParams::spec_or_error("lateness").unwrap().kind,
            KappaParams::spec_or_error("interval").unwrap().kind,
        ) else {
            panic!("int params");
        };
        assert!(((lateness + 5) / interval) as u64 * 2 < WINDOW_IDS);
    }
}
