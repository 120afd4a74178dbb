"""`python -m bench` — every benchmark of issue 8, bounded in time, figures printed and written to RESULTS.md.

    python -m bench                 # everything, about 10 minutes on 2 cores
    python -m bench --quick         # a smoke run of about a minute: same code paths, tiny budgets
    python -m bench --only side     # one part: side, cold, scale, others

The peers are installed on first use into bench/.venvs/ (their own virtual environments).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cold, scale, side_by_side
from bench.drivers import BENCH, ROOT, TOOLS, Driver, DriverError, ensure_venv, installed_version
from bench.results import write_sections
from bench.stats import machine
from bench.warehouse import build, open_warehouse

PARTS = ("side", "cold", "scale", "others")
LAST_RUN = BENCH / ".venvs" / "last_run.json"
"""Headline figures of the previous full run on this machine, to print the change (not committed)."""
# Benchmarks owned by the other issues; each writes its own RESULTS.md section when run as a module.
# name → (arguments of a full run, arguments of a quick one or None). A quick run must not replace real
# figures, so it passes --no-write, and skips a benchmark that has no such switch.
OTHERS: dict[str, tuple[list[str], list[str] | None]] = {
    "compile_bench": ([], None),
    "service_bench": ([], ["--quick", "--no-write"]),
    "web_bench": ([], ["--metrics", "1000", "--requests", "20", "--no-write"]),
}
OTHERS_TIMEOUT_S = 300


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny budgets (about a minute)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--rows", type=int, help="demo warehouse scale (default 20,000; quick 5,000)")
    args = parser.parse_args(argv)
    parts = tuple(args.only or PARTS)
    started = time.perf_counter()
    header = (
        f"{machine()}; load average {os.getloadavg()[0]:.2f} at start; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC{'; QUICK run (tiny budgets)' if args.quick else ''}"
    )
    print(header, flush=True)
    sections: dict[str, str] = {}
    headline: dict[str, Any] = {}
    if "side" in parts:
        sections["Side by side (issue 8)"] = _side(args, headline)
    if "cold" in parts:
        results = [cold.measure(c, runs=3 if args.quick else 10) for c in cold.commands(_ready_tools())]
        sections["Cold process"] = cold.markdown(results)
        headline["cold_ms"] = {r.name: r.median_ns and r.median_ns / 1e6 for r in results}
        print(sections["Cold process"], flush=True)
    if "scale" in parts:
        sections["Scale"] = _scale(args, headline)
    footer = f"\n\nMeasured on {header}; this part took {time.perf_counter() - started:.0f} s."
    sections = {title: body + footer for title, body in sections.items()}
    if sections:
        path = write_sections(sections)
        print(f"wrote {path.relative_to(ROOT)} ({', '.join(sections)})")
    if "others" in parts:
        _others(args.quick)
    if not args.quick and headline:
        _compare_with_last(headline)
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


def _ready_tools() -> tuple[str, ...]:
    ready = []
    for name, tool in TOOLS.items():
        problem = ensure_venv(tool)
        if problem:
            print(f"{tool.label}: not available — {problem}", file=sys.stderr)
        else:
            ready.append(name)
    return tuple(ready)


def _side(args: argparse.Namespace, headline: dict[str, Any]) -> str:
    tools = _ready_tools()
    rows = args.rows or (5_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory(prefix="caliber-bench-") as tmp:
        con = open_warehouse(build(Path(tmp) / "bench.duckdb", rows=rows))
        drivers: dict[str, Driver] = {}
        try:
            for name in tools:
                try:
                    drivers[name] = Driver.start(TOOLS[name])
                except DriverError as err:
                    print(err, file=sys.stderr)
            budget = side_by_side.QUICK if args.quick else side_by_side.FULL
            results = side_by_side.run(
                con, drivers, side_by_side.load_queries(), budget, progress=_print_query
            )
            memory = {name: d.peak_rss_kb() for name, d in drivers.items()}
            loads = {name: (d.import_ns, d.load_ns) for name, d in drivers.items()}
        finally:
            for driver in drivers.values():
                driver.close()
            con.close()
    versions = {TOOLS[n].label.split(" ")[0]: installed_version(TOOLS[n]) for n in drivers}
    body = side_by_side.markdown(results, versions)
    body += (
        f"\n\nDemo warehouse: `catalog.demo_data.generate(rows={rows:,}, seed=7)` in DuckDB.\n\n"
        "| process | import | load model | peak RSS after the whole run |\n|---|---|---|---|\n"
    )
    body += "\n".join(
        f"| {TOOLS[n].label} | {loads[n][0] / 1e6:.0f} ms | {loads[n][1] / 1e6:.0f} ms | "
        f"{memory[n] / 1024:.0f} MiB |"
        for n in drivers
    )
    top = side_by_side.headline(results)
    headline.update(
        median_ratio_mf=top.median_ratio_mf,
        min_ratio_mf=top.min_ratio_mf,
        cached_us=top.max_cached_median_ns and top.max_cached_median_ns / 1e3,
    )
    print(body, flush=True)
    return body


def _print_query(result: side_by_side.QueryResult) -> None:
    cells = []
    for key, outcome in result.outcomes.items():
        summary = outcome.summary
        timing = f"{summary.median_ms:.3f} ms" if summary else "-"
        cells.append(f"{key}={outcome.status()}/{timing}")
    print(f"  {result.query.id}: " + "  ".join(cells), flush=True)


def _scale(args: argparse.Namespace, headline: dict[str, Any]) -> str:
    with tempfile.TemporaryDirectory(prefix="caliber-scale-") as tmp:
        warehouse = build(Path(tmp) / "wide.duckdb", rows=2_000)
        sizes = (1_000,) if args.quick else (1_000, 10_000, 50_000)
        conflict_sizes = (1_000,) if args.quick else (10_000, 100_000)
        results = scale.run(
            sizes, conflict_sizes, str(warehouse), progress=lambda message: print("  " + message, flush=True)
        )
    body = scale.markdown(results)
    headline["lint_s"] = {n: r.get("lint_s") for n, r in results.lint.items()}
    headline["wide_ms"] = results.wide.get("median_s") and results.wide["median_s"] * 1e3
    print(body, flush=True)
    return body


def _others(quick: bool) -> None:
    """Run the benchmarks other helpers own (they write their own sections); report what happened."""
    for name, (full, smoke) in OTHERS.items():
        if not (BENCH / f"{name}.py").exists():
            print(f"bench/{name}.py is not in the tree: no figures from it")
            continue
        arguments = smoke if quick else full
        if arguments is None:
            print(f"bench.{name}: skipped in a quick run (it cannot leave RESULTS.md alone)")
            continue
        command = [sys.executable, "-m", f"bench.{name}", *arguments]
        print(f"running {' '.join(command[1:])} (bounded to {OTHERS_TIMEOUT_S} s)", flush=True)
        try:
            done = subprocess.run(command, cwd=ROOT, timeout=OTHERS_TIMEOUT_S)
            print(f"bench.{name} exited {done.returncode}")
        except subprocess.TimeoutExpired:
            print(f"bench.{name} timed out after {OTHERS_TIMEOUT_S} s")


def _compare_with_last(headline: dict[str, Any]) -> None:
    if LAST_RUN.exists():
        before = json.loads(LAST_RUN.read_text())
        print("change since the previous full run on this machine:")
        for key, now in headline.items():
            print(f"  {key}: {before.get(key)} → {now}")
    LAST_RUN.parent.mkdir(parents=True, exist_ok=True)
    LAST_RUN.write_text(json.dumps(headline, default=str))


if __name__ == "__main__":
    sys.exit(main())
