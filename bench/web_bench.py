"""Web catalog (issue 7): server-side time of every page over a store of 10,000 metrics.

    python -m bench.web_bench      # 10,000 metrics, 60 requests per page; writes its RESULTS.md section
    python -m bench.web_bench --metrics 1000 --requests 20 --no-write

The catalog is `bench.scale.catalog_texts` (the scale benchmark's generated tree), published into a temporary
SQLite store, plus a second version of one metric. Each page is requested through the ASGI app in-process
(httpx, no network), so the time is the server's: routing, store reads, compile, template. Pages that name a
metric walk through different metrics, so the compiler's cache does not hide the compile. The first request
of all builds the per-catalog caches (catalog, search index, conflict findings) and is reported on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.results import write_sections
from bench.scale import catalog_texts
from bench.stats import machine

TARGET_MS = 50.0
SECTION = "Web (issue 7)"
DIALECTS = ("duckdb", "hive", "postgres", "bigquery", "clickhouse", "mysql", "snowflake", "trino")


def pages(n: int) -> dict[str, Callable[[int], str]]:
    """Page name → the URL of its i-th request."""

    def metric(i: int) -> int:
        return (i * 97) % n  # spread over the catalog, a different metric each time

    def path(i: int) -> str:
        k = metric(i)
        return f"/m/ns{k // 1000:03d}/m{k}"

    return {
        "home": lambda i: "/",
        "home, Chinese search": lambda i: f"/?q=指标{metric(i) // 10}",
        "home, filters + page 3": lambda i: (
            f"/?q=metric&stage=revenue&namespace=ns{i % max(n // 1000, 1):03d}&page=3"
        ),
        "metric (atomic / ratio / derived)": path,
        "metric, another dialect": lambda i: f"{path(i)}?dialect={DIALECTS[i % len(DIALECTS)]}",
        "metric, old version ?v=1": lambda i: "/m/ns000/m0?v=1",
        "conflicts": lambda i: "/conflicts",
        "unknown metric (404)": lambda i: f"/m/ns000/missing{i}",
    }


def build_store(n: int, folder: Path) -> str:
    """A store holding the generated catalog, then a second version of ns000.m0 published the normal way.

    The catalog is written in one transaction with the store's own `writes.create_definition`: publishing
    10k metrics through the checks takes minutes on 2 busy cores and is not what this benchmark measures.
    """
    from sqlalchemy.orm import Session

    from catalog.store import writes
    from catalog.store.overlay import SINGULAR, bundle_items
    from catalog.store.repository import Repository

    url = f"sqlite:///{folder / 'catalog.db'}"
    repo = Repository.from_url(url)
    repo.upgrade()
    files = catalog_texts(n)
    items, issues = bundle_items(files)
    if issues:
        raise SystemExit(f"generated catalog invalid: {issues[0]}")
    with Session(repo.engine) as session, session.begin():
        for item in items:
            writes.create_definition(
                session, SINGULAR[item.kind], item.namespace, item.name, item.raw, "bench", "generated"
            )
    reworded = files["ns000/m000000.yaml"].replace("Generated metric 0.", "Generated metric 0, reworded.")
    repo.publish({"ns000/m000000.yaml": reworded}, author="bench")
    return url


@dataclass
class Timings:
    """Per page: wall-clock and CPU seconds of each request (the CPU of this process: server and client)."""

    first: float = 0.0
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)


async def measure(url: str, n: int, requests: int) -> Timings:
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url=url, warehouse_path=None, prepare_on_start=False))
    timings = Timings()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        start = time.perf_counter()
        (await client.get("/")).raise_for_status()
        timings.first = time.perf_counter() - start
        for name, url_of in pages(n).items():
            wall, cpu = timings.wall.setdefault(name, []), timings.cpu.setdefault(name, [])
            for i in range(requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = await client.get(url_of(i))
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                expected = 404 if name.startswith("unknown") else 200
                if response.status_code != expected:
                    raise SystemExit(f"{url_of(i)}: HTTP {response.status_code}")
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def met(timings: Timings) -> bool:
    """The target holds when every page's p99 is under 50 ms, in CPU time (wall time depends on the load)."""
    return all(percentile(v, 0.99) * 1000 < TARGET_MS for v in timings.cpu.values())


def report(n: int, requests: int, timings: Timings, setup_s: float | None, load: float) -> str:
    rows = [
        "| page | wall median | wall p99 | CPU median | CPU p99 | p99 under 50 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, wall in timings.wall.items():
        cpu = timings.cpu[name]
        cells = [
            statistics.median(wall),
            percentile(wall, 0.99),
            statistics.median(cpu),
            percentile(cpu, 0.99),
        ]
        verdict = "yes" if cells[3] * 1000 < TARGET_MS else "**no**"
        rows.append(f"| {name} | " + " | ".join(f"{c * 1000:.1f} ms" for c in cells) + f" | {verdict} |")
    worst_cpu = max(percentile(v, 0.99) for v in timings.cpu.values()) * 1000
    worst_wall = max(percentile(v, 0.99) for v in timings.wall.values()) * 1000
    return "\n".join(
        [
            f"Every page of the web catalog over a store of **{n:,} metrics** (SQLite, `bench.scale` catalog), "
            f"{requests} requests per page through the ASGI app in-process (`python -m bench.web_bench`).",
            "",
            *rows,
            "",
            f"- Slowest p99 over the pages: **{worst_cpu:.1f} ms CPU**, {worst_wall:.1f} ms wall "
            f"(target < {TARGET_MS:.0f} ms for every page; wall time grows with the machine's load, "
            f"{load:.2f} at start).",
            f"- First request after start (builds the catalog from the store, the search index and the conflict "
            f"findings, then freezes them out of the garbage collector): {timings.first:.1f} s.",
            f"- Store setup (write {n:,} metrics, publish one new version; not part of any page): "
            + (f"{setup_s:.0f} s." if setup_s is not None else "reused from an earlier run (`--store`)."),
            "",
            f"Measured on {machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=10_000, help="catalog size (a multiple of 100)")
    parser.add_argument("--requests", type=int, default=60, help="requests per page (at least 50 for p99)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--store", type=Path, help="keep the store in this folder; reuse it if it exists")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.store or Path(scratch)
        setup_s: float | None = None
        if (folder / "catalog.db").exists():
            url = f"sqlite:///{folder / 'catalog.db'}"
        else:
            start = time.perf_counter()
            folder.mkdir(parents=True, exist_ok=True)
            url = build_store(args.metrics, folder)
            setup_s = time.perf_counter() - start
        timings = asyncio.run(measure(url, args.metrics, args.requests))
    text = report(args.metrics, args.requests, timings, setup_s, load)
    print(text)
    if not args.no_write:
        print(f"wrote {write_sections({SECTION: text})}")
    return 0 if met(timings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
