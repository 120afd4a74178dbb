"""Cohorts of entities by their first event — shared by the conversion and retention metric types.

An entity's cohort is the period (at the query's grain) of its **first** event of the cohort metric inside the
time range, per dimension group: `MIN(time)` over the metric's rows, grouped by entity and dimensions. Rows
with a NULL entity belong to no cohort. Follow-up events (the conversion, the activity) are read without the
query's filters and time range: they are about the same entities and may happen after the range ends.

    first_events(shape, leaf, "user", "base metric") builds
    SELECT t0.user_id AS _entity, <dims>, MIN(t0.created_at) AS _time FROM … GROUP BY t0.user_id, <dims>
"""

from __future__ import annotations

from sqlglot import exp

from catalog.compile.blocks import alias, column, group_by, subquery
from catalog.compile.primitives import Atom, Slice
from catalog.compile.rowsets import RowSet, row_set
from catalog.query import METRIC_TIME
from catalog.sqlexpr import all_of


def first_events(
    shape: Slice,
    atom: Atom,
    entity: str,
    role: str,
    name: str = "_time",
) -> tuple[exp.Select, RowSet]:
    """`_entity`, the dimensions and `name` = the entity's first event, per entity and dimension group."""
    rows = row_set(shape, atom, sliced=True, time_range="full")
    dimensions = rows.dimensions
    query = rows.select(
        alias(rows.entity(entity, role), "_entity"),
        *(alias(e, n) for n, e in dimensions),
        alias(exp.Min(this=rows.time), name),
    )
    present = exp.Not(this=exp.Is(this=rows.entity(entity, role), expression=exp.Null()))
    # What `query.where(present)` does (AND onto the metric's own conditions), without the builder's cost.
    existing = query.args.get("where")
    query.set("where", exp.Where(this=all_of(existing.this, present) if existing is not None else present))
    return group_by(query, [rows.entity(entity, role), *(e for _, e in dimensions)]), rows


def events(shape: Slice, atom: Atom, entity: str, role: str) -> tuple[exp.Select, RowSet]:
    """`_entity`, `_time` of every event of a follow-up metric (its own filter only)."""
    rows = row_set(shape, atom, sliced=False, time_range="none")
    return rows.select(alias(rows.entity(entity, role), "_entity"), alias(rows.time, "_time")), rows


def cohort_counts(
    shape: Slice,
    cohort: exp.Select,
    cohort_rows: RowSet,
    follow: exp.Select,
    on: exp.Expr,
    names: tuple[str, str],
) -> exp.Select:
    """Per cohort period and dimensions: entities in the cohort (`names[0]`) and those matched (`names[1]`).

    `cohort` is aliased `f` and `follow` `a`; `on` joins them (LEFT JOIN, so empty cohorts keep their row).
    """
    keys: list[exp.Expr] = []
    projection: list[exp.Expr] = []
    if shape.grain is not None:
        bucket = cohort_rows.bucket(column("_time", "f"))
        keys.append(bucket)  # `group_by` copies the keys: the projection may take the original
        projection.append(alias(bucket, METRIC_TIME))
    for name, _ in shape.dimensions:
        keys.append(column(name, "f"))
        projection.append(alias(column(name, "f"), name))
    projection.append(alias(exp.Count(this=exp.Distinct(expressions=[column("_entity", "f")])), names[0]))
    projection.append(alias(exp.Count(this=exp.Distinct(expressions=[column("_entity", "a")])), names[1]))
    query = exp.Select(expressions=projection, from_=exp.From(this=subquery(cohort, "f")))
    query.set("joins", [exp.Join(this=subquery(follow, "a"), side="LEFT", on=on)])
    return group_by(query, keys)
