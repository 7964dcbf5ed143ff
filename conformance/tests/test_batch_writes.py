"""/batch-writes: every listing runs with psycopg2 on PostgreSQL 15.

Each listing is a writer fragment. Its hidden preamble (imports, the upstream rows, the
dead-letter helpers, `to_tsv`) is data kept here; the test runs preamble + the page's exact
text against a fresh database whose `orders` table has the `row_key` primary key when the
listing inserts one, and a CHECK that a bad row breaks (a CheckViolation, so an
IntegrityError). The writer talks to PostgreSQL through a loopback proxy that logs every
query the server receives and cuts the connection right after the server has committed the
first batch, before the writer hears so: the page's "drop the connection" fault, for real.
The final table and the dead-letter table must hold what the page says.

The note's pitfall (executemany "a single round trip") is checked on the server with
pg_stat_statements: psycopg2's executemany sends one INSERT per row, execute_values one per
page, and a failing executemany stops at the bad row.

The fixtures at the bottom are listings this page used to show (issue 22's findings); each
is asserted to be REJECTED by the same check, so the check is proven able to catch them."""

import collections
import re
import socket
import struct
import threading

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest

from conftest import ids, listings
from ledger import known

ALL = listings("batch-writes")

ROWS = 130          # two full batches of 50 and a partial one of 30
BAD = 73            # in the second batch; its amount breaks the CHECK
DROP_AT = 1         # the first committed write's acknowledgement is lost

KEYED_TABLE = (
    "CREATE TABLE orders (row_key text PRIMARY KEY, order_id int NOT NULL, "
    "amount numeric NOT NULL CHECK (amount >= 0))"
)
PLAIN_TABLE = (
    "CREATE TABLE orders (order_id int NOT NULL, "
    "amount numeric NOT NULL CHECK (amount >= 0))"
)
DEAD_TABLE = "CREATE TABLE dead_letters (order_id int NOT NULL)"

# What the fragments call and do not define. DSN, upstream and DEAD (an autocommit
# connection of its own for the dead-letter table) are put in the namespace by run().
PREAMBLE = '''
import io
import psycopg2
from psycopg2.extras import execute_values

def to_tsv(row):
    return "\\t".join(str(v) for v in row) + "\\n"

def dead_letter(row):
    DEAD.cursor().execute("INSERT INTO dead_letters (order_id) VALUES (%s)", (row[-2],))

def dead_letter_all(rows):
    for row in rows:
        dead_letter(row)
'''


class Proxy:
    """A loopback TCP proxy in front of PostgreSQL. It logs every simple-protocol query the
    server receives (psycopg2 sends nothing else) and, when `drop_at` is n, cuts the
    connection on the n-th COMMIT of a transaction that wrote to `orders`: after the
    server's CommandComplete ("committed") and before the writer receives it."""

    WRITE = re.compile(r"^\s*(INSERT\s+INTO\s+orders\b|COPY\s+orders\b)", re.I)

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.queries = []
        self.lock = threading.Lock()
        self.drop_at = None
        self.write_commits = 0
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for s in (client, server):  # forward each message at once (no Nagle delay)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # Per connection: for each query sent and not yet answered (ReadyForQuery),
            # whether it is the COMMIT of a transaction that wrote to orders.
            state = {"pending": collections.deque(), "wrote": False}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    @staticmethod
    def _read(sock, n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    @staticmethod
    def _close(*socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _up(self, client, server, state):
        try:
            head = self._read(client, 4)  # the startup message has no type byte
            server.sendall(head + self._read(client, struct.unpack("!I", head)[0] - 4))
            while True:
                kind = self._read(client, 1)
                head = self._read(client, 4)
                body = self._read(client, struct.unpack("!I", head)[0] - 4)
                if kind == b"Q":
                    q = body[:-1].decode()
                    word = q.strip().upper()
                    with self.lock:
                        self.queries.append(q)
                        state["wrote"] |= bool(self.WRITE.search(q))
                        state["pending"].append(word == "COMMIT" and state["wrote"])
                        if word in ("COMMIT", "ROLLBACK"):
                            state["wrote"] = False
                server.sendall(kind + head + body)
        except (EOFError, OSError):
            pass
        finally:
            self._close(client, server)

    def _down(self, server, client, state):
        try:
            while True:
                kind = self._read(server, 1)
                head = self._read(server, 4)
                body = self._read(server, struct.unpack("!I", head)[0] - 4)
                if kind == b"C" and body == b"COMMIT\0":
                    with self.lock:
                        if state["pending"] and state["pending"][0]:
                            self.write_commits += 1
                            if self.write_commits == self.drop_at:
                                self.dropped += 1
                                raise EOFError  # committed; the writer never hears so
                if kind == b"Z":
                    with self.lock:
                        if state["pending"]:
                            state["pending"].popleft()
                client.sendall(kind + head + body)
        except (EOFError, OSError):
            pass
        finally:
            self._close(client, server)
            client.close()
            server.close()

    def inserts(self):
        with self.lock:
            return [q for q in self.queries if re.match(r"\s*INSERT INTO orders\b", q)]

    def close(self):
        self.listener.close()


def shape(text):
    """What the listing does: keyed (row_key + ON CONFLICT), rows per request, policy."""
    m = re.search(r"if len\(batch\) == (\d+):", text)
    assert m, "every writer listing collects its rows in a batch"
    return {
        "keyed": "row_key" in text,
        "batch": int(m.group(1)),
        "retry": "dead_letter_all" in text,
    }


def upstream(keyed, n=ROWS, bad=(BAD,)):
    rows = []
    for i in range(n):
        amount = -5 if i in bad else 10 + i % 7
        rows.append((f"shop-1:{i}", i, amount) if keyed else (i, amount))
    return rows


class Db:
    """The test database: its tables, a proxy in front of it, pg_stat_statements."""

    def __init__(self, dsn, keyed):
        self.dsn = dsn
        self.admin = psycopg2.connect(dsn)
        self.admin.autocommit = True
        cur = self.admin.cursor()
        cur.execute("DROP TABLE IF EXISTS orders, dead_letters")
        cur.execute(KEYED_TABLE if keyed else PLAIN_TABLE)
        cur.execute(DEAD_TABLE)
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cur.execute("SELECT pg_stat_statements_reset()")
        params = psycopg2.extensions.parse_dsn(dsn)
        self.proxy = Proxy(params["host"], int(params["port"]))
        self.proxied = psycopg2.extensions.make_dsn(
            dsn, host="127.0.0.1", port=self.proxy.port, sslmode="disable", gssencmode="disable"
        )
        self.dead = psycopg2.connect(dsn)
        self.dead.autocommit = True

    def namespace(self, rows):
        return {"DSN": self.proxied, "upstream": rows, "DEAD": self.dead}

    def run(self, text, rows, preamble=PREAMBLE):
        """Preamble + the listing's exact text, in one module namespace (returned)."""
        ns = self.namespace(rows)
        exec(compile(preamble, "preamble", "exec"), ns)
        exec(compile(text, "listing", "exec"), ns)
        return ns

    def stored(self):
        cur = self.admin.cursor()
        cur.execute("SELECT order_id FROM orders ORDER BY order_id")
        return [r[0] for r in cur.fetchall()]

    def dead_letters(self):
        cur = self.admin.cursor()
        cur.execute("SELECT order_id FROM dead_letters ORDER BY order_id")
        return [r[0] for r in cur.fetchall()]

    def completed(self, pattern):
        """Calls pg_stat_statements recorded (completed statements) matching `pattern`."""
        cur = self.admin.cursor()
        cur.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND query ~ %s",
            (pattern,),
        )
        return int(cur.fetchone()[0])

    def close(self):
        self.proxy.close()
        self.dead.close()
        self.admin.close()


@pytest.fixture
def db_factory(pg_db):
    made = []

    def make(keyed):
        d = Db(pg_db, keyed)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def expected(s):
    """The table the page says the writer leaves: every good row once; the bad row in the
    dead-letter table (retrying gives its whole batch up); with the first batch's
    acknowledgement lost, that batch resent: stored once with a key, twice without."""
    requests = [list(range(i, min(i + s["batch"], ROWS))) for i in range(0, ROWS, s["batch"])]
    holding = next(r for r in requests if BAD in r)
    dead = holding if s["retry"] else [BAD]
    stored = [i for i in range(ROWS) if i not in dead]
    if not s["keyed"]:
        stored += requests[0]
    return sorted(stored), sorted(dead)


def check_listing(make, text, preamble=PREAMBLE):
    """Runs the listing with a bad row and a lost acknowledgement; asserts the tables."""
    s = shape(text)
    db = make(s["keyed"])
    db.proxy.drop_at = DROP_AT
    db.run(text, upstream(s["keyed"]), preamble)
    assert db.proxy.dropped == 1, "the first batch's acknowledgement was cut"
    stored, dead = expected(s)
    got = db.stored()
    assert got == stored, (
        f"missing {sorted(set(stored) - set(got))}, "
        f"extra {sorted((collections.Counter(got) - collections.Counter(stored)).elements())}"
    )
    assert db.dead_letters() == dead
    return db


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_batch_writes_listing_runs_on_postgresql(entry, db_factory):
    wrong = known(entry["route"], entry["text"])
    if wrong:
        with pytest.raises(Exception, match=wrong.error):
            check_listing(db_factory, entry["text"])
        return
    check_listing(db_factory, entry["text"])


def pick(pred):
    found = [e for e in ALL if pred(e["text"], e)]
    assert found, "no such listing on the page"
    return found[0]


def keyed_bisect(word):
    return lambda t, e: word in t and "row_key" in t and "dead_letter_all" not in t


def test_the_notes_executemany_sends_one_insert_per_row(db_factory):
    """The note calls executemany one round trip; the page says psycopg2 loops, one INSERT
    per row, while execute_values sends one per page. Counted on the server."""
    looping = pick(keyed_bisect("cur.executemany("))
    assert looping["note"] and "one round trip per row" in looping["note"]
    assert looping["pitfalls"] == ["executemany-one-trip"]
    paged = pick(keyed_bisect("execute_values("))
    assert "page_size=50" in paged["text"]
    for entry, want in ((looping, 100), (paged, 2)):
        db = db_factory(True)
        db.run(entry["text"], upstream(True, n=100, bad=()))
        assert db.stored() == list(range(100))
        assert db.completed(r"^INSERT INTO orders\M") == want, entry["file"]
        assert len(db.proxy.inserts()) == want


def test_a_failing_executemany_stops_at_the_bad_row(db_factory):
    """psycopg2's loop raises at the failing row: the rows before it were sent (and roll
    back), the rows after it never reach the server. The page charges the same."""
    looping = pick(keyed_bisect("cur.executemany("))
    db = db_factory(True)
    ns = db.run(looping["text"], [])
    rows = upstream(True, n=50, bad=(7,))
    with pytest.raises(psycopg2.IntegrityError):
        ns["write"](rows)
    ns["conn"].rollback()
    assert db.completed(r"^INSERT INTO orders\M") == 7, "rows 0..6 completed"
    sent = db.proxy.inserts()
    assert len(sent) == 8, "rows 0..7 reached the server, the 8th failed, 42 never sent"
    assert db.stored() == []


@pytest.mark.parametrize("keyed", [True, False], ids=["key", "no-key"])
def test_a_resent_copy(keyed, db_factory):
    """COPY has no ON CONFLICT. Without a key a resent COPY stores its rows twice; with
    one the page's staging path (COPY into orders_in, INSERT … SELECT … ON CONFLICT DO
    NOTHING) stores them once. (A plain COPY resent into the keyed table fails: see
    test_the_old_bulk_listing_fails_its_resend.)"""
    bulk = pick(lambda t, e: "copy_expert" in t and ("row_key" in t) == keyed)
    if keyed:
        assert "COPY orders_in" in bulk["text"] and "ON CONFLICT (row_key)" in bulk["text"]
    db = db_factory(keyed)
    ns = db.run(bulk["text"], [])
    rows = upstream(keyed, n=20, bad=())
    ns["write"](rows)
    ns["write"](rows)
    assert db.stored() == (list(range(20)) if keyed else sorted(list(range(20)) * 2))
    # One COPY per write; the staging path adds one INSERT … SELECT per write.
    assert db.completed(r"^COPY orders") == 2
    assert db.completed(r"^INSERT INTO orders SELECT") == (2 if keyed else 0)


# --- Listings the page used to show (issue 22), kept to prove the check rejects them. ---

# What the old listings called and no longer exists: a reconnect() that rebinds the
# fragment's connection.
OLD_PREAMBLE = PREAMBLE + '''
def reconnect():
    global conn, cur
    conn = psycopg2.connect(DSN)
    cur = conn.cursor()
'''

OLD_ROW_NO_KEY = '''conn = psycopg2.connect(DSN)            # one connection, reused
def write(rows):
    for row in rows:
        cur.execute("INSERT INTO orders (order_id, amount) VALUES (%s, %s, %s)", row)
        conn.commit()                   # a round trip and a commit per row

def send(rows):
    try:
        write(rows)
    except psycopg2.IntegrityError:
        conn.rollback()
        if len(rows) == 1:
            dead_letter(rows[0]); return
        mid = len(rows) // 2
        send(rows[:mid]); send(rows[mid:])   # isolate the bad row
    except psycopg2.OperationalError:      # connection dropped: did it commit?
        reconnect(); write(rows)            # may store every row twice

batch = []                               # rows per request: 1
for row in upstream:
    batch.append(row)
    if len(batch) == 1:
        send(batch); batch = []
'''

OLD_BATCH_KEYED = '''conn = psycopg2.connect(DSN)            # one connection, reused
def write(rows):
    execute_values(cur, "INSERT INTO orders (row_key, order_id, amount) VALUES %s ON CONFLICT (row_key) DO NOTHING", rows, page_size=50)
    conn.commit()                       # one round trip, one commit

def send(rows):
    try:
        write(rows)
    except psycopg2.IntegrityError:
        conn.rollback()
        if len(rows) == 1:
            dead_letter(rows[0]); return
        mid = len(rows) // 2
        send(rows[:mid]); send(rows[mid:])   # isolate the bad row
    except psycopg2.OperationalError:      # connection dropped: did it commit?
        reconnect(); write(rows)            # safe: row_key makes it idempotent

batch = []                               # rows per request: 50
for row in upstream:
    batch.append(row)
    if len(batch) == 50:
        send(batch); batch = []
'''

OLD_BULK_KEYED = '''conn = psycopg2.connect(DSN)            # one connection, reused
def write(rows):
    buf = io.StringIO("".join(to_tsv(r) for r in rows))
    cur.copy_expert("COPY orders FROM STDIN", buf)   # all or nothing
    conn.commit()

def send(rows):
    try:
        write(rows)
    except psycopg2.IntegrityError:
        conn.rollback()
        if len(rows) == 1:
            dead_letter(rows[0]); return
        mid = len(rows) // 2
        send(rows[:mid]); send(rows[mid:])   # isolate the bad row
    except psycopg2.OperationalError:      # connection dropped: did it commit?
        reconnect(); write(rows)            # safe: row_key makes it idempotent

batch = []                               # rows per request: 50
for row in upstream:
    batch.append(row)
    if len(batch) == 50:
        send(batch); batch = []
'''


def with_cursor(text):
    """The old text with the one missing line added, to reach its next mistake."""
    first = "conn = psycopg2.connect(DSN)            # one connection, reused\n"
    assert text.startswith(first)
    return first + "cur = conn.cursor()\n" + text[len(first):]


@pytest.mark.parametrize("old", [OLD_ROW_NO_KEY, OLD_BATCH_KEYED, OLD_BULK_KEYED])
def test_the_old_listings_use_cur_without_defining_it(old, db_factory):
    with pytest.raises(NameError, match="'cur' is not defined"):
        check_listing(db_factory, old, OLD_PREAMBLE)


def test_the_old_row_listing_sends_three_values_for_two_columns(db_factory):
    # Rows of two values (order_id, amount) for a VALUES (%s, %s, %s): psycopg2 cannot
    # even fill the placeholders.
    with pytest.raises(IndexError, match="tuple index out of range"):
        check_listing(db_factory, with_cursor(OLD_ROW_NO_KEY), OLD_PREAMBLE)
    # Rows of three values reach the server, which refuses them.
    db = db_factory(False)
    ns = db.run(with_cursor(OLD_ROW_NO_KEY), [], OLD_PREAMBLE)
    with pytest.raises(psycopg2.errors.SyntaxError, match="more expressions than target columns"):
        ns["write"]([(1, 10, 0)])


def test_the_old_batch_listing_drops_the_last_partial_batch(db_factory):
    with pytest.raises(AssertionError, match=r"missing \[100, 101,"):
        check_listing(db_factory, with_cursor(OLD_BATCH_KEYED), OLD_PREAMBLE)


def test_the_old_bulk_listing_fails_its_resend(db_factory):
    """A plain COPY resent into the keyed table: the key already there fails the whole
    COPY (no ON CONFLICT), so the old listing's resend raised out of the writer."""
    with pytest.raises(psycopg2.errors.UniqueViolation, match="orders_pkey"):
        check_listing(db_factory, with_cursor(OLD_BULK_KEYED), OLD_PREAMBLE)
