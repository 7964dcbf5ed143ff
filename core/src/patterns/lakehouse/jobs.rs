//! The jobs that write the tables, and the reader that queries them. Silver is a MERGE of
//! the new bronze rows on `order_id` (insert when not matched), pruned to the partitions and
//! files whose statistics can hold the incoming ids; gold is per-user totals written by
//! MERGE, overwrite or (the note's) append; compaction (`OPTIMIZE … ZORDER BY (user_id)`)
//! rewrites a partition's files sorted by user so the statistics prune user lookups; a query prunes by partition and by
//! per-file min/max before it reads a row.

use super::files::{
    bronze_file, bronze_rows, currency_code, gold_batch, gold_rows, silver_batch, GoldRow, MinMax,
    SilverCols, SilverRow,
};
use super::source::{parse_cents, Feed, Flaw};
use super::table::{Change, FileId, Lake, Layer, Op};

/// What the silver job found in its input and will commit.
#[derive(Clone, Debug, Default)]
pub struct SilverPlan {
    pub base: u32,
    pub bronze_files: u32,
    pub rows_read: u64,
    /// Rows rejected, by flaw (`Flaw as usize`).
    pub rejected: [u64; 4],
    /// Rows dropped by the newest-day filter.
    pub filtered: u64,
    /// Rows repeated inside this input (kept once).
    pub batch_duplicates: u64,
    /// Rows whose order is already in silver.
    pub matched: u64,
    /// Silver files the MERGE opened to look for matches, and the ones pruning spared.
    pub files_scanned: u32,
    pub files_skipped: u32,
    /// Valid rows whose order day is before the newest day in the input.
    pub late: u64,
    pub inserted: Vec<SilverRow>,
    pub change: Change,
}

impl SilverPlan {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
}

/// Plans the MERGE of `bronze` (files) into silver as of `base`. `newest_day`: the job's
/// date filter (`None` reads every row).
pub fn plan_silver(
    lake: &Lake,
    feed: &Feed,
    bronze: &[FileId],
    base: u32,
    newest_day: Option<u32>,
) -> SilverPlan {
    let mut plan = SilverPlan {
        base,
        bronze_files: bronze.len() as u32,
        ..SilverPlan::default()
    };
    // Every valid row, in arrival order (the feed offset is the tie-break below).
    let mut incoming: Vec<(u64, SilverRow)> = Vec::new();
    let mut max_day = 0;
    for &f in bronze {
        let Some(file) = lake.file(f) else { continue };
        let Some(batch) = bronze_file(file, feed) else {
            continue;
        };
        for r in bronze_rows(&batch) {
            plan.rows_read += 1;
            let Some(user_id) = r.user_id else {
                plan.rejected[Flaw::NoUser as usize] += 1;
                continue;
            };
            let amount_cents = match parse_cents(r.amount) {
                Ok(c) => c,
                Err(flaw) => {
                    plan.rejected[flaw as usize] += 1;
                    continue;
                }
            };
            if newest_day.is_some_and(|d| r.day < d) {
                plan.filtered += 1;
                continue;
            }
            max_day = max_day.max(r.day);
            incoming.push((
                r.offset,
                SilverRow {
                    order_id: r.order_id,
                    user_id,
                    day: r.day,
                    amount_cents,
                    ingested_ms: r.ingested_ms,
                    currency: r.currency.map(currency_code),
                },
            ));
        }
    }
    // One row per order_id, the first arrival (ROW_NUMBER() OVER (PARTITION BY order_id
    // ORDER BY _offset) = 1); then by partition.
    // (Sorted vectors, not maps: each map instantiation costs ~5 KB of download.)
    incoming.sort_unstable_by_key(|(offset, r)| (r.order_id, *offset));
    let before = incoming.len();
    incoming.dedup_by_key(|(_, r)| r.order_id);
    plan.batch_duplicates = (before - incoming.len()) as u64;
    let mut rows: Vec<SilverRow> = incoming.into_iter().map(|(_, r)| r).collect();
    rows.sort_unstable_by_key(|r| (r.day, r.order_id));
    plan.late = rows.iter().filter(|r| r.day < max_day).count() as u64;
    let days: Vec<(u32, std::ops::Range<usize>)> = {
        let mut out: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            match out.last_mut() {
                Some((d, range)) if *d == r.day => range.end = i + 1,
                _ => out.push((r.day, i..i + 1)),
            }
        }
        out
    };
    let day_rows = |d: u32| {
        days.binary_search_by_key(&d, |(day, _)| *day)
            .ok()
            .map(|i| &rows[days[i].1.clone()])
    };
    // ON t.order_id = s.order_id AND t.order_day = s.order_day: only the files of the
    // incoming days whose order-id range can hold an incoming id are opened.
    let live = live_in(
        lake,
        base,
        &days.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
    );
    plan.files_skipped = (lake.table(Layer::Silver).live_count_at(base) - live.len()) as u32;
    let mut present: Vec<u64> = Vec::new();
    for &f in &live {
        let Some(file) = lake.file(f) else { continue };
        let candidates = file.partition.and_then(day_rows);
        let open = candidates.is_some_and(|rows| {
            let (lo, hi) = (
                rows[0].order_id as i64,
                rows[rows.len() - 1].order_id as i64,
            );
            MinMax::overlaps(file.stats.order_id, lo, hi)
        });
        if !open {
            plan.files_skipped += 1;
            continue;
        }
        plan.files_scanned += 1;
        if let (Some(cols), Some(rows)) = (file.stored().and_then(SilverCols::of), candidates) {
            for i in 0..cols.len() {
                let id = cols.order_id.value(i);
                if rows.binary_search_by_key(&id, |r| r.order_id).is_ok() {
                    present.push(id);
                }
            }
        }
    }
    present.sort_unstable();
    present.dedup();
    let schema = lake.table(Layer::Silver).schema.max(1);
    for (day, range) in &days {
        let fresh: Vec<SilverRow> = rows[range.clone()]
            .iter()
            .filter(|r| present.binary_search(&r.order_id).is_err())
            .cloned()
            .collect();
        plan.change.read_partitions.push(*day);
        if fresh.is_empty() {
            continue;
        }
        if let Some(built) = silver_batch(&fresh, schema) {
            plan.change
                .add
                .push(Lake::new_file(Layer::Silver, Some(*day), schema, built));
        }
        plan.inserted.extend(fresh);
    }
    plan.matched = present.len() as u64;
    plan
}

/// The live silver files at `version` in `partitions` (the partition index when
/// `version` is the current one, else a replay of the log).
fn live_in(lake: &Lake, version: u32, partitions: &[u32]) -> Vec<FileId> {
    let t = lake.table(Layer::Silver);
    if version == t.version() {
        if let Some(mut out) = partitions
            .iter()
            .map(|&p| t.live_in(p, p))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat())
        {
            out.sort_unstable();
            return out;
        }
    }
    t.files_at(version)
        .into_iter()
        .filter(|&f| {
            lake.file(f)
                .and_then(|d| d.partition)
                .is_some_and(|p| partitions.contains(&p))
        })
        .collect()
}

/// Every row of the live silver files at `version`.
pub fn silver_rows_at(lake: &Lake, version: u32) -> Vec<SilverRow> {
    let mut out = Vec::new();
    for f in lake.table(Layer::Silver).files_at(version) {
        if let Some(cols) = lake
            .file(f)
            .and_then(|d| d.stored())
            .and_then(SilverCols::of)
        {
            out.extend((0..cols.len()).filter_map(|i| cols.row(i)));
        }
    }
    out
}

/// Every gold row of the live files at `version` (with the note's append, several per user).
pub fn gold_rows_at(lake: &Lake, version: u32) -> Vec<GoldRow> {
    lake.table(Layer::Gold)
        .files_at(version)
        .into_iter()
        .filter_map(|f| lake.file(f))
        .filter_map(|d| d.stored())
        .flat_map(gold_rows)
        .collect()
}

/// What a dashboard summing gold per user sees: `SELECT user_id, SUM(order_count),
/// SUM(total_spent) … GROUP BY user_id`.
pub fn gold_read(rows: &[GoldRow], users: usize) -> Vec<(u64, i64)> {
    let mut out = vec![(0u64, 0i64); users];
    for r in rows {
        if let Some(slot) = out.get_mut(r.user_id as usize) {
            slot.0 += r.orders;
            slot.1 += r.spent_cents;
        }
    }
    out
}

/// Per-user (orders, cents) as gold rows, users with no order left out.
pub fn to_gold_rows(per_user: &[(u64, i64)]) -> Vec<GoldRow> {
    per_user
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(u, &(orders, spent_cents))| GoldRow {
            user_id: u as u32,
            orders,
            spent_cents,
        })
        .collect()
}

/// How the gold job writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoldMode {
    Merge,
    Overwrite,
    /// The note's `mode="append"`.
    Append,
}

/// Plans the gold commit at `base`: MERGE adds the new silver rows' sums to the current
/// gold rows; overwrite and append write `silver_users` (all of silver grouped by user).
/// `None`: nothing to write (a MERGE with no new rows).
pub fn plan_gold(
    lake: &Lake,
    base: u32,
    mode: GoldMode,
    inserted: &[SilverRow],
    silver_users: &[(u64, i64)],
) -> Option<(Change, Op)> {
    let live = lake.table(Layer::Gold).files_at(base);
    let (rows, op, remove) = match mode {
        GoldMode::Merge => {
            if inserted.is_empty() {
                return None;
            }
            let current: Vec<GoldRow> = live
                .iter()
                .filter_map(|&f| lake.file(f))
                .filter_map(|d| d.stored())
                .flat_map(gold_rows)
                .collect();
            let mut per_user = gold_read(&current, silver_users.len());
            for r in inserted {
                if let Some(slot) = per_user.get_mut(r.user_id as usize) {
                    slot.0 += 1;
                    slot.1 += r.amount_cents;
                }
            }
            (to_gold_rows(&per_user), Op::Merge, live)
        }
        GoldMode::Overwrite => (to_gold_rows(silver_users), Op::Overwrite, live),
        GoldMode::Append => (to_gold_rows(silver_users), Op::Append, Vec::new()),
    };
    let built = gold_batch(&rows)?;
    Some((
        Change {
            add: vec![Lake::new_file(Layer::Gold, None, 1, built)],
            remove,
            read_partitions: Vec::new(),
        },
        op,
    ))
}

/// Plans `OPTIMIZE silver.orders WHERE order_day = d ZORDER BY (user_id)` for each of
/// `partitions` that holds at least `at` small files (fewer than `target` rows) at `base`:
/// Z-ordering reads every live file of the partition (small or not), sorts the rows by user
/// and writes them back in files of up to `target` rows (`spark.sql.files.maxRecordsPerFile`).
pub fn plan_compaction(
    lake: &Lake,
    base: u32,
    partitions: &[u32],
    at: u32,
    target: u32,
) -> Option<Change> {
    if at == 0 {
        return None;
    }
    let schema = lake.table(Layer::Silver).schema.max(1);
    let mut change = Change::default();
    for &p in partitions {
        let live = live_in(lake, base, &[p]);
        let small = live
            .iter()
            .filter(|&&f| lake.file(f).is_some_and(|d| d.rows < target))
            .count();
        if small < at.max(2) as usize {
            continue;
        }
        let mut rows: Vec<SilverRow> = live
            .iter()
            .filter_map(|&f| {
                lake.file(f)
                    .and_then(|d| d.stored())
                    .and_then(SilverCols::of)
            })
            .flat_map(|c| (0..c.len()).filter_map(move |i| c.row(i)))
            .collect();
        rows.sort_unstable_by_key(|r| (r.user_id, r.order_id));
        for chunk in rows.chunks(target.max(1) as usize) {
            if let Some(built) = silver_batch(chunk, schema) {
                change
                    .add
                    .push(Lake::new_file(Layer::Silver, Some(p), schema, built));
            }
        }
        change.remove.extend(live);
    }
    (!change.remove.is_empty()).then_some(change)
}

/// A reader's question of silver: orders of days `from_day..=to_day`, of one user or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query {
    pub from_day: u32,
    pub to_day: u32,
    pub user: Option<u32>,
}

/// What answering a query cost and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryResult {
    pub files: u32,
    pub skipped_by_partition: u32,
    pub skipped_by_stats: u32,
    /// The files opened, in id order.
    pub scanned: Vec<FileId>,
    pub rows_read: u64,
    pub matched: u64,
    pub sum_cents: i64,
}

/// Answers `q` over silver at `version`; with `prune`, files whose partition or statistics
/// cannot hold a match are skipped unread.
pub fn query(lake: &Lake, version: u32, q: &Query, prune: bool) -> QueryResult {
    let t = lake.table(Layer::Silver);
    let mut out = QueryResult {
        files: t.live_count_at(version) as u32,
        ..QueryResult::default()
    };
    let candidates = if !prune {
        t.files_at(version)
    } else if let Some(mut in_range) = t
        .live_in(q.from_day, q.to_day)
        .filter(|_| version == t.version())
    {
        in_range.sort_unstable();
        in_range
    } else {
        t.files_at(version)
            .into_iter()
            .filter(|&f| {
                lake.file(f)
                    .and_then(|d| d.partition)
                    .is_none_or(|d| d >= q.from_day && d <= q.to_day)
            })
            .collect()
    };
    out.skipped_by_partition = out.files.saturating_sub(candidates.len() as u32);
    for f in candidates {
        let Some(file) = lake.file(f) else { continue };
        let by_user = prune
            && q.user
                .is_some_and(|u| !MinMax::overlaps(file.stats.user_id, u as i64, u as i64));
        if by_user {
            out.skipped_by_stats += 1;
            continue;
        }
        out.scanned.push(f);
        let Some(cols) = file.stored().and_then(SilverCols::of) else {
            continue;
        };
        out.rows_read += cols.len() as u64;
        for i in 0..cols.len() {
            let day = cols.day.value(i);
            if day >= q.from_day
                && day <= q.to_day
                && q.user.is_none_or(|u| cols.user_id.value(i) == u)
            {
                out.matched += 1;
                out.sum_cents += cols.amount_cents.value(i);
            }
        }
    }
    out
}
