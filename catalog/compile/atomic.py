"""Stage 2 — one aggregation subquery per (source, time column), holding every atomic leaf read from it.

    SELECT <truncated time> AS metric_time, <dimension exprs> AS <names>,
           SUM(CASE WHEN <filter 1> THEN amount END) AS _l0, COUNT(CASE WHEN <filter 2> THEN 1 END) AS _l1,
           CAST(NULL AS BIGINT) AS _l2                          -- a leaf of another subquery (padding)
    FROM <source table> AS t0 LEFT JOIN <dimension source> AS t1 ON t0.user_id = t1.user_id
    WHERE (<filter 1> OR <filter 2>) AND <query filters> AND <time range>
    GROUP BY <truncated time>, <dimension exprs>

Dimension sources are LEFT JOINed along many-to-one paths (`catalog.joins`), so a fact without a dimension
row lands in the NULL group instead of being dropped, and no join repeats a fact row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlglot import exp

from catalog.compile.blocks import BlockColumn
from catalog.compile.dialects import DialectQuirks
from catalog.compile.filters import FilterTemplate, bind
from catalog.compile.memo import PerCatalog
from catalog.compile.numeric import average
from catalog.compile.plan import Leaf
from catalog.compile.result import fail
from catalog.compile.trees import named, qualified
from catalog.joins import JoinProblem, JoinStep, join_path
from catalog.model import Catalog, Dimension, Grain
from catalog.query import METRIC_TIME, TimeRange

Path = tuple[JoinStep, ...] | JoinProblem
BASE = "t0"
# Column types a padding NULL takes, so UNION ALL branches agree on every engine.
_PAD_TYPES = {
    "integer": "BIGINT",
    "decimal": "DECIMAL(38, 6)",
    "float": "DOUBLE",
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
_PAD_NODES = {name: exp.DataType.build(name) for name in {*_PAD_TYPES.values()}}
_AGGREGATES: dict[str, Callable[[exp.Expr], exp.Expr]] = {
    "sum": lambda value: exp.Sum(this=value),
    "avg": average,
    "min": lambda value: exp.Min(this=value),
    "max": lambda value: exp.Max(this=value),
}


@dataclass(frozen=True, slots=True)
class Slice:
    """What every subquery shares: the grain, the dimensions asked, the query's filters and time range."""

    catalog: Catalog
    quirks: DialectQuirks
    grain: Grain | None
    dimensions: Sequence[tuple[str, Dimension]]
    """(output column name, dimension), in the order asked."""
    filters: Sequence[FilterTemplate]
    filter_dimensions: Mapping[str, Dimension]
    time_range: TimeRange | None
    paths: dict[tuple[str, str], Path] = field(default_factory=dict)
    """Join paths by (from source, to source); shared by every compile against the same catalog object."""

    def __post_init__(self) -> None:
        if not self.paths:
            object.__setattr__(self, "paths", _paths_for(self.catalog))


# Join paths found so far, per catalog object: every compile against it shares them.
_paths_for: PerCatalog[dict[tuple[str, str], Path]] = PerCatalog(dict)


def group_leaves(leaves: Sequence[Leaf]) -> list[list[Leaf]]:
    """Leaves sharing a source and a time column, in first-seen order."""
    groups: dict[tuple[str, str | None], list[Leaf]] = {}
    for leaf in leaves:
        groups.setdefault((leaf.source.key, leaf.time), []).append(leaf)
    return list(groups.values())


def padding(leaf: Leaf | BlockColumn, quirks: DialectQuirks) -> exp.Expr:
    """The NULL that stands in for a leaf's column in the other subqueries of the UNION ALL."""
    if not quirks.typed_padding:
        return exp.Null()
    return exp.Cast(this=exp.Null(), to=pad_type(leaf))


def pad_type(leaf: Leaf | BlockColumn) -> exp.DataType:
    """The type of a leaf's column, for the typed NULL that stands in for it in other subqueries."""
    if isinstance(leaf, BlockColumn):
        return leaf.type.copy()
    spec = leaf.spec
    if spec.agg in ("count", "count_distinct"):
        name = "BIGINT"
    elif spec.agg == "avg":
        name = "DOUBLE"
    else:
        column_type = leaf.source.column_type(spec.expr.strip().lower()) if spec.expr else None
        name = _PAD_TYPES.get(column_type or "", "DOUBLE")
        if spec.agg == "sum" and name not in ("BIGINT", "DECIMAL(38, 6)"):
            name = "DOUBLE"
    return _PAD_NODES[name].copy()


class _Joins:
    """LEFT JOINs from the leaf source to dimension sources; paths sharing a prefix share the joins."""

    def __init__(self, catalog: Catalog, leaf: Leaf, paths: dict[tuple[str, str], Path]) -> None:
        self.catalog = catalog
        self.paths = paths
        self.leaf = leaf
        self.aliases: dict[tuple[JoinStep, ...], str] = {}
        self.joins: list[exp.Join] = []

    def alias_for(self, dimension: Dimension) -> str:
        ends = (self.leaf.source.key, dimension.source)
        path = self.paths.get(ends)
        if path is None:
            path = self.paths[ends] = join_path(self.catalog, *ends)
        if isinstance(path, JoinProblem):
            via = f" (via {self.leaf.label})" if self.leaf.label != self.leaf.origin else ""
            raise fail(
                "E003",
                f"metric {self.leaf.origin}{via} cannot be sliced by dimension "
                f"{dimension.key}: "
                f"{path.message}",
                path.hint,
            )
        alias = BASE
        for i, step in enumerate(path):
            prefix = path[: i + 1]
            if prefix not in self.aliases:
                target = f"t{len(self.aliases) + 1}"
                self.aliases[prefix] = target
                on = exp.EQ(
                    this=exp.column(step.from_column, alias, quoted=True),
                    expression=exp.column(step.to_column, target, quoted=True),
                )
                self.joins.append(
                    exp.Join(
                        this=table(self.catalog.sources[step.to_source].table, target), side="LEFT", on=on
                    )
                )
            alias = self.aliases[prefix]
        return alias


def table(name: str, alias: str) -> exp.Table:
    parts = [exp.Identifier(this=p, quoted=True) for p in name.split(".")]
    table_node = exp.Table(
        this=parts[-1],
        db=parts[-2] if len(parts) > 1 else None,
        catalog=parts[-3] if len(parts) > 2 else None,
    )
    table_node.set("alias", exp.TableAlias(this=exp.Identifier(this=alias, quoted=True)))
    return table_node


def time_column(leaf: Leaf) -> tuple[exp.Expr, str]:
    """The leaf's time column, ready to compare and truncate, and its type: `date` or `timestamp`.

    A column whose type is not declared as one of those is read through `CAST(… AS TIMESTAMP)`: it may hold
    dates, and on SQLite a date is the text '2024-03-01', which sorts before the bound '2024-03-01 00:00:00'.
    """
    assert leaf.time is not None
    column = exp.column(leaf.time, BASE, quoted=True)
    declared = leaf.source.column_type(leaf.time)
    if declared in ("date", "timestamp"):
        return column, declared
    return exp.cast(column, exp.DataType.Type.TIMESTAMP, copy=False), "timestamp"


def time_bound(value: date | datetime, column_type: str) -> exp.Expr:
    """A time-range bound as a literal of the column's type (a timestamp when the bound has a time of day)."""
    midnight = not isinstance(value, datetime) or value == datetime(value.year, value.month, value.day)
    if column_type == "date" and midnight:
        day = value.date() if isinstance(value, datetime) else value
        return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.Type.DATE, copy=False)
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return exp.cast(
        exp.Literal.string(moment.strftime("%Y-%m-%d %H:%M:%S")), exp.DataType.Type.TIMESTAMP, copy=False
    )


def aggregate(group: Sequence[Leaf], leaves: Sequence[Leaf | BlockColumn], shape: Slice) -> exp.Select:
    """The aggregation subquery of `group`, with a column for every leaf in `leaves` (others as NULL)."""
    first = group[0]
    joins = _Joins(shape.catalog, first, shape.paths)
    needs_time = (
        shape.grain is not None
        or shape.time_range is not None
        or any(METRIC_TIME in f.dimensions for f in shape.filters)
    )
    time_expr: exp.Expr | None = None
    column_type = "timestamp"
    if needs_time:
        if first.time is None:
            raise fail(
                "E007",
                f"metric {first.origin} has no time column, so it has no metric_time",
                f"give source {first.source.key} a `time:` or the metric its own `time:`",
            )
        time_expr, column_type = time_column(first)

    # Each key is built twice (SELECT and GROUP BY): building is cheaper than copying a tree.
    keys: list[exp.Expr] = []
    select: list[exp.Expr] = []
    if shape.grain is not None and time_expr is not None:
        for target in (keys, select):
            target.append(shape.quirks.truncate(time_expr.copy(), column_type, shape.grain))
        select[-1] = named(select[-1], METRIC_TIME)
    for name, dimension in shape.dimensions:
        alias = joins.alias_for(dimension)
        keys.append(qualified(dimension.expr, alias))
        select.append(named(qualified(dimension.expr, alias), name))

    conditions = _definition_filter(group)
    if shape.filters:
        bound = {key: qualified(d.expr, joins.alias_for(d)) for key, d in shape.filter_dimensions.items()}
        if time_expr is not None:
            bound[METRIC_TIME] = shape.quirks.truncate(time_expr.copy(), column_type, shape.grain or "day")
        conditions.extend(bind(f, bound) for f in shape.filters)
    if shape.time_range is not None and time_expr is not None:
        start, end = shape.time_range.start, shape.time_range.end
        conditions.append(exp.GTE(this=time_expr.copy(), expression=time_bound(start, column_type)))
        conditions.append(exp.LT(this=time_expr.copy(), expression=time_bound(end, column_type)))

    shared_filter = len({leaf.spec.filter for leaf in group}) == 1
    mine = {leaf.label for leaf in group}
    for leaf in leaves:
        if not isinstance(leaf, BlockColumn) and leaf.label in mine:
            column = _aggregate(leaf, None if shared_filter else leaf.spec.filter)
        else:
            column = padding(leaf, shape.quirks)
        select.append(named(column, leaf.column))

    query = exp.Select(expressions=select, from_=exp.From(this=table(first.source.table, BASE)))
    if joins.joins:
        query.set("joins", joins.joins)
    if conditions:
        query.set("where", exp.Where(this=exp.and_(*conditions, copy=False)))
    if keys:
        query.set("group", exp.Group(expressions=keys))
    return query


def _definition_filter(group: Sequence[Leaf]) -> list[exp.Expr]:
    """Rows any leaf of the group reads: the OR of their filters, or every row if one has no filter."""
    texts = list(dict.fromkeys(leaf.spec.filter for leaf in group))
    if any(t is None for t in texts):
        return []
    parts = [qualified(t, BASE) for t in texts if t is not None]
    return [exp.paren(exp.or_(*parts, copy=False), copy=False) if len(parts) > 1 else parts[0]]


def _aggregate(leaf: Leaf, row_filter: str | None) -> exp.Expr:
    spec = leaf.spec
    value: exp.Expr | None = qualified(spec.expr, BASE) if spec.expr else None
    if row_filter is not None:
        then = value if value is not None else exp.Literal.number(1)
        value = exp.Case(ifs=[exp.If(this=qualified(row_filter, BASE), true=then)])
    if spec.agg == "count":
        return exp.Count(this=value if value is not None else exp.Star())
    if spec.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    assert value is not None, "sum, avg, min and max have an `expr` (the resolver checks it)"
    return _AGGREGATES[spec.agg](value)
