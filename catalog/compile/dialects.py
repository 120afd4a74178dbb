"""The engines the compiler targets, one `DialectProfile` each: everything the compiler knows about an engine.

A profile says how the engine truncates a time column to a grain (`catalog.compile.timegrain`), how it moves a
date by days or months (`catalog.compile.datemath`), and which constructs it refuses, with the reason. Nothing
else in the compiler asks which engine it compiles for. A dialect name is sqlglot's; adding an engine is one
profile here plus its row in the dialect test table.

    >>> resolve_dialect("postgres").name
    'postgres'
    >>> resolve_dialect("clickhouse").refusal("outer_join_nulls") is not None
    True
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Literal

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from catalog.compile import datemath, timegrain
from catalog.compile.result import fail
from catalog.model import Window

Feature = Literal["outer_join_nulls"]
"""Constructs some engine cannot run. `outer_join_nulls`: LEFT JOINs on time inequalities whose unmatched
columns read as NULL (every block of the AARRR metric types relies on it)."""


@dataclass(frozen=True, slots=True)
class DialectProfile:
    name: str
    """sqlglot's name of the dialect."""
    truncate: timegrain.Truncate = timegrain.standard
    """Time column → first day of its period at a grain, as a DATE."""
    add: datemath.Adder = datemath.standard
    """A date or timestamp moved by a signed count of days or months, keeping its type."""
    refuses: tuple[tuple[Feature, str], ...] = ()
    """Constructs the engine cannot run, each with the reason an E006 gives."""

    @property
    def dialect(self) -> Dialect:
        return _dialect(self.name)

    def shift(self, value: exp.Expr, value_type: str, window: Window, sign: int = 1) -> exp.Expr:
        """`value` moved by `window` (forward, or back with `sign=-1`) in this engine's own arithmetic."""
        count, unit = datemath.base_units(window, sign)
        return self.add(value, value_type, count, unit)

    def refusal(self, feature: Feature) -> str | None:
        """Why the engine cannot run `feature`, or None when it can."""
        return next((reason for refused, reason in self.refuses if refused == feature), None)


@cache
def _dialect(name: str) -> Dialect:
    # Loaded on first use: importing every sqlglot dialect up front would slow every CLI start.
    return Dialect.get_or_raise(name)


NO_NULL_JOIN = (
    "ClickHouse fills unmatched LEFT JOIN columns with default values instead of NULL (unless "
    "join_use_nulls=1) and joins on inequalities only experimentally"
)

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
    DialectProfile(
        "clickhouse",
        truncate=timegrain.with_week(timegrain.clickhouse_week),
        refuses=(("outer_join_nulls", NO_NULL_JOIN),),
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
