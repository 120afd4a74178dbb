"""Part 2 — a cold process: start the interpreter, import, load the model, compile one query, exit.

Timed as a whole process with `hyperfine` when it is installed (warm-up run first, so the OS file cache and
.pyc files are warm, as they are on a developer machine), else with a subprocess loop; the median of
`runs` runs. Peak memory comes from one more run that reports its own `ru_maxrss`.

    >>> [c.name for c in commands()][3:5]
    ['Caliber (metric_defs/)', 'Caliber (bench model)']
"""

from __future__ import annotations

import json
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.drivers import PEERS, ROOT, TOOLS, Tool
from bench.stats import fmt_ms

TARGET_MS = 150
# One query each tool can answer correctly (q03 of the side-by-side set), in each tool's words.
SPECS = {
    "caliber": {"metrics": ["gmv"], "dimensions": ["channel"], "grain": "month"},
    "metricflow": {"metrics": ["gmv"], "group_by": ["metric_time__month", "user__channel"]},
    "sidemantic": {"metrics": ["orders.gmv"], "dimensions": ["orders.paid_at__month", "users.channel"]},
}


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argv: list[str]


@dataclass(frozen=True, slots=True)
class ColdResult:
    name: str
    median_ns: float | None
    cpu_ns: float | None
    """Mean user + system CPU time per process: what the process costs even when cores are contended."""
    runs: int
    peak_rss_kb: int | None
    error: str | None = None


def commands(tools: tuple[str, ...] = ("caliber", "metricflow", "sidemantic")) -> list[Command]:
    """The baselines first: on a shared machine they show how much slower than usual it is right now."""
    report = (
        f"import sys; sys.path.insert(0, {str(PEERS)!r}); from protocol import peak_rss_kb; "
        "print('{\"peak_rss_kb\": %d}' % peak_rss_kb())"
    )
    out = [
        Command("baseline: python3 -c pass", [sys.executable, "-c", report]),
        Command("baseline: python3 -c 'import sqlglot'", [sys.executable, "-c", "import sqlglot; " + report]),
        # The floor under any compiler that renders through sqlglot: import it and render one SELECT.
        Command(
            "floor: import sqlglot, render SELECT 1 for DuckDB",
            [
                sys.executable,
                "-c",
                "import sqlglot; sqlglot.transpile('SELECT 1', write='duckdb'); " + report,
            ],
        ),
    ]
    for name in tools:
        tool = TOOLS[name]
        once = ["--once", json.dumps(SPECS[name])]
        if name == "caliber":
            # The standard library is what `caliber` loads in production; the bench model is the peers' size.
            out.append(Command("Caliber (metric_defs/)", _argv(tool, ROOT / "metric_defs", once)))
            out.append(Command("Caliber (bench model)", tool.command(*once)))
        else:
            out.append(Command(tool.label, tool.command(*once)))
    return out


def _argv(tool: Tool, model: Path, extra: list[str]) -> list[str]:
    return [str(tool.python), str(tool.driver), str(model), *extra]


def measure(command: Command, runs: int = 10) -> ColdResult:
    """Median wall time of `runs` whole processes, and the peak RSS of one."""
    probe = subprocess.run(command.argv, capture_output=True, text=True, cwd=ROOT)
    if probe.returncode != 0:
        return ColdResult(
            command.name,
            None,
            None,
            0,
            None,
            probe.stderr.strip().splitlines()[-1:][0][:300]
            if probe.stderr.strip()
            else f"exit {probe.returncode}",
        )
    rss = int(json.loads(probe.stdout.strip().splitlines()[-1])["peak_rss_kb"])
    median, cpu = _hyperfine(command, runs) if shutil.which("hyperfine") else _loop(command, runs)
    return ColdResult(command.name, median, cpu, runs, rss)


def _hyperfine(command: Command, runs: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                "hyperfine",
                "--runs",
                str(runs),
                "--warmup",
                "1",
                "--style",
                "none",
                "--export-json",
                out.name,
                shlex.join(command.argv),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        result = json.loads(Path(out.name).read_text())["results"][0]
    return float(result["median"]) * 1e9, (float(result["user"]) + float(result["system"])) * 1e9


def _loop(command: Command, runs: int) -> tuple[float, float]:
    subprocess.run(command.argv, cwd=ROOT, capture_output=True, check=True)
    times = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        start = time.perf_counter_ns()
        subprocess.run(command.argv, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter_ns() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / runs
    return statistics.median(times), cpu * 1e9


def markdown(results: list[ColdResult]) -> str:
    timer = "hyperfine" if shutil.which("hyperfine") else "a subprocess loop"
    lines = [
        f"Whole process (interpreter start, imports, load the model, compile one query of q03's shape, "
        f"exit), median of the runs shown, timed with {timer}; peak RSS from the process itself. "
        f"Target for Caliber: ≤ {TARGET_MS} ms.",
        "",
        "| process | median wall | CPU (user+sys) | runs | peak RSS |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.name} | failed: {r.error} | — | — | — |")
        else:
            rss = f"{r.peak_rss_kb / 1024:.0f} MiB" if r.peak_rss_kb else "—"
            lines.append(f"| {r.name} | {fmt_ms(r.median_ns)} | {fmt_ms(r.cpu_ns)} | {r.runs} | {rss} |")
    return "\n".join(lines)
