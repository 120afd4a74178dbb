"""Compile benchmark queries with Caliber, behind the same line protocol as the peers' drivers.

    python3 bench/peers/caliber_driver.py bench/model/caliber

A query spec is a `catalog.query.MetricQuery` as JSON; every call validates it again, as a request would be.
Modes: "warm"/"cached" call `compile_query` as a service would (its rendered-SQL cache may answer);
"uncached" passes `cache=False`, so planning, building the tree and rendering SQL run on every call.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

_t0 = time.perf_counter_ns()
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `catalog` is there
from protocol import CompileFn  # noqa: E402
from protocol import main as drive  # noqa: E402

from catalog.compile import compile_query  # noqa: E402
from catalog.model import Catalog  # noqa: E402
from catalog.query import MetricQuery  # noqa: E402
from catalog.snapshot import load_catalog  # noqa: E402

IMPORT_NS = time.perf_counter_ns() - _t0


def load(model_dir: str) -> Catalog:
    # The snapshot cache (keyed by the files' content) is what a real process reuses between runs.
    result = load_catalog([model_dir])
    if not result.ok:
        raise SystemExit("Caliber model is invalid:\n" + "\n".join(str(i) for i in result.errors))
    return result.catalog


def prepare(catalog: Catalog, spec: dict[str, Any], mode: str) -> CompileFn:
    use_cache = mode != "uncached"

    def compile_once() -> str:
        return compile_query(MetricQuery.model_validate(spec), catalog, cache=use_cache).sql

    return compile_once


def main() -> None:
    t0 = time.perf_counter_ns()
    catalog = load(sys.argv[1])
    load_ns = time.perf_counter_ns() - t0
    drive(lambda spec, mode: prepare(catalog, spec, mode), IMPORT_NS, load_ns, sys.argv[2:])


if __name__ == "__main__":
    main()
