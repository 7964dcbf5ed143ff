//! Property tests of the learning layer's invariants (issue 9): saved work round-trips
//! through its JSON and any other text is read or refused — never a panic, never half-read;
//! merging never loses a scenario or an answer; a numeric answer is graded exactly; the
//! interview's report adds up and nothing is counted after the clock runs out.
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::learn::bank::{Answer, Dec, Difficulty, Given, Origin, Question};
use pipelab_core::learn::interview::{Filter, Interview};
use pipelab_core::learn::saved::{SavedWork, ROUTES};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    // Any characters, quotes, backslashes, control characters and markup included — and
    // often one of a few short names, so that merges meet clashing names.
    prop_oneof!["[ab]{1,2}", "[a-zA-Z0-9 \"\\\\<>/&é\u{1F600}\n\t]{1,20}",]
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn work() -> impl Strategy<Value = SavedWork> {
    (
        prop::collection::vec(("[a-z]{1,6}-[0-9]{2}", any::<bool>()), 0..20),
        prop::collection::vec((0usize..12, 1u32..9), 0..6),
        prop::collection::vec(
            (
                name(),
                0usize..ROUTES.len(),
                "[ -~]{0,40}",
                0u64..9_999_999_999_999,
            ),
            0..8,
        ),
    )
        .prop_map(|(answers, tours, scenarios)| {
            let mut w = SavedWork::default();
            for (id, right) in answers {
                w.record_answer(&id, right);
            }
            for (p, s) in tours {
                w.set_tour(ROUTES[p], s);
            }
            for (name, r, q, at) in scenarios {
                let _ = w.save_scenario(&name, ROUTES[r], &q, at);
            }
            w
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn saved_work_round_trips_and_every_damaged_copy_is_refused_whole(w in work(), cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
        let text = w.to_json();
        prop_assert_eq!(SavedWork::from_json(&text), Ok(w.clone()));
        // A cut-off file is refused, with a message, never half-read.
        let at = cut.index(text.len());
        if text.is_char_boundary(at) && at < text.len() {
            prop_assert!(SavedWork::from_json(&text[..at]).is_err());
        }
        // One byte changed: either still a valid document (then it reads whole) or refused.
        let mut bytes = text.clone().into_bytes();
        let i = flip.index(bytes.len());
        bytes[i] = bytes[i].wrapping_add(1);
        if let Ok(t) = String::from_utf8(bytes) {
            if let Ok(read) = SavedWork::from_json(&t) {
                prop_assert_eq!(SavedWork::from_json(&read.to_json()), Ok(read));
            }
        }
    }

    #[test]
    fn any_text_is_read_or_refused_without_a_panic(
        text in "\\PC{0,200}",
        json in "[\\[\\]{}:,\"0-9a-z\\- .]{0,120}",
        w in work(),
        number in "-?[0-9]{1,25}(\\.[0-9]{1,3})?([eE]-?[0-9]{1,2})?|true|null|\"[0-9]\"|\\[\\]|\\{\\}",
        which in any::<prop::sample::Index>(),
    ) {
        let _ = SavedWork::from_json(&text);
        // A real document with one of its values replaced by another JSON value.
        let doc = w.to_json();
        let values: Vec<(usize, usize)> = doc
            .match_indices(':')
            .map(|(i, _)| {
                let rest = &doc[i + 1..];
                let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
                (i + 1, i + 1 + end)
            })
            .filter(|(a, b)| !doc[*a..*b].starts_with('"') && !doc[*a..*b].starts_with('[') && !doc[*a..*b].starts_with('{'))
            .collect();
        if !values.is_empty() {
            let (a, b) = values[which.index(values.len())];
            let changed = format!("{}{}{}", &doc[..a], number, &doc[b..]);
            if let Ok(read) = SavedWork::from_json(&changed) {
                prop_assert_eq!(SavedWork::from_json(&read.to_json()), Ok(read));
            }
        }
        let _ = SavedWork::from_json(&json);
        let _ = SavedWork::from_json(&format!("{{\"pipelab\":\"saved-work\",\"format\":1,{json}}}"));
    }

    #[test]
    fn merging_keeps_every_scenario_and_adds_up_the_answers(a in work(), b in work()) {
        let mut m = a.clone();
        m.merge(&b);
        for s in a.scenarios.iter().chain(b.scenarios.iter()) {
            prop_assert!(
                m.scenarios.iter().any(|x| x.route == s.route && x.query == s.query && x.name.starts_with(s.name.as_str())),
                "lost {:?}", s
            );
        }
        let names: std::collections::BTreeSet<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
        prop_assert_eq!(names.len(), m.scenarios.len(), "names stay distinct");
        for r in &a.answers {
            let tries = r.tries + b.answer(&r.id).map_or(0, |x| x.tries);
            prop_assert_eq!(m.answer(&r.id).map(|x| x.tries), Some(tries));
        }
        // Merging again adds no scenario.
        let mut again = m.clone();
        again.merge(&b);
        prop_assert_eq!(again.scenarios.len(), m.scenarios.len());
        prop_assert_eq!(SavedWork::from_json(&m.to_json()), Ok(m));
    }

    #[test]
    fn numbers_are_graded_exactly(answer in -1_000_000i64..1_000_000, tol in 0i64..1_000, off in -1_002i64..1_002, edge in 0u8..6, scale in 0u32..4) {
        // On the tolerance's edge (just in, just out, either side), near it, or far away.
        let given = answer
            + match edge {
                0 => tol,
                1 => -tol,
                2 => tol + 1,
                3 => -tol - 1,
                4 => off,
                _ => off * 997,
            };
        let q = Question {
            id: "x-01".into(),
            pattern: "x".into(),
            difficulty: Difficulty::Easy,
            origin: Origin::Ours,
            stem: "s".into(),
            answer: Answer::Numeric {
                value: Dec { units: i128::from(answer), scale },
                tolerance: Dec { units: i128::from(tol), scale },
                unit: String::new(),
            },
            explanation: "e".into(),
            link: "/x?v=1".into(),
        };
        // The learner's text: the same scale, with a thousands separator in whole numbers.
        let typed = Dec { units: i128::from(given), scale }.text();
        let with_commas = if scale == 0 && given.abs() >= 1000 {
            let s = given.abs().to_string();
            let (head, tail) = s.split_at(s.len() - 3);
            format!("{}{head},{tail}", if given < 0 { "-" } else { "" })
        } else {
            typed.clone()
        };
        let expect = (given - answer).abs() <= tol;
        prop_assert_eq!(q.grade(&Given::Number(typed)), Ok(expect));
        prop_assert_eq!(q.grade(&Given::Number(with_commas)), Ok(expect));
    }

    #[test]
    fn the_interview_report_adds_up_and_late_answers_never_count(
        count in 1usize..15,
        limit_s in 10u64..600,
        seed in any::<u64>(),
        moves in prop::collection::vec((0u64..120_000, any::<bool>()), 0..20),
    ) {
        let bank: Vec<Question> = (0..40)
            .map(|i| Question {
                id: format!("q-{i}"),
                pattern: ["kappa", "cdc", "lambda", "cqrs"][i % 4].into(),
                difficulty: Difficulty::ALL[i % 3],
                origin: Origin::Ours,
                stem: format!("stem {i}"),
                answer: Answer::Choice { choices: vec!["a".into(), "b".into()], right: 0 },
                explanation: "e".into(),
                link: "/kappa?v=1".into(),
            })
            .collect();
        let limit = limit_s * 1000;
        let mut iv = Interview::start(&bank, &Filter::default(), count, limit, seed, 0).unwrap();
        let mut now = 0u64;
        let mut counted = 0u32;
        let mut right = 0u32;
        for (dt, ok) in moves {
            now += dt;
            let Some(pos) = iv.current() else { break };
            let in_time = now < limit;
            let r = iv.answer(pos, ok, now);
            prop_assert_eq!(r.is_ok(), in_time, "answered at {} of {}", now, limit);
            if r.is_ok() {
                counted += 1;
                right += u32::from(ok);
            }
        }
        let rep = iv.report(&bank, now);
        prop_assert_eq!(rep.asked as usize, count);
        prop_assert_eq!(rep.right, right);
        prop_assert_eq!(rep.asked - rep.unanswered, counted);
        prop_assert_eq!(rep.by_pattern.iter().map(|s| s.asked).sum::<u32>(), rep.asked);
        prop_assert_eq!(rep.by_pattern.iter().map(|s| s.right).sum::<u32>(), rep.right);
        prop_assert!(rep.used_ms <= limit);
    }
}
