"""The AARRR metrics of the standard library on the demo warehouse (DuckDB): each gives real numbers, and five
of them equal a reference computed in plain Python from the generated rows (`engines/aarrr/references.py`;
tests/engines/test_aarrr_matrix.py checks the same on all four engines)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from engines.aarrr.references import REFERENCES
from engines.compare import assert_same_rows, normalise

from catalog.compile import compile_query
from catalog.demo_data import Table, generate, write_duckdb
from catalog.lint import lint_paths
from catalog.model import Catalog

AARRR_TYPES = {"cumulative", "conversion", "funnel", "retention", "period_over_period"}


@pytest.fixture(scope="module")
def library() -> Catalog:
    # Lint's own verdict on the library (0 errors, 0 warnings) is checked by tests/test_metric_library.py.
    return lint_paths(["metric_defs"]).catalog


@pytest.fixture(scope="module")
def tables() -> dict[str, Table]:
    return generate(5_000)


@pytest.fixture(scope="module")
def demo(
    tables: dict[str, Table],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    path = str(tmp_path_factory.mktemp("aarrr") / "demo.duckdb")
    write_duckdb(tables, path)
    con = duckdb.connect(path, read_only=True)
    yield con
    con.close()


def run(con: duckdb.DuckDBPyConnection, catalog: Catalog, metric: str) -> list[tuple[Any, ...]]:
    compiled = compile_query({"metrics": [metric], "grain": "month"}, catalog)
    return normalise([tuple(r) for r in con.execute(compiled.sql).fetchall()], 1)


def test_the_library_uses_every_aarrr_type(library: Catalog) -> None:
    assert {m.type for m in library.metrics.values()} >= AARRR_TYPES


def test_every_aarrr_metric_has_real_values_on_the_demo(
    library: Catalog, demo: duckdb.DuckDBPyConnection
) -> None:
    for key, metric in sorted(library.metrics.items()):
        if metric.type not in AARRR_TYPES:
            continue
        rows = run(demo, library, key)
        values = [v for row in rows for v in row[1:] if v is not None]
        assert len(rows) >= 6, (key, rows)
        assert len({round(v, 9) for v in values}) >= 3 and any(v != 0 for v in values), (key, rows)


@pytest.mark.parametrize("metric", sorted(REFERENCES))
def test_library_metric_equals_the_python_reference(
    library: Catalog, demo: duckdb.DuckDBPyConnection, tables: dict[str, Table], metric: str
) -> None:
    expected = normalise(REFERENCES[metric](tables), 1)
    assert_same_rows(run(demo, library, metric), expected, ordered=False, context=metric)
