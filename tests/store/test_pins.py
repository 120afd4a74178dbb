"""Past versions of metrics in today's catalog (`gmv@2`): resolved among the definitions they refer to, they
mean what re-linting every stored definition with the past version in place means."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.model import Catalog
from catalog.store.overlay import Stored, lint_overlay
from catalog.store.pins import referenced_names
from catalog.store.repository import Repository
from tests.web.conftest import seed


@pytest.fixture(scope="module")
def seeded_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    repo = seed(f"sqlite:///{tmp_path_factory.mktemp('pins') / 'catalog.db'}")
    yield repo
    repo.engine.dispose()


def relinted(repo: Repository, key: str, number: int) -> Catalog:
    """The reference: every stored definition linted again, with `key` at version `number`."""
    record = repo.version(key, number)
    assert record is not None
    stored = [
        Stored(r.kind, r.namespace, r.name, record.definition if r.key == key else r.definition)
        for r in (*repo.list_sources(), *repo.list_dimensions(), *repo.list_metrics(limit=10_000).items)
    ]
    return lint_overlay(stored, []).catalog


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("growth.signups", 1),
        ("growth.signups", 3),
        ("growth.paying_rate", 1),
        ("sales.average_order_value", 1),
    ],
)
def test_a_pinned_version_means_what_relinting_the_whole_catalog_with_it_means(
    seeded_repo: Repository, key: str, number: int
) -> None:
    at, full = seeded_repo.catalog_at({key: number}), relinted(seeded_repo, key, number)
    assert at.metrics[key] == full.metrics[key]
    for ref in full.metrics[key].references():
        assert at.metrics[ref] == full.metrics[ref]
    assert seeded_repo.pin(key, number) == full.metrics[key]
    assert seeded_repo.catalog_at({key: number}) is at  # cached for the revision


def test_other_metrics_stay_current_and_an_unknown_version_is_a_lookup_error(seeded_repo: Repository) -> None:
    current = seeded_repo.current_catalog().catalog
    at = seeded_repo.catalog_at({"growth.signups": 1})
    assert at.metrics.keys() == current.metrics.keys()
    assert at.metrics["growth.paying_rate"] == current.metrics["growth.paying_rate"]
    assert at.metrics["growth.signups"] != current.metrics["growth.signups"]
    with pytest.raises(LookupError):
        seeded_repo.catalog_at({"growth.signups": 99})
    assert seeded_repo.pin("growth.signups", 99) is None


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
    assert referenced_names({"type": "nonsense", "metric": "gmv"}) == []
