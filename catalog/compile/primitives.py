"""The low-level pieces of a compile: atoms and leaves, the slice a query asks for, join plans and tables.

Every other module of the compiler builds on these; this one knows no metric type and builds no subquery.
An *atom* is an atomic metric as the rows it reads (source, time column, filter); a *leaf* is an atom
aggregated as one column of its source's subquery. The *slice* is what every subquery of a query shares: the
grain, the dimensions and filters asked, the time range and the engine's profile.

    >>> plan = plan_joins(shape, atom, [city])                          # doctest: +SKIP
    >>> plan.alias(city), [j.sql() for j in plan.nodes()]                # doctest: +SKIP
    ('t1', ['LEFT JOIN "dw"."dim_users" AS "t1" ON "t0"."user_id" = "t1"."user_id"'])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlglot import exp

from catalog.compile.dialects import DialectProfile
from catalog.compile.filters import FilterTemplate
from catalog.compile.result import fail
from catalog.joins import JoinProblem, JoinStep, join_path
from catalog.memo import PerCatalog
from catalog.metric_types.atomic import Atomic
from catalog.model import Catalog, Dimension, Grain, Metric, Source
from catalog.query import TimeRange
from catalog.sqlexpr import clone

Path = tuple[JoinStep, ...] | JoinProblem
BASE = "t0"
"""The alias of an atom's own source table in every query that reads its rows."""
COUNTING = ("count", "count_distinct")
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


@dataclass(frozen=True, slots=True)
class Atom:
    """An atomic metric as the rows it reads, and the requested metric that brought it into the query."""

    label: str
    """`key` or `key@N` for a pinned version."""
    spec: Atomic
    source: Source
    time: str | None
    """The time column: the metric's own `time`, else its source's."""
    origin: str
    """The requested metric that brought this atom in (for error messages)."""

    @classmethod
    def of(cls, catalog: Catalog, metric: Metric, label: str, origin: str) -> Atom:
        """The atom of atomic `metric` (the resolver admits only atomic metrics where one is needed)."""
        spec = metric.spec
        assert isinstance(spec, Atomic), f"{label} is not atomic"
        source = catalog.sources[spec.source]
        return cls(label, spec, source, spec.time or source.time, origin)

    def time_column(self) -> tuple[exp.Expr, str]:
        """The time column, ready to compare and truncate, and its type: `date` or `timestamp`.

        A column whose type is not declared as one of those is read through `CAST(… AS TIMESTAMP)`: it may hold
        dates, and on SQLite a date is the text '2024-03-01', which sorts before the bound '2024-03-01 00:00:00'.
        """
        assert self.time is not None
        column = exp.column(self.time, BASE, quoted=True)
        declared = self.source.column_type(self.time)
        if declared in ("date", "timestamp"):
            return column, declared
        return exp.cast(column, exp.DataType.Type.TIMESTAMP, copy=False), "timestamp"

    def pad_type(self) -> exp.DataType:
        """The type of the atom's aggregate, for the typed NULL that stands in for it in other subqueries."""
        spec = self.spec
        if spec.agg in COUNTING:
            name = "BIGINT"
        elif spec.agg == "avg":
            name = "DOUBLE"
        else:
            column_type = self.source.column_type(spec.expr.strip().lower()) if spec.expr else None
            name = _PAD_TYPES.get(column_type or "", "DOUBLE")
            if spec.agg == "sum" and name not in ("BIGINT", "DECIMAL(38, 6)"):
                name = "DOUBLE"
        return clone(_PAD_NODES[name])


@dataclass(frozen=True, slots=True)
class Leaf(Atom):
    """An atom aggregated as column `column` (`_l0`, `_l1`, …) of its source's subquery."""

    column: str


@dataclass(frozen=True, slots=True)
class Slice:
    """What every subquery shares: the grain, the dimensions asked, the query's filters and time range."""

    catalog: Catalog
    dialect: DialectProfile
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


@dataclass(frozen=True, slots=True)
class _Join:
    table: str
    alias: str
    from_alias: str
    from_column: str
    to_column: str


@dataclass(frozen=True, slots=True)
class JoinPlan:
    """LEFT JOINs from an atom's source to the sources of some dimensions; paths sharing a prefix share the
    joins. A value: `nodes()` builds new syntax trees on every call."""

    aliases: tuple[tuple[str, str], ...]
    """(dimension key, alias of the table its expression reads), in the order the dimensions were given."""
    joins: tuple[_Join, ...]

    def alias(self, dimension: Dimension) -> str:
        return next(alias for key, alias in self.aliases if key == dimension.key)

    def nodes(self) -> list[exp.Join]:
        return [
            exp.Join(
                this=table(join.table, join.alias),
                side="LEFT",
                on=exp.EQ(
                    this=exp.column(join.from_column, join.from_alias, quoted=True),
                    expression=exp.column(join.to_column, join.alias, quoted=True),
                ),
            )
            for join in self.joins
        ]


def plan_joins(shape: Slice, atom: Atom, dimensions: Iterable[Dimension]) -> JoinPlan:
    """The joins that reach every dimension from `atom`'s source; E003 for the first one no path reaches."""
    by_prefix: dict[tuple[JoinStep, ...], str] = {}
    joins: list[_Join] = []
    aliases: dict[str, str] = {}
    for dimension in dimensions:
        if dimension.key in aliases:
            continue
        ends = (atom.source.key, dimension.source)
        path = shape.paths.get(ends)
        if path is None:
            path = shape.paths[ends] = join_path(shape.catalog, *ends)
        if isinstance(path, JoinProblem):
            via = f" (via {atom.label})" if atom.label != atom.origin else ""
            raise fail(
                "E003",
                f"metric {atom.origin}{via} cannot be sliced by dimension {dimension.key}: {path.message}",
                path.hint,
            )
        alias = BASE
        for i, step in enumerate(path):
            prefix = path[: i + 1]
            if prefix not in by_prefix:
                target = by_prefix[prefix] = f"t{len(by_prefix) + 1}"
                joins.append(
                    _Join(
                        shape.catalog.sources[step.to_source].table,
                        target,
                        alias,
                        step.from_column,
                        step.to_column,
                    )
                )
            alias = by_prefix[prefix]
        aliases[dimension.key] = alias
    return JoinPlan(tuple(aliases.items()), tuple(joins))


def table(name: str, alias: str) -> exp.Table:
    """`"db"."name" AS "alias"` for a table written `name`, `db.name` or `catalog.db.name`."""
    parts = [exp.Identifier(this=p, quoted=True) for p in name.split(".")]
    table_node = exp.Table(
        this=parts[-1],
        db=parts[-2] if len(parts) > 1 else None,
        catalog=parts[-3] if len(parts) > 2 else None,
    )
    table_node.set("alias", exp.TableAlias(this=exp.Identifier(this=alias, quoted=True)))
    return table_node


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
