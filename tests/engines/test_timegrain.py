"""Every engine truncates to the same first day of the period, weeks on Monday, across year boundaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlglot import exp

from catalog.compile.dialects import resolve_dialect
from catalog.model import GRAINS

from .compare import normalise
from .conftest import Engine

pytestmark = pytest.mark.engines

MOMENTS = [
    datetime(2023, 1, 1, 23, 59, 59),
    datetime(2024, 2, 29, 0, 0),
    datetime(2024, 12, 30, 12),
    datetime(2025, 1, 1, 0, 0, 1),
    datetime(2025, 1, 5, 18),
    datetime(2025, 3, 31, 23),
    datetime(2025, 7, 1),
]


def expected(moment: datetime, grain: str) -> date:
    day = moment.date()
    return {
        "day": day,
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "quarter": date(day.year, (day.month - 1) // 3 * 3 + 1, 1),
        "year": date(day.year, 1, 1),
    }[grain]


@pytest.mark.parametrize("column_type", ["timestamp", "date"])
@pytest.mark.parametrize("grain", GRAINS)
def test_truncation_matches_the_calendar(engine: Engine, grain: str, column_type: str) -> None:
    profile = resolve_dialect(engine.name)
    kind = exp.DataType.Type.TIMESTAMP if column_type == "timestamp" else exp.DataType.Type.DATE
    values = [
        m.strftime("%Y-%m-%d %H:%M:%S") if column_type == "timestamp" else m.date().isoformat()
        for m in MOMENTS
    ]
    columns = [profile.truncate(exp.cast(exp.Literal.string(v), kind), column_type, grain) for v in values]  # type: ignore[arg-type]
    sql = exp.Select(expressions=columns).sql(dialect=engine.name)
    row = normalise(engine.execute(sql), date_columns=len(columns))[0]
    assert list(row) == [expected(m, grain) for m in MOMENTS], sql
