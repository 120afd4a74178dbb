"""Conflict and duplicate detection at scale (issue 5): 10k and 100k generated metrics, time and peak memory.

    python -m bench.conflicts_bench            # 10k and 100k, writes the "Conflicts (issue 5)" section
    python -m bench.conflicts_bench --sizes 10000 --no-write

The catalog is built in memory (frozen `Catalog` objects, no YAML) the way a large company's looks: 1,000
team namespaces over 200 warehouse tables; most metric names are the team's own, one in ten is a common name
("paying_users", "gmv"…) that many teams define, half of those with the same caliber and half not; filters
are combinations of a few dozen predicate shapes with varied literals. Caches are cleared before each run,
so every figure includes canonicalising every metric from its text.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass

from catalog import model as m
from catalog.compare import canonical
from catalog.compare.conflicts import find_conflicts
from catalog.metric_types import atomic, derived, ratio

TARGET_100K_S = 30.0
SECTION = "Conflicts (issue 5)"
STATUSES = ("paid", "refunded", "pending", "cancelled", "trial", "active")
KINDS = ("app", "web", "mini", "pc", "ios", "android", "kol", "search")
COMMON_NAMES = 500


@dataclass(frozen=True, slots=True)
class Run:
    metrics: int
    seconds: float
    cpu_seconds: float
    per_metric_us: float
    findings: Counter[str]
    distinct_filters: int
    peak_rss_mb: float


def generate(count: int, seed: int = 5) -> m.Catalog:
    """A catalog of `count` metrics (70% atomic, 20% ratio, 10% derived) over 200 sources."""
    rng = random.Random(seed)
    sources = {}
    for i in range(200):
        key = f"common.src{i:03}"
        sources[key] = m.Source(
            key=key,
            namespace="common",
            name=f"src{i:03}",
            table=f"dw.fact_t{i:03}",
            time="created_at",
            columns={
                "id": "integer",
                "user_id": "integer",
                "status": "string",
                "kind": "string",
                "amount": "decimal",
                "flag": "boolean",
                "created_at": "timestamp",
                "paid_at": "timestamp",
            },
            entities=(m.Entity("row", "id", True), m.Entity("user", "user_id")),
        )
    metrics: dict[str, m.Metric] = {}
    namespaces = [f"team{i:04}" for i in range(1000)]
    per_namespace = max(count // len(namespaces), 1)
    # A common name keeps one "true" caliber; teams that define it copy it or drift from it.
    common = {f"common_metric_{i}": _atomic(rng, sources) for i in range(COMMON_NAMES)}
    atomic_keys: dict[str, list[str]] = {}
    certified: set[str] = set()
    for n in range(count):
        namespace = namespaces[n // per_namespace % len(namespaces)]
        atomics = atomic_keys.setdefault(namespace, [])[-8:]
        roll = rng.random()
        if roll < 0.1:
            name = rng.choice(list(common))
            spec: m.Spec = common[name] if rng.random() < 0.5 else _atomic(rng, sources)
        elif roll < 0.3 and len(atomics) >= 2:
            name, spec = f"ratio_{n}", ratio.Ratio(*rng.sample(atomics, 2))
        elif roll < 0.4 and len(atomics) >= 2:
            a, b = rng.sample(atomics, 2)
            short = {k: k.rsplit(".", 1)[1] for k in (a, b)}
            name = f"derived_{n}"
            spec = derived.Derived(
                f"{short[a]} {rng.choice('+-*')} {short[b]}", {v: k for k, v in short.items()}
            )
        else:
            name, spec = f"metric_{n}", _atomic(rng, sources)
        key = f"{namespace}.{name}"
        if key in metrics:
            key, name = f"{key}_{n}", f"{name}_{n}"
        kind = {atomic.Atomic: atomic.TYPE, ratio.Ratio: ratio.TYPE, derived.Derived: derived.TYPE}[
            type(spec)
        ]
        if kind is atomic.TYPE:
            atomic_keys[namespace].append(key)
        label = name.replace("_", " ").title()
        # The first team to define a common name certified it (a standard metric); the others must override.
        standard = name in common and name not in certified
        certified.add(name)
        metrics[key] = m.Metric(
            key=key,
            namespace=namespace,
            name=name,
            kind=kind,
            spec=spec,
            label=m.Label(label, f"指标{label}"),
            description="generated",
            stage="revenue",
            owner=namespace,
            standard=standard,
        )
    return m.Catalog(sources=sources, metrics=metrics)


def _atomic(rng: random.Random, sources: dict[str, m.Source]) -> atomic.Atomic:
    agg = rng.choice(("sum", "count", "count_distinct", "avg", "max"))
    expr = {
        "sum": rng.choice(("amount", "amount * 1", "CASE WHEN flag THEN amount END")),
        "avg": "amount",
        "max": "amount",
        "count": None,
        "count_distinct": rng.choice(("user_id", "CASE WHEN status = 'paid' THEN user_id END")),
    }[agg]
    terms = [_predicate(rng) for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))]
    return atomic.Atomic(
        rng.choice(list(sources)), agg, expr, " AND ".join(terms) or None, rng.choice((None, None, "paid_at"))
    )


def _predicate(rng: random.Random) -> str:
    status = rng.sample(STATUSES, 3)
    return rng.choice(
        (
            f"status = '{status[0]}'",
            f"status IN ('{status[0]}', '{status[1]}')",
            f"(status = '{status[0]}' OR status = '{status[1]}' OR status = '{status[2]}')",
            f"status NOT IN ('{status[0]}', '{status[1]}')",
            f"amount > {rng.choice((0, 1, 10, 50, 100, 500))}",
            f"{rng.choice((0, 1, 10))} < amount",
            f"amount BETWEEN {rng.choice((1, 10))} AND {rng.choice((100, 1000))}",
            f"kind = '{rng.choice(KINDS)}'",
            f"(kind = '{rng.choice(KINDS)}' OR flag = TRUE)",
            "flag",
            "NOT flag",
            "paid_at IS NOT NULL",
        )
    )


def measure(count: int) -> Run:
    catalog = generate(count)
    distinct_filters = len(
        {s.filter for v in catalog.metrics.values() if isinstance(s := v.spec, atomic.Atomic) and s.filter}
    )
    canonical.clear_caches()
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    findings = find_conflicts(catalog)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    kinds = Counter(f.kind for f in findings)
    return Run(count, seconds, cpu, seconds / count * 1e6, kinds, distinct_filters, _peak_rss_mb())


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def report(runs: list[Run], previous: str | None) -> str:
    lines = [
        f"Machine: {os.cpu_count()} cores shared with other work, Python {sys.version.split()[0]}. "
        "`python -m bench.conflicts_bench`: `find_conflicts` on a generated in-memory catalog, caches "
        "cleared first, so the time includes canonicalising every metric and explaining every finding. "
        "Peak RSS is the process's (generation included).",
        "",
        "| metrics | wall | CPU | per metric (wall) | distinct filter texts | conflicts "
        "| undeclared overrides | duplicates | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        found = run.findings
        lines.append(
            f"| {run.metrics:,} | {run.seconds:.2f} s | {run.cpu_seconds:.2f} s | {run.per_metric_us:.0f} µs "
            f"| {run.distinct_filters:,} | {found['conflict']:,} | {found['standard_override_missing']:,} "
            f"| {found['duplicate']:,} | {run.peak_rss_mb:.0f} MB |"
        )
    big = next((r for r in runs if r.metrics == 100_000), None)
    if big is not None:
        verdict = "met" if big.seconds < TARGET_100K_S else "NOT met"
        lines += [
            "",
            f"- Target 100k metrics in under {TARGET_100K_S:.0f} s: **{verdict}** "
            f"({big.seconds:.2f} s wall, {big.cpu_seconds:.2f} s CPU; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of the run).",
        ]
        if previous:
            lines.append(f"- Previous 100k figure: {previous} wall.")
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        times, sizes = large.cpu_seconds / small.cpu_seconds, large.metrics / small.metrics
        lines.append(
            f"- Scaling {small.metrics:,} → {large.metrics:,} metrics: CPU time grew {times:.1f}× "
            f"for {sizes:.0f}× the metrics ({times / sizes:.2f} of linear)."
        )
    return "\n".join(lines)


def _previous_figure() -> str | None:
    from bench.results import RESULTS

    if not RESULTS.exists():
        return None
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find(f"## {SECTION}")
    found = re.search(r"\| 100,000 \| ([0-9.]+ s) \|", text[start:]) if start >= 0 else None
    return found.group(1) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.conflicts_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args(argv)
    previous = _previous_figure()
    runs = []
    for size in args.sizes:
        run = measure(size)
        print(
            f"{size:>7,} metrics: {run.seconds:6.2f} s wall, {run.cpu_seconds:.2f} s CPU "
            f"({run.per_metric_us:.0f} µs/metric), "
            f"findings {dict(run.findings)}, distinct filters {run.distinct_filters:,}, "
            f"peak RSS {run.peak_rss_mb:.0f} MB, {os.cpu_count()} cores",
            flush=True,
        )
        runs.append(run)
    text = report(runs, previous)
    if previous:
        print(f"previous 100k figure: {previous}")
    if not args.no_write:
        from bench.results import write_sections

        print(f"wrote {write_sections({SECTION: text})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
