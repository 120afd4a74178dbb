"""Compile speed (issues 3, 8): warm compile of a 3-metric × 2-dimension query, a wide one, and cold CLI.

    python -m bench.compile_bench            # ≥ 1,000 warm runs per figure, 5 cold CLI runs (about 30 s)
    python -m bench.compile_bench --quick    # smoke run: same code paths, figures not meaningful

Warm *uncached* is `compile_query(..., cache=False)`: request validation, planning, tree building and
rendering. *Cached* is the same request again, served from the rendered-SQL cache. *Cold CLI* is the wall
time of `caliber compile ...` in a fresh process (interpreter start, imports, reading metric_defs/). *Wide*
is 80 atomic metrics over three sources × 10 dimensions (all on `users`, reached through the `user` entity)
by month, uncached, on the generated catalog of bench/scale.py. Figures go to the "Compile (issue 3)" section
of bench/RESULTS.md. Targets: warm uncached median ≤ 2 ms; wide median < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.drivers import ROOT
from bench.results import write_sections
from bench.stats import Summary, fmt_ms, fmt_us, machine, summarize

HEADLINE: dict[str, Any] = {
    "metrics": ["gmv", "paid_orders", "arppu"],
    "dimensions": ["channel", "city"],
    "grain": "month",
    "filters": [{"dimension": "city", "op": "in", "values": ["北京", "上海"]}],
    "dialect": "postgres",
}
"""3 metrics (one a ratio) of one source × 2 dimensions × month, filtered on a joined dimension."""
TWO_SOURCES: dict[str, Any] = {**HEADLINE, "metrics": ["gmv", "paid_orders", "attendance_rate"]}
"""The same with a ratio from another source (lessons): two subqueries combined."""
DIALECTS = (
    "duckdb",
    "sqlite",
    "postgres",
    "mysql",
    "hive",
    "spark",
    "trino",
    "clickhouse",
    "bigquery",
    "snowflake",
    "starrocks",
    "doris",
)
CLI = [
    "compile",
    "--metric",
    "gmv",
    "--metric",
    "paid_orders",
    "--metric",
    "arppu",
    "--by",
    "channel",
    "--by",
    "city",
    "--grain",
    "month",
    "--where",
    "city in ('北京', '上海')",
    "--dialect",
    "hive",
]


def _time(fn: Callable[[], object], runs: int) -> tuple[Summary, Summary]:
    """Wall-clock and CPU-time summaries. On a shared, loaded machine the wall clock mostly measures waiting
    for a core; the process CPU time is the figure that compares across runs."""
    for _ in range(min(50, runs)):
        fn()  # warm: imports, parse caches, dialect objects
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
        fn()
        cpu.append(time.process_time_ns() - start_cpu)
        wall.append(time.perf_counter_ns() - start)
    return summarize(wall), summarize(cpu)


def _wide(runs: int) -> tuple[Summary, Summary]:
    """80 metrics × 10 dimensions by month, uncached (the scale benchmark's catalog and query)."""
    from bench.scale import USER_DIMENSIONS, wide_texts
    from catalog.compile import compile_query
    from catalog.lint import lint_texts

    result = lint_texts(wide_texts(80))
    if not result.ok:
        raise SystemExit(f"wide catalog invalid: {result.errors[0]}")
    query = {
        "metrics": [m.name for m in result.catalog.metrics.values()],
        "dimensions": list(USER_DIMENSIONS),
        "grain": "month",
        "dialect": "postgres",
    }
    return _time(lambda: compile_query(query, result.catalog, cache=False), runs)


def _cold_cli(runs: int) -> Summary:
    caliber = shutil.which("caliber")
    command = [caliber] if caliber else [sys.executable, "-m", "catalog.cli"]
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        done = subprocess.run([*command, *CLI], cwd=ROOT, capture_output=True, text=True, check=False)
        samples.append(time.perf_counter_ns() - start)
        if done.returncode != 0:
            raise SystemExit(f"caliber compile failed: {done.stderr}")
    return summarize(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compile_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny budgets")
    args = parser.parse_args(argv)
    runs, per_dialect, cold_runs, wide_runs = (50, 10, 1, 5) if args.quick else (1_000, 200, 5, 200)

    from catalog.compile import compile_query
    from catalog.lint import lint_paths

    catalog = lint_paths([ROOT / "metric_defs"]).catalog
    head = f"{machine()}; load average {os.getloadavg()[0]:.2f} at start"
    print(head, flush=True)
    rows = []
    for label, query in (
        ("3 metrics × 2 dims, one source", HEADLINE),
        ("3 metrics × 2 dims, two sources", TWO_SOURCES),
    ):
        uncached, uncached_cpu = _time(lambda q=query: compile_query(q, catalog, cache=False), runs)
        cached, _ = _time(lambda q=query: compile_query(q, catalog), runs)
        rows.append(
            f"| {label} (postgres) | {uncached.n:,} | {fmt_ms(uncached.median_ns)} | "
            f"{fmt_ms(uncached.p99_ns)} | {fmt_ms(uncached_cpu.median_ns)} | "
            f"{fmt_us(cached.median_ns)} | {fmt_us(cached.p99_ns)} |"
        )
        print(rows[-1], flush=True)
    wide, wide_cpu = _wide(wide_runs)
    rows.append(
        f"| wide: 80 metrics × 10 dims, three sources (postgres) | {wide.n:,} | "
        f"{fmt_ms(wide.median_ns)} | {fmt_ms(wide.p99_ns)} | {fmt_ms(wide_cpu.median_ns)} | — | — |"
    )
    print(rows[-1], flush=True)
    dialect_rows = []
    for dialect in DIALECTS:
        query = {**HEADLINE, "dialect": dialect}
        summary, cpu = _time(lambda q=query: compile_query(q, catalog, cache=False), per_dialect)
        dialect_rows.append(
            f"| {dialect} | {fmt_ms(summary.median_ns)} | {fmt_ms(summary.p99_ns)} | "
            f"{fmt_ms(cpu.median_ns)} |"
        )
        print(dialect_rows[-1], flush=True)
    cold = _cold_cli(cold_runs)
    print(f"cold `caliber compile` (hive): median {fmt_ms(cold.median_ns)} of {cold.n}", flush=True)
    load = os.getloadavg()[0]
    body = "\n".join(
        [
            f"{head}; load average {load:.2f} at the end"
            f"{'; QUICK run (figures not meaningful)' if args.quick else ''}.",
            "Re-run: `python -m bench.compile_bench` (about 30 s). Warm = in-process `compile_query`; *uncached* "
            "passes `cache=False` (validate, plan, build the tree, render), *cached* repeats an identical "
            "request. "
            "Targets: warm uncached median ≤ 2 ms; wide (80 metrics × 10 dimensions by month) median < 100 ms.",
            "",
            "| query | runs | uncached median | uncached p99 | uncached CPU median | cached median | cached p99"
            " |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Uncached, headline query, per dialect ({per_dialect} runs each):",
            "",
            "| dialect | median | p99 | CPU median |",
            "|---|---:|---:|---:|",
            *dialect_rows,
            "",
            f"Cold CLI: `caliber {' '.join(CLI[:13])} …` in a new process, median of {cold.n}: "
            f"**{fmt_ms(cold.median_ns)}** (p99 {fmt_ms(cold.p99_ns)}).",
        ]
    )
    write_sections({"Compile (issue 3)": body})
    return 0


if __name__ == "__main__":
    sys.exit(main())
