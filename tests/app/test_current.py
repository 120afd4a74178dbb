"""`app.current`: one revision read per batch of waiting requests, never one that began before a request."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from app.current import CurrentCatalog, RevisionReads
from catalog.lint import LintResult
from catalog.store.repository import Repository
from tests.app.conftest import shop_files


class Counter:
    """A revision source whose reads are counted; `value` is what the next read returns."""

    def __init__(self) -> None:
        self.reads = 0
        self.value = "r1"

    def __call__(self) -> str:
        self.reads += 1
        return self.value


def test_requests_waiting_together_share_one_read() -> None:
    counter = Counter()
    reads = RevisionReads(counter, in_thread=True)

    async def main() -> list[str]:
        return await asyncio.gather(*(reads.fresh() for _ in range(20)))

    assert asyncio.run(main()) == ["r1"] * 20
    assert counter.reads == 1


def test_a_read_on_the_loop_happens_at_the_call_and_sees_what_was_committed_before_it() -> None:
    counter = Counter()
    reads = RevisionReads(counter, in_thread=False)

    async def main() -> list[str]:
        first = await reads.fresh()
        counter.value = "r2"  # a write committed by another worker
        return [first, await reads.fresh()]

    assert asyncio.run(main()) == ["r1", "r2"]
    assert counter.reads == 2


def test_a_request_arriving_during_a_read_waits_for_the_next_one() -> None:
    # The first read is under way when the second request arrives and a write commits: the second request
    # must not take the first read's answer, which may predate the write.
    started, release = threading.Event(), threading.Event()
    answers = iter(["before", "after"])

    def read() -> str:
        started.set()
        release.wait(5)
        return next(answers)

    reads = RevisionReads(read, in_thread=True)

    async def main() -> tuple[str, str]:
        first = asyncio.create_task(reads.fresh())
        await asyncio.to_thread(started.wait, 5)
        second = asyncio.create_task(reads.fresh())
        await asyncio.sleep(0)
        release.set()
        return await first, await second

    assert asyncio.run(main()) == ("before", "after")


def test_a_failed_read_reaches_every_waiter_of_its_batch_and_the_next_batch_reads_again() -> None:
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database on fire")
        return "r2"

    reads = RevisionReads(read, in_thread=True)

    async def main() -> list[str | BaseException]:
        return list(await asyncio.gather(reads.fresh(), reads.fresh(), return_exceptions=True))

    first = asyncio.run(main())
    assert [type(r) for r in first] == [RuntimeError, RuntimeError]
    assert asyncio.run(reads.fresh()) == "r2"


def test_the_catalog_is_fetched_again_only_when_the_revision_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'catalog.db'}")
    repo.upgrade()
    repo.publish(shop_files(), author="ann")
    fetched: list[LintResult] = []
    real = repo.current_catalog

    def counting() -> LintResult:
        fetched.append(real())
        return fetched[-1]

    monkeypatch.setattr(repo, "current_catalog", counting)
    current = CurrentCatalog(repo)
    first = asyncio.run(current.get())
    assert asyncio.run(current.get()) is first and len(fetched) == 1
    repo.deprecate("shop.gmv", "use net_gmv", author="ann")
    after = asyncio.run(current.get())
    assert len(fetched) == 2 and after.catalog.metrics["shop.gmv"].deprecated
