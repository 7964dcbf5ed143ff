//! The timed interview: N questions drawn from a filtered bank by a seed, answered against
//! one clock, then a score report by pattern. The clock is passed in (`now_ms`) on every
//! call, so the state machine is pure and a test can move time at will.

use super::bank::{Difficulty, Question};
use crate::sim::Rng;

/// Which questions a quiz or an interview draws from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Pattern slugs; empty = every pattern.
    pub patterns: Vec<String>,
    /// Difficulties; empty = every difficulty.
    pub difficulties: Vec<Difficulty>,
}

impl Filter {
    pub fn admits(&self, q: &Question) -> bool {
        (self.patterns.is_empty() || self.patterns.contains(&q.pattern))
            && (self.difficulties.is_empty() || self.difficulties.contains(&q.difficulty))
    }

    /// Indices of the admitted questions, in bank order.
    pub fn select(&self, bank: &[Question]) -> Vec<usize> {
        (0..bank.len()).filter(|&i| self.admits(&bank[i])).collect()
    }
}

/// Most questions one interview asks.
pub const MAX_QUESTIONS: usize = 50;
/// Longest time limit, in ms (two hours).
pub const MAX_LIMIT_MS: u64 = 2 * 60 * 60 * 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interview {
    /// Indices into the bank, in the order asked.
    pub picked: Vec<usize>,
    pub started_ms: u64,
    pub limit_ms: u64,
    /// Per picked question: `None` until answered, then whether it was right.
    pub answers: Vec<Option<bool>>,
    /// Set when the learner finishes early.
    pub finished_ms: Option<u64>,
}

/// One pattern's line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternScore {
    pub pattern: String,
    pub asked: u32,
    pub right: u32,
    pub unanswered: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub asked: u32,
    pub right: u32,
    pub unanswered: u32,
    pub used_ms: u64,
    pub by_pattern: Vec<PatternScore>,
}

impl Interview {
    /// Draws `count` distinct questions the filter admits (fewer if it admits fewer), in an
    /// order given by `seed`. `Err` when the filter admits none or the settings are out of
    /// bounds.
    pub fn start(
        bank: &[Question],
        filter: &Filter,
        count: usize,
        limit_ms: u64,
        seed: u64,
        now_ms: u64,
    ) -> Result<Interview, String> {
        if count == 0 || count > MAX_QUESTIONS {
            return Err(format!("Ask from 1 to {MAX_QUESTIONS} questions."));
        }
        if !(10_000..=MAX_LIMIT_MS).contains(&limit_ms) {
            return Err("Allow from 10 seconds to 2 hours.".into());
        }
        let mut pool = filter.select(bank);
        if pool.is_empty() {
            return Err("No question matches these filters.".into());
        }
        // Fisher–Yates on the pool, then take the first `count`.
        let mut rng = Rng::stream(seed, "interview");
        for i in (1..pool.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            pool.swap(i, j);
        }
        pool.truncate(count);
        let n = pool.len();
        Ok(Interview {
            picked: pool,
            started_ms: now_ms,
            limit_ms,
            answers: vec![None; n],
            finished_ms: None,
        })
    }

    pub fn remaining_ms(&self, now_ms: u64) -> u64 {
        let end = self.finished_ms.unwrap_or(now_ms);
        self.limit_ms
            .saturating_sub(end.saturating_sub(self.started_ms))
    }

    /// Over: time is up, every question is answered, or the learner finished.
    pub fn is_over(&self, now_ms: u64) -> bool {
        self.finished_ms.is_some()
            || self.remaining_ms(now_ms) == 0
            || self.answers.iter().all(Option::is_some)
    }

    /// The first unanswered question's position.
    pub fn current(&self) -> Option<usize> {
        self.answers.iter().position(Option::is_none)
    }

    /// Records an answer; refused once the interview is over or if already answered.
    pub fn answer(&mut self, position: usize, right: bool, now_ms: u64) -> Result<(), String> {
        if self.is_over(now_ms) {
            return Err("Time is up: this answer was not counted.".into());
        }
        match self.answers.get_mut(position) {
            Some(slot @ None) => {
                *slot = Some(right);
                if self.answers.iter().all(Option::is_some) {
                    self.finished_ms = Some(now_ms);
                }
                Ok(())
            }
            Some(Some(_)) => Err("This question is already answered.".into()),
            None => Err("There is no such question.".into()),
        }
    }

    pub fn finish(&mut self, now_ms: u64) {
        if self.finished_ms.is_none() {
            let end = self.started_ms.saturating_add(self.limit_ms).min(now_ms);
            self.finished_ms = Some(end.max(self.started_ms));
        }
    }

    /// The score, in all and by pattern (patterns in the order first asked).
    pub fn report(&self, bank: &[Question], now_ms: u64) -> Report {
        let mut by: Vec<PatternScore> = Vec::new();
        for (i, &q) in self.picked.iter().enumerate() {
            let pattern = bank.get(q).map_or("?", |q| q.pattern.as_str());
            let at = match by.iter().position(|s| s.pattern == pattern) {
                Some(at) => at,
                None => {
                    by.push(PatternScore {
                        pattern: pattern.to_string(),
                        asked: 0,
                        right: 0,
                        unanswered: 0,
                    });
                    by.len() - 1
                }
            };
            let s = &mut by[at];
            s.asked += 1;
            match self.answers[i] {
                Some(true) => s.right += 1,
                Some(false) => {}
                None => s.unanswered += 1,
            }
        }
        Report {
            asked: by.iter().map(|s| s.asked).sum(),
            right: by.iter().map(|s| s.right).sum(),
            unanswered: by.iter().map(|s| s.unanswered).sum(),
            used_ms: self.limit_ms - self.remaining_ms(now_ms),
            by_pattern: by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::bank::{Answer, Origin};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn bank() -> Vec<Question> {
        (0..30)
            .map(|i| Question {
                id: format!("q{i}"),
                pattern: ["kappa", "cdc", "lambda"][i % 3].to_string(),
                difficulty: Difficulty::ALL[i % 3],
                origin: Origin::Ours,
                stem: format!("stem {i}"),
                answer: Answer::Choice {
                    choices: vec!["a".into(), "b".into()],
                    right: 0,
                },
                explanation: "e".into(),
                link: "/kappa?v=1".into(),
            })
            .collect()
    }

    #[test]
    fn it_draws_distinct_admitted_questions_deterministically() {
        let b = bank();
        let f = Filter {
            patterns: vec!["kappa".into(), "cdc".into()],
            difficulties: vec![],
        };
        let a = Interview::start(&b, &f, 8, 60_000, 7, 0).unwrap();
        assert_eq!(a, Interview::start(&b, &f, 8, 60_000, 7, 0).unwrap());
        assert_ne!(
            a.picked,
            Interview::start(&b, &f, 8, 60_000, 8, 0).unwrap().picked
        );
        let mut seen = a.picked.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 8);
        assert!(a.picked.iter().all(|&i| b[i].pattern != "lambda"));
        // Fewer admitted than asked: all of them.
        let hard_kappa = Filter {
            patterns: vec!["kappa".into()],
            difficulties: vec![Difficulty::Easy],
        };
        assert_eq!(
            Interview::start(&b, &hard_kappa, 50, 60_000, 1, 0)
                .unwrap()
                .picked
                .len(),
            10
        );
        let none = Filter {
            patterns: vec!["nothing".into()],
            difficulties: vec![],
        };
        assert!(Interview::start(&b, &none, 5, 60_000, 1, 0).is_err());
        assert!(Interview::start(&b, &f, 0, 60_000, 1, 0).is_err());
        assert!(Interview::start(&b, &f, 5, 5, 1, 0).is_err());
    }

    #[test]
    fn the_clock_ends_it_and_late_answers_do_not_count() {
        let b = bank();
        let mut iv = Interview::start(&b, &Filter::default(), 3, 60_000, 3, 1_000).unwrap();
        assert_eq!(iv.remaining_ms(31_000), 30_000);
        iv.answer(0, true, 2_000).unwrap();
        assert!(iv.answer(0, false, 2_500).is_err(), "answered once");
        iv.answer(1, false, 30_000).unwrap();
        assert!(!iv.is_over(60_999));
        assert!(iv.is_over(61_000));
        assert!(iv.answer(2, true, 61_000).is_err());
        let r = iv.report(&b, 99_000);
        assert_eq!(
            (r.asked, r.right, r.unanswered, r.used_ms),
            (3, 1, 1, 60_000)
        );
        assert_eq!(r.by_pattern.iter().map(|s| s.asked).sum::<u32>(), 3);
        for s in &r.by_pattern {
            let asked = iv
                .picked
                .iter()
                .filter(|&&i| b[i].pattern == s.pattern)
                .count() as u32;
            assert_eq!(s.asked, asked);
        }
    }

    #[test]
    fn answering_everything_or_finishing_stops_the_clock() {
        let b = bank();
        let mut iv = Interview::start(&b, &Filter::default(), 2, 60_000, 3, 0).unwrap();
        iv.answer(0, true, 1_000).unwrap();
        iv.answer(1, true, 4_000).unwrap();
        assert!(iv.is_over(4_000));
        assert_eq!(
            iv.remaining_ms(50_000),
            56_000,
            "the clock stopped at the last answer"
        );
        assert_eq!(iv.report(&b, 50_000).used_ms, 4_000);
        let mut early = Interview::start(&b, &Filter::default(), 2, 60_000, 3, 0).unwrap();
        early.finish(10_000);
        assert!(early.is_over(10_000));
        assert_eq!(early.report(&b, 20_000).unanswered, 2);
        assert_eq!(early.report(&b, 20_000).used_ms, 10_000);
    }
}
