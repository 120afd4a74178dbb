"""The rows of one atomic metric, before aggregation: what every AARRR block starts from.

`row_set` gives `FROM <source> AS t0 LEFT JOIN <dimension sources> … WHERE <metric filter> AND <query
filters> AND <time range>` with the expressions of the time column, the entity and the dimensions, and leaves
the projection to the caller. Joins, filters and time-range literals are the ones the aggregation subqueries
use (`catalog.compile.atomic`), so a block reads exactly the rows its atomic metric would.

    >>> rows = row_set(shape, leaf, sliced=True, time_range="full")      # doctest: +SKIP
    >>> rows.select(alias(rows.time, "_time")).sql()                      # doctest: +SKIP
    'SELECT "t0"."paid_at" AS "_time" FROM "dw"."fact_orders" AS "t0" WHERE "t0"."status" = \\'paid\\''
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlglot import exp

# Modules, not names: `plan` registers the block types, so these are imported while it is still loading.
from catalog.compile import atomic, plan
from catalog.compile.filters import bind
from catalog.compile.result import fail
from catalog.compile.trees import all_of, clone, qualified
from catalog.model import Atomic, Catalog, Metric
from catalog.query import METRIC_TIME

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.plan import Leaf

TimeScope = Literal["full", "end", "none"]
"""Which part of the query's time range limits the rows: `[start, end)`, only `< end`, or none."""


@dataclass(frozen=True, slots=True)
class RowSet:
    base: exp.Select
    """FROM, joins and WHERE; no projection."""
    time: exp.Expr
    time_type: str
    """`date` or `timestamp` (`atomic.time_column`)."""
    dimensions: tuple[tuple[str, exp.Expr], ...]
    """(output name, expression) of each dimension asked, or none when the rows are not sliced."""
    leaf: Leaf

    def select(self, *columns: exp.Expr) -> exp.Select:
        """`base` with `columns` as its projection. A row set is used once, like its `time` and `dimensions`
        (callers place those in their query as they are): `base` itself is returned, not a copy, which was a
        large part of a conversion compile."""
        assert not self.base.expressions, "a row set is selected from once"
        self.base.set("expressions", list(columns))
        return self.base

    def entity(self, name: str, role: str) -> exp.Expr:
        """The column of entity `name` on this metric's source (the resolver checked it is there)."""
        found = self.leaf.source.entity(name)
        if found is None:
            raise fail(
                "E006",
                f"{role} {self.leaf.label} has no entity {name!r} on {self.leaf.source.key}",
                "give the source that entity",
            )
        return exp.column(found.column, atomic.BASE, quoted=True)

    def bucket(self, shape: Slice, value: exp.Expr | None = None) -> exp.Expr:
        """`value` (default: the time column) truncated to the query's grain."""
        assert shape.grain is not None
        return shape.quirks.truncate(clone(value or self.time), self.time_type, shape.grain)


def leaf_of(catalog: Catalog, metric: Metric, label: str, origin: str) -> Leaf:
    """A leaf for atomic `metric`, to reach its source, joins and filter (it has no column of its own)."""
    spec = metric.spec
    assert isinstance(spec, Atomic), "the resolver admits only atomic metrics as components of these types"
    source = catalog.sources[spec.source]
    return plan.Leaf("", label, spec, source, spec.time or source.time, origin)


def row_set(shape: Slice, leaf: Leaf, *, sliced: bool, time_range: TimeScope) -> RowSet:
    """The rows `leaf` aggregates; `sliced` adds the dimensions asked and the query's filters."""
    if leaf.time is None:
        raise fail(
            "E007",
            f"metric {leaf.origin} needs a time column: {leaf.label} has none",
            f"give source {leaf.source.key} a `time:` or the metric its own `time:`",
        )
    time, time_type = atomic.time_column(leaf)
    joins = atomic._Joins(shape.catalog, leaf, shape.paths)
    conditions: list[exp.Expr] = []
    if leaf.spec.filter is not None:
        conditions.append(qualified(leaf.spec.filter, atomic.BASE))
    dimensions: tuple[tuple[str, exp.Expr], ...] = ()
    if sliced:
        dimensions = tuple((name, qualified(d.expr, joins.alias_for(d))) for name, d in shape.dimensions)
        if shape.filters:
            bound = {key: qualified(d.expr, joins.alias_for(d)) for key, d in shape.filter_dimensions.items()}
            bound[METRIC_TIME] = shape.quirks.truncate(clone(time), time_type, shape.grain or "day")
            conditions.extend(exp.paren(bind(f, bound), copy=False) for f in shape.filters)
    limits = shape.time_range
    if limits is not None and time_range != "none":
        if time_range == "full":
            start = atomic.time_bound(limits.start, time_type)
            conditions.append(exp.GTE(this=clone(time), expression=start))
        conditions.append(exp.LT(this=clone(time), expression=atomic.time_bound(limits.end, time_type)))
    query = exp.Select(expressions=[], from_=exp.From(this=atomic.table(leaf.source.table, atomic.BASE)))
    if joins.joins:
        query.set("joins", joins.joins)
    if conditions:
        query.set("where", exp.Where(this=all_of(*conditions)))
    return RowSet(query, time, time_type, dimensions, leaf)
