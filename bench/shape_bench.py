"""Three compile figures per bench query, interleaved in one process: never-seen shape, seen shape with new
values, identical request (`catalog.compile.shapes`).

    python -m bench.shape_bench            # prints a Markdown table

- *never-seen shape*: `compile_query` on a fresh copy of the catalog each call, so no kept SQL or plan of
  that catalog exists: validation, the shape bookkeeping and one full compile.
- *seen shape, new values*: the query with a new `limit` each call (q08's filter and q11's time range keep
  their values; the limit is a parameter of every query), after the shape's plan was made.
- *identical request*: the same query again, answered from the rendered-SQL cache.

Every call validates the query from its JSON-like dict, as a request would. Figures are medians of
interleaved rounds; the machine is shared, so read the ratios, measured side by side, before the times.
"""

from __future__ import annotations

import copy
import statistics
import time
from typing import Any

from bench.drivers import MODEL
from bench.side_by_side import load_queries
from catalog.compile import compile_query
from catalog.snapshot import load_catalog


def main(rounds: int = 300) -> None:
    catalog = load_catalog([str(MODEL / "caliber")]).catalog
    print("| query | never-seen shape | seen shape, new values | identical request | never-seen / seen |")
    print("|---|---:|---:|---:|---:|")
    for query in load_queries():
        spec: dict[str, Any] = dict(query.specs["caliber"])
        timings: dict[str, list[float]] = {"new": [], "shape": [], "same": []}
        compile_query(spec | {"limit": 1}, catalog)
        compile_query(spec | {"limit": 2}, catalog)
        for n in range(rounds):
            fresh = copy.copy(catalog)
            started = time.perf_counter()
            compile_query(dict(spec), fresh)
            timings["new"].append(time.perf_counter() - started)
            started = time.perf_counter()
            compile_query(spec | {"limit": 1000 + n}, catalog)
            timings["shape"].append(time.perf_counter() - started)
            started = time.perf_counter()
            compile_query(spec | {"limit": 1}, catalog)
            timings["same"].append(time.perf_counter() - started)
        new, shape, same = (statistics.median(timings[k]) * 1e6 for k in ("new", "shape", "same"))
        print(f"| {query.id} | {new:,.0f} µs | {shape:,.1f} µs | {same:,.1f} µs | {new / shape:.1f}× |")


if __name__ == "__main__":
    main()
