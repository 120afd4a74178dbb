"""Lineage from the resolved references of a catalog: what a metric is computed from, and what is computed
from it (the impact of changing it).

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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from catalog.model import Atomic, Catalog


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
