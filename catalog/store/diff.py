"""Field-by-field difference between two stored versions of a definition.

Nested mappings are followed (`label.zh`); lists and scalars are compared whole, since a reordered list of
funnel steps is a change of its own. Each change says whether the field decides the SQL meaning.

    >>> [(c.path, c.before, c.after, c.caliber) for c in field_changes(
    ...     {"filter": "x = 1", "label": {"en": "A", "zh": "甲"}}, {"filter": "x = 2", "label": {"en": "A"}})]
    [('filter', 'x = 1', 'x = 2', True), ('label.zh', '甲', None, False)]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.store.hashing import METADATA_FIELDS
from catalog.store.records import FieldChange


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    _walk(before, after, (), changes)
    return changes


def _walk(
    before: Mapping[str, Any], after: Mapping[str, Any], path: tuple[str, ...], out: list[FieldChange]
) -> None:
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        here = (*path, key)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            _walk(old, new, here, out)
        elif old != new or (key in before) != (key in after):
            out.append(FieldChange(".".join(here), old, new, caliber=here[0] not in METADATA_FIELDS))
