"""The rows of one atomic metric, before aggregation: what every AARRR block starts from.

`row_set` describes `FROM <source> AS t0 LEFT JOIN <dimension sources> … WHERE <metric filter> AND <query
filters> AND <time range>` with the expressions of the time column, the entity and the dimensions, and leaves
the projection to the caller. Joins, filters and time-range literals are the ones the aggregation subqueries
use (`catalog.compile.atomic`), so a block reads exactly the rows its atomic metric would.

A row set is a value: `select`, `time`, `dimensions` and `entity` build new syntax trees on every call, so
each can be placed in a query as it is.

    >>> rows = row_set(shape, atom, sliced=True, time_range="full")      # doctest: +SKIP
    >>> rows.select(alias(rows.time, "_time")).sql()                      # doctest: +SKIP
    'SELECT "t0"."paid_at" AS "_time" FROM "dw"."fact_orders" AS "t0" WHERE "t0"."status" = \\'paid\\''
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

from catalog.compile.filters import bind
from catalog.compile.primitives import BASE, Atom, JoinPlan, Slice, plan_joins, table, time_bound
from catalog.compile.result import fail
from catalog.compile.trees import qualified
from catalog.query import METRIC_TIME
from catalog.sqlexpr import all_of

TimeScope = Literal["full", "end", "none"]
"""Which part of the query's time range limits the rows: `[start, end)`, only `< end`, or none."""


@dataclass(frozen=True, slots=True)
class RowSet:
    shape: Slice
    atom: Atom
    time_type: str
    """`date` or `timestamp` (`Atom.time_column`)."""
    sliced: bool
    """With the dimensions asked and the query's filters; else every row of the metric."""
    time_range: TimeScope
    joins: JoinPlan

    @property
    def time(self) -> exp.Expr:
        """The time column of the metric's rows (read as a timestamp when its type is not declared)."""
        return self.atom.time_column()[0]

    @property
    def dimensions(self) -> tuple[tuple[str, exp.Expr], ...]:
        """(output name, expression) of each dimension asked, or none when the rows are not sliced."""
        if not self.sliced:
            return ()
        return tuple((name, qualified(d.expr, self.joins.alias(d))) for name, d in self.shape.dimensions)

    def select(self, *columns: exp.Expr) -> exp.Select:
        """`SELECT <columns> FROM … WHERE …` over these rows."""
        shape, time_type = self.shape, self.time_type
        conditions: list[exp.Expr] = []
        if self.atom.spec.filter is not None:
            conditions.append(qualified(self.atom.spec.filter, BASE))
        if self.sliced and shape.filters:
            bound = {
                key: qualified(d.expr, self.joins.alias(d)) for key, d in shape.filter_dimensions.items()
            }
            bound[METRIC_TIME] = shape.dialect.truncate(self.time, time_type, shape.grain or "day")
            conditions.extend(exp.paren(bind(f, bound), copy=False) for f in shape.filters)
        limits = shape.time_range
        if limits is not None and self.time_range != "none":
            if self.time_range == "full":
                conditions.append(exp.GTE(this=self.time, expression=time_bound(limits.start, time_type)))
            conditions.append(exp.LT(this=self.time, expression=time_bound(limits.end, time_type)))
        query = exp.Select(
            expressions=list(columns), from_=exp.From(this=table(self.atom.source.table, BASE))
        )
        if self.joins.joins:
            query.set("joins", self.joins.nodes())
        if conditions:
            query.set("where", exp.Where(this=all_of(*conditions)))
        return query

    def entity(self, name: str, role: str) -> exp.Expr:
        """The column of entity `name` on this metric's source (the resolver checked it is there)."""
        found = self.atom.source.entity(name)
        if found is None:
            raise fail(
                "E006",
                f"{role} {self.atom.label} has no entity {name!r} on {self.atom.source.key}",
                "give the source that entity",
            )
        return exp.column(found.column, BASE, quoted=True)

    def bucket(self, value: exp.Expr | None = None) -> exp.Expr:
        """`value` (default: the time column) truncated to the query's grain."""
        assert self.shape.grain is not None
        return self.shape.dialect.truncate(
            value if value is not None else self.time, self.time_type, self.shape.grain
        )


def row_set(shape: Slice, atom: Atom, *, sliced: bool, time_range: TimeScope) -> RowSet:
    """The rows `atom` aggregates; `sliced` adds the dimensions asked and the query's filters."""
    if atom.time is None:
        raise fail(
            "E007",
            f"metric {atom.origin} needs a time column: {atom.label} has none",
            f"give source {atom.source.key} a `time:` or the metric its own `time:`",
        )
    time_type = atom.time_column()[1]
    reached = (
        [*(d for _, d in shape.dimensions), *(shape.filter_dimensions.values() if shape.filters else ())]
        if sliced
        else []
    )
    return RowSet(shape, atom, time_type, sliced, time_range, plan_joins(shape, atom, reached))
