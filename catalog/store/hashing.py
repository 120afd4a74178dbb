"""Fingerprints of a stored definition: the content hash (any change) and the semantic hash (SQL meaning).

The content hash is sha256 of the canonical JSON of the whole mapping, so publishing an unchanged tree is
recognised without comparing fields. The semantic hash leaves out what does not change the numbers (labels,
description, owner, status…) and normalises SQL text through sqlglot, so re-wording a description or
re-formatting a filter is "metadata only", while a new filter is a caliber change. A publish hashes each
definition with its references qualified first (`catalog.store.references`), so `gmv` and `shop.gmv` agree.

    >>> a = {"type": "atomic", "agg": "count", "filter": "x = 1", "description": "old"}
    >>> b = {"type": "atomic", "agg": "count", "filter": "x  =  1", "description": "new"}
    >>> content_hash(a) == content_hash(b), semantic_hash(a) == semantic_hash(b)
    (False, True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from catalog.sqlexpr import DEFINITION_DIALECT, parse_expression

# Fields that describe a definition without changing the number it produces.
METADATA_FIELDS = frozenset(
    {"label", "description", "owner", "unit", "tags", "status", "standard", "overrides", "stage"}
)
# Fields that hold SQL text (atomic `expr`/`filter`, derived `expr`, a dimension's `expr`).
SQL_FIELDS = frozenset({"expr", "filter"})


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(definition: Mapping[str, Any]) -> str:
    """sha256 of the whole definition in canonical JSON (key order and YAML layout do not count)."""
    return _sha256(canonical_json(definition))


def semantic_hash(definition: Mapping[str, Any]) -> str:
    """sha256 of the fields that decide the SQL meaning, with SQL text normalised."""
    meaning = {
        k: normalise_sql(v, k) if k in SQL_FIELDS and isinstance(v, str) else v
        for k, v in definition.items()
        if k not in METADATA_FIELDS
    }
    return _sha256(canonical_json(meaning))


def normalise_sql(text: str, field: str = "expr") -> str:
    """One spelling per expression: keyword case, spacing, comments and unquoted identifier case removed."""
    # The parse lint made of the same text is cached: a publish does not parse its SQL a second time.
    parsed, _ = parse_expression(text, f"`{field}`")
    if parsed is None:  # published SQL is one safe expression (lint guarantees it); anything else stays text
        return " ".join(text.split())
    # `normalize=True` lower-cases unquoted identifiers as `normalize_identifiers` does, without copying the
    # shared tree (the copy was half the cost of hashing a publish).
    return parsed.tree.sql(dialect=DEFINITION_DIALECT, comments=False, normalize=True)
