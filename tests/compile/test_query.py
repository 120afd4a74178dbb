"""The query model: bounded, strict, with one time grain and pinned metric names."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from catalog.query import MAX_METRICS, Filter, MetricQuery, TimeRange


def test_grain_field_and_shorthand_mean_the_same() -> None:
    assert MetricQuery(metrics=["gmv"], grain="week").time_grain() == "week"
    shorthand = MetricQuery(metrics=["gmv"], dimensions=["metric_time__week", "channel"])
    assert shorthand.time_grain() == "week"
    assert shorthand.dimension_names() == ["channel"]


def test_metric_time_without_grain_is_refused() -> None:
    with pytest.raises(ValidationError, match="metric_time needs a grain"):
        MetricQuery(metrics=["gmv"], dimensions=["metric_time"])


def test_two_different_grains_are_refused() -> None:
    with pytest.raises(ValidationError, match="one time grain"):
        MetricQuery(metrics=["gmv"], dimensions=["metric_time__week"], grain="month")


def test_pinned_names_split_into_name_and_version() -> None:
    query = MetricQuery(metrics=["gmv", "finance.gmv@3", "odd@name"])
    assert query.metric_refs() == [("gmv", None), ("finance.gmv", 3), ("odd@name", None)]


def test_a_query_is_pinned_when_any_metric_names_a_version() -> None:
    assert MetricQuery(metrics=["gmv", "finance.gmv@3"]).pinned
    assert not MetricQuery(metrics=["gmv", "odd@name"]).pinned


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        MetricQuery.model_validate({"metrics": ["gmv"], "sql": "DROP TABLE x"})


def test_sizes_are_bounded() -> None:
    with pytest.raises(ValidationError):
        MetricQuery(metrics=["m"] * (MAX_METRICS + 1))
    with pytest.raises(ValidationError):
        MetricQuery(metrics=[])
    with pytest.raises(ValidationError):
        MetricQuery(metrics=["gmv"], limit=1_000_001)
    with pytest.raises(ValidationError):
        Filter(dimension="city", op="in", values=["x"] * 1001)


@pytest.mark.parametrize(
    ("op", "values"),
    [("=", []), ("=", ["a", "b"]), ("between", ["a"]), ("is_null", ["a"]), ("in", []), ("like", [3])],
)
def test_each_op_takes_its_number_of_values(op: str, values: list[object]) -> None:
    with pytest.raises(ValidationError):
        Filter(dimension="city", op=op, values=values)  # type: ignore[arg-type]


def test_unknown_op_is_refused() -> None:
    with pytest.raises(ValidationError):
        Filter.model_validate({"dimension": "city", "op": "regexp", "values": ["x"]})


def test_time_range_is_half_open_and_ordered() -> None:
    assert TimeRange(start=date(2024, 1, 1), end=date(2024, 2, 1)).end == date(2024, 2, 1)
    with pytest.raises(ValidationError, match="before end"):
        TimeRange(start=date(2024, 2, 1), end=date(2024, 2, 1))


@pytest.mark.parametrize("limit", [True, 1.0, "1"])
def test_a_row_limit_is_an_integer_and_nothing_that_converts_to_one(limit: object) -> None:
    with pytest.raises(ValidationError, match="limit"):
        MetricQuery.model_validate({"metrics": ["gmv"], "limit": limit})
