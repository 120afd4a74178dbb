"""Rebuild a catalog from stored definitions, optionally overlaid with a bundle being published or pinned
versions, through the same validate → resolve → checks pipeline as `caliber lint`.

Stored definitions are regrouped into one in-memory document per namespace (`<catalog>/growth`); they carry
no line numbers, so issues about them point at that pseudo-file. An overlay replaces stored objects with the
same kind and key, so a bundle may change a metric that other stored metrics refer to.

    >>> stored = [Stored("source", "shop", "orders", {"table": "dw.t", "columns": {"id": "integer"}})]
    >>> result = lint_overlay(stored, [])
    >>> sorted(result.catalog.sources), result.ok
    (['shop.orders'], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any

from catalog.issues import Issue
from catalog.lint import CatalogCheck, LintResult, lint_items, load_texts
from catalog.load import Document
from catalog.store.records import Kind
from catalog.validate import Item, validate_document

PLURAL: dict[Kind, str] = {"source": "sources", "dimension": "dimensions", "metric": "metrics"}
SINGULAR: dict[str, Kind] = {v: k for k, v in PLURAL.items()}
STORED_FILE = "<catalog>/{namespace}"


@dataclass(frozen=True, slots=True)
class Stored:
    """One stored definition at some version: what the pipeline needs to rebuild it."""

    kind: Kind
    namespace: str
    name: str
    definition: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}"


def bundle_items(
    files: Mapping[str, str], allowed_schemas: Set[str] | None = None
) -> tuple[list[Item], list[Issue]]:
    """Load and validate a bundle `{"growth/x.yaml": text}` into items (the folder is the namespace)."""
    docs, issues = load_texts(files)
    items: list[Item] = []
    for doc, namespace in docs:
        found_items, found = validate_document(doc, namespace, allowed_schemas)
        items.extend(found_items)
        issues.extend(found)
    return items, issues


def stored_items(
    stored: Iterable[Stored], allowed_schemas: Set[str] | None = None
) -> tuple[list[Item], list[Issue]]:
    """Items for stored definitions, validated again (a stored mapping is the YAML that was published): a
    stored definition that today's rules refuse, e.g. a source on a file, is left out with its issues."""
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    for s in stored:
        # Copies: the catalog keeps references to these mappings and callers may hold on to it.
        grouped.setdefault(s.namespace, {}).setdefault(PLURAL[s.kind], {})[s.name] = _copy(s.definition)
    items: list[Item] = []
    issues: list[Issue] = []
    for namespace, data in sorted(grouped.items()):
        doc = Document(STORED_FILE.format(namespace=namespace), data)
        found_items, found = validate_document(doc, namespace, allowed_schemas)
        items.extend(found_items)
        issues.extend(found)
    return items, issues


def lint_overlay(
    stored: Iterable[Stored],
    overlay: list[Item],
    overlay_issues: Iterable[Issue] = (),
    files: tuple[str, ...] = (),
    checks: Iterable[CatalogCheck] | None = None,
    allowed_schemas: Set[str] | None = None,
) -> LintResult:
    """Lint the stored catalog with `overlay` items replacing stored objects of the same kind and key."""
    replaced = {(item.kind, item.key) for item in overlay}
    kept = [s for s in stored if (PLURAL[s.kind], s.key) not in replaced]
    items, issues = stored_items(kept, allowed_schemas)
    return lint_items([*overlay, *items], [*overlay_issues, *issues], files, checks)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
