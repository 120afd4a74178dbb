"""Plans per query shape (`catalog.compile.shapes`): new literals in a seen shape give the SQL a fresh compile
gives. The engine matrix runs every case through a primed shape too (tests/engines/test_matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.compile import compile_query
from catalog.compile.dialects import DIALECTS
from catalog.lint import lint_paths
from catalog.model import Catalog
from tests.compile.shape_variants import outcomes, through_a_primed_shape
from tests.engines.cases import CASES
from tests.engines.conftest import FIXTURE


@pytest.fixture(scope="module")
def library() -> Catalog:
    return lint_paths(["metric_defs"]).catalog


def dashboard(city: str, start: str, limit: int, dialect: str) -> dict[str, Any]:
    return {
        "metrics": ["gmv", "paid_orders"],
        "dimensions": ["channel"],
        "grain": "month",
        "filters": [{"dimension": "city", "op": "in", "values": [city, "上海"]}],
        "time_range": {"start": start, "end": "2025-07-01T00:00:00+08:00"},
        "time_zone": "Asia/Shanghai",
        "limit": limit,
        "dialect": dialect,
    }


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_two_requests_differing_only_in_a_literal_get_the_right_sql_each(
    library: Catalog, dialect: str
) -> None:
    # A bound at midnight and one with a time of day are of different shapes (a date column compares a date).
    for start, other in (
        ("2025-01-01T00:00:00", "2025-02-01T00:00:00"),
        ("2025-01-01T01:02:03", "2025-02-03T04:05:06"),
    ):
        first = dashboard("北京", start + "+08:00", 10, dialect)
        second = dashboard("O'Brien \\ %_", other + "+08:00", 11, dialect)
        primed = compile_query(first, library), compile_query(second, library)
        assert outcomes()[-1] == "shape"
        for query, compiled in zip((first, second), primed, strict=True):
            assert compiled.sql == compile_query(query, library, cache=False).sql
        assert primed[0].sql != primed[1].sql


def test_a_shape_whose_literals_move_into_derived_values_is_compiled_each_time(library: Catalog) -> None:
    # Period over period shifts the bounds by a period: the plan would keep the old shifted bound.
    query = {"metrics": ["finance.gmv_mom"], "grain": "month", "dialect": "postgres"}
    seen = []
    for start in ("2025-01-01", "2025-02-01", "2025-03-01"):
        q = query | {"time_range": {"start": start, "end": "2025-07-01"}}
        compiled = compile_query(q, library)
        seen.append(outcomes()[-1])
        assert compiled.sql == compile_query(q, library, cache=False).sql
    assert seen == ["compiled", "compiled", "compiled"]


def test_every_matrix_case_with_literals_is_served_from_its_shape_plan() -> None:
    catalog = lint_paths([FIXTURE]).catalog
    served = []
    for case in CASES:
        through_a_primed_shape({**case.query, "dialect": "postgres"}, catalog)
        served.append(outcomes()[-1])
    assert served.count("shape") >= 15
    assert "compiled" not in served
