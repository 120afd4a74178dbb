"""The benchmark harness's correctness part: Caliber's SQL for every benchmark query gives the rows of the
hand-written reference on DuckDB. (The peers' venvs are not installed in CI; nothing here is timed.)"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bench.results import merge
from bench.rows import Comparison, fetch, same_rows
from bench.scale import catalog_texts, wide_texts
from bench.side_by_side import (
    Outcome,
    Query,
    QueryResult,
    check,
    headline,
    load_queries,
    markdown,
    measure_floors,
)
from bench.stats import summarize
from bench.warehouse import build, open_warehouse
from catalog.compile import compile_query
from catalog.lint import lint_paths, lint_texts

QUERIES = load_queries()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    con = open_warehouse(build(tmp_path_factory.mktemp("bench") / "bench.duckdb", rows=3_000))
    yield con
    con.close()


@pytest.fixture(scope="module")
def catalog():
    result = lint_paths(["bench/model/caliber"])
    assert result.issues == ()
    return result.catalog


def test_the_set_covers_the_shapes_issue_8_asks_for():
    assert len(QUERIES) >= 10
    assert all(set(q.specs) == {"caliber", "metricflow", "sidemantic"} for q in QUERIES)
    specs = [q.specs["caliber"] for q in QUERIES]
    assert any(s.get("grain") == "week" for s in specs)
    assert any(s.get("filters") for s in specs)
    assert max(len(s["metrics"]) for s in specs) >= 4


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.id)
def test_caliber_gives_the_reference_rows(query: Query, warehouse, catalog):
    sql = compile_query(query.specs["caliber"], catalog, cache=False).sql
    assert fetch(warehouse, query.reference), "the reference must have rows, or the check proves nothing"
    outcome = check(warehouse, query, "caliber", sql)
    assert outcome.ok, outcome.detail


def test_a_wrong_answer_is_reported_with_the_difference(warehouse):
    query = QUERIES[1]  # GMV by month
    wrong = query.reference.replace("SUM(amount)", "SUM(amount) + 1")
    outcome = check(warehouse, query, "caliber", wrong)
    assert not outcome.ok and "expected" in outcome.detail


def test_sql_that_does_not_run_is_wrong_not_an_exception(warehouse):
    outcome = check(warehouse, QUERIES[0], "caliber", "SELECT nope FROM dw.fact_orders")
    assert not outcome.ok and outcome.detail.startswith("does not run")


def test_rows_compare_as_multisets_across_engine_types():
    assert same_rows([(date(2024, 1, 1), Decimal("2.50"), 3)], [(datetime(2024, 1, 1), 2.5, 3.0)]).ok
    assert same_rows([(None, 1.0), ("a", 2.0)], [("a", 2.0 + 1e-12), (None, 1.0)]).ok
    assert not same_rows([(None, None), ("a", 2.0)], [("a", 2.0)]).ok
    assert not same_rows([("a", 1)], [("a", 1), ("a", 1)]).ok


def test_p99_is_a_measured_sample():
    summary = summarize(list(range(1, 201)))
    assert (summary.median_ns, summary.p99_ns) == (100.5, 198)


def test_results_keep_other_sections():
    text = "# R\n\n## Service\n\n1,500 rps\n\n## Scale\n\nstale figure\n"
    merged = merge(text, {"Scale": "new", "Cold process": "cold"})
    assert "1,500 rps" in merged and "stale figure" not in merged
    assert merged.index("## Service") < merged.index("## Scale") < merged.index("## Cold process")


def test_generated_catalogs_are_clean_and_distinct():
    result = lint_texts(catalog_texts(300))
    assert len(result.catalog.metrics) == 300 and result.issues == ()
    wide = lint_texts(wide_texts(80))
    assert len(wide.catalog.metrics) == 80 and wide.ok


def test_a_fast_wrong_answer_gets_no_ratio():
    right, wrong = Comparison(True), Comparison(False, "1 rows, expected 2")
    result = QueryResult(
        QUERIES[0],
        {
            "caliber": Outcome("SELECT 1", check=right, samples=[1_000_000] * 3),
            "metricflow": Outcome("SELECT 1", check=right, samples=[50_000_000] * 3),
            "sidemantic": Outcome("SELECT 1", check=wrong, samples=[10] * 3),
        },
    )
    assert result.ratio("metricflow") == 50.0
    assert result.ratio("sidemantic") is None
    top = headline([result])
    assert (top.compared_sidemantic, top.wrong["sidemantic"]) == (0, [QUERIES[0].id])


def test_a_faster_peer_gets_the_sqlglot_floor_of_both_tools_sql():
    right = Comparison(True)
    result = QueryResult(
        QUERIES[0],
        {
            "caliber": Outcome(
                "SELECT a, SUM(b) AS s FROM t GROUP BY a", check=right, samples=[2_000_000] * 3
            ),
            "sidemantic": Outcome("SELECT a FROM t", check=right, samples=[1_000_000] * 3),
            "metricflow": Outcome("SELECT a FROM t", check=right, samples=[9_000_000] * 3),
        },
    )
    measure_floors(result)
    assert set(result.floors) == {"sidemantic", "caliber"}
    assert all(f.build.median_ns > 0 and f.render.median_ns > 0 for f in result.floors.values())
    line = f"- {QUERIES[0].id} · Sidemantic compiles it in 1.00 ms. sqlglot alone builds"
    assert line in markdown([result], {})
