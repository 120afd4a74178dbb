"""Funnel metrics: strictly ordered steps, one column per step count and per step-to-step rate."""

from __future__ import annotations

import pytest
from sqlglot import exp

from catalog.compile import CompiledQuery, CompileError, compile_query
from catalog.compile.combine import columns_of

from .aarrr_catalog import aarrr_catalog

STEPS = ("lead_funnel__step_1", "lead_funnel__step_2", "lead_funnel__step_3", "lead_funnel__step_4")
RATES = ("lead_funnel__rate_2", "lead_funnel__rate_3", "lead_funnel__rate_4")


def compiled(metrics: list[str], **query: object) -> CompiledQuery:
    return compile_query({"metrics": metrics, "dialect": "duckdb", **query}, aarrr_catalog(), cache=False)


def test_a_funnel_is_one_column_per_step_then_one_per_rate() -> None:
    assert compiled(["lead_funnel"], grain="month").columns == ("metric_time", *STEPS, *RATES)


def test_its_columns_sit_where_the_funnel_was_asked() -> None:
    columns = compiled(["leads_reached", "lead_funnel", "leads_paid"]).columns
    assert columns == ("leads_reached", *STEPS, *RATES, "leads_paid")


def test_each_step_starts_at_or_after_the_step_before() -> None:
    text = compiled(["lead_funnel"]).sql
    for k in (2, 3, 4):
        assert f'"e"."_time" >= "s"."_t{k - 1}"' in text
    assert text.count("LEFT JOIN") == 3


def test_a_window_bounds_every_step_from_the_entry() -> None:
    text = compiled(["lead_funnel_30d"]).sql
    assert text.count('"e"."_time" < ("s"."_t1" + INTERVAL 30 DAY)') == 3


def test_rates_divide_a_step_by_the_one_before_in_floating_point() -> None:
    text = compiled(["lead_funnel"]).sql
    assert text.count("AS DOUBLE) / NULLIF(") == 3


def test_a_funnel_part_can_be_ordered_by() -> None:
    text = compiled(["lead_funnel"], grain="month", order_by=["-lead_funnel__step_1"]).sql
    assert 'ORDER BY "lead_funnel__step_1" DESC' in text


def test_columns_of_names_the_parts_and_leaves_other_metrics_alone() -> None:
    parts = exp.Tuple(
        expressions=[exp.alias_(exp.column("a"), "step_1"), exp.alias_(exp.column("b"), "rate_2")]
    )
    assert [name for name, _ in columns_of("f", parts)] == ["f__step_1", "f__rate_2"]
    assert columns_of("gmv", exp.column("x")) == [("gmv", exp.column("x"))]


def test_a_funnel_inside_another_metrics_arithmetic_is_refused() -> None:
    parts = exp.Tuple(expressions=[exp.alias_(exp.column("a"), "step_1")])
    with pytest.raises(CompileError) as caught:
        columns_of("twice", exp.Mul(this=parts, expression=exp.Literal.number(2)))
    assert caught.value.issues[0].code == "E006"
    assert "twice computes with a funnel" in caught.value.issues[0].message


def test_ordering_by_the_funnel_itself_names_its_columns() -> None:
    with pytest.raises(CompileError) as caught:
        compiled(["lead_funnel"], order_by=["lead_funnel"])
    assert caught.value.issues[0].code == "E009"
    assert "lead_funnel__step_1" in caught.value.issues[0].hint
