"""Every way a query can be wrong is a coded issue with a message naming the culprit and a hint."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from catalog.compile import CompileError, compile_query
from catalog.issues import CODES
from catalog.model import Catalog


def problem(catalog: Catalog, query: dict[str, Any], pins: Any = None) -> tuple[str, str, str]:
    with pytest.raises(CompileError) as caught:
        compile_query(query, catalog, pins)
    first = caught.value.issues[0]
    assert first.code in CODES
    return first.code, first.message, first.hint


def test_unknown_metric_suggests_close_names(catalog: Catalog) -> None:
    assert problem(catalog, {"metrics": ["gvm"]}) == ("E001", "unknown metric 'gvm'", "did you mean 'gmv'?")


def test_unknown_dimension(catalog: Catalog) -> None:
    code, message, hint = problem(catalog, {"metrics": ["gmv"], "dimensions": ["chanel"]})
    assert (code, message) == ("E002", "unknown dimension 'chanel'")
    assert "'channel'" in hint


def test_fan_out_names_the_metric_and_the_dimension(catalog: Catalog) -> None:
    code, message, hint = problem(catalog, {"metrics": ["new_users"], "dimensions": ["course_category"]})
    assert code == "E003"
    assert message.startswith("metric shop.new_users cannot be sliced by dimension common.course_category: ")
    assert "fan-out" in message
    assert hint


def test_no_join_path_names_the_component_too(catalog: Catalog) -> None:
    code, message, _ = problem(catalog, {"metrics": ["attendance_rate"], "dimensions": ["refund_reason"]})
    assert code == "E003"
    assert message.startswith(
        "metric teach.attendance_rate (via teach.lessons_attended) cannot be sliced by "
        "dimension common.refund_reason"
    )


def test_unknown_dialect(catalog: Catalog) -> None:
    code, _, hint = problem(catalog, {"metrics": ["gmv"], "dialect": "hivee"})
    assert code == "E004" and "'hive'" in hint


def test_filter_on_a_metric(catalog: Catalog) -> None:
    code, message, _ = problem(
        catalog, {"metrics": ["gmv"], "filters": [{"dimension": "gmv", "op": ">", "values": [1]}]}
    )
    assert (code, message) == ("E005", "filter on 'gmv', which is not a dimension")


def test_invalid_query_shapes_are_issues_not_crashes(catalog: Catalog) -> None:
    assert problem(catalog, {"metrics": ["gmv"], "filters": [{"dimension": "city", "op": "~"}]})[0] == "E005"
    assert (
        problem(
            catalog,
            {"metrics": ["gmv"], "time_range": {"start": "2024-02-01", "end": "2024-01-01"}},
        )[0]
        == "E007"
    )
    assert problem(catalog, {"metrics": ["gmv"], "grain": "hour"})[0] == "E007"
    assert problem(catalog, {"metrics": ["gmv"], "dimensions": ["metric_time"]})[0] == "E007"


def test_grain_without_a_time_column(catalog: Catalog) -> None:
    orders = replace(catalog.sources["common.orders"], time=None)
    timeless = Catalog(
        sources={**catalog.sources, orders.key: orders},
        dimensions=catalog.dimensions,
        metrics=catalog.metrics,
    )
    code, message, hint = problem(timeless, {"metrics": ["orders_created"], "grain": "month"})
    assert code == "E007"
    assert message == "metric shop.orders_created has no time column, so it has no metric_time"
    assert "common.orders" in hint


def test_pinned_version_without_a_store_or_missing(catalog: Catalog) -> None:
    assert problem(catalog, {"metrics": ["gmv@3"]})[:2] == (
        "E008",
        "metric shop.gmv@3 is pinned, but no version store is connected",
    )
    assert problem(catalog, {"metrics": ["gmv@3"]}, lambda key, version: None)[:2] == (
        "E008",
        "metric shop.gmv has no version 3",
    )


def test_order_by_a_column_not_in_the_result(catalog: Catalog) -> None:
    code, message, hint = problem(catalog, {"metrics": ["gmv"], "order_by": ["-paid_orders"]})
    assert (code, message, hint) == (
        "E009",
        "order_by 'paid_orders' is not a column of the result",
        "order by one of: gmv",
    )


def test_every_compile_code_is_documented() -> None:
    assert {f"E00{i}" for i in range(1, 10)} <= set(CODES)
