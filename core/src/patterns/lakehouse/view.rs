//! What the /lakehouse page draws: counts per table, the last step's story, and pages of
//! the commit logs, data files and rows, plus a commit as its metadata JSON.

use crate::calendar::{at_text, day_text};
use crate::format::{count, money};

use super::files::{bronze_file, bronze_rows, MinMax, SilverCols};
use super::jobs::gold_rows_at;
use super::scenario::{Lakehouse, Last, RunReport, Sample};
use super::source::{Feed, LATE_DAYS};
use super::table::{Commit, Conflict, DataFile, Lake, Layer, Op};

#[derive(Clone, Debug, PartialEq)]
pub struct LakeView {
    pub step: u64,
    pub total: u64,
    pub landing: u64,
    /// Current version of bronze, silver, gold.
    pub versions: [u32; 3],
    pub schemas: [u8; 3],
    pub bronze_files: u32,
    pub silver_files: u32,
    pub silver_small: u32,
    pub gold_rows: u64,
    pub runs: u32,
    pub conflicts: u32,
    pub compactions: u32,
    pub rejected: u64,
    pub filtered: u64,
    pub silver_orders: u64,
    pub silver_cents: i64,
    /// The oracle over the rows read so far: orders, cents, rows folded.
    pub truth_orders: u64,
    pub truth_cents: i64,
    pub truth_through: u64,
    /// Users whose silver totals differ from the truth, and whose gold totals do (with the
    /// orders by which gold is off).
    pub silver_wrong_users: u64,
    pub gold_wrong_users: u64,
    pub gold_wrong_orders: u64,
    pub last: Last,
    pub samples_len: usize,
}

impl LakeView {
    pub fn of(s: &Lakehouse) -> LakeView {
        let lake = s.lake();
        let t = s.truth();
        let (silver_wrong_users, _) = t.diff(s.silver_users());
        let (gold_wrong_users, gold_wrong_orders) = t.diff(s.gold_seen());
        let (silver_files, silver_small) = s.silver_files();
        let (silver_orders, silver_cents) = s.silver_totals();
        LakeView {
            step: s.steps(),
            total: s.params().rows,
            landing: s.landing().end - s.landing().start,
            versions: Layer::ALL.map(|l| lake.table(l).version()),
            schemas: Layer::ALL.map(|l| lake.table(l).schema.max(1)),
            bronze_files: bronze_file_count(lake),
            silver_files,
            silver_small,
            gold_rows: s.gold_rows(),
            runs: s.runs(),
            conflicts: s.conflicts(),
            compactions: s.compactions(),
            rejected: s.rejected(),
            filtered: s.filtered(),
            silver_orders,
            silver_cents,
            truth_orders: t.orders,
            truth_cents: t.cents,
            truth_through: t.through,
            silver_wrong_users,
            gold_wrong_users,
            gold_wrong_orders,
            last: s.last().clone(),
            samples_len: s.samples().len(),
        }
    }
}

/// Bronze never removes files: its live files are every file it added.
pub fn bronze_file_count(lake: &Lake) -> u32 {
    let t = lake.table(Layer::Bronze);
    t.commit(t.version()).map_or(0, |c| c.add_end)
}

fn conflict_text(c: &Conflict) -> String {
    match c {
        Conflict::PartitionChanged { version, partition } => format!(
            "silver v{version} added a file to order_day={partition}, a partition this MERGE read"
        ),
        Conflict::FileGone { version, file } => {
            format!("silver v{version} already replaced file {file}, which this commit replaces")
        }
    }
}

fn run_text(r: &RunReport) -> String {
    let p = &r.plan;
    let mut out = format!(
        "{} {}: silver reads {} bronze file{} ({} rows, {} rejected",
        if r.rerun { "Run" } else { "run" },
        r.number,
        p.bronze_files,
        if p.bronze_files == 1 { "" } else { "s" },
        count(p.rows_read),
        count(p.rejected_total()),
    );
    if p.filtered > 0 {
        out.push_str(&format!(
            ", {} dropped by the newest-day filter",
            count(p.filtered)
        ));
    }
    if p.batch_duplicates > 0 {
        out.push_str(&format!(", {} repeated", p.batch_duplicates));
    }
    out.push(')');
    out.push_str(&format!(
        "; the MERGE opens {} of {} silver files and finds {} order{} already there",
        p.files_scanned,
        p.files_scanned + p.files_skipped,
        p.matched,
        if p.matched == 1 { "" } else { "s" }
    ));
    if let Some(v) = r.rival_version {
        out.push_str(&format!(
            "; a second writer committed the same MERGE first as silver v{v}"
        ));
    }
    if let Some(c) = &r.conflict {
        out.push_str(&format!(
            "; the commit conflicts ({}), so the job re-reads and retries",
            conflict_text(c)
        ));
    }
    match r.silver_version {
        Some(v) => out.push_str(&format!(
            "; it commits silver v{v} with {} new order{}",
            p.inserted,
            if p.inserted == 1 { "" } else { "s" }
        )),
        None => out.push_str("; nothing new to insert, so no silver commit"),
    }
    if p.late > 0 {
        out.push_str(&format!(
            " ({} from earlier days, into their old partitions)",
            p.late
        ));
    }
    if let Some((removed, added, v)) = r.compaction {
        out.push_str(&format!(
            "; compaction rewrites {removed} small files into {added} (silver v{v})"
        ));
    }
    match r.gold {
        Some((v, op)) => out.push_str(&format!("; gold v{v} by {}", op.text())),
        None => out.push_str("; gold unchanged"),
    }
    out.push('.');
    out
}

/// The sentence for the last step or fault.
pub fn narrate(s: &Lakehouse) -> String {
    match s.last() {
        Last::Start => format!(
            "{} raw rows will land in bronze, {} per file; the pipeline runs every {} files.",
            count(s.params().rows),
            s.params().file_rows,
            s.params().every
        ),
        Last::Arrived { index, file, run } => {
            let r = s.feed().row(*index);
            let mut out = format!(
                "Row {} lands: order {} for {} on {}{}",
                count(*index),
                r.order_id,
                r.user_id
                    .map_or("no user".to_string(), |u| format!("user {u}")),
                day_text(r.day),
                r.resend_of
                    .map_or(String::new(), |o| format!(", a resend of row {o}"))
            );
            match file {
                Some((f, v)) => out.push_str(&format!(
                    "; the ingester commits bronze file {f} as bronze v{v}"
                )),
                None => out.push_str(&format!(
                    " and waits for its file ({} of {} rows)",
                    s.landing().end - s.landing().start,
                    s.params().file_rows
                )),
            }
            match run {
                Some(r) => format!("{out}; {}", run_text(r)),
                None => format!("{out}."),
            }
        }
        Last::Rerun(r) => format!("The scheduler reruns the last job. {}", run_text(r)),
        Last::RivalArmed => {
            "A second scheduler will start the next run's silver MERGE too.".to_string()
        }
        Last::LateArmed { from, to } => format!(
            "Rows {}–{} will come from a device that was offline: their orders are {LATE_DAYS} days old.",
            count(*from),
            count(to.saturating_sub(1))
        ),
        Last::ColumnAdded { bronze, silver } => format!(
            "The producer adds currency: ALTER TABLE adds a nullable column (bronze v{bronze}, silver v{silver}); older files will read it as null."
        ),
    }
}

/// A table's commits, newest first: `n` from `start`.
pub fn commit_page(lake: &Lake, layer: Layer, start: usize, n: usize) -> Vec<Commit> {
    let t = lake.table(layer);
    let len = t.version() as usize;
    (start..len.min(start.saturating_add(n)))
        .filter_map(|i| t.commits.get(len - 1 - i).copied())
        .collect()
}

/// A row of the commit table.
pub fn commit_cells(c: &Commit) -> Vec<String> {
    vec![
        format!("v{}", c.version),
        at_text(c.at_ms),
        format!(
            "{}{}",
            c.op.text(),
            if c.writer == 1 {
                " (second writer)"
            } else {
                ""
            }
        ),
        format!("+{} / −{}", c.added, c.removed),
        format!("+{} / −{}", count(c.rows_added), count(c.rows_removed)),
        format!("v{}", c.schema),
        if c.retries > 0 {
            format!("{} conflict, retried", c.retries)
        } else {
            String::new()
        },
    ]
}

fn range_text(m: Option<MinMax>) -> String {
    m.map_or("–".to_string(), |m| format!("{}…{}", m.min, m.max))
}

/// A row of the data-file table (the manifest entry).
pub fn file_cells(f: &DataFile) -> Vec<String> {
    vec![
        f.path(),
        f.partition.map_or("–".into(), day_text),
        count(f.rows as u64),
        range_text(f.stats.order_id),
        range_text(f.stats.user_id),
        f.stats.amount.map_or("–".into(), |m| {
            format!("{}…{}", money(m.min), money(m.max))
        }),
        format!("v{}", f.schema),
        format!("v{}", f.added_in),
    ]
}

/// The live files of `layer` at `version`, newest first: `n` from `start`.
pub fn file_page(
    lake: &Lake,
    layer: Layer,
    version: u32,
    start: usize,
    n: usize,
) -> Vec<&DataFile> {
    let files = lake.table(layer).files_at(version);
    files
        .iter()
        .rev()
        .skip(start)
        .take(n)
        .filter_map(|&f| lake.file(f))
        .collect()
}

/// The rows of one data file as text cells (`columns` first), `n` from `start`.
pub fn file_rows(
    file: &DataFile,
    feed: &Feed,
    start: usize,
    n: usize,
) -> (Vec<String>, Vec<Vec<String>>) {
    match file.layer {
        Layer::Bronze => {
            let Some(batch) = bronze_file(file, feed) else {
                return (Vec::new(), Vec::new());
            };
            let mut columns = vec![
                "_offset",
                "order_id",
                "user_id",
                "order_day",
                "amount",
                "ingested",
            ];
            let has_currency = batch.column_by_name("currency").is_some();
            if has_currency {
                columns.push("currency");
            }
            let rows = bronze_rows(&batch)
                .into_iter()
                .skip(start)
                .take(n)
                .map(|r| {
                    let mut cells = vec![
                        r.offset.to_string(),
                        r.order_id.to_string(),
                        r.user_id.map_or("null".into(), |u| u.to_string()),
                        day_text(r.day),
                        r.amount.map_or("null".into(), |a| format!("\"{a}\"")),
                        at_text(r.ingested_ms),
                    ];
                    if has_currency {
                        cells.push(r.currency.unwrap_or("null").to_string());
                    }
                    cells
                })
                .collect();
            (columns.into_iter().map(String::from).collect(), rows)
        }
        Layer::Silver => {
            let columns = [
                "order_id",
                "user_id",
                "order_day",
                "amount",
                "ingested",
                "currency",
            ];
            let rows = file
                .stored()
                .and_then(SilverCols::of)
                .map(|c| {
                    (start..c.len().min(start.saturating_add(n)))
                        .filter_map(|i| c.row(i))
                        .map(|r| {
                            vec![
                                r.order_id.to_string(),
                                r.user_id.to_string(),
                                day_text(r.day),
                                money(r.amount_cents),
                                at_text(r.ingested_ms),
                                r.currency.unwrap_or("null").to_string(),
                            ]
                        })
                        .collect()
                })
                .unwrap_or_default();
            (columns.into_iter().map(String::from).collect(), rows)
        }
        Layer::Gold => {
            let rows = file
                .stored()
                .map(super::files::gold_rows)
                .unwrap_or_default()
                .into_iter()
                .skip(start)
                .take(n)
                .map(|g| vec![g.user_id.to_string(), count(g.orders), money(g.spent_cents)])
                .collect();
            (
                ["user_id", "order_count", "total_spent"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                rows,
            )
        }
    }
}

/// Gold as a reader sees it at `version`: every live row (several per user with the note's
/// append), by user: `n` from `start`.
pub fn gold_page(lake: &Lake, version: u32, start: usize, n: usize) -> Vec<Vec<String>> {
    let mut rows = gold_rows_at(lake, version);
    rows.sort_unstable_by_key(|r| (r.user_id, r.orders, r.spent_cents));
    rows.into_iter()
        .skip(start)
        .take(n)
        .map(|g| vec![g.user_id.to_string(), count(g.orders), money(g.spent_cents)])
        .collect()
}

fn json_range(m: Option<MinMax>) -> String {
    m.map_or("null".into(), |m| format!("[{}, {}]", m.min, m.max))
}

/// A commit as table-format metadata: the snapshot and its manifest entries (added and
/// removed files with their statistics).
pub fn commit_json(lake: &Lake, layer: Layer, version: u32) -> String {
    let t = lake.table(layer);
    let Some(c) = t.commit(version) else {
        return format!("{{ \"table\": \"{}\", \"snapshot\": null }}", layer.table());
    };
    let op = match c.op {
        Op::Append => "append",
        Op::Merge | Op::Overwrite => "overwrite",
        Op::Compact => "replace",
        Op::AddColumn => "schema-change",
    };
    let mut out = format!(
        "{{\n  \"table\": \"{}\",\n  \"snapshot-id\": {},\n  \"parent-snapshot-id\": {},\n  \"timestamp-ms\": {},\n  \"operation\": \"{op}\",\n  \"schema-id\": {},\n  \"summary\": {{ \"added-data-files\": {}, \"deleted-data-files\": {}, \"added-records\": {}, \"deleted-records\": {} }},\n  \"manifest\": [",
        layer.table(),
        c.version,
        if c.version > 1 { (c.version - 1).to_string() } else { "null".into() },
        // Milliseconds since 1970 for the real format; the simulation's clock starts in 2024.
        c.at_ms + 1_704_067_200_000,
        c.schema,
        c.added,
        c.removed,
        c.rows_added,
        c.rows_removed,
    );
    let entries: Vec<String> = t
        .added_by(version)
        .into_iter()
        .map(|f| (1, f))
        .chain(t.removed_by(version).into_iter().map(|f| (2, f)))
        .filter_map(|(status, f)| lake.file(f).map(|d| (status, d)))
        .take(20)
        .map(|(status, d)| {
            format!(
                "\n    {{ \"status\": \"{}\", \"file\": \"{}\", \"partition\": {}, \"record-count\": {}, \"order_id\": {}, \"user_id\": {}, \"amount\": {} }}",
                if status == 1 { "ADDED" } else { "DELETED" },
                d.path(),
                d.partition.map_or("null".into(), |p| format!("{{ \"order_day\": \"{}\" }}", day_text(p))),
                d.rows,
                json_range(d.stats.order_id),
                json_range(d.stats.user_id),
                json_range(d.stats.amount),
            )
        })
        .collect();
    out.push_str(&entries.join(","));
    if c.added + c.removed > 20 {
        out.push_str(&format!("\n    … {} more", c.added + c.removed - 20));
    }
    out.push_str(if entries.is_empty() {
        "]\n}"
    } else {
        "\n  ]\n}"
    });
    out
}

/// Samples for the chart, at most `max` evenly spaced.
pub fn chart_samples(s: &Lakehouse, max: usize) -> Vec<Sample> {
    let n = s.samples().len();
    let every = n.div_ceil(max.max(1)).max(1);
    s.samples().iter().step_by(every).copied().collect()
}
