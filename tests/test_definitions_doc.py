"""docs/definitions.md stays true: its code table is `CODES`, its examples form a catalog that lints clean."""

from __future__ import annotations

import re
from pathlib import Path

from catalog.issues import CODES
from catalog.lint import lint_texts
from catalog.metric_types.registry import METRIC_TYPES
from catalog.schema import DimensionDef, MetricBase, SourceDef

DOC = (Path(__file__).parent.parent / "docs" / "definitions.md").read_text("utf-8")
ROW = re.compile(r"^\| ([A-Z]\d{3}) \| (error|warning) \| (.+?) \| (.+?) \|$", re.M)


def test_the_code_tables_list_every_code_with_its_level_and_meaning() -> None:
    rows = {code: (level, meaning) for code, level, meaning, _ in ROW.findall(DOC)}
    assert len(rows) == len(ROW.findall(DOC)), "a code appears twice"
    assert rows == {code: (level.value, meaning) for code, (level, meaning) in CODES.items()}


def test_every_code_has_a_typical_fix() -> None:
    assert all(fix.strip() for *_, fix in ROW.findall(DOC))


def test_the_examples_form_a_catalog_that_lints_clean() -> None:
    files = dict(re.findall(r"```yaml\n# file: (\S+)\n(.*?)```", DOC, re.S))
    assert len(files) >= 6
    result = lint_texts(files)
    assert result.issues == ()
    assert {m.type for m in result.catalog.metrics.values()} == {kind.name for kind in METRIC_TYPES}


def test_every_field_of_the_language_is_documented() -> None:
    fields = {*SourceDef.model_fields, *DimensionDef.model_fields, *MetricBase.model_fields}
    for kind in METRIC_TYPES:
        fields |= set(kind.definition().model_fields)
    assert {f for f in fields if f"| `{f}` |" not in DOC} == set()
