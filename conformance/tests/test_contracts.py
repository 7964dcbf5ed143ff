"""/contracts: every listing runs on Pydantic v2, record by record against the simulation.

The page shows its contract as a Pydantic model plus `cross_field` and `check`. Each
listing's exact text (from the manifest) is executed as a module; the simulation's own
records for a state showing that listing come from `pipelab-conformance contracts QUERY`
(each record's JSON as sent, its arrival, the page's verdict and every violation), and
`check(raw, arrived_at)` must give the same verdict and the same violations, record by
record. A violation is compared as (field, class): Pydantic names a type error by the
type it expected (`int_type`, `enum`, `is_instance_of`…) where the page says "wrong type",
"null" or "not in enum", so those share the class "invalid".

The page's claims checked on Pydantic itself:
- every violation is reported, the cross-field ones even when a field failed (question
  contracts-05: 4), while the same model with its cross-field rules in
  `@model_validator(mode="after")` methods reports 3 (the old listing, kept below as a
  fixture: the differential check rejects it);
- the note's status validator raises AttributeError, which `except ValidationError` does
  not catch: the pipeline stops at the first record whose status is valid, where the page
  stops; without a status field the model cannot be defined at all;
- a field with a default is filled in when left out, so a new required field with a
  default keeps the contract backward compatible, and each compatibility witness is
  judged by the two versions' models as the checker says.

Where Pydantic and the page's contract still differ (asserted in
`test_where_pydantic_differs`, on inputs the producer never sends): Pydantic reads a JSON
number with a fraction or an exponent for a Decimal through a binary float, so beyond
about 15 significant digits it is not exact (the page compares exactly); and its
AwareDatetime takes any RFC 3339 offset such as +01:00, where the page's timestamp is
YYYY-MM-DDTHH:MM:SSZ only.
"""

import functools
import json
import os
import pathlib
import subprocess
import sys
import types
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

import pydantic
import pytest

from conftest import ids, listings

ROOT = pathlib.Path(__file__).resolve().parents[2]
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
ALL = listings("contracts")


@functools.lru_cache(maxsize=None)
def binary():
    """pipelab-conformance, built once for the session (a `cargo run` per call would wait
    on cargo's lock, and rebuild, each time)."""
    built = os.environ.get("PIPELAB_CONFORMANCE_BIN")
    if built:
        return built
    cmd = [os.environ.get("CARGO", "cargo"), "build", "-q", "-p", "pipelab-conformance",
           "--message-format=json"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        m = json.loads(line)
        if (m.get("reason") == "compiler-artifact" and m.get("executable")
                and m["target"]["name"] == "pipelab-conformance"):
            return m["executable"]
    raise AssertionError("cargo built no pipelab-conformance binary")


@functools.lru_cache(maxsize=None)
def sim(query, next_contract=None, extra=None):
    """The simulation's run for `query` (see conformance/src/main.rs, contracts_run)."""
    cmd = [binary(), "contracts", query]
    if next_contract:
        cmd += ["--next", next_contract]
    if extra:
        cmd += ["--extra", extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def with_params(link, **changes):
    """`link` with some parameters changed (None removes one)."""
    params = dict(parse_qsl(link, keep_blank_values=True))
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = v
    return urlencode(params, safe=",:")


_loaded = 0


def load(text):
    """The listing's text, executed as a module."""
    global _loaded
    _loaded += 1
    name = f"contracts_listing_{_loaded}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(text, f"<{name}>", "exec"), module.__dict__)
    return module


def arrival(ms):
    return EPOCH + timedelta(milliseconds=int(ms))


SIM_CLASS = {
    "missing": "missing",
    "null": "invalid",
    "type": "invalid",
    "enum": "invalid",
    "min": "min",
    "max": "max",
    "unknown": "unknown",
    "future": "future",
    "before": "before",
    "required_when": "required_when",
}


def classify(errors):
    """A listing's errors as sorted (field, class) pairs."""
    out = []
    for e in errors:
        msg = e["msg"]
        loc = e.get("loc") or ()
        kind = e.get("type")
        if not loc and msg.startswith("Value error, "):
            # A model validator's error (the old listing): the rule's field leads the message.
            msg = msg[len("Value error, "):]
            loc = (msg.split()[0],)
        field = str(loc[0]) if loc else "(record)"
        if " is before " in msg:
            cls = "before"
        elif " is required when " in msg:
            cls = "required_when"
        elif kind == "missing":
            cls = "missing"
        elif kind == "extra_forbidden":
            cls = "unknown"
        elif kind == "greater_than_equal":
            cls = "min"
        elif kind == "less_than_equal":
            cls = "max"
        elif kind == "value_error" and msg.endswith("is in the future"):
            cls = "future"
        else:
            cls = "invalid"
        out.append((field, cls))
    return sorted(out)


def expected(violations):
    return sorted((v["field"], SIM_CLASS[v["kind"]]) for v in violations)


def verdict(module, raw, arrived_ms):
    order, errors = module.check(raw.encode(), arrival(arrived_ms))
    assert (order is None) == bool(errors), (order, errors)
    return classify(errors)


def differences(module, run):
    """Records whose verdict or violations differ between the listing and the page."""
    out = []
    for r in run["records"]:
        if r["verdict"] in ("stopped", "not validated"):
            continue
        got = verdict(module, r["raw"], r["arrived_ms"])
        want = expected(r["violations"])
        if got != want:
            out.append((r["index"], r["raw"], got, want))
    return out


# States that show each manifest listing, with records of every kind: its own link run on,
# every kind of defect, and the producer's drifts.
VARIANTS = [
    dict(step="400"),
    dict(step="300", invalid="1"),
    dict(step="300", invalid="0.6", defects="cross"),
    dict(step="300", invalid="0.6", defects="future"),
    dict(step="300", invalid="0.6", defects="missing"),
    dict(step="300", invalid="0.6", defects="type"),
    dict(step="300", invalid="1", defects="enum"),
    dict(step="300", invalid="0.97", defects="enum"),
    dict(step="300", faults="40:rename-field,80:new-field,120:type-change,200:rename-field"),
]


@pytest.mark.parametrize("entry", ALL, ids=ids(ALL))
def test_every_contracts_listing_agrees_with_the_page_record_by_record(entry):
    module = load(entry["text"])
    checked = 0
    for variant in VARIANTS:
        run = sim(with_params(entry["link"], **variant))
        # The same contract and pitfall: the page shows this very listing for the run.
        assert run["listing"] == entry["text"].rstrip("\n")
        if run["stopped"]:
            # The note's validator: the page stops where Python raises.
            stop = run["stopped"]
            assert "wrong-field" in entry["pitfalls"]
            before = [r for r in run["records"] if r["index"] < stop["index"]]
            for r in before:
                assert verdict(module, r["raw"], r["arrived_ms"]) == expected(r["violations"])
            bad = run["records"][stop["index"]]
            with pytest.raises(AttributeError) as e:
                module.check(bad["raw"].encode(), arrival(bad["arrived_ms"]))
            assert stop["error"] == f"AttributeError: {e.value}"
            checked += len(before) + 1
            continue
        assert differences(module, run) == []
        checked += len(run["records"])
    assert checked > 300


def test_the_notes_validator_stops_the_pipeline_at_record_1():
    (entry,) = [e for e in ALL if "wrong-field" in e["pitfalls"]]
    module = load(entry["text"])
    run = sim(with_params(entry["link"], step="300"))
    assert run["stopped"]["index"] == 0
    assert run["stopped"]["error"] == "AttributeError: 'Status' object has no attribute 'order_date'"
    assert all(r["verdict"] == "not validated" for r in run["records"][1:])
    # The pipeline: one check per record as it arrives; the first call raises and nothing
    # catches it.
    handled = 0
    with pytest.raises(AttributeError, match="'Status' object has no attribute 'order_date'"):
        for r in run["records"]:
            module.check(r["raw"].encode(), arrival(r["arrived_ms"]))
            handled += 1
    assert handled == 0
    # Not a validation error: Pydantic wraps only ValueError and AssertionError.
    assert not issubclass(AttributeError, (ValueError, AssertionError))


def test_the_notes_check_on_the_right_field_would_still_raise():
    # The panel's note: pointed at order_date, datetime.now() (no time zone) against the
    # aware order_date raises TypeError, which Pydantic does not turn into a violation.
    (entry,) = [e for e in ALL if "wrong-field" in e["pitfalls"]]
    assert "TypeError" in entry["note"] and "AttributeError" in entry["note"]
    text = entry["text"].replace('@field_validator("status")', '@field_validator("order_date")')
    text = text.replace("if v.order_date > datetime.now():", "if v > datetime.now():")
    assert text != entry["text"]
    module = load(text)
    r = sim(with_params(entry["link"], step="1"))["records"][0]
    with pytest.raises(TypeError, match="offset-naive and offset-aware"):
        module.check(r["raw"].encode(), arrival(r["arrived_ms"]))


def default_contract():
    """The page's default contract as JSON (a link with it spelled out opens the same run)."""
    return {
        "name": "orders",
        "version": 1,
        "fields": [
            {"name": "order_id", "type": "int", "required": True, "min": 1},
            {"name": "user_id", "type": "int", "required": True, "min": 1},
            {"name": "amount", "type": "decimal", "required": True, "min": 0.01, "max": 10000},
            {"name": "status", "type": "enum", "required": True,
             "values": ["pending", "completed", "cancelled"]},
            {"name": "order_date", "type": "timestamp", "required": True},
            {"name": "shipped_at", "type": "timestamp"},
            {"name": "coupon", "type": "string"},
        ],
        "rules": [
            {"rule": "not_in_future", "field": "order_date"},
            {"rule": "not_before", "field": "shipped_at", "other": "order_date"},
            {"rule": "required_when", "field": "shipped_at", "when": "status",
             "equals": "completed"},
        ],
        "extra_fields": "reject",
    }


def contract_link(contract, **params):
    return with_params("v=1&seed=42", contract=json.dumps(contract, separators=(",", ":")),
                       **params)


# Question contracts-05's record, arriving 2024-01-15T09:00:00Z.
Q05 = {"order_id": "1001", "user_id": 7, "amount": 0, "status": "completed",
       "order_date": "2024-01-14T10:00:00Z", "channel": "web"}
Q05_MS = 14 * 86_400_000 + 9 * 3_600_000

# The listing before the fix: cross-field rules in after-validators (3 for question
# contracts-05), and a Decimal that takes "12.50" from JSON.
OLD_LISTING = '''from datetime import datetime
from decimal import Decimal
from enum import Enum
from pydantic import (AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr,
                      ValidationError, field_validator, model_validator)

class Status(str, Enum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

class Orders(BaseModel):   # contract orders v1
    model_config = ConfigDict(strict=True, extra="forbid")
    order_id: StrictInt = Field(ge=1)
    user_id: StrictInt = Field(ge=1)
    amount: Decimal = Field(ge=Decimal("0.01"), le=Decimal("10000"))
    status: Status
    order_date: AwareDatetime
    shipped_at: AwareDatetime | None = None
    coupon: StrictStr | None = None

    @field_validator("order_date")
    @classmethod
    def order_date_not_in_future(cls, v, info):
        if v > info.context["arrived_at"]:   # the record's arrival
            raise ValueError("order_date is in the future")
        return v

    @model_validator(mode="after")
    def shipped_at_not_before_order_date(self):
        if self.shipped_at and self.order_date and self.shipped_at < self.order_date:
            raise ValueError("shipped_at is before order_date")
        return self

    @model_validator(mode="after")
    def shipped_at_required_when_status(self):
        if self.status == "completed" and self.shipped_at is None:
            raise ValueError("shipped_at is required when status is completed")
        return self

def check(raw: bytes, arrived_at: datetime):
    try:
        return Orders.model_validate_json(raw, context={"arrived_at": arrived_at}), []
    except ValidationError as e:           # every violation, not the first
        return None, e.errors()            # → the dead-letter table
'''


def test_every_violation_is_reported_even_when_a_field_failed():
    (entry,) = [e for e in ALL if not e["pitfalls"]]
    extra = json.dumps([{"arrived_ms": Q05_MS, "record": Q05}])
    run = sim(with_params(entry["link"], step="400"), extra=extra)
    (q05,) = run["extra"]
    assert len(q05["violations"]) == 4 and q05["plain_after"] == 3
    new = load(entry["text"])
    got = verdict(new, json.dumps(Q05), Q05_MS)
    assert got == expected(q05["violations"]) and len(got) == 4
    # The same model with after-validators: 3, on Pydantic itself.
    old = load(OLD_LISTING)
    assert len(verdict(old, json.dumps(Q05), Q05_MS)) == 3
    # ... and on every record the producer sends, as many as the page's count for it says.
    for variant in VARIANTS:
        run = sim(with_params(entry["link"], **variant))
        for r in run["records"]:
            if r["raw"].find('"amount":"') >= 0:
                continue  # the old Decimal takes a string: see below
            assert len(verdict(old, r["raw"], r["arrived_ms"])) == r["plain_after"], r
    # The differential check rejects the old listing.
    drift = sim(with_params(entry["link"], **VARIANTS[-1]))
    future = sim(with_params(entry["link"], **VARIANTS[3]))
    wrong = differences(old, drift) + differences(old, future)
    assert any(len(got) < len(want) for _, _, got, want in wrong), "after-validators lose rules"
    assert any(("amount", "invalid") in want and ("amount", "invalid") not in got
               for _, _, got, want in wrong), "the old Decimal takes a string amount"


def test_the_note_cannot_even_define_its_model_without_a_status_field():
    contract = default_contract()
    contract["fields"] = [f for f in contract["fields"] if f["name"] != "status"]
    contract["rules"] = [r for r in contract["rules"] if r["rule"] != "required_when"]
    run = sim(contract_link(contract, step="20", pitfalls="wrong-field"))
    assert run["stopped"]["index"] == 0
    assert run["stopped"]["error"].startswith(
        "PydanticUserError: Decorators defined with incorrect fields")
    with pytest.raises(pydantic.errors.PydanticUserError,
                       match="Decorators defined with incorrect fields"):
        load(run["listing"])


# Contracts the registry does not list (the page takes any): defaults, a not-in-future rule
# on an optional field, two decimals, extra fields allowed. Each listing comes from the
# page's code for that contract and is checked like the manifest's, plus records built to
# hit what the producer does not send.
def variant_contracts():
    with_defaults = default_contract()
    with_defaults["fields"][3]["default"] = "completed"
    with_defaults["fields"].append({"name": "channel", "type": "enum", "required": True,
                                    "values": ["web", "app"], "default": "web"})
    with_defaults["fields"].append({"name": "tax", "type": "decimal", "max": 100,
                                    "default": 0})
    optional_future = default_contract()
    optional_future["rules"].append({"rule": "not_in_future", "field": "shipped_at"})
    optional_future["extra_fields"] = "allow"
    required_shipping = default_contract()
    required_shipping["fields"][5]["required"] = True
    return {"defaults": with_defaults, "optional-future": optional_future,
            "required-shipping": required_shipping}


EXTRA = [
    Q05,
    {"order_id": 1, "user_id": 7, "amount": 3, "order_date": "2024-01-14T10:00:00Z"},
    {"order_id": 1, "user_id": 7, "amount": 3, "status": "pending",
     "order_date": "2024-01-14T10:00:00Z", "shipped_at": None, "tax": "1.5"},
    {"order_id": 1, "user_id": 7, "amount": "3", "status": "completed",
     "order_date": "2024-01-14T10:00:00Z", "shipped_at": "2024-01-13T10:00:00Z",
     "channel": "sms", "tax": 100.01},
    {"order_id": 2 ** 70, "user_id": True, "amount": 1e2, "status": "cancelled",
     "order_date": "2024-02-30T10:00:00Z", "shipped_at": "2099-01-01T00:00:00Z"},
    {"order_id": 1.0, "user_id": -0, "amount": 0.01, "status": "completed",
     "order_date": "2099-01-14T10:00:00Z", "shipped_at": "2024-01-14T11:00:00Z"},
    {"order_id": None, "amount": None, "status": None, "order_date": None,
     "shipped_at": None, "coupon": None},
]


@pytest.mark.parametrize("name", sorted(variant_contracts()))
def test_contracts_beyond_the_manifest_agree_too(name):
    contract = variant_contracts()[name]
    extra = json.dumps([{"arrived_ms": Q05_MS, "record": r} for r in EXTRA])
    run = sim(contract_link(contract, step="300", invalid="0.5",
                            faults="100:new-field,200:type-change"), extra=extra)
    module = load(run["listing"])
    assert differences(module, run) == []
    for r in run["extra"]:
        assert verdict(module, r["raw"], r["arrived_ms"]) == expected(r["violations"]), r


def compat_contracts():
    old = default_contract()
    new = default_contract()
    new["version"] = 2
    new["fields"].append({"name": "channel", "type": "enum", "required": True,
                          "values": ["web", "app"]})
    with_default = json.loads(json.dumps(new))
    with_default["fields"][-1]["default"] = "web"
    return old, new, with_default


@pytest.mark.parametrize("defaulted", [False, True], ids=["no-default", "default"])
def test_a_new_required_field_is_backward_compatible_with_a_default(defaulted):
    old, new, with_default = compat_contracts()
    nxt = with_default if defaulted else new
    run = sim(contract_link(old, step="300", invalid="0.3"),
              next_contract=json.dumps(nxt, separators=(",", ":")))
    c = run["compat"]
    v1, v2 = load(run["listing"]), load(c["listing"])
    assert ("    channel: Channel = Channel.WEB\n" in c["listing"]) == defaulted
    # Every witness is judged by the two models as the checker says.
    for r in c["backward"]:
        assert verdict(v1, r["witness"], c["now_ms"]) == []
        assert verdict(v2, r["witness"], c["now_ms"]) != []
    for r in c["forward"]:
        assert verdict(v2, r["witness"], c["now_ms"]) == []
        assert verdict(v1, r["witness"], c["now_ms"]) != []
    assert c["forward"], "v1 rejects a record carrying channel"
    if defaulted:
        assert c["backward"] == []
        assert "consumers first" in c["advice"]
        # Records v1 accepts, v2 accepts on Pydantic: channel left out takes "web".
        accepted = [r for r in run["records"] if r["verdict"] == "accepted"]
        assert len(accepted) > 100
        for r in accepted:
            assert verdict(v2, r["raw"], r["arrived_ms"]) == []
    else:
        assert any("channel is required but missing" in r["text"] for r in c["backward"])
        assert c["advice"].startswith("✗ Neither direction holds")


def test_where_pydantic_differs():
    (entry,) = [e for e in ALL if not e["pitfalls"]]
    module = load(entry["text"])
    # Written out: json.dumps would print the float Python reads, 10000.0.
    raws = [
        '{"order_id":1,"user_id":7,"amount":10000.0000000000000001,"status":"pending",'
        '"order_date":"2024-01-14T10:00:00Z"}',
        '{"order_id":1,"user_id":7,"amount":3,"status":"pending",'
        '"order_date":"2024-01-14T10:00:00+00:00"}',
    ]
    extra = "[" + ",".join(f'{{"arrived_ms":{Q05_MS},"record":{r}}}' for r in raws) + "]"
    run = sim(with_params(entry["link"], step="0"), extra=extra)
    page = [expected(r["violations"]) for r in run["extra"]]
    assert page == [[("amount", "max")], [("order_date", "invalid")]]
    assert [verdict(module, r, Q05_MS) for r in raws] == [[], []]
