"""A past version of a metric, resolved with its components at their current versions (what `gmv@2` means).

`Repository.catalog_at({key: n})` gives the same answer by re-linting every stored definition, which takes
seconds on a 10k-metric catalog. A page needs only the pinned metric, what it refers to, and the sources and
dimensions, so this builds that small catalog through the same pipeline (`lint_overlay`). A name the pinned
definition uses is looked up the way the resolver would (`Catalog.find`), keeping every candidate, so an
ambiguous name stays ambiguous here too.

    >>> pinned_catalog(repo, current, "growth.signups", 1).metrics["growth.signups"]   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.metric_types.registry import by_name
from catalog.model import Catalog, split_key
from catalog.store.overlay import Stored, lint_overlay
from catalog.store.repository import Repository

_TYPES = by_name()


def pinned_catalog(repo: Repository, current: Catalog, key: str, number: int) -> Catalog | None:
    """The catalog in which `key` is at version `number`; None when that version does not exist."""
    record = repo.version(key, number)
    if record is None:
        return None
    namespace, name = split_key(key)
    wanted: set[str] = set()
    for written in referenced_names(record.definition):
        wanted.update(current.find("metrics", written, namespace))
    pending = list(wanted)
    while pending:
        metric = current.metrics.get(pending.pop())
        for ref in metric.references() if metric else ():
            if ref not in wanted:
                wanted.add(ref)
                pending.append(ref)
    wanted.discard(key)
    stored = [Stored("metric", *split_key(k), current.metrics[k].definition) for k in sorted(wanted)]
    stored += [
        Stored(r.kind, r.namespace, r.name, r.definition)
        for r in (*repo.list_sources(), *repo.list_dimensions())
    ]
    stored.append(Stored("metric", namespace, name, record.definition))
    return lint_overlay(stored, []).catalog


def referenced_names(definition: Mapping[str, Any]) -> list[str]:
    """Metric names as written in a definition: `{"type": "ratio", "numerator": "a", ...}` → ["a", ...]."""
    kind = _TYPES.get(definition.get("type"))  # type: ignore[arg-type]
    names = kind.names(definition) if kind is not None else []
    overrides = definition.get("overrides")
    if isinstance(overrides, Mapping) and isinstance(overrides.get("metric"), str):
        names.append(overrides["metric"])
    return names
