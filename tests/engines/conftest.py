"""The engine matrix: the same seeded rows in DuckDB, SQLite, PostgreSQL, MariaDB, Spark and ClickHouse.

Loading, and what happens when a server is missing (the tests fail, never skip), is `loading.py`; the test
catalog's tables are re-pointed at the schema each engine was loaded into.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.lint import lint_paths
from catalog.model import Catalog

from .dataset import dataset
from .loading import ENGINES, STARTERS, Engine

FIXTURE = Path(__file__).parent.parent / "fixtures" / "compile"


def fixture_catalog() -> Catalog:
    """The compiler test catalog (tests/fixtures/compile), over the tables of `dataset.py`."""
    result = lint_paths([FIXTURE])
    assert result.ok, [str(i) for i in result.errors]
    return result.catalog


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Each engine of the matrix, loaded once per session."""
    with STARTERS[request.param](dataset(), fixture_catalog()) as loaded:
        yield loaded
