"""/cdc: every listing checked against the systems it names.

The listing mixes three things, each checked on its own terms:

(a) The Debezium connector's configuration (JSON) and the Kafka Connect worker settings
    printed after it. Every key must be a documented option of the place it is written in:
    the connector's JSON takes Debezium PostgreSQL connector properties and Kafka Connect's
    connector-level options; the worker's properties take Kafka Connect worker options. A
    worker setting inside the connector's JSON (Kafka Connect ignores it there) is rejected.
    The option lists below are data, each with the page that documents it.
(b) The SQL, on the real PostgreSQL 15 of the run: the source's setup runs on an `orders`
    table; a sequence of Debezium-shaped change events, made from real transactions on that
    table (their `source.lsn` is the WAL position PostgreSQL reports), is delivered through
    the page's sink statements exactly as printed (parameters bound from each event), with
    tombstones and redeliveries out of order; the guarded MERGE must leave the target equal
    to the source, the plain upsert must regress rows as the page says, and the note's
    after.id key must lose deletes. The polling query runs as printed against two real
    concurrent transactions and misses the late commit and the tie, as the page says.
(c) The note's pitfall in a real Python handler: the expression the page quotes fails on a
    delete (and the guarded one gives the empty key), and a handler reading event['op']
    fails on a tombstone.
"""

import datetime
import json
import random
import re
import time

import psycopg2
import pytest

from conftest import ids, listings
from ledger import known
from sqltext import statements

ALL = listings("cdc")

# ---------------------------------------------------------------------------------------
# (a) Documented options, as data.
#
# The page's events say Debezium 2.7.3.Final, so the Debezium list is that release's
# "Debezium connector for PostgreSQL" page, section "Connector properties" (required and
# advanced properties tables):
#   https://debezium.io/documentation/reference/2.7/connectors/postgresql.html#postgresql-connector-properties
# (read from documentation/modules/ROOT/pages/connectors/postgresql.adoc at tag
# v2.7.3.Final of github.com/debezium/debezium, the source of that page).
DEBEZIUM_POSTGRESQL_2_7 = {
    'binary.handling.mode', 'column.exclude.list', 'column.include.list',
    'column.propagate.source.type', 'connector.class', 'converters', 'custom.metric.tags',
    'database.dbname', 'database.hostname', 'database.initial.statements',
    'database.password', 'database.port', 'database.query.timeout.ms', 'database.sslcert',
    'database.sslkey', 'database.sslmode', 'database.sslpassword', 'database.sslrootcert',
    'database.tcpKeepAlive', 'database.user', 'datatype.propagate.source.type',
    'decimal.handling.mode', 'errors.max.retries', 'event.processing.failure.handling.mode',
    'field.name.adjustment.mode', 'flush.lsn.source', 'heartbeat.action.query',
    'heartbeat.interval.ms', 'hstore.handling.mode', 'include.unknown.datatypes',
    'incremental.snapshot.chunk.size', 'incremental.snapshot.watermarking.strategy',
    'interval.handling.mode', 'max.batch.size', 'max.queue.size', 'max.queue.size.in.bytes',
    'message.key.columns', 'message.prefix.exclude.list', 'message.prefix.include.list',
    'money.fraction.digits', 'name', 'notification.enabled.channels', 'plugin.name',
    'poll.interval.ms', 'provide.transaction.metadata', 'publication.autocreate.mode',
    'publication.name', 'read.only', 'replica.identity.autoset.values',
    'retriable.restart.connector.wait.ms', 'schema.exclude.list', 'schema.include.list',
    'schema.name.adjustment.mode', 'schema.refresh.mode', 'signal.data.collection',
    'signal.enabled.channels', 'skip.messages.without.change', 'skipped.operations',
    'slot.drop.on.stop', 'slot.max.retries', 'slot.name', 'slot.retry.delay.ms',
    'slot.stream.params', 'snapshot.delay.ms', 'snapshot.fetch.size',
    'snapshot.include.collection.list', 'snapshot.lock.timeout.ms', 'snapshot.locking.mode',
    'snapshot.locking.mode.custom.name', 'snapshot.max.threads', 'snapshot.mode',
    'snapshot.mode.configuration.based.snapshot.data',
    'snapshot.mode.configuration.based.snapshot.on.data.error',
    'snapshot.mode.configuration.based.snapshot.on.schema.error',
    'snapshot.mode.configuration.based.snapshot.schema',
    'snapshot.mode.configuration.based.start.stream', 'snapshot.mode.custom.name',
    'snapshot.query.mode', 'snapshot.query.mode.custom.name',
    'snapshot.select.statement.overrides', 'status.update.interval.ms', 'streaming.delay.ms',
    'table.exclude.list', 'table.include.list', 'tasks.max', 'time.precision.mode',
    'tombstones.on.delete', 'topic.cache.size', 'topic.delimiter', 'topic.heartbeat.prefix',
    'topic.naming.strategy', 'topic.prefix', 'topic.transaction',
    'unavailable.value.placeholder', 'xmin.fetch.interval.ms',
}
# Same page, templated names (column.mask.hash.<algorithm>.with.salt.<salt>, …) and the
# section "Pass-through PostgreSQL connector configuration properties".
DEBEZIUM_POSTGRESQL_2_7_PATTERNS = [
    r"column\.mask\.hash\.[^.]+\.with\.salt\..+",
    r"column\.mask\.hash\.v2\.[^.]+\.with\.salt\..+",
    r"column\.mask\.with\.\d+\.chars",
    r"column\.truncate\.to\.\d+\.chars",
    r"driver\..+",
    r"signal\.kafka\..+",
    r"signal\.consumer\..+",
    r"notification\.sink\.topic\.name",
]
# Documented values of the options the page sets (same page, same section).
DEBEZIUM_POSTGRESQL_2_7_VALUES = {
    "plugin.name": {"decoderbufs", "pgoutput"},
    "snapshot.mode": {"always", "initial", "initial_only", "no_data", "never", "when_needed",
                      "configuration_based", "custom"},
    "tombstones.on.delete": {True, False, "true", "false"},
}

# Debezium 2.7 is built against Kafka 3.7 (its docs' debezium-kafka-version), so the Kafka
# Connect lists are Apache Kafka 3.7's documentation, kafka.apache.org/37/documentation.html
# (read from docs/connect.html and docs/configuration.html, and the config classes they are
# generated from, at tag 3.7.0 of github.com/apache/kafka):
#  - 8.2 "User Guide", "Configuring Connectors" (#connect_configuring) and
#    "Transformations"/"Predicates"; 3.5.1 "Source Connector Configs" (#sourceconnectconfigs:
#    ConnectorConfig and SourceConnectorConfig): what a connector's own config may hold.
KAFKA_CONNECT_3_7_CONNECTOR = {
    "name", "connector.class", "tasks.max", "key.converter", "value.converter",
    "header.converter", "transforms", "predicates", "config.action.reload",
    "errors.retry.timeout", "errors.retry.delay.max.ms", "errors.tolerance",
    "errors.log.enable", "errors.log.include.messages", "topic.creation.groups",
    "exactly.once.support", "transaction.boundary", "transaction.boundary.interval.ms",
    "offsets.storage.topic",
}
# Prefixed connector options: transformation and predicate settings, per-connector client
# overrides (8.2, "Running Kafka Connect": producer.override./consumer.override.), topic
# creation groups, and a converter's own settings (converter.<name>), for which the
# converter's class must be set and must document <name>.
KAFKA_CONNECT_3_7_CONNECTOR_PREFIXES = (
    "transforms.", "predicates.", "producer.override.", "consumer.override.",
    "admin.override.", "topic.creation.",
)
CONVERTER_PREFIXES = ("key.converter.", "value.converter.", "header.converter.")
# org.apache.kafka.connect.json.JsonConverter's options (JsonConverterConfig, Kafka 3.7).
JSON_CONVERTER_3_7 = {"schemas.enable", "schemas.cache.size", "decimal.format",
                      "replace.null.with.default", "converter.type"}
#  - 3.5 "Kafka Connect Configs" (#connectconfigs: WorkerConfig, DistributedConfig and the
#    REST server's), and 8.2 "Running Kafka Connect" (offset.storage.file.filename for a
#    standalone worker): the worker's settings. offset.flush.interval.ms: "Interval at
#    which to try committing offsets for tasks", default 60000.
KAFKA_CONNECT_3_7_WORKER = {
    "bootstrap.servers", "client.dns.lookup", "key.converter", "value.converter",
    "header.converter", "task.shutdown.graceful.timeout.ms", "offset.flush.interval.ms",
    "offset.flush.timeout.ms", "plugin.path", "plugin.discovery", "config.providers",
    "connector.client.config.override.policy", "metrics.sample.window.ms",
    "metrics.num.samples", "metrics.recording.level", "metric.reporters",
    "auto.include.jmx.reporter", "topic.tracking.enable", "topic.tracking.allow.reset",
    "topic.creation.enable", "listeners", "rest.advertised.host.name",
    "rest.advertised.port", "rest.advertised.listener", "access.control.allow.origin",
    "access.control.allow.methods", "admin.listeners", "rest.extension.classes",
    "response.http.headers.config", "group.id", "session.timeout.ms",
    "heartbeat.interval.ms", "rebalance.timeout.ms", "worker.sync.timeout.ms",
    "worker.unsync.backoff.ms", "offset.storage.topic", "offset.storage.partitions",
    "offset.storage.replication.factor", "config.storage.topic",
    "config.storage.replication.factor", "status.storage.topic",
    "status.storage.partitions", "status.storage.replication.factor", "connect.protocol",
    "scheduled.rebalance.max.delay.ms", "inter.worker.key.generation.algorithm",
    "inter.worker.key.size", "inter.worker.key.ttl.ms", "inter.worker.signature.algorithm",
    "inter.worker.verification.algorithms", "exactly.once.source.support",
    "offset.storage.file.filename",
}
# A connector may override these worker settings in its own config (8.2: "key.converter -
# (optional) Override the default key converter set by the worker").
CONNECTOR_OVERRIDABLE = {"key.converter", "value.converter", "header.converter"}


def connector_option_problems(config):
    """Every key of a connector's JSON that does not belong there, with why."""
    problems = []
    for key, value in config.items():
        if key in KAFKA_CONNECT_3_7_WORKER and key not in CONNECTOR_OVERRIDABLE:
            problems.append(f"{key}: a Kafka Connect worker setting, ignored in a connector's config")
            continue
        prefix = next((p for p in CONVERTER_PREFIXES if key.startswith(p)), None)
        if prefix:
            converter = config.get(prefix[:-1])
            option = key[len(prefix):]
            if converter != "org.apache.kafka.connect.json.JsonConverter":
                problems.append(f"{key}: no {prefix[:-1]} it could configure")
            elif option not in JSON_CONVERTER_3_7:
                problems.append(f"{key}: JsonConverter has no option {option}")
            continue
        documented = (
            key in DEBEZIUM_POSTGRESQL_2_7
            or key in KAFKA_CONNECT_3_7_CONNECTOR
            or key.startswith(KAFKA_CONNECT_3_7_CONNECTOR_PREFIXES)
            or any(re.fullmatch(p, key) for p in DEBEZIUM_POSTGRESQL_2_7_PATTERNS)
        )
        if not documented:
            problems.append(f"{key}: not an option of the Debezium PostgreSQL connector or of Kafka Connect")
            continue
        allowed = DEBEZIUM_POSTGRESQL_2_7_VALUES.get(key)
        if allowed is not None and value not in allowed:
            problems.append(f"{key}: {value!r} is not one of its documented values")
    if config.get("connector.class") != "io.debezium.connector.postgresql.PostgresConnector":
        problems.append("connector.class: not Debezium's PostgreSQL connector")
    return problems


def worker_option_problems(props):
    return [
        f"{k}: not a Kafka Connect worker option" for k in props if k not in KAFKA_CONNECT_3_7_WORKER
    ]


def sections(text):
    """The listing cut where it changes language: (source SQL, connector JSON text, worker
    properties {key: value}, the rest: comments and SQL)."""
    lines = text.splitlines()
    start = lines.index("{")
    end = lines.index("}", start)
    source = "\n".join(lines[:start])
    connector = "\n".join(lines[start:end + 1])
    worker = {}
    rest = lines[end + 1:]
    for line in rest:
        m = re.fullmatch(r"--\s+([a-z][\w.]*)=(\S+)", line)
        if m:
            worker[m.group(1)] = m.group(2)
    return source, connector, worker, "\n".join(rest)


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_the_connector_config_holds_only_its_own_documented_options(entry):
    _, connector, worker, rest = sections(entry["text"])
    config = json.loads(connector)
    assert connector_option_problems(config) == []
    # The worker's settings are printed as the worker's, with the interval the page uses.
    assert "-- Kafka Connect worker" in rest
    assert worker_option_problems(worker) == []
    assert set(worker) >= {"offset.flush.interval.ms", "offset.storage.topic"}
    assert int(worker["offset.flush.interval.ms"]) > 0
    # Deletes are followed by tombstones: stated, and true of the config (default true).
    assert config.get("tombstones.on.delete", True) is True


# The connector JSON the page printed before issue 22: a worker setting inside it.
OLD_CONNECTOR = """{
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "plugin.name": "pgoutput",  "publication.name": "dbz_orders",
  "database.dbname": "shop",  "topic.prefix": "shop",
  "table.include.list": "public.orders",
  "snapshot.mode": "initial",
  "offset.flush.interval.ms": 5000,
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": false,
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": false
}"""


def test_the_check_rejects_a_worker_setting_in_the_connector_config():
    problems = connector_option_problems(json.loads(OLD_CONNECTOR))
    assert problems == [
        "offset.flush.interval.ms: a Kafka Connect worker setting, ignored in a connector's config"
    ]
    # And other misplacements or inventions.
    assert connector_option_problems({
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "offset.storage.topic": "x", "slot.nme": "x", "value.converter.schemas.enable": False,
        "snapshot.mode": "sometimes",
    }) == [
        "offset.storage.topic: a Kafka Connect worker setting, ignored in a connector's config",
        "slot.nme: not an option of the Debezium PostgreSQL connector or of Kafka Connect",
        "value.converter.schemas.enable: no value.converter it could configure",
        "snapshot.mode: 'sometimes' is not one of its documented values",
    ]
    assert worker_option_problems({"tombstones.on.delete": "true"}) == [
        "tombstones.on.delete: not a Kafka Connect worker option"
    ]


# ---------------------------------------------------------------------------------------
# Kafka's default partitioner (murmur2 of the key bytes, made positive, modulo the
# partition count), to route the events as the page says.

def murmur2(data):
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n = len(data) // 4
    for i in range(n):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[4 * n:]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h >= 1 << 31 else h


def test_murmur2_matches_kafkas_published_vectors():
    # The vectors of Kafka's own UtilsTest.
    for data, want in [(b"21", -973932308), (b"foobar", -790332482), (b"abc", 479470107),
                       (b"a-little-bit-long-string", -985981536)]:
        assert murmur2(data) == want


def partition_of(key_bytes, partitions):
    return (murmur2(key_bytes) & 0x7FFFFFFF) % partitions


# ---------------------------------------------------------------------------------------
# (b) The SQL on PostgreSQL 15.

SOURCE_DDL = """CREATE TABLE orders (
    id bigint PRIMARY KEY, user_id integer NOT NULL, amount_cents integer NOT NULL,
    status text NOT NULL, updated_at timestamp(3) NOT NULL DEFAULT now())"""
TARGET_DDL = """CREATE TABLE orders_replica (
    id bigint PRIMARY KEY, user_id integer, amount_cents integer, status text,
    updated_at timestamp(3), deleted boolean NOT NULL DEFAULT false, source_lsn bigint)"""
COLUMNS = ("id", "user_id", "amount_cents", "status", "updated_at")
EPOCH = datetime.datetime(1970, 1, 1)


def bind(sql):
    """The page's :name parameters as psycopg2's %(name)s."""
    return re.sub(r"(?<![:\w]):([a-z_]+)\b", r"%(\1)s", sql.replace("%", "%%"))


def sink_statements(rest):
    """The sink's statements, in order, as printed (comments removed)."""
    return [
        s for s, _ in statements(rest)
        if s.split(None, 1)[0].upper() in ("MERGE", "INSERT", "DELETE")
    ]


def poll_statement(rest):
    return next(s for s, _ in statements(rest) if s.upper().startswith("SELECT"))


def as_ms(ts):
    return round((ts - EPOCH).total_seconds() * 1000)


def row_json(row):
    return None if row is None else dict(zip(COLUMNS, row[:4] + (as_ms(row[4]),)))


class Source:
    """The source table on PostgreSQL, each change its own transaction, turned into the
    change event Debezium would send: key {"id": …}; value before, after, source (lsn,
    txId, ts_ms), op. With REPLICA IDENTITY FULL a delete's `before` is the whole row;
    updated_at (timestamp(3)) is epoch milliseconds, as Debezium's default
    time.precision.mode sends it. source.lsn is the WAL position right after the change."""

    def __init__(self, dsn, source_sql):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        cur = self.conn.cursor()
        cur.execute(SOURCE_DDL)
        publications = []
        for stmt, _ in statements(source_sql):
            cur.execute(stmt)
            m = re.match(r"CREATE PUBLICATION (\w+) FOR TABLE (\w+)", stmt)
            if m:
                publications.append(m.groups())
        if source_sql:
            # The setup did what its comment says: whole rows in the WAL, and the table
            # published. A publication belongs to the database, not to this test's schema:
            # dropped once checked.
            cur.execute("SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass")
            assert cur.fetchone()[0] == "f"
            assert publications, "the listing publishes the table"
            for name, table in publications:
                cur.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = %s", (name,))
                assert [r[0] for r in cur.fetchall()] == [table]
                cur.execute(f"DROP PUBLICATION {name}")
        self.events = []
        self.next_id = 1

    def _change(self, op, sql, args, row_id):
        cur = self.conn.cursor()
        cur.execute("BEGIN")
        cur.execute("SELECT id, user_id, amount_cents, status, updated_at FROM orders WHERE id = %s", (row_id,))
        before = cur.fetchone()
        cur.execute(sql + " RETURNING id, user_id, amount_cents, status, updated_at", args)
        after = cur.fetchone() if op != "d" else None
        cur.execute("SELECT pg_current_wal_insert_lsn() - '0/0', txid_current()")
        lsn, tx = cur.fetchone()
        cur.execute("COMMIT")
        self.events.append(({"id": row_id}, {
            "before": row_json(before), "after": row_json(after),
            "source": {"connector": "postgresql", "db": "shop", "schema": "public",
                       "table": "orders", "lsn": int(lsn), "txId": tx,
                       "ts_ms": int(time.time() * 1000), "snapshot": "false"},
            "op": op, "ts_ms": int(time.time() * 1000)}))

    def insert(self, rng):
        i = self.next_id
        self.next_id += 1
        self._change("c", "INSERT INTO orders (id, user_id, amount_cents, status, updated_at) "
                     "VALUES (%s, %s, %s, 'created', now())", (i, rng.randint(1, 500), rng.randint(500, 50000)), i)

    def update(self, row_id, rng):
        self._change("u", "UPDATE orders SET status = %s, amount_cents = amount_cents - %s, "
                     "updated_at = now() WHERE id = %s",
                     (rng.choice(["paid", "shipped", "cancelled"]), rng.randint(1, 99), row_id), row_id)

    def delete(self, row_id):
        self._change("d", "DELETE FROM orders WHERE id = %s", (row_id,), row_id)

    def live_ids(self):
        cur = self.conn.cursor()
        cur.execute("SELECT id FROM orders ORDER BY id")
        return [r[0] for r in cur.fetchall()]

    def rows(self):
        cur = self.conn.cursor()
        cur.execute("SELECT id, user_id, amount_cents, status, updated_at FROM orders ORDER BY id")
        return cur.fetchall()


def history(dsn, source_sql, seed, changes=120):
    """A source that went through inserts, updates and deletes of recent orders."""
    rng = random.Random(seed)
    src = Source(dsn, source_sql)
    for _ in range(changes):
        live = src.live_ids()[-12:]
        roll = rng.random()
        if live and roll < 0.2:
            src.delete(rng.choice(live))
        elif live and roll < 0.65:
            src.update(rng.choice(live), rng)
        else:
            src.insert(rng)
    return src


def topic(events, partitions=3, note_key=False):
    """The Kafka topic: each event on the partition of its key — Debezium's key JSON, as
    JsonConverter with schemas.enable false writes it, a delete followed by its tombstone
    (the same key, a null value); or, re-published by the note's handler, str(after.id)
    ('' for a delete) and no tombstones."""
    parts = [[] for _ in range(partitions)]
    for key, value in events:
        if note_key:
            k = str((value.get("after") or {}).get("id", "")).encode()
        else:
            k = json.dumps(key, separators=(",", ":")).encode()
        p = partition_of(k, partitions)
        parts[p].append((key, value))
        if not note_key and value["op"] == "d":
            parts[p].append((key, None))
    return parts


def deliveries(parts, rng, replay_from=None):
    """What the sink reads: the partitions interleaved arbitrarily (each in order), then —
    a sink crash — each partition re-read from an earlier offset: redeliveries, arriving
    after newer events of their rows."""
    cursors = [0] * len(parts)
    out = []
    while any(c < len(p) for c, p in zip(cursors, parts)):
        p = rng.choice([i for i, c in enumerate(cursors) if c < len(parts[i])])
        out.append(parts[p][cursors[p]])
        cursors[p] += 1
    if replay_from is not None:
        again = [part[int(len(part) * replay_from):] for part in parts]
        cursors = [0] * len(again)
        while any(c < len(p) for c, p in zip(cursors, again)):
            p = rng.choice([i for i, c in enumerate(cursors) if c < len(again[i])])
            out.append(again[p][cursors[p]])
            cursors[p] += 1
    return out


def bound(key, value, note_key):
    """The parameters of one change event, as the page's comments say: :id from the key,
    :lsn = source.lsn, the columns from after (before for op d). The note's sink takes
    :after_id from after.id, NULL for a delete."""
    row = value["after"] if value["op"] != "d" else value["before"]
    params = {
        "id": key["id"], "op": value["op"], "lsn": value["source"]["lsn"],
        "user_id": row["user_id"], "amount_cents": row["amount_cents"], "status": row["status"],
        "updated_at": EPOCH + datetime.timedelta(milliseconds=row["updated_at"]),
    }
    if note_key:
        params["after_id"] = (value["after"] or {}).get("id")
    return params


class Sink:
    """Runs the page's sink statements, exactly as printed, for each message it reads."""

    def __init__(self, dsn, rest, note_key):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute(TARGET_DDL)
        self.stmts = [bind(s) for s in sink_statements(rest)]
        self.note_key = note_key
        self.tombstones = 0

    def read(self, key, value):
        if value is None:
            # A tombstone: skipped (its offset is committed like any other).
            self.tombstones += 1
            return
        params = bound(key, value, self.note_key)
        if len(self.stmts) == 1:  # the guarded MERGE
            self.cur.execute(self.stmts[0], params)
        else:  # the plain upsert, and the delete for op d
            upsert, delete = self.stmts
            self.cur.execute(delete if value["op"] == "d" else upsert, params)

    def rows(self):
        self.cur.execute(
            "SELECT id, user_id, amount_cents, status, updated_at FROM orders_replica "
            "WHERE NOT deleted ORDER BY id")
        return self.cur.fetchall()


def guarded(rest):
    return any(s.upper().startswith("MERGE") for s in sink_statements(rest))


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_the_sink_statements_run_on_postgresql_as_the_page_says(entry, pg_db):
    wrong = known(entry["route"], entry["text"])
    if wrong:
        with pytest.raises(Exception, match=wrong.error):
            run_sink(pg_db, entry)
        return
    run_sink(pg_db, entry)


def run_sink(dsn, entry):
    source_sql, _, _, rest = sections(entry["text"])
    note_key = "after-id-key" in entry["pitfalls"]
    src = history(dsn, source_sql, seed=7)
    truth = src.rows()
    deleted = {v["before"]["id"] for _, v in src.events if v["op"] == "d"}
    assert deleted, "the history deletes some orders"
    rng = random.Random(11)
    parts = topic(src.events, note_key=note_key)
    sink = Sink(dsn, rest, note_key)
    if note_key:
        # The note's key: deletes match nothing and their orders live on in the target.
        for key, value in deliveries(parts, rng):
            sink.read(key, value)
        live = {r[0] for r in sink.rows()}
        assert live == {r[0] for r in truth} | deleted, "the page: deleted orders stay"
        return
    if guarded(rest):
        # Every partition in order, tombstones included: the target is the source.
        first = deliveries(parts, rng)
        for key, value in first:
            sink.read(key, value)
        assert sink.tombstones == len(deleted), "each delete's tombstone was read and skipped"
        assert sink.rows() == truth
        # Then a sink crash re-reads each partition from 40% on: every redelivered event is
        # older than (or the same as) its row's state, and after each one the target is
        # still the source.
        replay = deliveries(parts, rng, replay_from=0.4)[len(first):]
        assert any(v is None for _, v in replay) and any(v and v["op"] == "u" for _, v in replay)
        for key, value in replay:
            sink.read(key, value)
            assert sink.rows() == truth
        return
    # The plain upsert: right after an in-order pass, then a replay from the middle makes
    # rows go back in time and deleted orders come back, until the replay catches up.
    for key, value in deliveries(parts, rng):
        sink.read(key, value)
    assert sink.rows() == truth
    replay = deliveries([p[len(p) // 3:] for p in parts], rng)
    regressed = resurrected = 0
    truth_by_id = {r[0]: r for r in truth}
    for key, value in replay:
        sink.read(key, value)
        for row in sink.rows():
            if row[0] not in truth_by_id:
                resurrected += 1
            elif row != truth_by_id[row[0]]:
                regressed += 1
    assert regressed > 0, "an older version overwrote a newer one"
    assert resurrected > 0, "a deleted order came back"
    assert sink.rows() == truth, "once the replay catches up the rows agree again"


def test_a_handler_reading_op_fails_on_a_tombstone(pg_db):
    """Debezium follows each delete with a tombstone: the same key and a null value. A
    handler that reads event['op'] without skipping it fails there."""
    src = history(pg_db, "", seed=3, changes=40)
    messages = [m for part in topic(src.events) for m in part]
    tombstone = next(v for _, v in messages if v is None)
    with pytest.raises(TypeError, match="not subscriptable"):
        tombstone["op"]


# The MERGE the page printed before: untyped VALUES. For a delete, whose after is null,
# the binding leaves columns NULL and PostgreSQL types them text: the MERGE fails.
OLD_MERGE = """MERGE INTO orders_replica AS t
USING (VALUES (:id, :after_id, :op, :lsn, :user_id, :amount_cents, :status, :updated_at))
  AS e(id, after_id, op, lsn, user_id, amount_cents, status, updated_at)
ON t.id = e.id
WHEN MATCHED AND e.lsn <= t.source_lsn THEN
  DO NOTHING
WHEN MATCHED AND e.op = 'd' THEN
  UPDATE SET deleted = true, source_lsn = e.lsn
WHEN MATCHED THEN
  UPDATE SET user_id = e.user_id, amount_cents = e.amount_cents, status = e.status,
             updated_at = e.updated_at, deleted = false, source_lsn = e.lsn
WHEN NOT MATCHED AND e.op = 'd' THEN
  INSERT (id, deleted, source_lsn) VALUES (e.id, true, e.lsn)
WHEN NOT MATCHED THEN
  INSERT (id, user_id, amount_cents, status, updated_at, deleted, source_lsn)
  VALUES (e.id, e.user_id, e.amount_cents, e.status, e.updated_at, false, e.lsn);"""


def test_the_check_rejects_the_old_untyped_merge(pg_db):
    conn = psycopg2.connect(pg_db)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute(TARGET_DDL)
    stmt = bind(OLD_MERGE.rstrip(";"))
    cur.execute(stmt, {"id": 1, "after_id": 1, "op": "c", "lsn": 10, "user_id": 7,
                       "amount_cents": 500, "status": "created",
                       "updated_at": datetime.datetime(2024, 1, 1)})
    with pytest.raises(psycopg2.Error, match="is of type integer but expression is of type text"):
        cur.execute(stmt, {"id": 1, "after_id": None, "op": "d", "lsn": 20, "user_id": None,
                           "amount_cents": None, "status": None, "updated_at": None})


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_the_polling_query_misses_a_late_commit_and_a_tie(entry, pg_db):
    """The page's poll, as printed, with :last_poll = the largest updated_at copied so far,
    against real transactions whose updated_at is now() (the transaction's start)."""
    _, _, _, rest = sections(entry["text"])
    poll_sql = bind(poll_statement(rest))
    assert "updated_at = now(), the transaction's start" in rest
    assert ":last_poll = the largest updated_at copied so far" in rest
    writer = psycopg2.connect(pg_db)
    writer.autocommit = True
    w = writer.cursor()
    w.execute(SOURCE_DDL)
    w.execute("INSERT INTO orders SELECT g, g, 1000, 'created', now() - interval '1 day' "
              "FROM generate_series(1, 20) g")
    w.execute("SELECT max(updated_at) FROM orders")
    state = {"watermark": w.fetchone()[0], "copied": {}}

    def poll():
        cur = writer.cursor()
        cur.execute(poll_sql, {"last_poll": state["watermark"]})
        rows = cur.fetchall()
        for r in rows:
            state["copied"][r[0]] = r
            state["watermark"] = max(state["watermark"], r[4])
        return {r[0] for r in rows}

    slow = psycopg2.connect(pg_db)
    fast = psycopg2.connect(pg_db)
    # A slow transaction begins, then a fast one begins later, changes another row and
    # commits; a poll copies the fast one; then the slow one commits.
    s, f = slow.cursor(), fast.cursor()
    s.execute("UPDATE orders SET status = 'paid', updated_at = now() WHERE id = 1")
    time.sleep(0.01)
    f.execute("UPDATE orders SET status = 'paid', updated_at = now() WHERE id = 2")
    fast.commit()
    assert poll() == {2}
    slow.commit()
    assert poll() == set() and poll() == set(), "the late commit is never selected"
    w.execute("SELECT status FROM orders WHERE id = 1")
    assert w.fetchone()[0] == "paid" and state["copied"].get(1) is None

    # A tie: two transactions whose now() rounds to the same millisecond; the one that
    # commits after the poll has updated_at = :last_poll, which > leaves out.
    for _ in range(2000):
        s.execute("SELECT now()::timestamp(3)")
        a = s.fetchone()[0]
        f.execute("SELECT now()::timestamp(3)")
        b = f.fetchone()[0]
        if a == b and a > state["watermark"]:
            break
        slow.rollback()
        fast.rollback()
    else:
        pytest.fail("no two transactions began in the same millisecond")
    s.execute("UPDATE orders SET status = 'shipped', updated_at = now() WHERE id = 3")
    f.execute("UPDATE orders SET status = 'shipped', updated_at = now() WHERE id = 4")
    fast.commit()
    assert poll() == {4}
    slow.commit()
    w.execute("SELECT updated_at FROM orders WHERE id = 3")
    assert w.fetchone()[0] == state["watermark"], "tied with :last_poll"
    assert poll() == set(), "the tied row is never selected"
    for c in (slow, fast, writer):
        c.close()


# ---------------------------------------------------------------------------------------
# (c) The note's pitfall in a real Python handler.

NOTE_KEYED = [e for e in ALL if "after-id-key" in e["pitfalls"]]


@pytest.mark.parametrize("entry", NOTE_KEYED, ids=ids(NOTE_KEYED))
def test_the_notes_after_id_key_fails_on_a_delete_as_the_page_says(entry, pg_db):
    src = history(pg_db, "", seed=5, changes=60)
    delete = next(v for _, v in src.events if v["op"] == "d")
    update = next(v for _, v in src.events if v["op"] == "u")
    # The note's unguarded read, as the panel's note quotes it: None, then .get raises.
    quoted = re.search(r"in Python (event\.get\('after', \{\}\)) returns None and \.get raises",
                       entry["note"])
    assert quoted, entry["note"]
    assert eval(quoted.group(1), {}, {"event": delete}) is None
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'get'"):
        eval(quoted.group(1) + ".get('id')", {}, {"event": delete})
    # The guarded key the listing prints: '' for a delete, the id otherwise.
    line = next(l for l in entry["text"].splitlines() if "key = str(" in l)
    expr = re.search(r"key = (str\(.*\))\s+--", line).group(1)
    assert eval(expr, {}, {"event": delete}) == ""
    assert eval(expr, {}, {"event": update}) == str(update["after"]["id"])
    # On a tombstone (value None) even the guarded form fails: the handler must skip it.
    with pytest.raises(AttributeError):
        eval(expr, {}, {"event": None})
    # The empty key has one home, whatever partition the row's other events use.
    n = int(re.search(r"(\d+) partitions?,", entry["text"]).group(1))
    homes = {partition_of(str(v["after"]["id"]).encode(), n) for _, v in src.events if v["after"]}
    if n > 1:
        assert homes - {partition_of(b"", n)}, "some rows' changes live on another partition"
