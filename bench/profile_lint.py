"""Lint of 10,000 metrics in fresh processes, medians: `python3 -m bench.profile_lint [runs] [checkout]`.

Each run is a new interpreter that runs `bench/lint_bench.py` (a generated tree of 10,000 metrics, linted cold
then warm in the same process). On a shared machine one run says little, so this repeats it and reports the
medians of wall and CPU time; given the path of another checkout (e.g. `git archive HEAD | tar -x -C
/tmp/before`), it alternates runs of both, so both see the same load. Target (issue 8): cold < 5 s.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = re.compile(r"cold=([\d.]+)s \(cpu ([\d.]+)s\) warm=([\d.]+)s \(cpu ([\d.]+)s\)")


def once(checkout: Path) -> tuple[float, ...]:
    # PYTHONPATH first, so the checkout's own `catalog` package is imported, not the installed one.
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, str(checkout / "bench" / "lint_bench.py")],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = FIGURES.search(done.stdout)
    if found is None:
        raise SystemExit(f"unexpected output from {checkout}: {done.stdout}{done.stderr}")
    return tuple(float(x) for x in found.groups())


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    checkouts = {"this checkout": ROOT}
    if len(sys.argv) > 2:
        checkouts["other checkout"] = Path(sys.argv[2]).resolve()
    print(f"cores={os.cpu_count()} load={os.getloadavg()[0]:.2f} runs={runs}")
    samples: dict[str, list[tuple[float, ...]]] = {name: [] for name in checkouts}
    for _ in range(runs):
        for name, checkout in checkouts.items():
            samples[name].append(once(checkout))
    for name, found in samples.items():
        cold, cold_cpu, warm, warm_cpu = (statistics.median(s[i] for s in found) for i in range(4))
        print(
            f"{name}: cold {cold:.2f}s (cpu {cold_cpu:.2f}s), warm {warm:.2f}s (cpu {warm_cpu:.2f}s); "
            f"cold cpu min {min(s[1] for s in found):.2f}s max {max(s[1] for s in found):.2f}s"
        )
    print(f"load={os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
