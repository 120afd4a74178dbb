"""What sqlglot alone costs: the floor under any compiler that builds and renders SQL with it, like Caliber.

Where a peer compiles a query faster than Caliber, the side-by-side asks how long sqlglot takes merely to
*build* that peer's own SQL as a syntax tree, node by node with the node constructors a compiler calls, and
to *render* it as text from a ready tree: no planning, no reading of definitions, nothing of Caliber. When
building plus rendering costs more than the peer's whole compile, no compiler that goes through sqlglot can
match the peer on that query (Sidemantic fills in text templates and never builds a tree).

    >>> floor = sqlglot_floor("SELECT a, SUM(b) FROM t GROUP BY a", runs=20)
    >>> floor.build.median_ns > 0 and floor.render.median_ns > 0
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from bench.stats import Summary, summarize
from catalog.sqlexpr import clone


@dataclass(frozen=True, slots=True)
class Floor:
    build: Summary
    """Constructing the tree, node by node (`catalog.compile.trees.clone` of the parsed tree)."""
    render: Summary
    """`Dialect.generate` of a ready tree, without the defensive copy."""

    @property
    def median_ns(self) -> float:
        return self.build.median_ns + self.render.median_ns


def sqlglot_floor(sql: str, dialect: str = "duckdb", runs: int = 300) -> Floor:
    tree = sqlglot.parse_one(sql, read=dialect)
    for node in tree.walk():
        node._meta = None  # parser positions: a compiler's trees carry none
    built: list[exp.Expr] = []
    build = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        built.append(clone(tree))
        build.append(time.perf_counter_ns() - start)
    engine = sqlglot.Dialect.get_or_raise(dialect)
    render = []
    for copy in built:
        start = time.perf_counter_ns()
        engine.generate(copy, copy=False, comments=False)
        render.append(time.perf_counter_ns() - start)
    return Floor(summarize(build), summarize(render))
