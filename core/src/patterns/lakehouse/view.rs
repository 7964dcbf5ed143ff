//! What the /lakehouse page draws: counts per table, the last step's story, and pages of
//! the commit logs, data files and rows, plus a commit as Delta Lake writes it to
//! `_delta_log` (its actions as JSON).

use crate::calendar::{at_text, day_text};
use crate::format::{count, money};
use crate::json::Value;

use super::files::{bronze_file, bronze_rows, MinMax, SilverCols, SCHEMA_WITH_CURRENCY};
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

fn conflict_text(lake: &Lake, c: &Conflict) -> String {
    match *c {
        Conflict::PartitionChanged { version, partition } => format!(
            "{}: silver v{version} added files to order_day={}, a partition this MERGE read",
            c.exception(),
            day_text(partition)
        ),
        Conflict::FileGone { version, file } => format!(
            "{}: silver v{version} already removed {}, which this commit removes too",
            c.exception(),
            lake.file(file)
                .map_or_else(|| "a file".to_string(), |d| d.path())
        ),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

fn run_text(lake: &Lake, r: &RunReport) -> String {
    let p = &r.plan;
    let versions = if r.bronze_to > r.bronze_from + 1 {
        format!("bronze v{}–v{}", r.bronze_from + 1, r.bronze_to)
    } else {
        format!("bronze v{}", r.bronze_to)
    };
    let mut out = format!(
        "{} {}: silver's MERGE reads the rows committed in {versions} ({}, {}, {} rejected",
        if r.rerun { "Run" } else { "run" },
        r.number,
        plural(p.bronze_files as u64, "file", "files"),
        plural(p.rows_read, "row", "rows"),
        count(p.rejected_total()),
    );
    if p.filtered > 0 {
        out.push_str(&format!(
            ", {} dropped by the newest-day filter",
            count(p.filtered)
        ));
    }
    if p.batch_duplicates > 0 {
        out.push_str(&format!(
            ", {} resent (kept once)",
            count(p.batch_duplicates)
        ));
    }
    out.push(')');
    let found = format!(
        "it opens {} of silver's {} live files and finds {} already there",
        p.files_scanned,
        p.files_scanned + p.files_skipped,
        plural(p.matched, "order", "orders")
    );
    if let Some(v) = r.rival_version {
        out.push_str(&format!(
            "; a second writer committed the same MERGE first, from the same version, as silver v{v}"
        ));
    }
    match &r.conflict {
        Some(c) => out.push_str(&format!(
            "; the pipeline's commit fails ({}), so the job runs its MERGE again on the new version: {found}",
            conflict_text(lake, c)
        )),
        None => out.push_str(&format!("; {found}")),
    }
    match r.silver_version {
        Some(v) => out.push_str(&format!(
            "; it commits silver v{v} with {}",
            plural(p.inserted, "new order", "new orders")
        )),
        None if r.conflict.is_some() => {
            out.push_str(", so nothing new to insert: no silver commit")
        }
        None => out.push_str("; nothing new to insert, so no silver commit"),
    }
    if p.late > 0 {
        out.push_str(&format!(
            " ({} from earlier days, into their old partitions)",
            count(p.late)
        ));
    }
    if let Some((removed, added, v)) = r.compaction {
        out.push_str(&format!(
            "; OPTIMIZE … ZORDER BY (user_id) rewrites {} as {}, sorted by user (silver v{v})",
            plural(removed as u64, "file", "files"),
            plural(added as u64, "file", "files")
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
            "CREATE TABLE committed bronze, silver and gold as v0, empty. {} raw rows will land in bronze, {} per file; the pipeline runs every {} files.",
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
                    "; the ingester commits {} ({}) as bronze v{v}",
                    s.lake().file(*f).map_or_else(String::new, |d| d.path()),
                    plural(s.lake().file(*f).map_or(0, |d| d.rows as u64), "row", "rows")
                )),
                None => out.push_str(&format!(
                    " and waits for its file ({} of {} rows)",
                    s.landing().end - s.landing().start,
                    s.params().file_rows
                )),
            }
            match run {
                Some(r) => format!("{out}; {}", run_text(s.lake(), r)),
                None => format!("{out}."),
            }
        }
        Last::Rerun(r) => format!(
            "The scheduler reruns the last job. {}",
            run_text(s.lake(), r)
        ),
        Last::RivalArmed => {
            "A second scheduler will start the next run's silver MERGE too.".to_string()
        }
        Last::LateArmed { from, to } => format!(
            "Rows {}–{} will come from a device that was offline: their orders are {LATE_DAYS} days old.",
            count(*from),
            count(to.saturating_sub(1))
        ),
        Last::ColumnAdded { bronze, silver } => format!(
            "The producer adds currency: ALTER TABLE … ADD COLUMNS commits a new schema, with no data file, as bronze v{bronze} and silver v{silver}; older files will read the column as null."
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
        schema_text(c.schema),
        if c.retries > 0 {
            format!(
                "attempt {} (after {})",
                c.retries as u32 + 1,
                plural(c.retries as u64, "conflict", "conflicts")
            )
        } else {
            String::new()
        },
    ]
}

/// A schema version as words (never `vN`, which is a table version).
fn schema_text(schema: u8) -> String {
    if schema >= SCHEMA_WITH_CURRENCY {
        format!("schema {schema} (+currency)")
    } else {
        format!("schema {}", schema.max(1))
    }
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
        schema_text(f.schema),
        format!("{} v{}", f.layer.name(), f.added_in),
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

/// Milliseconds from 1970 to the simulation's clock start, 2024-01-01.
const EPOCH_2024_MS: i64 = 1_704_067_200_000;

fn text(v: &str) -> Value {
    Value::String(v.to_string())
}

fn num(n: impl ToString) -> Value {
    Value::Number(n.to_string())
}

fn obj(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// Cents as a decimal number (`12.50`), the way Delta writes a DECIMAL(12,2) statistic.
fn decimal(cents: i64) -> Value {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    num(format!("{sign}{}.{:02}", abs / 100, abs % 100))
}

/// A stable id for each table's `metaData.id`.
fn table_id(layer: Layer) -> &'static str {
    match layer {
        Layer::Bronze => "0b7a3f52-1c1e-4d6a-9f00-000000000001",
        Layer::Silver => "0b7a3f52-1c1e-4d6a-9f00-000000000002",
        Layer::Gold => "0b7a3f52-1c1e-4d6a-9f00-000000000003",
    }
}

/// The table's columns at a schema version, as the page's CREATE TABLE declares them:
/// `(name, Delta type)`.
pub fn columns(layer: Layer, schema: u8) -> Vec<(&'static str, &'static str)> {
    let mut out = match layer {
        Layer::Bronze => vec![
            ("_offset", "long"),
            ("order_id", "long"),
            ("user_id", "integer"),
            ("order_day", "date"),
            ("amount", "string"),
            ("ingested_ms", "long"),
        ],
        Layer::Silver => vec![
            ("order_id", "long"),
            ("user_id", "integer"),
            ("order_day", "date"),
            ("amount", "decimal(12,2)"),
            ("ingested_ms", "long"),
        ],
        Layer::Gold => vec![
            ("user_id", "integer"),
            ("order_count", "long"),
            ("total_spent", "decimal(22,2)"),
        ],
    };
    if layer != Layer::Gold && schema >= SCHEMA_WITH_CURRENCY {
        out.push(("currency", "string"));
    }
    out
}

fn field(name: &str, kind: &str) -> Value {
    obj(vec![
        ("name", text(name)),
        ("type", text(kind)),
        ("nullable", Value::Bool(true)),
        ("metadata", obj(vec![])),
    ])
}

/// The `metaData` action: the table's id, format, schema (a JSON string), partitioning
/// and properties.
fn metadata_action(layer: Layer, schema: u8, created_ms: i64) -> Value {
    let schema_string = obj(vec![
        ("type", text("struct")),
        (
            "fields",
            Value::Array(
                columns(layer, schema)
                    .into_iter()
                    .map(|(n, t)| field(n, t))
                    .collect(),
            ),
        ),
    ])
    .to_text();
    let configuration = if layer == Layer::Gold {
        obj(vec![])
    } else {
        obj(vec![("delta.enableChangeDataFeed", text("true"))])
    };
    obj(vec![(
        "metaData",
        obj(vec![
            ("id", text(table_id(layer))),
            (
                "format",
                obj(vec![
                    ("provider", text("parquet")),
                    ("options", obj(vec![])),
                ]),
            ),
            ("schemaString", text(&schema_string)),
            (
                "partitionColumns",
                Value::Array(if layer == Layer::Silver {
                    vec![text("order_day")]
                } else {
                    vec![]
                }),
            ),
            ("configuration", configuration),
            ("createdTime", num(created_ms)),
        ]),
    )])
}

fn partition_values(d: &DataFile) -> Value {
    obj(d
        .partition
        .map(|p| ("order_day", text(&day_text(p))))
        .into_iter()
        .collect())
}

/// A file's statistics as Delta keeps them: a JSON string in the `add` action.
fn stats_text(d: &DataFile) -> String {
    let mut min = Vec::new();
    let mut max = Vec::new();
    let mut put = |name: &'static str, m: Option<MinMax>, as_value: fn(i64) -> Value| {
        if let Some(m) = m {
            min.push((name, as_value(m.min)));
            max.push((name, as_value(m.max)));
        }
    };
    match d.layer {
        Layer::Gold => {
            put("user_id", d.stats.user_id, num);
            put("total_spent", d.stats.amount, decimal);
        }
        _ => {
            put("order_id", d.stats.order_id, num);
            put("user_id", d.stats.user_id, num);
            put("amount", d.stats.amount, decimal);
        }
    }
    obj(vec![
        ("numRecords", num(d.rows)),
        ("minValues", obj(min)),
        ("maxValues", obj(max)),
    ])
    .to_text()
}

fn operation_parameters(layer: Layer, c: &Commit, partitions: &[u32]) -> Value {
    match c.op {
        Op::Append | Op::Overwrite => obj(vec![
            (
                "mode",
                text(if c.op == Op::Append {
                    "Append"
                } else {
                    "Overwrite"
                }),
            ),
            (
                "partitionBy",
                text(if layer == Layer::Silver {
                    "[\"order_day\"]"
                } else {
                    "[]"
                }),
            ),
        ]),
        Op::Merge if layer == Layer::Gold => obj(vec![
            ("predicate", text("[\"(g.user_id = d.user_id)\"]")),
            ("matchedPredicates", text("[{\"actionType\":\"update\"}]")),
            (
                "notMatchedPredicates",
                text("[{\"actionType\":\"insert\"}]"),
            ),
            ("notMatchedBySourcePredicates", text("[]")),
        ]),
        Op::Merge => obj(vec![
            (
                "predicate",
                text("[\"((t.order_id = s.order_id) AND (t.order_day = s.order_day))\"]"),
            ),
            ("matchedPredicates", text("[]")),
            (
                "notMatchedPredicates",
                text("[{\"actionType\":\"insert\"}]"),
            ),
            ("notMatchedBySourcePredicates", text("[]")),
        ]),
        Op::Compact => {
            let days: Vec<String> = partitions
                .iter()
                .map(|&p| format!("\"(order_day = '{}')\"", day_text(p)))
                .collect();
            obj(vec![
                ("predicate", text(&format!("[{}]", days.join(",")))),
                ("zOrderBy", text("[\"user_id\"]")),
            ])
        }
        Op::AddColumn => obj(vec![(
            "columns",
            text(&Value::Array(vec![obj(vec![("column", field("currency", "string"))])]).to_text()),
        )]),
    }
}

/// The name of version `v`'s commit file: `_delta_log/00000000000000000012.json`.
pub fn commit_file(version: u32) -> String {
    format!("_delta_log/{version:020}.json")
}

/// Most `add`/`remove` actions shown for one commit.
const MAX_FILE_ACTIONS: usize = 20;

/// Version `version` of `layer` as Delta Lake writes it to `_delta_log`: one action per line
/// (newline-delimited JSON), `commitInfo` first, then `protocol` and `metaData` (the
/// CREATE TABLE at version 0; `metaData` alone for a schema change), then the `remove` and
/// `add` actions with each file's statistics. Sizes are the Arrow batches' bytes. Past
/// [`MAX_FILE_ACTIONS`] file actions, a last line counts the rest (not JSON). A version not
/// committed yet reads as `{"error": …}`.
pub fn commit_json(lake: &Lake, layer: Layer, version: u32) -> String {
    commit_actions(lake, layer, version).unwrap_or_else(|| {
        obj(vec![(
            "error",
            text(&format!("{} has no version {version} yet", layer.table())),
        )])
        .to_text()
    })
}

fn commit_actions(lake: &Lake, layer: Layer, version: u32) -> Option<String> {
    let t = lake.table(layer);
    let mut lines: Vec<String> = Vec::new();
    if version == 0 {
        let at = EPOCH_2024_MS;
        lines.push(
            obj(vec![(
                "commitInfo",
                obj(vec![
                    ("timestamp", num(at)),
                    ("operation", text("CREATE TABLE")),
                    (
                        "operationParameters",
                        obj(vec![
                            ("isManaged", text("true")),
                            (
                                "partitionBy",
                                text(if layer == Layer::Silver {
                                    "[\"order_day\"]"
                                } else {
                                    "[]"
                                }),
                            ),
                        ]),
                    ),
                    ("isolationLevel", text("Serializable")),
                    ("isBlindAppend", Value::Bool(true)),
                ]),
            )])
            .to_text(),
        );
        // The change data feed needs writer version 4.
        let writer = if layer == Layer::Gold { 2 } else { 4 };
        lines.push(
            obj(vec![(
                "protocol",
                obj(vec![
                    ("minReaderVersion", num(1)),
                    ("minWriterVersion", num(writer)),
                ]),
            )])
            .to_text(),
        );
        lines.push(metadata_action(layer, 1, at).to_text());
        return Some(lines.join("\n"));
    }
    let c = t.commit(version)?;
    let at = c.at_ms + EPOCH_2024_MS;
    let added = t.added_by(version);
    let removed = t.removed_by(version);
    let mut partitions: Vec<u32> = removed
        .iter()
        .filter_map(|&f| lake.file(f).and_then(|d| d.partition))
        .collect();
    partitions.sort_unstable();
    partitions.dedup();
    let data_change = c.op != Op::Compact;
    let mut metrics = vec![];
    match c.op {
        Op::Append | Op::Overwrite => {
            metrics.push(("numFiles", text(&c.added.to_string())));
            metrics.push(("numOutputRows", text(&c.rows_added.to_string())));
        }
        Op::Merge => {
            metrics.push(("numTargetFilesAdded", text(&c.added.to_string())));
            metrics.push(("numTargetFilesRemoved", text(&c.removed.to_string())));
            metrics.push(("numOutputRows", text(&c.rows_added.to_string())));
        }
        Op::Compact => {
            metrics.push(("numAddedFiles", text(&c.added.to_string())));
            metrics.push(("numRemovedFiles", text(&c.removed.to_string())));
        }
        Op::AddColumn => {}
    }
    lines.push(
        obj(vec![(
            "commitInfo",
            obj(vec![
                ("timestamp", num(at)),
                ("operation", text(c.op.delta_name())),
                (
                    "operationParameters",
                    operation_parameters(layer, c, &partitions),
                ),
                // Every commit that landed was prepared on the version before it (a
                // refused one never lands: its job prepares again on the new version).
                ("readVersion", num(version - 1)),
                (
                    "isolationLevel",
                    // Delta on Spark: Serializable (the only level its tables allow), and
                    // SnapshotIsolation for a commit that changes no data (OPTIMIZE).
                    text(if data_change {
                        "Serializable"
                    } else {
                        "SnapshotIsolation"
                    }),
                ),
                ("isBlindAppend", Value::Bool(c.op == Op::Append)),
                ("operationMetrics", obj(metrics)),
            ]),
        )])
        .to_text(),
    );
    if c.op == Op::AddColumn {
        lines.push(metadata_action(layer, c.schema, at).to_text());
    }
    let files: Vec<(bool, &DataFile)> = removed
        .iter()
        .map(|&f| (false, f))
        .chain(added.iter().map(|&f| (true, f)))
        .filter_map(|(add, f)| lake.file(f).map(|d| (add, d)))
        .collect();
    for &(add, d) in files.iter().take(MAX_FILE_ACTIONS) {
        let action = if add {
            obj(vec![(
                "add",
                obj(vec![
                    ("path", text(&d.rel_path())),
                    ("partitionValues", partition_values(d)),
                    ("size", num(d.bytes)),
                    ("modificationTime", num(at)),
                    ("dataChange", Value::Bool(data_change)),
                    ("stats", text(&stats_text(d))),
                ]),
            )])
        } else {
            obj(vec![(
                "remove",
                obj(vec![
                    ("path", text(&d.rel_path())),
                    ("deletionTimestamp", num(at)),
                    ("dataChange", Value::Bool(data_change)),
                    ("extendedFileMetadata", Value::Bool(true)),
                    ("partitionValues", partition_values(d)),
                    ("size", num(d.bytes)),
                ]),
            )])
        };
        lines.push(action.to_text());
    }
    if files.len() > MAX_FILE_ACTIONS {
        lines.push(format!(
            "… {} more file actions",
            files.len() - MAX_FILE_ACTIONS
        ));
    }
    Some(lines.join("\n"))
}

/// Samples for the chart, at most `max` evenly spaced.
pub fn chart_samples(s: &Lakehouse, max: usize) -> Vec<Sample> {
    let n = s.samples().len();
    let every = n.div_ceil(max.max(1)).max(1);
    s.samples().iter().step_by(every).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, Value};
    use crate::patterns::lakehouse::LakeParams;
    use crate::sim::{Fault, Scenario};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn field<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
        path.iter().fold(v, |v, k| {
            v.get(k).unwrap_or_else(|| panic!("no {k} in {v:?}"))
        })
    }

    fn string<'a>(v: &'a Value, path: &[&str]) -> &'a str {
        field(v, path)
            .as_str()
            .unwrap_or_else(|| panic!("{path:?} not a string"))
    }

    /// Issue 22: every version, 0 (CREATE TABLE) to the newest, reads as a Delta commit
    /// file: newline-delimited actions, commitInfo first with Delta's operation name,
    /// protocol and metaData at version 0, metaData with the new column for ADD COLUMNS, and
    /// add/remove actions whose fields are the protocol's (stats a JSON string whose
    /// numRecords add up to the commit's rows; OPTIMIZE's actions not data changes).
    #[test]
    fn every_version_reads_as_a_delta_commit() {
        let mut s = Lakehouse::new(&LakeParams::default(), 5).unwrap();
        for i in 0..900 {
            s.step();
            if i == 600 {
                s.apply(&Fault::new("add-column")).unwrap();
            }
        }
        assert_eq!(commit_file(12), "_delta_log/00000000000000000012.json");
        let lake = s.lake();
        let mut seen = Vec::new();
        for layer in Layer::ALL {
            let t = lake.table(layer);
            let first = commit_json(lake, layer, 0);
            let lines: Vec<Value> = first.lines().map(|l| parse(l).unwrap()).collect();
            assert_eq!(
                string(&lines[0], &["commitInfo", "operation"]),
                "CREATE TABLE"
            );
            assert!(lines[1].get("protocol").is_some());
            let schema = parse(string(&lines[2], &["metaData", "schemaString"])).unwrap();
            assert_eq!(string(&schema, &["type"]), "struct");
            assert!(!first.contains("currency"));
            for v in 1..=t.version() {
                let c = t.commit(v).unwrap();
                let json = commit_json(lake, layer, v);
                let lines: Vec<Value> = json
                    .lines()
                    .filter(|l| !l.starts_with('…'))
                    .map(|l| parse(l).unwrap_or_else(|e| panic!("{e:?}: {l}")))
                    .collect();
                let op = string(&lines[0], &["commitInfo", "operation"]);
                assert_eq!(op, c.op.delta_name());
                seen.push(op.to_string());
                assert_eq!(
                    field(&lines[0], &["commitInfo", "readVersion"]),
                    &Value::Number((v - 1).to_string())
                );
                let mut records = 0;
                for a in &lines[1..] {
                    if let Some(add) = a.get("add") {
                        for k in [
                            "path",
                            "partitionValues",
                            "size",
                            "modificationTime",
                            "dataChange",
                            "stats",
                        ] {
                            assert!(add.get(k).is_some(), "add without {k}: {json}");
                        }
                        assert_eq!(
                            add.get("dataChange"),
                            Some(&Value::Bool(c.op != Op::Compact))
                        );
                        let stats = parse(string(add, &["stats"])).unwrap();
                        if let Some(Value::Number(n)) = stats.get("numRecords") {
                            records += n.parse::<u64>().unwrap();
                        }
                        if layer == Layer::Silver {
                            assert!(string(add, &["path"]).starts_with("order_day=2024-"));
                            assert!(
                                string(add, &["partitionValues", "order_day"]).starts_with("2024-")
                            );
                        }
                    } else if let Some(remove) = a.get("remove") {
                        for k in ["path", "deletionTimestamp", "dataChange"] {
                            assert!(remove.get(k).is_some(), "remove without {k}: {json}");
                        }
                    } else if let Some(meta) = a.get("metaData") {
                        assert_eq!(c.op, Op::AddColumn);
                        assert!(string(meta, &["schemaString"]).contains("\"currency\""));
                    } else {
                        panic!("an action Delta does not have: {a:?}");
                    }
                }
                if c.added as usize + c.removed as usize <= MAX_FILE_ACTIONS {
                    assert_eq!(records, c.rows_added, "{json}");
                }
            }
        }
        for op in ["WRITE", "MERGE", "OPTIMIZE", "ADD COLUMNS"] {
            assert!(seen.iter().any(|s| s == op), "{op} never committed");
        }
        assert!(commit_json(lake, Layer::Silver, 100_000).contains("\"error\""));
    }

    /// Issue 22 (a newcomer's finding): each number says what it counts. A file is named
    /// by its path, numbered within its own table (not by the lake-wide handle); a table
    /// version is written `bronze vN`; a schema version `schema N`, never `vN`.
    #[test]
    fn numbers_say_what_they_count() {
        let mut s = Lakehouse::new(&LakeParams::default(), 1).unwrap();
        for _ in 0..30 {
            s.step();
        }
        let said = s.narrate();
        assert!(
            said.contains("the ingester commits bronze/part-00003.parquet (10 rows) as bronze v3"),
            "{said}"
        );
        assert!(!said.contains("bronze file "), "{said}");
        let lake = s.lake();
        let t = lake.table(Layer::Silver);
        let first = lake.file(t.added_by(1)[0]).unwrap();
        assert!(
            first
                .path()
                .starts_with("silver/order_day=2024-01-01/part-00001."),
            "{}",
            first.path()
        );
        let cells = file_cells(first);
        assert_eq!(
            (cells[6].as_str(), cells[7].as_str()),
            ("schema 1", "silver v1")
        );
        assert_eq!(commit_cells(t.commit(1).unwrap())[5], "schema 1");
        for _ in 0..30 {
            s.step();
        }
        s.apply(&Fault::new("add-column")).unwrap();
        let t = s.lake().table(Layer::Silver);
        assert_eq!(
            commit_cells(t.commit(t.version()).unwrap())[5],
            "schema 2 (+currency)"
        );
    }
}
