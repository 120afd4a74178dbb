from __future__ import annotations

from pathlib import Path

import pytest

from catalog.lint import lint_paths
from catalog.model import Catalog

FIXTURE = Path(__file__).parent.parent / "fixtures" / "compile"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The compiler's test catalog (tests/fixtures/compile): shop and teach metrics of every compiled type."""
    result = lint_paths([FIXTURE])
    assert result.ok, [str(i) for i in result.errors]
    return result.catalog
