"""What a metric is built from and what is built from it: its upstream metrics and sources, its downstream
metrics (the impact of changing it), its atomic metrics, the dimensions that can slice it, its time columns.

The service shows these next to a metric (`GET /v1/metrics/{key}`, the web page, reviews); the default
series of a metric (`catalog.series`) asks whether it has a time at all.

    >>> from catalog.lint import lint_texts
    >>> text = '''sources:
    ...   orders: {table: dw.orders, columns: {id: integer, amount: decimal, at: timestamp}, time: at}
    ... metrics:
    ...   n: {type: atomic, source: orders, agg: count, label: {en: N, zh: 数}, description: n, stage: revenue, owner: me}
    ...   s: {type: atomic, source: orders, agg: sum, expr: amount, label: {en: S, zh: 和}, description: s,
    ...       stage: revenue, owner: me}
    ...   avg: {type: ratio, numerator: s, denominator: n, label: {en: A, zh: 均}, description: a, stage: revenue,
    ...         owner: me}
    ... '''
    >>> catalog = lint_texts({"shop/m.yaml": text}).catalog
    >>> found = lineage(catalog, "shop.n")
    >>> found.upstream_metrics, found.sources, found.downstream
    ((), ('shop.orders',), ('shop.avg',))
    >>> sorted(atomic_leaves(catalog, "shop.avg")), has_time(catalog, catalog.metrics["shop.avg"])
    (['shop.n', 'shop.s'], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from catalog.joins import reachable_sources
from catalog.metric_types.atomic import Atomic
from catalog.model import Catalog, Metric


@dataclass(frozen=True, slots=True)
class Lineage:
    key: str
    upstream_metrics: tuple[str, ...]
    """Every metric this one is computed from, directly or not, by key."""
    sources: tuple[str, ...]
    """The sources under it and under its upstream metrics."""
    downstream: tuple[str, ...]
    """Every metric computed from this one, directly or not: what a change to it changes too."""


def lineage(catalog: Catalog, key: str) -> Lineage:
    """The lineage of the metric `key` (qualified) in `catalog`; KeyError when it is not there."""
    metric = catalog.metrics[key]
    uses = {k: tuple(r for r in m.references() if r in catalog.metrics) for k, m in catalog.metrics.items()}
    used_by: dict[str, list[str]] = {}
    for k, refs in uses.items():
        for ref in refs:
            used_by.setdefault(ref, []).append(k)
    upstream = _reach(uses, metric.key)
    sources = {
        spec.source for k in (metric.key, *upstream) if isinstance(spec := catalog.metrics[k].spec, Atomic)
    }
    return Lineage(
        metric.key, tuple(sorted(upstream)), tuple(sorted(sources)), tuple(sorted(_reach(used_by, key)))
    )


def _reach(edges: Mapping[str, Iterable[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen and node != start:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


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
