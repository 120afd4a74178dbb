"""Compile a metric query against a catalog into one SELECT for one SQL engine.

    >>> from catalog.lint import lint_paths
    >>> catalog = lint_paths(["metric_defs"]).catalog
    >>> q = MetricQuery(metrics=["gmv", "paid_orders"], dimensions=["channel"], grain="month", dialect="hive")
    >>> compiled = compile_query(q, catalog)
    >>> compiled.columns
    ('metric_time', 'channel', 'gmv', 'paid_orders')

The stages are modules: `plan` (metrics → atomic leaves, blocks and one expression per metric), `atomic` (one
aggregation subquery per source and time column), `filters` and `combine`, over the shared pieces in
`primitives`, `blocks`, `rowsets` and `trees`; `dialects` holds one profile per engine (with `timegrain` and
`datemath`). `docs/compiling.md` describes the SQL shape and the conventions it guarantees.
"""

from __future__ import annotations

import difflib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlglot.errors import ErrorLevel, UnsupportedError

from catalog.compile import atomic, combine, shapes
from catalog.compile.blocks import BlockColumn
from catalog.compile.dialects import resolve_dialect
from catalog.compile.filters import FilterTemplate, structured_filter, where_filter
from catalog.compile.plan import Output, Pins, Planner
from catalog.compile.primitives import Leaf, Slice
from catalog.compile.result import CompiledQuery, CompileError, fail
from catalog.issues import Location, issue
from catalog.memo import PerCatalog
from catalog.model import Catalog, Dimension
from catalog.query import METRIC_TIME, MetricQuery

__all__ = ["CompileError", "CompiledQuery", "MetricQuery", "compile", "compile_query", "observe"]

CACHE_SIZE = 1024

Outcome = Literal["cached", "shape", "compiled"]
OUTCOMES: tuple[Outcome, ...] = ("cached", "shape", "compiled")
_observers: list[Callable[[Outcome], None]] = []


def observe(callback: Callable[[Outcome], None]) -> None:
    """Call `callback(outcome)` after each `compile_query`: `cached` (an identical request's SQL), `shape`
    (a kept plan of the same shape with new values) or `compiled` (from scratch). The service counts them.

        observe(lambda outcome: counts.update([outcome]))
    """
    _observers.append(callback)


def _tell(outcome: Outcome) -> None:
    for callback in _observers:
        callback(outcome)


class _Rendered:
    """The last CACHE_SIZE compiles against one catalog, by the query's typed key and the layout."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, CompiledQuery] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> CompiledQuery | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: Hashable, compiled: CompiledQuery) -> None:
        with self.lock:
            self.entries[key] = compiled
            if len(self.entries) > CACHE_SIZE:
                self.entries.popitem(last=False)


# A Catalog is immutable, so its compiles and plans can be kept; they go when the catalog does.
_rendered: PerCatalog[_Rendered] = PerCatalog(_Rendered)
_shapes: PerCatalog[shapes.Shapes] = PerCatalog(shapes.Shapes)


def compile_query(
    query: MetricQuery | Mapping[str, Any],
    catalog: Catalog,
    pins: Pins | None = None,
    *,
    cache: bool = True,
    pretty: bool = False,
) -> CompiledQuery:
    """Compile `query` to SQL in `query.dialect`; raises `CompileError` (codes E001–E009).

    `pins(key, version)` returns a stored version of a metric for names such as `gmv@3`. Identical
    compiles of unpinned queries are served from a small in-process cache unless `cache=False`. `pretty`
    indents the SQL over several lines.
    """
    query = _validated(query)
    if not cache or query.pinned:
        fresh = _compile(query, catalog, pins, pretty)
        _tell("compiled")
        return fresh
    # The shape and the typed parameters say everything the compiler reads: equal keys mean the same SQL.
    shape, parameters = shapes.shape_of(query)
    rendered, key = _rendered(catalog), (pretty, shape, shapes.typed(parameters))
    found = rendered.get(key)
    if found is not None:
        _tell("cached")
        return found
    result, outcome = _by_shape(query, shape, parameters, catalog, pins, pretty)
    rendered.put(key, result)
    _tell(outcome)
    return result


def _by_shape(
    query: MetricQuery,
    shape: Hashable,
    parameters: list[shapes.Parameter],
    catalog: Catalog,
    pins: Pins | None,
    pretty: bool,
) -> tuple[CompiledQuery, Outcome]:
    """From the plan of the query's shape when it has one (`shapes`); the second sighting of a shape makes
    its plan, so a query seen once costs one compile."""
    if pretty:
        return _compile(query, catalog, pins, pretty), "compiled"
    kept = _shapes(catalog)
    entry = kept.get(shape)
    if isinstance(entry, shapes.Plan):
        return entry.render(parameters), "shape"
    if entry == shapes.SEEN and parameters:
        made = shapes.plan(query, parameters, lambda q: _compile(q, catalog, pins, pretty))
        kept.put(shape, made or shapes.NOT_PARAMETRIC)
        if made is not None:
            return made.render(parameters), "shape"
    elif entry is None:
        kept.put(shape, shapes.SEEN)
    return _compile(query, catalog, pins, pretty), "compiled"


compile = compile_query


def _validated(query: MetricQuery | Mapping[str, Any]) -> MetricQuery:
    if isinstance(query, MetricQuery):
        return query
    try:
        return MetricQuery.model_validate(query)
    except ValidationError as err:
        issues = []
        for error in err.errors():
            where = ".".join(str(p) for p in error["loc"]) or "query"
            code = (
                "E007"
                if where.startswith(("time_range", "time_zone", "grain")) or "grain" in error["msg"]
                else "E005"
            )
            issues.append(
                issue(
                    code, f"{where}: {error['msg']}", Location(where), "see docs/compiling.md (query model)"
                )
            )
        raise CompileError(issues) from None


def _compile(query: MetricQuery, catalog: Catalog, pins: Pins | None, pretty: bool) -> CompiledQuery:
    profile = resolve_dialect(query.dialect)
    planner = Planner(catalog, pins)
    outputs: list[Output] = [planner.output(name, version) for name, version in query.metric_refs()]
    grain = query.time_grain()
    dimensions = [_dimension(catalog, name) for name in query.dimension_names()]

    filter_dimensions: dict[str, Dimension] = {}

    def filter_key(name: str) -> str:
        if name == METRIC_TIME:
            return METRIC_TIME
        found = catalog.find("dimensions", name)
        if len(found) != 1:
            raise fail(
                "E005",
                f"filter on {name!r}, which is not a dimension"
                + (f" (ambiguous: {', '.join(sorted(found))})" if found else ""),
                "filters may reference dimensions and metric_time only",
            )
        filter_dimensions[found[0]] = catalog.dimensions[found[0]]
        return found[0]

    zone = ZoneInfo(query.time_zone)
    templates: list[FilterTemplate] = []
    for i, f in enumerate(query.filters):
        try:
            templates.append(structured_filter(f, filter_key(f.dimension), zone))
        except CompileError as err:
            raise err.at(f"filters.{i}") from None
    for i, text in enumerate(query.where_conditions()):
        if text.strip():
            try:
                templates.append(where_filter(text, filter_key))
            except CompileError as err:
                raise err.at("where" if isinstance(query.where, str) else f"where.{i}") from None

    dimension_names = _column_names([d.key for d in dimensions], [d.name for d in dimensions])
    metric_names = _column_names(
        [o.label for o in outputs], [o.metric.name for o in outputs], taken={METRIC_TIME, *dimension_names}
    )
    keys = ([METRIC_TIME] if grain else []) + dimension_names
    # A funnel is several columns (`<name>__step_1`, …); every other metric is one.
    named = [
        part
        for name, output in zip(metric_names, outputs, strict=True)
        for part in combine.columns_of(name, output.expr)
    ]
    columns = (*keys, *(name for name, _ in named))
    order_by = _order_by(query.order_by, columns, dimensions, dimension_names, outputs, metric_names)

    shape = Slice(
        catalog,
        profile,
        grain,
        list(zip(dimension_names, dimensions, strict=True)),
        templates,
        filter_dimensions,
        query.local_time_range(),
    )
    leaves = list(planner.leaves.values())
    blocks = list(planner.blocks.values())
    padded: list[Leaf | BlockColumn] = [*leaves, *(c for b in blocks for c in b.columns)]
    groups = atomic.group_leaves(leaves)
    alone = len(groups) + len(blocks) == 1
    subqueries = [atomic.aggregate(group, group if alone else padded, shape) for group in groups]
    subqueries += [b.subquery(shape, b.columns if alone else padded) for b in blocks]
    relation = combine.combine(subqueries, keys, padded)
    tree = combine.final_select(relation, keys, named, order_by, query.limit, profile.settings)
    # The tree is ours alone and dropped after rendering: no need for the generator to copy it first.
    try:
        sql = profile.dialect.generate(
            tree, copy=False, identify=True, comments=False, pretty=pretty, unsupported_level=ErrorLevel.RAISE
        )
    except UnsupportedError as err:
        raise fail(
            "E006",
            f"{profile.name} cannot express this query: {err}",
            "query the metrics separately or pick another dialect",
        ) from None
    requested = [o.label for o in outputs]
    used = tuple(dict.fromkeys([*requested, *planner.used]))
    return CompiledQuery(sql, profile.name, columns, used, tuple(planner.warnings))


def _dimension(catalog: Catalog, name: str) -> Dimension:
    found = catalog.find("dimensions", name)
    if len(found) == 1:
        return catalog.dimensions[found[0]]
    if found:
        raise fail(
            "E002",
            f"dimension {name!r} is ambiguous: {', '.join(sorted(found))}",
            "write it as namespace.name",
        )
    known = [*catalog.dimensions, *(k.rsplit(".", 1)[-1] for k in catalog.dimensions), METRIC_TIME]
    close = difflib.get_close_matches(name, known, n=3)
    raise fail(
        "E002",
        f"unknown dimension {name!r}",
        f"did you mean {', '.join(map(repr, close))}?"
        if close
        else "metric_time needs a grain; other dimensions are defined under `dimensions:`",
    )


def _column_names(labels: list[str], names: list[str], taken: set[str] | None = None) -> list[str]:
    """Bare names, unless two columns would collide: those use the label with `.`/`@` as `__`."""
    counts: dict[str, int] = {}
    for name in [*names, *(taken or ())]:
        counts[name] = counts.get(name, 0) + 1
    return [
        name if counts[name] == 1 else label.replace(".", "__").replace("@", "__v")
        for label, name in zip(labels, names, strict=True)
    ]


def _order_by(
    order_by: list[str],
    columns: tuple[str, ...],
    dimensions: list[Dimension],
    dimension_names: list[str],
    outputs: list[Output],
    metric_names: list[str],
) -> list[tuple[str, bool]]:
    """`-gmv` → ("gmv", descending); names may be written as asked (bare, qualified or pinned)."""
    aliases = {c: c for c in columns}
    for dimension, name in zip(dimensions, dimension_names, strict=True):
        aliases.setdefault(dimension.key, name)
        aliases.setdefault(dimension.name, name)
    for output, name in zip(outputs, metric_names, strict=True):
        aliases.setdefault(output.label, name)
        aliases.setdefault(output.metric.name, name)
    result = []
    for text in order_by:
        descending = text.startswith("-")
        name = text.lstrip("-+")
        if aliases.get(name) not in columns:  # a funnel's name: its columns are `<name>__step_1`, …
            raise fail(
                "E009",
                f"order_by {name!r} is not a column of the result",
                f"order by one of: {', '.join(columns)}",
            )
        result.append((aliases[name], descending))
    return result
