"""Service (issue 4): latency and throughput of the REST service on loopback.

    python -m bench.service_bench            # 10 s per figure (2 minutes); writes its RESULTS.md section
    python -m bench.service_bench --quick    # 2 s per figure, figures not meaningful
    python -m bench.service_bench --no-write
    python -m bench.service_bench --distinct-only --checkout /tmp/before   # one row, another build (worktree)

`caliber serve` runs as it would in production (uvicorn, 1 then 2 workers) on a temporary SQLite store seeded
from `metric_defs/` on its first start. `wrk` drives it (an httpx asyncio loop stands in when wrk is
missing): one connection for the latency of a lone client, then 8 and 32 connections for throughput. The two
requests are `GET /v1/metrics/finance.gmv` and `POST /v1/compile` of two metrics by channel and month for
PostgreSQL; both are sent for a second before timing, so every worker has answered them once (the figures
are of a warm server: repeated requests of an unchanged catalog, which the service answers from memory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.results import RESULTS, write_sections
from bench.stats import machine

SECTION = "Service (issue 4)"
ROOT = Path(__file__).resolve().parents[1]
METRIC = "finance.gmv"
COMPILE_BODY = {
    "metrics": ["finance.gmv", "finance.paid_orders"],
    "dimensions": ["channel"],
    "grain": "month",
    "dialect": "postgres",
}
DISTINCT = "POST /v1/compile, new body"
REQUESTS = {
    "GET /v1/metrics/{key}": ("GET", f"/v1/metrics/{METRIC}", None),
    "POST /v1/compile": ("POST", "/v1/compile", COMPILE_BODY),
    # Each request a different `limit`: no cache can answer it, so this is the compiler's own throughput.
    DISTINCT: ("POST", "/v1/compile", COMPILE_BODY),
}
_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
CONNECTIONS = {1: (1, 8, 32), 2: (8, 32)}
"""Connections per figure by worker count; the uncached request runs at 8 only (it measures the compiler)."""


@dataclass(frozen=True, slots=True)
class Figure:
    request: str
    workers: int
    connections: int
    p50_ms: float
    p99_ms: float
    rps: float
    failed: int


@contextmanager
def server(workers: int, tmp: Path, checkout: Path = ROOT) -> Iterator[str]:
    """A running `caliber serve` of `checkout` on a free loopback port; yields its base URL.

    The server runs with `checkout` as its working directory, so that checkout's `catalog` and `app` packages
    are the ones imported (another commit's `git worktree`, to compare builds on one machine)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "CALIBER_DATABASE_URL": f"sqlite:///{tmp / 'catalog.db'}",
        "CALIBER_DEFS_PATH": str(ROOT / "metric_defs"),
        "CALIBER_WAREHOUSE_PATH": "",
    }
    log = (tmp / f"server-{workers}.log").open("wb")
    command = [
        sys.executable,
        "-c",
        # `serve` moved from `catalog.cli` to `app.cli`: a checkout of an older commit has only the former.
        "try:\n from app.cli import main\nexcept ImportError:\n from catalog.cli import main\nmain()",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(command, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine takes a while to spawn workers
        while not _healthy(base):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log.name}")
            time.sleep(0.2)
        for _ in range(4 * workers):
            httpx.get(f"{base}/v1/metrics/{METRIC}", timeout=30).raise_for_status()
        # The listening socket is shared, so which worker answers is the kernel's choice: a second of load on
        # each request makes every worker answer both before timing, and no figure includes a cold worker.
        for name in REQUESTS:
            if name != DISTINCT:
                measure(base, name, workers, 8 * workers, 1.0, tmp)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def measure(base: str, name: str, workers: int, connections: int, seconds: float, tmp: Path) -> Figure:
    method, path, body = REQUESTS[name]
    if shutil.which("wrk"):
        return _wrk(base, name, workers, connections, seconds, tmp)
    return asyncio.run(
        _httpx_load(base + path, method, body, name, workers, connections, seconds, distinct=name == DISTINCT)
    )


def _wrk(base: str, name: str, workers: int, connections: int, seconds: float, tmp: Path) -> Figure:
    method, path, body = REQUESTS[name]
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if name == DISTINCT:
        script = tmp / "distinct.lua"
        opening = json.dumps(json.dumps(body)[:-1] + ', "limit": ')
        script.write_text(
            f"counter = 0\nrequest = function()\n  counter = counter + 1\n"
            f'  return wrk.format("{method}", nil, {{["Content-Type"] = "application/json"}}, '
            f'{opening} .. counter .. "}}")\nend\n'
        )
        command += ["-s", str(script)]
    elif body is not None:
        script = tmp / "post.lua"
        script.write_text(
            f'wrk.method = "{method}"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
        )
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    latency = {
        p: float(v) * _WRK_UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", output)
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    return Figure(
        name,
        workers,
        connections,
        latency["50"],
        latency["99"],
        rps,
        (int(failed.group(1)) if failed else 0) + socket_errors,
    )


async def _httpx_load(
    url: str,
    method: str,
    body: Mapping[str, object] | None,
    name: str,
    workers: int,
    connections: int,
    seconds: float,
    distinct: bool = False,
) -> Figure:
    samples: list[float] = []
    failed = 0
    stop = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal failed
        while time.perf_counter() < stop:
            started = time.perf_counter()
            sent = {**body, "limit": len(samples) + 1} if distinct and body is not None else body
            response = await client.request(method, url, json=sent)
            samples.append((time.perf_counter() - started) * 1e3)
            failed += response.status_code >= 300

    began = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=connections)) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(connections)))
    elapsed = time.perf_counter() - began
    ordered = sorted(samples)
    return Figure(
        name,
        workers,
        connections,
        statistics.median(ordered),
        ordered[max(0, int(len(ordered) * 0.99) - 1)],
        len(ordered) / elapsed,
        failed,
    )


def run(seconds: float, checkout: Path = ROOT, only: str | None = None) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="caliber-service-bench-") as name:
        for workers in (1, 2) if only is None else (2,):
            tmp = Path(name) / f"w{workers}"
            tmp.mkdir()
            with server(workers, tmp, checkout) as base:
                for request in REQUESTS if only is None else (only,):
                    for connections in (8,) if request == DISTINCT else CONNECTIONS[workers]:
                        figure = measure(base, request, workers, connections, seconds, tmp)
                        print(
                            f"{request:28} workers={workers} connections={connections}: p50 "
                            f"{figure.p50_ms:.2f} ms, p99 {figure.p99_ms:.2f} ms, {figure.rps:,.0f} req/s, "
                            f"{figure.failed} failed",
                            flush=True,
                        )
                        figures.append(figure)
    return figures


def markdown(figures: list[Figure], seconds: float, quick: bool, load: float) -> str:
    tool = "wrk 4.1 (1 thread)" if shutil.which("wrk") else "an httpx asyncio loop"
    metrics = " + ".join(COMPILE_BODY["metrics"])
    intro = (
        f"`caliber serve` (uvicorn) on loopback with a SQLite store seeded from `metric_defs/`; load "
        f"from {tool} on the same machine, {seconds:g} s per row. `GET /v1/metrics/{METRIC}` reads the "
        "store and returns the definition, allowed dimensions and default SQL; `POST /v1/compile` "
        f"compiles {metrics} by channel and month for PostgreSQL. Both are warmed up for a second "
        "first; repeated requests of an unchanged catalog are answered from the response cache "
        f"(`app/response_cache.py`). `{DISTINCT}` sends the same query with a different `limit` each "
        "time, so every request is validated and compiled: the figure for queries never seen before. "
        "Re-run: `python -m bench.service_bench` (`--no-write` prints only)."
    )
    rows = [
        f"| {f.request} | {f.workers} | {f.connections} | {f.p50_ms:.2f} ms | {f.p99_ms:.2f} ms "
        f"| {f.rps:,.0f} | {f.failed} |"
        for f in figures
    ]
    table = [
        "| request | workers | connections | p50 | p99 | req/s | failed |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC{'; QUICK run (figures not meaningful)' if quick else ''}"
    footer = (
        f"Measured on {machine()}; load average {load:.2f} at start; {when}. The load generator shares "
        "the cores with the server, so these figures are a floor."
    )
    return "\n\n".join(part for part in [intro, "\n".join(table), footer, baseline()] if part)


BASELINE = "**Before issue 8**"
"""Starts the paragraph and table of the figures before the service was made fast; every run keeps them."""


def _section() -> str:
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find(f"## {SECTION}")
    if start < 0:
        return ""
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def baseline() -> str:
    """The section's baseline block, from `BASELINE` to the end of the section ('' when there is none)."""
    section = _section()
    start = section.find(BASELINE)
    return section[start:].strip() if start >= 0 else ""


def previous_rows() -> list[str]:
    """This section's table rows from the last run (not the baseline), to print next to the new figures."""
    section = _section()
    latest = section[: section.find(BASELINE)] if BASELINE in section else section
    return [line for line in latest.splitlines() if line.startswith("| GET") or line.startswith("| POST")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.service_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="2 s per figure")
    parser.add_argument("--seconds", type=float, help="duration of each figure (default 10; quick 2)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument(
        "--checkout",
        type=Path,
        default=ROOT,
        help="serve this checkout (a `git worktree` of another commit); implies --no-write",
    )
    parser.add_argument(
        "--distinct-only",
        action="store_true",
        help=f"only the {DISTINCT!r} row on 2 workers (implies --no-write)",
    )
    args = parser.parse_args(argv)
    partial = args.checkout.resolve() != ROOT or args.distinct_only
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    load = os.getloadavg()[0]
    print(f"{machine()}; load average {load:.2f} at start", flush=True)
    before = previous_rows()
    figures = run(seconds, args.checkout.resolve(), DISTINCT if args.distinct_only else None)
    if before:
        print("previous figures:\n" + "\n".join(before))
    if not (args.no_write or partial):
        write_sections({SECTION: markdown(figures, seconds, args.quick, load)})
        print(f"wrote the {SECTION!r} section of {RESULTS}")
    return 1 if any(f.failed for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
