"""Compile benchmark queries with Sidemantic; runs inside bench/.venvs/sidemantic (never imported by Caliber).

    bench/.venvs/sidemantic/bin/python bench/peers/sidemantic_driver.py bench/model/sidemantic/models.yml

A query spec: {"metrics": ["orders.gmv"], "dimensions": ["orders.paid_at__month"], "filters": ["..."]}.
"""

from __future__ import annotations

import sys
import time
from typing import Any

_t0 = time.perf_counter_ns()
from protocol import CompileFn  # noqa: E402
from protocol import main as drive  # noqa: E402
from sidemantic import SemanticLayer  # noqa: E402

IMPORT_NS = time.perf_counter_ns() - _t0


def prepare(layer: SemanticLayer, spec: dict[str, Any]) -> CompileFn:
    def compile_once() -> str:
        return layer.compile(
            metrics=spec["metrics"],
            dimensions=spec.get("dimensions", []),
            filters=spec.get("filters") or None,
            dialect="duckdb",
        )

    return compile_once


def main() -> None:
    t0 = time.perf_counter_ns()
    layer = SemanticLayer.from_yaml(sys.argv[1], connection="duckdb:///:memory:")
    load_ns = time.perf_counter_ns() - t0
    drive(lambda spec, _mode: prepare(layer, spec), IMPORT_NS, load_ns, sys.argv[2:])


if __name__ == "__main__":
    main()
