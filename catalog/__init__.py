"""Caliber: metric definitions linted, versioned and compiled to SQL.

    >>> from catalog import load_catalog
    >>> load_catalog(["metric_defs"]).ok
    True

`load_catalog` is imported on first use, so `import catalog.<stage>` stays as light as that stage.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_catalog"]


def __getattr__(name: str) -> Any:
    if name == "load_catalog":
        from catalog.snapshot import load_catalog

        return load_catalog
    raise AttributeError(f"module 'catalog' has no attribute {name!r}")
