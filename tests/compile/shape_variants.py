"""Compile a query through the plan of its shape, made beforehand from other literals (`catalog.compile.shapes`)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from catalog.compile import CompiledQuery, compile_query, observe
from catalog.compile.shapes import shape_of
from catalog.model import Catalog
from catalog.query import MetricQuery

_outcomes: list[str] = []
observe(_outcomes.append)


def other_literals(query: dict[str, Any]) -> dict[str, Any]:
    """The same shape with every parameter changed: text and number filter values, time bounds, the limit."""

    def changed(value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, date):
            return value
        if isinstance(value, str):
            return value + "~x'"
        return value + 3 if isinstance(value, int) else value * 2 + 0.5

    changed_query = dict(query)
    changed_query["filters"] = [
        {**f, "values": [changed(v) for v in f.get("values", [])]} for f in query.get("filters", [])
    ]
    if query.get("time_range"):
        changed_query["time_range"] = {k: _earlier(v) for k, v in query["time_range"].items()}
    if query.get("limit") is not None:
        changed_query["limit"] = query["limit"] + 7
    return changed_query


def _earlier(bound: Any) -> Any:
    """A bound 35 days earlier, written the same way (date, local or with its offset; midnight or not)."""
    text = str(bound)
    if len(text) == 10:
        return (date.fromisoformat(text) - timedelta(days=35)).isoformat()
    moved = datetime.fromisoformat(text.replace("Z", "+00:00")) - timedelta(days=35)
    return moved.isoformat().replace("+00:00", "Z") if text.endswith("Z") else moved.isoformat()


def through_a_primed_shape(query: dict[str, Any], catalog: Catalog) -> CompiledQuery:
    """`query` compiled on a copy of `catalog` (so no earlier compile is kept) after two compiles of the same
    shape with other literals; asserts it came from the shape's plan when its shape is parametric."""
    fresh = copy.copy(catalog)
    primer = other_literals(query)
    compile_query(primer, fresh)
    compile_query(other_literals(primer), fresh)
    before = len(_outcomes)
    compiled = compile_query(query, fresh)
    # "cached": a query without parameters is its own primer; "compiled": a shape that is not parametric.
    _, parameters = shape_of(MetricQuery.model_validate(query))
    assert _outcomes[before:] in ([("shape" if parameters else "cached")], ["compiled"]), _outcomes[before:]
    return compiled


def outcomes() -> list[str]:
    """Every compile outcome so far in this process."""
    return _outcomes
