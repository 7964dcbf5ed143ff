"""Runs Flink SQL statements on a real Flink (PyFlink's bundled jars) in streaming mode.

Run by the PyFlink venv's Python (`PIPELAB_FLINK_PYTHON`; PyFlink pins pandas 2, so it
cannot share the main venv): reads a JSON list of steps on stdin, each
{"sql": "...", "do": "execute" | "explain" | "collect" | "set"}, and prints one JSON object per
step: {"ok": true, "rows": [...]} or {"ok": false, "error": "<root cause message>"}.
"collect" runs a query to its end (its sources must be bounded: datagen with
number-of-rows, or filesystem) and returns the rows it emitted, with their row kinds.
"set" applies a SQL-client `SET 'key' = 'value'` to the table config (executeSql does not
take SET; the SQL client does). A step that fails does not stop the ones after it."""

import json
import re
import sys


def root_cause(e):
    text = str(e)
    causes = [line for line in text.splitlines() if line.startswith("Caused by:")]
    line = causes[-1] if causes else text.splitlines()[0] if text else repr(e)
    return line.replace("Caused by: ", "").strip()


def main():
    from pyflink.table import EnvironmentSettings, TableEnvironment

    steps = json.load(sys.stdin)
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    for step in steps:
        try:
            if step["do"] == "set":
                m = re.fullmatch(r"\s*SET\s+'([^']+)'\s*=\s*'([^']*)'\s*;?\s*", step["sql"], re.I)
                if not m:
                    raise ValueError(f"not a SET 'key' = 'value' statement: {step['sql']}")
                env.get_config().set(m.group(1), m.group(2))
                out = {"ok": True}
            elif step["do"] == "execute":
                env.execute_sql(step["sql"]).wait()
                out = {"ok": True}
            elif step["do"] == "explain":
                out = {"ok": True, "plan": env.explain_sql(step["sql"])}
            else:
                rows = []
                with env.execute_sql(step["sql"]).collect() as results:
                    for r in results:
                        rows.append([str(r.get_row_kind())] + [str(v) for v in r])
                out = {"ok": True, "rows": rows}
        except Exception as e:  # the engine's verdict is the result
            out = {"ok": False, "error": root_cause(e)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
