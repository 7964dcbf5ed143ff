//! The table format, modelled on Delta Lake: immutable data files, and per table an
//! append-only log of commits (`_delta_log/00000000000000000007.json`) — each commit adds
//! and removes files, so the snapshot at version `v` is the replay of commits `1..=v` over
//! the empty table that `CREATE TABLE` committed as version 0. Versions are consecutive
//! integers. Commits are optimistic, with Delta's conflict rules: a commit is refused if a
//! commit since the version it read added a file to a partition it read
//! (`ConcurrentAppendException`) or removed a file it removes too
//! (`ConcurrentDeleteDeleteException`). Nothing retries by itself: the job runs its
//! statement again. Time travel (`VERSION AS OF`, `TIMESTAMP AS OF`) is a replay to an
//! older version. Files are never deleted (no `VACUUM`), so every version stays readable.

use std::sync::Arc;

use crate::sim::PVec;

use super::files::{RecordBatch, Stats};

pub type FileId = u32;

/// The three tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Bronze = 0,
    Silver = 1,
    Gold = 2,
}

impl Layer {
    pub const ALL: [Layer; 3] = [Layer::Bronze, Layer::Silver, Layer::Gold];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Bronze => "bronze",
            Layer::Silver => "silver",
            Layer::Gold => "gold",
        }
    }

    /// The table's full name.
    pub fn table(self) -> &'static str {
        match self {
            Layer::Bronze => "bronze.orders_raw",
            Layer::Silver => "silver.orders",
            Layer::Gold => "gold.user_stats",
        }
    }
}

/// One immutable data file.
#[derive(Clone, Debug)]
pub struct DataFile {
    /// The lake's internal handle (files of all three tables share one numbering).
    pub id: FileId,
    /// The file's number within its table (1 for the table's first file): its name.
    pub seq: u32,
    pub layer: Layer,
    /// Silver's partition: the order day.
    pub partition: Option<u32>,
    pub rows: u32,
    pub content: Content,
    pub stats: Stats,
    /// The schema version it was written with.
    pub schema: u8,
    /// The table version whose commit added it.
    pub added_in: u32,
    /// Bytes of its Arrow buffers (the `size` of its `add` action).
    pub bytes: u32,
}

/// Where a file's rows are.
#[derive(Clone, Debug)]
pub enum Content {
    /// Held as the Arrow batch written (silver, gold).
    Stored(RecordBatch),
    /// A bronze file: the landing zone's rows `start..end`, read back into the same Arrow
    /// batch on demand ([`super::files::bronze_file`]) the way an engine reads a file from
    /// object storage. The feed is a pure function and a written range never changes, so
    /// the lake keeps only the file's metadata — a million-row run writes 100,000 of them.
    Landed { start: u64, end: u64 },
}

impl DataFile {
    /// The Arrow batch of a stored (silver or gold) file.
    pub fn stored(&self) -> Option<&RecordBatch> {
        match &self.content {
            Content::Stored(b) => Some(b),
            Content::Landed { .. } => None,
        }
    }

    /// The file's path from the table's root, as its `add` action records it:
    /// `order_day=2024-01-15/part-00042.parquet` (Hive-style partition folder).
    pub fn rel_path(&self) -> String {
        match self.partition {
            Some(d) => format!(
                "order_day={}/part-{:05}.parquet",
                crate::calendar::day_text(d),
                self.seq
            ),
            None => format!("part-{:05}.parquet", self.seq),
        }
    }

    /// The path with the table's folder: `silver/order_day=2024-01-15/part-00042.parquet`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.layer.name(), self.rel_path())
    }
}

/// What a commit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// New files only (bronze landing; the note's gold append): `INSERT INTO`.
    Append,
    /// MERGE: rows inserted where no row matched (silver), or rows rewritten (gold).
    Merge,
    /// Every live file replaced: `INSERT OVERWRITE`.
    Overwrite,
    /// Files rewritten with the same rows, sorted by user: `OPTIMIZE … ZORDER BY`.
    Compact,
    /// The schema changed (a `metaData` action); no files.
    AddColumn,
}

impl Op {
    /// The operation as Delta's history (`DESCRIBE HISTORY`, `commitInfo.operation`) names it.
    pub fn delta_name(self) -> &'static str {
        match self {
            Op::Append | Op::Overwrite => "WRITE",
            Op::Merge => "MERGE",
            Op::Compact => "OPTIMIZE",
            Op::AddColumn => "ADD COLUMNS",
        }
    }

    /// The history's name with the write mode: `WRITE (Append)`, `MERGE`, `OPTIMIZE`.
    pub fn text(self) -> &'static str {
        match self {
            Op::Append => "WRITE (Append)",
            Op::Overwrite => "WRITE (Overwrite)",
            Op::Merge => "MERGE",
            Op::Compact => "OPTIMIZE",
            Op::AddColumn => "ADD COLUMNS",
        }
    }
}

/// One commit: a snapshot of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commit {
    /// 1 for the first commit after `CREATE TABLE` (version 0, the empty table).
    pub version: u32,
    pub at_ms: i64,
    pub op: Op,
    /// End of this commit's entries in the table's add log and remove log.
    pub add_end: u32,
    pub remove_end: u32,
    pub added: u32,
    pub removed: u32,
    pub rows_added: u64,
    pub rows_removed: u64,
    pub schema: u8,
    /// Conflicts this commit's writer hit (and retried after) before it landed.
    pub retries: u8,
    /// Which writer made it: 0 the pipeline, 1 the second writer.
    pub writer: u8,
}

/// Why a commit was refused (Delta's conflict exceptions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// A commit since the base removed a file this one also removes
    /// (`ConcurrentDeleteDeleteException`).
    FileGone { version: u32, file: FileId },
    /// A commit since the base added a file to a partition this one read
    /// (`ConcurrentAppendException`).
    PartitionChanged { version: u32, partition: u32 },
}

impl Conflict {
    /// The exception Delta Lake (Spark) throws for it.
    pub fn exception(self) -> &'static str {
        match self {
            Conflict::FileGone { .. } => "ConcurrentDeleteDeleteException",
            Conflict::PartitionChanged { .. } => "ConcurrentAppendException",
        }
    }
}

/// One table: its log.
#[derive(Clone, Default)]
pub struct Table {
    pub commits: PVec<Commit>,
    adds: PVec<FileId>,
    removes: PVec<FileId>,
    /// The current schema version (1 until a column is added; 0 before any commit).
    pub schema: u8,
    /// The current live files by partition, kept once the table has a partitioned file or
    /// has removed one (until then they are every file it added, read from the add log).
    index: Option<PartIndex>,
}

/// Partitions per chunk of the live-file index.
const PART_CHUNK: u32 = 64;
/// The partition key of an unpartitioned file.
const NO_PARTITION: u32 = u32::MAX;

/// The current live files as `(partition, file)`, sorted, in chunks of [`PART_CHUNK`]
/// partitions: a checkpoint shares every chunk, and a commit copies only the chunks it
/// changes — so a million-row run's checkpoints do not each hold the whole list.
/// One chunk's `(partition, file)` entries, sorted.
type Chunk = Arc<Vec<(u32, FileId)>>;

#[derive(Clone, Default)]
struct PartIndex {
    /// `(partition / PART_CHUNK, entries)`, sorted by the chunk key.
    chunks: Vec<(u32, Chunk)>,
    len: usize,
}

impl PartIndex {
    fn insert(&mut self, part: u32, id: FileId) {
        let key = part / PART_CHUNK;
        let at = match self.chunks.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(at) => at,
            Err(at) => {
                self.chunks.insert(at, (key, Arc::default()));
                at
            }
        };
        let chunk = Arc::make_mut(&mut self.chunks[at].1);
        let pos = chunk.partition_point(|&e| e < (part, id));
        chunk.insert(pos, (part, id));
        self.len += 1;
    }

    fn remove(&mut self, part: u32, id: FileId) {
        let key = part / PART_CHUNK;
        if let Ok(at) = self.chunks.binary_search_by_key(&key, |(k, _)| *k) {
            if let Ok(pos) = self.chunks[at].1.binary_search(&(part, id)) {
                Arc::make_mut(&mut self.chunks[at].1).remove(pos);
                self.len -= 1;
            }
        }
    }

    /// Live files of partitions `lo..=hi`, by partition.
    fn range(&self, lo: u32, hi: u32) -> Vec<FileId> {
        let first = self.chunks.partition_point(|(k, _)| *k < lo / PART_CHUNK);
        self.chunks[first..]
            .iter()
            .take_while(|(k, _)| *k <= hi / PART_CHUNK)
            .flat_map(|(_, c)| c.iter())
            .filter(|(p, _)| (lo..=hi).contains(p))
            .map(|&(_, f)| f)
            .collect()
    }

    fn all(&self) -> Vec<FileId> {
        let mut out: Vec<FileId> = self
            .chunks
            .iter()
            .flat_map(|(_, c)| c.iter().map(|&(_, f)| f))
            .collect();
        out.sort_unstable();
        out
    }
}

impl Table {
    /// The current version (0: nothing committed).
    pub fn version(&self) -> u32 {
        self.commits.len() as u32
    }

    pub fn commit(&self, version: u32) -> Option<&Commit> {
        version
            .checked_sub(1)
            .and_then(|i| self.commits.get(i as usize))
    }

    /// The live files at `version` (sorted by id): the adds of its first commits minus
    /// their removes.
    pub fn files_at(&self, version: u32) -> Vec<FileId> {
        let Some(c) = self.commit(version) else {
            return Vec::new();
        };
        if version == self.version() {
            return match &self.index {
                Some(index) => index.all(),
                None => self.adds_before(c.add_end),
            };
        }
        let mut removed: Vec<FileId> = (0..c.remove_end as usize)
            .filter_map(|i| self.removes.get(i).copied())
            .collect();
        removed.sort_unstable();
        (0..c.add_end as usize)
            .filter_map(|i| self.adds.get(i).copied())
            .filter(|f| removed.binary_search(f).is_err())
            .collect()
    }

    /// The newest `n` live files now (by id, oldest of them first).
    pub fn newest_live(&self, n: usize) -> Vec<FileId> {
        match &self.index {
            Some(index) => {
                let all = index.all();
                all[all.len().saturating_sub(n)..].to_vec()
            }
            None => {
                let end = self.commits.last().map_or(0, |c| c.add_end as usize);
                (end.saturating_sub(n)..end)
                    .filter_map(|i| self.adds.get(i).copied())
                    .collect()
            }
        }
    }

    /// How many files are live now.
    pub fn live_count(&self) -> usize {
        match &self.index {
            Some(index) => index.len,
            None => self.commits.last().map_or(0, |c| c.add_end as usize),
        }
    }

    /// How many files were live at `version`.
    pub fn live_count_at(&self, version: u32) -> usize {
        if version == self.version() {
            self.live_count()
        } else {
            self.files_at(version).len()
        }
    }

    /// The live files now of partitions `lo..=hi` (by partition, then id), if the table
    /// keeps a partition index (`None`: read [`Self::files_at`] and filter).
    pub fn live_in(&self, lo: u32, hi: u32) -> Option<Vec<FileId>> {
        self.index.as_ref().map(|i| i.range(lo, hi))
    }

    fn adds_before(&self, end: u32) -> Vec<FileId> {
        (0..end as usize)
            .filter_map(|i| self.adds.get(i).copied())
            .collect()
    }

    /// The files a commit added.
    pub fn added_by(&self, version: u32) -> Vec<FileId> {
        let Some(c) = self.commit(version) else {
            return Vec::new();
        };
        let start = c.add_end - c.added;
        (start..c.add_end)
            .filter_map(|i| self.adds.get(i as usize).copied())
            .collect()
    }

    /// The files a commit removed.
    pub fn removed_by(&self, version: u32) -> Vec<FileId> {
        let Some(c) = self.commit(version) else {
            return Vec::new();
        };
        let start = c.remove_end - c.removed;
        (start..c.remove_end)
            .filter_map(|i| self.removes.get(i as usize).copied())
            .collect()
    }

    /// Time travel by timestamp: the newest version committed at or before `at_ms`.
    pub fn version_as_of(&self, at_ms: i64) -> Option<u32> {
        // Commit times only grow, so the versions committed by `at_ms` are a prefix.
        let (mut lo, mut hi) = (0usize, self.commits.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.commits.get(mid).is_some_and(|c| c.at_ms <= at_ms) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo > 0).then_some(lo as u32)
    }
}

/// How a commit is recorded: its operation, when, after how many conflicts, by whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub op: Op,
    pub at_ms: i64,
    pub retries: u8,
    /// 0 the pipeline, 1 the second writer.
    pub writer: u8,
}

impl Stamp {
    /// The pipeline's commit, first try.
    pub fn new(op: Op, at_ms: i64) -> Stamp {
        Stamp {
            op,
            at_ms,
            retries: 0,
            writer: 0,
        }
    }
}

/// A commit being prepared: what it adds and removes, and what it read.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub add: Vec<DataFile>,
    pub remove: Vec<FileId>,
    /// Partitions whose contents the writer's result depends on (MERGE): a file added to
    /// one of them since the base makes the result stale.
    pub read_partitions: Vec<u32>,
}

/// Every file and every table's log.
#[derive(Clone, Default)]
pub struct Lake {
    /// Boxed so a checkpoint's copy of the partly filled last chunk is pointers, not files.
    files: PVec<Arc<DataFile>>,
    pub tables: [Table; 3],
}

impl Lake {
    pub fn table(&self, layer: Layer) -> &Table {
        &self.tables[layer as usize]
    }

    pub fn file(&self, id: FileId) -> Option<&DataFile> {
        self.files.get(id as usize).map(|f| &**f)
    }

    /// The next file id (files are numbered in the order they are written).
    pub fn next_file_id(&self) -> FileId {
        self.files.len() as FileId
    }

    /// Whether a change prepared against `base` may still commit, or the first conflict.
    pub fn check(&self, layer: Layer, base: u32, change: &Change) -> Result<(), Conflict> {
        let t = self.table(layer);
        for v in base + 1..=t.version() {
            for f in t.removed_by(v) {
                if change.remove.contains(&f) {
                    return Err(Conflict::FileGone {
                        version: v,
                        file: f,
                    });
                }
            }
            for f in t.added_by(v) {
                if let Some(p) = self.file(f).and_then(|d| d.partition) {
                    if change.read_partitions.contains(&p) {
                        return Err(Conflict::PartitionChanged {
                            version: v,
                            partition: p,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Commits `change`, prepared against version `base`, as the next version — or refuses
    /// it with the conflict (the table is then unchanged). Timestamps never go backwards.
    /// `change.remove` must be files live at `base` (the writer read them there); the
    /// conflict check makes sure no commit since removed them.
    pub fn commit(
        &mut self,
        layer: Layer,
        base: u32,
        change: Change,
        stamp: Stamp,
    ) -> Result<u32, Conflict> {
        let Stamp {
            op,
            at_ms,
            retries,
            writer,
        } = stamp;
        self.check(layer, base, &change)?;
        let version = self.table(layer).version() + 1;
        let mut rows_added = 0;
        let mut added = 0;
        let mut add_ids = Vec::with_capacity(change.add.len());
        let mut seq = self.table(layer).adds.len() as u32;
        for mut f in change.add {
            seq += 1;
            f.id = self.next_file_id();
            f.seq = seq;
            f.layer = layer;
            f.added_in = version;
            rows_added += f.rows as u64;
            added += 1;
            add_ids.push(f.id);
            self.files.push(Arc::new(f));
        }
        let mut rows_removed = 0;
        let mut removed = 0;
        let mut remove_ids = Vec::new();
        for f in change.remove {
            if self.file(f).is_some_and(|d| d.layer == layer) && !remove_ids.contains(&f) {
                rows_removed += self.file(f).map_or(0, |d| d.rows as u64);
                removed += 1;
                remove_ids.push(f);
            }
        }
        let part = |lake: &Lake, f: FileId| {
            lake.file(f)
                .and_then(|d| d.partition)
                .unwrap_or(NO_PARTITION)
        };
        let keep_index = self.tables[layer as usize].index.is_some()
            || !remove_ids.is_empty()
            || add_ids.iter().any(|&f| part(self, f) != NO_PARTITION);
        if keep_index {
            let mut index = match self.tables[layer as usize].index.take() {
                Some(index) => index,
                None => {
                    let t = &self.tables[layer as usize];
                    let mut index = PartIndex::default();
                    for f in t.adds_before(t.adds.len() as u32) {
                        index.insert(part(self, f), f);
                    }
                    index
                }
            };
            for &f in &remove_ids {
                index.remove(part(self, f), f);
            }
            for &f in &add_ids {
                index.insert(part(self, f), f);
            }
            self.tables[layer as usize].index = Some(index);
        }
        let t = &mut self.tables[layer as usize];
        let prev_at = t.commits.last().map_or(i64::MIN, |c| c.at_ms);
        for id in add_ids {
            t.adds.push(id);
        }
        for id in remove_ids {
            t.removes.push(id);
        }
        t.schema = t.schema.max(1) + u8::from(op == Op::AddColumn);
        t.commits.push(Commit {
            version,
            at_ms: at_ms.max(prev_at.saturating_add(1)),
            op,
            add_end: t.adds.len() as u32,
            remove_end: t.removes.len() as u32,
            added,
            removed,
            rows_added,
            rows_removed,
            schema: t.schema,
            retries,
            writer,
        });
        Ok(version)
    }

    /// A new file for `layer` (its id and version are set when it is committed).
    pub fn new_file(
        layer: Layer,
        partition: Option<u32>,
        schema: u8,
        built: (RecordBatch, Stats),
    ) -> DataFile {
        DataFile {
            id: 0,
            seq: 0,
            layer,
            partition,
            rows: built.0.num_rows() as u32,
            bytes: u32::try_from(built.0.get_array_memory_size()).unwrap_or(u32::MAX),
            content: Content::Stored(built.0),
            stats: built.1,
            schema,
            added_in: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::lakehouse::files::{gold_batch, GoldRow};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn file(partition: u32) -> DataFile {
        let g = GoldRow {
            user_id: partition,
            orders: 1,
            spent_cents: 5,
        };
        Lake::new_file(Layer::Silver, Some(partition), 1, gold_batch(&[g]).unwrap())
    }

    #[test]
    fn versions_replay_and_conflicts_are_detected() {
        let mut lake = Lake::default();
        let add = |p: &[u32]| Change {
            add: p.iter().map(|&p| file(p)).collect(),
            ..Change::default()
        };
        assert_eq!(
            lake.commit(Layer::Silver, 0, add(&[1, 2]), Stamp::new(Op::Append, 10)),
            Ok(1)
        );
        assert_eq!(
            lake.commit(Layer::Silver, 1, add(&[3]), Stamp::new(Op::Append, 10)),
            Ok(2)
        );
        let t = lake.table(Layer::Silver);
        assert_eq!(t.files_at(1), vec![0, 1]);
        assert_eq!(t.files_at(2), vec![0, 1, 2]);
        assert_eq!(t.commit(2).unwrap().at_ms, 11, "timestamps strictly grow");
        // Compaction of 0 and 1 prepared at version 2...
        let compact = Change {
            add: vec![file(1)],
            remove: vec![0, 1],
            read_partitions: vec![],
        };
        // ...while a MERGE that read partition 1 at version 2 is still preparing.
        let merge = Change {
            add: vec![file(1)],
            remove: vec![],
            read_partitions: vec![1],
        };
        assert_eq!(
            lake.commit(
                Layer::Silver,
                2,
                compact.clone(),
                Stamp::new(Op::Compact, 20)
            ),
            Ok(3)
        );
        assert_eq!(
            lake.commit(Layer::Silver, 2, merge.clone(), Stamp::new(Op::Merge, 30)),
            Err(Conflict::PartitionChanged {
                version: 3,
                partition: 1
            })
        );
        assert_eq!(
            lake.commit(Layer::Silver, 2, compact, Stamp::new(Op::Compact, 30)),
            Err(Conflict::FileGone {
                version: 3,
                file: 0
            })
        );
        assert_eq!(
            lake.table(Layer::Silver).version(),
            3,
            "refused commits change nothing"
        );
        assert_eq!(
            lake.commit(
                Layer::Silver,
                3,
                merge,
                Stamp {
                    retries: 1,
                    ..Stamp::new(Op::Merge, 40)
                }
            ),
            Ok(4)
        );
        let t = lake.table(Layer::Silver);
        assert_eq!(t.files_at(3), vec![2, 3]);
        assert_eq!(t.files_at(4), vec![2, 3, 4]);
        assert_eq!(t.files_at(2), vec![0, 1, 2], "old versions stay readable");
        assert_eq!(t.version_as_of(19), Some(2));
        assert_eq!(t.version_as_of(20), Some(3));
        assert_eq!(t.version_as_of(5), None);
        assert_eq!(t.version_as_of(i64::MAX), Some(4));
        assert_eq!(t.commit(3).unwrap().rows_removed, 2);
    }
}
