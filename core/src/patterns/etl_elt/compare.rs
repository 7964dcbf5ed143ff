//! /compare/etl-vs-elt: the same source, the same nightly extracts, ETL on side A and ELT
//! on side B — their published aggregates diffed key by key and against the oracle, the
//! rows each keeps in the warehouse, and when each has data to read.

use crate::format::{count, money};
use crate::sim::compare::Pair;
use crate::sim::params::ParamSpec;
use crate::sim::{FaultSpec, ParamError, Params, Preset};

use super::costs::FirstData;
use super::params::{EtlParams, SPECS as S};
use super::scenario::{answer_of, EtlElt, Last, Published};
use super::table::aggregate_totals;
use super::transform::{Rule, Verdict};
use super::view::{time_text, EtlView, Judged};

/// The pair.
pub struct EtlVsElt;

/// Both sides share the source and its extracts; ELT's load chunk is its own.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EtlVsEltParams {
    pub shared: EtlParams,
    /// ELT's rows per INSERT.
    pub b_chunk: u32,
}

impl EtlVsEltParams {
    fn chunk(&self) -> u32 {
        if self.b_chunk == 0 {
            self.shared.chunk
        } else {
            self.b_chunk
        }
    }
}

const SPECS: &[ParamSpec] = &[
    ParamSpec {
        name: "b.chunk",
        label: "B (ELT): rows per INSERT",
        ..S[2]
    },
    S[0],
    S[1],
    S[3],
    S[4],
    S[5],
    S[6],
    S[7],
    S[8],
];

impl Params for EtlVsEltParams {
    fn specs() -> &'static [ParamSpec] {
        SPECS
    }

    fn get(&self, field: &str) -> Option<String> {
        match field {
            "b.chunk" => Some(self.chunk().to_string()),
            "chunk" => None,
            f if Self::spec(f).is_some() => self.shared.get(f),
            _ => None,
        }
    }

    fn set(&mut self, field: &str, value: &str) -> Result<(), ParamError> {
        if Self::spec(field).is_none() {
            return Err(ParamError::new(field, "is not a parameter of this page"));
        }
        if field == "b.chunk" {
            let mut p = self.shared.clone();
            p.set("chunk", value)
                .map_err(|e| ParamError::new(field, e.message))?;
            self.b_chunk = p.chunk;
            return Ok(());
        }
        self.shared.set(field, value)
    }
}

/// One key side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    pub key: String,
    pub etl: Option<(i64, u64)>,
    pub elt: Option<(i64, u64)>,
    /// The oracle's value for ELT's night under the rule in force.
    pub truth: Option<(i64, u64)>,
}

/// The `diff` hook's content.
#[derive(Clone, Debug, PartialEq)]
pub struct EtlDiff {
    /// Keys whose total or count differ between the two published tables.
    pub disagree: u64,
    /// Up to 12 rows: the keys that differ first, then the rest in key order.
    pub rows: Vec<DiffRow>,
    pub etl: Option<(u32, Rule)>,
    pub elt: Option<(u32, Rule)>,
    pub etl_judged: Judged,
    pub elt_judged: Judged,
    /// Rows each side keeps in the warehouse: ETL only its aggregate; ELT staging too.
    pub etl_rows_kept: u64,
    pub elt_rows_kept: u64,
    /// The last finished night's cost-model times.
    pub timing: Option<FirstData>,
    pub rule: Rule,
}

const PRESETS: &[Preset] = &[
    Preset {
        name: "same-answer",
        label: "The same answer",
        description: "The end of the first night: both publish the same aggregate, the oracle's; ELT also kept every raw row it loaded.",
        seed: 1,
        params: &[],
        faults: &[],
        step: 1_034,
    },
    Preset {
        name: "rule-change",
        label: "The rule changes",
        description: "The rule changes after night 1: ELT re-derives night 1 under v2 from staging, ETL still shows v1 numbers — the two disagree until ETL has extracted again.",
        seed: 1,
        params: &[],
        faults: &[(1_034, "rule-change")],
        step: 1_034,
    },
    Preset {
        name: "big",
        label: "A large extract",
        description: "200,000 rows: by the cost model ETL's in-memory transform makes it the slower path, and ELT's raw rows cost storage.",
        seed: 3,
        params: &[("rows", "200000"), ("runs", "1"), ("b.chunk", "5000")],
        faults: &[],
        step: 0,
    },
];

fn published(p: Option<&Published>) -> Option<(u32, Rule)> {
    p.map(|t| (t.run, t.rule))
}

fn judged(p: Option<&Published>) -> Judged {
    match p.map(|t| t.check) {
        None => Judged::Pending,
        Some((0, _)) => Judged::Correct,
        Some((keys, cents)) => Judged::Wrong { keys, cents },
    }
}

impl Pair for EtlVsElt {
    type A = EtlElt;
    type B = EtlElt;
    type Params = EtlVsEltParams;
    type Tally = ();
    type Diff = EtlDiff;
    const SLUG: &'static str = "compare-etl-vs-elt";

    fn split(p: &EtlVsEltParams) -> (EtlParams, EtlParams) {
        let b = EtlParams {
            chunk: p.chunk(),
            ..p.shared.clone()
        };
        (p.shared.clone(), b)
    }

    fn after_step(_a: &EtlElt, _b: &EtlElt, _t: &mut ()) {}

    fn after_fault(_a: &EtlElt, _b: &EtlElt, _t: &mut ()) {}

    fn diff(a: &EtlElt, b: &EtlElt, _views: (&EtlView, &EtlView), _t: &()) -> EtlDiff {
        let answer = |p: Option<&Published>, s: &EtlElt| {
            p.map(|t| answer_of(s.params(), &aggregate_totals(&t.batch)))
                .unwrap_or_default()
        };
        let (etl, elt) = (answer(a.etl_table(), a), answer(b.elt_table(), b));
        let truth = b
            .elt_table()
            .and_then(|t| b.truth(t.run, b.rule()))
            .cloned()
            .unwrap_or_default();
        let mut differ: Vec<DiffRow> = Vec::new();
        let mut same: Vec<DiffRow> = Vec::new();
        let mut disagree = 0;
        // Both maps iterate in key order: walk them together.
        let (mut x, mut y) = (etl.iter().peekable(), elt.iter().peekable());
        loop {
            let key = match (x.peek(), y.peek()) {
                (Some((ka, _)), Some((kb, _))) => (*ka).min(*kb).clone(),
                (Some((k, _)), None) | (None, Some((k, _))) => (*k).clone(),
                (None, None) => break,
            };
            type It<'m> =
                std::iter::Peekable<std::collections::btree_map::Iter<'m, String, (i64, u64)>>;
            let take = |it: &mut It<'_>| match it.peek() {
                Some((k, v)) if **k == key => {
                    let v: (i64, u64) = **v;
                    it.next();
                    Some(v)
                }
                _ => None,
            };
            let row = DiffRow {
                etl: take(&mut x),
                elt: take(&mut y),
                truth: truth.get(&key).copied(),
                key,
            };
            if row.etl != row.elt {
                disagree += 1;
                if differ.len() < 12 {
                    differ.push(row);
                }
            } else if same.len() < 12 {
                same.push(row);
            }
        }
        differ.extend(same);
        differ.truncate(12);
        let table_rows = |p: Option<&Published>| p.map_or(0, |t| t.batch.num_rows() as u64);
        EtlDiff {
            disagree,
            rows: differ,
            etl: published(a.etl_table()),
            elt: published(b.elt_table()),
            etl_judged: judged(a.etl_table()),
            elt_judged: judged(b.elt_table()),
            etl_rows_kept: table_rows(a.etl_table()),
            elt_rows_kept: b.staging_rows() + table_rows(b.elt_table()),
            timing: b.records().last().map(|r| r.timing),
            rule: b.rule(),
        }
    }

    fn narrate(a: &EtlElt, b: &EtlElt) -> String {
        match (a.last(), b.last()) {
            (Last::Row { row, etl, finished, .. }, Last::Row { load, buffered, .. }) => {
                let etl = match etl {
                    Verdict::Counted { cents, .. } => format!("ETL adds {} to its running sums", money(*cents)),
                    Verdict::Excluded => "ETL leaves it out (rule v2)".into(),
                    Verdict::Rejected(r) => format!("ETL drops it ({})", r.label()),
                    Verdict::Duplicate => "ETL skips it (order already counted)".into(),
                };
                let elt = match load {
                    Some(l) => format!("ELT's INSERT writes {} raw rows to staging", count(l.rows as u64)),
                    None => format!("ELT buffers it raw ({} waiting)", count(*buffered as u64)),
                };
                let mut out = format!("Order {}: {etl}; {elt}.", row.order_id);
                if let (Some(f), Some(r)) = (finished, b.records().last()) {
                    out.push_str(&format!(
                        " Night {} is extracted: ETL publishes its {}-row aggregate (first data after {}); ELT transforms {} staged rows (after {}) and keeps them.",
                        f.run + 1,
                        a.etl_table().map_or(0, |t| t.batch.num_rows()),
                        time_text(r.timing.etl_ms),
                        count(r.transform_rows),
                        time_text(r.timing.elt_ms)
                    ));
                }
                out
            }
            (Last::RuleChange { .. }, Last::RuleChange { elt_rederived, .. }) => match elt_rederived {
                Some(run) => format!(
                    "The rule changes to v2 (paid orders only): B (ELT) re-derives night {}'s answer from its staged raw rows at once; A (ETL) kept only its aggregate, so it shows v1 numbers until it has extracted again.",
                    run + 1
                ),
                None => "The rule changes to v2 (paid orders only) before any night has finished: both will publish under v2.".into(),
            },
            (Last::SourceChange { touched }, _) => format!(
                "{} source rows change now, after this night's extract read them: both sides see them at the next extract; only B's staging keeps the old values.",
                count(*touched)
            ),
            (Last::LoadFailArmed, _) => "The next INSERT into B's (ELT's) staging will commit but lose its acknowledgement, and the loader will send the chunk again; A (ETL) stages nothing, so only B will hold the chunk twice.".into(),
            _ => "Night 1 is about to run on both sides: the same source, the same extract.".into(),
        }
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "the end of a night (both publish), a rule change, a source change or a resent load"
    }

    fn fault_specs() -> &'static [FaultSpec] {
        super::scenario::FAULTS
    }
}

/// The trade-off in a few sentences, from the numbers.
pub fn trade_off(d: &EtlDiff) -> String {
    let timing = d.timing.map_or(
        "No night has finished yet.".to_string(),
        |t| {
            format!(
                "On the last night, by the cost model, ETL had its answer after {} and ELT after {} (raw rows readable after {}).",
                time_text(t.etl_ms),
                time_text(t.elt_ms),
                time_text(t.elt_raw_ms)
            )
        },
    );
    let agree = if d.disagree == 0 {
        "The two published tables agree key for key.".to_string()
    } else {
        format!(
            "The two published tables disagree on {} key(s).",
            count(d.disagree)
        )
    };
    format!(
        "{agree} {timing} ETL keeps {} rows in the warehouse, ELT {} — the raw rows are what let ELT answer a new rule without extracting again.",
        count(d.etl_rows_kept),
        count(d.elt_rows_kept)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Compare, Fault, Scenario, Timeline};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    type C = Compare<EtlVsElt>;

    #[test]
    fn shared_fields_reach_both_sides_and_b_chunk_only_elt() {
        let mut p = EtlVsEltParams::default();
        p.set("rows", "500").unwrap();
        p.set("b.chunk", "250").unwrap();
        let (a, b) = EtlVsElt::split(&p);
        assert_eq!((a.rows, b.rows), (500, 500));
        assert_eq!((a.chunk, b.chunk), (100, 250));
        assert_eq!(p.set("b.chunk", "3").unwrap_err().field, "b.chunk");
        assert!(
            p.set("chunk", "300").is_err(),
            "the chunk is ELT's: b.chunk"
        );
        assert_eq!(p.get("b.chunk").as_deref(), Some("250"));
    }

    #[test]
    fn presets_land_on_what_they_describe() {
        for preset in PRESETS {
            let (p, faults) = preset.load::<EtlVsEltParams>();
            let mut tl = Timeline::new(C::new(&p, preset.seed).unwrap(), faults);
            assert!(tl.rejected_faults().is_empty(), "{}", preset.name);
            tl.seek(preset.step);
            let d = tl.current().view().diff;
            match preset.name {
                "same-answer" => {
                    assert_eq!(
                        (d.disagree, d.etl_judged, d.elt_judged),
                        (0, Judged::Correct, Judged::Correct)
                    );
                    assert!(d.elt_rows_kept > 10 * d.etl_rows_kept);
                }
                "rule-change" => {
                    assert!(d.disagree > 0);
                    assert_eq!(d.elt_judged, Judged::Correct);
                    assert!(matches!(d.etl_judged, Judged::Wrong { .. }));
                    assert!(trade_off(&d).contains("disagree"));
                }
                "big" => assert_eq!(d.disagree, 0),
                other => panic!("preset {other} has no check"),
            }
        }
    }

    #[test]
    fn both_sides_read_the_same_extract_and_agree_every_night() {
        let mut c = C::new(&EtlVsEltParams::default(), 9).unwrap();
        let total = c.total_steps();
        for i in 0..total {
            c.step();
            if i == 1500 {
                c.apply(&Fault::new("load-fail")).unwrap();
            }
            if let (Last::Row { row: ra, .. }, Last::Row { row: rb, .. }) = (c.a.last(), c.b.last())
            {
                assert_eq!(ra, rb, "step {i}");
            }
            if c.a.pos() == 0 {
                assert_eq!(c.view().diff.disagree, 0, "night end at step {i}");
            }
        }
    }
}
