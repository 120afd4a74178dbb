"""The warehouse the service can run compiled queries on: the DuckDB file of the settings, locked down.

Operators and BI tools ask "what does this metric say?"; the service compiles the query and runs it here.
Whoever can reach the service can reach this connection, so it can do nothing but read the warehouse's tables:

- opened read-only, with `enable_external_access` off: no file, URL or other database can be read, written or
  attached (`read_csv`, `COPY`, `ATTACH`, `FROM 'x.csv'`, `FROM data.json`), and no extension installed or
  loaded from disk; known extensions are never auto-installed or auto-loaded;
- `lock_configuration` on: `SET`, `RESET` and `PRAGMA` cannot change any of this;
- each query is interrupted after `timeout_seconds` (DuckDB has no statement timeout: a timer calls the
  cursor's `interrupt()`), and returns at most `max_rows` rows, saying when there were more.

Each call opens its own cursor on one shared connection, so worker threads never share a cursor.

    >>> Warehouse(Path("demo.duckdb"), timeout_seconds=30, max_rows=10_000).path
    PosixPath('demo.duckdb')
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from app.monitoring import WAREHOUSE_SECONDS
from catalog.connect import TableColumns, reflect_duckdb

MAX_ROWS = 10_000
TIMEOUT_SECONDS = 30.0

LOCKED_DOWN: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
"""DuckDB settings of the service's connection (applied in this order: the lock comes last)."""


@dataclass(frozen=True, slots=True)
class Rows:
    columns: tuple[str, ...]
    rows: list[list[Any]]
    truncated: bool


class WarehouseError(Exception):
    """The warehouse is missing or refused the query."""


class WarehouseTimeout(WarehouseError):
    """The query ran longer than the timeout and was interrupted."""


class Warehouse:
    def __init__(
        self, path: Path, timeout_seconds: float = TIMEOUT_SECONDS, max_rows: int = MAX_ROWS
    ) -> None:
        self.path = path
        self.timeout_seconds = timeout_seconds
        self.max_rows = max_rows
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._connection is None:
                if not self.path.exists():
                    raise WarehouseError(f"the warehouse {self.path} does not exist")
                self._connection = duckdb.connect(str(self.path), read_only=True, config=dict(LOCKED_DOWN))
            return self._connection

    def run(self, sql: str, max_rows: int | None = None) -> Rows:
        """Run one compiled SELECT; at most `max_rows` rows (and never more than the warehouse's cap) come
        back, `truncated` saying there were more. Raises `WarehouseTimeout` when the timeout interrupts it."""
        cap = self.max_rows if max_rows is None else min(max_rows, self.max_rows)
        cursor = self._connect().cursor()
        timer = threading.Timer(self.timeout_seconds, cursor.interrupt)
        timer.daemon = True
        outcome = "ok"
        started = time.perf_counter()
        timer.start()
        try:
            result = cursor.execute(sql)
            columns = tuple(d[0] for d in result.description or ())
            fetched = result.fetchmany(cap + 1)
        except duckdb.InterruptException as err:
            outcome = "timeout"
            raise WarehouseTimeout(
                f"the query ran longer than {self.timeout_seconds:g} s and was stopped"
            ) from err
        except duckdb.Error as err:
            outcome = "error"
            raise WarehouseError(str(err).splitlines()[0]) from err
        finally:
            timer.cancel()
            cursor.close()
            WAREHOUSE_SECONDS.labels(outcome).observe(time.perf_counter() - started)
        return Rows(columns, [[_json_value(v) for v in row] for row in fetched[:cap]], len(fetched) > cap)

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
