"""The current catalog for the pages, re-read from the store only when the store has changed.

The store's `revision()` is one primary-key read that every write adding a version bumps, so each page asks
it; only when it differs from the last time is the repository asked for the catalog again.

    >>> watch = CatalogWatch()
    >>> watch.current(repo).catalog.metrics.keys()                      # doctest: +SKIP
"""

from __future__ import annotations

from threading import Lock

from app.current import settle_heap
from app.web.view_models import CatalogView, ViewCache
from catalog.lint import LintResult
from catalog.store.repository import Repository


def change_marker(repo: Repository) -> str:
    """The store's revision: equal markers mean the same stored catalog."""
    return repo.revision()


class CatalogWatch:
    """The last `current_catalog()` of one repository and the change marker it was read under."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._refresh = Lock()
        self._marker: str | None = None
        self._current: LintResult | None = None

    def current(self, repo: Repository) -> LintResult:
        # The marker is read before the catalog: a publish in between makes the next marker differ, so the
        # newer catalog is fetched then; a cached catalog is never older than its marker.
        marker = change_marker(repo)
        cached = self._cached(marker)
        if cached is not None:
            return cached
        # One rebuild at a time (seconds for 10k metrics): requests that arrive meanwhile wait for it
        # instead of building the same catalog again on the other core.
        with self._refresh:
            cached = self._cached(marker)
            if cached is not None:
                return cached
            current = repo.current_catalog()
            with self._lock:
                self._marker, self._current = marker, current
            return current

    def _cached(self, marker: str) -> LintResult | None:
        with self._lock:
            return self._current if marker == self._marker else None


class WebState:
    """What the pages of one app keep between requests: the current catalog and what is derived from it."""

    def __init__(self) -> None:
        self.watch = CatalogWatch()
        self.views = ViewCache()
        self._settled: CatalogView | None = None

    def view(self, repo: Repository) -> CatalogView:
        view = self.views.get(self.watch.current(repo).catalog)
        if view is not self._settled:
            # The conflicts are found now, so what they build settles with the catalog.
            _ = view.flagged
            settle_heap()
            self._settled = view
        return view
