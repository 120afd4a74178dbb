"""Stage 5 — compare metrics across teams: canonical forms, conflicts, duplicates and the standard protocol.

Importing this package registers the conflict check with `caliber lint` (`catalog.lint` imports it).
"""

from __future__ import annotations

from catalog.compare.canonical import Canonical, Canonicalizer, canonical_form
from catalog.compare.conflicts import Finding, find_conflicts, findings_for, findings_of_metric
from catalog.compare.explain import Difference, differences
from catalog.compare.lint_check import conflict_issues, with_levels
from catalog.lint import CATALOG_CHECKS

if conflict_issues not in CATALOG_CHECKS:
    CATALOG_CHECKS.append(conflict_issues)

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
