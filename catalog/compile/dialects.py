"""The engines the compiler targets and each one's quirks, as a registry (no `if dialect == …` chains).

A dialect name is sqlglot's. Adding an engine is one entry here plus its row in the dialect test table.

    >>> resolve_dialect("postgres").name
    'postgres'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlglot.dialects.dialect import Dialect

from catalog.compile import timegrain
from catalog.compile.result import fail


@dataclass(frozen=True, slots=True)
class DialectQuirks:
    name: str
    truncate: timegrain.Truncate
    """Time column → first day of its period at a grain, as a DATE."""
    typed_padding: bool = True
    """Whether the NULLs padding other subqueries' columns in the UNION ALL are cast to the column's type.
    ClickHouse's are not: its COUNT is UInt64, which no signed type unifies with (a Variant that MAX
    refuses), while an untyped NULL takes the type of the branch that computes the column."""
    settings: tuple[tuple[str, int], ...] = ()
    """Query-level settings the SQL relies on, rendered as the outer query's SETTINGS clause."""

    @property
    def dialect(self) -> Dialect:
        return _dialect(self.name)


@cache
def _dialect(name: str) -> Dialect:
    # Loaded on first use: importing every sqlglot dialect up front costs a CLI start about 0.25 s.
    return Dialect.get_or_raise(name)


def _quirks(name: str, truncate: timegrain.Truncate = timegrain.standard, **more: Any) -> DialectQuirks:
    return DialectQuirks(name, truncate, **more)


# ClickHouse fills the columns of an unmatched LEFT JOIN row with the type's default (0, '') unless
# join_use_nulls is set; conversions, funnels, retention and period-over-period rely on those NULLs.
CLICKHOUSE = _quirks(
    "clickhouse",
    timegrain.with_week(timegrain.clickhouse_week),
    typed_padding=False,
    settings=(("join_use_nulls", 1),),
)


# Engines whose own DATE_TRUNC('week') starts on Monday use `standard`.
DIALECTS: dict[str, DialectQuirks] = {
    q.name: q
    for q in (
        _quirks("duckdb"),
        _quirks("postgres"),
        _quirks("trino"),
        _quirks("spark"),
        _quirks("databricks"),
        _quirks("starrocks"),
        _quirks("doris"),
        _quirks("redshift"),
        _quirks("sqlite", timegrain.sqlite),
        _quirks("mysql", timegrain.mysql),
        _quirks("hive", timegrain.hive),
        _quirks("bigquery", timegrain.bigquery),
        CLICKHOUSE,
        _quirks("snowflake", timegrain.with_week(timegrain.snowflake_week)),
    )
}
ALIASES = {"mariadb": "mysql", "postgresql": "postgres", "presto": "trino"}


def resolve_dialect(name: str) -> DialectQuirks:
    """The quirks of dialect `name` (case-insensitive; `mariadb`, `postgresql`, `presto` are aliases)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    found = DIALECTS.get(key)
    if found is None:
        close = difflib.get_close_matches(key, [*DIALECTS, *ALIASES], n=3)
        raise fail(
            "E004",
            f"unknown dialect {name!r}",
            (f"did you mean {', '.join(map(repr, close))}? " if close else "")
            + f"supported: {', '.join(sorted(DIALECTS))}",
        )
    return found
