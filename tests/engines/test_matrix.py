"""Compiled SQL gives the same rows as a hand-written reference on every engine of the matrix."""

from __future__ import annotations

import pytest

from catalog.compile import compile_query

from .cases import CASES, Case, reference
from .compare import Row, assert_same_rows, normalise
from .conftest import Engine
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


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_compiled_query_matches_reference(engine: Engine, case: Case) -> None:
    compiled = compile_query({**case.query, "dialect": engine.name}, engine.catalog)
    if proven_on_host(engine, case.query, compiled.sql):
        return
    dated = 1 if compiled.columns[0] == "metric_time" else 0
    actual = normalise(engine.execute(compiled.sql), dated)
    expected = _reference_rows(engine, case, dated)
    assert_same_rows(actual, expected, case.ordered, f"{case.id} on {engine.name}\n{compiled.sql}")
    if case.id != "filter_matches_nothing":
        assert actual, f"{case.id} on {engine.name}: no rows — the case would prove nothing"
    if case.id in PROVES_NULLS:
        assert any(v is None for row in actual for v in row), f"{case.id} on {engine.name}: no NULL"
