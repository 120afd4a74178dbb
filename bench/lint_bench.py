"""Lint speed on a generated catalog: `python3 bench/lint_bench.py [metrics]` (default 10,000 metrics).

Writes a tree of 100-metric files (atomic, ratio and derived metrics over 20 sources, each metric listing a
dimension to check its join path) to a temporary folder and times `lint_paths` over it, cold and warm. The
target is under 5 s for 10,000 metrics; compare with the previous figure printed in the lead's notes.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from catalog.lint import lint_paths

SOURCES = 20
PER_FILE = 100


def write_tree(root: Path, metrics: int) -> None:
    common = root / "common"
    common.mkdir()
    lines = ["sources:"]
    for s in range(SOURCES):
        lines += [
            f"  src_{s}:",
            f"    table: dw.src_{s}",
            "    time: created_at",
            "    columns: {id: integer, user_id: integer, created_at: timestamp, amount: decimal, "
            "status: string, channel: string}",
            "    entities:",
            "      user: {column: user_id}" if s else "      user: {column: user_id, primary: true}",
            f"      e{s}: {{column: id, primary: {'true' if s else 'false'}}}",
        ]
    lines += ["dimensions:", "  channel: {source: src_0, expr: channel, label: {en: Channel, zh: 渠道}}"]
    (common / "sources.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    for f in range(-(-metrics // PER_FILE)):
        folder = root / f"team_{f}"
        folder.mkdir()
        out = ["metrics:"]
        for i in range(min(PER_FILE, metrics - f * PER_FILE)):
            meta = (
                f"label: {{en: Metric {f}-{i}, zh: 指标 {f}-{i}}}, description: Generated metric {i}.,"
                f" stage: revenue, owner: team_{f}, dimensions: [channel]"
            )
            m = f"m{f}_"
            if i % 10 == 8:
                out.append(
                    f"  {m}{i}: {{type: ratio, numerator: {m}{i - 2}, denominator: {m}{i - 1}, {meta}}}"
                )
            elif i % 10 == 9:
                out.append(f"  {m}{i}: {{type: derived, expr: {m}{i - 3} - {m}{i - 4} * 2, {meta}}}")
            else:
                source = f"src_{(f + i) % SOURCES}"
                out.append(
                    f"  {m}{i}: {{type: atomic, source: {source}, agg: sum, "
                    f"expr: amount * {i % 7 + 1}, "
                    f"filter: \"status IN ('paid', 'x{i}') AND amount > {f}\", {meta}}}"
                )
        (folder / "metrics.yaml").write_text("\n".join(out) + "\n", "utf-8")


def main() -> None:
    metrics = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, metrics)
        timings = []
        for _ in range(2):
            started, cpu = time.perf_counter(), time.process_time()
            result = lint_paths([root])
            timings.append((time.perf_counter() - started, time.process_time() - cpu))
        (cold, cold_cpu), (warm, warm_cpu) = timings
        print(
            f"cores={os.cpu_count()} metrics={len(result.catalog.metrics):,} issues={len(result.issues)} "
            f"cold={cold:.2f}s (cpu {cold_cpu:.2f}s) warm={warm:.2f}s (cpu {warm_cpu:.2f}s)"
        )


if __name__ == "__main__":
    main()
