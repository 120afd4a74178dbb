"""Golden SQL for the engines that cannot run here: Trino, BigQuery, Snowflake, Redshift, StarRocks, Doris and
Databricks.

DuckDB, SQLite, PostgreSQL, MariaDB, Spark (also running the `hive` SQL) and ClickHouse execute every engine
case (`tests/engines`); for the engines above, only text can be checked. For each construct whose spelling
differs between engines — truncation to Monday weeks and to quarters, date arithmetic, float casts, safe
division, string escaping, NULL ordering — `golden/<dialect>.yaml` holds the SQL Caliber renders, reviewed by
hand against the engine's documentation, which each entry cites (`doc`: URL, then what it says).

Refresh after a deliberate change of rendering, then review the diff against the cited docs before committing:

    CALIBER_REFRESH_GOLDEN=1 python3 -m pytest tests/compile/test_golden_dialects.py

The switch rewrites each entry's `sql` (keeping its `doc`) and adds missing constructs with an empty `doc`,
which fails until someone cites the documentation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from catalog.compile.combine import final_select
from catalog.compile.dialects import DialectProfile, resolve_dialect
from catalog.compile.filters import literal
from catalog.compile.numeric import safe_divide
from catalog.model import Window

GOLDEN = Path(__file__).parent / "golden"
REFRESH = os.environ.get("CALIBER_REFRESH_GOLDEN") == "1"
RENDERED_ONLY = ("trino", "bigquery", "snowflake", "redshift", "starrocks", "doris", "databricks")
HOSTILE = "O'Brien\\'; --"
"""A value with a quote, a backslash before a quote, and a comment marker."""


def _column(name: str) -> exp.Column:
    return exp.column(name, "t0", quoted=True)


def _ordered(profile: DialectProfile) -> exp.Expr:
    relation = exp.select("*").from_("r")
    outputs = [("gmv", exp.column("gmv", quoted=True))]
    return final_select(relation, ["channel"], outputs, [("channel", False), ("gmv", True)], None)


CONSTRUCTS: dict[str, Callable[[DialectProfile], exp.Expr]] = {
    "week_of_timestamp": lambda q: q.truncate(_column("paid_at"), "timestamp", "week"),
    "week_of_date": lambda q: q.truncate(_column("signup_date"), "date", "week"),
    "quarter_of_timestamp": lambda q: q.truncate(_column("paid_at"), "timestamp", "quarter"),
    "timestamp_plus_14_days": lambda q: q.shift(_column("paid_at"), "timestamp", Window(14, "day")),
    "timestamp_plus_1_year": lambda q: q.shift(_column("paid_at"), "timestamp", Window(1, "year")),
    "date_minus_1_month": lambda q: q.shift(_column("signup_date"), "date", Window(1, "month"), -1),
    "float_cast": lambda q: exp.cast(_column("amount"), exp.DataType.Type.DOUBLE),
    "safe_division": lambda q: safe_divide(_column("amount"), _column("orders")),
    "string_with_quotes_and_backslashes": lambda q: literal(HOSTILE),
    "order_nulls_last_ascending_and_descending": _ordered,
}


def render(dialect: str, construct: str) -> str:
    """The construct as the compiler renders a query (quoted identifiers, no comments, unsupported raises)."""
    profile = resolve_dialect(dialect)
    return profile.dialect.generate(
        CONSTRUCTS[construct](profile),
        identify=True,
        comments=False,
        unsupported_level=ErrorLevel.RAISE,
    )


def _yaml() -> YAML:
    yaml = YAML()
    yaml.width = 4096
    return yaml


def _golden(dialect: str) -> Any:
    path = GOLDEN / f"{dialect}.yaml"
    return _yaml().load(path.read_text(encoding="utf-8")) if path.exists() else None


def _refresh(dialect: str, construct: str, sql: str) -> None:
    path = GOLDEN / f"{dialect}.yaml"
    table = _golden(dialect)
    if table is None:
        table = _yaml().load("{}")
    entry = table.setdefault(construct, {"sql": "", "doc": ""})
    entry["sql"] = LiteralScalarString(sql)
    with path.open("w", encoding="utf-8") as out:
        _yaml().dump(table, out)


CASES = [(d, c) for d in RENDERED_ONLY for c in CONSTRUCTS]


@pytest.mark.parametrize(("dialect", "construct"), CASES, ids=[f"{d}-{c}" for d, c in CASES])
def test_the_construct_renders_as_reviewed(dialect: str, construct: str) -> None:
    sql = render(dialect, construct)
    if REFRESH:
        _refresh(dialect, construct, sql)
    table = _golden(dialect)
    assert table is not None and construct in table, (
        f"no golden {construct} in golden/{dialect}.yaml (CALIBER_REFRESH_GOLDEN=1 adds it)"
    )
    assert sql == str(table[construct]["sql"]).rstrip("\n"), (
        f"{dialect} renders {construct} differently from the reviewed SQL; if the change is meant, refresh "
        "(CALIBER_REFRESH_GOLDEN=1) and check the new SQL against the doc the entry cites"
    )


@pytest.mark.parametrize("dialect", RENDERED_ONLY)
def test_every_entry_cites_the_engine_documentation_and_none_is_stale(dialect: str) -> None:
    table = _golden(dialect)
    assert table is not None, f"golden/{dialect}.yaml is missing"
    assert set(table) == set(CONSTRUCTS), f"stale or missing entries: {set(table) ^ set(CONSTRUCTS)}"
    for construct, entry in table.items():
        assert str(entry.get("doc", "")).startswith("https://"), (
            f"{dialect} {construct}: no documentation cited"
        )


def test_the_engines_that_run_here_have_no_golden_files() -> None:
    # Executed engines are proven by their rows (tests/engines), never by their text.
    assert {p.stem for p in GOLDEN.glob("*.yaml")} == set(RENDERED_ONLY)
