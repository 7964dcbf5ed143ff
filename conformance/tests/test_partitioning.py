"""/partitioning and /compare/hash-vs-range: every listing runs on PostgreSQL 15.

Each statement runs in autocommit, as psql would send it. A statement followed by a
`-- ERROR: …` comment must fail with exactly that message (the note's closed bounds); an
`EXPLAIN` followed by the plan the page shows must scan exactly those partitions; a
statement with `$1…` placeholders is checked with PREPARE (it is the page's template for
the insert each step makes)."""

import re

import psycopg2
import pytest

from conftest import ids, listings
from ledger import known
from sqltext import PLACEHOLDER, statements

ALL = listings("partitioning") + listings("compare/hash-vs-range")


def scanned(plan_lines):
    """The partitions an EXPLAIN output reads (a Seq, Index, Index Only or Bitmap Heap
    scan of each; a Bitmap Index Scan names an index, not a table)."""
    names = []
    for line in plan_lines:
        if "Bitmap Index Scan" in line:
            continue
        m = re.search(r"Scan (?:using \w+ )?on (\w+)", line)
        if m:
            names.append(m.group(1))
    return sorted(set(names))


def shown(comments):
    """The partitions the page says the plan reads: the lines after its summary."""
    return sorted(c.split("->", 1)[1].strip() for c in comments if "->" in c)


def run_listing(dsn, text):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    checked_plans = 0
    for n, (stmt, comments) in enumerate(statements(text)):
        expected_error = next((c for c in comments if c.startswith("-- ERROR:")), None)
        if PLACEHOLDER.search(stmt):
            cur.execute(f"PREPARE s{n} AS {stmt}")
            continue
        if expected_error:
            want = expected_error[len("-- ERROR:"):].strip()
            with pytest.raises(psycopg2.Error) as e:
                cur.execute(stmt)
            got = e.value.pgerror.splitlines()[0]
            assert got.replace("ERROR:", "").strip().startswith(want), (got, want)
            continue
        cur.execute(stmt)
        if stmt.upper().startswith("EXPLAIN"):
            plan = [r[0] for r in cur.fetchall()]
            summary = next((c for c in comments if "partitions (pruning" in c), None)
            assert summary, f"the page shows no plan for {stmt!r}"
            want = shown(comments)
            assert scanned(plan) == want, (stmt, plan, want)
            k, total = map(int, re.search(r"(\d+) of (\d+)", summary).groups())
            assert k == len(want)
            cur.execute(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent "
                "WHERE c.relname = 'orders'"
            )
            assert cur.fetchone()[0] == total, f"the page says {total} partitions"
            checked_plans += 1
    conn.close()
    return checked_plans


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_partitioning_listing_runs_on_postgresql(entry, pg_db):
    wrong = known(entry["route"], entry["text"])
    if wrong:
        with pytest.raises(Exception, match=wrong.error):
            run_listing(pg_db, entry["text"])
        return
    plans = run_listing(pg_db, entry["text"])
    assert plans >= 1, "a partitioning listing always shows one query's plan"


# Wrong listings the layer must reject (kept from before their fixes).
OLD_RANGE_ADD = """CREATE TABLE orders (order_id bigint, user_id bigint, amount numeric(10,2),
    order_date date) PARTITION BY RANGE (order_date);
CREATE TABLE orders_2024_q1 PARTITION OF orders
    FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE orders_2024_q2 PARTITION OF orders
    FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');

-- adding the next range partition
CREATE TABLE orders_2024_q2 PARTITION OF orders FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');

EXPLAIN SELECT count(*) FROM orders WHERE user_id = 37;
--  the plan reads 2 of 2 partitions (pruning skips the rest):
--    ->  orders_2024_q1
--    ->  orders_2024_q2
"""

OLD_REBUILD = """CREATE TABLE orders (order_id bigint, user_id bigint, amount numeric(10,2),
    order_date date) PARTITION BY HASH (user_id);
CREATE TABLE orders_p0 PARTITION OF orders FOR VALUES WITH (MODULUS 1, REMAINDER 0);
BEGIN;
CREATE TABLE orders_new (LIKE orders) PARTITION BY HASH (user_id);
-- … 2 partitions FOR VALUES WITH (MODULUS 2, REMAINDER 0..1)
INSERT INTO orders_new SELECT * FROM orders;   -- every row re-hashed
ALTER TABLE orders RENAME TO orders_old;
ALTER TABLE orders_new RENAME TO orders;
COMMIT;

EXPLAIN SELECT count(*) FROM orders WHERE user_id = 37;
--  the plan reads 1 of 2 partitions (pruning skips the rest):
--    ->  orders_p1
"""

# The simulation's old hash (xxh3) put user 37 in orders_p3 of four; PostgreSQL puts it in
# orders_p1.
OLD_HASH_PLAN = """CREATE TABLE orders (order_id bigint, user_id bigint, amount numeric(10,2),
    order_date date) PARTITION BY HASH (user_id);
CREATE TABLE orders_p0 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE orders_p1 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE orders_p2 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE orders_p3 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 3);
EXPLAIN SELECT count(*) FROM orders WHERE user_id = 37;
--  the plan reads 1 of 4 partitions (pruning skips the rest):
--    ->  orders_p3
"""


@pytest.mark.parametrize(
    "text",
    [OLD_RANGE_ADD, OLD_REBUILD, OLD_HASH_PLAN],
    ids=["range-add-twice", "rebuild-elided", "hash-not-postgresql"],
)
def test_the_check_rejects_the_old_wrong_listings(text, pg_db):
    with pytest.raises((psycopg2.Error, AssertionError)):
        run_listing(pg_db, text)


def test_a_primary_key_without_the_partition_key_is_refused_as_the_listings_say(pg_db):
    """Every listing says PRIMARY KEY (order_id) alone is refused; check that on the server
    for each scheme, and that the listing's own key is accepted."""
    said = [e for e in ALL if "PRIMARY KEY (order_id) alone is refused" in e["text"]]
    assert said, "the listings say it"
    conn = psycopg2.connect(pg_db)
    conn.autocommit = True
    cur = conn.cursor()
    for scheme, key in [("HASH (user_id)", "user_id"), ("RANGE (order_date)", "order_date")]:
        body = "order_id bigint NOT NULL, user_id bigint NOT NULL, order_date date NOT NULL"
        with pytest.raises(psycopg2.Error, match="must include all partitioning columns"):
            cur.execute(f"CREATE TABLE bad ({body}, PRIMARY KEY (order_id)) PARTITION BY {scheme}")
        cur.execute(f"CREATE TABLE good ({body}, PRIMARY KEY (order_id, {key})) PARTITION BY {scheme}")
        cur.execute("DROP TABLE good")
    conn.close()


def simulated_run(query):
    """The simulation's whole run for a link (conformance/src/main.rs, partitioning_run)."""
    import json
    import os
    import subprocess

    from test_contracts import binary

    done = subprocess.run([binary(), "partitioning", query], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


RUNS = [
    "v=1&seed=42",
    "v=1&seed=7&pitfalls=closed-quarter-bounds",
    "v=1&seed=7&default=on&pitfalls=closed-quarter-bounds",
    "v=1&seed=3&scheme=hash&partitions=4",
    "v=1&seed=5&interval=month&days=120",
]


@pytest.mark.parametrize("query", RUNS)
def test_the_simulations_orders_land_in_postgresql_where_the_simulation_put_them(query, pg_db):
    """Section 2 of the issue: the simulation's own orders, inserted one by one into the
    table its listing creates (step 0), land in the same partitions, and the same inserts
    are refused."""
    run = simulated_run(query)
    conn = psycopg2.connect(pg_db)
    conn.autocommit = True
    cur = conn.cursor()
    for stmt, _ in statements(run["listing"]):
        if stmt.upper().startswith(("CREATE", "ALTER")) and not PLACEHOLDER.search(stmt):
            cur.execute(stmt)
    refused = 0
    for order_id, user_id, amount, day in run["orders"]:
        try:
            cur.execute("INSERT INTO orders VALUES (%s, %s, %s, %s)", (order_id, user_id, amount, day))
        except psycopg2.errors.CheckViolation as e:
            assert "no partition of relation" in str(e)
            refused += 1
    cur.execute("SELECT tableoid::regclass::text, count(*) FROM orders GROUP BY 1")
    counts = {name: n for name, n in cur.fetchall()}
    sim = {name: n for name, n in run["partitions"].items() if n}
    assert counts == sim, (counts, sim)
    assert refused == run["refused"]
    if "closed-quarter-bounds" in query and "default=on" not in query:
        assert refused > 0, "the note's bounds refuse the last day of each quarter"
    conn.close()
