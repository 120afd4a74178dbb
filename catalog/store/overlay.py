"""Rebuild a catalog from stored definitions, optionally overlaid with a bundle being published or pinned
versions, through the same validate → resolve → checks pipeline as `caliber lint`.

Each stored definition becomes an in-memory document of its own (`<published>/metric/growth.signups`, no
line numbers). An overlay replaces stored objects with the same kind and key, so a bundle may change a metric
that other stored metrics refer to; an issue that this causes in a stored definition is reported at the
bundle's definition it refers to (its file:line:col), naming the stored one in the message.

    >>> stored = [Stored("source", "shop", "orders", {"table": "dw.t", "columns": {"id": "integer"}})]
    >>> result = lint_overlay(stored, [])
    >>> sorted(result.catalog.sources), result.ok
    (['shop.orders'], True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, replace
from typing import Any

from catalog.issues import Issue
from catalog.lint import CATALOG_CHECKS, CatalogCheck, LintResult, lint_items, load_texts
from catalog.load import Document
from catalog.store.records import Kind
from catalog.validate import Item, validate_document

PLURAL: dict[Kind, str] = {"source": "sources", "dimension": "dimensions", "metric": "metrics"}
SINGULAR: dict[str, Kind] = {v: k for k, v in PLURAL.items()}
STORED_FILE = "<published>/{kind}/{key}"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


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
    items: list[Item] = []
    issues: list[Issue] = []
    for s in sorted(stored, key=lambda s: (s.namespace, s.kind, s.name)):
        # Copies: the catalog keeps references to these mappings and callers may hold on to it.
        data = {PLURAL[s.kind]: {s.name: _copy(s.definition)}}
        doc = Document(STORED_FILE.format(kind=s.kind, key=s.key), data, {(): (0, 0)})
        found_items, found = validate_document(doc, s.namespace, allowed_schemas)
        items.extend(found_items)
        issues.extend(found)
    return items, issues


def lint_overlay(
    stored: Iterable[Stored],
    overlay: list[Item],
    overlay_issues: Iterable[Issue] = (),
    files: tuple[str, ...] = (),
    checks: Iterable[CatalogCheck] = CATALOG_CHECKS,
    allowed_schemas: Set[str] | None = None,
) -> LintResult:
    """Lint the stored catalog with `overlay` items replacing stored objects of the same kind and key."""
    replaced = {(item.kind, item.key) for item in overlay}
    kept = [s for s in stored if (PLURAL[s.kind], s.key) not in replaced]
    items, issues = stored_items(kept, allowed_schemas)
    result = lint_items([*overlay, *items], [*overlay_issues, *issues], files, checks)
    if not overlay:
        return result
    by_file = {STORED_FILE.format(kind=s.kind, key=s.key): s for s in kept}
    moved = sorted(
        (_at_the_cause(i, by_file, overlay) for i in result.issues),
        key=lambda i: (i.location.file, i.location.line, i.location.col, i.code),
    )
    return replace(result, issues=tuple(moved))


def _at_the_cause(found: Issue, stored: Mapping[str, Stored], overlay: list[Item]) -> Issue:
    """An issue in a stored definition, moved to the bundle's definition that it names (the change that
    broke it); unchanged when it names none."""
    definition = stored.get(found.location.file)
    if definition is None:
        return found
    names = set(_names(definition.definition))
    cause = next((item for item in overlay if item.key in names or item.name in names), None)
    if cause is None:
        return found
    return replace(
        found,
        message=f"published {definition.kind} {definition.key}, not in this bundle: {found.message}",
        location=cause.doc.position(cause.path),
        hint=found.hint or f"change {cause.key} so that {definition.key} still resolves, or send both",
    )


def _names(value: Any) -> Iterable[str]:
    """Every name-like word in a definition's values (references, columns, SQL identifiers)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)
    elif isinstance(value, str):
        yield from _NAME.findall(value)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
