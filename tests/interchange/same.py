"""Two catalogs define the same things: every field equal, SQL compared by meaning, not by spelling."""

from __future__ import annotations

import dataclasses

import sqlglot

from catalog.compare.canonical import canonical_form
from catalog.model import Catalog


def differences(before: Catalog, after: Catalog, left_out: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """What differs between the two catalogs, ignoring the metrics in `left_out` and where they were written."""
    found = []
    for kind in ("sources", "dimensions", "metrics"):
        old, new = getattr(before, kind), getattr(after, kind)
        for key in sorted((set(old) | set(new)) - left_out):
            if key not in old or key not in new:
                found.append(f"{kind} {key}: only {'before' if key in old else 'after'}")
            elif _fields(old[key], kind) != _fields(new[key], kind):
                found.append(f"{kind} {key}: {_fields(old[key], kind)} != {_fields(new[key], kind)}")
            elif kind == "metrics" and canonical_form(key, before) != canonical_form(key, after):
                found.append(f"metrics {key}: computes something else")
    return found


def _fields(item: object, kind: str) -> dict[str, object]:
    values = {f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.compare}  # type: ignore[arg-type]
    if kind == "metrics":
        values.pop("spec")  # compared by canonical_form
    if kind == "dimensions":
        values["expr"] = sqlglot.parse_one(str(values["expr"]), read="postgres")
    return values
