"""The three compilers as subprocesses: their virtual environments and the line protocol client.

Each peer lives in its own venv under bench/.venvs/ (MetricFlow pins its own dependency set, Sidemantic is
AGPL-3.0): Caliber never imports them. `ensure_venv` creates a missing one with `python -m venv` + `pip`.

    >>> with Driver.start(TOOLS["caliber"]) as caliber:
    ...     caliber.prepare("q01", {"metrics": ["gmv"]})["sql"][:6]
    'SELECT'
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENVS = BENCH / ".venvs"
PEERS = BENCH / "peers"
MODEL = BENCH / "model"


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    label: str
    driver: Path
    model: Path
    requirement: str | None
    """What `pip install` puts into the tool's own venv; None for Caliber (the system interpreter)."""

    @property
    def python(self) -> Path:
        if self.requirement is None:
            return Path(sys.executable)
        return VENVS / self.name / "bin" / "python"

    def command(self, *args: str) -> list[str]:
        return [str(self.python), str(self.driver), str(self.model), *args]


TOOLS: dict[str, Tool] = {
    "caliber": Tool("caliber", "Caliber", PEERS / "caliber_driver.py", MODEL / "caliber", None),
    "metricflow": Tool(
        "metricflow",
        "MetricFlow 0.213.0",
        PEERS / "metricflow_driver.py",
        MODEL / "metricflow",
        "metricflow==0.213.0",
    ),
    "sidemantic": Tool(
        "sidemantic",
        "Sidemantic",
        PEERS / "sidemantic_driver.py",
        MODEL / "sidemantic" / "models.yml",
        "sidemantic",
    ),
}


def ensure_venv(tool: Tool, log: Any = sys.stderr) -> str | None:
    """Create the tool's venv when missing; None when ready, else why it could not be made."""
    if tool.requirement is None or tool.python.exists():
        return None
    venv = tool.python.parent.parent
    print(f"installing {tool.requirement} into {venv} (once; takes a few minutes)", file=log)
    for cmd in (
        [sys.executable, "-m", "venv", str(venv)],
        [str(tool.python), "-m", "pip", "install", "--quiet", tool.requirement],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            return f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}"
    return None


def installed_version(tool: Tool) -> str:
    if tool.requirement is None:
        return "this checkout"
    package = tool.requirement.split("==")[0]
    done = subprocess.run(
        [str(tool.python), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


class DriverError(RuntimeError):
    pass


class Driver:
    """One long-lived compiler process; requests are answered in order, one JSON line each."""

    def __init__(
        self, tool: Tool, process: subprocess.Popen[str], log: IO[str], ready: dict[str, Any]
    ) -> None:
        self.tool = tool
        self.process = process
        self.log = log
        self.import_ns: int = ready["import_ns"]
        self.load_ns: int = ready["load_ns"]

    @classmethod
    def start(cls, tool: Tool) -> Driver:
        # Libraries log to stderr; a file (not a pipe nobody reads) can never fill up and stall the driver.
        log = tempfile.TemporaryFile("w+")  # noqa: SIM115 -- lives as long as the driver; closed in close()
        process = subprocess.Popen(
            tool.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            process.wait()
            log.seek(0)
            message = log.read().strip()[-2000:]
            log.close()
            raise DriverError(f"{tool.label} driver did not start: {message}")
        return cls(tool, process, log, json.loads(line))

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise DriverError(f"{self.tool.label} driver exited (code {self.process.poll()})")
        return dict(json.loads(line))

    def prepare(self, query_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        return self.request({"op": "prepare", "id": query_id, "spec": spec})

    def time(self, query_id: str, n: int, mode: str = "warm") -> list[int]:
        answer = self.request({"op": "time", "id": query_id, "n": n, "mode": mode})
        if "error" in answer:
            raise DriverError(answer["error"])
        return list(answer["samples_ns"])

    def peak_rss_kb(self) -> int:
        return int(self.request({"op": "rss"})["peak_rss_kb"])

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self) -> Driver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
