"""Stage 5 — compare metrics across teams: canonical forms, conflicts, duplicates and the standard protocol.

`catalog.lint` runs `conflict_issues` among its catalog checks (`catalog.lint.catalog_checks`).
"""

from __future__ import annotations

from catalog.compare.canonical import Canonical, Canonicalizer, canonical_form
from catalog.compare.conflicts import Finding, find_conflicts, findings_for, findings_of_metric
from catalog.compare.explain import Difference, differences
from catalog.compare.lint_check import conflict_issues, with_levels

__all__ = [
    "Canonical",
    "Canonicalizer",
    "Difference",
    "Finding",
    "canonical_form",
    "conflict_issues",
    "differences",
    "find_conflicts",
    "findings_for",
    "findings_of_metric",
    "with_levels",
]
