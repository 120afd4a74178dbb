"""The compare stage inside `caliber lint`: findings become issues C001–C004, at levels the user may change.

>>> [i.code for i in conflict_issues(catalog)]                     # doctest: +SKIP
['C003', 'C002']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from catalog.compare.conflicts import Finding, Kind, findings_for
from catalog.issues import Issue, Level, issue
from catalog.model import Catalog

Setting = Literal["error", "warning", "off"]
SETTINGS: tuple[Setting, ...] = ("error", "warning", "off")
KIND_CODES: dict[Kind, str] = {
    "conflict": "C001",
    "duplicate": "C002",
    "standard_override_missing": "C003",
    "override_invalid": "C004",
}
# `--conflicts` governs both ways of giving one name two calibers; a broken `overrides:` is always an error.
_CONFLICT_CODES = ("C001", "C003")
_DUPLICATE_CODES = ("C002",)


def conflict_issues(catalog: Catalog) -> list[Issue]:
    """The conflict check of `caliber lint` (one of `catalog.lint.catalog_checks`); the findings stay cached
    with the catalog for the API and the web pages (`findings_for`)."""
    return [issue_of(finding) for finding in findings_for(catalog)]


def issue_of(finding: Finding) -> Issue:
    """One issue at the metric that should change (`right`), naming where the other one is."""
    at = finding.left_location
    where = ""
    if at.file and at.line:
        where = f" ({finding.left} is defined at {at})"
    elif at.file:  # a published definition that the bundle does not carry: it has no line
        where = f" ({finding.left} is published, not in this bundle)"
    return issue(KIND_CODES[finding.kind], finding.message + where, finding.right_location, finding.hint)


def with_levels(
    issues: Iterable[Issue],
    conflicts: Setting = "error",
    duplicates: Setting = "warning",
) -> tuple[Issue, ...]:
    """Apply `caliber lint --conflicts … --duplicates …`: relevel C001/C003 and C002, or drop them.

    >>> with_levels([issue("C002", "same caliber")], duplicates="error")[0].level.value
    'error'
    """
    kept: list[Issue] = []
    for found in issues:
        setting = {
            **dict.fromkeys(_CONFLICT_CODES, conflicts),
            **dict.fromkeys(_DUPLICATE_CODES, duplicates),
        }.get(found.code)
        if setting == "off":
            continue
        if setting is not None and found.level.value != setting:
            found = Issue(found.code, Level(setting), found.message, found.location, found.hint)
        kept.append(found)
    return tuple(kept)
