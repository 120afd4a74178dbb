"""Past versions of metrics in today's catalog: what `gmv@2` means, resolved without re-linting the catalog.

A pinned definition is resolved with the current definitions of the metrics it refers to, transitively, and
every source and dimension — the definitions the resolver would consult for it in the whole catalog — through
the same pipeline (`lint_overlay`). A name the pinned definition writes is looked up the way the resolver
would (`Catalog.find`), keeping every candidate, so an ambiguous name stays ambiguous. The other metrics of
the catalog stay as they are now.

    >>> at = pinned_catalog(current, {"shop.gmv": old_definition}, sources, dimensions)  # doctest: +SKIP
    >>> at.metrics["shop.gmv"].spec.filter                                               # doctest: +SKIP
    "status = 'paid'"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from catalog.metric_types.registry import by_name
from catalog.model import Catalog, split_key
from catalog.store.overlay import Stored, lint_overlay
from catalog.store.records import DefinitionRecord

_TYPES = by_name()


def pinned_catalog(
    current: Catalog,
    pinned: Mapping[str, Mapping[str, Any]],
    stored: Iterable[DefinitionRecord],
    allowed_schemas: Set[str] | None = None,
) -> Catalog:
    """`current` with each metric of `pinned` (qualified key → its definition at some version) replaced by that
    definition resolved among current definitions; a pinned definition that does not resolve is left out.
    `stored` are the current sources and dimensions, as published; `allowed_schemas` as the store has it."""
    wanted: set[str] = set()
    for key, definition in pinned.items():
        namespace = split_key(key)[0]
        for written in referenced_names(definition):
            wanted.update(current.find("metrics", written, namespace))
    pending = list(wanted)
    while pending:
        metric = current.metrics.get(pending.pop())
        for ref in metric.references() if metric else ():
            if ref not in wanted:
                wanted.add(ref)
                pending.append(ref)
    wanted -= set(pinned)
    overlay = [Stored("metric", *split_key(k), current.metrics[k].definition) for k in sorted(wanted)]
    overlay += [Stored(r.kind, r.namespace, r.name, r.definition) for r in stored]
    overlay += [Stored("metric", *split_key(k), definition) for k, definition in pinned.items()]
    resolved = lint_overlay(overlay, [], checks=(), allowed_schemas=allowed_schemas).catalog
    metrics = dict(current.metrics)
    for key in pinned:
        if key in resolved.metrics:
            metrics[key] = resolved.metrics[key]
        else:
            metrics.pop(key, None)
    return Catalog(sources=current.sources, dimensions=current.dimensions, metrics=metrics)


def referenced_names(definition: Mapping[str, Any]) -> list[str]:
    """Metric names as written in a definition: `{"type": "ratio", "numerator": "a", ...}` → ["a", ...]."""
    kind = _TYPES.get(definition.get("type"))  # type: ignore[arg-type]
    names = kind.names(definition) if kind is not None else []
    overrides = definition.get("overrides")
    if isinstance(overrides, Mapping) and isinstance(overrides.get("metric"), str):
        names.append(overrides["metric"])
    return names
