"""A definition with each reference written as the qualified key it resolved to, for the semantic hash.

Inside namespace `shop`, `numerator: gmv` and `numerator: shop.gmv` name the same metric, so rewriting one as
the other must not read as a caliber change; pointing the numerator at another metric must. The resolved
catalog already holds every reference as a qualified key, so the definition takes its references from there
(each metric type says which fields those are: `MetricType.qualify`).

    >>> aov = {"type": "ratio", "numerator": "gmv", "denominator": "paid_orders"}
    >>> qualified_definition("metric", "shop.aov", aov, catalog)                   # doctest: +SKIP
    {'type': 'ratio', 'numerator': 'shop.gmv', 'denominator': 'shop.paid_orders'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog import model as m
from catalog.store.records import Kind


def qualified_definition(
    kind: Kind,
    key: str,
    definition: Mapping[str, Any],
    catalog: m.Catalog,
) -> Mapping[str, Any]:
    """`definition` with its references qualified; unchanged when `key` is not in the catalog."""
    if kind == "dimension" and key in catalog.dimensions:
        return {**definition, "source": catalog.dimensions[key].source}
    metric = catalog.metrics.get(key) if kind == "metric" else None
    if metric is None:
        return definition
    resolved = dict(definition)
    if "dimensions" in definition:
        resolved["dimensions"] = list(metric.dimensions)
    resolved.update(metric.kind.qualify(metric.spec))
    return resolved
