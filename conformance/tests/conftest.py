"""Fixtures shared by the conformance tests: the listings the app shows (written by
`pipelab-conformance listings`), and the real servers `cargo xtask conformance` started.

A missing server or listing folder is an error naming the command to run, never a skip."""

import json
import os
import pathlib
import uuid

import pytest


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(
            f"{name} is not set: run the conformance tests with `cargo xtask conformance`, "
            "which starts PostgreSQL and Redis and writes the listings"
        )
    return value


LISTINGS = pathlib.Path(_env("PIPELAB_LISTINGS"))
MANIFEST = json.loads((LISTINGS / "manifest.json").read_text())


def listings(route):
    """Every listing of `route`, as manifest entries with their text under "text"."""
    out = []
    for e in MANIFEST:
        if e["route"] == route:
            e = dict(e)
            e["text"] = (LISTINGS / e["file"]).read_text()
            out.append(e)
    if not out:
        raise RuntimeError(f"no listing of /{route} in {LISTINGS}/manifest.json")
    return out


def ids(entries):
    return [e["file"] for e in entries]


def pg_dsn(dbname="postgres"):
    return (
        f"host={_env('PIPELAB_PG_HOST')} port={_env('PIPELAB_PG_PORT')} "
        f"user={_env('PIPELAB_PG_USER')} dbname={dbname}"
    )


@pytest.fixture(scope="session")
def _pg_database():
    """One database for the whole run (creating one per test cost most of the run)."""
    import psycopg2

    name = "conformance_" + uuid.uuid4().hex[:8]
    admin = psycopg2.connect(pg_dsn())
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def pg_db(_pg_database):
    """A fresh, empty schema for one test, first on the search path of every connection
    made with the DSN this yields: each test sees its own tables and nothing else."""
    import psycopg2

    schema = "t_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(pg_dsn(_pg_database))
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_dsn(_pg_database) + f" options='-c search_path={schema},public'"
    finally:
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def redis_port():
    return int(_env("PIPELAB_REDIS_PORT"))


def flink(steps):
    """Runs `steps` ([{"sql", "do"}]) on a real Flink in streaming mode (see
    flink_runner.py); returns one result dict per step."""
    import subprocess

    python = _env("PIPELAB_FLINK_PYTHON")
    runner = pathlib.Path(__file__).with_name("flink_runner.py")
    done = subprocess.run(
        [python, str(runner)],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if len(results) != len(steps):
        raise RuntimeError(f"the Flink runner stopped early:\n{done.stderr[-3000:]}")
    return results
