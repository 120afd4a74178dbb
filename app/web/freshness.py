"""The current catalog for the pages, re-read from the store only when the store has changed.

`Repository.current_catalog()` checks its cache with `revision()`, which reads and hashes every current
definition: about 1 ms per 100 metrics, too slow to pay on each page of a 10k-metric catalog. Versions are
append-only (never updated or deleted), so the number of version rows and the highest id change on every
publish or deprecation, whichever transaction commits first; reading those two is one index lookup. When they
differ from the last time, the repository is asked again (and its own revision check decides what changed).

    >>> watch = CatalogWatch()
    >>> watch.current(repo).catalog.metrics.keys()                      # doctest: +SKIP
"""

from __future__ import annotations

import gc
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.web.view_models import CatalogView, ViewCache
from catalog.lint import LintResult
from catalog.store.models import VersionRow
from catalog.store.repository import Repository


def change_marker(repo: Repository) -> tuple[int, int | None]:
    """(number of versions, highest version id): equal markers mean the same stored catalog."""
    with Session(repo.engine) as session:
        count, highest = session.execute(select(func.count(VersionRow.id), func.max(VersionRow.id))).one()
        return int(count), highest


class CatalogWatch:
    """The last `current_catalog()` of one repository and the change marker it was read under."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._refresh = Lock()
        self._marker: tuple[int, int | None] | None = None
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

    def _cached(self, marker: tuple[int, int | None]) -> LintResult | None:
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


def settle_heap() -> None:
    """Move the long-lived catalog out of the garbage collector's sight.

    A 10k-metric catalog with its derived data is ~450k tracked objects, and every full collection walks them
    all: 100-600 ms pauses, each one a page far over budget. Frozen objects are skipped by the collector (and
    still freed by reference counting); unfreezing first lets the collection free the cycles (sqlglot trees)
    of the catalog this one replaces.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
