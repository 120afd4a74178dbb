"""Filtering the metric list: free text over names, both labels and the description, plus exact filters.

Matching is case-insensitive (`casefold`) substring search, which also works for Chinese labels where word
boundaries do not exist.

    >>> matches({"label": {"en": "Paid orders", "zh": "支付订单数"}}, "shop.paid_orders", text="订单")
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def matches(
    definition: Mapping[str, Any],
    key: str,
    text: str | None = None,
    stage: str | None = None,
    namespace: str | None = None,
    owner: str | None = None,
    status: str | None = None,
) -> bool:
    if namespace is not None and key.rpartition(".")[0] != namespace:
        return False
    if stage is not None and definition.get("stage") != stage:
        return False
    if owner is not None and definition.get("owner") != owner:
        return False
    if status is not None and definition.get("status", "active") != status:
        return False
    if text:
        needle = text.casefold().strip()
        return any(needle in value.casefold() for value in _searchable(definition, key))
    return True


def _searchable(definition: Mapping[str, Any], key: str) -> list[str]:
    label = definition.get("label")
    values: list[Any] = [key, definition.get("description")]
    if isinstance(label, Mapping):
        values += [label.get("en"), label.get("zh")]
    return [v for v in values if isinstance(v, str)]
