"""/cqrs: every listing runs against a fake Kafka client shaped like kafka-python, with its
write model, outbox and read model on the run's real PostgreSQL 15.

LIMIT: no Kafka broker installs here, so the Kafka side is a small in-memory fake
(`FakeKafka` below), not a broker. It has kafka-python's API shape, checked against the
client's own documentation and source (kafka-python's KafkaConsumer page on Read the Docs,
kafka/consumer/group.py, kafka/consumer/fetcher.py, kafka/structs.py,
kafka/producer/future.py): `KafkaConsumer(*topics, **configs)` and `KafkaProducer(**configs)`
refuse unknown config names (KafkaConfigurationError); `poll(timeout_ms=0,
max_records=None)` returns a dict {TopicPartition: [ConsumerRecord, ...]}, records with the
client's field names (`.partition`, `.offset`, `.value`...), offsets counting per
partition; `commit()` commits the positions the last polls reached; `send(topic,
value=None, key=None, ...)` returns a future whose `get(timeout=None)` gives a
RecordMetadata (`.partition`, `.offset`). The fake spreads keys over 3 partitions with a
stable hash (the real client uses murmur2; which partition a key lands on does not matter
here, only that offsets are per partition). What it cannot show: broker behaviour
(rebalances, retries, transactions, real retention and compaction): retention and
compaction are modelled as "records below an offset are gone" and "only each key's newest
record is kept".

A listing calls domain code it does not show (write_db and read_db, load_order, save_order,
Order.decide/apply, apply_to_orders_by_user, wait_for): DOMAIN below defines it on
PostgreSQL. Each check runs DOMAIN and then the EXACT text the page shows. `wait_for`
cannot wait for another thread here (there is none): between two tries it runs the relay
(if the listing has one) and one projector pass, the work another process would do.

Checked: commands become events and every order's read-model row equals the write model
(one position per partition, equal to each partition's end); a refused command writes
nothing; the read after a write (stale at once; fresh after waiting for the version or the
(partition, offset) token); a redelivery (the consumer dies before its commit) is skipped
by an idempotent projection and counted twice by a plain one; the crash between the two
writes: save-then-send loses the event, the outbox only delays it, and a relay that dies
after a send and before its commit sends it again, which the read side skips; a rebuild
from offset 0 is right on a topic that kept everything and wrong after retention or
compaction; the note's two topics leave the read model empty.

Old wrong listings are kept as fixtures at the end; the checks must reject them."""

import collections
import contextlib
import copy
import json
import re
import sys
import types
import zlib

import psycopg2
import pytest

from conftest import ids, listings

ALL = listings("cqrs")

# --- the fake Kafka client (kafka-python's shape) ------------------------------------

TopicPartition = collections.namedtuple("TopicPartition", ["topic", "partition"])
ConsumerRecord = collections.namedtuple(
    "ConsumerRecord",
    ["topic", "partition", "leader_epoch", "offset", "timestamp", "timestamp_type", "key",
     "value", "headers", "checksum", "serialized_key_size", "serialized_value_size",
     "serialized_header_size"],
)
RecordMetadata = collections.namedtuple(
    "RecordMetadata",
    ["topic", "partition", "topic_partition", "offset", "timestamp", "checksum",
     "serialized_key_size", "serialized_value_size", "serialized_header_size"],
)

CONSUMER_CONFIGS = set(
    "bootstrap_servers client_id client_rack group_id group_instance_id key_deserializer "
    "value_deserializer enable_incremental_fetch_sessions fetch_max_wait_ms fetch_min_bytes "
    "fetch_max_bytes max_partition_fetch_bytes request_timeout_ms default_api_timeout_ms "
    "retry_backoff_ms reconnect_backoff_ms reconnect_backoff_max_ms "
    "max_in_flight_requests_per_connection auto_offset_reset enable_auto_commit "
    "auto_commit_interval_ms default_offset_commit_callback check_crcs isolation_level "
    "allow_auto_create_topics metadata_max_age_ms client_dns_lookup "
    "partition_assignment_strategy max_poll_records max_poll_interval_ms session_timeout_ms "
    "heartbeat_interval_ms receive_buffer_bytes send_buffer_bytes receive_message_max_bytes "
    "socket_options consumer_timeout_ms security_protocol ssl_context ssl_check_hostname "
    "ssl_cafile ssl_certfile ssl_keyfile ssl_crlfile ssl_password ssl_ciphers api_version".split()
)
PRODUCER_CONFIGS = set(
    "bootstrap_servers client_id key_serializer value_serializer enable_idempotence "
    "transactional_id transaction_timeout_ms delivery_timeout_ms acks compression_type "
    "retries batch_size linger_ms partitioner connections_max_idle_ms max_block_ms "
    "max_request_size allow_auto_create_topics metadata_max_age_ms client_dns_lookup "
    "retry_backoff_ms request_timeout_ms default_api_timeout_ms receive_message_max_bytes "
    "receive_buffer_bytes send_buffer_bytes socket_options reconnect_backoff_ms "
    "reconnect_backoff_max_ms max_in_flight_requests_per_connection security_protocol "
    "ssl_context ssl_check_hostname ssl_cafile ssl_certfile ssl_keyfile ssl_crlfile "
    "ssl_password ssl_ciphers api_version".split()
)


class KafkaConfigurationError(Exception):
    pass


class Drained(BaseException):
    """Raised by poll() when nothing is left to read: ends a listing's `while True`."""


class Crash(BaseException):
    """A process dying at an injected point."""


class FakeKafka:
    PARTITIONS = 3

    def __init__(self):
        # topic -> partition -> {offset: (key bytes, value bytes)}; log start per partition
        self.logs = collections.defaultdict(lambda: [dict() for _ in range(self.PARTITIONS)])
        self.ends = collections.defaultdict(lambda: [0] * self.PARTITIONS)
        self.committed = {}            # (group, TopicPartition) -> next offset
        self.crash_on_send = None      # "before" (no record) or "after" (record, no reply)
        self.crash_on_commit = False

    def module(self):
        broker = self
        m = types.ModuleType("kafka")

        class FutureRecordMetadata:
            def __init__(self, meta):
                self._meta = meta

            def get(self, timeout=None):
                return self._meta

        class KafkaProducer:
            def __init__(self, **configs):
                extra = set(configs) - PRODUCER_CONFIGS
                if extra:
                    raise KafkaConfigurationError(f"Unrecognized configs: {extra}")
                self.config = configs

            def send(self, topic, value=None, key=None, headers=None, partition=None,
                     timestamp_ms=None):
                k = self.config.get("key_serializer", lambda x: x)(key) if key is not None else None
                v = self.config.get("value_serializer", lambda x: x)(value)
                assert k is None or isinstance(k, bytes), "keys must be serialized to bytes"
                assert isinstance(v, bytes), "values must be serialized to bytes"
                if broker.crash_on_send == "before":
                    broker.crash_on_send = None
                    raise Crash("the process died before the send")
                p = partition if partition is not None else zlib.crc32(k or b"") % broker.PARTITIONS
                offset = broker.ends[topic][p]
                broker.logs[topic][p][offset] = (k, v)
                broker.ends[topic][p] += 1
                if broker.crash_on_send == "after":
                    broker.crash_on_send = None
                    raise Crash("the process died after the broker took the record")
                return FutureRecordMetadata(RecordMetadata(
                    topic, p, TopicPartition(topic, p), offset, 0, None, len(k or b""), len(v), -1))

            def flush(self, timeout=None):
                pass

        class KafkaConsumer:
            def __init__(self, *topics, **configs):
                extra = set(configs) - CONSUMER_CONFIGS
                if extra:
                    raise KafkaConfigurationError(f"Unrecognized configs: {extra}")
                self.group = configs.get("group_id")
                self.deserialize = configs.get("value_deserializer") or (lambda v: v)
                self.reset = configs.get("auto_offset_reset", "latest")
                self.tps = [TopicPartition(t, p) for t in topics for p in range(broker.PARTITIONS)]
                self.positions = {}
                for tp in self.tps:
                    start = broker.start(tp)
                    c = broker.committed.get((self.group, tp))
                    if c is None:
                        c = start if self.reset == "earliest" else broker.ends[tp.topic][tp.partition]
                    self.positions[tp] = max(c, start)

            def poll(self, timeout_ms=0, max_records=None, update_offsets=True):
                if timeout_ms < 0:
                    raise ValueError("Timeout must not be negative")
                if max_records is not None and (not isinstance(max_records, int) or max_records <= 0):
                    raise ValueError("max_records must be a positive integer")
                left = max_records or 500
                out = {}
                for tp in self.tps:
                    log = broker.logs[tp.topic][tp.partition]
                    end = broker.ends[tp.topic][tp.partition]
                    pos = max(self.positions[tp], broker.start(tp))
                    recs = []
                    while pos < end and left > 0:
                        if pos in log:        # a compacted topic has gaps in its offsets
                            k, v = log[pos]
                            recs.append(ConsumerRecord(
                                tp.topic, tp.partition, 0, pos, 0, 0, k, self.deserialize(v),
                                [], None, len(k or b""), len(v), -1))
                            left -= 1
                        pos += 1
                    self.positions[tp] = pos
                    if recs:
                        out[tp] = recs
                if not out:
                    raise Drained()
                return out

            def commit(self, offsets=None, timeout_ms=None):
                if broker.crash_on_commit:
                    broker.crash_on_commit = False
                    raise Crash("the consumer died before its commit")
                for tp, pos in self.positions.items():
                    broker.committed[(self.group, tp)] = pos

            def close(self, autocommit=True, timeout_ms=None):
                pass

        m.KafkaProducer = KafkaProducer
        m.KafkaConsumer = KafkaConsumer
        m.TopicPartition = TopicPartition
        return m

    def start(self, tp):
        log = self.logs[tp.topic][tp.partition]
        return min(log) if log else self.ends[tp.topic][tp.partition]

    def reset_group(self, group):
        """kafka-consumer-groups --reset-offsets --to-earliest: forget the group's offsets."""
        for key in [k for k in self.committed if k[0] == group]:
            del self.committed[key]

    def retain_from(self, topic, keep):
        """Retention deleted each partition's oldest records: keep the newest `keep`."""
        for log in self.logs[topic]:
            for off in sorted(log)[:-keep] if keep else list(log):
                del log[off]

    def compact(self, topic):
        """Log compaction: only each key's newest record stays."""
        for log in self.logs[topic]:
            newest = {}
            for off in sorted(log):
                newest[log[off][0]] = off
            for off in list(log):
                if newest[log[off][0]] != off:
                    del log[off]


# --- the domain code a listing calls -------------------------------------------------

DOMAIN_TABLES = """
CREATE TABLE orders (order_id BIGINT PRIMARY KEY, user_id BIGINT, status TEXT NOT NULL,
                     items INT NOT NULL, total_cents BIGINT NOT NULL,
                     paid_cents BIGINT NOT NULL, version INT NOT NULL);
CREATE TABLE orders_by_user (order_id BIGINT PRIMARY KEY, user_id BIGINT,
                             status TEXT NOT NULL, total_cents BIGINT NOT NULL,
                             version INT NOT NULL);
"""

DOMAIN = r'''
from dataclasses import dataclass, replace


class Rejected(Exception):
    pass


@dataclass(frozen=True)
class Cmd:
    order_id: int
    kind: str      # create, add, pay, ship, cancel
    arg: int = 0   # user id (create) or cents (add, pay)


@dataclass(frozen=True)
class Order:
    order_id: int
    user_id: int = 0
    status: str = ""
    items: int = 0
    total_cents: int = 0
    paid_cents: int = 0
    version: int = 0

    def decide(self, cmd):
        if cmd.kind == "create":
            if self.status:
                raise Rejected("the order already exists")
            return {"type": "OrderCreated", "user_id": cmd.arg}
        if not self.status:
            raise Rejected("no such order")
        if cmd.kind in ("add", "pay") and self.status != "open":
            raise Rejected(f"the order is {self.status}, not open")
        if cmd.kind == "add":
            return {"type": "ItemAdded", "amount_cents": cmd.arg}
        if cmd.kind == "pay":
            if self.items == 0 or cmd.arg != self.total_cents:
                raise Rejected("the payment does not match the order's total")
            return {"type": "OrderPaid", "amount_cents": cmd.arg}
        if cmd.kind == "ship":
            if self.status != "paid":
                raise Rejected(f"the order is {self.status}, not paid")
            return {"type": "OrderShipped"}
        if cmd.kind == "cancel":
            if self.status not in ("open", "paid"):
                raise Rejected(f"the order is {self.status}")
            return {"type": "OrderCancelled"}
        raise ValueError(cmd.kind)

    def apply(self, e):
        t, v = e["type"], self.version + 1
        if t == "OrderCreated":
            return replace(self, status="open", user_id=e["user_id"], version=v)
        if t == "ItemAdded":
            return replace(self, items=self.items + 1,
                           total_cents=self.total_cents + e["amount_cents"], version=v)
        if t == "OrderPaid":
            return replace(self, status="paid", paid_cents=e["amount_cents"], version=v)
        return replace(self, status={"OrderShipped": "shipped",
                                     "OrderCancelled": "cancelled"}[t], version=v)


def load_order(cur, order_id):
    cur.execute("SELECT user_id, status, items, total_cents, paid_cents, version"
                " FROM orders WHERE order_id = %s FOR UPDATE", (order_id,))
    row = cur.fetchone()
    return Order(order_id, *row) if row else Order(order_id)


def save_order(cur, o):
    cur.execute("INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (order_id) DO UPDATE SET user_id = EXCLUDED.user_id,"
                " status = EXCLUDED.status, items = EXCLUDED.items,"
                " total_cents = EXCLUDED.total_cents, paid_cents = EXCLUDED.paid_cents,"
                " version = EXCLUDED.version",
                (o.order_id, o.user_id, o.status, o.items, o.total_cents, o.paid_cents,
                 o.version))


def apply_to_orders_by_user(cur, e, skip_seen=True):
    """Applies one event to the order's row; with skip_seen, an event whose version the
    row already has (sent twice by a relay) changes nothing."""
    cur.execute("SELECT user_id, status, total_cents, version FROM orders_by_user"
                " WHERE order_id = %s FOR UPDATE", (e["order_id"],))
    row = cur.fetchone() or (0, "", 0, 0)
    user, status, total, version = row
    if skip_seen and e["version"] <= version:
        return
    t = e["type"]
    if t == "OrderCreated":
        user, status = e["user_id"], "open"
    elif t == "ItemAdded":
        total += e["amount_cents"]
    else:
        status = {"OrderPaid": "paid", "OrderShipped": "shipped",
                  "OrderCancelled": "cancelled"}[t]
    cur.execute("INSERT INTO orders_by_user VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (order_id) DO UPDATE SET user_id = EXCLUDED.user_id,"
                " status = EXCLUDED.status, total_cents = EXCLUDED.total_cents,"
                " version = EXCLUDED.version",
                (e["order_id"], user, status, total, version + 1))


def wait_for(db, sql, args, timeout_s):
    """The first row `sql` returns, once it returns one; between tries, PROGRESS() does
    what the relay and the projector would do meanwhile."""
    for _ in range(20):
        with db, db.cursor() as cur:
            cur.execute(sql, args)
            row = cur.fetchone()
        if row:
            return row
        PROGRESS()
    raise TimeoutError(f"gave up after {timeout_s} s")
'''


class Run:
    """One listing, loaded against a fresh fake broker and the test's database."""

    def __init__(self, text, dsn, extra=""):
        self.kafka = FakeKafka()
        sys.modules["kafka"] = self.kafka.module()
        self.dsn = dsn
        self.write_db = psycopg2.connect(dsn)
        self.read_db = psycopg2.connect(dsn)
        self.ns = {"__name__": "listing", "write_db": self.write_db, "read_db": self.read_db,
                   "PROGRESS": self.progress}
        exec(compile(DOMAIN, "<domain>", "exec"), self.ns)
        exec(compile(text + extra, "listing", "exec"), self.ns)
        db = psycopg2.connect(dsn)
        with db, db.cursor() as cur:
            cur.execute(DOMAIN_TABLES)
            cur.execute(self.ns["SCHEMA"])
        db.close()
        self.outbox = "def relay():" in text
        self.cmd = self.ns["Cmd"]

    def close(self):
        self.write_db.close()
        self.read_db.close()
        sys.modules.pop("kafka", None)

    def handle(self, order_id, kind, arg=0):
        return self.ns["handle"](self.cmd(order_id, kind, arg))

    def relay(self):
        if self.outbox:
            self.ns["relay"]()

    def project(self):
        try:
            self.ns["project_orders_by_user"]()
        except Drained:
            pass

    def progress(self):
        self.relay()
        self.project()

    def rows(self, sql, args=()):
        db = psycopg2.connect(self.dsn)
        with db, db.cursor() as cur:
            cur.execute(sql, args)
            out = cur.fetchall()
        db.close()
        return out

    def write_model(self):
        return self.rows("SELECT order_id, status, total_cents, version FROM orders ORDER BY 1")

    def read_model(self):
        return self.rows("SELECT order_id, status, total_cents, version FROM orders_by_user"
                         " ORDER BY 1")

    def positions(self):
        return dict(self.rows("SELECT partition, next_offset FROM positions"
                              " WHERE model = 'orders_by_user'"))

    def workload(self, orders=range(1, 7)):
        """Orders created, given items, paid, some shipped or cancelled; one refusal."""
        for o in orders:
            self.handle(o, "create", 100 + o)
            for i in range(o % 3 + 1):
                self.handle(o, "add", 1000 * o + i)
        with pytest.raises(self.ns["Rejected"]):
            self.handle(orders[0], "pay", 1)
        for o in orders:
            total = sum(1000 * o + i for i in range(o % 3 + 1))
            self.handle(o, "pay", total)
            if o % 2:
                self.handle(o, "ship")
            elif o % 3 == 0:
                self.handle(o, "cancel")


def split_topics(text):
    return '"order_queries"' in text


def settings(entry):
    link = dict(kv.split("=", 1) for kv in entry["link"].split("&"))
    return {
        "reads": link.get("reads", "none"),
        "idempotent": link.get("idempotent", "on") == "on",
        "outbox": link.get("publish", "outbox") == "outbox",
    }


def check_projection(r):
    """Every order's read row equals its write row; one position per partition, at that
    partition's end."""
    r.workload()
    r.relay()
    r.project()
    events = sum(r.kafka.ends["order_events"])
    assert events == sum(v for (_, _, _, v) in r.write_model()), "one event per version"
    assert r.read_model() == r.write_model()
    assert r.positions() == {p: n for p, n in enumerate(r.kafka.ends["order_events"]) if n}
    assert len(r.positions()) > 1, "the orders' keys spread over several partitions"


def check_read_after_write(r, s):
    """A write, then the client's read. At once: stale (the projector has not run). Waiting
    for the version or for the (partition, offset) token: fresh."""
    version, token = r.handle(50, "create", 7)
    r.relay()
    if s["reads"] == "none":
        assert r.ns["my_order"](50) is None, "read at once: the read model has no row yet"
        r.project()
        assert r.ns["my_order"](50) == ("open", 0, 1)
    elif s["reads"] == "wait-version":
        assert r.ns["my_order"](50, version) == ("open", 0, 1)
    else:
        if not s["outbox"]:
            partition, offset = token
            assert r.kafka.logs["order_events"][partition][offset]
        assert r.ns["my_order"](50, token) == ("open", 0, 1)


def check_redelivery(r, s):
    """The consumer dies after applying a batch and before its commit: the next consumer
    gets the same records again. An idempotent projection skips them (its positions say
    so); a plain one applies them a second time."""
    r.handle(60, "create", 1)
    r.handle(60, "add", 500)
    r.relay()
    r.kafka.crash_on_commit = True
    with pytest.raises(Crash):
        r.ns["project_orders_by_user"]()
    r.project()
    row = r.rows("SELECT total_cents, version FROM orders_by_user WHERE order_id = 60")
    if s["idempotent"]:
        assert row == [(500, 2)]
    else:
        assert row[0][0] > 500, f"a plain projection counts the redelivered item twice: {row}"


def check_crash_between_the_two_writes(r, s):
    """The process dies between the database commit and the send. Save-then-send: the
    write model has the payment, the log never gets it. Outbox: the row waits, the relay
    sends it later. A relay that dies after a send and before its commit sends it again:
    the read side skips the version it has."""
    r.handle(70, "create", 2)
    r.handle(70, "add", 900)
    r.relay()
    r.project()
    before = sum(r.kafka.ends["order_events"])
    if s["outbox"]:
        r.handle(70, "pay", 900)           # committed with its outbox row; then the crash
        assert sum(r.kafka.ends["order_events"]) == before, "nothing sent yet"
        r.kafka.crash_on_send = "after"    # the relay dies after the broker took it
        with pytest.raises(Crash):
            r.relay()
        assert r.rows("SELECT count(*) FROM outbox WHERE kafka_offset IS NULL") == [(1,)]
        r.relay()                           # sends it again
        assert sum(r.kafka.ends["order_events"]) == before + 2, "sent twice (at least once)"
        r.project()
        row = r.rows("SELECT status, total_cents, version FROM orders_by_user WHERE order_id = 70")
        if s["idempotent"]:
            assert row == [("paid", 900, 3)]
            assert r.read_model() == r.write_model()
    else:
        r.kafka.crash_on_send = "before"   # saved, then the process dies before the send
        with pytest.raises(Crash):
            r.handle(70, "pay", 900)
        r.project()
        assert r.rows("SELECT status, version FROM orders WHERE order_id = 70") == [("paid", 3)]
        assert sum(r.kafka.ends["order_events"]) == before, "the event never reached Kafka"
        assert r.rows("SELECT status, version FROM orders_by_user WHERE order_id = 70") == [
            ("open", 2)], "the read model never learns of the payment"


def rebuild(r):
    """The read model is lost: empty it and its positions, reset the group, replay."""
    with r.read_db, r.read_db.cursor() as cur:
        cur.execute("TRUNCATE orders_by_user, positions")
    r.kafka.reset_group("orders_by_user")
    r.project()


def check_rebuild_needs_every_event(r, s):
    """A rebuild from offset 0 gives the same model on a topic that kept every event, and
    a wrong one once retention deleted old records or compaction kept only each order's
    newest event."""
    if not s["idempotent"] or not s["outbox"]:
        return
    rebuild(r)
    assert r.read_model() == r.write_model()
    kept = copy.deepcopy(r.kafka.logs)
    r.kafka.retain_from("order_events", keep=3)
    rebuild(r)
    assert r.read_model() != r.write_model(), "retention: the replay misses old events"
    r.kafka.logs = kept
    r.kafka.compact("order_events")
    rebuild(r)
    assert r.read_model() != r.write_model(), "compaction: only the last events are folded"


def run_listing(dsn, text, s, extra=""):
    r = Run(text, dsn, extra)
    try:
        if split_topics(text):
            # The note's two topics: nothing reaches the projector (the page's pitfall).
            r.workload()
            r.relay()
            r.project()
            assert r.read_model() == [] and r.positions() == {}
            assert sum(r.kafka.ends["order_commands"]) == sum(
                v for (_, _, _, v) in r.write_model()), "every event went to order_commands"
            if s["reads"] != "none":
                version, token = r.handle(80, "create", 1)
                with pytest.raises(TimeoutError):
                    r.ns["my_order"](80, version if s["reads"] == "wait-version" else token)
            return
        check_projection(r)
        check_read_after_write(r, s)
        check_redelivery(r, s)
        check_crash_between_the_two_writes(r, s)
        check_rebuild_needs_every_event(r, s)
    finally:
        r.close()


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_cqrs_listing_runs(entry, pg_db):
    run_listing(pg_db, entry["text"], settings(entry))


def test_the_listings_cover_every_setting():
    seen = {(s["reads"], s["idempotent"], s["outbox"], split_topics(e["text"]))
            for e in ALL for s in [settings(e)]}
    assert len(seen) == 3 * 2 * 2 * 2, sorted(seen)


def test_the_poll_shape_is_kafka_pythons():
    """The fake's poll() answer has the shape kafka-python documents."""
    k = FakeKafka()
    m = k.module()
    p = m.KafkaProducer(value_serializer=lambda v: v, key_serializer=lambda k: k)
    for i in range(5):
        p.send("t", value=b"%d" % i, key=b"k%d" % i).get(timeout=1)
    c = m.KafkaConsumer("t", group_id="g", auto_offset_reset="earliest")
    batch = c.poll(timeout_ms=0, max_records=10)
    assert isinstance(batch, dict)
    for tp, records in batch.items():
        assert isinstance(tp, TopicPartition) and tp.topic == "t"
        assert [r.offset for r in records] == list(range(len(records)))
        assert all(r.partition == tp.partition for r in records)
    with pytest.raises(KafkaConfigurationError):
        m.KafkaConsumer("t", group="g")


# Wrong listings the checks must reject (kept from before their fixes).

# The page's listing before issue 22 (default settings): save then send, poll()'s dict
# iterated as a list, one offset for the whole topic.
OLD_LISTING = '''# Command side: validate against the write model, then publish the event
def handle(cmd):
    order = write_db.load(cmd.order_id)
    event = order.decide(cmd)          # raises Rejected: nothing is published
    write_db.save(order.apply(event))
    pos = producer.send("order_events", key=cmd.order_id, value=event).get().offset
    return pos                          # the client's position token

# Read side: one consumer group per read model
consumer = KafkaConsumer("order_events", group_id="orders_by_user",
                         enable_auto_commit=False)
while True:
    batch = consumer.poll(timeout_ms=600000, max_records=8)
    for msg in batch:
        with read_db.transaction() as tx:
            if msg.offset <= tx.last_applied("orders_by_user"):
                continue                # redelivered: already in the model
            apply_to_orders_by_user(tx, msg.value)
            tx.set_last_applied("orders_by_user", msg.offset)
    consumer.commit()

# Read after write: straight from the read model (may be stale)
def my_order(order_id, token=None):
    return read_db.orders.get(order_id)
'''

# Today's projector with the old idea of one position for the whole topic.
OLD_ONE_OFFSET = '''
def project_orders_by_user():
    consumer = KafkaConsumer("order_events", group_id="orders_by_user",
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             value_deserializer=json.loads)
    while True:
        batches = consumer.poll(timeout_ms=600000, max_records=8)
        for tp, records in batches.items():
            for msg in records:
                with read_db, read_db.cursor() as cur:
                    cur.execute("SELECT coalesce(max(next_offset), 0) FROM positions"
                                " WHERE model = 'orders_by_user'")
                    if msg.offset < cur.fetchone()[0]:
                        continue
                    apply_to_orders_by_user(cur, msg.value, skip_seen=False)
                    cur.execute("INSERT INTO positions VALUES ('orders_by_user', 0, %s)"
                                " ON CONFLICT (model, partition) DO UPDATE"
                                " SET next_offset = EXCLUDED.next_offset", (msg.offset + 1,))
        consumer.commit()
'''


def test_the_checks_reject_the_old_wrong_listings(pg_db):
    # The old listing ran its consumer loop at import; with records waiting it iterates
    # the dict's TopicPartition keys as if they were records.
    k = FakeKafka()
    sys.modules["kafka"] = k.module()

    class OldReadDb:   # the old listing's invented read_db API, as far as it gets
        @contextlib.contextmanager
        def transaction(self):
            yield types.SimpleNamespace(last_applied=lambda name: -1,
                                        set_last_applied=lambda name, offset: None)

    try:
        for key in (b"1", b"2", b"3"):
            k.module().KafkaProducer().send("order_events", value=b"{}", key=key)
        for p in range(k.PARTITIONS):   # a running group with committed offsets
            k.committed[("orders_by_user", TopicPartition("order_events", p))] = 0
        ns = {"read_db": OldReadDb(), "write_db": None, "producer": None}
        exec("from kafka import KafkaConsumer\n", ns)
        with pytest.raises(AttributeError, match="'TopicPartition' object has no attribute 'offset'"):
            exec(compile(OLD_LISTING, "old", "exec"), ns)
    finally:
        sys.modules.pop("kafka", None)
    default = next(e for e in ALL if e["link"] == "v=1&seed=42&step=0")
    with pytest.raises(AssertionError):
        run_listing(pg_db, default["text"], settings(default), extra=OLD_ONE_OFFSET)


def test_save_then_send_loses_the_event_the_outbox_keeps(pg_db):
    """The dual write's failure, side by side with the outbox on one database."""
    direct = next(e for e in ALL if settings(e)["outbox"] is False and not split_topics(e["text"]))
    r = Run(direct["text"], pg_db)
    try:
        r.handle(1, "create", 1)
        r.kafka.crash_on_send = "before"
        with pytest.raises(Crash):
            r.handle(1, "add", 100)
        r.project()
        assert r.write_model() == [(1, "open", 100, 2)]
        assert r.read_model() == [(1, "open", 0, 1)]
    finally:
        r.close()
