"""/lakehouse: the Spark SQL listing on Delta Lake tables, checked three ways.

What is executed here, and what is not:

- Not executed: Spark. Neither pyspark nor the delta-spark jar (a JVM) installs here, so
  no statement runs on Spark SQL itself. Every listing passes instead `problems()`, a
  strict check written for this page: each statement must be one of the Spark SQL
  statements the page uses (CREATE TABLE, INSERT INTO/OVERWRITE, MERGE INTO, OPTIMIZE,
  SET, RESET, ALTER TABLE, SELECT); a `/*+ … */` hint must be one of Spark's join and
  partitioning hints (not Flink's OPTIONS); a condition (AND) must follow a WHERE, ON,
  WHEN or HAVING; a table reference may be followed only by an alias, VERSION/TIMESTAMP
  AS OF or the next clause (no invented `CHANGES BETWEEN`); a table-valued function must
  be Delta's `table_changes`; and every option key (SET, RESET, TBLPROPERTIES, map(…))
  must be one of the real ones listed in KNOWN_KEYS. Each wrong line of the old listing
  is kept below as a fixture and asserted to be rejected.
- Executed on DuckDB 1.4 (as a stand-in SQL engine for the statement's logic): the silver
  MERGE, the exact text the manifest holds, run by run over the simulation's bronze rows.
  `table_changes(name, a, b)` is a DuckDB table macro over the bronze rows with their
  commit version and `_change_type` (what Delta's change data feed returns for an
  append-only table), `:param` is bound as `$param`, and `current_date()` is bound to the
  simulated day. After every run the DuckDB silver table must hold exactly the
  simulation's silver rows. The old SELECT DISTINCT dedupe is a fixture that fails this
  (a resent order and its original differ in ingested_ms, so both survive).
- Executed on Delta Lake itself, through delta-rs (`deltalake`, the Rust implementation of
  the Delta protocol; same log format and conflict rules as Delta on Spark): the
  simulation's bronze and silver commits are replayed — bronze WRITEs and ADD COLUMNS,
  silver MERGEs (source: the listing's USING query on DuckDB; predicate: the listing's ON
  clause), OPTIMIZE … ZORDER BY (user_id) and ADD COLUMNS — and after each one the Delta
  version must be the simulation's and the table must hold the simulation's rows. Then
  every version is read back by time travel (DeltaTable(path, version=v)) and must hold
  exactly what the simulation committed at v; OPTIMIZE must keep every row; the change
  data feed over a run's silver versions must give exactly the rows that run inserted (the
  gold MERGE's input) and nothing for an OPTIMIZE; and the concurrent writer: two
  DeltaTables loaded at the same version run the same MERGE, the first to commit lands as
  the simulation's rival version, the other fails with CommitFailedError ("a concurrent
  transaction added new data", delta-rs's counterpart of Spark's
  ConcurrentAppendException), and the job's second run of the MERGE inserts nothing and
  commits nothing.
- Not checked on an engine: the gold statements (INSERT OVERWRITE, the note's append, the
  gold MERGE) beyond the static check and the change-feed input above; TIMESTAMP AS OF
  (Delta takes commit times from the clock, so the simulation's times cannot be
  replayed); Delta Spark's own names where delta-rs differs (Spark logs ADD COLUMNS,
  delta-rs ADD COLUMN; Spark throws ConcurrentAppendException, delta-rs CommitFailedError).
"""

import datetime
import functools
import json
import os
import pathlib
import re
import subprocess
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import duckdb
import pytest
from arro3.core import Array, DataType, Table
from deltalake import DeltaTable, Field, QueryBuilder, Schema, write_deltalake
from deltalake.exceptions import CommitFailedError

from conftest import ids, listings
from sqltext import statements, strip_comment

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALL = listings("lakehouse")
TEXTS = {e["text"].rstrip("\n") for e in ALL}
EPOCH = datetime.date(2024, 1, 1)
DAYS_1970 = (EPOCH - datetime.date(1970, 1, 1)).days

# Runs replayed on DuckDB and Delta: the presets that show the concurrent writer, schema
# evolution with compaction, the newest-day job with a late file, and a rerun.
RUNS = [
    "v=1&seed=2&step=60&faults=59:concurrent-writer",
    "v=1&seed=5&step=900&faults=600:add-column",
    "v=1&seed=4&step=450&read=day&faults=400:late-file",
    "v=1&seed=3&step=300&faults=300:rerun",
    "v=1&seed=7&step=400&every=1&filerows=7&dup=0.3",
]


@functools.lru_cache(maxsize=None)
def sim(query):
    """The simulation's run for `query` (see conformance/src/main.rs, lakehouse_run)."""
    built = os.environ.get("PIPELAB_CONFORMANCE_BIN")  # a built binary, for quick reruns
    cmd = [built] if built else [
        os.environ.get("CARGO", "cargo"), "run", "-q", "-p", "pipelab-conformance", "--",
    ]
    done = subprocess.run(cmd + ["lakehouse", query], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def with_params(link, **changes):
    params = dict(parse_qsl(link, keep_blank_values=True))
    params.update({k: str(v) for k, v in changes.items()})
    return urlencode(params, safe=",:")


# ---------------------------------------------------------------------------------------
# The static check

# Spark SQL's hints (join strategy and partitioning): https://spark.apache.org/docs/latest/sql-ref-syntax-qry-select-hints.html
SPARK_HINTS = {
    "BROADCAST", "BROADCASTJOIN", "MAPJOIN", "MERGE", "SHUFFLE_MERGE", "MERGEJOIN",
    "SHUFFLE_HASH", "SHUFFLE_REPLICATE_NL", "COALESCE", "REPARTITION",
    "REPARTITION_BY_RANGE", "REBALANCE",
}
# Every option key the listing may name, with where it is real.
KNOWN_KEYS = {
    # Delta table property: record row-level changes for table_changes / readChangeFeed.
    "delta.enableChangeDataFeed": "Delta Lake: change data feed",
    # Spark SQL conf read by every file write, Delta's included (DeltaFileFormatWriter
    # falls back to it; OPTIMIZE passes no write options, so it applies there).
    "spark.sql.files.maxRecordsPerFile": "Spark SQL configuration",
}
STARTS = (
    "CREATE TABLE", "INSERT INTO", "INSERT OVERWRITE", "MERGE INTO", "OPTIMIZE", "SET ",
    "RESET ", "ALTER TABLE", "SELECT",
)
AFTER_TABLE = {
    "WHERE", "GROUP", "ORDER", "HAVING", "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS",
    "ON", "UNION", "LIMIT", "WINDOW", "ZORDER", "VERSION", "TIMESTAMP", "SET", "ADD",
    "WHEN", "USING",
}
TVFS = {"table_changes"}


def code_of(text):
    """The listing without comments (hints kept: they are `/*+ … */`, not `--`)."""
    return "\n".join(strip_comment(line) for line in text.splitlines())


def dangling_and(stmt):
    """A condition (AND) that follows a FROM with no WHERE, ON, WHEN or HAVING since."""
    clause = ""
    code = re.sub(r"'[^']*'", "''", stmt)
    code = re.sub(r"(?<![\w'])[:]\w+", "?", code)
    for word in re.findall(r"[A-Za-z_]\w*", code):
        w = word.upper()
        if w == "AND" and clause == "FROM":
            return True
        if w in {"SELECT", "FROM", "WHERE", "ON", "WHEN", "HAVING", "GROUP"}:
            clause = w
    return False


def problems(text):
    """Why `text` is not the Spark SQL on Delta this page may show (empty: none found)."""
    out = []
    for hint in re.findall(r"/\*\+\s*(\w+)", text):
        if hint.upper() not in SPARK_HINTS:
            out.append(f"/*+ {hint} */ is not a Spark SQL hint (OPTIONS is Flink's)")
    for stmt, _ in statements(code_of(text)):
        flat = re.sub(r"/\*.*?\*/", " ", stmt, flags=re.S).strip()
        first = flat.splitlines()[0] if flat else ""
        if not flat.upper().startswith(STARTS):
            out.append(f"not a statement of this page's Spark SQL: {first!r}")
        if dangling_and(flat):
            out.append(f"a condition with no WHERE: {first!r}")
        keys = re.findall(r"^\s*(?:SET|RESET)\s+([\w.]+)", flat, flags=re.I | re.M)
        for props in re.findall(r"TBLPROPERTIES\s*\(([^)]*)\)", flat, flags=re.I):
            keys += re.findall(r"'?([\w.-]+)'?\s*=", props)
        for m in re.findall(r"\bmap\s*\(([^)]*)\)", flat, flags=re.I):
            keys += re.findall(r"'([^']*)'", m)[0::2]
        for k in keys:
            if k not in KNOWN_KEYS:
                out.append(f"{k} is not an option this page knows to be real")
        for m in re.finditer(
            r"\bFROM\s+([A-Za-z_][\w.]*)\s*(\([^)]*\))?\s*([A-Za-z_]\w*)?\s*([A-Za-z_]\w*)?",
            flat,
            flags=re.I,
        ):
            name, call, w1, w2 = m.groups()
            if call is not None and name.lower() not in TVFS:
                out.append(f"{name}(…) is not a table-valued function of Spark or Delta")
            if w1 is None or w1.upper() in AFTER_TABLE:
                continue
            if w2 is not None and w2.upper() not in AFTER_TABLE:
                out.append(f"'{w1} {w2}' cannot follow a table reference: {first!r}")
    return out


# Each wrong line of the old listing, as it was (issue 22).
OLD_SILVER_READ = """MERGE INTO silver.orders t
USING (
  SELECT DISTINCT order_id, user_id, order_day,
         CAST(amount AS DECIMAL(12,2)) AS amount, ingested_ms
  FROM bronze.orders_raw
    -- incremental: the snapshots committed since the last run
    /*+ OPTIONS('start-snapshot-id'=:last_read, 'end-snapshot-id'=:current) */
    AND user_id IS NOT NULL AND TRY_CAST(amount AS DECIMAL(12,2)) > 0
) s
ON t.order_id = s.order_id AND t.order_day = s.order_day
WHEN NOT MATCHED THEN INSERT *;"""
OLD_GOLD_CHANGES = """MERGE INTO gold.user_stats g
USING (SELECT user_id, COUNT(*) AS n, SUM(amount) AS spent
       FROM silver.orders CHANGES BETWEEN :before AND :after GROUP BY user_id) d
ON g.user_id = d.user_id
WHEN MATCHED THEN UPDATE SET order_count = g.order_count + d.n,
                             total_spent = g.total_spent + d.spent
WHEN NOT MATCHED THEN INSERT VALUES (d.user_id, d.n, d.spent);"""
OLD_COMPACTION = """CALL system.rewrite_data_files(
  table => 'silver.orders',
  strategy => 'sort', sort_order => 'user_id, order_id',
  options => map('min-input-files', '5', 'target-file-size-rows', '120'));"""
# The old dedupe on today's read: SELECT DISTINCT over a row that carries ingested_ms. (The
# old CAST is Spark's non-ANSI cast, NULL for text that is no number: TRY_CAST on DuckDB.)
OLD_DISTINCT_MERGE = """MERGE INTO silver.orders t
USING (
  SELECT DISTINCT order_id, user_id, order_day,
         TRY_CAST(amount AS DECIMAL(12,2)) AS amount, ingested_ms
  FROM table_changes('bronze.orders_raw', :first_new_version, :last_version)
  WHERE user_id IS NOT NULL AND TRY_CAST(amount AS DECIMAL(12,2)) > 0
) s
ON t.order_id = s.order_id AND t.order_day = s.order_day
WHEN NOT MATCHED THEN INSERT *;"""


def test_the_static_check_rejects_every_old_wrong_line():
    p = problems(OLD_SILVER_READ)
    assert any("OPTIONS is Flink's" in x for x in p), p
    assert any("a condition with no WHERE" in x for x in p), p
    p = problems(OLD_GOLD_CHANGES)
    assert any("'CHANGES BETWEEN' cannot follow" in x for x in p), p
    p = problems(OLD_COMPACTION)
    assert any("not a statement" in x for x in p), p
    assert any("target-file-size-rows is not an option" in x for x in p), p
    # …and passes what Spark does accept.
    assert problems("SELECT * FROM t VERSION AS OF 3 WHERE a BETWEEN 1 AND 2;") == []
    assert problems("SELECT /*+ BROADCAST(d) */ * FROM t JOIN d ON t.a = d.a AND t.b = d.b;") == []


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_listing_passes_the_static_check(entry):
    assert problems(entry["text"]) == []
    assert "USING DELTA" in entry["text"]


# ---------------------------------------------------------------------------------------
# The simulation's tables, as its commits define them


def day(text):
    return datetime.date.fromisoformat(text)


def sim_rows(data, layer):
    """{version: sorted silver rows live at it}, replaying the simulation's own log."""
    live = {}
    out = {0: []}
    for c in data["tables"][layer][1:]:
        for path in c["removed"]:
            live.pop(path)
        for f in c["added"]:
            live[f["path"]] = f["rows"]
        out[c["version"]] = sorted(
            (r[0], r[1], day(r[2]), r[3], r[4], r[5]) for rows in live.values() for r in rows
        )
    return out


def bronze_changes(data):
    """Every bronze row with the version that committed it: what Delta's change data feed
    returns for an append-only table."""
    out = []
    for c in data["tables"]["bronze"][1:]:
        for f in c["added"]:
            for r in f["rows"]:
                out.append((*r[:3], day(r[3]), *r[4:], "insert", c["version"]))
    return out


def merge_statement(text, target):
    found = [s for s, _ in statements(text) if s.startswith(f"MERGE INTO {target}")]
    assert len(found) == 1, text
    return found[0]


def using_query(stmt):
    """The MERGE's source: the text inside `USING ( … ) s`."""
    start = stmt.index("USING (") + len("USING (")
    depth = 1
    for i in range(start, len(stmt)):
        depth += {"(": 1, ")": -1}.get(stmt[i], 0)
        if depth == 0:
            return stmt[start:i]
    raise AssertionError(stmt)


def on_clause(stmt):
    return re.search(r"\nON (.*)\nWHEN", stmt, flags=re.S).group(1).strip()


def bind(sql):
    """`:name` → DuckDB's `$name`; current_date() → the simulated day."""
    sql = re.sub(r"(?<![\w'])[:](\w+)", r"$\1", sql)
    return sql.replace("current_date()", "$today")


def run_params(run):
    p = {"first_new_version": run["bronze_from"], "last_version": run["bronze_to"]}
    if run["today"] is not None:
        p["today"] = day(run["today"])
    return p


def duck(data):
    """A DuckDB database with the bronze change feed and Delta's table_changes."""
    c = duckdb.connect()
    c.execute("CREATE SCHEMA bronze")
    c.execute("CREATE SCHEMA silver")
    c.execute(
        "CREATE TABLE bronze.orders_raw__changes (_offset BIGINT, order_id BIGINT, "
        "user_id INTEGER, order_day DATE, amount VARCHAR, ingested_ms BIGINT, "
        "currency VARCHAR, _change_type VARCHAR, _commit_version BIGINT)"
    )
    rows = bronze_changes(data)
    if rows:
        c.executemany("INSERT INTO bronze.orders_raw__changes VALUES (?,?,?,?,?,?,?,?,?)", rows)
    c.execute(
        "CREATE MACRO table_changes(tbl, first_version, last_version) AS TABLE "
        "SELECT * FROM query_table(tbl || '__changes') "
        "WHERE _commit_version BETWEEN first_version AND last_version"
    )
    return c


def source_rows(c, stmt, run):
    """The MERGE source for one run, as DuckDB computes the listing's USING query."""
    sql = bind(using_query(stmt))
    params = {k: v for k, v in run_params(run).items() if f"${k}" in sql}
    return c.execute(f"SELECT * FROM ({sql}) src", params).fetchall()


def normal(row):
    """A silver row as the simulation holds it: amount in cents."""
    order_id, user_id, order_day, amount, ingested, *cur = row
    return (order_id, user_id, order_day, int(Decimal(amount) * 100), ingested, cur[0] if cur else None)


def silver_after(data, run):
    """The simulation's silver version once `run` is over."""
    versions = [run["silver_before"]]
    for k in ("rival_version", "silver_version"):
        if run[k] is not None:
            versions.append(run[k])
    if run["compaction"]:
        versions.append(run["compaction"]["version"])
    return max(versions)


def duck_silver(data, stmt):
    """Runs `stmt` (a silver MERGE) on DuckDB once per pipeline run; yields each run with
    the silver rows after it."""
    c = duck(data)
    currency = "currency" in using_query(stmt).split("FROM")[0]
    c.execute(
        "CREATE TABLE silver.orders (order_id BIGINT, user_id INTEGER, order_day DATE, "
        "amount DECIMAL(12,2), ingested_ms BIGINT" + (", currency VARCHAR)" if currency else ")")
    )
    sql = bind(stmt)
    for run in data["runs"]:
        params = {k: v for k, v in run_params(run).items() if f"${k}" in sql}
        c.execute(sql, params)
        rows = c.execute("SELECT * FROM silver.orders").fetchall()
        yield run, sorted(normal(r) for r in rows)


def long_run(entry):
    """A longer run with the settings (and schema) of a manifest listing: same text."""
    link = with_params(entry["link"], step=450)
    data = sim(link)
    if data["listing"] != entry["text"].rstrip("\n"):
        pytest.fail(f"the longer run of {entry['link']} shows another listing")
    return data


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_the_silver_merge_gives_the_simulations_silver_on_duckdb(entry):
    data = long_run(entry)
    stmt = merge_statement(entry["text"], "silver.orders")
    expected = sim_rows(data, "silver")
    runs = 0
    for run, rows in duck_silver(data, stmt):
        assert rows == expected[silver_after(data, run)], f"run {run['number']}"
        runs += 1
    assert runs > 5


def test_the_old_distinct_dedupe_is_caught():
    data = sim(RUNS[-1])
    expected = sim_rows(data, "silver")
    *_, (run, rows) = duck_silver(data, OLD_DISTINCT_MERGE)
    assert rows != expected[silver_after(data, run)]
    assert len({r[0] for r in rows}) < len(rows)


# ---------------------------------------------------------------------------------------
# Delta Lake (delta-rs): the simulation's commits replayed on real Delta tables

BRONZE = [
    ("_offset", "long"), ("order_id", "long"), ("user_id", "integer"), ("order_day", "date"),
    ("amount", "string"), ("ingested_ms", "long"),
]
SILVER = [
    ("order_id", "long"), ("user_id", "integer"), ("order_day", "date"),
    ("amount", "decimal(12,2)"), ("ingested_ms", "long"),
]
CDF = {"delta.enableChangeDataFeed": "true"}


def arrow(columns, rows, with_currency):
    """An Arrow table (arro3) of `rows` with the Delta `columns` (+ currency)."""
    names = [n for n, _ in columns] + (["currency"] if with_currency else [])
    kinds = [t for _, t in columns] + (["string"] if with_currency else [])
    data = {}
    for i, (n, t) in enumerate(zip(names, kinds)):
        values = [r[i] for r in rows]
        if t == "long":
            data[n] = Array(values, DataType.int64())
        elif t == "integer":
            data[n] = Array(values, DataType.int32())
        elif t == "date":
            days = [(v - datetime.date(1970, 1, 1)).days for v in values]
            data[n] = Array(days, DataType.int32()).cast(DataType.date32())
        elif t == "decimal(12,2)":
            data[n] = Array([str(v) for v in values], DataType.utf8()).cast(
                DataType.decimal128(12, 2)
            )
        else:
            data[n] = Array(values, DataType.utf8())
    return Table.from_pydict(data)


def read(dt, columns):
    names = ", ".join(columns)
    t = QueryBuilder().register("t", dt).execute(f"SELECT {names} FROM t").read_all()
    cols = [t.column(n).to_pylist() for n in columns]
    return list(zip(*cols)) if cols else []


def delta_silver_rows(dt):
    names = [f.name for f in dt.schema().fields]
    cols = [n for n, _ in SILVER] + (["currency"] if "currency" in names else [])
    return sorted(normal(r) for r in read(dt, cols))


def replay_bronze(data, path):
    DeltaTable.create(path, Schema([Field(n, t) for n, t in BRONZE]), configuration=CDF)
    currency = False
    for c in data["tables"]["bronze"][1:]:
        if c["operation"] == "ADD COLUMNS":
            DeltaTable(path).alter.add_columns([Field("currency", "string", nullable=True)])
            currency = True
        else:
            assert c["operation"] == "WRITE" and c["op"] == "WRITE (Append)"
            rows = [(*r[:3], day(r[3]), *r[4:6], r[6]) for f in c["added"] for r in f["rows"]]
            write_deltalake(path, arrow(BRONZE, rows, currency), mode="append")
        assert DeltaTable(path).version() == c["version"]


def merge(path, source, predicate, currency):
    tbl = arrow(SILVER, source, currency)
    return (
        DeltaTable(path)
        .merge(tbl, predicate=predicate, source_alias="s", target_alias="t")
        .when_not_matched_insert_all()
        .execute()
    )


def replay_silver(data, stmt, path):
    """Replays every silver commit of the simulation on a Delta table at `path`; returns
    what the concurrent writer did, if there was one."""
    DeltaTable.create(
        path, Schema([Field(n, t) for n, t in SILVER]), partition_by=["order_day"],
        configuration=CDF,
    )
    commits = {c["version"]: c for c in data["tables"]["silver"]}
    expected = sim_rows(data, "silver")
    predicate = on_clause(stmt)
    c = duck(data)
    currency = False
    races = []

    def add_columns_up_to(version):
        nonlocal currency
        while (v := DeltaTable(path).version() + 1) <= version and commits[v]["operation"] == "ADD COLUMNS":
            DeltaTable(path).alter.add_columns([Field("currency", "string", nullable=True)])
            currency = True
            assert DeltaTable(path).version() == v

    for run in data["runs"]:
        add_columns_up_to(run["silver_before"])
        before = DeltaTable(path).version()
        assert before == run["silver_before"]
        rows = source_rows(c, stmt, run)
        if not currency:
            rows = [r[:5] for r in rows]
        if run["rival_version"] is not None:
            # Both writers load silver at the same version and prepare the same MERGE.
            pipeline = DeltaTable(path)
            rival = merge(path, rows, predicate, currency)
            assert DeltaTable(path).version() == run["rival_version"]
            assert rival["num_target_rows_inserted"] == commits[run["rival_version"]]["rows_added"]
            assert commits[run["rival_version"]]["writer"] == 1
            tbl = arrow(SILVER, rows, currency)
            failed = None
            try:
                pipeline.merge(
                    tbl, predicate=predicate, source_alias="s", target_alias="t"
                ).when_not_matched_insert_all().execute()
            except CommitFailedError as e:
                failed = str(e)
            races.append((run, failed))
            if run["conflict"] is None:
                assert failed is None
                continue
            assert failed is not None, "the pipeline's commit should fail"
        # The job's (next) run of the MERGE, on the current version.
        m = merge(path, rows, predicate, currency)
        assert m["num_target_rows_inserted"] == run["inserted"]
        assert DeltaTable(path).version() == (run["silver_version"] or run["rival_version"] or before)
        now = DeltaTable(path).version()
        assert delta_silver_rows(DeltaTable(path)) == expected[now], f"run {run['number']}"
        if run["compaction"]:
            comp = commits[run["compaction"]["version"]]
            days = sorted({p.split("/")[0].split("=")[1] for p in comp["removed"]})
            before_rows = delta_silver_rows(DeltaTable(path))
            DeltaTable(path).optimize.z_order(
                ["user_id"], partition_filters=[("order_day", "in", days)]
            )
            dt = DeltaTable(path)
            assert dt.version() == comp["version"]
            assert dt.history(1)[0]["operation"] == comp["operation"] == "OPTIMIZE"
            assert delta_silver_rows(dt) == before_rows == expected[comp["version"]]
            cdf = dt.load_cdf(starting_version=comp["version"], ending_version=comp["version"])
            assert cdf.read_all().num_rows == 0, "OPTIMIZE is no change of data"
        # The gold MERGE's input: the change feed over this run's silver versions.
        after = DeltaTable(path).version()
        if after > before:
            feed = DeltaTable(path).load_cdf(starting_version=before + 1, ending_version=after)
            t = feed.read_all()
            kinds = set(t.column("_change_type").to_pylist())
            got = sorted(t.column("order_id").to_pylist())
            inserted = sorted(
                r[0]
                for v in range(before + 1, after + 1)
                if commits[v]["operation"] == "MERGE"
                for f in commits[v]["added"]
                for r in f["rows"]
            )
            assert kinds <= {"insert"} and got == inserted
    add_columns_up_to(max(commits))
    assert DeltaTable(path).version() == max(commits)
    return races


@pytest.mark.parametrize("link", RUNS)
def test_the_commits_replayed_on_delta_give_the_same_versions_and_rows(link, tmp_path):
    data = sim(link)
    assert data["listing"] in TEXTS, "the run shows a listing of the manifest"
    stmt = merge_statement(data["listing"], "silver.orders")
    bronze, silver = str(tmp_path / "bronze"), str(tmp_path / "silver")
    replay_bronze(data, bronze)
    # table_changes over a run's bronze versions: exactly the rows those commits added.
    feed_rows = bronze_changes(data)
    for run in data["runs"]:
        a, b = run["bronze_from"], run["bronze_to"]
        if a > b:
            continue
        t = DeltaTable(bronze).load_cdf(starting_version=a, ending_version=b).read_all()
        assert sorted(t.column("_offset").to_pylist()) == sorted(
            r[0] for r in feed_rows if a <= r[-1] <= b
        )
    races = replay_silver(data, stmt, silver)
    # Time travel: every version holds exactly what the simulation committed at it.
    expected = sim_rows(data, "silver")
    for v, rows in expected.items():
        assert delta_silver_rows(DeltaTable(silver, version=v)) == rows, f"silver v{v}"
    ops = [h["operation"] for h in reversed(DeltaTable(silver).history())]
    names = {"ADD COLUMNS": "ADD COLUMN"}  # delta-rs's name for Spark's ADD COLUMNS
    assert ops == [names.get(c["operation"], c["operation"]) for c in data["tables"]["silver"]]
    if "concurrent-writer" in link:
        assert data["conflicts"] == 1 and len(races) == 1
        run, failed = races[0]
        assert run["conflict"]["exception"] == "ConcurrentAppendException"
        assert "concurrent transaction" in failed and "added new data" in failed
        assert run["inserted"] == 0 and run["silver_version"] is None and run["matched"] > 0
