//! The learning content as data (issue 9): the question bank's schema and size, every link
//! of the bank and the tours opening on its page at its step, and the generated questions'
//! answers against independent computations (the oracles, which share no code with the
//! router, the CDC scenario's poller or the contract validator).
#![cfg(not(target_arch = "wasm32"))]

use pipelab_core::learn::bank::{Answer, Origin};
use pipelab_core::learn::content::{self, PATTERNS};
use pipelab_core::learn::generated::{generate, Generated, KINDS};
use pipelab_core::learn::{bank, links};
use pipelab_core::link;
use pipelab_core::oracle::contracts::{tally, Judge};
use pipelab_core::oracle::sharding::{moved_keys, Layout};
use pipelab_core::patterns::cdc::Cdc;
use pipelab_core::patterns::contracts::Contracts;
use pipelab_core::patterns::sharding::{Scheme, ShardingParams};
use pipelab_core::sim::Scenario;

fn slugs() -> Vec<&'static str> {
    PATTERNS.iter().map(|(s, _)| *s).collect()
}

#[test]
fn the_bank_reads_and_has_at_least_eight_per_pattern_and_120_in_all() {
    let (bank, problems) = content::bank();
    assert!(problems.is_empty(), "{problems:#?}");
    let audit = bank::audit(&bank, &slugs(), 8, 120);
    assert!(audit.is_empty(), "{audit:#?}");
    for q in &bank {
        assert!(
            q.id.starts_with(&format!("{}-", q.pattern)),
            "{} is filed under {}",
            q.id,
            q.pattern
        );
        assert!(!q.explanation.trim().is_empty());
        if let Answer::Choice { choices, right } = &q.answer {
            assert!(*right < choices.len(), "{}", q.id);
        }
    }
    let note = bank.iter().filter(|q| q.origin == Origin::Note).count();
    assert!(note >= 12, "only {note} of the note's questions rewritten");
    let numeric = bank
        .iter()
        .filter(|q| matches!(q.answer, Answer::Numeric { .. }))
        .count();
    assert!(numeric >= 24, "only {numeric} numeric questions");
}

#[test]
fn every_question_link_opens_its_page_at_its_step() {
    let (bank, _) = content::bank();
    let mut bad = Vec::new();
    for q in &bank {
        if let Err(e) = links::check(&q.link) {
            bad.push(format!("{}: {} — {e}", q.id, q.link));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn every_pattern_has_a_tour_whose_slides_open_on_its_page() {
    let tours = content::tours();
    assert_eq!(tours.len(), 12);
    let mut bad = Vec::new();
    for (slug, tour) in tours {
        let tour = match tour {
            Ok(t) => t,
            Err(e) => {
                bad.push(format!("{slug}: {e}"));
                continue;
            }
        };
        for (i, s) in tour.slides.iter().enumerate() {
            if s.link.contains("tour=") {
                bad.push(format!(
                    "{slug} slide {i}: a slide's state carries no tour key"
                ));
            }
            match links::check(&s.link) {
                Ok(o) => assert_eq!(o.route, slug),
                Err(e) => bad.push(format!("{slug} slide {i}: {} — {e}", s.link)),
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn a_link_with_a_bad_key_or_a_step_past_the_end_is_refused() {
    assert!(links::check("/kappa?v=1&step=3").is_ok());
    assert!(links::check("/kappa?v=1&nonsense=3").is_err());
    assert!(links::check("/kappa?v=1&pitfalls=nope").is_err());
    assert!(links::check("/sharding?v=1&events=100&step=101").is_err());
    assert!(links::check("/sharding?v=1&events=100&step=100").is_ok());
    assert!(links::check("/quiz?v=1").is_err());
    assert!(links::check("/kappa").is_err());
}

fn layout(scheme: Scheme, shards: Vec<u32>, vnodes: u32) -> Layout {
    match scheme {
        Scheme::ModN => Layout::ModN { shards },
        Scheme::Ring => Layout::Ring { shards, vnodes },
        Scheme::Rendezvous => Layout::Rendezvous { shards },
        Scheme::Jump => Layout::Jump { shards },
    }
}

fn answer(g: &Generated) -> i128 {
    match g.question.answer {
        Answer::Numeric { value, .. } => {
            assert_eq!(value.scale, 0);
            value.units
        }
        Answer::Choice { .. } => panic!("generated questions are numeric"),
    }
}

fn query(link: &str) -> &str {
    link.split_once('?').map_or("", |(_, q)| q)
}

#[test]
fn generated_sharding_answers_match_the_oracles_sweep() {
    use pipelab_core::learn::bank::Given;
    let mut schemes = Vec::new();
    for seed in 0..24 {
        let g = generate("sharding-moved", seed).expect("generated");
        let opened = links::check(&g.question.link).expect("its link opens");
        // The state the learner is sent to: every order routed, then the link's fault.
        let d = link::decode::<ShardingParams>(query(&g.question.link), Sharding::fault_specs());
        let p = d.state.params.clone();
        let mut s = Sharding::new(&p, d.state.seed).expect("builds");
        for _ in 0..opened.step {
            s.step();
        }
        assert_eq!(d.state.faults.len(), 1);
        assert_eq!(
            d.state.faults[0].step, opened.step,
            "the shard is added where the link lands"
        );
        let stored = s.stored_keys();
        assert!(
            g.question.stem.contains(&format!(
                "leaves {} distinct users",
                pipelab_core::format::count(stored.len() as u64)
            )),
            "{}",
            g.question.stem
        );
        let before: Vec<u32> = (0..p.shards).collect();
        let after: Vec<u32> = (0..=p.shards).collect();
        let truth = moved_keys(
            &layout(p.scheme, before, p.vnodes_per_shard),
            &layout(p.scheme, after, p.vnodes_per_shard),
            &stored,
        );
        assert_eq!(
            answer(&g),
            truth.len() as i128,
            "seed {seed}: {}",
            g.question.stem
        );
        if p.scheme.is_consistent() {
            assert!(
                truth.iter().all(|(_, _, to)| *to == p.shards),
                "consistent: only to the new shard"
            );
        }
        // The tolerance the explanation states accepts the theory figure it states.
        let predicted = g
            .question
            .explanation
            .split("predicts about ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .expect("the explanation states the prediction")
            .to_string();
        assert_eq!(
            g.question.grade(&Given::Number(predicted.clone())),
            Ok(true),
            "{predicted}"
        );
        schemes.push(p.scheme);
    }
    schemes.sort_by_key(|s| s.as_str());
    schemes.dedup();
    assert_eq!(schemes.len(), 4, "the seeds cover every scheme");
}

use pipelab_core::patterns::sharding::Sharding;

#[test]
fn generated_cdc_answers_match_the_polling_oracle() {
    for seed in 0..12 {
        let g = generate("cdc-missed-deletes", seed).expect("generated");
        let opened = links::check(&g.question.link).expect("its link opens");
        let d =
            link::decode::<<Cdc as Scenario>::Params>(query(&g.question.link), Cdc::fault_specs());
        // The oracle reads only the source's history (the input) and the poll interval.
        let s = Cdc::new(&d.state.params, d.state.seed).unwrap();
        let truth = pipelab_core::oracle::cdc::polling(
            s.feed(),
            opened.step,
            u64::from(d.state.params.poll_ms) * 1000,
        );
        assert_eq!(answer(&g), i128::from(truth.missed_deletes), "seed {seed}");
        assert!(
            truth.missed_deletes > 0 || seed > 0,
            "seed 0 misses some deletes"
        );
    }
}

#[test]
fn generated_contract_answers_match_the_second_validator() {
    for seed in 0..12 {
        let g = generate("contracts-dead", seed).expect("generated");
        let opened = links::check(&g.question.link).expect("its link opens");
        let d = link::decode::<<Contracts as Scenario>::Params>(
            query(&g.question.link),
            Contracts::fault_specs(),
        );
        let s = Contracts::new(&d.state.params, d.state.seed).unwrap();
        let judge = Judge::new(&d.state.params.contract.to_json()).expect("the contract reads");
        let truth = tally(&judge, s.producer(), opened.step);
        assert_eq!(
            answer(&g),
            i128::from(truth.dead),
            "seed {seed}: {}",
            g.question.stem
        );
    }
}

#[test]
fn every_kind_generates_and_different_seeds_give_different_questions() {
    for kind in KINDS {
        let a = generate(kind, 1).unwrap().question;
        let b = generate(kind, 2).unwrap().question;
        assert_ne!(a.stem, b.stem, "{kind}");
        // The answer as the page prints it (with its unit, before any "(± t)") grades as
        // right; one past the tolerance as wrong.
        let printed = a.answer_text();
        let value = printed.split(" (±").next().unwrap_or_default().to_string();
        assert_eq!(a.grade(&bank::Given::Number(value)), Ok(true), "{kind}");
        let tolerance = match a.answer {
            Answer::Numeric { tolerance, .. } => tolerance.units,
            Answer::Choice { .. } => 0,
        };
        let off = format!("{}", answer(&generate(kind, 1).unwrap()) + tolerance + 1);
        assert_eq!(a.grade(&bank::Given::Number(off)), Ok(false), "{kind}");
    }
    assert!(generate("nope", 1).is_none());
}
