"""Run golden tests: load each test's data, compile its query for the engine, run it, compare the rows.

By default every distinct data set is loaded into its own in-memory DuckDB, under the table names the sources
use. With a warehouse URL (`caliber test --warehouse`), each data set goes into a new schema
`caliber_test_<random>` there (a database on MySQL, an attached in-memory database on SQLite), the sources are
re-pointed at it for the run, and the schema is dropped at the end; nothing else in the warehouse is touched.

    >>> from catalog.lint import lint_paths
    >>> from catalog.golden.spec import find_tests
    >>> outcomes = run_tests(find_tests(["metric_defs"]), lint_paths(["metric_defs"]).catalog)
    >>> {o.status for o in outcomes}
    {'passed'}
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import ValidationError

from catalog.compile import CompileError, compile_query
from catalog.connect import ConnectError, WarehouseConnection, open_warehouse
from catalog.golden.data import ENGINES, Data, GoldenError, load_data, resolve_data, table_node
from catalog.golden.invariant import parse_invariant, verdict
from catalog.golden.rows import as_dicts, differences, show_row
from catalog.golden.spec import GoldenTest
from catalog.issues import Issue, issue
from catalog.model import Catalog
from catalog.query import METRIC_TIME

Status = Literal["passed", "failed", "error"]
_FUNNEL_COLUMN = re.compile(r"^(?P<metric>.+)__(?:step|rate)_\d+$")
MAX_SHOWN_ROWS = 50
_LABELS: dict[Status, str] = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}


@dataclass(frozen=True, slots=True)
class Outcome:
    test: GoldenTest
    status: Status
    problem: Issue | None = None
    """T001–T005: why the test failed or could not run."""
    lines: tuple[str, ...] = ()
    """Expected rows, rows got and what differs (or the rows that break the invariant)."""
    sql: str = ""


@dataclass(frozen=True, slots=True)
class _Workspace:
    connection: WarehouseConnection
    target: Callable[[str], str]
    """A source table's name → the name its test data is loaded under."""


def run_tests(tests: Sequence[GoldenTest], catalog: Catalog, url: str | None = None) -> list[Outcome]:
    """One outcome per test, in order; raises ConnectError when the warehouse cannot be used."""
    outcomes: dict[int, Outcome] = {}
    groups: dict[Data, list[int]] = {}
    for index, test in enumerate(tests):
        try:
            data = resolve_data(test.definition.data, test.folder, test.root)
        except GoldenError as err:
            outcomes[index] = Outcome(test, "error", err.issue)
            continue
        groups.setdefault(data, []).append(index)
    with _session(url) as workspaces:
        for data, members in groups.items():
            with workspaces(catalog) as workspace:
                for index, outcome in zip(
                    members, _run_group(data, [tests[i] for i in members], catalog, workspace), strict=True
                ):
                    outcomes[index] = outcome
    return [outcomes[i] for i in range(len(tests))]


def _run_group(data: Data, tests: list[GoldenTest], catalog: Catalog, workspace: _Workspace) -> list[Outcome]:
    connection = workspace.connection
    try:
        load_data(data, catalog, connection.execute, connection.insert, workspace.target, connection.dialect)
    except GoldenError as err:
        return [Outcome(test, "error", err.issue) for test in tests]
    except Exception as err:  # the engine refused the data (a bad value for its type, a SQL error)
        refused = issue("T001", f"the warehouse refused the test data: {_first_line(err)}", tests[0].location)
        return [Outcome(test, "error", refused) for test in tests]
    sources = {k: replace(s, table=workspace.target(s.table)) for k, s in catalog.sources.items()}
    moved = Catalog(sources=sources, dimensions=catalog.dimensions, metrics=catalog.metrics)
    return [run_test(test, moved, connection) for test in tests]


def run_test(test: GoldenTest, catalog: Catalog, connection: WarehouseConnection) -> Outcome:
    """Compile and run one test's query on `connection` (its data already loaded) and judge the rows."""
    definition = test.definition
    invariant = parse_invariant(definition.invariant) if definition.invariant is not None else None
    query = definition.query
    metrics = list(query.metrics)
    if invariant is not None:
        dimensions = {METRIC_TIME, *(name.rsplit(".", 1)[-1] for name in query.by)}
        for ref in invariant.refs:
            if ref.rsplit(".", 1)[-1] not in dimensions:
                funnel = _FUNNEL_COLUMN.match(ref)
                metric = funnel.group("metric") if funnel else ref
                if metric not in metrics:
                    metrics.append(metric)
    request = {
        "metrics": metrics,
        "dimensions": list(query.by),
        "grain": query.grain,
        "where": query.where,
        "time_range": query.time_range.model_dump() if query.time_range else None,
        "dialect": connection.dialect,
    }
    try:
        compiled = compile_query(request, catalog, cache=False, pretty=True)
    except CompileError as err:
        first = err.issues[0]
        message = "; ".join(f"{i.code} {i.message}" for i in err.issues)
        return Outcome(
            test,
            "error",
            issue("T004", f"the query cannot be compiled: {message}", test.location, first.hint),
        )
    except ValidationError as err:
        problem = err.errors(include_url=False)[0]["msg"]
        return Outcome(
            test, "error", issue("T004", f"the query is not valid: {problem}", test.location, "fix `query:`")
        )
    try:
        rows = connection.execute(compiled.sql)
    except Exception as err:  # whatever the engine says is the answer: show it with the SQL
        refused = issue("T004", f"the warehouse refused the query: {_first_line(err)}", test.location)
        return Outcome(test, "error", refused, sql=compiled.sql)
    keys = (1 if query.grain else 0) + len(query.by)
    if definition.expected is not None:
        lines = differences(definition.expected, compiled.columns, rows, keys, definition.tolerance)
        if not lines:
            return Outcome(test, "passed", sql=compiled.sql)
        shown = [
            f"expected ({len(definition.expected)} rows):",
            *(f"  {show_row(row)}" for row in definition.expected[:MAX_SHOWN_ROWS]),
            f"got ({len(rows)} rows):",
            *(f"  {show_row(row)}" for row in as_dicts(compiled.columns, rows)[:MAX_SHOWN_ROWS]),
            "differences:",
            *(f"  {line}" for line in lines),
        ]
        failed = issue("T005", f"{len(lines)} difference(s) from the expected rows", test.location)
        return Outcome(test, "failed", failed, tuple(shown), compiled.sql)
    assert invariant is not None
    got = as_dicts(compiled.columns, rows)
    if not got:
        empty = issue(
            "T005",
            "the query returned no rows: the invariant proves nothing",
            test.location,
            "give the test data rows the query reads",
        )
        return Outcome(test, "failed", empty, sql=compiled.sql)
    verdicts = [verdict(invariant, row) for row in got]
    if all(v is None for v in verdicts):
        unjudged = issue(
            "T005",
            f"the invariant is NULL on all {len(got)} row(s): it proves nothing",
            test.location,
            "give the test data rows where every value the invariant reads is known",
        )
        return Outcome(test, "failed", unjudged, sql=compiled.sql)
    broken = [row for row, v in zip(got, verdicts, strict=True) if v is False]
    if not broken:
        return Outcome(test, "passed", sql=compiled.sql)
    shown = [
        f"rows where `{invariant.text}` is false ({len(broken)} of {len(got)}):",
        *(f"  {show_row(row)}" for row in broken[:MAX_SHOWN_ROWS]),
    ]
    failed = issue("T005", f"the invariant does not hold on {len(broken)} row(s)", test.location)
    return Outcome(test, "failed", failed, tuple(shown), compiled.sql)


@contextlib.contextmanager
def _session(url: str | None) -> Iterator[Callable[[Catalog], contextlib.AbstractContextManager[_Workspace]]]:
    """A factory of fresh workspaces: in-memory DuckDB databases, or scratch schemas of the warehouse."""
    if url is None:
        yield _in_memory
        return
    with open_warehouse(url, read_only=False) as connection:
        if connection.dialect not in ENGINES:
            raise ConnectError(
                f"caliber test cannot create test tables on {connection.dialect}",
                f"run it on one of {', '.join(ENGINES)} (or on the default in-memory DuckDB)",
            )
        yield lambda _catalog: _scratch(connection)


@contextlib.contextmanager
def _in_memory(catalog: Catalog) -> Iterator[_Workspace]:
    with open_warehouse("duckdb:///:memory:", read_only=False) as connection:
        # Tables keep the names the sources give them: make their schemas (and databases) exist.
        for table in dict.fromkeys(s.table for s in catalog.sources.values()):
            node = table_node(table)
            if node.catalog:
                connection.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {node.args['catalog'].sql('duckdb')}")
            if node.db:
                schema = ".".join(node.args[k].sql("duckdb") for k in ("catalog", "db") if node.args.get(k))
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        yield _Workspace(connection, lambda table: table)


_SCRATCH = {
    "postgres": ("CREATE SCHEMA {}", "DROP SCHEMA {} CASCADE"),
    "duckdb": ("CREATE SCHEMA {}", "DROP SCHEMA {} CASCADE"),
    "mysql": ("CREATE DATABASE {} CHARACTER SET utf8mb4", "DROP DATABASE {}"),
    "sqlite": ("ATTACH DATABASE ':memory:' AS {}", "DETACH DATABASE {}"),
}


@contextlib.contextmanager
def _scratch(connection: WarehouseConnection) -> Iterator[_Workspace]:
    schema = f"caliber_test_{secrets.token_hex(4)}"
    create, drop = _SCRATCH[connection.dialect]
    try:
        connection.execute(create.format(schema))
    except Exception as err:
        raise ConnectError(
            f"cannot create the scratch schema {schema}: {_first_line(err)}",
            "caliber test --warehouse needs a user that may create a schema (a database on MySQL)",
        ) from None
    try:
        yield _Workspace(connection, lambda table: f"{schema}.{table.replace('.', '__')}")
    finally:
        connection.execute(drop.format(schema))


def render(outcomes: Sequence[Outcome]) -> str:
    """`PASS`/`FAIL`/`ERROR` per test with file:line:col, the details of each failure, and a count."""
    lines: list[str] = []
    for outcome in outcomes:
        test = outcome.test
        lines.append(f"{_LABELS[outcome.status]} {test.location}: {test.name}")
        problem = outcome.problem
        if problem is not None:
            where = f" ({problem.location})" if problem.location != test.location else ""
            lines.append(f"    {problem.code} {problem.message}{where}")
            if problem.hint:
                lines.append(f"    hint: {problem.hint}")
        lines.extend(f"    {line}" for line in outcome.lines)
        if outcome.status != "passed" and outcome.sql:
            lines.append("    sql:")
            lines.extend(f"      {line}" for line in outcome.sql.splitlines())
    counts = {
        status: sum(1 for o in outcomes if o.status == status) for status in ("passed", "failed", "error")
    }
    lines.append(f"{counts['passed']} passed, {counts['failed']} failed, {counts['error']} error(s)")
    return "\n".join(lines)


def _first_line(err: Exception) -> str:
    text = str(getattr(err, "orig", None) or err)
    return text.splitlines()[0][:300] if text else type(err).__name__
