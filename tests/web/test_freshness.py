"""The pages re-read the catalog from the store only when the store has changed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.web.freshness import CatalogWatch, change_marker
from catalog.lint import LintResult
from catalog.store.repository import Repository
from tests.web.conftest import fixture_files


@pytest.fixture
def repo(seeded: TestClient) -> Repository:
    found: Repository = seeded.app.state.repo  # type: ignore[attr-defined]
    return found


def counting(repo: Repository, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = repo.current_catalog

    def current_catalog() -> LintResult:
        calls.append(1)
        return real()

    monkeypatch.setattr(repo, "current_catalog", current_catalog)
    return calls


def test_an_unchanged_store_is_read_once(repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(repo, monkeypatch)
    watch = CatalogWatch()
    first = watch.current(repo)
    assert all(watch.current(repo) is first for _ in range(5))
    assert len(calls) == 1


def test_concurrent_requests_share_one_rebuild(repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(repo, monkeypatch)
    watch = CatalogWatch()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: watch.current(repo), range(8)))
    assert len(calls) == 1 and all(r is results[0] for r in results)


def test_a_new_version_changes_the_marker_and_the_catalog() -> None:
    repo = Repository.from_url("sqlite://")
    repo.upgrade()
    files = fixture_files()
    repo.publish(files, author="ann")
    watch = CatalogWatch()
    before, marker = watch.current(repo), change_marker(repo)
    changed = files["sales/metrics.yaml"].replace("owner: sales-team", "owner: sales-ops", 1)
    repo.publish({"sales/metrics.yaml": changed}, author="ann")
    assert change_marker(repo) != marker
    after = watch.current(repo)
    assert after is not before and after.catalog.metrics["sales.gmv"].owner == "sales-ops"
