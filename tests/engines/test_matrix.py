"""Compiled SQL gives the same rows as a hand-written reference on every engine of the matrix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.compile import compile_query
from tests.compile.shape_variants import through_a_primed_shape

from .cases import CASES, Case, reference
from .compare import Row, assert_same_rows, normalise
from .conftest import FIXTURE, Engine
from .loading import proven_on_host

pytestmark = pytest.mark.engines

# Cases whose point is a NULL in the result: a NULL dimension group, a missing dimension row, x/0.
PROVES_NULLS = {
    "count_by_channel_null_groups",
    "null_join_key_group",
    "ratio_division_by_zero",
    "derived_across_sources",
    "orders_and_lessons_by_city",
}


def test_the_matrix_is_wide_enough() -> None:
    queries = [c.query for c in CASES]
    assert len(CASES) >= 30
    assert {q.get("grain") for q in queries} | {"quarter"} >= {"day", "week", "month", "quarter", "year"}
    ops = {f["op"] for q in queries for f in q.get("filters", [])}
    assert ops >= {"=", "!=", "in", "not_in", "<", "<=", ">", ">=", "between", "like", "is_null"}


_REFERENCE_ROWS: dict[tuple[str, str], list[Row]] = {}


def _reference_rows(engine: Engine, case: Case, dated: int) -> list[Row]:
    """The reference's rows, once per case and host engine: every load holds the same rows, so hive on
    Spark reuses what the Spark run computed."""
    key = (case.id, engine.host)
    if key not in _REFERENCE_ROWS:
        _REFERENCE_ROWS[key] = normalise(engine.execute(reference(case, engine.host, engine.schema)), dated)
    return _REFERENCE_ROWS[key]


@pytest.mark.parametrize("via", ["compiler", "shape plan"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_compiled_query_matches_reference(engine: Engine, case: Case, via: str) -> None:
    query = {**case.query, "dialect": engine.name}
    # "shape plan": the plan of the query's shape is made from other literals first, then this query's values
    # are put into it (`catalog.compile.shapes`), so parameters are proven not to change a query's meaning.
    compiled = (
        compile_query(query, engine.catalog, cache=False)
        if via == "compiler"
        else through_a_primed_shape(query, engine.catalog)
    )
    if proven_on_host(engine, case.query, compiled.sql):
        return
    dated = 1 if compiled.columns[0] == "metric_time" else 0
    actual = normalise(engine.execute(compiled.sql), dated)
    if case.expected is not None:
        expected = normalise(case.expected, dated)
    else:
        expected = _reference_rows(engine, case, dated)
    assert_same_rows(actual, expected, case.ordered, f"{case.id} on {engine.name}\n{compiled.sql}")
    if case.id != "filter_matches_nothing":
        assert actual, f"{case.id} on {engine.name}: no rows — the case would prove nothing"
    if case.id in PROVES_NULLS:
        assert any(v is None for row in actual for v in row), f"{case.id} on {engine.name}: no NULL"


def test_repeated_where_options_of_the_command_line_all_hold(engine: Engine, tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(FIXTURE, defs)
    sources = defs / "common" / "sources.yaml"
    sources.write_text(sources.read_text("utf-8").replace("table: dw.", f"table: {engine.schema}."), "utf-8")
    query = ["-m", "visits", "--by", "visit_kind", "-d", engine.name, "--no-pretty"]
    wheres = ["--where", "visit_kind = 'ad' OR visit_kind IS NULL", "--where", "channel IS NULL"]
    result = CliRunner().invoke(app, ["compile", "--defs", str(defs), *query, *wheres])
    assert result.exit_code == 0, result.output
    rows = normalise(engine.execute(result.stdout), 0)
    assert_same_rows(rows, normalise([("ad", 1), (None, 1)], 0), False, f"{engine.name}\n{result.stdout}")
