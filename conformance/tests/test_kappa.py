"""/kappa (and the Kappa side of /compare/lambda-vs-kappa): every listing runs on a real
Flink (PyFlink 2.3's bundled jars, streaming mode), all of them in ONE runner start.

For each listing: its SET statements are executed, its Kafka tables' options are checked
against the Kafka SQL connector's documented options (flinksql.py), their WITH clauses are
swapped (source: a JSON-lines file of events this test writes; sink: a filesystem sink,
append-only like the Kafka sink), and its INSERT is planned (EXPLAIN). A listing that shows
`-- ERROR: <message>` under a statement must fail with exactly that message (the note's
source without a WATERMARK fails at planning). For one listing of each window kind and code
version the INSERT's query is also run to its end and its rows compared with what the page's
model says the job emits for the same events: windows fire when the watermark (latest event
time − the allowed delay) passes their end, rows behind it are dropped, a redelivered event
counts once, v1 counts every event's amount and v2 only paid ones. The page's model moves
the watermark on every event; Flink's watermark assigner sends a new watermark as soon as it
has advanced by more than 'pipeline.auto-watermark-interval' (200 ms by default), which here,
with events seconds apart, is on every event too. (Setting that interval to 0 turns
periodic watermarks off: then nothing is late until the end of input.)

Not checked: the DataStream side output the listing's comment names (no Flink SQL
equivalent), and the Kafka broker itself (no connector jar, no broker here)."""

import json
import pathlib
import re
import tempfile
from functools import lru_cache

import pytest

from conftest import MANIFEST, flink, ids, listings
from flinksql import check_kafka_options, set_step, swap_with, table_name
from ledger import known
from sqltext import statements

KAPPA_HEAD = "-- Flink SQL: revenue per window"


def kappa_listings():
    out = listings("kappa")
    if any(e["route"] == "compare/lambda-vs-kappa" for e in MANIFEST):
        out += [e for e in listings("compare/lambda-vs-kappa") if e["text"].startswith(KAPPA_HEAD)]
    return out


ALL = kappa_listings()
DIR = pathlib.Path(tempfile.mkdtemp(prefix="pipelab-kappa-"))
EVENTS = DIR / "orders.json"
T0 = 1_704_103_200_000  # 2024-01-01 10:00:00 UTC, in ms


def ts(ms):
    """A TIMESTAMP(3) as JSON carries it."""
    return utc(ms).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def utc(ms):
    import datetime

    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).replace(tzinfo=None)


def make_events():
    """A small stream with what the page shows: mostly in order, some events minutes late,
    a few far behind the watermark, redeliveries (same id, same content), created and paid
    orders of a few users with gaps between their sessions."""
    import random

    rnd = random.Random(7)
    events, t, eid = [], T0, 0
    for i in range(160):
        t += rnd.randint(5, 40) * 1000
        eid += 1
        late = rnd.random() < 0.15
        et = t - rnd.randint(60, 900) * 1000 if late else t
        if i in (60, 61, 62):  # a long pause: sessions of every user end
            t += 40 * 60_000
        e = {
            "event_id": eid,
            "user_id": 1 + rnd.randrange(4),
            "amount_cents": 100 * rnd.randint(1, 50),
            "status": rnd.choice(["created", "paid", "paid", "shipped"]),
            "event_time": et,
        }
        events.append(e)
        if rnd.random() < 0.05:
            events.append(dict(e))  # redelivered
    return events


EVENT_LIST = make_events()
EVENTS.write_text("".join(json.dumps({**e, "event_time": ts(e["event_time"])}) + "\n" for e in EVENT_LIST))


def params_of(text):
    """What the page's model needs from a listing: window kind and sizes, delay, version."""
    mins = r"INTERVAL '(\d+)' MINUTE(?:\(\d\))?"
    delay = re.search(r"event_time - INTERVAL '(\d+)' SECOND", text)
    m = re.search(r"TUMBLE\(TABLE orders, DESCRIPTOR\(event_time\), " + mins, text)
    if m:
        kind = ("tumbling", int(m.group(1)) * 60_000, None)
    elif m := re.search(r"HOP\(TABLE orders, DESCRIPTOR\(event_time\), " + mins + ", " + mins, text):
        kind = ("sliding", int(m.group(2)) * 60_000, int(m.group(1)) * 60_000)
    else:
        m = re.search(r"SESSION\(TABLE orders PARTITION BY user_id, DESCRIPTOR\(event_time\), " + mins, text)
        kind = ("session", int(m.group(1)) * 60_000, None)
    v2 = "status = 'paid'" in text
    return kind, int(delay.group(1)) * 1000 if delay else None, v2


def model(text):
    """The page's processor (core/src/patterns/kappa/processor.rs) on EVENT_LIST: the rows
    the job emits, as (window_start, window_end, [user], events, revenue)."""
    (kind, size, slide), delay, v2 = params_of(text)
    seen, open_, out, wm = set(), {}, [], None

    def closed(end):
        return wm is not None and end <= wm

    for e in EVENT_LIST:
        if e["event_id"] in seen:
            continue
        seen.add(e["event_id"])
        t = e["event_time"]
        rev = e["amount_cents"] if (not v2 or e["status"] == "paid") else 0
        if kind == "session":
            lone = [t, t + size, e["user_id"]]
            if not closed(lone[1]):
                total = [1, rev]
                merged = True
                while merged:
                    merged = False
                    for k in list(open_):
                        if k[2] == lone[2] and k[0] < lone[1] and lone[0] < k[1]:
                            lone = [min(k[0], lone[0]), max(k[1], lone[1]), lone[2]]
                            a = open_.pop(k)
                            total = [total[0] + a[0], total[1] + a[1]]
                            merged = True
                open_[tuple(lone)] = total
        else:
            step = slide or size
            last = t - t % step
            start = last - (size - 1) // step * step
            while start <= last:
                if start + size > t and not closed(start + size):
                    a = open_.setdefault((start, start + size, 0), [0, 0])
                    a[0] += 1
                    a[1] += rev
                start += step
        wm = t - delay if wm is None else max(wm, t - delay)
        for k in sorted(open_, key=lambda k: (k[1], k[0])):
            if k[1] <= wm:
                out.append((k, open_.pop(k)))
    out += sorted(open_.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    rows = []
    for (s, en, user), (n, rev) in out:
        row = [str(utc(s)), str(utc(en))] + ([str(user)] if kind == "session" else []) + [str(n), str(rev)]
        rows.append(row)
    return sorted(rows)


def prepared(text, n):
    """The listing's statements as runner steps (tables swapped), and what each must do:
    [(step, expected_error or None, role)]."""
    steps = []
    for stmt, comments in statements(text):
        err = next((c[len("-- ERROR:"):].strip() for c in comments if c.startswith("-- ERROR:")), None)
        up = stmt.upper()
        if up.startswith("SET"):
            steps.append((set_step(stmt), err, "set"))
        elif up.startswith("CREATE TABLE"):
            name = table_name(stmt)
            role = "source" if name == "orders" else "sink"
            check_kafka_options(stmt, role)
            if role == "source":
                new = f"WITH ('connector' = 'filesystem', 'path' = '{EVENTS}', 'format' = 'json')"
            else:
                new = f"WITH ('connector' = 'filesystem', 'path' = '{DIR}/out-{n}-{name}', 'format' = 'json')"
            steps.append(({"sql": f"DROP TABLE IF EXISTS {name}", "do": "execute"}, None, "drop"))
            steps.append(({"sql": swap_with(stmt, new), "do": "execute"}, err, "create"))
        elif up.startswith("INSERT"):
            steps.append(({"sql": stmt, "do": "explain"}, err, "insert"))
        else:
            raise AssertionError(f"a statement the test does not know: {stmt}")
    return steps


def collected(text):
    """The INSERT's query, to run to its end."""
    stmt = next(s for s, _ in statements(text) if s.upper().startswith("INSERT"))
    return re.sub(r"^INSERT INTO \w+\s*", "", stmt)


def samples():
    """One listing per window kind × version that has no pitfall: their queries are run."""
    chosen = {}
    for e in ALL:
        if e["pitfalls"] or "-- ERROR:" in e["text"]:
            continue
        (kind, _, _), _, v2 = params_of(e["text"])
        chosen.setdefault((kind, v2), e)
    return list(chosen.values())


@lru_cache(maxsize=None)
def run_all():
    """Every listing's steps (and the sampled queries) in one Flink start. Returns
    {file: [(step, expected_error, role, result)]} and {file: collected rows result}."""
    sampled = {e["file"] for e in samples()}
    steps, where = [], []
    for n, e in enumerate(ALL):
        for step, err, role in prepared(e["text"], n):
            where.append((e["file"], err, role))
            steps.append(step)
        if e["file"] in sampled:
            # Run right after its own tables are created (the next listing replaces them).
            where.append((e["file"], None, "collect"))
            steps.append({"sql": collected(e["text"]), "do": "collect"})
    results = flink(steps)
    per, rows = {}, {}
    for (file, err, role), step, result in zip(where, steps, results):
        if role == "collect":
            rows[file] = result
        else:
            per.setdefault(file, []).append((step, err, role, result))
    return per, rows


def check(entry_steps):
    for step, err, role, result in entry_steps:
        if err:
            assert not result["ok"], f"{step['sql']} should fail with {err}"
            assert result["error"] == err, (result["error"], err)
        else:
            assert result["ok"], (step["sql"], result.get("error"))


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_kappa_listing_plans_on_flink(entry):
    per, _ = run_all()
    steps = per[entry["file"]]
    assert any(role == "insert" for _, _, role, _ in steps), "a Kappa listing runs one INSERT"
    wrong = known(entry["route"], entry["text"])
    if wrong:
        with pytest.raises(AssertionError, match=wrong.error):
            check(steps)
        return
    check(steps)
    if entry["pitfalls"]:
        # The note's source: the page says the planner rejects the job.
        assert any(err for _, err, _, _ in steps), "the pitfall's listing shows the planner's error"


def test_the_pitfall_fails_at_planning_with_the_exact_error():
    """The note's source (no WATERMARK): the window TVF is refused at planning."""
    from_pitfall = [e for e in ALL if "latest-offset" in e["pitfalls"]]
    assert from_pitfall, "the pitfall's listings are among the page's"
    per, _ = run_all()
    for e in from_pitfall:
        inserts = [r for _, _, role, r in per[e["file"]] if role == "insert"]
        assert inserts and not inserts[0]["ok"]
        assert inserts[0]["error"] == (
            "org.apache.flink.table.api.ValidationException: The window function requires the "
            "timecol is a time attribute type, but is TIMESTAMP(3)."
        )


@pytest.mark.parametrize("entry", samples(), ids=ids(samples()))
def test_the_job_emits_what_the_page_says(entry):
    _, rows = run_all()
    got = rows[entry["file"]]
    assert got["ok"], got.get("error")
    assert all(r[0] == "+I" for r in got["rows"]), "a window aggregation emits final rows only"
    assert sorted(r[1:] for r in got["rows"]) == model(entry["text"])


# The old wrong listings: each must be rejected by the checks above.
OLD_NO_BROKERS = """CREATE TABLE orders (
  event_id BIGINT, user_id INT, amount_cents BIGINT, status STRING, event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '60' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.group.id' = 'revenue-v1',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'
);"""


def test_the_options_check_rejects_a_kafka_table_without_brokers():
    stmt = statements(OLD_NO_BROKERS)[0][0]
    with pytest.raises(AssertionError, match="properties.bootstrap.servers"):
        check_kafka_options(stmt, "source")
    good = stmt.replace("'topic' = 'orders',", "'topic' = 'orders', 'properties.bootstrap.servers' = 'k:9092',")
    check_kafka_options(good, "source")
    with pytest.raises(AssertionError, match="is not an option"):
        check_kafka_options(good.replace("'scan.startup.mode'", "'scan.start.mode'"), "source")


def test_the_old_pitfall_listing_is_rejected():
    """Before the fix the pitfall's listing claimed windows that never fire and showed no
    error under its INSERT: the same statements, expected to plan, fail on Flink."""
    n, e = next((n, e) for n, e in enumerate(ALL) if "latest-offset" in e["pitfalls"])
    old = e["text"].replace("event_time is not a time attribute", "event-time windows never fire")
    old = "\n".join(l for l in old.splitlines() if not l.startswith("-- ERROR:"))
    per, _ = run_all()
    expected = prepared(old, n)
    ran = per[e["file"]]
    assert [s["sql"] for s, _, _ in expected] == [s["sql"] for s, _, _, _ in ran]
    with pytest.raises(AssertionError):
        check([(s, err, role, r) for (s, err, role), (_, _, _, r) in zip(expected, ran)])
