"""Connections to a warehouse named by a URL, for `caliber lint --warehouse` and `caliber test --warehouse`.

A URL is a SQLAlchemy URL (`postgresql+psycopg://user@host/db`, `mysql+pymysql://root@host/db`,
`sqlite:///file.db`, or any dialect whose driver is installed), or `duckdb:///path/to/file.duckdb`, which is
opened with the `duckdb` driver itself (the `duckdb-engine` SQLAlchemy dialect is not needed).

A read-only connection is made read-only by the engine, not by convention: DuckDB opens the file read-only;
PostgreSQL, MySQL/MariaDB and SQLite sessions are switched to read-only transactions as they connect, so the
reflection queries cannot change anything even by mistake.

    >>> with open_warehouse("duckdb:///:memory:", read_only=False) as con:
    ...     _ = con.execute("CREATE TABLE t (id BIGINT, paid_at TIMESTAMP)")
    ...     con.columns("t")["paid_at"].family
    'timestamp'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlglot import exp

Family = Literal["string", "integer", "decimal", "float", "boolean", "date", "timestamp", "other"]

CONNECT_TIMEOUT_SECONDS = 10

# SQLAlchemy dialect name → the sqlglot dialect the compiler targets.
SQLGLOT_DIALECTS = {
    "duckdb": "duckdb",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "mssql": "tsql",
    "oracle": "oracle",
}

# Statements that make a session read-only, run once per new connection.
_READ_ONLY = {
    "postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    "mysql": "SET SESSION TRANSACTION READ ONLY",
    "mariadb": "SET SESSION TRANSACTION READ ONLY",
    "sqlite": "PRAGMA query_only = ON",
}


@dataclass(frozen=True, slots=True)
class WarehouseColumn:
    name: str
    type: str
    """The type as the warehouse reports it, e.g. `VARCHAR(255)`, for messages."""
    family: Family


TableColumns = Mapping[str, WarehouseColumn]
"""A table's columns by lower-cased name."""


class ConnectError(Exception):
    """The URL is malformed, names a dialect without an installed driver, or the warehouse did not answer."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class WarehouseConnection(Protocol):
    dialect: str
    """The sqlglot dialect of the warehouse (`duckdb`, `postgres`, `mysql`, ...)."""

    def execute(self, sql: str) -> list[tuple[Any, ...]]: ...

    def insert(self, table: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def columns(self, table: str) -> TableColumns | None:
        """The columns of `table` (`schema.name` or `name`), or None when there is no such table."""
        ...


@contextlib.contextmanager
def open_warehouse(url: str, *, read_only: bool = True) -> Iterator[WarehouseConnection]:
    """One connection to the warehouse at `url`, closed at the end; raises ConnectError."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ConnectError(
            f"not a warehouse URL: {err}", "write a SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db"
        ) from None
    if parsed.get_backend_name() == "duckdb":
        with _duckdb(parsed.database or ":memory:", read_only) as connection:
            yield connection
    else:
        with _sqlalchemy(url, read_only) as connection:
            yield connection


class _DuckDB:
    dialect = "duckdb"

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        result = self.connection.execute(sql)
        return result.fetchall() if result.description else []

    def insert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            self.connection.executemany(f"INSERT INTO {table} VALUES ({marks})", [list(r) for r in rows])

    def columns(self, table: str) -> TableColumns | None:
        return reflect_duckdb(self.connection, table)


def reflect_duckdb(connection: Any, table: str) -> TableColumns | None:
    """The columns of `table` in a DuckDB database (a connection or cursor), from its information schema."""
    *qualifiers, name = table.split(".")
    conditions, params = ["lower(table_name) = lower(?)"], [name]
    if qualifiers:
        conditions.append("lower(table_schema) = lower(?)")
        params.append(qualifiers[-1])
    else:
        conditions.append("table_schema = current_schema()")
    if len(qualifiers) > 1:
        conditions.append("lower(table_catalog) = lower(?)")
        params.append(qualifiers[-2])
    else:
        conditions.append("table_catalog = current_database()")
    rows = connection.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE "
        + " AND ".join(conditions)
        + " ORDER BY ordinal_position",
        params,
    ).fetchall()
    if not rows:
        return None
    return {
        str(n).lower(): WarehouseColumn(str(n), str(t), _family_of_text(str(t), "duckdb")) for n, t in rows
    }


@contextlib.contextmanager
def _duckdb(path: str, read_only: bool) -> Iterator[_DuckDB]:
    import duckdb

    try:
        # A read-only DuckDB cannot open a file that does not exist; say so rather than create it.
        connection = duckdb.connect(path, read_only=read_only and path != ":memory:")
    except duckdb.Error as err:
        raise ConnectError(
            f"cannot open the DuckDB file {path}: {str(err).splitlines()[0]}",
            "check the path after duckdb:/// (three slashes, then the file)",
        ) from None
    try:
        yield _DuckDB(connection)
    finally:
        connection.close()


class _SqlAlchemy:
    def __init__(self, connection: Any, dialect: str) -> None:
        from sqlalchemy import inspect

        self.connection = connection
        self.dialect = dialect
        self.inspector = inspect(connection)

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        if self.connection.dialect.paramstyle in ("format", "pyformat"):
            sql = sql.replace("%", "%%")  # the driver formats even without parameters: LIKE 'a%' stays 'a%'
        with self._transaction():
            result = self.connection.exec_driver_sql(sql)
            return [tuple(r) for r in result.fetchall()] if result.returns_rows else []

    def insert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            mark = "?" if self.connection.dialect.paramstyle == "qmark" else "%s"
            marks = ", ".join([mark] * len(rows[0]))
            with self._transaction():
                self.connection.exec_driver_sql(
                    f"INSERT INTO {table} VALUES ({marks})", [tuple(r) for r in rows]
                )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """Each statement in its own transaction, so a refused one does not poison the next."""
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    def columns(self, table: str) -> TableColumns | None:
        from sqlalchemy.exc import NoSuchTableError

        *qualifiers, name = table.split(".")
        schema = ".".join(qualifiers) or None
        # Unquoted names fold to lower case on PostgreSQL; try the name as written first.
        for candidate in dict.fromkeys([(name, schema), (name.lower(), schema and schema.lower())]):
            try:
                found = self.inspector.get_columns(candidate[0], schema=candidate[1])
            except NoSuchTableError:
                continue
            return {
                c["name"].lower(): WarehouseColumn(c["name"], _type_text(c["type"]), family_of(c["type"]))
                for c in found
            }
        return None


@contextlib.contextmanager
def _sqlalchemy(url: str, read_only: bool) -> Iterator[_SqlAlchemy]:
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=_connect_args(url))
    except (NoSuchModuleError, ImportError) as err:
        raise ConnectError(
            f"no driver for this warehouse URL: {err}",
            "install the driver (e.g. `pip install psycopg[binary]` or `pymysql`), or use duckdb:///file",
        ) from None
    except SQLAlchemyError as err:
        raise ConnectError(f"not a usable warehouse URL: {err}", "check the URL") from None
    name = engine.dialect.name
    if read_only and name in _READ_ONLY:
        statement = _READ_ONLY[name]

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()
            if name != "sqlite":
                dbapi_connection.commit()

    try:
        try:
            connection = engine.connect()
        except SQLAlchemyError as err:
            raise ConnectError(
                f"cannot connect to the warehouse: {_first_line(err)}",
                "check the host, port, user and database in the URL, and that the server is up",
            ) from None
        try:
            yield _SqlAlchemy(connection, SQLGLOT_DIALECTS.get(name, name))
        finally:
            connection.close()
    finally:
        engine.dispose()


def _connect_args(url: str) -> dict[str, Any]:
    backend = url.split(":", 1)[0].split("+", 1)[0]
    if backend in ("postgresql", "mysql", "mariadb"):
        return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return {}


def family_of(sql_type: Any) -> Family:
    """The language type family of a SQLAlchemy column type (`BIGINT` → integer, `TEXT` → string)."""
    import sqlalchemy as sa

    checks: tuple[tuple[type[Any], Family], ...] = (
        (sa.Boolean, "boolean"),
        (sa.Integer, "integer"),
        (sa.Float, "float"),
        (sa.Numeric, "decimal"),
        (sa.DateTime, "timestamp"),
        (sa.Date, "date"),
        (sa.String, "string"),
    )
    for kind, family in checks:
        if isinstance(sql_type, kind):
            return family
    return "other"


def _family_of_text(text: str, dialect: str) -> Family:
    try:
        kind = exp.DataType.build(text, dialect=dialect).this
    except Exception:  # an engine-specific type sqlglot does not know: the check cannot judge it
        return "other"
    types = exp.DataType.Type
    if kind == types.BOOLEAN:
        return "boolean"
    if kind in exp.DataType.INTEGER_TYPES:
        return "integer"
    if kind in exp.DataType.FLOAT_TYPES or kind == types.UDOUBLE:
        return "float"
    if kind in exp.DataType.REAL_TYPES:
        return "decimal"
    if kind in (types.DATE, types.DATE32):
        return "date"
    if kind in exp.DataType.TEMPORAL_TYPES and kind not in (types.TIME, types.TIMETZ):
        return "timestamp"
    if kind in exp.DataType.TEXT_TYPES or kind == types.ENUM:
        return "string"
    return "other"


def _type_text(sql_type: Any) -> str:
    try:
        return str(sql_type)
    except Exception:  # a dialect-specific type that needs its dialect to print
        return type(sql_type).__name__


def _first_line(err: Exception) -> str:
    text = str(getattr(err, "orig", None) or err)
    return text.splitlines()[0][:300] if text else type(err).__name__
