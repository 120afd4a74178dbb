"""Period-over-period metrics: each period against the one a grain (or a year) earlier, NULL when none."""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalog.compile import CompileError, compile_query
from catalog.metric_types.period_over_period import lookback
from catalog.model import Window

from .aarrr_catalog import aarrr_catalog


def sql(metrics: list[str], **query: object) -> str:
    return compile_query({"metrics": metrics, "dialect": "duckdb", **query}, aarrr_catalog(), cache=False).sql


@pytest.mark.parametrize(
    ("compare_to", "grain", "window"),
    [
        ("previous_period", "day", Window(1, "day")),
        ("previous_period", "quarter", Window(1, "quarter")),
        ("previous_year", "month", Window(1, "year")),
        ("previous_year", "day", Window(1, "year")),
        ("previous_year", "week", Window(52, "week")),  # a year back to the day would not be a Monday
    ],
)
def test_how_far_back_the_compared_period_is(compare_to: str, grain: str, window: Window) -> None:
    assert lookback(compare_to, grain) == window


def test_a_period_over_period_metric_needs_a_grain() -> None:
    with pytest.raises(CompileError) as caught:
        sql(["revenue_growth"])
    assert caught.value.issues[0].code == "E007"


def test_the_previous_period_is_read_from_the_time_range_shifted_back() -> None:
    text = sql(["revenue_prev"], grain="month", time_range={"start": "2024-02-01", "end": "2024-05-01"})
    assert "'2024-02-01'" in text and "'2024-05-01'" in text
    assert "'2024-01-01'" in text and "'2024-04-01'" in text


def test_periods_are_joined_left_so_a_missing_previous_is_null() -> None:
    text = sql(["revenue_prev"], grain="month")
    assert "LEFT JOIN" in text
    assert '"p"."metric_time" = CAST("c"."metric_time" + INTERVAL (-1) MONTH AS DATE)' in text


@pytest.mark.parametrize(
    ("metric", "shape"),
    [
        ("revenue_diff", '"_b0" - "_b1"'),
        ("revenue_growth", 'CAST(("_b0" - "_b1") AS DOUBLE) / NULLIF("_b1", 0)'),
        ("revenue_yoy", 'CAST("_b0" AS DOUBLE) / NULLIF("_b1", 0)'),
        ("revenue_prev", '"_b1" AS "revenue_prev"'),
    ],
)
def test_each_calculation(metric: str, shape: str) -> None:
    assert shape in sql([metric], grain="month")


def test_a_pinned_version_is_compiled_as_stored() -> None:
    catalog = aarrr_catalog()
    stored = replace(
        catalog.metrics["app.revenue_growth"],
        spec=replace(catalog.metrics["app.revenue_growth"].spec, calculation="difference"),
    )
    compiled = compile_query(
        {"metrics": ["revenue_growth@2", "revenue_growth"], "grain": "month"},
        catalog,
        pins=lambda key, version: stored if (key, version) == ("app.revenue_growth", 2) else None,
    )
    assert compiled.columns == ("metric_time", "app__revenue_growth__v2", "app__revenue_growth")
    assert '"_b0" - "_b1" AS "app__revenue_growth__v2"' in compiled.sql
    assert 'NULLIF("_b3", 0) AS "app__revenue_growth"' in compiled.sql
