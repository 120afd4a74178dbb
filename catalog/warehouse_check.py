"""Lint against the real warehouse: every table and column a definition reads exists there, with a usable type.

`check_catalog` is pure: a resolved catalog and the warehouse's reflected tables in, coded issues out (D001–D006,
each at the file:line:col of the key that names the table or column). `check_warehouse` is the thin I/O edge: it
reflects each source table once over a read-only connection and runs the check.

    >>> from catalog.connect import WarehouseColumn
    >>> from catalog.lint import lint_texts
    >>> result = lint_texts({"shop/s.yaml": "sources:\\n  orders: {table: dw.orders, columns: {amount: decimal}}\\n"})
    >>> text = WarehouseColumn("amount", "VARCHAR", "string")
    >>> [i.code for i in check_catalog(result.catalog, {"dw.orders": {"amount": text}})]
    ['D003']
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path as FilePath

from sqlglot import exp

from catalog.connect import ConnectError, Family, TableColumns, WarehouseColumn, open_warehouse
from catalog.issues import Issue, Location, issue
from catalog.load import Document, load_file, load_text
from catalog.metric_types.atomic import Atomic
from catalog.model import Catalog, LintResult, Source
from catalog.sqlexpr import parse_expression

Path = tuple[str | int, ...]
Locate = Callable[[Location, Path], Location]
"""Where a field of a definition was written: (the definition's location, `(kind, name, *field)`) → location."""

Reflected = Mapping[str, TableColumns | None]
"""The warehouse's columns of each source table as the sources write it; None: the table does not exist."""

# Declared language type → warehouse families it may be stored as. Numbers convert among themselves in every
# engine; MySQL's BOOLEAN is TINYINT(1), so a boolean may be an integer.
_NUMBER: frozenset[Family] = frozenset({"integer", "decimal", "float"})
_COMPATIBLE: dict[str, frozenset[Family]] = {
    "string": frozenset({"string", "other"}),
    "integer": _NUMBER,
    "decimal": _NUMBER,
    "float": _NUMBER,
    "boolean": frozenset({"boolean", "integer"}),
    "date": frozenset({"date"}),
    "timestamp": frozenset({"timestamp"}),
}
_TIME: frozenset[Family] = frozenset({"date", "timestamp"})
_NOT_SUMMABLE: frozenset[Family] = frozenset({"string", "boolean", "date", "timestamp"})
# Nodes through which a column's value reaches the aggregate unchanged in kind (arithmetic, CASE branches).
_VALUE_NODES = (
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Coalesce,
    exp.Nullif,
    exp.Abs,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Greatest,
    exp.Least,
)


def at_definition(location: Location, _path: Path) -> Location:
    """The default `Locate`: the definition's own key (when the YAML documents are not at hand)."""
    return location


def check_catalog(catalog: Catalog, tables: Reflected, locate: Locate = at_definition) -> list[Issue]:
    """Issues for every source table, column, time column, measure and join key the warehouse contradicts.

    Sources whose table is not in `tables` at all were not reflected and are not checked.
    """
    return _Check(catalog, tables, locate).run()


@dataclass
class _Check:
    catalog: Catalog
    tables: Reflected
    locate: Locate

    def run(self) -> list[Issue]:
        self.issues: list[Issue] = []
        for source in self.catalog.sources.values():
            self._source(source)
        for dimension in self.catalog.dimensions.values():
            source = self.catalog.sources[dimension.source]
            if source.columns is None and self._columns(source) is not None:
                self._read(source, ("dimensions", dimension.name, "expr"), dimension.location, dimension.expr)
        for metric in self.catalog.metrics.values():
            if isinstance(metric.spec, Atomic):
                self._measure(metric.name, metric.location, metric.spec)
        return self.issues

    # -- helpers ------------------------------------------------------------------------------------------
    def _columns(self, source: Source) -> TableColumns | None:
        return self.tables.get(source.table)

    def _report(self, code: str, where: Location, path: Path, message: str, hint: str) -> None:
        self.issues.append(issue(code, message, self.locate(where, path), hint))

    def _missing(self, source: Source, column: str, where: Location, path: Path) -> None:
        found = self._columns(source) or {}
        close = difflib.get_close_matches(column, list(found), n=1)
        self._report(
            "D002",
            where,
            path,
            f"column {column!r} of source {source.key} is not in the warehouse table {source.table}",
            f"did you mean {found[close[0]].name!r}?"
            if close
            else "fix the column name, or add the column to the warehouse table",
        )

    def _time(self, source: Source, column: str, where: Location, path: Path) -> None:
        found = (self._columns(source) or {}).get(column)
        if found is None:
            if source.columns is None:  # a declared column is reported once, at its declaration
                self._missing(source, column, where, path)
            return
        if found.family not in _TIME:
            self._report(
                "D004",
                where,
                path,
                f"time column {column!r} of {source.table} is {found.type} in the warehouse, "
                "not a date or timestamp",
                "point `time` at a date or timestamp column, or convert the column in the warehouse",
            )

    def _read(self, source: Source, path: Path, where: Location, text: str) -> None:
        """Columns an expression reads, on a source that declares none: each must exist."""
        parsed, _ = parse_expression(text, path[-1] if isinstance(path[-1], str) else "expr")
        if parsed is None:
            return
        found = self._columns(source) or {}
        for column in sorted(parsed.columns - set(found)):
            self._missing(source, column, where, path)

    # -- sources ------------------------------------------------------------------------------------------
    def _source(self, source: Source) -> None:
        if source.table not in self.tables:
            return
        found = self._columns(source)
        if found is None:
            self._report(
                "D001",
                source.location,
                ("sources", source.name, "table"),
                f"table {source.table} of source {source.key} is not in the warehouse",
                "create it, or point `table:` at the schema.table that holds the rows",
            )
            return
        times = self._time_columns(source)
        for column, declared in (source.columns or {}).items():
            path: Path = ("sources", source.name, "columns", column)
            column_found = found.get(column)
            if column_found is None:
                self._missing(source, column, source.location, path)
            elif column_found.family not in _COMPATIBLE[declared] and not (
                column in times and column_found.family not in _TIME  # D004 says it better
            ):
                self._report(
                    "D003",
                    source.location,
                    path,
                    f"column {column!r} of source {source.key} is declared {declared} "
                    f"but is {column_found.type} in the warehouse",
                    f"declare it as {_declared_for(column_found)}, or change the column in the warehouse",
                )
        if source.time is not None:
            self._time(source, source.time, source.location, ("sources", source.name, "time"))
        for entity in source.entities:
            path = ("sources", source.name, "entities", entity.name, "column")
            if source.columns is None and entity.column not in found:
                self._missing(source, entity.column, source.location, path)
            else:
                self._join_key(source, entity.name, found.get(entity.column), path)

    def _time_columns(self, source: Source) -> set[str]:
        times = {source.time} if source.time else set()
        for metric in self.catalog.metrics.values():
            spec = metric.spec
            if isinstance(spec, Atomic) and spec.source == source.key and spec.time:
                times.add(spec.time)
        return times

    def _join_key(self, source: Source, entity: str, column: WarehouseColumn | None, path: Path) -> None:
        """A join towards another source's primary key compares two columns: their kinds must agree."""
        if column is None:
            return
        for other in self.catalog.sources.values():
            primary = other.primary
            if other.key == source.key or primary is None or primary.name != entity:
                continue
            target = (self._columns(other) or {}).get(primary.column)
            if target is None or "other" in (column.family, target.family):
                continue
            if _kind(column.family) != _kind(target.family):
                self._report(
                    "D006",
                    source.location,
                    path,
                    f"entity {entity!r} joins {source.table}.{column.name} ({column.type}) to "
                    f"{other.table}.{target.name} ({target.type}): the warehouse types differ",
                    "give both key columns the same type in the warehouse",
                )

    # -- metrics ------------------------------------------------------------------------------------------
    def _measure(self, name: str, where: Location, spec: Atomic) -> None:
        source = self.catalog.sources[spec.source]
        found = self._columns(source)
        if found is None:
            return
        if source.columns is None:
            for field in ("expr", "filter"):
                text = getattr(spec, field)
                if text is not None and text != "*":
                    self._read(source, ("metrics", name, field), where, text)
        if spec.time is not None and spec.time != source.time:
            self._time(source, spec.time, where, ("metrics", name, "time"))
        if spec.agg in ("sum", "avg") and spec.expr is not None:
            parsed, _ = parse_expression(spec.expr, "`expr`")
            if parsed is None:
                return
            for column in sorted(_value_columns(parsed.tree)):
                column_found = found.get(column)
                if column_found is not None and column_found.family in _NOT_SUMMABLE:
                    self._report(
                        "D005",
                        where,
                        ("metrics", name, "expr"),
                        f"{spec.agg} over {column!r}, which is {column_found.type} in {source.table}",
                        f"{spec.agg} needs numbers: aggregate a numeric column, "
                        "or CAST it in `expr` if the text holds numbers",
                    )


def _value_columns(tree: exp.Expr) -> set[str]:
    """Columns whose own value is aggregated (not those only compared or tested inside a CASE condition)."""
    if isinstance(tree, exp.Column):
        return {tree.name.lower()}
    if isinstance(tree, exp.Case):
        branches = [i.args.get("true") for i in tree.args.get("ifs", [])] + [tree.args.get("default")]
        return set().union(*(_value_columns(b) for b in branches if b is not None))
    if isinstance(tree, exp.If):
        branches = [tree.args.get("true"), tree.args.get("false")]
        return set().union(*(_value_columns(b) for b in branches if b is not None))
    if isinstance(tree, _VALUE_NODES):
        return set().union(*(_value_columns(child) for child in tree.iter_expressions()))
    return set()


def _kind(family: Family) -> str:
    return "number" if family in _NUMBER else family


def _declared_for(column: WarehouseColumn) -> str:
    return "string" if column.family == "other" else column.family


def tables_of(catalog: Catalog) -> list[str]:
    """The distinct tables the catalog's sources read, in order."""
    return list(dict.fromkeys(s.table for s in catalog.sources.values()))


def reflect(url: str, tables: Iterable[str]) -> dict[str, TableColumns | None]:
    """Reflect each table once over a read-only connection to `url`; raises ConnectError."""
    with open_warehouse(url, read_only=True) as connection:
        reflected: dict[str, TableColumns | None] = {}
        for table in tables:
            if table not in reflected:
                try:
                    reflected[table] = connection.columns(table)
                except Exception as err:  # any driver's error: the warehouse answered, but not with columns
                    raise ConnectError(
                        f"cannot read the columns of {table}: {str(err).splitlines()[0][:300]}",
                        "check that the warehouse user may read the table's metadata",
                    ) from None
    return reflected


def check_warehouse(result: LintResult, url: str, locate: Locate = at_definition) -> LintResult:
    """`result` with the warehouse's findings added (D001–D006), or one D007 when it cannot be read."""
    return check_with(result, lambda tables: reflect(url, tables), locate, Location(_redacted(url)))


def check_with(
    result: LintResult, reflect_tables: Callable[[list[str]], Reflected], locate: Locate, where: Location
) -> LintResult:
    """`result` with the findings against the tables `reflect_tables` returns; its ConnectError is D007."""
    try:
        tables = reflect_tables(tables_of(result.catalog))
    except ConnectError as err:
        return with_issues(result, [issue("D007", str(err), where, err.hint)])
    try:
        found = check_catalog(result.catalog, tables, locate)
    except Exception as err:  # a bug in a rule is reported like lint's own checks, never a traceback
        found = [issue("I001", f"the warehouse check failed: {err!r}", where)]
    return with_issues(result, found)


def with_issues(result: LintResult, found: Iterable[Issue]) -> LintResult:
    """`result` with more issues, in the lint's order (file, line, column, code)."""
    issues = sorted(
        (*result.issues, *found), key=lambda i: (i.location.file, i.location.line, i.location.col, i.code)
    )
    return replace(result, issues=tuple(issues))


def locate_in(document: Callable[[str], Document | None]) -> Locate:
    """A `Locate` that reads each definition file at most once, and only when an issue points into it."""
    documents: dict[str, Document | None] = {}

    def locate(location: Location, path: Path) -> Location:
        if location.file not in documents:
            documents[location.file] = document(location.file)
        found = documents[location.file]
        return found.position(path) if found is not None else location

    return locate


def locate_in_files() -> Locate:
    """Positions read back from the files on disk (the names lint reports are readable paths)."""
    return locate_in(lambda name: load_file(FilePath(name), name)[0])


def locate_in_texts(files: Mapping[str, str]) -> Locate:
    """Positions read back from a bundle of in-memory files, `{"growth/x.yaml": text}`."""
    return locate_in(lambda name: load_text(files[name], name)[0] if name in files else None)


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<warehouse URL>"
