"""The data of golden tests: CSV files or a SQL file shipped next to the definitions, loaded into a warehouse.

`data:` is a folder of `<table>.csv` files (`dw.fact_orders.csv`), a `.sql` file, or a mapping
`{dw.fact_orders: orders.csv}`, relative to the YAML file and inside the folder being tested.

- A CSV file has a header row of column names; each column must be declared by a source reading that table,
  whose type converts the text (`integer`, `decimal`, `float`, `boolean` as true/false, `date` as
  2024-01-31, `timestamp` as 2024-01-31 08:00:00). An empty cell is NULL. The table gets every declared
  column; columns the file leaves out are NULL.
- A SQL file holds `CREATE TABLE` (with column definitions) and `INSERT INTO … VALUES` statements over source
  tables only, in PostgreSQL syntax like the rest of the definitions; it is translated to the engine's dialect.
  Any other statement is refused (T003), so test data can neither read files nor reach other tables.

    >>> library = Path("metric_defs").resolve()
    >>> data = resolve_data("../_fixtures/standard", library / "finance", library)
    >>> [part.table for part in data][:2]
    ['dw.dim_users', 'dw.fact_app_events']
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from catalog.demo_data import Table, ddl_type, engine_rows
from catalog.files import MAX_FILE_BYTES, display_name, read_capped
from catalog.issues import Issue, Location, issue
from catalog.model import Catalog
from catalog.sqlexpr import DEFINITION_DIALECT

# Engines whose column types catalog.demo_data knows, by sqlglot dialect.
ENGINES = ("duckdb", "postgres", "mysql", "sqlite")
_TRUE = frozenset({"true", "t", "1", "yes"})
_FALSE = frozenset({"false", "f", "0", "no"})
_VALUE_NODES = (
    exp.Tuple,
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.Neg,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
)


class GoldenError(Exception):
    """A test cannot run: its data or query is wrong. Carries the coded issue."""

    def __init__(self, found: Issue) -> None:
        super().__init__(found.message)
        self.issue = found


@dataclass(frozen=True, slots=True)
class CsvData:
    table: str
    path: Path


@dataclass(frozen=True, slots=True)
class SqlData:
    path: Path


Data = tuple[CsvData, ...] | SqlData


def resolve_data(data: str | Mapping[str, str], folder: Path, root: Path) -> Data:
    """Where the data of a test is; raises GoldenError (T001) for a path that is missing or outside `root`."""
    if isinstance(data, str):
        path = _inside(data, folder, root)
        if path.suffix.lower() == ".sql" and path.is_file():
            return SqlData(path)
        if path.is_dir():
            files = sorted(p for p in path.glob("*.csv") if p.is_file())
            if not files:
                raise _error("T001", f"data folder {data} holds no .csv file", path, "add <table>.csv files")
            return tuple(CsvData(p.stem, p) for p in files)
        raise _error(
            "T001",
            f"data {data!r} is neither a .sql file nor a folder",
            path,
            "point `data` at a folder of <table>.csv files, a .sql file, or map tables to .csv files",
        )
    tables = []
    for table, name in data.items():
        path = _inside(name, folder, root)
        if not path.is_file():
            raise _error("T001", f"data file {name} of table {table} does not exist", path, "check the path")
        tables.append(CsvData(table, path))
    return tuple(tables)


def _inside(name: str, folder: Path, root: Path) -> Path:
    path = (folder / name).resolve()
    if Path(name).is_absolute() or not path.is_relative_to(root):
        raise _error(
            "T001",
            f"data {name!r} is outside the folder being tested",
            folder / name,
            "keep test data next to the definitions, e.g. in a _fixtures/ folder",
        )
    if not path.exists():
        raise _error(
            "T001", f"data {name!r} does not exist", path, "check the path, relative to the YAML file"
        )
    return path


def load_data(
    data: Data,
    catalog: Catalog,
    execute: Callable[[str], object],
    insert: Callable[[str, list[tuple[Any, ...]]], None],
    target: Callable[[str], str],
    engine: str,
) -> None:
    """Create and fill the tables of `data`, each under the name `target(table)`; raises GoldenError."""
    columns = _declared_columns(catalog)
    if isinstance(data, SqlData):
        for statement in sql_statements(data.path, set(columns)):
            for table in statement.find_all(exp.Table):
                table.replace(table_node(target(_name(table))))
            execute(statement.sql(dialect=engine, comments=False))
        return
    for part in data:
        declared = columns.get(part.table)
        if declared is None:
            raise _error(
                "T002",
                f"no source reads table {part.table} (from {part.path.name})",
                part.path,
                f"name the file after a source table: {', '.join(sorted(columns)) or 'none declared'}",
            )
        rows = read_csv(part.path, part.table, declared)
        loaded = Table(table_node(target(part.table)).sql(dialect=engine), tuple(declared.items()), rows)
        execute(create_sql(loaded, engine))
        insert(loaded.name, list(engine_rows(loaded, engine)))


def table_node(name: str) -> exp.Table:
    """`dw.fact_orders` as a table of quoted identifiers, as the compiler writes it: names are never SQL."""
    parts = [exp.to_identifier(part, quoted=True) for part in name.split(".")]
    return exp.Table(
        this=parts[-1],
        db=parts[-2] if len(parts) > 1 else None,
        catalog=parts[-3] if len(parts) > 2 else None,
    )


def create_sql(table: Table, engine: str) -> str:
    """`CREATE TABLE` for a loaded table (its name already rendered), columns quoted, types per engine."""
    columns = [
        exp.ColumnDef(
            this=exp.to_identifier(name, quoted=True),
            kind=exp.DataType.build(ddl_type(kind, engine), dialect=engine),
        )
        for name, kind in table.columns
    ]
    suffix = " DEFAULT CHARSET=utf8mb4" if engine == "mysql" else ""  # Chinese text needs utf8mb4
    return f"CREATE TABLE {table.name} ({', '.join(c.sql(dialect=engine) for c in columns)}){suffix}"


def _declared_columns(catalog: Catalog) -> dict[str, dict[str, str]]:
    """Each source table's declared columns and types (sources sharing a table pool theirs)."""
    tables: dict[str, dict[str, str]] = {}
    for source in catalog.sources.values():
        declared = tables.setdefault(source.table, {})
        for name, kind in (source.columns or {}).items():
            declared.setdefault(name, kind)
    return tables


def read_csv(path: Path, table: str, declared: Mapping[str, str]) -> list[tuple[Any, ...]]:
    """The rows of a CSV file as typed tuples in the order of `declared` (missing columns are NULL)."""
    if not declared:
        raise _error(
            "T002",
            f"the sources of {table} declare no columns, so the types of {path.name} are unknown",
            path,
            "declare the columns under the source's `columns:`",
        )
    data = read_capped(path)
    if len(data) > MAX_FILE_BYTES:
        raise _error("T001", f"{path.name} is larger than {MAX_FILE_BYTES:,} bytes", path, "ship less data")
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        header = [h.strip().lower() for h in next(reader, [])]
        records = list(reader)
    except (UnicodeDecodeError, csv.Error) as err:
        raise _error(
            "T001", f"{path.name} is not a UTF-8 CSV file: {err}", path, "save it as UTF-8 CSV"
        ) from None
    unknown = [h for h in header if h not in declared]
    if not header or unknown:
        raise _error(
            "T002",
            f"{path.name}: column {unknown[0] if unknown else '(none)'!r} is not declared for {table}",
            path,
            f"the header names declared columns: {', '.join(declared)}",
        )
    rows = []
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise _error("T001", f"{path.name}: {len(record)} cells, {len(header)} columns", path, "", number)
        values = dict(zip(header, record, strict=True))
        row = []
        for name, kind in declared.items():
            try:
                row.append(parse_value(values.get(name, ""), kind))
            except ValueError:
                hint = "write dates as 2024-01-31, timestamps as 2024-01-31 08:00:00, booleans as true/false"
                raise _error(
                    "T001", f"{path.name}: {name} {values[name]!r} is not a {kind}", path, hint, number
                ) from None
        rows.append(tuple(row))
    return rows


def parse_value(text: str, kind: str) -> Any:
    """One CSV cell as a value of the language type `kind`; an empty cell is NULL. Raises ValueError."""
    text = text.strip()
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(text) from None
    if kind == "float":
        return float(text)
    if kind == "boolean":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(text)
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "timestamp":
        return datetime.fromisoformat(text)
    return text


def sql_statements(path: Path, tables: set[str]) -> list[exp.Expr]:
    """The statements of a SQL data file, each a CREATE TABLE or INSERT … VALUES on a source table."""
    text = read_capped(path).decode("utf-8", errors="replace")
    try:
        statements = [s for s in sqlglot.parse(text, read=DEFINITION_DIALECT) if s is not None]
    except (ParseError, TokenError) as err:
        first = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
        line = int(first.get("line") or 1)
        raise _error(
            "T001", f"{path.name} does not parse: {str(err).splitlines()[0]}", path, "", line
        ) from None
    for statement in statements:
        line = _line_of(text, statement)
        table = statement.find(exp.Table)
        allowed = (
            isinstance(statement, exp.Create)
            and statement.args.get("kind") == "TABLE"
            and isinstance(statement.this, exp.Schema)
            and statement.args.get("expression") is None
        ) or (
            isinstance(statement, exp.Insert)
            and isinstance(statement.expression, exp.Values)
            and all(isinstance(n, _VALUE_NODES) for v in statement.expression.expressions for n in v.walk())
        )
        if not allowed:
            raise _error(
                "T003",
                f"{path.name}: {statement.key.upper()} is not allowed in test data",
                path,
                "write CREATE TABLE t (column type, ...) and INSERT INTO t VALUES (...) with literal values",
                line,
            )
        name = _name(table) if table is not None else ""
        if name not in tables:
            raise _error(
                "T002",
                f"{path.name}: {name or 'the statement'} is not the table of any source",
                path,
                f"use the source tables: {', '.join(sorted(tables))}",
                line,
            )
    return statements


def _name(table: exp.Table) -> str:
    return ".".join(part.name for part in table.parts)


def _line_of(text: str, statement: exp.Expr) -> int:
    table = statement.find(exp.Table)
    meta = table.this.meta if table is not None and isinstance(table.this, exp.Identifier) else {}
    return int(meta.get("line", 1)) if text else 1


def _error(code: str, message: str, path: Path, hint: str, line: int = 0) -> GoldenError:
    return GoldenError(issue(code, message, Location(display_name(path), line, 1 if line else 0), hint))
