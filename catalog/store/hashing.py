"""Fingerprints of a stored definition: the content hash (any change) and the semantic hash (SQL meaning).

The content hash is sha256 of the canonical JSON of the whole mapping, so publishing an unchanged tree is
recognised without comparing fields. The semantic hash leaves out what does not change the numbers (labels,
description, owner, status…) and normalises SQL text through sqlglot, so re-wording a description or
re-formatting a filter is "metadata only", while a new filter is a caliber change.

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

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from catalog.sqlexpr import DEFINITION_DIALECT

# Fields that describe a definition without changing the number it produces.
METADATA_FIELDS = frozenset({"label", "description", "owner", "unit", "tags", "status", "standard",
                             "overrides", "stage"})
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
    meaning = {k: normalise_sql(v) if k in SQL_FIELDS and isinstance(v, str) else v
               for k, v in definition.items() if k not in METADATA_FIELDS}
    return _sha256(canonical_json(meaning))


def normalise_sql(text: str) -> str:
    """One spelling per expression: keyword case, spacing, comments and unquoted identifier case removed."""
    try:
        trees = sqlglot.parse(text, read=DEFINITION_DIALECT)
    except SqlglotError:
        return " ".join(text.split())
    # Published SQL is one expression (lint guarantees it); anything else keeps its collapsed text.
    if len(trees) != 1 or trees[0] is None:
        return " ".join(text.split())
    tree = normalize_identifiers(trees[0], dialect=DEFINITION_DIALECT)
    return tree.sql(dialect=DEFINITION_DIALECT, comments=False)
