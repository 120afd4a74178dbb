"""What a metric is built from: its atomic metrics, the dimensions that can slice it, its time columns.

The service shows these next to a metric (`GET /v1/metrics/{key}`, the web page); the default series of a
metric (`catalog.series`) asks whether it has a time at all.

    >>> from catalog.lint import lint_paths
    >>> catalog = lint_paths(["metric_defs"]).catalog
    >>> sorted(atomic_leaves(catalog, "finance.arppu")), has_time(catalog, catalog.metrics["finance.arppu"])
    (['finance.gmv', 'finance.paying_users'], True)
"""

from __future__ import annotations

from catalog.joins import reachable_sources
from catalog.metric_types.atomic import Atomic
from catalog.model import Catalog, Metric


def atomic_leaves(catalog: Catalog, key: str, metric: Metric | None = None) -> set[str]:
    """The atomic metrics `key` is computed from (itself when atomic). `metric` stands for `key` when given
    (a past version), its components read from `catalog`."""
    leaves: set[str] = set()
    seen: set[str] = set()
    stack: list[tuple[str, Metric | None]] = [(key, metric or catalog.metrics.get(key))]
    while stack:
        current, found = stack.pop()
        if found is None or current in seen:
            continue
        seen.add(current)
        if isinstance(found.spec, Atomic):
            leaves.add(current)
        else:
            stack.extend((ref, catalog.metrics.get(ref)) for ref in found.references())
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


def has_time(catalog: Catalog, metric: Metric) -> bool:
    """Whether every atomic metric under `metric` has a time column (its own `time:` or its source's), so the
    metric has a `metric_time`."""
    for leaf in atomic_leaves(catalog, metric.key, metric):
        spec = metric.spec if leaf == metric.key else catalog.metrics[leaf].spec
        assert isinstance(spec, Atomic)
        source = catalog.sources.get(spec.source)
        if spec.time is None and (source is None or source.time is None):
            return False
    return True
