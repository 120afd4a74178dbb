"""Stage 1 — expand the requested metrics into atomic *leaves* and one output expression per metric.

Every metric type compiles to an expression over leaf columns (`_l0`, `_l1`, …), each leaf being one atomic
metric aggregated in its source's subquery (`catalog.compile.atomic`), or over the columns of a block of its
own (`catalog.compile.blocks`). Each metric's type compiles it (`MetricType.compile`) with the planner's
`leaf`, `component`, `use` and `block`.

    >>> plan = Planner(catalog, pins=None)            # doctest: +SKIP
    >>> plan.output("finance.avg_order_value", None).expr.sql()    # doctest: +SKIP
    'CAST("_l0" AS DOUBLE) / NULLIF(COALESCE("_l1", 0), 0)'
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp

from catalog.compile.blocks import Block, BlockBuilder, BlockColumn
from catalog.compile.primitives import COUNTING, Leaf
from catalog.compile.result import fail
from catalog.metric_types.atomic import Atomic
from catalog.model import Catalog, Metric

Pins = Callable[[str, int], Metric | None]


@dataclass(frozen=True, slots=True)
class Output:
    label: str
    metric: Metric
    expr: exp.Expr


class Planner:
    def __init__(self, catalog: Catalog, pins: Pins | None) -> None:
        self.catalog = catalog
        self.pins = pins
        self.leaves: dict[str, Leaf] = {}
        self.blocks: dict[str, Block] = {}
        """Metrics computed in subqueries of their own (the AARRR types), by label."""
        self.used: dict[str, None] = {}
        self.warnings: dict[str, None] = {}
        self._origin = ""

    def lookup(self, name: str, version: int | None) -> tuple[Metric, str]:
        """The metric a request names (bare, qualified, or pinned), with its label `key` / `key@N`."""
        found = self.catalog.find("metrics", name)
        if len(found) > 1:
            raise fail(
                "E001",
                f"metric {name!r} is ambiguous: {', '.join(sorted(found))}",
                "write it as namespace.name",
            )
        if not found:
            names = [*self.catalog.metrics, *(k.rsplit(".", 1)[-1] for k in self.catalog.metrics)]
            close = difflib.get_close_matches(name, names, n=3)
            raise fail(
                "E001",
                f"unknown metric {name!r}",
                f"did you mean {', '.join(map(repr, close))}?" if close else "see `caliber lint` output",
            )
        key = found[0]
        if version is None:
            return self.catalog.metrics[key], key
        if self.pins is None:
            raise fail(
                "E008",
                f"metric {key}@{version} is pinned, but no version store is connected",
                "compile through the service, or drop the @version",
            )
        pinned = self.pins(key, version)
        if pinned is None:
            raise fail("E008", f"metric {key} has no version {version}", "list its versions in the catalog")
        return pinned, f"{key}@{version}"

    def output(self, name: str, version: int | None) -> Output:
        metric, label = self.lookup(name, version)
        self._origin = label
        return Output(label, metric, self.expand(metric, label))

    def component(self, key: str) -> exp.Expr:
        """The expression of a metric used by another one (always its current version)."""
        return self.expand(self.catalog.metrics[key], key)

    def expand(self, metric: Metric, label: str) -> exp.Expr:
        self.used[label] = None
        if metric.deprecated:
            self.warnings[f"metric {label} is deprecated"] = None
        return metric.kind.compile(self, metric, label)

    def leaf(self, metric: Metric, label: str) -> exp.Expr:
        """The reference to an atomic metric's leaf column; counts of nothing read as 0."""
        spec = metric.spec
        assert isinstance(spec, Atomic)
        found = self.leaves.get(label)
        if found is None:
            source = self.catalog.sources[spec.source]
            column = f"_l{len(self.leaves)}"
            found = Leaf(label, spec, source, spec.time or source.time, self._origin, column)
            self.leaves[label] = found
        value: exp.Expr = exp.column(found.column, quoted=True)
        if spec.agg in COUNTING:
            value = exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
        return value

    def use(self, key: str) -> Metric:
        """The component metric `key`, recorded as used (and warned about when deprecated) without a leaf:
        what a block reads directly."""
        metric = self.catalog.metrics[key]
        self.used[key] = None
        if metric.deprecated:
            self.warnings[f"metric {key} is deprecated"] = None
        return metric

    def block(self, label: str, types: Sequence[str], build: BlockBuilder) -> list[exp.Column]:
        """Add the block computing metric `label` (once per query) and return references to its columns."""
        block = self.blocks.get(label)
        if block is None:
            start = sum(len(b.columns) for b in self.blocks.values())
            columns = tuple(
                BlockColumn(f"_b{start + i}", f"{label}#{i}", _data_type(t)) for i, t in enumerate(types)
            )
            block = self.blocks[label] = Block(label, columns, build)
        return [exp.column(c.column, quoted=True) for c in block.columns]


@lru_cache(maxsize=64)
def _data_type(name: str) -> exp.DataType:
    # `DataType.build` parses its text on every call. Shared safely: padding copies it into the tree.
    return exp.DataType.build(name)
