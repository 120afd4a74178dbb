"""CPU-heavy request work in worker threads, a few at a time, so the event loop keeps serving meanwhile.

Linting or publishing a large bundle, or compiling a large query, would stall every other request of the
worker if it ran on the event loop. `HeavyJobs.run` hands it to a thread; at most `limit` such jobs run at
once (`CALIBER_HEAVY_JOBS`), the others wait for a turn without holding a thread.

    result = await request.app.state.heavy.run(lint_texts, files)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
R = TypeVar("R")


class HeavyJobs:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # Made outside any event loop: anyio then gives an adapter that creates the limiter on first use.
        self._limiter = anyio.CapacityLimiter(limit)

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`function(*args, **kwargs)` in a worker thread, once one of the `limit` turns is free."""
        return await anyio.to_thread.run_sync(
            functools.partial(function, *args, **kwargs), limiter=self._limiter
        )
