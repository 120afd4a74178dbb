"""The line protocol between the harness and one compiler process (stdlib only: it runs inside peer venvs).

Each driver builds a `Compiler` (a `prepare(spec) -> callable` that returns the compiled SQL) and hands it to
`serve`. The harness writes one JSON object per line on stdin and reads one per line on stdout:

    {"op": "prepare", "id": "q1", "spec": {...}}  -> {"sql": "...", "first_ns": 812345}
    {"op": "time", "id": "q1", "n": 50, "mode": "warm"} -> {"samples_ns": [...]}
    {"op": "rss"}                                   -> {"peak_rss_kb": 123456}
    {"op": "quit"}

Errors come back as {"error": "..."} so one unsupported query never kills the run. The first line a driver
writes is {"ready": true, "import_ns": ..., "load_ns": ...}.

For the cold-process figure a driver is run with `--once '<spec json>'` instead: it compiles that one query,
prints {"sql_chars": ..., "peak_rss_kb": ...} and exits, so the whole process is what gets timed.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

CompileFn = Callable[[], str]
"""One prepared query: calling it compiles the query again, from the request to the SQL text."""

Prepare = Callable[[dict[str, Any], str], CompileFn]
"""(the tool's own query spec, mode) → a compile function; mode is "warm", or "uncached"/"cached"."""


def peak_rss_kb() -> int:
    """Peak resident set size of this process, in KiB.

    Linux's VmHWM first: `ru_maxrss` survives exec, so a child started by a large parent would report the
    parent's size when the child is smaller.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(prepare: Prepare, import_ns: int, load_ns: int, argv: list[str]) -> None:
    """A driver's entry point: `--once SPEC` compiles one query and exits, otherwise `serve`."""
    if len(argv) >= 2 and argv[0] == "--once":
        sql = prepare(json.loads(argv[1]), "warm")()
        print(json.dumps({"sql_chars": len(sql), "peak_rss_kb": peak_rss_kb()}))
        return
    serve(prepare, import_ns, load_ns)


def serve(prepare: Prepare, import_ns: int, load_ns: int) -> None:
    """Answer the harness until it says quit or closes stdin."""
    out = sys.stdout
    # Libraries may print; only protocol lines may reach the harness.
    sys.stdout = sys.stderr
    _send(out, {"ready": True, "import_ns": import_ns, "load_ns": load_ns})
    specs: dict[str, dict[str, Any]] = {}
    compiled: dict[tuple[str, str], CompileFn] = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request.get("op")
        try:
            if op == "quit":
                break
            if op == "prepare":
                specs[request["id"]] = request["spec"]
                start = time.perf_counter_ns()
                fn = prepare(request["spec"], "warm")
                sql = fn()
                first = time.perf_counter_ns() - start
                compiled[(request["id"], "warm")] = fn
                _send(out, {"sql": sql, "first_ns": first})
            elif op == "time":
                key = (request["id"], request.get("mode", "warm"))
                if key not in compiled:
                    compiled[key] = prepare(specs[request["id"]], key[1])
                _send(out, {"samples_ns": _time(compiled[key], int(request["n"]))})
            elif op == "rss":
                _send(out, {"peak_rss_kb": peak_rss_kb()})
            else:
                _send(out, {"error": f"unknown op {op!r}"})
        except Exception as err:  # one failing query is a result to report, not a crash
            _send(out, {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc(limit=6)})


def _time(fn: CompileFn, n: int) -> list[int]:
    samples = []
    clock = time.perf_counter_ns
    for _ in range(n):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


def _send(out: Any, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()
