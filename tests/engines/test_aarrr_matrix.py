"""The AARRR metric types on every engine of the matrix (`loading.ENGINES`).

1. Edge cases: each case's compiled SQL returns the rows worked out by hand in `aarrr/cases.py` over the rows
   of `aarrr/dataset.py` (cohorts without conversions, events at window edges, skipped funnel steps, periods
   without a previous value, NULL dimension groups).
2. The standard library on the demo warehouse: five library metrics equal their plain-Python reference
   (`aarrr/references.py`) computed from the same generated rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.compile import compile_query
from catalog.demo_data import Table, generate
from catalog.lint import lint_paths

from .aarrr.cases import CASES, Case
from .aarrr.dataset import TABLES, fixture_catalog
from .aarrr.references import REFERENCES
from .compare import assert_same_rows, normalise
from .loading import ENGINES, STARTERS, Engine, clickhouse_plain, proven_on_host

pytestmark = pytest.mark.engines
DEMO_TABLES = ("dw.dim_users", "dw.fact_orders", "dw.fact_lessons", "dw.fact_app_events", "dw.fact_leads")
DEMO_ROWS = 3_000


@pytest.fixture(scope="module", params=ENGINES)
def aarrr_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with STARTERS[request.param](TABLES, fixture_catalog()) as engine:
        yield engine


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, Table]:
    return {name: table for name, table in generate(DEMO_ROWS).items() if name in DEMO_TABLES}


@pytest.fixture(scope="module", params=ENGINES)
def demo_engine(request: pytest.FixtureRequest, demo_tables: dict[str, Table]) -> Iterator[Engine]:
    with STARTERS[request.param](demo_tables, lint_paths(["metric_defs"]).catalog) as engine:
        yield engine


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_matches_hand_worked_rows(aarrr_engine: Engine, case: Case) -> None:
    compiled = compile_query({**case.query, "dialect": aarrr_engine.name}, aarrr_engine.catalog, cache=False)
    assert compiled.columns == case.columns
    if proven_on_host(aarrr_engine, case.query, compiled.sql):
        return
    dates = 1 if case.columns[0] == "metric_time" else 0
    actual = normalise([tuple(r) for r in aarrr_engine.execute(compiled.sql)], dates)
    assert_same_rows(
        actual,
        normalise(case.rows, dates),
        ordered=False,
        context=f"{case.id} on {aarrr_engine.name}\n{compiled.sql}",
    )


@pytest.fixture(scope="module")
def plain_clickhouse() -> Iterator[Engine]:
    with clickhouse_plain(TABLES, fixture_catalog()) as engine:
        yield engine


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_clickhouse_left_joins_give_nulls_on_columns_declared_without_them(
    plain_clickhouse: Engine, case: Case
) -> None:
    test_case_matches_hand_worked_rows(plain_clickhouse, case)


@pytest.mark.parametrize("metric", sorted(REFERENCES))
def test_library_metric_matches_its_python_reference(
    demo_engine: Engine, demo_tables: dict[str, Table], metric: str
) -> None:
    query = {"metrics": [metric], "grain": "month", "dialect": demo_engine.name}
    compiled = compile_query(query, demo_engine.catalog, cache=False)
    actual = normalise([tuple(r) for r in demo_engine.execute(compiled.sql)], 1)
    expected = normalise(REFERENCES[metric](demo_tables), 1)
    assert len(expected) >= 6
    assert_same_rows(actual, expected, ordered=False, context=f"{metric} on {demo_engine.name}")
