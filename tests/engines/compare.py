"""Comparing result rows across engines: dates as `datetime.date`, numbers as floats within 1e-9 relative
(1e-12 absolute only next to zero, where float noise has no scale)."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

Row = tuple[Any, ...]


def normalise(rows: list[Row], date_columns: int) -> list[Row]:
    """The first `date_columns` values as dates (SQLite and MySQL string buckets too), numbers as floats."""
    out = []
    for row in rows:
        values = []
        for i, value in enumerate(row):
            if i < date_columns and value is not None:
                if isinstance(value, datetime):
                    value = value.date()
                elif isinstance(value, str):
                    value = date.fromisoformat(value[:10])
            elif isinstance(value, Decimal | int) and not isinstance(value, bool):
                value = float(value)
            values.append(value)
        out.append(tuple(values))
    return out


def _sort_key(row: Row) -> tuple[Any, ...]:
    return tuple((v is None, type(v).__name__, "" if v is None else v) for v in row)


def assert_same_rows(actual: list[Row], expected: list[Row], ordered: bool, context: str) -> None:
    if not ordered:
        actual, expected = sorted(actual, key=_sort_key), sorted(expected, key=_sort_key)
    assert len(actual) == len(expected), (
        f"{context}: {len(actual)} rows, expected {len(expected)}\n"
        f"actual[:5]={actual[:5]}\nexpected[:5]={expected[:5]}"
    )
    for got, want in zip(actual, expected, strict=True):
        assert len(got) == len(want), f"{context}: row {got} vs {want}"
        for a, b in zip(got, want, strict=True):
            same = (
                (a is None and b is None)
                or (
                    isinstance(a, float)
                    and isinstance(b, float)
                    and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                )
                or a == b
            )
            assert same, f"{context}: row {got} differs from reference {want}"
