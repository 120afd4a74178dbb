"""The query model: bounded, strict, with one time grain and pinned metric names."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from catalog.compile import CompileError, compile_query
from catalog.issues import CODES
from catalog.model import Catalog
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


def _filters_body(value: str) -> dict[str, object]:
    """A query as the service reads it: `json.loads` turns 1e999 into inf and accepts NaN and -Infinity."""
    loaded: dict[str, object] = json.loads(
        '{"metrics": ["gmv"], "filters": [{"dimension": "city", "op": "=", "values": ["a"]},'
        f' {{"dimension": "segment", "op": ">", "values": [{value}]}}]}}'
    )
    return loaded


@pytest.mark.parametrize("value", ["1e999", "NaN", "-Infinity"])
def test_non_finite_numbers_in_filter_values_are_refused_where_they_are(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MetricQuery.model_validate(_filters_body(value))
    [error] = caught.value.errors()
    assert error["loc"] == ("filters", 1, "values", 0)
    assert "finite" in error["msg"]


def test_a_midnight_bound_with_an_offset_stays_a_moment_in_time() -> None:
    bounds = TimeRange.model_validate(
        {"start": "2025-01-01T00:00:00+08:00", "end": "2025-02-01T00:00:00+08:00"}
    )
    assert bounds.start == datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    assert isinstance(bounds.end, datetime) and bounds.end.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2025-01-01T00:00:00Z", "2025-02-01"),
        ("2025-01-01", "2025-02-01T00:00:00+08:00"),
        ("2025-01-01T00:00:00", "2025-02-01"),
        ("2025-01-01T00:00:00", "2025-02-01T00:00:00Z"),
    ],
)
def test_time_range_bounds_must_be_of_one_kind(start: str, end: str) -> None:
    with pytest.raises(ValidationError, match="same kind"):
        TimeRange.model_validate({"start": start, "end": end})


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2025-01-01T00:00:00+08:00", "2025-01-01T10:00:00+08:00"),
        ("2025-01-01T00:00:00Z", "2025-01-01T10:00:00+08:00"),
        ("2025-01-01T00:00", "2025-01-01T10:00:00"),
    ],
)
def test_bounds_of_one_kind_are_accepted(start: str, end: str) -> None:
    bounds = TimeRange.model_validate({"start": start, "end": end})
    assert isinstance(bounds.start, datetime) and isinstance(bounds.end, datetime)


@pytest.mark.parametrize("bound", [0, 1.5, True, "01/02/2025", "2025-13-01", "2025-01-01 junk", "2025-W01"])
def test_a_bound_is_an_iso_date_or_date_time(bound: object) -> None:
    with pytest.raises(ValidationError, match="ISO"):
        TimeRange.model_validate({"start": bound, "end": "2026-01-01"})


def test_bounds_with_offsets_are_read_in_the_warehouse_time_zone() -> None:
    bounds = {"start": "2025-01-01T00:00:00+08:00", "end": "2025-01-02T00:00:00Z"}
    assert MetricQuery(metrics=["gmv"], time_range=bounds).local_time_range() == TimeRange(  # type: ignore[arg-type]
        start=datetime(2024, 12, 31, 16), end=datetime(2025, 1, 2)
    )
    shanghai = MetricQuery(metrics=["gmv"], time_range=bounds, time_zone="Asia/Shanghai")  # type: ignore[arg-type]
    assert shanghai.local_time_range() == TimeRange(start=datetime(2025, 1, 1), end=datetime(2025, 1, 2, 8))


def test_dates_and_local_times_are_taken_as_written() -> None:
    bounds = {"start": "2025-01-01", "end": "2025-01-02"}
    query = MetricQuery(metrics=["gmv"], time_range=bounds, time_zone="Asia/Shanghai")  # type: ignore[arg-type]
    assert query.local_time_range() == TimeRange(start=date(2025, 1, 1), end=date(2025, 1, 2))


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "UTC\x00", "x" * 300])
def test_an_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MetricQuery(metrics=["gmv"], time_zone=zone)
    assert caught.value.errors()[0]["loc"] == ("time_zone",)


def test_where_takes_one_condition_or_a_list_that_must_all_hold() -> None:
    assert MetricQuery(metrics=["gmv"], where="city = 'a'").where_conditions() == ["city = 'a'"]
    both = MetricQuery(metrics=["gmv"], where=["city = 'a'", "channel = 'b'"])
    assert both.where_conditions() == ["city = 'a'", "channel = 'b'"]
    with pytest.raises(ValidationError):
        MetricQuery(metrics=["gmv"], where=["x" * 6000, "y" * 6000])


METRICS = st.sampled_from(
    [
        "gmv",
        "aov",
        "paid_orders",
        "shop.gmv",
        "gmv@1",
        "avg_pages",
        "ad_share",
        "minutes_on_site",
        "visits_untyped",
        "running_gmv",
        "nope",
    ]
)
DIMENSIONS = st.sampled_from(
    [
        "channel",
        "city",
        "common.segment",
        "visit_kind",
        "signup_date",
        "metric_time",
        "metric_time__week",
        "gmv",
    ]
)
TIMES = st.sampled_from(
    [
        "2024-01-01",
        "2024-02-01",
        "2024-02-01T00:00:00+08:00",
        "2024-03-01T10:00:00Z",
        "2024-03-01T10:00",
        "2024-02-30",
    ]
) | st.sampled_from(["2024-13-01", "20240101", "2024-03-01 10:00:00.123456", "2024-03-01T10:00:00-05:30"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | TIMES
    | st.sampled_from(["month", "in", "between", "postgres", "UTC", "北京", "O'Brien"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
OPS = st.sampled_from(["=", "!=", "in", "not_in", "<", "<=", ">", ">=", "between", "like", "is_null"])
FILTERS = st.fixed_dictionaries(
    {"dimension": DIMENSIONS, "op": OPS},
    optional={
        "values": st.lists(
            st.sampled_from(["北京", "a", 1, 2.5, True, None, "2024-01-01"]) | SCALARS, max_size=3
        )
    },
)
WHERE = st.sampled_from(
    [
        "city = 'a'",
        "metric_time >= '2024-01-01'",
        "channel IN ('x', NULL) OR NOT segment IS NULL",
        "x = 1e999",
    ]
)


SANE = st.fixed_dictionaries(
    {"metrics": st.lists(METRICS, min_size=1, max_size=3)},
    optional={
        "dimensions": st.lists(DIMENSIONS, max_size=3),
        "grain": st.sampled_from(["day", "week", "month", "quarter", "year"]),
        "filters": st.lists(FILTERS, max_size=3),
        "where": WHERE | st.lists(WHERE, max_size=3),
        "time_range": st.fixed_dictionaries({"start": TIMES, "end": TIMES}),
        "order_by": st.lists(METRICS | DIMENSIONS, max_size=2),
        "limit": st.integers(-1, 2_000_000),
        "dialect": st.sampled_from(["duckdb", "sqlite", "mysql", "clickhouse", "bigquery", "hive"]),
        "time_zone": st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Mars/Base"]),
    },
)


@st.composite
def damaged(draw: st.DrawFn) -> dict[str, Any]:
    """A sane query with one field, maybe an unknown one, replaced by any JSON value."""
    query: dict[str, Any] = draw(SANE)
    # Hypothesis favours the first of a list: the field every query needs comes last.
    query[draw(st.sampled_from([*reversed(MetricQuery.model_fields), "unknown"]))] = draw(JSON)
    return query


QUERIES = SANE | damaged()


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(QUERIES)
def test_any_query_document_compiles_or_gives_a_coded_error(
    catalog: Catalog, document: dict[str, Any]
) -> None:
    try:
        compile_query(document, catalog, cache=False)
    except CompileError as err:
        assert err.issues and all(i.code in CODES and i.message for i in err.issues), err.issues


def test_a_fraction_of_a_second_in_a_bound_is_refused() -> None:
    # SQLite's DATETIME() drops it and MySQL's CAST rounds it: the same bound would select different rows.
    with pytest.raises(ValidationError, match="whole seconds"):
        TimeRange.model_validate({"start": "2024-03-01T10:00:00.25", "end": "2024-03-02T00:00:00"})
