"""Part 3 — scale: lint and load of generated catalogs, conflict detection, one very wide compile.

Each measurement runs in a fresh interpreter (`python -m bench.scale TASK ...`), so its peak RSS is its own
and nothing is warm from an earlier one. The generated catalogs are ordinary YAML trees: one shared
`common/sources.yaml` and namespaces of 1,000 metrics in files of 100 (70% atomic over three sources with
distinct filters, 20% ratio, 10% derived), written to a temporary folder.

    >>> files = catalog_texts(1_000)
    >>> len(files), sum(text.count("type: ") for text in files.values())
    (11, 1000)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.drivers import BENCH, ROOT
from bench.peers.protocol import peak_rss_kb
from bench.stats import fmt_ms

PER_FILE = 100
PER_NAMESPACE = 1_000
LINT_TARGET_S = {10_000: 5.0}
CONFLICTS_TARGET_S = {100_000: 30.0}
WIDE_TARGET_MS = 100.0
TASK_TIMEOUT_S = 150.0
"""Each measurement is bounded, so `python -m bench` stays near 10 minutes even when a target is far off."""
USER_DIMENSIONS = {
    "channel": "channel",
    "city": "city",
    "segment": "segment",
    "grade": "grade",
    "device": "device",
    "signup_date": "signup_date",
    "days_to_first_lesson": "days_to_first_lesson",
    "activated": "CASE WHEN first_lesson_at IS NULL THEN 'no' ELSE 'yes' END",
    "city_segment": "city || '/' || segment",
    "grade_band": "CASE WHEN grade IN ('G1', 'G2', 'G3') THEN 'lower' ELSE 'upper' END",
}
SOURCES = """\
sources:
  users:
    table: dw.dim_users
    time: signup_at
    columns: {user_id: integer, signup_at: timestamp, signup_date: date, channel: string, city: string,
              segment: string, grade: string, device: string, first_lesson_at: timestamp,
              days_to_first_lesson: integer}
    entities: {user: {column: user_id, primary: true}}
  orders:
    table: dw.fact_orders
    time: paid_at
    columns: {order_id: integer, user_id: integer, paid_at: timestamp, status: string, amount: decimal,
              coupon_amount: decimal, course_category: string}
    entities: {order: {column: order_id, primary: true}, user: {column: user_id}}
  lessons:
    table: dw.fact_lessons
    time: scheduled_at
    columns: {attendance_id: integer, user_id: integer, scheduled_at: timestamp, status: string,
              minutes: integer, rating: integer}
    entities: {attendance: {column: attendance_id, primary: true}, user: {column: user_id}}
  refunds:
    table: dw.fact_refunds
    time: refunded_at
    columns: {refund_id: integer, user_id: integer, refunded_at: timestamp, amount: decimal, reason: string}
    entities: {refund: {column: refund_id, primary: true}, user: {column: user_id}}
dimensions:
""" + "".join(
    f"  {name}: {{source: users, expr: {json.dumps(expr)}, label: {{en: {name}, zh: {name}}}}}\n"
    for name, expr in USER_DIMENSIONS.items()
)

# (source, agg, expr, filter template); {i} keeps every generated definition distinct.
_ATOMIC = (
    ("orders", "sum", "amount", "status IN ('paid', 'refunded') AND amount > {i}"),
    ("orders", "count", None, "status = 'paid' AND coupon_amount < {i}"),
    ("orders", "count_distinct", "user_id", "amount >= {i}"),
    ("lessons", "count", None, "status = 'attended' AND minutes > {i}"),
    ("lessons", "avg", "rating", "minutes >= {i}"),
    ("refunds", "sum", "amount", "amount > {i}"),
    ("refunds", "max", "amount", "reason <> 'duplicate_payment' AND amount < {i}"),
)


def _metric(i: int, atomic_only: bool = False) -> str:
    kind = 0 if atomic_only else i % 10
    if kind < 7:
        source, agg, expr, where = _ATOMIC[(i // 10 + i) % len(_ATOMIC)]
        body = f"    type: atomic\n    source: {source}\n    agg: {agg}\n"
        body += f"    expr: {expr}\n" if expr else ""
        body += f'    filter: "{where.format(i=i)}"\n'
    elif kind < 9:
        body = f"    type: ratio\n    numerator: m{i - 7}\n    denominator: m{i - 6}\n"
    else:
        body = f"    type: derived\n    expr: m{i - 9} - m{i - 4}\n"
    return (
        f"  m{i}:\n{body}    label: {{en: Metric {i}, zh: 指标{i}}}\n"
        f"    description: Generated metric {i}.\n    stage: revenue\n    owner: bench\n"
    )


def catalog_texts(n: int) -> dict[str, str]:
    """`{relative path: YAML}` for a catalog of `n` metrics (n a multiple of 100)."""
    files = {"common/sources.yaml": SOURCES}
    for start in range(0, n, PER_FILE):
        namespace = f"ns{start // PER_NAMESPACE:03d}"
        body = "".join(_metric(i) for i in range(start, min(start + PER_FILE, n)))
        files[f"{namespace}/m{start:06d}.yaml"] = "metrics:\n" + body
    return files


def write_catalog(n: int, root: Path) -> Path:
    for name, text in catalog_texts(n).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def wide_texts(metrics: int = 80) -> dict[str, str]:
    """A catalog for the wide compile: `metrics` atomic metrics over three sources, 10 user dimensions."""
    body = "".join(_metric(i, atomic_only=True) for i in range(metrics))
    return {"common/sources.yaml": SOURCES, "wide/metrics.yaml": "metrics:\n" + body}


# --- tasks, each run in its own interpreter ---------------------------------------------------------------


def task_lint(folder: str) -> dict[str, Any]:
    """Time loading every file, then the whole lint pipeline (load → validate → resolve → checks)."""
    from catalog.lint import CATALOG_CHECKS, find_files, lint_paths
    from catalog.load import load_file

    start = time.perf_counter()
    files, _ = find_files([Path(folder)])
    for file, _namespace in files:
        load_file(file, str(file))
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    result = lint_paths([folder])
    lint_s = time.perf_counter() - start
    return {
        "load_s": load_s,
        "lint_s": lint_s,
        "metrics": len(result.catalog.metrics),
        "errors": len(result.errors),
        "first_error": str(result.errors[0]) if result.errors else "",
        "checks": len(CATALOG_CHECKS),
    }


def task_wide(metrics: int, warehouse: str | None = None) -> dict[str, Any]:
    """Compile 80 metrics × 10 dimensions by month, uncached, 20 times; optionally run the SQL once."""
    from catalog.compile import compile_query
    from catalog.lint import lint_texts

    result = lint_texts(wide_texts(metrics))
    if not result.ok:
        raise SystemExit("wide catalog invalid: " + str(result.errors[0]))
    names = sorted((m.name for m in result.catalog.metrics.values()), key=lambda n: int(n[1:]))
    query = {"metrics": names, "dimensions": list(USER_DIMENSIONS), "grain": "month"}
    first = time.perf_counter()
    sql = compile_query(query, result.catalog, cache=False).sql
    first_s = time.perf_counter() - first
    times = []
    for _ in range(20):
        start = time.perf_counter()
        compile_query(query, result.catalog, cache=False)
        times.append(time.perf_counter() - start)
    rows = None
    if warehouse:
        import duckdb

        con = duckdb.connect(warehouse, read_only=True)
        rows = len(con.execute(sql).fetchall())
    return {
        "metrics": len(names),
        "dimensions": len(USER_DIMENSIONS),
        "first_s": first_s,
        "median_s": statistics.median(times),
        "sql_chars": len(sql),
        "rows": rows,
    }


def task_conflicts(n: int) -> dict[str, Any]:
    """Delegate to bench/conflicts_bench.py (the conflict rule's own benchmark and generator)."""
    from bench.conflicts_bench import measure

    run = measure(n)
    return {
        "seconds": run.seconds,
        "per_metric_us": round(run.per_metric_us, 1),
        "findings": dict(run.findings),
        "distinct_filters": run.distinct_filters,
    }


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "lint": task_lint,
    "wide": task_wide,
    "conflicts": task_conflicts,
}


def _child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args(argv)
    args: list[Any] = [int(a) if a.isdigit() else a for a in ns.args]
    result = TASKS[ns.task](*args)
    result["peak_rss_kb"] = peak_rss_kb()
    print(json.dumps(result))


def run_task(*args: str, timeout: float = 300) -> dict[str, Any]:
    """Run one task in a fresh interpreter; its JSON answer, or {"error": ...}."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.scale", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()
        return {"error": tail[-1][:300] if tail else f"exit {done.returncode}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- orchestration and report -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleResults:
    lint: dict[int, dict[str, Any]]
    conflicts: dict[int, dict[str, Any]]
    wide: dict[str, Any]


def run(
    sizes: tuple[int, ...] = (1_000, 10_000, 50_000),
    conflict_sizes: tuple[int, ...] = (10_000, 100_000),
    warehouse: str | None = None,
    progress: Any = None,
) -> ScaleResults:
    lint: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="caliber-scale-") as tmp:
        for n in sizes:
            lint[n] = _bounded(lint, n) or run_task(
                "lint", str(write_catalog(n, Path(tmp) / str(n))), timeout=TASK_TIMEOUT_S
            )
            if progress:
                progress(f"lint {n:,} metrics: {lint[n]}")
    conflicts: dict[int, dict[str, Any]] = {}
    if (BENCH / "conflicts_bench.py").exists():
        for n in conflict_sizes:
            conflicts[n] = _bounded(conflicts, n) or run_task("conflicts", str(n), timeout=TASK_TIMEOUT_S)
            if progress:
                progress(f"conflicts {n:,}: {conflicts[n]}")
    wide = run_task("wide", "80", *([warehouse] if warehouse else []))
    if progress:
        progress(f"wide compile: {wide}")
    return ScaleResults(lint, conflicts, wide)


def _bounded(done: dict[int, dict[str, Any]], n: int) -> dict[str, Any] | None:
    """An "error" result when a smaller size already failed or was too slow for `n` to fit the time bound."""
    for smaller, result in done.items():
        seconds = result.get("lint_s", result.get("seconds"))
        if "error" in result or (seconds is not None and seconds * n / smaller > TASK_TIMEOUT_S):
            return {
                "error": f"skipped: {smaller:,} took {seconds or 0:.0f} s "
                f"({result.get('error', 'too slow')}); {n:,} would not fit the time bound"
            }
    return None


def markdown(results: ScaleResults) -> str:
    lines = [
        "Each row is a fresh process; peak RSS is that process's own high-water mark (VmHWM). Catalogs "
        "are generated (bench/scale.py): 70% atomic metrics with distinct filters, 20% ratios, "
        "10% derived.",
        "",
        "| catalog | load (YAML) | lint (whole pipeline) | target | peak RSS | notes |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in results.lint.items():
        if "error" in r:
            lines.append(f"| {n:,} metrics | failed: {r['error']} | | | | |")
            continue
        target = LINT_TARGET_S.get(n)
        verdict = "" if target is None else f"< {target:.0f} s: {'met' if r['lint_s'] < target else 'MISSED'}"
        note = f"{r['metrics']:,} metrics resolved, {r['errors']} errors, {r['checks']} catalog checks"
        lines.append(
            f"| {n:,} metrics | {r['load_s']:.2f} s | {r['lint_s']:.2f} s | {verdict} | "
            f"{r['peak_rss_kb'] / 1024:.0f} MiB | {note} |"
        )
    lines.append("")
    if results.conflicts:
        lines += ["| conflict detection | time | target | peak RSS | notes |", "|---|---|---|---|---|"]
        for n, r in results.conflicts.items():
            if "error" in r:
                lines.append(f"| {n:,} metrics | failed: {r['error']} | | | |")
                continue
            target = CONFLICTS_TARGET_S.get(n)
            seconds = float(r["seconds"])
            verdict = "" if target is None else f"< {target:.0f} s: {'met' if seconds < target else 'MISSED'}"
            extra = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("seconds", "peak_rss_kb"))
            lines.append(
                f"| {n:,} metrics | {seconds:.2f} s | {verdict} | {r['peak_rss_kb'] / 1024:.0f} MiB"
                f" | {extra} |"
            )
    else:
        lines.append("Conflict detection: bench/conflicts_bench.py is not in the tree yet, so no figure.")
    lines.append("")
    w = results.wide
    if "error" in w:
        lines.append(f"Wide compile (80 metrics × 10 dimensions): failed — {w['error']}")
    else:
        met = "met" if w["median_s"] * 1e3 < WIDE_TARGET_MS else "MISSED"
        ran = f"; the SQL ran on DuckDB and returned {w['rows']:,} rows" if w.get("rows") is not None else ""
        lines.append(
            f"Wide compile, {w['metrics']} metrics × {w['dimensions']} dimensions by month over 3 "
            f"sources, uncached: first {fmt_ms(w['first_s'] * 1e9)}, median of 20 "
            f"**{fmt_ms(w['median_s'] * 1e9)}** (target < {WIDE_TARGET_MS:.0f} ms: {met}), "
            f"{w['sql_chars']:,} characters of SQL, "
            f"peak RSS {w['peak_rss_kb'] / 1024:.0f} MiB{ran}."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    _child(sys.argv[1:])
