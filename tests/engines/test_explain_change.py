"""explain-change on DuckDB and PostgreSQL: each contribution equals a hand-written query's over the same rows,
and the contributions of each dimension add up to the total change."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from catalog.attribution import explain_change
from catalog.lint import lint_paths

from .dataset import dataset
from .loading import STARTERS, Engine

# Pairs with a segment in one period only, NULL channels, a user with no dim_users row, hostile text.
PERIODS = [("2024-02", "2024-03"), ("2025-04", "2025-05"), ("2024-12-01..2025-03-01", "2025Q2")]
SPANS = {
    "2024-02": ("2024-02-01", "2024-03-01"),
    "2024-03": ("2024-03-01", "2024-04-01"),
    "2025-04": ("2025-04-01", "2025-05-01"),
    "2025-05": ("2025-05-01", "2025-06-01"),
    "2024-12-01..2025-03-01": ("2024-12-01", "2025-03-01"),
    "2025Q2": ("2025-04-01", "2025-07-01"),
}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def loaded(request: pytest.FixtureRequest) -> Iterator[Engine]:
    result = lint_paths(["metric_defs"])
    assert result.ok
    with STARTERS[request.param](dataset(), result.catalog) as engine:
        yield engine


def _in(period: str, column: str) -> str:
    start, end = SPANS[period]
    return f"{column} >= TIMESTAMP '{start} 00:00:00' AND {column} < TIMESTAMP '{end} 00:00:00'"


def _segments(engine: Engine, period: str, dimension: str) -> str:
    """Per segment: GMV and paid orders in the period, written by hand."""
    return f"""
        SELECT u.{dimension} AS seg, SUM(o.amount) AS n, COUNT(*) AS d
        FROM {engine.schema}.fact_orders o LEFT JOIN {engine.schema}.dim_users u ON o.user_id = u.user_id
        WHERE o.status IN ('paid', 'refunded') AND {_in(period, "o.paid_at")}
        GROUP BY u.{dimension}"""


def _hand(engine: Engine, before: str, after: str, dimension: str) -> list[tuple[Any, ...]]:
    """segment, GMV change, and the ratio contribution Δ(n/D) − r̄·Δ(d/D) of avg order value, all in SQL."""
    return engine.execute(f"""
        WITH a AS ({_segments(engine, before, dimension)}), b AS ({_segments(engine, after, dimension)}),
        k AS (SELECT seg FROM a UNION SELECT seg FROM b),
        seg AS (
            SELECT k.seg,
                   CAST(COALESCE(a.n, 0) AS DOUBLE PRECISION) AS na, CAST(COALESCE(a.d, 0) AS DOUBLE PRECISION) AS da,
                   CAST(COALESCE(b.n, 0) AS DOUBLE PRECISION) AS nb, CAST(COALESCE(b.d, 0) AS DOUBLE PRECISION) AS db
            FROM k LEFT JOIN a ON a.seg IS NOT DISTINCT FROM k.seg LEFT JOIN b ON b.seg IS NOT DISTINCT FROM k.seg
        ),
        tot AS (SELECT SUM(na) AS na, SUM(da) AS da, SUM(nb) AS nb, SUM(db) AS db FROM seg)
        SELECT seg.seg, seg.nb - seg.na,
               (seg.nb / tot.db - seg.na / tot.da)
               - (tot.na / tot.da + tot.nb / tot.db) / 2 * (seg.db / tot.db - seg.da / tot.da),
               tot.nb - tot.na, tot.nb / tot.db - tot.na / tot.da
        FROM seg CROSS JOIN tot""")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(("before", "after"), PERIODS)
@pytest.mark.parametrize("dimension", ["channel", "city"])
def test_gmv_contributions_match_hand_written_sql_and_sum_to_the_change(
    loaded: Engine, before: str, after: str, dimension: str
) -> None:
    expected = _hand(loaded, before, after, dimension)
    found = explain_change(loaded.catalog, "gmv", before, after, [dimension], loaded.execute, loaded.name)
    got = {c.value: c.contribution for c in found.contributions}
    assert set(got) == {row[0] for row in expected}
    for seg, change, *_ in expected:
        assert _close(got[seg], float(change)), (seg, got[seg], change)
    assert _close(found.total_change, float(expected[0][3]))
    assert _close(math.fsum(got.values()), found.total_change)
    assert [abs(c.contribution) for c in found.contributions] == sorted(
        (abs(c.contribution) for c in found.contributions), reverse=True
    )


@pytest.mark.parametrize(("before", "after"), PERIODS)
@pytest.mark.parametrize("dimension", ["channel", "city"])
def test_ratio_contributions_match_the_documented_formula_in_sql_and_sum_to_the_change(
    loaded: Engine, before: str, after: str, dimension: str
) -> None:
    expected = _hand(loaded, before, after, dimension)
    found = explain_change(
        loaded.catalog, "avg_order_value", before, after, [dimension], loaded.execute, loaded.name
    )
    assert found.kind == "ratio"
    got = {c.value: c for c in found.contributions}
    assert set(got) == {row[0] for row in expected}
    for seg, _, contribution, _, _ in expected:
        assert _close(got[seg].contribution, float(contribution)), (seg, got[seg], contribution)
        assert _close(got[seg].rate_effect + got[seg].mix_effect, got[seg].contribution)  # type: ignore[operator]
    assert _close(found.total_change, float(expected[0][4]))
    assert _close(math.fsum(c.contribution for c in found.contributions), found.total_change)


def test_two_dimensions_each_split_the_whole_change(loaded: Engine) -> None:
    found = explain_change(
        loaded.catalog, "paid_orders", "2025-04", "2025-05", ["channel", "city"], loaded.execute, loaded.name
    )
    assert len(found.sql) == 2
    for dimension in ("channel", "city"):
        parts = [c.contribution for c in found.contributions if c.dimension == dimension]
        assert parts and _close(math.fsum(parts), found.total_change)
