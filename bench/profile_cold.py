"""Where a cold `compile one query` process spends its time: `python3 -m bench.profile_cold [runs]`.

Each run is a new interpreter that imports sqlglot, imports the compiler, builds the catalog of metric_defs/
and compiles one query (q03's shape: count_distinct by a joined dimension, by month), then exits. Two ways to
build the catalog: *lint* (`lint_paths`, YAML → pydantic → resolve → conflict checks) and *snapshot*
(`catalog.load_catalog`, which unpickles the content-keyed snapshot written by the first run). The phases are
timed inside the process; *process* is the parent's wall clock of the whole run, and *CPU* is the child's
user + system time, the figure that still compares when the 2 cores are shared. Medians of `runs` (default
10).
Target (issue 8): the whole process ≤ 150 ms.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("import sqlglot", "import compiler", "catalog", "compile")
CHILD = """
import time; t0 = time.perf_counter()
import json, sys
import sqlglot; t1 = time.perf_counter()
from catalog.compile import compile_query; t2 = time.perf_counter()
if sys.argv[1] == "lint":
    from catalog.lint import lint_paths
    catalog = lint_paths(["metric_defs"]).catalog
else:
    from catalog import load_catalog
    catalog = load_catalog(["metric_defs"], sys.argv[2]).catalog
t3 = time.perf_counter()
sql = compile_query({"metrics": ["paying_users"], "dimensions": ["channel"], "grain": "month"}, catalog).sql
t4 = time.perf_counter()
assert sql.startswith("SELECT")
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))
"""


def run(argv: list[str]) -> tuple[float, float, list[float]]:
    """(wall, cpu, phases) of one process, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout) if done.stdout.strip() else []


def measure(argv: list[str], runs: int) -> tuple[float, float, list[float]]:
    run(argv)  # warm the OS file cache and .pyc files, as on a developer's machine
    samples = [run(argv) for _ in range(runs)]
    phases = [statistics.median(s[2][i] for s in samples) for i in range(len(samples[0][2]))]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples), phases


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    ms = 1000
    print(f"cores={os.cpu_count()} load={os.getloadavg()[0]:.2f} runs={runs} (medians, ms)")
    wall, cpu, _ = measure([sys.executable, "-c", "pass"], runs)
    print(f"python3 -c pass: process {wall * ms:.0f} cpu {cpu * ms:.0f}")
    with tempfile.TemporaryDirectory() as cache:
        for mode in ("lint", "snapshot"):
            wall, cpu, phases = measure([sys.executable, "-c", CHILD, mode, cache], runs)
            parts = " ".join(f"{name} {t * ms:.0f}" for name, t in zip(PHASES, phases, strict=True))
            print(f"{mode}: process {wall * ms:.0f} cpu {cpu * ms:.0f} | {parts}")
    print(f"load={os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
