"""Which conflict findings block a publish: those that involve a metric the publish changes.

Definition errors anywhere in the merged catalog reject a publish, because they make the catalog unusable.
Conflicts are different: one already stored between two metrics nobody is touching must not block every
later, unrelated publish. So a finding (C001/C003, C002 when configured as an error, C004) stays an error only
when either of its two metrics is new or changed in this publish; otherwise it is returned as a warning, and
it stays visible as an open conflict in `GET /v1/conflicts` and the web `/conflicts` page.

    >>> gated = gate(find_conflicts(result.catalog), changed={"sales.paying_users"})  # doctest: +SKIP
    >>> [(i.code, i.level.value) for i in gated]                                       # doctest: +SKIP
    [('C001', 'error')]
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from catalog.compare.conflicts import Finding
from catalog.compare.lint_check import Setting, issue_of, with_levels
from catalog.issues import Issue, Level


def gate(
    findings: Iterable[Finding],
    changed: Set[str],
    conflicts: Setting = "error",
    duplicates: Setting = "warning",
) -> list[Issue]:
    """The findings as issues, levelled like `caliber lint --conflicts … --duplicates …`, then errors that
    involve no metric in `changed` (qualified keys) lowered to warnings."""
    gated: list[Issue] = []
    for finding in findings:
        for found in with_levels([issue_of(finding)], conflicts, duplicates):
            if found.level is Level.ERROR and not changed & {finding.left, finding.right}:
                found = Issue(
                    found.code,
                    Level.WARNING,
                    found.message,
                    found.location,
                    found.hint + " (already stored: it does not block publishing other changes)",
                )
            gated.append(found)
    return gated
