"""What a source's `table:` may be: a plain `[catalog.]schema.table` name of a business table.

The compiler quotes each part and the service runs the SQL on a warehouse, so anything else is a way out:
DuckDB reads `FROM "data"."json"` as the file `data.json`, resolves a bare `pg_settings` to its settings view
and `main.duckdb_tables` to its own catalog. A name is accepted when

- it has two or three parts (a bare name may resolve to a system view), separated by `.`;
- each part is a plain identifier: ASCII letters, digits and `_`, not starting with a digit. No quotes of any
  kind: the compiler quotes each part itself, so the case written is the case used;
- no part but the table is a system schema or catalog (`information_schema`, `pg_catalog`, any `pg_…`,
  `sys`, `system`, `mysql`, `performance_schema`, …), compared case-insensitively;
- the table is not a name the engines reserve for their own catalog (`duckdb_…`, `sqlite_…`, `pragma_…`)
  and not a file extension (`csv`, `json`, `parquet`, `gz`, …): `dw.events.csv` would be read as a file;
- when an allow-list of schemas is given, its schema is on it: `dw` allows `dw.t`, `wh.dw` allows
  `wh.dw.t` (compared exactly, as the compiler quotes names).

>>> table_problem("dw.fact_orders") is None
True
>>> table_problem("/tmp/x.csv").message
"source table '/tmp/x.csv' is not a plain [catalog.]schema.table name"
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_PART = 128

SYSTEM_SCHEMAS = frozenset(
    {
        "information_schema",
        "pg_catalog",
        "sys",
        "system",
        "mysql",
        "performance_schema",
        "temp",
        "global_temp",
        "snowflake",
        "account_usage",
    }
)
"""Schemas and catalogs that hold an engine's own catalog, settings or users (besides every `pg_…`)."""

RESERVED_TABLE_PREFIXES = ("duckdb_", "sqlite_", "pragma_")
"""DuckDB's and SQLite's catalog views, which resolve in any schema named `main`."""

FILE_EXTENSIONS = frozenset(
    {
        "csv",
        "tsv",
        "txt",
        "tbl",
        "json",
        "jsonl",
        "ndjson",
        "parquet",
        "xlsx",
        "xls",
        "arrow",
        "ipc",
        "feather",
        "avro",
        "orc",
        "gz",
        "gzip",
        "zst",
        "bz2",
        "xz",
        "zip",
    }
)
"""Endings DuckDB's replacement scans read as a file when they end a table name (`FROM data.json`)."""

SHAPE_HINT = (
    "name a warehouse table or view with its schema, e.g. `dw.fact_orders`: two or three parts of letters, "
    "digits and `_`, without quotes; load files into the warehouse first"
)


@dataclass(frozen=True, slots=True)
class TableProblem:
    message: str
    hint: str


def table_problem(table: str, allowed_schemas: Set[str] | None = None) -> TableProblem | None:
    """Why `table` is not a source table (None when it is one); `allowed_schemas` adds the allow-list."""
    parts = table.split(".")
    if not _plain(parts):
        unquoted = table.translate(_QUOTES)
        plain = unquoted != table and _plain(unquoted.split("."))
        hint = f"write it without quotes: `{unquoted}`" if plain else SHAPE_HINT
        return TableProblem(f"source table {table!r} is not a plain [catalog.]schema.table name", hint)
    if len(parts) == 1:
        return TableProblem(
            f"source table {table!r} has no schema",
            f"qualify it, e.g. `dw.{table}`: a bare name may resolve to one of the warehouse's system views",
        )
    if len(parts) > 3:
        return TableProblem(
            f"source table {table!r} has {len(parts)} parts", "write at most catalog.schema.table"
        )
    *qualifiers, name = parts
    system = next((q for q in qualifiers if q.lower() in SYSTEM_SCHEMAS or q.lower().startswith("pg_")), None)
    if system is not None:
        return TableProblem(
            f"source table {table!r} is in the system schema {system!r}",
            "metrics read business tables, not the warehouse's own catalog, settings or users",
        )
    if name.lower().startswith(RESERVED_TABLE_PREFIXES):
        return TableProblem(
            f"source table {table!r} is a name the warehouse reserves for its own catalog",
            "metrics read business tables; rename the table if it really is one",
        )
    if name.lower() in FILE_EXTENSIONS:
        return TableProblem(
            f"source table {table!r} ends in a file extension: DuckDB would read it as the file {table!r}",
            "name the table as the warehouse knows it, e.g. `dw.events`; load files into the warehouse first",
        )
    schema = ".".join(qualifiers)
    if allowed_schemas is not None and schema not in allowed_schemas:
        allowed = ", ".join(sorted(allowed_schemas)) or "none"
        return TableProblem(
            f"source table {table!r} is outside the schemas this catalog allows",
            f"use a table in one of the allowed schemas: {allowed}",
        )
    return None


_QUOTES = str.maketrans("", "", '"`[]')


def _plain(parts: list[str]) -> bool:
    return all(PART.fullmatch(p) and len(p) <= MAX_PART for p in parts)
