"""Read-only views over a resolved catalog that the API shows next to a metric.

>>> allowed_dimensions(catalog, "finance.gmv")       # doctest: +SKIP
['common.channel', 'common.city', 'sales.course_category']
"""

from __future__ import annotations

import re

from catalog.issues import Issue
from catalog.joins import reachable_sources
from catalog.lint import LintResult
from catalog.model import Atomic, Catalog, Metric


def atomic_leaves(catalog: Catalog, key: str) -> set[str]:
    """The atomic metrics `key` is computed from (itself when atomic)."""
    leaves: set[str] = set()
    seen: set[str] = set()
    stack = [key]
    while stack:
        current = stack.pop()
        metric = catalog.metrics.get(current)
        if metric is None or current in seen:
            continue
        seen.add(current)
        if isinstance(metric.spec, Atomic):
            leaves.add(current)
        else:
            stack.extend(metric.references())
    return leaves


def allowed_dimensions(catalog: Catalog, key: str) -> list[str]:
    """Dimensions every atomic leaf of the metric reaches by many-to-one joins, sorted by key."""
    reachable: set[str] | None = None
    for leaf in atomic_leaves(catalog, key):
        spec = catalog.metrics[leaf].spec
        assert isinstance(spec, Atomic)
        found = reachable_sources(catalog, spec.source) if spec.source in catalog.sources else set()
        reachable = found if reachable is None else reachable & found
    return sorted(d.key for d in catalog.dimensions.values() if d.source in (reachable or set()))


def conflicts_of(current: LintResult, metric: Metric) -> list[Issue]:
    """Conflict issues (C0xx) of the current catalog that name this metric.

    The hook for `catalog/compare`: its checks run in the catalog's lint pipeline (`CATALOG_CHECKS`), so their
    issues are already in `current.issues` (computed once per catalog revision by the store). Stored
    definitions carry no line numbers, so the metric is recognised by its key in the message (`finance.gmv`
    but not `finance.gmv_net`) rather than by location.
    """
    named = re.compile(rf"(?<![\w.]){re.escape(metric.key)}(?!\w)")
    return [i for i in current.issues if i.code.startswith("C") and named.search(i.message)]
