"""/etl-elt and /compare/etl-vs-elt: every listing runs as Python on real engines.

The source is PostgreSQL 15 (`pg_db`: the test's own schema in the run's database) holding
an `orders` table with nulls, amounts that are not numbers, export copies and several
versions of one order. The
warehouse is DuckDB through duckdb-engine (SQLAlchemy URL `duckdb:///path`): the listing's
warehouse SQL is DuckDB's (`CREATE OR REPLACE TABLE … AS`, `QUALIFY`, `regexp_full_match`),
and the listing says so. pandas 3 and SQLAlchemy 2.1 run the Python.

Each listing runs as the page shows it, after a hidden preamble (`PREAMBLE`, below: the
imports, the two engines, `run_id`, the stream's `live`, `seen` and `transform`). The test
runs a night, the same night again, and a second night after the source changed, and
checks the published tables against an aggregate computed here in plain Python from the
rows the test wrote (latest version of each order wins, then nulls, bad amounts and the
rule are dropped):

- ETL's `revenue_etl` and ELT's `revenue_elt` equal that aggregate, so they equal each
  other whenever the listing applies one rule to both (the product's invariant); mid-night
  after a rule change ELT has v2 and ETL's running job v1, and each equals its own rule's.
- The stream's live table ends each night equal to it too.
- With a run key, a rerun replaces the night's staged rows. With the note's append staging
  (the pitfall), a rerun doubles the staging table, and the next night's transform reads
  every night's rows, so an order deleted at the source still counts.

The old lines that issue 22 found wrong are kept below as fixtures, each run on the real
engine and rejected there, with two this layer found: DuckDB has no REGEXP_LIKE, and
`to_sql(if_exists="replace")` fails on DuckDB once the table exists (duckdb-engine 0.17's
reflection under SQLAlchemy 2.1 queries pg_catalog.pg_collation), so the listing replaces
the ETL table with DROP + to_sql in one transaction. The load-fail fault's premise is checked too: a failed
`to_sql` leaves nothing behind (pandas wraps its chunks in one transaction), and what does
stage a chunk twice is a chunk committed on its own whose acknowledgement was lost."""

import random
import re
import warnings
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import psycopg2
import pytest
import sqlalchemy
from sqlalchemy import create_engine, text

from conftest import ids, listings
from ledger import known

ALL = listings("etl-elt") + listings("compare/etl-vs-elt")

CATEGORIES = ["books", "games", "garden", "kitchen", "music", "sports"]

# The hidden part of every listing. SOURCE_URL, WAREHOUSE_URL, RUN_ID, KEY and PAID_ONLY
# are set by the test before it runs.
PREAMBLE = '''
import re
from collections import Counter
from decimal import Decimal

import pandas as pd
from sqlalchemy import Numeric, create_engine, text

source = create_engine(SOURCE_URL)        # the operational database (PostgreSQL)
warehouse = create_engine(WAREHOUSE_URL)  # DuckDB, through duckdb-engine
run_id = RUN_ID                           # the night being loaded
live = Counter()                          # the stream's live table: (key, "total"/"orders")
seen = {}                                 # order_id -> (updated_at, key or None, amount)


def transform(chunk, seen):
    """The stream's transform of one loaded chunk, as the change it makes to `live`. A
    newer version of an order already counted takes the old version's numbers out."""
    delta = Counter()
    for row in chunk.itertuples(index=False):
        old = seen.get(row.order_id)
        if old is not None and old[0] >= row.updated_at:
            continue  # a copy, or an older version
        if old is not None and old[1] is not None:
            delta[(old[1], "total")] -= old[2]
            delta[(old[1], "orders")] -= 1
        key, amount = None, None
        if (
            not pd.isna(row.category)
            and not pd.isna(row.amount)
            and re.fullmatch(r"[0-9]+\\.[0-9]{2}", row.amount)
            and (not PAID_ONLY or row.status == "paid")
        ):
            key, amount = getattr(row, KEY), Decimal(row.amount)
            delta[(key, "total")] += amount
            delta[(key, "orders")] += 1
        seen[row.order_id] = (row.updated_at, key, amount)
    return delta
'''

STAGING_WITH_RUN = """
CREATE TABLE stg_raw_orders (
  order_id BIGINT, user_id BIGINT, category VARCHAR, amount VARCHAR, status VARCHAR,
  updated_at TIMESTAMP, _run BIGINT)
"""

# ---- the old lines issue 22 found wrong (each must be rejected by the real engine) ----

# The ELT statement as the page showed it: Engine.execute, QUALIFY before GROUP BY.
OLD_ELT = '''warehouse.execute(text("""
  CREATE OR REPLACE TABLE revenue_elt AS
  SELECT category, SUM(CAST(amount AS DECIMAL(12,2))) AS total, COUNT(*) AS orders
  FROM stg_raw_orders
  WHERE _run = :run
    AND category IS NOT NULL
    AND REGEXP_LIKE(amount, '^[0-9]+\\.[0-9]{2}$')
  QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY updated_at DESC) = 1
  GROUP BY category"""), {"run": run_id})'''

OLD_ASTYPE = 'clean = clean.drop_duplicates("order_id").astype({"amount": "decimal"})'

# The old ETL cleaning: filters, then keeps the first row of each order.
OLD_ETL_CLEAN = '''clean = raw.dropna(subset=["category", "amount"])
clean = clean[clean.amount.str.fullmatch(r"\\d+\\.\\d{2}")]
clean = clean.drop_duplicates("order_id")'''

# The note's transform: no de-duplication, every staged row summed.
NOTE_SUM = """
SELECT SUM(CAST(amount AS DECIMAL(12,2))) FROM stg_raw_orders
WHERE category IS NOT NULL AND regexp_full_match(amount, '[0-9]+[.][0-9]{2}')
"""

OLD_REPLACE = 'agg.to_sql("revenue_etl", warehouse, if_exists="replace")'

OLD_REGEXP = "        AND REGEXP_LIKE(amount, '^[0-9]+\\.[0-9]{2}$')"


# ---- the source ----


def source_rows(seed, orders=600, first=100_000):
    """The orders table: each order in 1-3 versions (updated_at rising), some rows exported
    twice, nulls and amounts that are not numbers. Versions are written oldest first, so
    the first row of an order is not its latest."""
    rng = random.Random(seed)
    t0 = datetime(2024, 3, 1, 2, 0)
    rows = []
    for o in range(first, first + orders):
        user = 1 + rng.randrange(25)
        for v in range(rng.choice([1, 1, 2, 3])):
            r = rng.random()
            if r < 0.06:
                amount = None
            elif r < 0.16:
                c = rng.randrange(500, 25_000)
                amount = rng.choice(
                    [f"{c // 100},{c % 100:02}", f"-{c // 100}.{c % 100:02}", "N/A", f"{c // 10000}e2", "12.5"]
                )
            else:
                c = rng.randrange(500, 25_000)
                amount = f"{c // 100}.{c % 100:02}"
            row = (
                o,
                user,
                None if rng.random() < 0.05 else rng.choice(CATEGORIES),
                amount,
                "paid" if rng.random() < 0.8 else "cancelled",
                t0 + timedelta(hours=v, minutes=o % 60),
            )
            rows.append(row)
            if rng.random() < 0.08:
                rows.append(row)  # the export writes it again
    return rows


def changed(rows, seed):
    """The source a day later: some orders deleted, some given a newer version, new ones."""
    rng = random.Random(seed)
    ids_ = sorted({r[0] for r in rows})
    deleted = set(rng.sample(ids_, len(ids_) // 10))
    out = [r for r in rows if r[0] not in deleted]
    later = datetime(2024, 3, 2, 1, 0)
    for o in rng.sample([i for i in ids_ if i not in deleted], 40):
        c = rng.randrange(500, 25_000)
        user = next(r[1] for r in rows if r[0] == o)
        out.append((o, user, rng.choice(CATEGORIES), f"{c // 100}.{c % 100:02}", "cancelled", later))
    out += source_rows(seed, orders=60, first=ids_[-1] + 1)
    return out, deleted


def write_source(dsn, rows):
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS orders")
    cur.execute(
        "CREATE TABLE orders (order_id BIGINT, user_id INT, category TEXT, amount TEXT, "
        "status TEXT, updated_at TIMESTAMP)"
    )
    cur.executemany("INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s)", rows)
    conn.commit()
    conn.close()


def sqlalchemy_url(dsn):
    """The libpq DSN `pg_db` yields as a SQLAlchemy URL (its options, such as the test's
    search_path, passed on to psycopg2)."""
    f = psycopg2.extensions.parse_dsn(dsn)
    extra = {k: v for k, v in f.items() if k not in ("host", "port", "user", "dbname")}
    return sqlalchemy.engine.URL.create(
        "postgresql+psycopg2",
        username=f["user"],
        host=f["host"],
        port=int(f["port"]),
        database=f["dbname"],
        query=extra,
    )


# ---- the aggregate, computed independently ----


def is_amount(s):
    whole, dot, cents = s.partition(".")
    digits = set("0123456789")
    return bool(dot) and whole != "" and set(whole) <= digits and len(cents) == 2 and set(cents) <= digits


def expected(rows, key, paid_only):
    """{key: (total, orders)}: each order's latest version, then the rules."""
    latest = {}
    for r in rows:
        if r[0] not in latest or r[5] > latest[r[0]][5]:
            latest[r[0]] = r
    out = {}
    for order_id, user, category, amount, status, _ in latest.values():
        if category is None or amount is None or not is_amount(amount):
            continue
        if paid_only and status != "paid":
            continue
        k = category if key == "category" else user
        total, n = out.get(k, (Decimal(0), 0))
        out[k] = (total + Decimal(amount), n + 1)
    return out


# ---- running a listing ----


class Shape:
    """What a listing does, read from its text."""

    def __init__(self, listing):
        self.key = re.search(r'groupby\("(\w+)"\)', listing).group(1)
        self.etl_paid = 'clean.status == "paid"' in listing
        self.elt_paid = "status = 'paid'" in listing
        self.keyed = "_run" in listing
        self.chunk = int(re.search(r"range\(0, len\(raw\), (\d+)\)", listing).group(1))


def run_night(listing, source_url, warehouse_url, run_id, shape, filename="listing.py", strict=True):
    """Runs preamble + listing as one night; returns the namespace. `strict=False` lets a
    fixture with the old `\\.` escape reach the engine (the escape is its own finding)."""
    ns = {
        "SOURCE_URL": source_url,
        "WAREHOUSE_URL": warehouse_url,
        "RUN_ID": run_id,
        "KEY": shape.key,
        "PAID_ONLY": shape.elt_paid,
    }
    exec(compile(PREAMBLE, "preamble.py", "exec"), ns)
    with warnings.catch_warnings():
        # A listing that relies on deprecated behaviour, or a string escape Python only
        # tolerates, is wrong on the versions it names.
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("error" if strict else "ignore", SyntaxWarning)
        if not strict:
            warnings.filterwarnings("ignore", "invalid escape sequence", DeprecationWarning)
        warnings.simplefilter("error", sqlalchemy.exc.SADeprecationWarning)
        code = compile(listing, filename, "exec")
        try:
            exec(code, ns)
        finally:
            ns["source"].dispose()
            ns["warehouse"].dispose()
    return ns


def table(warehouse_url, name):
    eng = create_engine(warehouse_url)
    try:
        with eng.connect() as c:
            rows = c.execute(text(f"SELECT * FROM {name}")).fetchall()
    finally:
        eng.dispose()
    return {r[0]: (Decimal(r[1]), int(r[2])) for r in rows}


def scalar(warehouse_url, sql):
    eng = create_engine(warehouse_url)
    try:
        with eng.connect() as c:
            return c.execute(text(sql)).scalar()
    finally:
        eng.dispose()


def live_table(ns):
    out = {}
    for (k, what), v in ns["live"].items():
        total, n = out.get(k, (Decimal(0), 0))
        out[k] = (total + v, n) if what == "total" else (total, n + v)
    return {k: v for k, v in out.items() if v[1] != 0}


def fresh_warehouse(url, shape):
    if shape.keyed:
        eng = create_engine(url)
        with eng.begin() as c:
            c.execute(text(STAGING_WITH_RUN))  # the staging table's migration
        eng.dispose()


def check_night(url, shape, rows, ns):
    etl = table(url, "revenue_etl")
    elt = table(url, "revenue_elt")
    assert etl == expected(rows, shape.key, shape.etl_paid), "ETL's table"
    assert elt == expected(rows, shape.key, shape.elt_paid), "ELT's table"
    if shape.etl_paid == shape.elt_paid:
        assert etl == elt, "ETL and ELT on the same input"
    else:
        assert etl != elt, "mid-night after a rule change ETL still applies v1"
    assert live_table(ns) == expected(rows, shape.key, shape.elt_paid), "the stream"
    return elt


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_etl_elt_listing_runs_on_postgresql_and_duckdb(entry, pg_db, tmp_path):
    listing = entry["text"]
    assert known(entry["route"], listing) is None, "no etl-elt listing is in the ledger"
    assert "DuckDB" in listing, "the listing names the engine its SQL is for"
    shape = Shape(listing)
    src, wh = sqlalchemy_url(pg_db), f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    night1 = source_rows(seed=7)
    write_source(pg_db, night1)
    fresh_warehouse(wh, shape)

    # Night 1.
    ns = run_night(listing, src, wh, 1, shape, entry["file"])
    first = check_night(wh, shape, night1, ns)
    assert scalar(wh, "SELECT count(*) FROM stg_raw_orders") == len(night1)
    summed_once = scalar(wh, NOTE_SUM)

    # The same night again.
    ns = run_night(listing, src, wh, 1, shape, entry["file"])
    again = check_night(wh, shape, night1, ns)
    assert again == first
    staged = scalar(wh, "SELECT count(*) FROM stg_raw_orders")
    columns = describe(wh, "stg_raw_orders")
    if shape.keyed:
        assert staged == len(night1), "the rerun replaced the night's rows"
    else:
        # The note's pitfall: the rerun appended the whole extract again, and nothing
        # records which night (or which run of it) wrote a row.
        assert entry["pitfalls"] == ["append-staging"]
        assert staged == 2 * len(night1), "the rerun doubled staging"
        assert "_run" not in columns
        # The listing's one-row-per-order keeps its answer (`again == first`); the note's
        # own SQL, which sums every staged row, now reports every amount twice.
        assert scalar(wh, NOTE_SUM) == 2 * summed_once

    # Night 2, from a source that changed: orders deleted, corrected, added.
    night2, deleted = changed(night1, seed=8)
    write_source(pg_db, night2)
    ns = run_night(listing, src, wh, 2, shape, entry["file"])
    etl = table(wh, "revenue_etl")
    elt = table(wh, "revenue_elt")
    assert etl == expected(night2, shape.key, shape.etl_paid), "ETL reads tonight's extract"
    assert live_table(ns) == expected(night2, shape.key, shape.elt_paid)
    if shape.keyed:
        assert elt == expected(night2, shape.key, shape.elt_paid)
        assert scalar(wh, "SELECT count(*) FROM stg_raw_orders WHERE _run = 2") == len(night2)
    else:
        # Every night's rows are read; the deleted orders have no newer row, so they count.
        assert scalar(wh, "SELECT count(*) FROM stg_raw_orders") == 2 * len(night1) + len(night2)
        assert elt == expected(night1 + night2, shape.key, shape.elt_paid)
        assert elt != expected(night2, shape.key, shape.elt_paid), "deleted orders still count"
        assert any(
            is_amount(r[3] or "") and r[2] is not None for r in night1 if r[0] in deleted
        )


# ---- the old lines, rejected by the real engines ----


def the_listing(pitfall=False, group="category"):
    for e in ALL:
        if (("append-staging" in e["pitfalls"]) == pitfall and "rule v2" not in e["text"]
                and f'groupby("{group}")' in e["text"]):
            return e["text"]
    raise AssertionError("no such listing")


def replace_lines(listing, old_first, old_last, new):
    """The listing with the lines from the one containing `old_first` to the one
    containing `old_last` replaced by `new`."""
    lines = listing.splitlines()
    i = next(n for n, l in enumerate(lines) if old_first in l)
    j = next(n for n, l in enumerate(lines) if n >= i and old_last in l)
    return "\n".join(lines[:i] + new.splitlines() + lines[j + 1:]) + "\n"


def replace_transform(listing, new):
    """The listing with its ELT transform (`with warehouse.begin() as tx:` through the
    statement's GROUP BY line) replaced by `new`."""
    lines = listing.splitlines()
    i = lines.index('    tx.execute(text("""') - 1
    assert lines[i] == "with warehouse.begin() as tx:"
    j = next(n for n, l in enumerate(lines) if n > i and "GROUP BY" in l)
    return "\n".join(lines[:i] + new.splitlines() + lines[j + 1:]) + "\n"


def describe(url, name):
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return {r[0]: r[1] for r in c.execute(text(f"DESCRIBE {name}"))}
    finally:
        eng.dispose()


@pytest.fixture
def night(pg_db, tmp_path):
    rows = source_rows(seed=7)
    write_source(pg_db, rows)
    return rows, sqlalchemy_url(pg_db), f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


def test_the_old_elt_statement_fails_engine_execute_was_removed(night):
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    old = replace_transform(listing, OLD_ELT)
    # Its SQL sat in a plain (not raw) string with a `\\.` escape Python only tolerates.
    with pytest.raises(SyntaxError, match="invalid escape sequence"):
        run_night(old, src, wh, 1, shape)
    with pytest.raises(AttributeError, match="'Engine' object has no attribute 'execute'"):
        run_night(old, src, wh, 1, shape, strict=False)


def test_the_old_elt_sql_fails_qualify_before_group_by(night):
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    # The old statement text, run the way SQLAlchemy 2 runs one.
    sql = OLD_ELT.split('"""')[1]
    fixed = replace_transform(
        listing,
        f'with warehouse.begin() as tx:\n    tx.execute(text("""{sql}"""), {{"run": run_id}})',
    )
    with pytest.raises(sqlalchemy.exc.ProgrammingError, match='syntax error at or near "GROUP"'):
        run_night(fixed, src, wh, 1, shape, strict=False)


def test_the_old_regexp_like_is_no_duckdb_function(night):
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    old = replace_lines(listing, "regexp_full_match(", "regexp_full_match(", OLD_REGEXP)
    with pytest.raises(sqlalchemy.exc.ProgrammingError, match="regexp_like does not exist"):
        run_night(old, src, wh, 1, shape, strict=False)


def test_the_old_astype_decimal_raises(night):
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    old = replace_lines(listing, ".map(Decimal)", ".map(Decimal)", OLD_ASTYPE)
    with pytest.raises(TypeError, match="data type 'decimal' not understood"):
        run_night(old, src, wh, 1, shape)


@pytest.mark.parametrize("group", ["category", "user_id"])
def test_the_old_keep_first_cleaning_gives_a_wrong_aggregate(night, group):
    rows, src, wh = night
    listing = the_listing(group=group)
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    old = replace_lines(listing, "drop_duplicates(", "str.fullmatch(", OLD_ETL_CLEAN)
    run_night(old, src, wh, 1, shape)
    etl = table(wh, "revenue_etl")
    assert etl != expected(rows, shape.key, False), "the check must reject the keep-first ETL"
    assert table(wh, "revenue_elt") == expected(rows, shape.key, False)


def test_the_old_replace_fails_on_duckdb_from_the_second_night(night):
    """pandas reflects an existing table before it drops it, and duckdb-engine 0.17's
    reflection under SQLAlchemy 2.1 queries pg_catalog.pg_collation, which DuckDB 1.4 does
    not have (Mause/duckdb_engine#1379)."""
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    old = replace_lines(listing, "# readers see the old table", "agg.to_sql(", OLD_REPLACE)
    run_night(old, src, wh, 1, shape)
    assert table(wh, "revenue_etl") == expected(rows, shape.key, False)
    with pytest.raises(sqlalchemy.exc.ProgrammingError, match="pg_collation does not exist"):
        run_night(old, src, wh, 2, shape)


def test_a_decimal_total_without_a_sql_type_lands_as_text(night):
    """Why the listing passes dtype={"total": Numeric(18, 2)}: pandas maps a column of
    Decimal objects to TEXT."""
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    old = listing.replace(', dtype={"total": Numeric(18, 2)})', ")")
    assert old != listing
    run_night(old, src, wh, 1, shape)
    assert describe(wh, "revenue_etl")["total"] == "VARCHAR"


# ---- the load-fail fault's premise ----


@pytest.mark.parametrize("engine", ["postgresql", "duckdb"])
def test_a_failed_to_sql_leaves_no_rows_behind(engine, pg_db, tmp_path):
    """pandas' to_sql on an Engine runs every chunk in one transaction (pandas/io/sql.py:
    to_sql builds its SQLDatabase with need_transaction=True, which begins one), so an
    INSERT that fails in chunk 3 leaves none of chunks 1-3 behind. One multi-row INSERT is
    atomic on its own. Only chunks committed by separate calls stay."""
    url = sqlalchemy_url(pg_db) if engine == "postgresql" else f"duckdb:///{tmp_path / 'w.duckdb'}"
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("CREATE TABLE t (id BIGINT, v BIGINT CHECK (v > 0))"))
    df = pd.DataFrame({"id": range(1_000), "v": [1] * 1_000})
    df.loc[250, "v"] = -1

    def count():
        with eng.connect() as c:
            return c.execute(text("SELECT count(*) FROM t")).scalar()

    with pytest.raises(Exception, match="(?i)check"):
        df.to_sql("t", eng, if_exists="append", index=False, chunksize=100)
    assert count() == 0, "the failed to_sql rolled every chunk back"
    with pytest.raises(Exception, match="(?i)check"):
        df.iloc[200:300].to_sql("t", eng, if_exists="append", index=False, method="multi")
    assert count() == 0, "one INSERT of 100 rows failing at its 51st wrote nothing"
    with pytest.raises(Exception, match="(?i)check"):
        for start in range(0, 1_000, 100):
            df.iloc[start:start + 100].to_sql("t", eng, if_exists="append", index=False)
    assert count() == 200, "one call per chunk: the two chunks before the failure stay"
    eng.dispose()


def test_a_resent_committed_chunk_is_staged_twice_and_counted_once(night):
    """The load-fail fault: a chunk's INSERT commits, the acknowledgement is lost, the
    loader sends the chunk again. Staging holds the chunk twice; the transform's one row
    per order keeps ELT's answer."""
    rows, src, wh = night
    listing = the_listing()
    shape = Shape(listing)
    fresh_warehouse(wh, shape)
    ns = run_night(listing, src, wh, 1, shape)
    chunk = ns["raw"].iloc[shape.chunk:2 * shape.chunk].assign(_run=1)
    eng = create_engine(wh)
    chunk.to_sql("stg_raw_orders", eng, if_exists="append", index=False)  # the resend
    eng.dispose()
    assert scalar(wh, "SELECT count(*) FROM stg_raw_orders") == len(rows) + shape.chunk
    # The listing's transform, run again over staging as it is now.
    lines = listing.splitlines()
    start = max(n for n, l in enumerate(lines) if l == "with warehouse.begin() as tx:")
    ns2 = {"run_id": 1, "text": text, "warehouse": create_engine(wh)}
    exec("\n".join(lines[start:]), ns2)
    ns2["warehouse"].dispose()
    assert table(wh, "revenue_elt") == expected(rows, shape.key, False)
