"""The store's current catalog for a request, with one revision read shared by the requests that wait for it.

A request must see every version committed before it arrived, whichever worker process wrote it, so its
revision has to be read after it arrived: a read that was already under way may have missed that commit.
`RevisionReads` therefore starts one read for all the requests waiting at that moment; a request arriving
while a read is under way waits for the next one. A lone request pays one primary-key read; under load one
read of a database server answers a whole batch. Nothing is keyed by time: a catalog is reused only for the
revision it was fetched for.

    current = CurrentCatalog(repo)
    result = await current.get()    # LintResult of the current versions, revision read after the call
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from catalog.lint import LintResult
from catalog.store.repository import Repository


class RevisionReads:
    """Fresh revisions from the blocking `read`, one read per batch of concurrent callers.

    `in_thread=False` reads on the event loop at each call: right for a local SQLite file, where a hop to a
    worker thread costs several times the read (and waits for the GIL behind the loop). Such a read blocks the loop, so no other request can be waiting for it: there is nothing to share.
    """

    def __init__(self, read: Callable[[], str], in_thread: bool = True) -> None:
        self._read = read
        self._in_thread = in_thread
        self._waiting: asyncio.Future[str] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def fresh(self) -> str:
        """A revision read entirely after this call began."""
        if not self._in_thread:
            # Read on the loop, now: nothing can wait for it meanwhile, so there is no batch to share, and a
            # task per read would cost more than the read.
            return self._read()
        loop = asyncio.get_running_loop()
        if self._reader is None or self._reader.done() or self._reader.get_loop() is not loop:
            # No read under way on this loop (a test client may run each request on a new loop).
            self._waiting = loop.create_future()
            self._reader = loop.create_task(self._read_while_waited())
        elif self._waiting is None:
            self._waiting = loop.create_future()
        # Shielded: a client that goes away must not cancel the read the others wait for.
        return await asyncio.shield(self._waiting)

    async def _read_while_waited(self) -> None:
        while self._waiting is not None:
            # Detached before reading: whoever arrives from now on waits for the next read.
            batch, self._waiting = self._waiting, None
            try:
                revision = await run_in_threadpool(self._read) if self._in_thread else self._read()
            except Exception as err:  # every waiter of this batch gets it, as if it had read itself
                batch.set_exception(err)
                batch.add_done_callback(_retrieved)
            else:
                batch.set_result(revision)


def _retrieved(future: asyncio.Future[str]) -> None:
    # The waiters may all have gone away; the exception is theirs, not a loop-level error to log.
    future.exception()


class CurrentCatalog:
    """The repository's current catalog, fetched again only when the revision differs from the last one."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        # A database over the network is read in a thread so the loop keeps serving meanwhile.
        self.revisions = RevisionReads(repo.revision, in_thread=repo.engine.dialect.name != "sqlite")
        self._last: tuple[str, LintResult] | None = None
        self._refresh: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    async def get(self, revision: str | None = None) -> LintResult:
        """The catalog at `revision` (read after the request arrived; None: read now) or later.

        Revisions only move forward, so a catalog fetched under an older revision is never reused after a
        newer one has been read; a catalog newer than `revision` is what a request arriving now would see.
        """
        revision = await self.revisions.fresh() if revision is None else revision
        last = self._last
        if last is not None and last[0] == revision:
            return last[1]
        # One rebuild at a time (seconds for a large catalog): the others wait for it instead of repeating it.
        async with self._refresh_lock():
            last = self._last
            if last is not None and last[0] == revision:
                return last[1]
            result = await run_in_threadpool(self.repo.current_catalog)
            self._last = (revision, result)
            settle_heap()
            return result

    def _refresh_lock(self) -> asyncio.Lock:
        # An asyncio lock belongs to one loop; a test client may run each request on a new one.
        loop = asyncio.get_running_loop()
        if self._refresh is None or self._refresh[0] is not loop:
            self._refresh = (loop, asyncio.Lock())
        return self._refresh[1]


def settle_heap() -> None:
    """Move the long-lived catalog out of the garbage collector's sight, once per catalog.

    Measured under load: with the catalog, its sqlglot trees and the caches tracked, each full collection
    became the p99 of every request it landed on. Frozen objects are skipped by the collector (reference
    counting still frees them); unfreezing and collecting first frees the cycles of the catalog this one
    replaces, which a freeze alone would keep for ever.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
