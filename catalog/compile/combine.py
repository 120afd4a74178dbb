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
from catalog.compile.plan import Leaf
from catalog.compile.trees import named


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
