"""Compare a query's rows with the rows a golden test expects, and say what differs.

Rows are matched on their keys (`metric_time` and the dimensions: a result has one row per combination), so
row order does not matter. Numbers are equal within the test's tolerance whatever their type (an engine's
DECIMAL, DOUBLE or BIGINT); dates compare as `2024-01-31`, however the engine returns them.

    >>> differences([{"metric_time": "2024-01-01", "gmv": 10}], ("metric_time", "gmv"), [("2024-01-01", 9.5)], 1)
    ['metric_time=2024-01-01: gmv expected 10, got 9.5']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?$")
TOLERANCE = 1e-6


def normalise(value: Any, column: str) -> Any:
    """A result value as the YAML would write it: Decimal → float, dates → `YYYY-MM-DD` text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if column == "metric_time" and isinstance(value, str):
        match = _MIDNIGHT.match(value)
        return match.group(1) if match else value
    return value


def same(expected: Any, got: Any, tolerance: float = TOLERANCE) -> bool:
    """Equal, with numbers compared within `tolerance` (absolute, or relative for large values)."""
    if _number(expected) and _number(got):
        return math.isclose(float(expected), float(got), rel_tol=tolerance, abs_tol=tolerance)
    return bool(expected == got)


def _number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal)


def show(value: Any) -> str:
    return "NULL" if value is None else str(value)


def show_row(row: Mapping[str, Any]) -> str:
    return " ".join(f"{column}={show(value)}" for column, value in row.items())


def as_dicts(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [{c: normalise(v, c) for c, v in zip(columns, row, strict=True)} for row in rows]


def differences(
    expected: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    keys: int,
    tolerance: float = TOLERANCE,
) -> list[str]:
    """What differs between the expected rows and the query's, one line each; empty when they agree.

    The first `keys` columns identify a row (metric_time, then the dimensions).
    """
    names = set(columns)
    for row in expected:
        if set(row) != names:
            missing, unknown = sorted(names - set(row)), sorted(set(row) - names)
            return [
                f"the query returns the columns {', '.join(columns)}; an expected row "
                + "; ".join(
                    part
                    for part in (
                        f"lacks {', '.join(missing)}" if missing else "",
                        f"names {', '.join(unknown)}, which the query does not return" if unknown else "",
                    )
                    if part
                )
            ]
    got = as_dicts(columns, rows)
    key_columns = list(columns[:keys])
    expected_by_key = _by_key(expected, key_columns)
    if len(expected_by_key) != len(expected):
        return ["two expected rows have the same key (metric_time and dimensions): write each row once"]
    got_by_key = _by_key(got, key_columns)
    lines: list[str] = []
    if len(got_by_key) != len(got):
        lines.append(
            f"the query returned {len(got)} rows for {len(got_by_key)} keys (one row per key expected)"
        )
    for key, want in expected_by_key.items():
        have = got_by_key.get(key)
        label = " ".join(f"{c}={show(want[c])}" for c in key_columns) or "the row"
        if have is None:
            lines.append(f"missing row: {show_row({c: want[c] for c in columns})}")
            continue
        wrong = [
            f"{c} expected {show(want[c])}, got {show(have[c])}"
            for c in columns[keys:]
            if not same(want[c], have[c], tolerance)
        ]
        if wrong:
            lines.append(f"{label}: {'; '.join(wrong)}")
    for key, have in got_by_key.items():
        if key not in expected_by_key:
            lines.append(f"unexpected row: {show_row(have)}")
    return lines


def _by_key(
    rows: Sequence[Mapping[str, Any]], key_columns: list[str]
) -> dict[tuple[Any, ...], Mapping[str, Any]]:
    found: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        found.setdefault(tuple(_canonical(row[c]) for c in key_columns), row)
    return found


def _canonical(value: Any) -> tuple[str, Any]:
    """A key value that matches across types: 1, 1.0 and Decimal(1) are one key; '1' is another."""
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("number", float(value))
    if _number(value):
        return ("number", float(value))
    return ("text", str(value))
