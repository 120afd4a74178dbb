"""The warehouse the service can run compiled queries on: the DuckDB file of the settings, read-only.

Operators and BI tools ask "what does this metric say?"; the service compiles the query and runs it here,
bounded in rows. Each call opens its own cursor on one shared read-only connection, so worker threads never
share a cursor, and nothing can write to the warehouse through the service.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from catalog.connect import TableColumns, reflect_duckdb

MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class Rows:
    columns: tuple[str, ...]
    rows: list[list[Any]]
    truncated: bool


class WarehouseError(Exception):
    """The warehouse is missing or refused the query."""


class Warehouse:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._connection is None:
                if not self.path.exists():
                    raise WarehouseError(f"the warehouse {self.path} does not exist")
                self._connection = duckdb.connect(str(self.path), read_only=True)
            return self._connection

    def run(self, sql: str, max_rows: int = MAX_ROWS) -> Rows:
        """Run one compiled SELECT; at most `max_rows` rows come back (`truncated`: there were more)."""
        cursor = self._connect().cursor()
        try:
            result = cursor.execute(sql)
            columns = tuple(d[0] for d in result.description or ())
            fetched = result.fetchmany(max_rows + 1)
        except duckdb.Error as err:
            raise WarehouseError(str(err).splitlines()[0]) from err
        finally:
            cursor.close()
        return Rows(
            columns, [[_json_value(v) for v in row] for row in fetched[:max_rows]], len(fetched) > max_rows
        )

    def columns(self, tables: Iterable[str]) -> dict[str, TableColumns | None]:
        """Each table's columns as the warehouse has them (None: no such table), for lint against it."""
        cursor = self._connect().cursor()
        try:
            return {table: reflect_duckdb(cursor, table) for table in dict.fromkeys(tables)}
        except duckdb.Error as err:
            raise WarehouseError(str(err).splitlines()[0]) from err
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
