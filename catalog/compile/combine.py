"""Stage 3 — combine the aggregation subqueries on the dimension keys and compute each requested metric.

Several subqueries are stacked with `UNION ALL` (each pads the other subqueries' leaves with typed NULLs) and
grouped again on the keys with `MAX` per leaf: portable where FULL OUTER JOIN is not (MySQL), and a NULL key
matches a NULL key as one group, which a join on `a = b` would not do.

    SELECT metric_time, channel, COALESCE(_l1, 0) AS paid_orders, CAST(_l0 AS DOUBLE) / NULLIF(_l2, 0) AS …
    FROM (SELECT metric_time, channel, MAX(_l0) AS _l0, … FROM (<sub 1> UNION ALL <sub 2>) AS u
          GROUP BY metric_time, channel) AS q
    ORDER BY … LIMIT …

Ordering puts NULLs last, ascending and descending alike, on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from catalog.compile.blocks import BlockColumn
from catalog.compile.primitives import Leaf
from catalog.compile.result import fail
from catalog.compile.trees import named

PARTS = "__"
"""Joins a metric's name and one of its parts: `sales_funnel__step_1`, `sales_funnel__rate_2`."""


def _id(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def combine(
    subqueries: Sequence[exp.Select],
    keys: Sequence[str],
    leaves: Sequence[Leaf | BlockColumn],
) -> exp.Expr:
    """One relation with the key columns and one column per leaf."""
    if len(subqueries) == 1:
        return subqueries[0]
    stacked: exp.Expr = subqueries[0]
    for query in subqueries[1:]:
        stacked = exp.Union(this=stacked, expression=query, distinct=False)
    select: list[exp.Expr] = [_id(k) for k in keys]
    select.extend(named(exp.Max(this=_id(leaf.column)), leaf.column) for leaf in leaves)
    grouped = exp.Select(
        expressions=select,
        from_=exp.From(
            this=exp.Subquery(this=stacked, alias=exp.TableAlias(this=exp.Identifier(this="u", quoted=True)))
        ),
    )
    if keys:
        grouped.set("group", exp.Group(expressions=[_id(k) for k in keys]))
    return grouped


def final_select(
    relation: exp.Expr,
    keys: Sequence[str],
    outputs: Sequence[tuple[str, exp.Expr]],
    order_by: Sequence[tuple[str, bool]],
    limit: int | None,
    settings: Sequence[tuple[str, int]] = (),
) -> exp.Select:
    """Keys and metric expressions over `relation`; `order_by` is (output column, descending); `settings`
    are the engine's query-level settings (ClickHouse's `SETTINGS name = value`, applying to every
    subquery)."""
    select: list[exp.Expr] = [_id(k) for k in keys]
    select.extend(named(expr, name) for name, expr in outputs)
    query = exp.Select(
        expressions=select,
        from_=exp.From(
            this=exp.Subquery(this=relation, alias=exp.TableAlias(this=exp.Identifier(this="q", quoted=True)))
        ),
    )
    if order_by:
        query.set(
            "order",
            exp.Order(
                expressions=[
                    exp.Ordered(this=_id(name), desc=descending, nulls_first=False)
                    for name, descending in order_by
                ]
            ),
        )
    if limit is not None:
        query.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    if settings:
        query.set(
            "settings",
            [exp.EQ(this=exp.var(name), expression=exp.Literal.number(value)) for name, value in settings],
        )
    return query


def columns_of(name: str, expr: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """Output columns of one requested metric: itself, or the parts of a metric that is several values (a
    funnel: a Tuple of aliased parts), named `<name>__<part>`.

    Such a metric inside another metric's arithmetic (a ratio or derived metric over it) has no single value:
    E006.
    """
    if _is_parts(expr):
        return [(f"{name}{PARTS}{part.alias}", part.this) for part in expr.expressions]
    if any(_is_parts(node) for node in expr.find_all(exp.Tuple)):
        raise fail(
            "E006",
            f"metric {name} computes with a funnel, which is several columns, not one value",
            "use one of the funnel's steps (an atomic metric) in the arithmetic instead",
        )
    return [(name, expr)]


def _is_parts(expr: exp.Expr) -> bool:
    return isinstance(expr, exp.Tuple) and all(isinstance(e, exp.Alias) for e in expr.expressions)
