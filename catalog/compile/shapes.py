"""Compiled plans per query shape: a query that differs from a seen one only in its literals is not compiled again.

BI tools send the same query again and again with new filter values, time bounds and limits. A query's *shape*
is the query with those literals taken out (their types, and whether a time bound is at midnight, stay in
it); its *parameters* are the literals, in order. Text and number filter values, the time-range bounds and
the limit are parameters; other values (booleans, null, dates in filters) and everything else — metrics,
dimensions, `where` text, order, dialect, time zone — are part of the shape.

The second time a shape is seen, it is compiled twice by the ordinary compiler, with two sets of placeholder
values (`A` and `B`) that nothing else in a query writes. Each compile's SQL is cut where a placeholder's
rendered literal stands. The shape is *parametric* only when both cuts give the same text around the same
parameters in the same order, and every parameter stands somewhere: a value the compiler derived from a
literal (a bound shifted by a period, say) or any other dependence on the values makes the two differ, and
such a shape is always compiled anew. A later query of a parametric shape renders each of its values as a
literal of the dialect (sqlglot: `exp.Literal.string`, `exp.convert`, the time-bound strings of
`atomic.time_bound`) and puts them between the kept pieces of text.

    >>> shape_of(MetricQuery(metrics=["gmv"], limit=10))[0] == shape_of(MetricQuery(metrics=["gmv"], limit=20))[0]
    True
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlglot import exp

from catalog.compile.dialects import resolve_dialect
from catalog.compile.result import CompiledQuery, CompileError
from catalog.query import Filter, MetricQuery, TimeRange, local_time

Kind = Literal["text", "int", "float", "date", "midnight", "moment", "limit"]
Parameter = tuple[Kind, Any]

SHAPES = 1024
_NONCE = secrets.token_hex(6)


def shape_of(query: MetricQuery) -> tuple[Hashable, list[Parameter]]:
    """The query's shape (hashable) and its parameters in order."""
    parameters: list[Parameter] = []
    filters = []
    for f in query.filters:
        kept: list[Hashable] = []
        for value in f.values:
            kind = _value_kind(value)
            if kind is None:
                kept.append((type(value).__name__, value.isoformat() if isinstance(value, date) else value))
            else:
                parameters.append((kind, value))
                kept.append(kind)
        filters.append((f.dimension, f.op, tuple(kept)))
    bounds: tuple[Kind, Kind] | None = None
    if query.time_range is not None:
        # The compiler reads the bounds in the warehouse's time (`MetricQuery.local_time_range`).
        zone = ZoneInfo(query.time_zone)
        start = _bound(local_time(query.time_range.start, zone))
        end = _bound(local_time(query.time_range.end, zone))
        parameters += [start, end]
        bounds = (start[0], end[0])
    if query.limit is not None:
        parameters.append(("limit", query.limit))
    where = query.where if not isinstance(query.where, list) else tuple(query.where)
    shape = (
        tuple(query.metrics),
        tuple(query.dimensions),
        query.grain,
        tuple(filters),
        where,
        bounds,
        tuple(query.order_by),
        query.limit is None,
        query.dialect,
        query.time_zone,
    )
    return shape, parameters


def _value_kind(value: object) -> Kind | None:
    if isinstance(value, bool) or value is None or isinstance(value, date):
        return None
    if isinstance(value, str):
        return "text"
    return "int" if isinstance(value, int) else "float"


def _bound(value: date | datetime) -> Parameter:
    if not isinstance(value, datetime):
        return ("date", value)
    return ("midnight" if value == datetime(value.year, value.month, value.day) else "moment", value)


@dataclass(frozen=True, slots=True)
class Plan:
    """SQL cut at its parameters: `pieces[0] p pieces[1] p … pieces[-1]`, with `slots[i]` = (parameter, form)."""

    pieces: tuple[str, ...]
    slots: tuple[tuple[int, str], ...]
    compiled: CompiledQuery

    def render(self, parameters: list[Parameter]) -> CompiledQuery:
        dialect = self.compiled.dialect
        texts = {slot: _literal(dialect, slot[1], *parameters[slot[0]]) for slot in set(self.slots)}
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out.append(texts[slot])
            out.append(piece)
        return replace(self.compiled, sql="".join(out))


NOT_PARAMETRIC = "not parametric"
SEEN = "seen once"
Entry = Plan | str


class Shapes:
    """The plans of the last SHAPES shapes compiled against one catalog."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Entry | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: Hashable, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            if len(self.entries) > SHAPES:
                self.entries.popitem(last=False)


def plan(
    query: MetricQuery, parameters: list[Parameter], compile_: Callable[[MetricQuery], CompiledQuery]
) -> Plan | None:
    """The plan of `query`'s shape, from two compiles with placeholder values; None if it is not parametric."""
    try:
        first = compile_(_with(query, parameters, 0))
        second = compile_(_with(query, parameters, 1))
    except CompileError:
        return None
    cut_first = _cut(first.sql, first.dialect, parameters, 0)
    cut_second = _cut(second.sql, second.dialect, parameters, 1)
    if cut_first is None or cut_first != cut_second:
        return None
    pieces, slots = cut_first
    if {index for index, _ in slots} != set(range(len(parameters))):
        return None
    if (first.columns, first.metrics, first.warnings) != (second.columns, second.metrics, second.warnings):
        return None
    return Plan(pieces, slots, first)


def _placeholder(kind: Kind, index: int, variant: int) -> Any:
    """A value of `kind` no request writes: the two variants differ in every parameter."""
    if kind == "text":
        return f"caliber{_NONCE}p{index}v{variant}"
    if kind in ("int", "limit"):
        return (7_019_000_001 if variant == 0 else 8_029_000_001) + index
    if kind == "float":
        return (7_019_000_001.25 if variant == 0 else 8_029_000_001.75) + index
    day = date(2931 if variant == 0 else 2977, 3, 7) + timedelta(days=3 * index)
    if kind == "date":
        return day
    at = datetime(day.year, day.month, day.day)
    return at if kind == "midnight" else at + timedelta(hours=13, minutes=37, seconds=11)


def _with(query: MetricQuery, parameters: list[Parameter], variant: int) -> MetricQuery:
    values = iter(_placeholder(kind, i, variant) for i, (kind, _) in enumerate(parameters))
    filters = [
        Filter.model_construct(
            dimension=f.dimension,
            op=f.op,
            values=[v if _value_kind(v) is None else next(values) for v in f.values],
        )
        for f in query.filters
    ]
    update: dict[str, Any] = {"filters": filters}
    if query.time_range is not None:
        # The compiler reads only the bounds in the warehouse's time: give it those, without an offset.
        update["time_range"] = TimeRange.model_construct(start=next(values), end=next(values))
        update["time_zone"] = query.time_zone
    if query.limit is not None:
        update["limit"] = next(values)
    return query.model_copy(update=update)


_FORMS: dict[Kind, tuple[str, ...]] = {
    "text": ("text",),
    "int": ("number",),
    "float": ("number",),
    "limit": ("number",),
    "date": ("day", "moment"),
    "midnight": ("day", "moment"),
    "moment": ("moment",),
}


def _cut(
    sql: str, dialect: str, parameters: list[Parameter], variant: int
) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]] | None:
    """`sql` cut at every placeholder literal of `variant`, with which parameter and form stood there."""
    found: dict[str, tuple[int, str]] = {}
    for index, (kind, _) in enumerate(parameters):
        value = _placeholder(kind, index, variant)
        for form in _FORMS[kind]:
            text = _literal(dialect, form, kind, value)
            if text in found:
                return None
            found[text] = (index, form)
    alternatives = "|".join(
        re.escape(text) if text.startswith("'") else rf"(?<![\w.]){re.escape(text)}(?![\w.])"
        for text in sorted(found, key=len, reverse=True)
    )
    pieces: list[str] = []
    slots: list[tuple[int, str]] = []
    at = 0
    for match in re.finditer(alternatives, sql):
        pieces.append(sql[at : match.start()])
        slots.append(found[match.group(0)])
        at = match.end()
    pieces.append(sql[at:])
    return tuple(pieces), tuple(slots)


@lru_cache(maxsize=8192)
def _literal(dialect: str, form: str, kind: Kind, value: Any) -> str:
    """The literal as the compiler renders it: a filter value (`filters.literal`), a limit, or the string
    inside a time bound's cast (`atomic.time_bound`)."""
    node: exp.Expr
    if form == "text":
        node = exp.Literal.string(value)
    elif form == "number":
        node = exp.Literal.number(value) if kind == "limit" else exp.convert(value)
    elif form == "day":
        node = exp.Literal.string((value.date() if isinstance(value, datetime) else value).isoformat())
    else:
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        node = exp.Literal.string(moment.strftime("%Y-%m-%d %H:%M:%S"))
    generators = _generators.__dict__
    generator = generators.get(dialect)
    if generator is None:
        generator = generators[dialect] = resolve_dialect(dialect).dialect.generator(comments=False)
    return generator.generate(node, copy=False)


# A generator per dialect and thread: making one costs more than rendering a literal with it.
_generators = threading.local()


def typed(parameters: list[Parameter]) -> tuple[Hashable, ...]:
    """The parameters as a hashable key, each value with its kind: as Python values `1 == 1.0` and
    `-0.0 == 0.0`, yet they render apart."""
    return tuple((kind, repr(value) if kind == "float" else value) for kind, value in parameters)
