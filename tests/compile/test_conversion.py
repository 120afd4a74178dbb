"""Conversion metrics: a cohort by first base event, converted within a half-open window after it."""

from __future__ import annotations

from catalog.compile import CompiledQuery, compile_query

from .aarrr_catalog import aarrr_catalog


def compiled(metrics: list[str], **query: object) -> CompiledQuery:
    return compile_query({"metrics": metrics, "dialect": "duckdb", **query}, aarrr_catalog(), cache=False)


def test_the_window_is_half_open_from_the_first_base_event() -> None:
    text = compiled(["trial_to_paid_7d"], grain="month").sql
    assert 'MIN("t0"."event_time") AS "_time"' in text
    assert '"a"."_time" >= "f"."_time"' in text
    assert '"a"."_time" < ("f"."_time" + INTERVAL 7 DAY)' in text


def test_rate_is_a_float_share_and_count_is_zero_rather_than_missing() -> None:
    rate = compiled(["trial_to_paid_7d"]).sql
    count = compiled(["trial_to_paid_count_7d"]).sql
    assert "CAST(COALESCE(" in rate and "NULLIF(" in rate
    assert "COALESCE(" in count and "NULLIF(" not in count


def test_rows_without_an_entity_are_in_no_cohort() -> None:
    assert 'NOT "t0"."user_id" IS NULL' in compiled(["trial_to_paid_7d"]).sql


def test_query_filters_pick_the_cohort_and_not_the_conversions() -> None:
    ads = {"dimension": "channel", "op": "=", "values": ["ads"]}
    text = compiled(["trial_to_paid_7d"], filters=[ads]).sql
    assert text.count("'ads'") == 1
    assert text.count('"aarrr"."users"') == 1  # joined for the base events only


def test_both_component_metrics_are_reported_as_used() -> None:
    assert compiled(["trial_to_paid_7d"]).metrics == ("app.trial_to_paid_7d", "app.trials", "app.payments")
