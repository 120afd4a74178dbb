"""The engines the compiler targets, one `DialectProfile` each: everything the compiler knows about an engine.

A profile says how the engine truncates a time column to a grain (`catalog.compile.timegrain`), how it moves a
date by days or months (`catalog.compile.datemath`), whether the NULLs that pad a UNION ALL are cast, and
which query-level settings the SQL relies on. Nothing else in the compiler asks which engine it compiles for.
A dialect name is sqlglot's; adding an engine is one profile here plus its row in the dialect test table.

    >>> resolve_dialect("postgres").name
    'postgres'
    >>> resolve_dialect("clickhouse").settings
    (('join_use_nulls', 1),)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from catalog.compile import datemath, timegrain
from catalog.compile.result import fail
from catalog.model import Window


@dataclass(frozen=True, slots=True)
class DialectProfile:
    name: str
    """sqlglot's name of the dialect."""
    truncate: timegrain.Truncate = timegrain.standard
    """Time column → first day of its period at a grain, as a DATE."""
    add: datemath.Adder = datemath.standard
    """A date or timestamp moved by a signed count of days or months, keeping its type."""
    typed_padding: bool = True
    """Whether the NULLs padding other subqueries' columns in the UNION ALL are cast to the column's type.
    ClickHouse's are not: its COUNT is UInt64, which no signed type unifies with (a Variant that MAX
    refuses), while an untyped NULL takes the type of the branch that computes the column."""
    settings: tuple[tuple[str, int], ...] = ()
    """Query-level settings the SQL relies on, rendered as the outer query's SETTINGS clause."""

    @property
    def dialect(self) -> Dialect:
        return _dialect(self.name)

    def shift(self, value: exp.Expr, value_type: str, window: Window, sign: int = 1) -> exp.Expr:
        """`value` moved by `window` (forward, or back with `sign=-1`) in this engine's own arithmetic."""
        count, unit = datemath.base_units(window, sign)
        return self.add(value, value_type, count, unit)


@cache
def _dialect(name: str) -> Dialect:
    # Loaded on first use: importing every sqlglot dialect up front would slow every CLI start.
    return Dialect.get_or_raise(name)


# Engines whose own DATE_TRUNC('week') starts on Monday keep the standard truncation; engines whose DATE_ADD
# drops the time of a timestamp (Hive, Spark) add an INTERVAL instead.
PROFILES: tuple[DialectProfile, ...] = (
    DialectProfile("duckdb"),
    DialectProfile("postgres"),
    DialectProfile("trino"),
    DialectProfile("spark", add=datemath.interval),
    DialectProfile("databricks"),
    DialectProfile("starrocks"),
    DialectProfile("doris"),
    DialectProfile("redshift"),
    DialectProfile("sqlite", truncate=timegrain.sqlite, add=datemath.sqlite),
    DialectProfile("mysql", truncate=timegrain.mysql),
    DialectProfile("hive", truncate=timegrain.hive, add=datemath.interval),
    DialectProfile("bigquery", truncate=timegrain.bigquery, add=datemath.bigquery),
    # ClickHouse fills the columns of an unmatched LEFT JOIN row with the type's default (0, '') unless
    # join_use_nulls is set; conversions, funnels, retention and period-over-period rely on those NULLs.
    DialectProfile(
        "clickhouse",
        truncate=timegrain.with_week(timegrain.clickhouse_week),
        typed_padding=False,
        settings=(("join_use_nulls", 1),),
    ),
    DialectProfile("snowflake", truncate=timegrain.with_week(timegrain.snowflake_week)),
)
DIALECTS: dict[str, DialectProfile] = {profile.name: profile for profile in PROFILES}
ALIASES = {"mariadb": "mysql", "postgresql": "postgres", "presto": "trino"}


def resolve_dialect(name: str) -> DialectProfile:
    """The profile of dialect `name` (case-insensitive; `mariadb`, `postgresql`, `presto` are aliases)."""
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
