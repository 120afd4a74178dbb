"""The last values of a metric, from the service's warehouse, for the metric page.

Operators read a definition better next to the numbers it gives. The metric's default series
(`catalog.series`: by month, the newest twelve months; its total when it has no time column) is compiled for
DuckDB and run on the service's locked-down warehouse connection (`app.warehouse`: no file, setting or
extension within reach; the server's timeout applies). Results are kept per metric for the current catalog
object — a publish makes a new one — so the query runs at most once per metric and publish; a query stopped
by the timeout is tried again on the next visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock
from typing import Any

from app.warehouse import Warehouse, WarehouseError, WarehouseTimeout
from catalog.compile import CompileError, compile_query
from catalog.model import Catalog
from catalog.series import series_query

MONTHS = 12


@dataclass(frozen=True, slots=True)
class Preview:
    columns: tuple[str, ...]
    rows: list[list[str]]
    """Cells as display text: thousands separators, at most 4 decimals, — for NULL."""


class _Cache:
    """Previews of the one current catalog; a new catalog object (after a publish) starts a new cache."""

    def __init__(self) -> None:
        self.lock = Lock()
        self.catalog: Catalog | None = None
        self.previews: dict[str, Preview | None] = {}

    def of(self, catalog: Catalog) -> dict[str, Preview | None]:
        if self.catalog is not catalog:
            self.catalog, self.previews = catalog, {}
        return self.previews


_cache = _Cache()


def recent_values(warehouse: Warehouse | None, catalog: Catalog, key: str) -> Preview | None:
    """The metric's default series, newest first; None without a warehouse or when it cannot be run."""
    if warehouse is None:
        return None
    with _cache.lock:
        known = _cache.of(catalog)
        if key in known:
            return known[key]
    try:
        found = _query(warehouse, catalog, key)
    except WarehouseTimeout:
        return None  # a busy moment, not a property of the metric: not kept
    with _cache.lock:
        _cache.of(catalog)[key] = found
    return found


def _query(warehouse: Warehouse, catalog: Catalog, key: str) -> Preview | None:
    query = series_query(catalog, catalog.metrics[key], newest=MONTHS)
    try:
        result = warehouse.run(compile_query(query, catalog).sql, max_rows=MONTHS)
    except WarehouseTimeout:
        raise
    except (CompileError, WarehouseError):
        return None  # e.g. a warehouse without the metric's table, or that refuses it
    return Preview(result.columns, [[_display(v) for v in row] for row in result.rows])


def _display(value: Any) -> str:
    """`1234567.5` → `1,234,567.5`; `0.123456` → `0.1235`; None → `—`."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"
