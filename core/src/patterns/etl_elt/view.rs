//! What the /etl-elt page draws: plain data from the scenario, the narration, and pages of
//! the tables (the source as it stands, staging, each path's published aggregate).

use crate::format::{count, money, percent, time_of_day};
use crate::sim::SimTime;

use super::costs::{first_data, FirstData, COSTS};
use super::extract::RawRow;
use super::scenario::{EtlElt, Last, Published, RunRecord};
use super::source::Source;
use super::table::{aggregate_rows, AggRow, StagingCols};
use super::transform::{Counts, Reject, Rule, Verdict};

/// A badge: a published answer against the oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// Nothing published yet.
    Pending,
    Correct,
    /// Keys that differ and the money they are off by.
    Wrong {
        keys: u64,
        cents: i64,
    },
}

impl Judged {
    fn of(d: Option<(u64, i64)>) -> Judged {
        match d {
            None => Judged::Pending,
            Some((0, _)) => Judged::Correct,
            Some((keys, cents)) => Judged::Wrong { keys, cents },
        }
    }
}

/// One published table as the page summarises it.
#[derive(Clone, Debug, PartialEq)]
pub struct TableInfo {
    /// 1-based night the table answers for.
    pub night: u32,
    pub rule: Rule,
    pub rows: usize,
    pub counts: Counts,
    pub step: u64,
}

impl TableInfo {
    fn of(p: &Published) -> TableInfo {
        TableInfo {
            night: p.run + 1,
            rule: p.rule,
            rows: p.batch.num_rows(),
            counts: p.counts,
            step: p.step,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EtlView {
    pub step: u64,
    pub total: u64,
    /// 1-based night being extracted (or next to start), capped at the last.
    pub night: u32,
    pub nights: u32,
    /// Rows extracted this night and the night's extract length.
    pub extracted: u64,
    pub extract_len: u64,
    pub live_source_rows: u64,
    pub rule: Rule,
    pub etl_rule: Rule,
    pub last: Last,
    pub buffered: usize,
    pub chunk: u32,
    pub staging_rows: u64,
    pub staging_batches: usize,
    pub loads: u64,
    pub etl_running: Counts,
    pub etl: Option<TableInfo>,
    pub elt: Option<TableInfo>,
    pub stream_counts: Counts,
    pub stream_night: u32,
    pub stream_keys: usize,
    pub etl_judged: Judged,
    pub elt_judged: Judged,
    pub stream_judged: Judged,
    /// Whether the stream's badge compares with the rows so far (mid-run) or a whole night.
    pub stream_so_far: bool,
    pub records: Vec<RunRecord>,
    pub source_changes: usize,
    pub append: bool,
    pub clock: String,
}

impl EtlView {
    pub fn of(s: &EtlElt) -> EtlView {
        let src = s.source();
        // Between nights (and at the end) show the night just finished, complete.
        let finished = s.pos() == 0 && s.run() > 0;
        let run_for_len =
            if finished { s.run() - 1 } else { s.run() }.min(src.runs().saturating_sub(1));
        let night = run_for_len + 1;
        EtlView {
            step: s.step_count(),
            total: src.total_extracted(),
            night,
            nights: src.runs(),
            extracted: if finished {
                src.extract_len(run_for_len)
            } else {
                s.pos()
            },
            extract_len: src.extract_len(run_for_len),
            live_source_rows: src.live_rows(run_for_len),
            rule: s.rule(),
            etl_rule: s.etl_rule(),
            last: s.last().clone(),
            buffered: s.buffered(),
            chunk: s.params().chunk,
            staging_rows: s.staging_rows(),
            staging_batches: s.staging().len(),
            loads: s.loads(),
            etl_running: s.etl_running().counts,
            etl: s.etl_table().map(TableInfo::of),
            elt: s.elt_table().map(TableInfo::of),
            stream_counts: s.stream().counts,
            stream_night: s.stream_run() + 1,
            stream_keys: s.stream().keys_with_orders(),
            etl_judged: Judged::of(s.etl_table().map(|t| t.check)),
            elt_judged: Judged::of(s.elt_table().map(|t| t.check)),
            stream_judged: if s.stream().counts.read == 0 {
                Judged::Pending
            } else {
                Judged::of(Some(s.stream_check()))
            },
            stream_so_far: s.mid_run(),
            records: s.records().to_vec(),
            source_changes: src.faults().len(),
            append: s.params().append,
            clock: time_of_day(SimTime(s.now_ms())),
        }
    }
}

fn verdict_text(v: Verdict) -> String {
    match v {
        Verdict::Counted { cents, .. } => format!("counts {}", money(cents)),
        Verdict::Excluded => "leaves it out (cancelled, rule v2)".into(),
        Verdict::Rejected(Reject::BadAmount) => "rejects it (the amount is not a number)".into(),
        Verdict::Rejected(r) => format!("drops it ({})", r.label()),
        Verdict::Duplicate => "skips it (that order is already counted)".into(),
    }
}

fn describe(row: &RawRow) -> String {
    format!(
        "order {} (user {}, {}, {}, {})",
        row.order_id,
        row.user_id,
        row.category.unwrap_or("no category"),
        row.amount
            .as_deref()
            .map(|a| format!("amount \"{a}\""))
            .unwrap_or_else(|| "no amount".into()),
        row.status
    )
}

/// The sentence for the last step or fault.
pub fn narrate(s: &EtlElt) -> String {
    match s.last() {
        Last::Start => format!(
            "Night 1 is about to run: the source holds {} orders; each step extracts one row.",
            count(s.source().live_rows(0))
        ),
        Last::Row {
            row,
            copy,
            etl,
            buffered,
            load,
            stream_counted,
            finished,
        } => {
            let mut out = format!(
                "{}{}: ETL {}",
                if *copy { "The export writes " } else { "Extracted " },
                describe(row),
                verdict_text(*etl)
            );
            if *copy {
                out.push_str(" — this row is a copy of the one before");
            }
            match load {
                Some(l) => {
                    if l.resent {
                        out.push_str(&format!(
                            "; ELT's INSERT of {} rows committed but its acknowledgement was lost, so the loader sent the chunk again and those {} rows are now in staging twice",
                            count(l.rows as u64),
                            count(l.rows as u64)
                        ));
                    } else {
                        out.push_str(&format!(
                            "; ELT loads {} raw rows into staging in one INSERT",
                            count(l.rows as u64)
                        ));
                    }
                    out.push_str(&format!(
                        " and the stream counts {} of them",
                        count(*stream_counted as u64)
                    ));
                }
                None => out.push_str(&format!(
                    "; ELT buffers it ({} of {} for the next INSERT)",
                    count(*buffered as u64),
                    count(s.params().chunk as u64)
                )),
            }
            out.push('.');
            if let Some(f) = finished {
                out.push_str(&format!(
                    " Night {} is extracted ({} rows): ETL loads its {}-row aggregate (first data after {} by the cost model); ELT runs the transform over {} staged rows{} (its answer after {}).",
                    f.run + 1,
                    count(f.rows),
                    s.etl_table().map(|t| t.batch.num_rows()).unwrap_or(0),
                    secs(f.timing.etl_ms),
                    count(f.transform_rows),
                    match (f.transform_rows > f.rows, s.params().append) {
                        (true, true) => " — every night's rows, because the note appends".to_string(),
                        (true, false) => format!(
                            " — {} of them a second time, sent again after a lost acknowledgement",
                            count(f.transform_rows - f.rows)
                        ),
                        _ => String::new(),
                    },
                    secs(f.timing.elt_ms)
                ));
            }
            out
        }
        Last::RuleChange {
            elt_rederived,
            stream_rows,
        } => {
            let elt = match elt_rederived {
                Some(run) => format!(
                    "ELT re-derives night {}'s answer at once from the raw rows it kept",
                    run + 1
                ),
                None => "ELT has no finished night yet; its first transform will use v2".into(),
            };
            let etl = if s.etl_table().is_some() {
                "ETL kept only its aggregate, so its table stays on v1 until it has extracted again — from a source that has moved on"
            } else {
                "ETL's running job was deployed with v1 and finishes this night with it"
            };
            format!(
                "The business rule changes to v2 (cancelled orders are not revenue). {elt}; the stream re-derives its live table from the {} rows it loaded; {etl}.",
                count(*stream_rows)
            )
        }
        Last::SourceChange { touched } => format!(
            "{} source rows change now (corrections and cancellations) — after this night's extract started, so it does not see them; the next extract will, and their old values survive only in ELT's staging.",
            count(*touched)
        ),
        Last::LoadFailArmed => {
            "The next INSERT into staging will commit but lose its acknowledgement, and the loader will send the chunk again.".to_string()
        }
        Last::EmptyNight { finished } => format!(
            "Night {}'s extract is empty (every order was deleted): ETL and ELT both publish an empty table.",
            finished.run + 1
        ),
    }
}

fn secs(ms: f64) -> String {
    if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1_000.0)
    }
}

/// A cost-model time for the page ("65 ms", "11.9 s").
pub fn time_text(ms: f64) -> String {
    secs(ms)
}

/// One staging row with its position and night.
#[derive(Clone, Debug, PartialEq)]
pub struct StagingRow {
    pub index: u64,
    pub night: u32,
    pub row: RawRow,
    /// The batch (INSERT) it came in, 1-based.
    pub insert: usize,
}

/// Rows `start..start+count` of the staging table.
pub fn staging_page(s: &EtlElt, start: u64, count: usize) -> Vec<StagingRow> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (bi, b) in s.staging().iter().enumerate() {
        let n = b.num_rows() as u64;
        if offset + n <= start {
            offset += n;
            continue;
        }
        let Some(cols) = StagingCols::of(b) else {
            offset += n;
            continue;
        };
        let from = start.saturating_sub(offset) as usize;
        for i in from..cols.len() {
            if out.len() >= count {
                return out;
            }
            out.push(StagingRow {
                index: offset + i as u64,
                night: cols.run.value(i) + 1,
                row: cols.row(i),
                insert: bi + 1,
            });
        }
        offset += n;
        if out.len() >= count {
            break;
        }
    }
    out
}

/// One aggregate row with the oracle's value for its key (`None`: the truth has no such
/// key), for highlighting the rows a path gets wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct JudgedRow {
    pub row: AggRow,
    pub truth: Option<(i64, u64)>,
}

fn truth_key(s: &EtlElt, r: &AggRow) -> String {
    match s.params().group {
        super::table::Group::Category => r.label.clone(),
        super::table::Group::User => r.key.to_string(),
    }
}

/// Rows of a published table, judged against the truth of its night under the rule in
/// force.
pub fn table_page(s: &EtlElt, p: &Published, start: usize, count: usize) -> Vec<JudgedRow> {
    let truth = s.truth(p.run, s.rule());
    aggregate_rows(&p.batch, start, count)
        .into_iter()
        .map(|row| {
            let truth = truth.and_then(|t| t.get(&truth_key(s, &row)).copied());
            JudgedRow { row, truth }
        })
        .collect()
}

/// Rows of the stream's live table (keys with orders, in key order), judged against the
/// oracle's fold of the rows loaded so far (mid-night) or the night's final truth. Read in
/// place: no table or map of every key is built (100,000 customers at the big preset).
pub fn stream_page(s: &EtlElt, start: usize, count: usize) -> Vec<JudgedRow> {
    let live = s.stream();
    let mut out = Vec::new();
    let mut index = 0usize;
    for k in 0..live.key_count() as u32 {
        let (cents, orders) = live.key(k);
        if orders == 0 {
            continue;
        }
        if index >= start {
            let label = match s.params().group {
                super::table::Group::Category => super::source::CATEGORIES
                    .get(k as usize)
                    .copied()
                    .unwrap_or("?")
                    .to_string(),
                super::table::Group::User => format!("user {k}"),
            };
            out.push(JudgedRow {
                truth: s.stream_truth(k),
                row: AggRow {
                    key: k,
                    label,
                    cents,
                    orders,
                },
            });
            if out.len() >= count {
                break;
            }
        }
        index += 1;
    }
    out
}

/// A source row as it stands now, and whether it differs from what this night's extract
/// read.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceLine {
    pub slot: u64,
    pub row: Option<RawRow>,
    pub changed_since_extract: bool,
}

/// Slots `start..start+count` of the source, as they stand now.
pub fn source_page(src: &Source, run: u32, start: u64, count: usize) -> Vec<SourceLine> {
    let slots = src.slots(run);
    (start..slots.min(start.saturating_add(count as u64)))
        .map(|slot| {
            let now = src.row_now(slot, run);
            let read = src.row_for_run(slot, run);
            SourceLine {
                slot,
                changed_since_extract: now != read,
                row: now.map(|r| RawRow::from_source(&r)),
            }
        })
        .collect()
}

/// Time to first data across extract sizes (for the chart), for a chunk size.
pub fn first_data_sweep(chunk: u64) -> Vec<(u64, FirstData)> {
    let mut out = Vec::new();
    let mut n = 3_000u64;
    while n <= 10_000_000 {
        out.push((n, first_data(&COSTS, n, chunk, n)));
        n = if n.to_string().starts_with('1') {
            n * 3
        } else {
            n / 3 * 10
        };
    }
    out
}

/// "kept 912 of 1,000 rows (91.2%)".
pub fn kept_text(c: &Counts) -> String {
    let denom = c.read.max(1) as f64;
    format!(
        "{} counted of {} read ({}); {} null, {} bad, {} duplicate, {} excluded by the rule",
        count(c.counted),
        count(c.read),
        percent(c.counted as f64 / denom),
        count(c.null),
        count(c.bad),
        count(c.duplicates),
        count(c.excluded)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::etl_elt::table::{aggregate_batch, Group};
    use crate::patterns::etl_elt::EtlParams;
    use crate::sim::Scenario;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_live_tables_pages_are_its_rows_with_the_oracles_values() {
        for group in [Group::Category, Group::User] {
            let p = EtlParams {
                group,
                users: 30,
                ..EtlParams::default()
            };
            let mut s = EtlElt::new(&p, 4).unwrap();
            for _ in 0..450 {
                s.step();
            }
            let all = aggregate_rows(
                &aggregate_batch(group, &s.stream().totals()).unwrap(),
                0,
                1_000,
            );
            let truth = s.truth_so_far(s.rule());
            let paged: Vec<JudgedRow> = (0..all.len())
                .step_by(4)
                .flat_map(|start| stream_page(&s, start, 4))
                .collect();
            assert_eq!(paged.iter().map(|r| r.row.clone()).collect::<Vec<_>>(), all);
            for r in &paged {
                let key = match group {
                    Group::Category => r.row.label.clone(),
                    Group::User => r.row.key.to_string(),
                };
                assert_eq!(r.truth, truth.get(&key).copied(), "{key}");
                assert_eq!(
                    r.truth,
                    Some((r.row.cents, r.row.orders)),
                    "the stream is right"
                );
            }
        }
    }
}
