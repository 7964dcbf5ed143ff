"""Shared by test_kappa.py and test_lambda.py: running the page's Flink SQL on a real Flink
without a Kafka broker.

The Kafka SQL connector jar is not part of PyFlink (it is on Maven only), so each Kafka
table's WITH clause is swapped for a connector PyFlink ships: the source reads a JSON-lines
file the test writes (the same columns, the same WATERMARK), an append sink becomes a
filesystem sink (append-only, as the Kafka sink is), an upsert sink a 'blackhole' (it
takes updates, as upsert-kafka does). Before the swap, every option the listing gives the
Kafka table is checked against the options the connector documents, listed below as data.
"""

import re

# Apache Flink, "Apache Kafka SQL Connector", section "Connector Options"
# (flink-connector-kafka docs/content/docs/connectors/table/kafka.md).
KAFKA_OPTIONS = {
    "connector", "topic", "topic-pattern", "properties.bootstrap.servers",
    "properties.group.id", "format", "key.format", "key.fields", "key.fields-prefix",
    "value.format", "value.fields-include", "scan.startup.mode",
    "scan.startup.specific-offsets", "scan.startup.timestamp-millis", "scan.bounded.mode",
    "scan.bounded.specific-offsets", "scan.bounded.timestamp-millis",
    "scan.topic-partition-discovery.interval", "sink.partitioner", "sink.semantic",
    "sink.delivery-guarantee", "sink.transactional-id-prefix", "sink.parallelism",
}
KAFKA_REQUIRED = {"connector", "properties.bootstrap.servers"}
KAFKA_ENUMS = {
    "scan.startup.mode": {"earliest-offset", "latest-offset", "group-offsets", "timestamp",
                          "specific-offsets"},
    "sink.delivery-guarantee": {"at-least-once", "exactly-once", "none"},
}
# Apache Flink, "Upsert Kafka SQL Connector", section "Connector Options"
# (flink-connector-kafka docs/content/docs/connectors/table/upsert-kafka.md).
UPSERT_KAFKA_OPTIONS = {
    "connector", "topic", "properties.bootstrap.servers", "key.format", "key.fields-prefix",
    "value.format", "value.fields-include", "sink.parallelism", "sink.buffer-flush.max-rows",
    "sink.buffer-flush.interval",
}
UPSERT_KAFKA_REQUIRED = {"connector", "topic", "properties.bootstrap.servers", "key.format",
                         "value.format"}

# Apache Flink, "Configuration" (execution.checkpointing.*, pipeline.*) and "Table API &
# SQL > Configuration" (table.exec.*): the keys the listings SET, and the one the test sets.
CONFIG_OPTIONS = {
    "execution.checkpointing.interval",
    "table.exec.state.ttl",
    "table.exec.source.idle-timeout",
    "pipeline.auto-watermark-interval",
}
SET = re.compile(r"\s*SET\s+'([^']+)'\s*=\s*'([^']*)'\s*", re.IGNORECASE)


def set_step(stmt):
    """A SQL-client SET as a runner step, its key checked against the documented options."""
    m = SET.fullmatch(stmt)
    assert m, f"not a SET 'key' = 'value' statement: {stmt}"
    assert m.group(1) in CONFIG_OPTIONS, f"'{m.group(1)}' is not a Flink option the test knows"
    return {"sql": stmt, "do": "set"}


WITH = re.compile(r"\bWITH\s*\(", re.IGNORECASE)
OPTION = re.compile(r"'([^']*)'\s*=\s*'([^']*)'")


def options(stmt):
    """The WITH options of a CREATE TABLE, in order."""
    m = list(WITH.finditer(stmt))
    if not m:
        return {}
    return dict(OPTION.findall(stmt[m[-1].end():]))


def check_kafka_options(stmt, role):
    """Asserts every option is one the connector documents, the required ones are there and
    enumerations hold documented values. `role` is "source" or "sink"."""
    opts = options(stmt)
    kind = opts.get("connector")
    if kind == "kafka":
        known, required = KAFKA_OPTIONS, set(KAFKA_REQUIRED)
        if role == "sink":
            required.add("topic")
        assert "format" in opts or "value.format" in opts, f"no format: {stmt}"
    elif kind == "upsert-kafka":
        known, required = UPSERT_KAFKA_OPTIONS, UPSERT_KAFKA_REQUIRED
        assert "PRIMARY KEY" in stmt, "upsert-kafka needs a PRIMARY KEY"
    else:
        raise AssertionError(f"not a Kafka table: {stmt}")
    for k in opts:
        if k.startswith("properties."):
            continue
        assert k in known, f"'{k}' is not an option of the {kind} connector"
    missing = required - set(opts)
    assert not missing, f"required option(s) {sorted(missing)} missing: {stmt}"
    for k, allowed in KAFKA_ENUMS.items():
        if k in opts:
            assert opts[k] in allowed, f"'{k}' = '{opts[k]}' is not one of {sorted(allowed)}"
    if opts.get("sink.delivery-guarantee") == "exactly-once":
        assert "sink.transactional-id-prefix" in opts, "exactly-once needs a transactional id prefix"
    if opts.get("scan.startup.mode") == "specific-offsets":
        assert "scan.startup.specific-offsets" in opts
    return opts


def swap_with(stmt, new_with):
    """The statement with its last WITH (...) clause replaced."""
    m = list(WITH.finditer(stmt))
    return stmt[:m[-1].start()] + new_with


def table_name(stmt):
    m = re.match(r"\s*CREATE\s+TABLE\s+(\w+)", stmt, re.IGNORECASE)
    return m.group(1) if m else None
