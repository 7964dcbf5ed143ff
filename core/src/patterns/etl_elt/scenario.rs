//! The ETL/ELT state machine: one extracted row per step, through three pipelines at once.
//!
//! - **ETL** cleans and aggregates each row on its own server and loads only the aggregate
//!   (`replace`) when the extract is done: the warehouse never holds a raw row.
//! - **ELT** loads raw rows into the staging table in chunks (one Arrow record batch per
//!   INSERT, each committed on its own) and runs the transform inside the warehouse when
//!   the extract is done.
//! - **Streaming** loads the same chunks and transforms each one as it lands, so a partial
//!   answer exists after the first chunk.
//!
//! Every run extracts the whole source (a nightly full extract); the source changes in
//! between. The oracle folds each extract's CSV lines for the badges.

use std::sync::Arc;

use arrow_array::RecordBatch;

use crate::format::{count, money};
use crate::oracle::etl::{diff, Answer, ExtractTruth};
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario};

use super::costs::{first_data, FirstData, COSTS};
use super::extract::RawRow;
use super::params::EtlParams;
use super::source::{run_start_ms, Source, CATEGORIES};
use super::table::{aggregate_batch, aggregate_totals, staging_batch, Group, StagingCols, Totals};
use super::transform::{transform, Counts, Fields, Rule, Running, Verdict};

/// A table a path published: which extract it answers for, under which rule.
#[derive(Clone, PartialEq)]
pub struct Published {
    pub run: u32,
    pub rule: Rule,
    pub batch: RecordBatch,
    pub counts: Counts,
    /// The step that published it.
    pub step: u64,
    /// Against the oracle under the rule in force: `(keys wrong, cents off)`; refreshed
    /// when the table is published and when the rule changes (so a view never recomputes
    /// it: at 100,000 customers that is a map of 100,000 keys).
    pub check: (u64, i64),
}

// By hand: the rows as aggregate rows (what the determinism digest should see), not
// Arrow's `Debug`, which links its temporal formatting into the download.
impl std::fmt::Debug for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Published")
            .field("run", &self.run)
            .field("rule", &self.rule)
            .field("rows", &super::table::aggregate_rows(&self.batch, 0, 64))
            .field("counts", &self.counts)
            .field("step", &self.step)
            .field("check", &self.check)
            .finish()
    }
}

/// A load into staging (one INSERT, committed on its own: all of its rows or none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    pub run: u32,
    /// Rows the INSERT carried.
    pub rows: u32,
    /// The INSERT committed but its acknowledgement was lost (the connection dropped after
    /// the COMMIT), so the loader sent the same chunk again: it is staged twice.
    pub resent: bool,
}

/// Where the rows since the last load start in the extract, and how many there are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pending {
    cursor: u64,
    dup_pending: Option<u64>,
    rows: u32,
}

/// The extract's reading position: the next slot, and a slot to write again (the
/// export's duplicate) before it.
fn read_next(
    source: &Source,
    run: u32,
    cursor: &mut u64,
    dup_pending: &mut Option<u64>,
) -> Option<(RawRow, bool)> {
    if let Some(slot) = dup_pending.take() {
        let row = source.row_for_run(slot, run)?;
        return Some((RawRow::from_source(&row), true));
    }
    let slots = source.slots(run);
    while *cursor < slots {
        let slot = *cursor;
        *cursor += 1;
        if let Some(row) = source.row_for_run(slot, run) {
            if source.duplicated(slot, run) {
                *dup_pending = Some(slot);
            }
            return Some((RawRow::from_source(&row), false));
        }
    }
    None
}

/// What the last step or fault did, for narration and highlighting.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Row {
        row: RawRow,
        /// The export wrote this row twice; this is the copy.
        copy: bool,
        etl: Verdict,
        /// Rows waiting in ELT's buffer after this one.
        buffered: u32,
        load: Option<Load>,
        /// The stream's verdicts on the rows the load carried (counted, duplicates).
        stream_counted: u32,
        finished: Option<Finished>,
    },
    RuleChange {
        elt_rederived: Option<u32>,
        stream_rows: u64,
    },
    SourceChange {
        touched: u64,
    },
    LoadFailArmed,
    /// A night whose extract is empty (churn deleted every order): it takes one step,
    /// which publishes empty tables.
    EmptyNight {
        finished: Finished,
    },
}

/// What the end of a run published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finished {
    pub run: u32,
    pub rows: u64,
    pub transform_rows: u64,
    pub timing: FirstData,
}

/// Per-run record for the timings table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunRecord {
    pub run: u32,
    pub extracted: u64,
    pub staging_rows: u64,
    pub transform_rows: u64,
    pub etl: Counts,
    pub elt: Counts,
    pub timing: FirstData,
}

#[derive(Clone)]
pub struct EtlElt {
    params: EtlParams,
    source: Source,
    total: u64,
    step: u64,
    /// The rule now in force (ELT and the stream apply it at once).
    rule: Rule,
    /// The rule the running ETL job was deployed with (fixed for its run).
    etl_rule: Rule,
    run: u32,
    /// Rows extracted in this run.
    pos: u64,
    /// Next slot to read.
    cursor: u64,
    /// The slot just read will be written again (the export's duplicate).
    dup_pending: Option<u64>,
    etl: Running,
    etl_table: Option<Published>,
    /// The rows waiting for ELT's next INSERT, as the extract's cursor where they start
    /// and their number: they are read again from the source when loaded, so a
    /// checkpoint does not copy up to a chunk of rows (at 10,000-row chunks and 1,024
    /// checkpoints that was 800 MB).
    pending: Pending,
    staging: PVec<RecordBatch>,
    staging_rows: u64,
    /// First staging batch of each run (`partition_start[r]`).
    partition_start: Vec<usize>,
    elt_table: Option<Published>,
    stream: Running,
    stream_run: u32,
    /// The stream's live table against the oracle, refreshed at each load.
    stream_check: (u64, i64),
    truth: ExtractTruth,
    /// Each finished run's truth under both rules.
    truths: Vec<Arc<[Answer; 2]>>,
    records: Vec<RunRecord>,
    load_fail: bool,
    loads: u64,
    last: Last,
}

pub const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "source-change",
        label: "Change source rows",
        help: "About 1% of the source's orders are corrected or cancelled now, after this run's extract read them: the next extract sees the new values, and the old ones exist only in ELT's staging.",
    },
    FaultSpec {
        kind: "rule-change",
        label: "Change the business rule",
        help: "Revenue should count paid orders only (v2). ELT re-derives at once from the raw rows it kept; ETL only has its aggregate and applies v2 at its next extract, from a source that has moved on.",
    },
    FaultSpec {
        kind: "load-fail",
        label: "Lose a load's acknowledgement",
        help: "The next INSERT into staging commits, but the connection drops before the loader hears so, and the loader sends the whole chunk again: those rows are in staging twice, and the transform must not count them twice. (An INSERT that fails before its commit leaves nothing: it is all or nothing.)",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "first-night",
        label: "The first night",
        description: "The end of the first run: ETL and ELT publish the same aggregate, but ELT also kept every raw row, and the streaming variant had an answer after the first chunk.",
        seed: 1,
        params: &[],
        faults: &[],
        step: 1_034,
    },
    Preset {
        name: "rule-change",
        label: "The rule changes",
        description: "After the first night the business says cancelled orders are not revenue. ELT re-derives last night's answer at once; ETL is wrong until it has extracted again, and by then the source has moved on.",
        seed: 2,
        params: &[],
        faults: &[(1_200, "rule-change")],
        step: 1_200,
    },
    Preset {
        name: "append",
        label: "The note's append staging",
        description: "Three nights appended to one staging table: the transform reads every night's rows, and orders deleted at the source keep counting.",
        seed: 3,
        params: &[("append-staging", "on")],
        faults: &[],
        step: 3_152,
    },
    Preset {
        name: "load-fail",
        label: "A load is sent twice",
        description: "An INSERT commits but its acknowledgement is lost, and the loader sends the chunk again: staging holds those rows twice, and the transform's one-row-per-order rule keeps the answer right.",
        seed: 4,
        params: &[],
        faults: &[(520, "load-fail")],
        step: 1_034,
    },
    Preset {
        name: "big",
        label: "A million rows",
        description: "A million-row source grouped by customer: the ELT transform groups a million staged rows in the browser at the end of the night.",
        seed: 5,
        params: &[("rows", "1000000"), ("group", "user"), ("users", "1000"), ("chunk", "1000"), ("runs", "1")],
        faults: &[],
        step: 0,
    },
];

impl EtlElt {
    pub fn params(&self) -> &EtlParams {
        &self.params
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    pub fn rule(&self) -> Rule {
        self.rule
    }

    pub fn etl_rule(&self) -> Rule {
        self.etl_rule
    }

    /// The run being extracted (or about to start), 0-based.
    pub fn run(&self) -> u32 {
        self.run
    }

    /// Rows extracted in the current run.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn etl_table(&self) -> Option<&Published> {
        self.etl_table.as_ref()
    }

    pub fn elt_table(&self) -> Option<&Published> {
        self.elt_table.as_ref()
    }

    pub fn records(&self) -> &[RunRecord] {
        &self.records
    }

    pub fn staging(&self) -> &PVec<RecordBatch> {
        &self.staging
    }

    pub fn staging_rows(&self) -> u64 {
        self.staging_rows
    }

    pub fn buffered(&self) -> usize {
        self.pending.rows as usize
    }

    pub fn loads(&self) -> u64 {
        self.loads
    }

    pub fn etl_running(&self) -> &Running {
        &self.etl
    }

    pub fn stream(&self) -> &Running {
        &self.stream
    }

    /// The run the stream's live table covers.
    pub fn stream_run(&self) -> u32 {
        self.stream_run
    }

    /// Whether the current run's extract has started (some rows read).
    pub fn mid_run(&self) -> bool {
        self.pos > 0
    }

    /// The ground truth of finished run `r` under `rule`.
    pub fn truth(&self, run: u32, rule: Rule) -> Option<&Answer> {
        self.truths
            .get(run as usize)
            .map(|t| &t[(rule == Rule::PaidOnly) as usize])
    }

    /// The truth over the rows the current run has loaded so far, under `rule`.
    pub fn truth_so_far(&self, rule: Rule) -> Answer {
        self.truth.answer(rule == Rule::PaidOnly)
    }

    /// What the warehouse transform for run `r` reads: its partition, or under the append
    /// pitfall every row ever staged (nothing says which run wrote a row).
    pub fn transform_input(&self, run: u32) -> Vec<&RecordBatch> {
        if self.params.append {
            return self.staging.iter().collect();
        }
        self.run_batches(run)
    }

    /// The staging batches run `r` loaded.
    pub fn run_batches(&self, run: u32) -> Vec<&RecordBatch> {
        let start = self.partition_start.get(run as usize).copied().unwrap_or(0);
        let end = self
            .partition_start
            .get(run as usize + 1)
            .copied()
            .unwrap_or(self.staging.len());
        (start..end).filter_map(|i| self.staging.get(i)).collect()
    }

    /// Simulated clock: the run's start plus the extract's progress.
    pub fn now_ms(&self) -> i64 {
        run_start_ms(self.run) + (self.pos as f64 * COSTS.extract_us / 1_000.0) as i64
    }

    /// A published table compared with the truth of its extract under the rule in force:
    /// `(keys wrong, money off in cents)`.
    pub fn judge_table(&self, table: &Published) -> Option<(u64, i64)> {
        let truth = self.truth(table.run, self.rule)?;
        Some(diff(
            &answer_of(&self.params, &aggregate_totals(&table.batch)),
            truth,
        ))
    }

    /// The stream's live table against the truth of the rows it has seen: mid-night the
    /// oracle's fold of the rows loaded so far (compared key by key in place, no map
    /// built: it runs at every load), otherwise the night's final truth.
    pub fn judge_stream(&self) -> (u64, i64) {
        if !(self.stream_run == self.run && self.pos > 0) {
            let live = answer_of(&self.params, &self.stream.totals());
            return match self.truth(self.stream_run, self.rule) {
                Some(t) => diff(&live, t),
                None => diff(&live, &Answer::new()),
            };
        }
        let paid = self.rule == Rule::PaidOnly;
        let (mut keys, mut cents) = (0u64, 0i64);
        let mut tally = |mine: (i64, u64), truth: (i64, u64)| {
            if mine != truth {
                keys += 1;
                cents += (mine.0 - truth.0).abs();
            }
        };
        match self.params.group {
            Group::User => {
                let n = (self.truth.max_user() as usize + 1).max(self.params.keys());
                for k in 0..n as u32 {
                    tally(self.stream.key(k), self.truth.user(k, paid));
                }
            }
            Group::Category => {
                let truth = self.truth.categories(paid);
                for (k, name) in CATEGORIES.iter().enumerate() {
                    let t = truth
                        .iter()
                        .find(|(n, _, _)| n == name)
                        .map_or((0, 0), |&(_, c, o)| (c, o));
                    tally(self.stream.key(k as u32), t);
                }
                for (n, c, o) in &truth {
                    if !CATEGORIES.contains(n) && *o > 0 {
                        tally((0, 0), (*c, *o));
                    }
                }
            }
        }
        (keys, cents)
    }

    /// Re-judges every published table and the stream (after a publish, a load or a rule
    /// change).
    fn refresh_checks(&mut self) {
        let etl = self.etl_table.as_ref().and_then(|t| self.judge_table(t));
        let elt = self.elt_table.as_ref().and_then(|t| self.judge_table(t));
        if let (Some(t), Some(c)) = (self.etl_table.as_mut(), etl) {
            t.check = c;
        }
        if let (Some(t), Some(c)) = (self.elt_table.as_mut(), elt) {
            t.check = c;
        }
        self.stream_check = self.judge_stream();
    }

    /// The oracle's value for key `k` of the stream's live table (mid-night: the rows
    /// loaded so far; otherwise the night's final truth), `None` if it has no orders.
    pub fn stream_truth(&self, k: u32) -> Option<(i64, u64)> {
        let paid = self.rule == Rule::PaidOnly;
        let cell = if self.stream_run == self.run && self.pos > 0 {
            match self.params.group {
                Group::User => self.truth.user(k, paid),
                Group::Category => {
                    let name = CATEGORIES.get(k as usize).copied().unwrap_or("");
                    self.truth
                        .categories(paid)
                        .iter()
                        .find(|(n, _, _)| *n == name)
                        .map_or((0, 0), |&(_, c, o)| (c, o))
                }
            }
        } else {
            let key = match self.params.group {
                Group::User => k.to_string(),
                Group::Category => CATEGORIES
                    .get(k as usize)
                    .copied()
                    .unwrap_or("")
                    .to_string(),
            };
            self.truth(self.stream_run, self.rule)
                .and_then(|t| t.get(&key).copied())
                .unwrap_or((0, 0))
        };
        (cell.1 > 0).then_some(cell)
    }

    /// The stream's last check (kept up to date by every load and rule change).
    pub fn stream_check(&self) -> (u64, i64) {
        self.stream_check
    }

    fn next_row(&mut self) -> Option<(RawRow, bool)> {
        read_next(
            &self.source,
            self.run,
            &mut self.cursor,
            &mut self.dup_pending,
        )
    }

    /// The rows waiting for the next INSERT, read again from the source.
    fn pending_rows(&self) -> Vec<RawRow> {
        let (mut cursor, mut dup) = (self.pending.cursor, self.pending.dup_pending);
        (0..self.pending.rows)
            .map_while(|_| read_next(&self.source, self.run, &mut cursor, &mut dup))
            .map(|(row, _)| row)
            .collect()
    }

    fn start_run(&mut self) {
        let keys = self.params.keys();
        self.etl = Running::new(keys);
        self.etl_rule = self.rule;
        self.stream = Running::new(keys);
        self.stream_run = self.run;
        self.truth = ExtractTruth::new(self.params.group == Group::User);
        self.cursor = 0;
        self.dup_pending = None;
        self.pending = Pending::default();
        if self.partition_start.len() <= self.run as usize {
            self.partition_start.push(self.staging.len());
        }
    }

    /// One INSERT of the buffered rows, committed whole; when the fault is armed its
    /// acknowledgement is lost and the loader sends the same chunk again.
    fn load_chunk(&mut self) -> Option<(Load, u32)> {
        if self.pending.rows == 0 {
            return None;
        }
        let rows = self.pending_rows();
        self.pending = Pending {
            cursor: self.cursor,
            dup_pending: self.dup_pending,
            rows: 0,
        };
        // The oracle's "so far" is the rows that reached the warehouse, read from their
        // CSV text (a resent chunk is not folded twice: its rows are in `rows` once).
        for r in &rows {
            self.truth.fold_line(&r.csv());
        }
        let resent = std::mem::take(&mut self.load_fail);
        let batch = staging_batch(self.run, &rows);
        let mut batches: Vec<RecordBatch> = batch.iter().cloned().collect();
        if resent {
            batches.extend(batch);
        }
        let mut counted = 0;
        for b in batches {
            self.loads += 1;
            self.staging_rows += b.num_rows() as u64;
            counted += self.stream_take(&b);
            self.staging.push(b);
        }
        self.stream_check = self.judge_stream();
        Some((
            Load {
                run: self.run,
                rows: rows.len() as u32,
                resent,
            },
            counted,
        ))
    }

    /// The continuous transform over one loaded batch; returns rows counted.
    fn stream_take(&mut self, b: &RecordBatch) -> u32 {
        let Some(cols) = StagingCols::of(b) else {
            return 0;
        };
        let mut counted = 0;
        for i in 0..cols.len() {
            let fields = Fields {
                order_id: cols.order_id.value(i),
                user_id: cols.user_id.value(i),
                category: cols.category(i),
                amount: cols.amount(i),
                paid: cols.status.value(i) == super::extract::PAID,
            };
            let v = self.stream.take(fields, self.params.group, self.rule);
            counted += matches!(v, Verdict::Counted { .. }) as u32;
        }
        counted
    }

    fn elt_transform(&self, run: u32, rule: Rule) -> (Totals, Counts, u64) {
        let input = self.transform_input(run);
        let rows = input.iter().map(|b| b.num_rows() as u64).sum();
        let (t, c) = transform(
            input.into_iter(),
            self.params.group,
            rule,
            self.params.keys(),
        );
        (t, c, rows)
    }

    fn finish_run(&mut self) -> Finished {
        let run = self.run;
        let group = self.params.group;
        if let Some(batch) = aggregate_batch(group, &self.etl.totals()) {
            self.etl_table = Some(Published {
                run,
                rule: self.etl_rule,
                batch,
                counts: self.etl.counts,
                step: self.step,
                check: (0, 0),
            });
        }
        let (totals, counts, transform_rows) = self.elt_transform(run, self.rule);
        if let Some(batch) = aggregate_batch(group, &totals) {
            self.elt_table = Some(Published {
                run,
                rule: self.rule,
                batch,
                counts,
                step: self.step,
                check: (0, 0),
            });
        }
        self.truths.push(Arc::new([
            self.truth.answer(false),
            self.truth.answer(true),
        ]));
        let timing = first_data(&COSTS, self.pos, self.params.chunk as u64, transform_rows);
        self.records.push(RunRecord {
            run,
            extracted: self.pos,
            staging_rows: self.staging_rows,
            transform_rows,
            etl: self.etl.counts,
            elt: counts,
            timing,
        });
        let finished = Finished {
            run,
            rows: self.pos,
            transform_rows,
            timing,
        };
        self.run += 1;
        self.pos = 0;
        self.refresh_checks();
        finished
    }
}

/// Dense totals as an oracle-shaped answer (category names or user ids as keys).
pub fn answer_of(params: &EtlParams, t: &Totals) -> Answer {
    let mut out = Answer::new();
    for (k, (&c, &o)) in t.cents.iter().zip(&t.orders).enumerate() {
        if o == 0 {
            continue;
        }
        let key = match params.group {
            Group::Category => CATEGORIES.get(k).map(|s| s.to_string()).unwrap_or_default(),
            Group::User => k.to_string(),
        };
        out.insert(key, (c, o));
    }
    out
}

impl Scenario for EtlElt {
    type Params = EtlParams;
    type View = super::view::EtlView;
    const SLUG: &'static str = "etl-elt";

    fn new(params: &EtlParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let source = Source::new(seed, params.shape());
        // A night with nothing to extract still takes one step (it publishes empty tables).
        let total = (0..source.runs())
            .map(|r| source.extract_len(r).max(1))
            .sum();
        let keys = params.keys();
        Ok(EtlElt {
            params: params.clone(),
            source,
            total,
            step: 0,
            rule: Rule::AllOrders,
            etl_rule: Rule::AllOrders,
            run: 0,
            pos: 0,
            cursor: 0,
            dup_pending: None,
            etl: Running::new(keys),
            etl_table: None,
            pending: Pending::default(),
            staging: PVec::new(),
            staging_rows: 0,
            partition_start: Vec::new(),
            elt_table: None,
            stream: Running::new(keys),
            stream_run: 0,
            stream_check: (0, 0),
            truth: ExtractTruth::new(params.group == Group::User),
            truths: Vec::new(),
            records: Vec::new(),
            load_fail: false,
            loads: 0,
            last: Last::Start,
        })
    }

    fn total_steps(&self) -> u64 {
        self.total
    }

    fn step(&mut self) {
        if self.run >= self.source.runs() {
            return;
        }
        if self.pos == 0 {
            self.start_run();
        }
        let Some((row, copy)) = self.next_row() else {
            // An empty extract: the night's one step publishes empty tables.
            self.load_chunk();
            let finished = self.finish_run();
            self.step += 1;
            self.last = Last::EmptyNight { finished };
            return;
        };
        self.step += 1;
        self.pos += 1;
        let etl = self
            .etl
            .take(Fields::of(&row), self.params.group, self.etl_rule);
        self.pending.rows += 1;
        let mut load = None;
        let mut stream_counted = 0;
        if self.pending.rows >= self.params.chunk {
            if let Some((l, c)) = self.load_chunk() {
                load = Some(l);
                stream_counted = c;
            }
        }
        let mut finished = None;
        if self.pos >= self.source.extract_len(self.run) {
            if let Some((l, c)) = self.load_chunk() {
                load = Some(l);
                stream_counted = c;
            }
            finished = Some(self.finish_run());
        }
        self.last = Last::Row {
            row,
            copy,
            etl,
            buffered: self.pending.rows,
            load,
            stream_counted,
            finished,
        };
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        match fault.kind.as_str() {
            "rule-change" => {
                if self.rule == Rule::PaidOnly {
                    return Err("the rule already changed to v2 (paid orders only)".into());
                }
                self.rule = Rule::PaidOnly;
                let mut elt_rederived = None;
                if let Some(t) = &self.elt_table {
                    let run = t.run;
                    let (totals, counts, _) = self.elt_transform(run, self.rule);
                    if let Some(batch) = aggregate_batch(self.params.group, &totals) {
                        self.elt_table = Some(Published {
                            run,
                            rule: self.rule,
                            batch,
                            counts,
                            step: self.step,
                            check: (0, 0),
                        });
                        elt_rederived = Some(run);
                    }
                }
                // The stream re-derives its live table from the chunks it has loaded.
                let input = self.run_batches(self.stream_run);
                let rows: u64 = input.iter().map(|b| b.num_rows() as u64).sum();
                let (totals, counts) = transform(
                    input.iter().copied(),
                    self.params.group,
                    self.rule,
                    self.params.keys(),
                );
                let mut stream = self.stream.clone();
                stream.reset_to(&totals, counts, &input);
                self.stream = stream;
                self.last = Last::RuleChange {
                    elt_rederived,
                    stream_rows: rows,
                };
                self.refresh_checks();
                Ok(())
            }
            "source-change" => {
                let run = self.run.min(self.source.runs().saturating_sub(1));
                let now = self.now_ms();
                let touched = self.source.change(run, now);
                self.last = Last::SourceChange { touched };
                Ok(())
            }
            "load-fail" => {
                if self.run >= self.source.runs() {
                    return Err("every run has finished: there is no load left to resend".into());
                }
                if self.load_fail {
                    return Err("the next load already loses its acknowledgement".into());
                }
                self.load_fail = true;
                self.last = Last::LoadFailArmed;
                Ok(())
            }
            other => Err(format!("{other} is not a fault of this page")),
        }
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "the end of a night's run (tables published), a resent load, a rule change or a source change"
    }

    fn narrate(&self) -> String {
        super::view::narrate(self)
    }

    fn is_notable(&self) -> bool {
        match &self.last {
            Last::Start => false,
            Last::Row { load, finished, .. } => {
                finished.is_some() || load.is_some_and(|l| l.resent)
            }
            _ => true,
        }
    }

    fn view(&self) -> super::view::EtlView {
        super::view::EtlView::of(self)
    }
}

/// Money and counts in one phrase: "$1,234.00 over 56 orders".
pub fn money_over(cents: i64, orders: u64) -> String {
    format!("{} over {} orders", money(cents), count(orders))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{FaultAt, Timeline};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn land(name: &str) -> EtlElt {
        let preset = PRESETS.iter().find(|p| p.name == name).unwrap();
        let (params, faults): (EtlParams, Vec<FaultAt>) = preset.load();
        let s = EtlElt::new(&params, preset.seed).unwrap();
        let mut t = Timeline::new(s, faults);
        t.seek(preset.step);
        t.current().clone()
    }

    #[test]
    fn presets_land_where_they_say() {
        // The first night has just been published.
        let s = land("first-night");
        assert_eq!((s.records().len(), s.pos()), (1, 0));
        assert!(s.judge_table(s.etl_table().unwrap()) == Some((0, 0)));
        // The rule changed mid-night 2: ELT is right at once, ETL wrong.
        let s = land("rule-change");
        assert_eq!((s.rule(), s.records().len()), (Rule::PaidOnly, 1));
        assert_eq!(s.judge_table(s.elt_table().unwrap()).unwrap().0, 0);
        assert!(s.judge_table(s.etl_table().unwrap()).unwrap().0 > 0);
        // Three appended nights: ELT's answer is wrong, the transform read them all.
        let s = land("append");
        assert_eq!(s.records().len(), 3);
        assert!(s.judge_table(s.elt_table().unwrap()).unwrap().0 > 0);
        // The resent load happened during night 1, which is then published right; staging
        // holds that whole chunk twice.
        let s = land("load-fail");
        assert_eq!(s.staging_rows(), s.records()[0].extracted + 100);
        assert_eq!(s.judge_table(s.elt_table().unwrap()).unwrap().0, 0);
    }

    /// The page a content link opens, at its step.
    fn at(link: &str) -> EtlElt {
        let query = link.split_once('?').unwrap().1;
        let d = crate::link::decode::<EtlParams>(query, FAULTS);
        assert!(d.ignored.is_empty(), "{link}");
        let s = EtlElt::new(&d.state.params, d.state.seed).unwrap();
        let mut t = Timeline::new(s, d.state.faults.clone());
        t.seek(d.state.step);
        t.current().clone()
    }

    /// Question etl-elt-07 and the tour's load-fail slide: the INSERT committed, its
    /// acknowledgement was lost, the chunk was sent again — 100 rows twice, not half of
    /// them (a failed INSERT leaves nothing), and the narration blames the resend, not the
    /// note's append.
    #[test]
    fn a_resent_chunk_is_staged_twice_whole() {
        let s = at("/etl-elt?v=1&seed=4&step=1000&dups=0&faults=520:load-fail");
        assert_eq!(s.records()[0].extracted, 1_000);
        assert_eq!(s.staging_rows(), 1_100);
        let s = at("/etl-elt?v=1&seed=4&step=1034&faults=520:load-fail");
        let text = s.narrate();
        assert!(
            text.contains("100 of them a second time, sent again after a lost acknowledgement"),
            "{text}"
        );
        assert!(!text.contains("the note appends"), "{text}");
        assert_eq!(s.judge_table(s.elt_table().unwrap()).unwrap().0, 0);
        let s = at("/etl-elt?v=1&seed=4&step=600&faults=520:load-fail");
        assert!(
            s.narrate()
                .contains("INSERT of 100 rows committed but its acknowledgement was lost"),
            "{}",
            s.narrate()
        );
    }
}
