"""A scratch schema on a real warehouse, reached by URL the way a user's `--warehouse` reaches it.

PostgreSQL and MariaDB must be running (127.0.0.1:5432 user postgres, 127.0.0.1:3306 root, database `test`): a
missing server fails the test, never skips it. Each scratch schema (a database on MariaDB) is named
`caliber_t_<random>` and dropped at the end; on DuckDB it is a schema in a fresh file under `tmp_path`.

    with scratch("postgres", tmp_path, create_tables) as (url, schema):
        run(["lint", defs, "--warehouse", url])
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from catalog.connect import ConnectError, WarehouseConnection, open_warehouse

SERVER_URLS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
WAREHOUSES = ("duckdb", "postgres", "mysql")

Setup = Callable[[WarehouseConnection, str], None]


def url_of(engine: str, tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}" if engine == "duckdb" else SERVER_URLS[engine]


@contextmanager
def scratch(
    engine: str, tmp_path: Path, setup: Setup, schema: str | None = None
) -> Iterator[tuple[str, str]]:
    """Create a schema, run `setup(connection, schema)` in it, close; yield `(url, schema)`; drop it."""
    url, schema = url_of(engine, tmp_path), schema or f"caliber_t_{secrets.token_hex(4)}"
    create = "CREATE DATABASE {} CHARACTER SET utf8mb4" if engine == "mysql" else "CREATE SCHEMA {}"
    drop = "DROP DATABASE {}" if engine == "mysql" else "DROP SCHEMA {} CASCADE"
    with _writable(url) as connection:
        connection.execute(create.format(schema))
        setup(connection, schema)
    try:
        yield url, schema
    finally:
        if engine != "duckdb":
            with _writable(url) as connection:
                connection.execute(drop.format(schema))


@contextmanager
def _writable(url: str) -> Iterator[WarehouseConnection]:
    try:
        with open_warehouse(url, read_only=False) as connection:
            yield connection
    except ConnectError as err:
        pytest.fail(f"{url} is not reachable (start the servers, e.g. `.ci/run`): {err}")
