"""What sqlglot alone costs: the floor under any compiler that renders its SQL through it, as Caliber does.

Where a peer compiles a query faster than Caliber, the side-by-side asks how long sqlglot takes merely to
turn that peer's own SQL into text from a ready syntax tree: no planning, no tree building, nothing of
Caliber. When that alone takes longer than the peer's whole compile, no compiler that renders through sqlglot
can match the peer there (Sidemantic fills in text templates and never builds a tree).

    >>> floor = render_time("SELECT a, SUM(b) FROM t GROUP BY a", runs=20)
    >>> floor.median_ns > 0
    True
"""

from __future__ import annotations

import time

import sqlglot
from sqlglot import exp

from bench.stats import Summary, summarize


def render_time(sql: str, dialect: str = "duckdb", runs: int = 300) -> Summary:
    """Time of `Dialect.generate` on the parsed `sql`, without copying: each run renders a tree of its own,
    made (and stripped of parser positions, as Caliber's trees are) before the timing starts."""
    tree = sqlglot.parse_one(sql, read=dialect)
    for node in tree.walk():
        node._meta = None
    trees: list[exp.Expr] = [tree.copy() for _ in range(runs)]
    engine = sqlglot.Dialect.get_or_raise(dialect)
    samples = []
    for copy in trees:
        start = time.perf_counter_ns()
        engine.generate(copy, copy=False, comments=False)
        samples.append(time.perf_counter_ns() - start)
    return summarize(samples)
