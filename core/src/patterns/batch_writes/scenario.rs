//! The batch-writes state machine: one row arrives per step; when the writer has a full
//! batch (or the last row), it sends it — row at a time, as a batched statement, or as a
//! bulk copy — and recovers from bad rows by bisecting or retrying. Rows arrive at a fixed
//! rate, so a writer slower than the arrivals makes rows wait: latency is measured from a
//! row's arrival to the commit that stored it.

use crate::hash::key_hash;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario};

use super::params::{BatchParams, Mode};
use super::writer::{quantile_us, Report, Table, Writer};
use crate::oracle::batch::TableTruth;

/// Samples kept for the charts (about this many).
const SAMPLES: u64 = 300;

/// What the last step or fault did.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Arrived {
        id: u64,
        bad: bool,
        buffered: u32,
        sent: Option<Report>,
    },
    BadRowArmed,
    AckLossArmed,
}

/// One point of the run's history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub step: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    /// Rows stored per second of writer time so far.
    pub throughput: f64,
    /// Rows waiting (arrived, not yet stored or given up).
    pub backlog: u64,
}

#[derive(Clone)]
pub struct BatchWrites {
    params: BatchParams,
    seed: u64,
    step: u64,
    /// First row of the batch being collected.
    buffer_start: u64,
    writer: Writer,
    table: Table,
    reports: PVec<Report>,
    /// Rows made bad by the fault (few).
    forced_bad: Vec<u64>,
    bad_next: bool,
    lose_ack: bool,
    samples: PVec<Sample>,
    truth: TableTruth,
    last: Last,
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "bad-row",
        label: "Send a bad row",
        help: "The next row breaks a constraint: the statement that carries it fails and its transaction rolls back.",
    },
    FaultSpec {
        kind: "drop-connection",
        label: "Drop the connection mid-batch",
        help: "The next batch commits, but the connection drops before the writer hears so: it sends the batch again. With an idempotency key the resend inserts nothing; without one every row is stored twice.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "row-vs-batch",
        label: "Row at a time",
        description: "One INSERT and one commit per row: each row pays a round trip and a commit, the writer falls behind the arrivals and latency climbs.",
        seed: 1,
        params: &[("mode", "row")],
        faults: &[],
        step: 1_000,
    },
    Preset {
        name: "bisect",
        label: "A bad row, bisected",
        description: "A bad row fails its batch of 50; the writer splits it in halves until the bad row is alone, sends it to the dead-letter table and stores the other 49.",
        seed: 2,
        params: &[("bad", "0")],
        faults: &[(120, "bad-row")],
        step: 150,
    },
    Preset {
        name: "retry",
        label: "A bad row, retried",
        description: "The same bad row with a writer that retries the whole batch: it fails three times and all 50 rows are given up.",
        seed: 2,
        params: &[("bad", "0"), ("onerror", "retry")],
        faults: &[(120, "bad-row")],
        step: 150,
    },
    Preset {
        name: "duplicates",
        label: "A lost ack without a key",
        description: "The connection drops after a commit; the writer resends the batch, and without an idempotency key its 50 rows are now stored twice.",
        seed: 3,
        params: &[("idempotent", "off"), ("bad", "0")],
        faults: &[(120, "drop-connection")],
        step: 150,
    },
    Preset {
        name: "executemany",
        label: "The note's executemany",
        description: "executemany with a driver that loops: a round trip per row, so batches of 50 are barely faster than rows one at a time.",
        seed: 1,
        params: &[("executemany-one-trip", "on")],
        faults: &[],
        step: 1_000,
    },
];

impl BatchWrites {
    pub fn params(&self) -> &BatchParams {
        &self.params
    }

    pub fn steps(&self) -> u64 {
        self.step
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    pub fn reports(&self) -> &PVec<Report> {
        &self.reports
    }

    pub fn samples(&self) -> &PVec<Sample> {
        &self.samples
    }

    /// Rows collected for the next request.
    pub fn buffered(&self) -> u64 {
        self.step - self.buffer_start
    }

    /// When row `id` arrives (µs since the first).
    pub fn arrival_us(&self, id: u64) -> u64 {
        arrival(self.params.rate, id)
    }

    /// Whether row `id` breaks a constraint.
    pub fn is_bad(&self, id: u64) -> bool {
        is_bad(self.seed, self.params.bad, &self.forced_bad, id)
    }

    /// The oracle's judgement of the table so far.
    pub fn truth(&self) -> TableTruth {
        self.truth
    }

    /// Rows stored per second of writer time.
    pub fn throughput(&self) -> f64 {
        if self.writer.busy_us == 0 {
            0.0
        } else {
            self.table.distinct as f64 * 1e6 / self.writer.busy_us as f64
        }
    }

    pub fn p50_us(&self) -> u64 {
        quantile_us(&self.writer.latency, 0.5)
    }

    pub fn p99_us(&self) -> u64 {
        quantile_us(&self.writer.latency, 0.99)
    }

    /// Rows arrived but neither stored nor given up.
    pub fn backlog(&self) -> u64 {
        self.step - self.table.distinct - self.table.dead.len() as u64
    }

    /// When the writer will have caught up with the arrivals (µs), for the backlog text.
    pub fn behind_us(&self) -> u64 {
        let now = self.arrival_us(self.step.saturating_sub(1));
        self.writer.free_at_us.saturating_sub(now)
    }
}

fn arrival(rate: u32, id: u64) -> u64 {
    id.saturating_mul(1_000_000) / rate.max(1) as u64
}

fn is_bad(seed: u64, share: f64, forced: &[u64], id: u64) -> bool {
    forced.contains(&id)
        || ((key_hash(seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64
            / (1u64 << 53) as f64)
            < share
}

impl Scenario for BatchWrites {
    type Params = BatchParams;
    type View = super::view::BatchView;
    const SLUG: &'static str = "batch-writes";

    fn new(params: &BatchParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(BatchWrites {
            params: params.clone(),
            seed,
            step: 0,
            buffer_start: 0,
            writer: Writer::default(),
            table: Table::default(),
            reports: PVec::new(),
            forced_bad: Vec::new(),
            bad_next: false,
            lose_ack: false,
            samples: PVec::new(),
            truth: TableTruth::default(),
            last: Last::Start,
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.rows
    }

    fn step(&mut self) {
        let id = self.step;
        if self.bad_next {
            self.bad_next = false;
            self.forced_bad.push(id);
        }
        self.step += 1;
        let bad = self.is_bad(id);
        let n = self.step - self.buffer_start;
        let mut sent = None;
        if n >= self.params.batch_rows() as u64 || self.step >= self.params.rows {
            let (seed, share, rate) = (self.seed, self.params.bad, self.params.rate);
            let forced = &self.forced_bad;
            let report = self.writer.write(
                &self.params,
                &mut self.table,
                self.buffer_start,
                n as u32,
                arrival(rate, id),
                |i| arrival(rate, i),
                |i| is_bad(seed, share, forced, i),
                &mut self.lose_ack,
            );
            self.reports.push(report);
            let table = &self.table;
            self.truth.judge(
                self.buffer_start..self.step,
                |i| is_bad(seed, share, forced, i),
                |i| table.contains(i),
            );
            self.buffer_start = self.step;
            sent = Some(report);
        }
        let every = (self.params.rows / SAMPLES).max(1);
        if self.step.is_multiple_of(every) || self.step == self.params.rows {
            self.samples.push(Sample {
                step: self.step,
                p50_us: self.p50_us(),
                p99_us: self.p99_us(),
                throughput: self.throughput(),
                backlog: self.backlog(),
            });
        }
        self.last = Last::Arrived {
            id,
            bad,
            buffered: self.buffered() as u32,
            sent,
        };
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        if self.step >= self.params.rows {
            return Err("every row has been written".into());
        }
        match fault.kind.as_str() {
            "bad-row" => {
                if self.bad_next {
                    return Err("the next row is already bad".into());
                }
                self.bad_next = true;
                self.last = Last::BadRowArmed;
            }
            "drop-connection" => {
                if self.lose_ack {
                    return Err("the next commit's connection already drops".into());
                }
                self.lose_ack = true;
                self.last = Last::AckLossArmed;
            }
            other => return Err(format!("{other} is not a fault of this page")),
        }
        Ok(())
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a failed statement (a bad row), a resend after a lost acknowledgement, or a fault"
    }

    fn narrate(&self) -> String {
        super::view::narrate(self)
    }

    fn is_notable(&self) -> bool {
        match &self.last {
            Last::Start => false,
            Last::Arrived { sent, .. } => sent.is_some_and(|r| r.failed_statements > 0 || r.resent),
            _ => true,
        }
    }

    fn view(&self) -> super::view::BatchView {
        super::view::BatchView::of(self)
    }
}

/// Throughput and latency against batch size: the same arrivals (and bad rows) written
/// with each batch size, `rows` rows each. `(batch size, rows/s, p50 µs, p99 µs)`.
pub fn sweep(params: &BatchParams, seed: u64, rows: u64) -> Vec<(u32, f64, u64, u64)> {
    const SIZES: [u32; 12] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];
    SIZES
        .iter()
        .filter_map(|&b| {
            let p = BatchParams {
                rows,
                batch: b,
                mode: if params.mode == Mode::Row {
                    Mode::Batch
                } else {
                    params.mode
                },
                ..params.clone()
            };
            let mut s = BatchWrites::new(&p, seed).ok()?;
            for _ in 0..rows {
                s.step();
            }
            Some((b, s.throughput(), s.p50_us(), s.p99_us()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Timeline;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn land(name: &str) -> BatchWrites {
        let preset = PRESETS.iter().find(|p| p.name == name).unwrap();
        let (p, faults) = preset.load::<BatchParams>();
        let mut t = Timeline::new(BatchWrites::new(&p, preset.seed).unwrap(), faults);
        t.seek(preset.step);
        t.current().clone()
    }

    #[test]
    fn presets_land_where_they_say() {
        let row = land("row-vs-batch");
        let batch = land("executemany");
        let plain = {
            let mut s = BatchWrites::new(&BatchParams::default(), 1).unwrap();
            for _ in 0..1_000 {
                s.step();
            }
            s
        };
        assert!(
            plain.throughput() > 5.0 * row.throughput(),
            "{} vs {}",
            plain.throughput(),
            row.throughput()
        );
        assert!(
            plain.throughput() > 4.0 * batch.throughput(),
            "the looping driver pays a trip per row: {} vs {}",
            plain.throughput(),
            batch.throughput()
        );
        assert!(row.p99_us() > plain.p99_us());
        let b = land("bisect");
        assert_eq!(b.table().dead.len(), 1);
        assert_eq!(b.table().distinct, 149);
        let r = land("retry");
        assert_eq!(r.table().dead.len(), 50);
        let d = land("duplicates");
        assert_eq!(d.table().duplicates.len(), 50);
    }

    /// Question batch-writes-10's numbers come from the state its link opens, and its
    /// answer does not say COPY wins by parsing once (the batched INSERT is parsed once too).
    #[test]
    fn question_10_matches_its_link_and_the_reason_copy_is_cheaper() {
        use crate::learn::bank::Answer;
        use crate::patterns::batch_writes::writer::{Table, Writer};
        let (bank, errors) = crate::learn::content::bank();
        let ours: Vec<_> = errors
            .iter()
            .filter(|e| e.contains("batch-writes"))
            .collect();
        assert!(ours.is_empty(), "{ours:?}");
        let q = bank.iter().find(|q| q.id == "batch-writes-10").unwrap();
        let query = q.link.split_once('?').map_or("", |(_, q)| q);
        let d = crate::link::decode::<BatchParams>(query, BatchWrites::fault_specs());
        assert!(d.ignored.is_empty(), "{:?}", d.ignored);
        let took = |p: &BatchParams| {
            let r = Writer::default().write(
                p,
                &mut Table::default(),
                0,
                50,
                0,
                |_| 0,
                |_| false,
                &mut false,
            );
            r.end_us - r.start_us
        };
        let bulk = d.state.params.clone();
        assert_eq!(bulk.mode, Mode::Bulk);
        let batch = BatchParams {
            mode: Mode::Batch,
            ..bulk.clone()
        };
        assert_eq!((took(&bulk), took(&batch)), (3_250, 4_000));
        assert!(q.stem.contains("3.25 ms") && q.stem.contains("4 ms"));
        let Answer::Choice { choices, right } = &q.answer else {
            panic!("a choice question")
        };
        let answer = &choices[*right];
        assert!(
            answer.contains("per-row") && answer.contains("all or nothing"),
            "{answer}"
        );
        assert!(!answer.contains("parsing and planning"), "{answer}");
        assert!(q.explanation.contains("parsed and planned once"));
    }

    #[test]
    fn bigger_batches_raise_throughput_until_the_round_trips_stop_mattering() {
        let p = BatchParams {
            bad: 0.0,
            ..BatchParams::default()
        };
        let s = sweep(&p, 1, 5_000);
        assert_eq!(s.len(), 12);
        assert!(s[5].1 > 10.0 * s[0].1, "{s:?}");
        // Latency: a batch waits to fill, so at a slow arrival rate big batches wait longer.
        assert!(s[11].2 > s[5].2, "{s:?}");
    }
}
