"""Execute compiled SQL and decide whether two results are the same rows.

Rows are compared as multisets after normalising values the engines legitimately render differently: a
DECIMAL and a float of the same number, a DATE and a TIMESTAMP at midnight, and floats within a relative
tolerance.

    >>> same_rows([(1, Decimal("2.50"))], [(1, 2.5)]).ok
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

REL_TOL = 1e-9
ABS_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class Comparison:
    ok: bool
    detail: str = ""


def fetch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    columns: Sequence[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows of `sql`, with only `columns` (by name, in that order) when given."""
    cursor = con.execute(sql)
    rows = cursor.fetchall()
    if not columns:
        return rows
    names = [d[0] for d in cursor.description]
    missing = [c for c in columns if c not in names]
    if missing:
        raise KeyError(f"no column {missing} in the result; it has {names}")
    picks = [names.index(c) for c in columns]
    return [tuple(row[i] for i in picks) for row in rows]


def same_rows(actual: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> Comparison:
    """Multiset equality after normalisation; the detail names the first difference."""
    if actual and expected and len(actual[0]) != len(expected[0]):
        return Comparison(False, f"{len(actual[0])} columns, expected {len(expected[0])}")
    left = sorted((_normal_row(r) for r in actual), key=_sort_key)
    right = sorted((_normal_row(r) for r in expected), key=_sort_key)
    if len(actual) != len(expected):
        extra = _missing_from(left, right)[:2]
        missing = _missing_from(right, left)[:2]
        return Comparison(
            False,
            f"{len(actual)} rows, expected {len(expected)}"
            + (f"; extra {', '.join(map(_show, extra))}" if extra else "")
            + (f"; missing {', '.join(map(_show, missing))}" if missing else ""),
        )
    for got, want in zip(left, right, strict=True):
        if not all(_close(g, w) for g, w in zip(got, want, strict=True)):
            return Comparison(False, f"row {_show(got)} vs expected {_show(want)}")
    return Comparison(True)


def _missing_from(rows: list[tuple[Any, ...]], others: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of `rows` with no close match left in `others` (each match used once)."""
    pool = list(others)
    unmatched = []
    for row in rows:
        hit = next(
            (i for i, other in enumerate(pool) if all(_close(a, b) for a, b in zip(row, other, strict=True))),
            None,
        )
        if hit is None:
            unmatched.append(row)
        else:
            pool.pop(hit)
    return unmatched


def _normal_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_normal(v) for v in row)


def _normal(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal | int):
        return float(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time() and value.tzinfo is None:
        return value.date()
    return value


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # NULLs first and numbers rounded, so rows that are close also sort next to each other.
    return tuple((v is not None, round(v, 4) if isinstance(v, float) else str(v)) for v in row)


def _close(got: Any, want: Any) -> bool:
    if isinstance(got, float) and isinstance(want, float):
        return math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(got, date) and isinstance(want, date):
        return got == want
    return bool(got == want)


def _show(row: tuple[Any, ...]) -> str:
    return "(" + ", ".join(repr(v) for v in row) + ")"
