"""Periods, what can be split, and the ratio's rate/mix parts worked out by hand (catalog/attribution.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from catalog.attribution import AttributionError, Period, explain_change
from catalog.lint import lint_paths

CATALOG = lint_paths(["metric_defs"]).catalog


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2025Q4", date(2025, 10, 1), date(2026, 1, 1)),
        ("2025-q2", date(2025, 4, 1), date(2025, 7, 1)),
        ("2025-12", date(2025, 12, 1), date(2026, 1, 1)),
        ("2025-W01", date(2024, 12, 30), date(2025, 1, 6)),
        ("2024-02-29", date(2024, 2, 29), date(2024, 3, 1)),
        ("2025-01-01..2025-01-15", date(2025, 1, 1), date(2025, 1, 15)),
    ],
)
def test_a_period_is_a_half_open_span_of_days(text: str, start: date, end: date) -> None:
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-W54", "2025Q5", "2025-02-30", "2025-02-01..2025-01-01", "last month", ""]
)
def test_a_malformed_period_is_a001_with_the_forms_in_the_hint(text: str) -> None:
    with pytest.raises(AttributionError) as err:
        Period.parse(text, "from")
    assert err.value.issues[0].code == "A001" and "2025-W03" in err.value.issues[0].hint


def _runner(rows: list[tuple[Any, ...]]) -> Any:
    seen: list[str] = []

    def run(sql: str) -> list[tuple[Any, ...]]:
        seen.append(sql)
        return rows

    run.seen = seen  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize("metric", ["paying_users", "arppu", "gmv_mom"])
def test_a_metric_that_is_not_a_sum_over_segments_is_refused_with_a002(metric: str) -> None:
    with pytest.raises(AttributionError) as err:
        explain_change(CATALOG, metric, "2025-01", "2025-02", ["channel"], _runner([]), "duckdb")
    assert err.value.issues[0].code == "A002"


def test_no_dimension_is_a003_and_an_unknown_metric_is_e001() -> None:
    with pytest.raises(AttributionError) as err:
        explain_change(CATALOG, "gmv", "2025-01", "2025-02", [], _runner([]), "duckdb")
    assert err.value.issues[0].code == "A003"
    with pytest.raises(AttributionError) as err:
        explain_change(CATALOG, "no_such_metric", "2025-01", "2025-02", ["channel"], _runner([]), "duckdb")
    assert err.value.issues[0].code == "E001"


def test_one_select_runs_per_dimension_with_both_periods_as_literals() -> None:
    run = _runner([])
    explain_change(CATALOG, "gmv", "2025-01", "2025-02", ["channel", "city"], run, "postgres")
    assert len(run.seen) == 2
    assert all("UNION ALL" in sql and "2025-01-01" in sql and "2025-03-01" in sql for sql in run.seen)


def test_a_ratio_splits_into_rate_and_mix_as_worked_out_by_hand() -> None:
    # avg order value = GMV / orders.  from: A 100/10, B 100/10 → 10.  to: A 300/20, C 50/5 → 14.
    rows = [("from", "A", 100, 10), ("from", "B", 100, 10), ("to", "A", 300, 20), ("to", "C", 50, 5)]
    found = explain_change(
        CATALOG, "avg_order_value", "2025-01", "2025-02", ["channel"], _runner(rows), "duckdb"
    )
    assert (found.from_total, found.to_total, found.total_change) == (10.0, 14.0, 4.0)
    by_value = {c.value: c for c in found.contributions}
    # r̄ = 12. A: Δ(n/D) = 300/25 − 100/20 = 7, Δw = 0.8 − 0.5 = 0.3 → 7 − 3.6 = 3.4;
    # rate = (15 − 10)·(0.5 + 0.8)/2 = 3.25, mix = 0.15.
    assert by_value["A"].contribution == pytest.approx(3.4)
    assert by_value["A"].rate_effect == pytest.approx(3.25)
    assert by_value["A"].mix_effect == pytest.approx(0.15)
    # B leaves: 0 − 5 − 12·(0 − 0.5) = 1 (it was below average); C arrives: 2 − 12·0.2 = −0.4.
    assert by_value["B"].contribution == pytest.approx(1.0) and by_value["B"].rate_effect == 0
    assert by_value["C"].contribution == pytest.approx(-0.4)
    assert [c.value for c in found.contributions] == ["A", "B", "C"]


def test_a_ratio_with_no_denominator_in_a_period_is_a004() -> None:
    rows = [("to", "A", 300, 20)]
    with pytest.raises(AttributionError) as err:
        explain_change(CATALOG, "avg_order_value", "2025-01", "2025-02", ["channel"], _runner(rows), "duckdb")
    assert err.value.issues[0].code == "A004"
