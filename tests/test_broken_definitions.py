"""Every file under tests/fixtures/broken/ is one broken definition, linted next to a small valid catalog.

The first lines of each file say what lint must report for it: `# expect: CODE line:col`. The issues reported
with definition codes (Y, S, R, J, Q, W) in that file must be exactly those, the valid catalog must stay
clean, and nothing may raise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalog.issues import CODES
from catalog.lint import lint_paths

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "lint_base"
CASES = sorted((FIXTURES / "broken").glob("*.yaml"))
EXPECT = re.compile(rb"^# expect: ([A-Z]\d{3}) (\d+):(\d+)$", re.M)
DEFINITION_CODES = ("Y", "S", "R", "J", "Q", "W")


def expected(case: Path) -> list[tuple[str, int, int]]:
    return [(code.decode(), int(line), int(col)) for code, line, col in EXPECT.findall(case.read_bytes())]


def test_the_valid_catalog_lints_clean() -> None:
    result = lint_paths([BASE])
    assert result.issues == ()
    assert len(result.catalog.metrics) == 10


def test_there_are_at_least_35_distinct_broken_definitions() -> None:
    assert len(CASES) >= 35
    assert all(expected(case) for case in CASES), "every case declares what it expects"


def test_every_definition_code_has_a_broken_definition() -> None:
    covered = {code for case in CASES for code, _, _ in expected(case)}
    wanted = {code for code in CODES if code.startswith(DEFINITION_CODES)}
    assert wanted - covered == set()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_broken_definition_reports_its_code_at_its_line(case: Path) -> None:
    result = lint_paths([BASE, case])
    found = sorted(
        (i.code, i.location.line, i.location.col)
        for i in result.issues
        if i.location.file.endswith(case.name) and i.code.startswith(DEFINITION_CODES)
    )
    assert found == sorted(expected(case))
    assert [i for i in result.issues if not i.location.file.endswith(case.name)] == []
    assert all(i.message and i.hint for i in result.issues if i.location.file.endswith(case.name)), (
        "each issue has a message and a hint"
    )
