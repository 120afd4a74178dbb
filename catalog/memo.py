"""Values derived from one catalog object, kept while that object lives and dropped with it.

The compiler's join paths and rendered SQL, the conflict findings and the search index are each computed once
per catalog object this way. A publish or a re-lint makes a new `Catalog`; anything cached for the old one
must not keep it in memory.
Entries are found by the catalog's identity and hold it only by a weak reference, so a superseded catalog is
collected as usual and its entry goes with it.

    >>> sql_of = PerCatalog(dict)
    >>> catalog = Catalog()
    >>> sql_of(catalog)["gmv"] = "SELECT 1"
    >>> sql_of(catalog)
    {'gmv': 'SELECT 1'}
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from catalog.model import Catalog

T = TypeVar("T")


class PerCatalog(Generic[T]):
    """`memo(catalog)` → this catalog's value, made by `factory()` the first time it is asked for."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._entries: dict[int, tuple[weakref.ref[Catalog], T]] = {}
        self._lock = threading.Lock()

    def __call__(self, catalog: Catalog) -> T:
        key = id(catalog)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0]() is not catalog:
                entry = (weakref.ref(catalog, self._forgetter(key)), self._factory())
                self._entries[key] = entry
            return entry[1]

    def __len__(self) -> int:
        return len(self._entries)

    def _forgetter(self, key: int) -> Callable[[weakref.ref[Catalog]], None]:
        def forget(ref: weakref.ref[Catalog]) -> None:
            # Called while the catalog is collected, possibly inside `__call__` on this very thread, so it
            # takes no lock; it removes only its own entry, never a newer one for a reused id.
            entry = self._entries.get(key)
            if entry is not None and entry[0] is ref:
                self._entries.pop(key, None)

        return forget
