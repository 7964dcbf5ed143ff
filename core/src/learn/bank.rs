//! The question bank: questions as data (`core/data/quiz/<slug>.json`, schema in
//! `core/data/README.md`), read into checked values, and grading. Numeric answers are exact
//! decimals, so "12.5 within 0.5" means exactly that on every platform.

use super::fields::{array_value, text_value, Obj};
use crate::json::{self, Value};

pub const MAX_STEM_CHARS: usize = 400;
pub const MAX_EXPLANATION_CHARS: usize = 700;
pub const MAX_CHOICE_CHARS: usize = 200;
pub const MAX_UNIT_CHARS: usize = 12;
pub const MAX_LINK_CHARS: usize = 600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
    pub fn parse(s: &str) -> Option<Difficulty> {
        Difficulty::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Where a question comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// One of the reference note's interview questions, in our words.
    Note,
    Ours,
    /// Made from a seeded simulation; the core computed its answer.
    Generated,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Note => "note",
            Origin::Ours => "ours",
            Origin::Generated => "generated",
        }
    }
}

/// An exact decimal: `units / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dec {
    pub units: i128,
    pub scale: u32,
}

impl Dec {
    pub fn whole(n: i64) -> Dec {
        Dec {
            units: i128::from(n),
            scale: 0,
        }
    }

    /// Reads a number a learner typed: surrounding blanks, thousands separators (`,`,
    /// `_`, spaces between digits) and a trailing unit or `%` are allowed.
    pub fn read(text: &str) -> Option<Dec> {
        let t = text.trim();
        let end = t
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map(|(i, c)| i + c.len_utf8())?;
        let cleaned: String = t[..end]
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' '))
            .collect();
        let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
        if cleaned.is_empty()
            || !cleaned
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return None;
        }
        let (units, scale) = json::decimal(cleaned)?;
        if scale > 18 {
            return None;
        }
        Some(Dec { units, scale })
    }

    /// `|self − other| ≤ tolerance`, exactly (false if it cannot be computed).
    pub fn within(self, other: Dec, tolerance: Dec) -> bool {
        let scale = self.scale.max(other.scale).max(tolerance.scale);
        let lift = |d: Dec| {
            10i128
                .checked_pow(scale - d.scale)
                .and_then(|f| d.units.checked_mul(f))
        };
        match (lift(self), lift(other), lift(tolerance)) {
            (Some(a), Some(b), Some(t)) => a.checked_sub(b).is_some_and(|d| d.abs() <= t),
            _ => false,
        }
    }

    pub fn text(self) -> String {
        let neg = self.units < 0;
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let s = if scale == 0 {
            digits
        } else if digits.len() > scale {
            format!(
                "{}.{}",
                &digits[..digits.len() - scale],
                &digits[digits.len() - scale..]
            )
        } else {
            format!("0.{}{digits}", "0".repeat(scale - digits.len()))
        };
        if neg {
            format!("-{s}")
        } else {
            s
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Choice {
        choices: Vec<String>,
        right: usize,
    },
    Numeric {
        value: Dec,
        tolerance: Dec,
        unit: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: String,
    pub pattern: String,
    pub difficulty: Difficulty,
    pub origin: Origin,
    pub stem: String,
    pub answer: Answer,
    pub explanation: String,
    /// `/<route>?<query>`: the state that shows the answer.
    pub link: String,
}

/// A learner's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given {
    Choice(usize),
    Number(String),
}

impl Question {
    /// Right or wrong; an answer that cannot be read (not a number, a choice that does not
    /// exist) is an error to show, not a wrong answer.
    pub fn grade(&self, given: &Given) -> Result<bool, String> {
        match (&self.answer, given) {
            (Answer::Choice { choices, right }, Given::Choice(i)) => {
                if *i < choices.len() {
                    Ok(i == right)
                } else {
                    Err("Pick one of the answers.".into())
                }
            }
            (
                Answer::Numeric {
                    value, tolerance, ..
                },
                Given::Number(text),
            ) => match Dec::read(text) {
                Some(d) => Ok(d.within(*value, *tolerance)),
                None => Err(format!(
                    "“{}” is not a number: type digits, like 12 or 12.5.",
                    crate::sim::params::shorten(text.trim())
                )),
            },
            (Answer::Choice { .. }, Given::Number(_)) => Err("Pick one of the answers.".into()),
            (Answer::Numeric { .. }, Given::Choice(_)) => Err("Type a number.".into()),
        }
    }

    /// The right answer as the learner would write it.
    pub fn answer_text(&self) -> String {
        match &self.answer {
            Answer::Choice { choices, right } => choices.get(*right).cloned().unwrap_or_default(),
            Answer::Numeric {
                value,
                tolerance,
                unit,
            } => {
                let mut s = value.text();
                if !unit.is_empty() {
                    s = format!("{s} {unit}");
                }
                if tolerance.units != 0 {
                    s = format!("{s} (± {})", tolerance.text());
                }
                s
            }
        }
    }

    /// The route of the link (`kappa`, `compare/etl-vs-elt`).
    pub fn route(&self) -> &str {
        route_of(&self.link)
    }
}

/// The route of a `/<route>?<query>` link.
pub fn route_of(link: &str) -> &str {
    let path = link.split('?').next().unwrap_or_default();
    path.trim_start_matches('/')
}

/// Reads one question; `path` names it in messages.
pub fn question_from(v: &Value, path: &str) -> Result<Question, String> {
    let o = Obj::new(v, path)?;
    o.only(&[
        "id",
        "pattern",
        "difficulty",
        "origin",
        "kind",
        "stem",
        "choices",
        "answer",
        "tolerance",
        "unit",
        "explanation",
        "link",
    ])?;
    let id = o.text("id", 40)?.to_string();
    let pattern = o.text("pattern", 40)?.to_string();
    let difficulty = Difficulty::parse(o.text("difficulty", 10)?)
        .ok_or_else(|| format!("{}: must be easy, medium or hard", o.path("difficulty")))?;
    let origin = match o.text("origin", 10)? {
        "note" => Origin::Note,
        "ours" => Origin::Ours,
        _ => return Err(format!("{}: must be note or ours", o.path("origin"))),
    };
    let stem = o.text("stem", MAX_STEM_CHARS)?.to_string();
    let explanation = o.text("explanation", MAX_EXPLANATION_CHARS)?.to_string();
    let link = o.text("link", MAX_LINK_CHARS)?.to_string();
    if !link.starts_with('/') || !link.contains('?') {
        return Err(format!(
            "{}: must be /<route>?<query>, like /kappa?v=1&step=40",
            o.path("link")
        ));
    }
    let answer = match o.text("kind", 10)? {
        "choice" => {
            for k in ["tolerance", "unit"] {
                if o.get(k).is_some() {
                    return Err(format!("{}: only a numeric question has one", o.path(k)));
                }
            }
            let items = o.array("choices", 5)?;
            if items.len() < 2 {
                return Err(format!("{}: needs 2 to 5 choices", o.path("choices")));
            }
            let mut choices: Vec<String> = Vec::new();
            for (i, c) in items.iter().enumerate() {
                let p = format!("{}[{i}]", o.path("choices"));
                let t = text_value(c, &p, MAX_CHOICE_CHARS)?;
                if choices.iter().any(|x| x == t) {
                    return Err(format!("{p}: repeats an earlier choice"));
                }
                choices.push(t.to_string());
            }
            let right = o.whole("answer", 4)? as usize;
            if right >= choices.len() {
                return Err(format!(
                    "{}: choice {right} does not exist (there are {})",
                    o.path("answer"),
                    choices.len()
                ));
            }
            Answer::Choice { choices, right }
        }
        "numeric" => {
            if o.get("choices").is_some() {
                return Err(format!(
                    "{}: a numeric question has no choices",
                    o.path("choices")
                ));
            }
            let dec = |key: &str| -> Result<Dec, String> {
                let n = o.number(key)?;
                json::decimal(n)
                    .filter(|(_, s)| *s <= 18)
                    .map(|(units, scale)| Dec { units, scale })
                    .ok_or_else(|| format!("{}: {n} is out of range", o.path(key)))
            };
            let value = dec("answer")?;
            let tolerance = if o.get("tolerance").is_some() {
                dec("tolerance")?
            } else {
                Dec::whole(0)
            };
            if tolerance.units < 0 {
                return Err(format!("{}: must be 0 or more", o.path("tolerance")));
            }
            let unit = o
                .opt_text("unit", MAX_UNIT_CHARS)?
                .unwrap_or("")
                .to_string();
            Answer::Numeric {
                value,
                tolerance,
                unit,
            }
        }
        _ => return Err(format!("{}: must be choice or numeric", o.path("kind"))),
    };
    Ok(Question {
        id,
        pattern,
        difficulty,
        origin,
        stem,
        answer,
        explanation,
        link,
    })
}

/// Reads a bank file: a JSON array of questions, all of `pattern`.
pub fn parse_file(pattern: &str, text: &str) -> Result<Vec<Question>, String> {
    let v = json::parse(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = array_value(&v, "the file", 200)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let q = question_from(item, &format!("[{i}]"))?;
        if q.pattern != pattern {
            return Err(format!(
                "[{i}].pattern: is {} in the file of {pattern}",
                q.pattern
            ));
        }
        out.push(q);
    }
    Ok(out)
}

/// What is wrong with a whole bank: too few questions (in all or for a pattern), repeated
/// ids or stems. Empty when it is sound.
pub fn audit(
    questions: &[Question],
    patterns: &[&str],
    min_each: usize,
    min_all: usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    if questions.len() < min_all {
        problems.push(format!(
            "the bank has {} questions; at least {min_all} are required",
            questions.len()
        ));
    }
    for p in patterns {
        let n = questions.iter().filter(|q| q.pattern == *p).count();
        if n < min_each {
            problems.push(format!(
                "{p} has {n} questions; at least {min_each} are required"
            ));
        }
    }
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    for (i, q) in questions.iter().enumerate() {
        for other in &questions[..i] {
            if other.id == q.id {
                problems.push(format!("the id {} is used twice", q.id));
            }
            if norm(&other.stem) == norm(&q.stem) {
                problems.push(format!("{} repeats the stem of {}", q.id, other.id));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn numeric(answer: &str, tolerance: &str) -> Question {
        let text = format!(
            r#"[{{"id":"x-01","pattern":"x","difficulty":"easy","origin":"ours","kind":"numeric","stem":"s","answer":{answer},"tolerance":{tolerance},"unit":"%","explanation":"e","link":"/x?v=1"}}]"#
        );
        parse_file("x", &text).unwrap().remove(0)
    }

    #[test]
    fn numbers_are_graded_exactly_within_the_tolerance() {
        let q = numeric("12.5", "0.5");
        for (typed, right) in [
            ("12.5", true),
            ("12", true),
            ("13.0", true),
            ("13.01", false),
            ("11.99", false),
            (" 12.50 % ", true),
            ("+12.5", true),
            ("-12.5", false),
        ] {
            assert_eq!(q.grade(&Given::Number(typed.into())), Ok(right), "{typed}");
        }
        assert!(q.grade(&Given::Number("twelve".into())).is_err());
        assert!(q.grade(&Given::Number("".into())).is_err());
        let big = numeric("1000000", "0");
        assert_eq!(big.grade(&Given::Number("1,000,000".into())), Ok(true));
        assert_eq!(big.grade(&Given::Number("1 000 001".into())), Ok(false));
        assert_eq!(q.answer_text(), "12.5 % (± 0.5)");
    }

    #[test]
    fn choices_are_graded_by_index_and_bad_picks_are_errors() {
        let text = r#"[{"id":"x-01","pattern":"x","difficulty":"hard","origin":"note","kind":"choice","stem":"s","choices":["a","b","c"],"answer":2,"explanation":"e","link":"/x?v=1"}]"#;
        let q = parse_file("x", text).unwrap().remove(0);
        assert_eq!(q.grade(&Given::Choice(2)), Ok(true));
        assert_eq!(q.grade(&Given::Choice(0)), Ok(false));
        assert!(q.grade(&Given::Choice(3)).is_err());
        assert!(q.grade(&Given::Number("2".into())).is_err());
        assert_eq!(q.answer_text(), "c");
    }

    #[test]
    fn schema_errors_name_the_question_and_field() {
        let base = r#"{"id":"x-01","pattern":"x","difficulty":"easy","origin":"ours","kind":"choice","stem":"s","choices":["a","b"],"answer":1,"explanation":"e","link":"/x?v=1"}"#;
        let cases = [
            (base.replace(r#""answer":1"#, r#""answer":2"#), "[0].answer"),
            (base.replace(r#""easy""#, r#""trivial""#), "[0].difficulty"),
            (
                base.replace(r#"["a","b"]"#, r#"["a","a"]"#),
                "[0].choices[1]",
            ),
            (
                base.replace(r#""e","link""#, r#""","link""#),
                "[0].explanation",
            ),
            (base.replace(r#""/x?v=1""#, r#""kappa""#), "[0].link"),
            (
                base.replace(r#""stem":"s""#, r#""stem":"s","extra":1"#),
                "[0].extra",
            ),
            (
                base.replace(r#""pattern":"x""#, r#""pattern":"y""#),
                "[0].pattern",
            ),
        ];
        for (text, path) in cases {
            let e = parse_file("x", &format!("[{text}]")).unwrap_err();
            assert!(e.starts_with(path), "{e} should name {path}");
        }
        assert!(parse_file("x", "[{")
            .unwrap_err()
            .starts_with("not JSON: line 1"));
    }

    #[test]
    fn the_audit_finds_short_patterns_and_repeats() {
        let q = numeric("1", "0");
        let mut twin = q.clone();
        twin.stem = "S!".into();
        let problems = audit(&[q.clone(), twin], &["x", "y"], 2, 3);
        assert!(problems.iter().any(|p| p.contains("at least 3")));
        assert!(problems.iter().any(|p| p.starts_with("y has 0")));
        assert!(problems.iter().any(|p| p.contains("id x-01 is used twice")));
        assert!(problems.iter().any(|p| p.contains("repeats the stem")));
        assert!(audit(&[q], &["x"], 1, 1).is_empty());
    }

    #[test]
    fn decimals_print_back() {
        for s in ["0.05", "-3.5", "120", "0"] {
            assert_eq!(Dec::read(s).unwrap().text(), s);
        }
    }
}
