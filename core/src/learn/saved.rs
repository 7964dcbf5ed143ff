//! The learner's saved work — quiz answers, interview scores, tour positions and named
//! scenarios — as one JSON document (kept in localStorage, exported and imported as a
//! file). Reading never panics and never half-succeeds: a text is either a whole, checked
//! `SavedWork` or a message saying what is wrong with it, so the caller can keep what it
//! has and let the learner choose.

use super::bank::Question;
use super::fields::{array_value, Obj};
use super::interview::Report;
use crate::json::{self, write_string, Value};

/// The marker of a pipelab save: `"pipelab": "saved-work"`.
pub const MARKER: &str = "saved-work";
pub const FORMAT: u64 = 1;
/// Largest text read (a file or the stored value).
pub const MAX_BYTES: usize = 1024 * 1024;
pub const MAX_SCENARIOS: usize = 200;
pub const MAX_INTERVIEWS: usize = 100;
pub const MAX_ANSWERS: usize = 5_000;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_QUERY_CHARS: usize = 2_000;
/// Routes a saved scenario may open.
pub const ROUTES: [&str; 17] = [
    "etl-elt",
    "batch-writes",
    "lambda",
    "kappa",
    "lakehouse",
    "event-sourcing",
    "cqrs",
    "partitioning",
    "sharding",
    "caching",
    "cdc",
    "contracts",
    "compare/etl-vs-elt",
    "compare/lambda-vs-kappa",
    "compare/modn-vs-ring",
    "compare/hash-vs-range",
    "compare/invalidate-vs-write-through",
];
/// Largest time in ms since 1970 accepted (year 2286).
const MAX_MS: u64 = 9_999_999_999_999;

/// One question's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRecord {
    pub id: String,
    pub tries: u32,
    pub right: u32,
    /// Whether the latest try was right.
    pub last: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewRecord {
    pub at_ms: u64,
    pub asked: u32,
    pub right: u32,
    pub limit_ms: u64,
    pub used_ms: u64,
    /// `(pattern, asked, right)`.
    pub patterns: Vec<(String, u32, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedScenario {
    pub name: String,
    /// `kappa`, `compare/etl-vs-elt`, …
    pub route: String,
    /// The query string without `?` (the one encoder's output).
    pub query: String,
    pub saved_ms: u64,
}

impl SavedScenario {
    pub fn href(&self) -> String {
        format!("/{}?{}", self.route, self.query)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedWork {
    pub answers: Vec<AnswerRecord>,
    pub interviews: Vec<InterviewRecord>,
    /// `(pattern, slide)`: the slide (1-based) each tour was left at; past the last = finished.
    pub tours: Vec<(String, u32)>,
    pub scenarios: Vec<SavedScenario>,
}

/// Why a text could not be read as saved work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError(pub String);

impl SavedWork {
    pub fn is_empty(&self) -> bool {
        *self == SavedWork::default()
    }

    pub fn record_answer(&mut self, id: &str, right: bool) {
        match self.answers.iter().position(|a| a.id == id) {
            Some(i) => {
                let a = &mut self.answers[i];
                a.tries = a.tries.saturating_add(1);
                a.right = a.right.saturating_add(u32::from(right));
                a.last = right;
            }
            None if self.answers.len() < MAX_ANSWERS => self.answers.push(AnswerRecord {
                id: id.to_string(),
                tries: 1,
                right: u32::from(right),
                last: right,
            }),
            None => {}
        }
    }

    pub fn answer(&self, id: &str) -> Option<&AnswerRecord> {
        self.answers.iter().find(|a| a.id == id)
    }

    /// Questions of `bank` whose latest try was right.
    pub fn mastered(&self, bank: &[Question]) -> usize {
        bank.iter()
            .filter(|q| self.answer(&q.id).is_some_and(|a| a.last))
            .count()
    }

    pub fn record_interview(&mut self, at_ms: u64, limit_ms: u64, report: &Report) {
        if self.interviews.len() >= MAX_INTERVIEWS {
            self.interviews.remove(0);
        }
        self.interviews.push(InterviewRecord {
            at_ms: at_ms.min(MAX_MS),
            asked: report.asked,
            right: report.right,
            limit_ms,
            used_ms: report.used_ms,
            patterns: report
                .by_pattern
                .iter()
                .map(|s| (s.pattern.clone(), s.asked, s.right))
                .collect(),
        });
    }

    pub fn set_tour(&mut self, pattern: &str, slide: u32) {
        match self.tours.iter_mut().find(|(p, _)| p == pattern) {
            Some(t) => t.1 = slide,
            None => self.tours.push((pattern.to_string(), slide)),
        }
    }

    pub fn tour(&self, pattern: &str) -> Option<u32> {
        self.tours.iter().find(|(p, _)| p == pattern).map(|t| t.1)
    }

    /// Saves a named scenario; a scenario of the same name is replaced (the message says
    /// so). `Err` names what is wrong with the name or the state.
    pub fn save_scenario(
        &mut self,
        name: &str,
        route: &str,
        query: &str,
        now_ms: u64,
    ) -> Result<String, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("Give the scenario a name.".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("A name has at most {MAX_NAME_CHARS} characters."));
        }
        if !ROUTES.contains(&route) {
            return Err(format!("/{route} has no scenario to save."));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err("This scenario's link is too long to save.".into());
        }
        let s = SavedScenario {
            name: name.to_string(),
            route: route.to_string(),
            query: query.to_string(),
            saved_ms: now_ms.min(MAX_MS),
        };
        if let Some(old) = self.scenarios.iter_mut().find(|x| x.name == name) {
            *old = s;
            return Ok(format!("Replaced the saved scenario “{name}”."));
        }
        if self.scenarios.len() >= MAX_SCENARIOS {
            return Err(format!(
                "You have {MAX_SCENARIOS} saved scenarios, the most kept: delete one first."
            ));
        }
        self.scenarios.push(s);
        Ok(format!("Saved “{name}”."))
    }

    pub fn delete_scenario(&mut self, index: usize) -> Option<SavedScenario> {
        (index < self.scenarios.len()).then(|| self.scenarios.remove(index))
    }

    /// Adds `other` to this work: answer counts add up, tours move to `other`'s slide,
    /// interviews are appended (oldest dropped past the cap), scenarios are added with
    /// " (2)", " (3)", … when a name is taken and they differ.
    pub fn merge(&mut self, other: &SavedWork) {
        for a in &other.answers {
            match self.answers.iter().position(|x| x.id == a.id) {
                Some(i) => {
                    let x = &mut self.answers[i];
                    x.tries = x.tries.saturating_add(a.tries);
                    x.right = x.right.saturating_add(a.right);
                    x.last = a.last;
                }
                None if self.answers.len() < MAX_ANSWERS => self.answers.push(a.clone()),
                None => {}
            }
        }
        for i in &other.interviews {
            if !self.interviews.contains(i) {
                if self.interviews.len() >= MAX_INTERVIEWS {
                    self.interviews.remove(0);
                }
                self.interviews.push(i.clone());
            }
        }
        for (p, s) in &other.tours {
            self.set_tour(p, *s);
        }
        for s in &other.scenarios {
            // Already here, under its name or as a renamed copy from an earlier merge.
            let same_name = |x: &str| {
                x == s.name
                    || x.strip_prefix(s.name.as_str()).is_some_and(|rest| {
                        rest.strip_prefix(" (")
                            .and_then(|r| r.strip_suffix(')'))
                            .is_some_and(|k| k.parse::<u32>().is_ok())
                    })
            };
            if self
                .scenarios
                .iter()
                .any(|x| x.route == s.route && x.query == s.query && same_name(&x.name))
            {
                continue;
            }
            if self.scenarios.len() >= MAX_SCENARIOS {
                break;
            }
            let mut name = s.name.clone();
            let mut k = 2;
            while self.scenarios.iter().any(|x| x.name == name) {
                let suffix = format!(" ({k})");
                let keep = MAX_NAME_CHARS.saturating_sub(suffix.chars().count());
                name = format!("{}{suffix}", s.name.chars().take(keep).collect::<String>());
                k += 1;
            }
            self.scenarios.push(SavedScenario { name, ..s.clone() });
        }
    }

    /// The document, as compact JSON with a fixed key order.
    pub fn to_json(&self) -> String {
        let mut o = String::with_capacity(256);
        o.push_str("{\"pipelab\":");
        write_string(&mut o, MARKER);
        o.push_str(&format!(",\"format\":{FORMAT},\"answers\":["));
        for (i, a) in self.answers.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"id\":");
            write_string(&mut o, &a.id);
            o.push_str(&format!(
                ",\"tries\":{},\"right\":{},\"last\":{}}}",
                a.tries, a.right, a.last
            ));
        }
        o.push_str("],\"interviews\":[");
        for (i, r) in self.interviews.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str(&format!(
                "{{\"at_ms\":{},\"asked\":{},\"right\":{},\"limit_ms\":{},\"used_ms\":{},\"patterns\":[",
                r.at_ms, r.asked, r.right, r.limit_ms, r.used_ms
            ));
            for (j, (p, asked, right)) in r.patterns.iter().enumerate() {
                if j > 0 {
                    o.push(',');
                }
                o.push_str("{\"pattern\":");
                write_string(&mut o, p);
                o.push_str(&format!(",\"asked\":{asked},\"right\":{right}}}"));
            }
            o.push_str("]}");
        }
        o.push_str("],\"tours\":[");
        for (i, (p, s)) in self.tours.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"pattern\":");
            write_string(&mut o, p);
            o.push_str(&format!(",\"slide\":{s}}}"));
        }
        o.push_str("],\"scenarios\":[");
        for (i, s) in self.scenarios.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"name\":");
            write_string(&mut o, &s.name);
            o.push_str(",\"route\":");
            write_string(&mut o, &s.route);
            o.push_str(",\"query\":");
            write_string(&mut o, &s.query);
            o.push_str(&format!(",\"saved_ms\":{}}}", s.saved_ms));
        }
        o.push_str("]}");
        o
    }

    /// Reads a document written by [`SavedWork::to_json`] (or by hand, to the same
    /// schema). Every problem is named by its path.
    pub fn from_json(text: &str) -> Result<SavedWork, ReadError> {
        if text.trim().is_empty() {
            return Err(ReadError("The file is empty.".into()));
        }
        let v = json::parse_up_to(text, MAX_BYTES)
            .map_err(|e| ReadError(format!("This is not valid JSON ({e}).")))?;
        let Value::Object(_) = v else {
            return Err(ReadError(format!(
                "This is not a pipelab save file: it holds a JSON {}, not an object.",
                v.kind()
            )));
        };
        if v.get("pipelab").and_then(Value::as_str) != Some(MARKER) {
            return Err(ReadError(
                "This JSON is not a pipelab save file (it has no \"pipelab\": \"saved-work\" field)."
                    .into(),
            ));
        }
        read(&v).map_err(|e| ReadError(format!("This save file is damaged: {e}.")))
    }
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn read(v: &Value) -> Result<SavedWork, String> {
    let o = Obj::new(v, "")?;
    o.only(&[
        "pipelab",
        "format",
        "answers",
        "interviews",
        "tours",
        "scenarios",
    ])?;
    let format = o.whole("format", u64::from(u32::MAX))?;
    if format > FORMAT {
        return Err(format!(
            "it was written by a newer pipelab (format {format}); this one reads format {FORMAT}"
        ));
    }
    if format < FORMAT {
        return Err(format!(
            "format {format} is not a format pipelab ever wrote"
        ));
    }
    let mut w = SavedWork::default();
    for (i, a) in o.opt_array("answers", MAX_ANSWERS)?.iter().enumerate() {
        let a = Obj::new(a, &format!("answers[{i}]"))?;
        a.only(&["id", "tries", "right", "last"])?;
        let id = a.text("id", 40)?.to_string();
        let tries = a.whole("tries", u64::from(u32::MAX))?;
        let right = a.whole("right", tries)?;
        if w.answers.iter().any(|x| x.id == id) {
            return Err(format!("{}: {id} appears twice", a.path("id")));
        }
        w.answers.push(AnswerRecord {
            id,
            tries: small(tries),
            right: small(right),
            last: a.boolean("last")?,
        });
    }
    for (i, r) in o
        .opt_array("interviews", MAX_INTERVIEWS)?
        .iter()
        .enumerate()
    {
        let r = Obj::new(r, &format!("interviews[{i}]"))?;
        r.only(&["at_ms", "asked", "right", "limit_ms", "used_ms", "patterns"])?;
        let asked = r.whole("asked", super::interview::MAX_QUESTIONS as u64)?;
        let right = r.whole("right", asked)?;
        let limit_ms = r.whole("limit_ms", super::interview::MAX_LIMIT_MS)?;
        let mut patterns = Vec::new();
        for (j, p) in r.array("patterns", 12)?.iter().enumerate() {
            let p = Obj::new(p, &format!("{}[{j}]", r.path("patterns")))?;
            p.only(&["pattern", "asked", "right"])?;
            let pa = p.whole("asked", asked)?;
            patterns.push((
                p.text("pattern", 40)?.to_string(),
                small(pa),
                small(p.whole("right", pa)?),
            ));
        }
        w.interviews.push(InterviewRecord {
            at_ms: r.whole("at_ms", MAX_MS)?,
            asked: small(asked),
            right: small(right),
            limit_ms,
            used_ms: r.whole("used_ms", limit_ms)?,
            patterns,
        });
    }
    for (i, t) in o.opt_array("tours", 12)?.iter().enumerate() {
        let t = Obj::new(t, &format!("tours[{i}]"))?;
        t.only(&["pattern", "slide"])?;
        let p = t.text("pattern", 40)?;
        if !ROUTES[..12].contains(&p) {
            return Err(format!("{}: {p} has no tour", t.path("pattern")));
        }
        let slide = t.whole("slide", super::tour::MAX_SLIDES as u64 + 1)?;
        w.set_tour(p, small(slide));
    }
    let scenarios = o.opt_array("scenarios", MAX_SCENARIOS)?;
    for (i, s) in scenarios.iter().enumerate() {
        let s = Obj::new(s, &format!("scenarios[{i}]"))?;
        s.only(&["name", "route", "query", "saved_ms"])?;
        let name = s.text("name", MAX_NAME_CHARS)?.trim().to_string();
        let route = s.text("route", 60)?;
        if !ROUTES.contains(&route) {
            return Err(format!(
                "{}: /{} is not a page with a scenario",
                s.path("route"),
                crate::sim::params::shorten(route)
            ));
        }
        let query = match s.get("query") {
            Some(Value::String(q)) if q.chars().count() <= MAX_QUERY_CHARS => q.clone(),
            Some(Value::String(_)) => {
                return Err(format!("{}: is too long", s.path("query")));
            }
            _ => return Err(format!("{}: must be text", s.path("query"))),
        };
        if w.scenarios.iter().any(|x| x.name == name) {
            return Err(format!("{}: “{name}” appears twice", s.path("name")));
        }
        w.scenarios.push(SavedScenario {
            name,
            route: route.to_string(),
            query,
            saved_ms: s.whole("saved_ms", MAX_MS)?,
        });
    }
    // (An array at the top level was refused above; this keeps the helper used.)
    let _ = array_value;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::interview::PatternScore;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sample() -> SavedWork {
        let mut w = SavedWork::default();
        w.record_answer("kappa-01", true);
        w.record_answer("kappa-01", false);
        w.record_answer("cdc-03", true);
        w.set_tour("kappa", 3);
        w.save_scenario(
            "A \"quoted\" <b>name</b> é",
            "kappa",
            "v=1&seed=7&step=40",
            1_700_000_000_000,
        )
        .unwrap();
        w.save_scenario("ring", "compare/modn-vs-ring", "v=1&step=3", 5)
            .unwrap();
        w.record_interview(
            9,
            60_000,
            &Report {
                asked: 2,
                right: 1,
                unanswered: 0,
                used_ms: 30_000,
                by_pattern: vec![PatternScore {
                    pattern: "kappa".into(),
                    asked: 2,
                    right: 1,
                    unanswered: 0,
                }],
            },
        );
        w
    }

    #[test]
    fn saved_work_round_trips() {
        let w = sample();
        assert_eq!(
            w.answer("kappa-01").map(|a| (a.tries, a.right, a.last)),
            Some((2, 1, false))
        );
        assert_eq!(SavedWork::from_json(&w.to_json()), Ok(w.clone()));
        assert_eq!(
            SavedWork::from_json(&SavedWork::default().to_json()),
            Ok(SavedWork::default())
        );
        assert_eq!(w.scenarios[0].href(), "/kappa?v=1&seed=7&step=40");
    }

    #[test]
    fn corrupt_and_foreign_texts_are_named_not_read() {
        let good = sample().to_json();
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            (good[..good.len() / 2].to_string(), "not valid JSON (line 1"),
            ("[1,2]".into(), "holds a JSON array"),
            ("{\"name\":\"x\"}".into(), "not a pipelab save file"),
            (
                good.replace("\"format\":1", "\"format\":2"),
                "newer pipelab (format 2)",
            ),
            (
                good.replace("\"tries\":2", "\"tries\":-2"),
                "answers[0].tries",
            ),
            (
                good.replace("\"right\":1,\"last\"", "\"right\":9,\"last\""),
                "answers[0].right",
            ),
            (
                good.replace("\"route\":\"kappa\"", "\"route\":\"evil\""),
                "scenarios[0].route",
            ),
            (
                good.replace("\"slide\":3", "\"slide\":\"3\""),
                "tours[0].slide",
            ),
            (
                good.replace("\"answers\"", "\"answerz\""),
                "answerz: is not a known field",
            ),
        ];
        for (text, says) in cases {
            let e = SavedWork::from_json(&text).unwrap_err();
            assert!(e.0.contains(says), "{e:?} should say {says}");
        }
        let huge = format!(
            "{{\"pipelab\":\"saved-work\",\"x\":\"{}\"}}",
            "a".repeat(MAX_BYTES)
        );
        assert!(SavedWork::from_json(&huge).unwrap_err().0.contains("bytes"));
    }

    #[test]
    fn names_are_checked_and_a_taken_name_is_replaced() {
        let mut w = SavedWork::default();
        assert!(w.save_scenario("  ", "kappa", "v=1", 0).is_err());
        assert!(w.save_scenario(&"x".repeat(81), "kappa", "v=1", 0).is_err());
        assert!(w.save_scenario("x", "quiz", "v=1", 0).is_err());
        w.save_scenario("late", "kappa", "v=1&step=1", 0).unwrap();
        let msg = w.save_scenario(" late ", "kappa", "v=1&step=2", 1).unwrap();
        assert!(msg.starts_with("Replaced"));
        assert_eq!(w.scenarios.len(), 1);
        assert_eq!(w.scenarios[0].query, "v=1&step=2");
        assert_eq!(
            w.delete_scenario(0).map(|s| s.name),
            Some("late".to_string())
        );
        assert!(w.delete_scenario(0).is_none());
    }

    #[test]
    fn merging_adds_counts_and_renames_clashing_scenarios() {
        let mut a = sample();
        let mut b = SavedWork::default();
        b.record_answer("kappa-01", true);
        b.record_answer("lambda-02", false);
        b.set_tour("kappa", 5);
        b.save_scenario("ring", "sharding", "v=1&step=9", 7)
            .unwrap();
        b.save_scenario(
            "A \"quoted\" <b>name</b> é",
            "kappa",
            "v=1&seed=7&step=40",
            1,
        )
        .unwrap();
        a.merge(&b);
        assert_eq!(
            a.answer("kappa-01").map(|x| (x.tries, x.right, x.last)),
            Some((3, 2, true))
        );
        assert!(a.answer("lambda-02").is_some());
        assert_eq!(a.tour("kappa"), Some(5));
        let names: Vec<&str> = a.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["A \"quoted\" <b>name</b> é", "ring", "ring (2)"]);
        let before = a.clone();
        a.merge(&before.clone());
        assert_eq!(
            a.scenarios.len(),
            3,
            "merging the same scenarios again adds none"
        );
    }
}
