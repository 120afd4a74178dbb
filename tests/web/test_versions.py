"""A past version resolved on a small catalog must mean what the store's full `catalog_at` means."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.web.versions import pinned_catalog, referenced_names
from catalog.store.repository import Repository


def repo_of(client: TestClient) -> Repository:
    repo: Repository = client.app.state.repo  # type: ignore[attr-defined]
    return repo


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("growth.signups", 1),
        ("growth.signups", 3),
        ("growth.paying_rate", 1),
        ("sales.average_order_value", 1),
    ],
)
def test_the_small_catalog_resolves_the_metric_like_the_full_one(
    seeded: TestClient, key: str, number: int
) -> None:
    repo = repo_of(seeded)
    current = repo.current_catalog().catalog
    small = pinned_catalog(repo, current, key, number)
    full = repo.catalog_at({key: number})
    assert small is not None
    assert small.metrics[key] == full.metrics[key]
    for ref in full.metrics[key].references():
        assert small.metrics[ref] == full.metrics[ref]
    assert len(small.metrics) < len(full.metrics)


def test_a_version_that_does_not_exist_gives_none(seeded: TestClient) -> None:
    repo = repo_of(seeded)
    assert pinned_catalog(repo, repo.current_catalog().catalog, "growth.signups", 99) is None


def test_referenced_names_reads_every_field_that_names_a_metric() -> None:
    assert referenced_names({"type": "ratio", "numerator": "a", "denominator": "ns.b"}) == ["a", "ns.b"]
    assert referenced_names({"type": "funnel", "steps": ["s1", "s2"], "overrides": {"metric": "x.f"}}) == [
        "s1",
        "s2",
        "x.f",
    ]
    assert sorted(referenced_names({"type": "derived", "expr": "(gmv - sales.refunds) / gmv"})) == [
        "gmv",
        "gmv",
        "sales.refunds",
    ]
    assert referenced_names({"type": "atomic", "source": "orders", "expr": "amount"}) == []
