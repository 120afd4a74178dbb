"""Versions of a metric: history, field-by-field diffs (caliber vs metadata), deprecation, pinning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from catalog.store import FieldChange, Repository

if TYPE_CHECKING:
    from tests.store.conftest import Edit


@pytest.fixture
def three_versions(sqlite_repo: Repository, bundle: dict[str, str], edit: Edit) -> None:
    """gmv v1 as in the fixture, v2 re-worded (metadata), v3 a new filter (caliber)."""
    repo = sqlite_repo
    repo.publish(bundle, author="ann", note="initial")
    reworded = edit(
        bundle,
        "shop/orders.yaml",
        "description: Sum of paid order amounts, on payment time.",
        "description: Paid order amounts, summed on payment time.",
    )
    repo.publish(reworded, author="bob", note="wording")
    refiltered = edit(
        reworded,
        "shop/orders.yaml",
        """    expr: amount
    filter: "status = 'paid'\"""",
        """    expr: amount
    filter: "status IN ('paid', 'shipped')\"""",
    )
    repo.publish(refiltered, author="cyd", note="count shipped orders too")


def test_history_lists_every_version_oldest_first(sqlite_repo: Repository, three_versions: None):
    history = sqlite_repo.versions("shop.gmv")

    assert [(v.number, v.author, v.note) for v in history] == [
        (1, "ann", "initial"),
        (2, "bob", "wording"),
        (3, "cyd", "count shipped orders too"),
    ]
    assert len({v.content_hash for v in history}) == 3
    assert history[0].semantic_hash == history[1].semantic_hash != history[2].semantic_hash
    assert sqlite_repo.get_metric("gmv").version == 3  # type: ignore[union-attr]


def test_a_bare_name_finds_a_metric_only_when_it_is_unique(sqlite_repo: Repository, bundle: dict[str, str]):
    sqlite_repo.publish(bundle, author="ann")
    sqlite_repo.publish({"growth/more.yaml": bundle["shop/orders.yaml"]}, author="ann")

    assert sqlite_repo.get_metric("shop.gmv") is not None
    assert sqlite_repo.get_metric("gmv") is None  # shop.gmv and growth.gmv
    assert sqlite_repo.get_metric("signups").key == "growth.signups"  # type: ignore[union-attr]
    assert sqlite_repo.versions("nope") == []


def test_a_metadata_only_diff(sqlite_repo: Repository, three_versions: None):
    diff = sqlite_repo.diff("shop.gmv", 1, 2)

    assert diff is not None and not diff.caliber_changed
    assert diff.changes == [
        FieldChange(
            "description",
            "Sum of paid order amounts, on payment time.",
            "Paid order amounts, summed on payment time.",
            caliber=False,
        )
    ]


def test_a_caliber_diff_between_any_two_versions(sqlite_repo: Repository, three_versions: None):
    diff = sqlite_repo.diff("shop.gmv", 1, 3)

    assert diff is not None and diff.caliber_changed
    # In the order the fields are written in the definition.
    assert [(c.path, c.caliber) for c in diff.changes] == [("filter", True), ("description", False)]
    assert diff.changes[0].after == "status IN ('paid', 'shipped')"
    assert sqlite_repo.diff("shop.gmv", 1, 9) is None


def test_reformatted_sql_is_not_a_caliber_change(sqlite_repo: Repository, bundle: dict[str, str], edit: Edit):
    sqlite_repo.publish(bundle, author="ann")
    sqlite_repo.publish(
        edit(
            bundle,
            "shop/orders.yaml",
            """    expr: amount
    filter: "status = 'paid'\"""",
            """    expr: AMOUNT
    filter: "status   =   'paid' -- settled\"""",
        ),
        author="ann",
    )

    diff = sqlite_repo.diff("shop.gmv", 1, 2)

    assert diff is not None and not diff.caliber_changed
    assert [c.path for c in diff.changes] == ["expr", "filter"]


def test_deprecate_adds_a_version_and_the_metric_still_compiles(
    sqlite_repo: Repository, bundle: dict[str, str]
):
    sqlite_repo.publish(bundle, author="ann")

    deprecated = sqlite_repo.deprecate("shop.paid_orders", "use shop.orders_v2", author="lead")

    assert deprecated is not None and (deprecated.number, deprecated.status) == (2, "deprecated")
    assert deprecated.note == "use shop.orders_v2"
    assert sqlite_repo.get_metric("shop.paid_orders").status == "deprecated"  # type: ignore[union-attr]
    current = sqlite_repo.current_catalog()
    assert current.catalog.metrics["shop.paid_orders"].deprecated
    assert "shop.average_order_value" in current.catalog.metrics
    assert [i.code for i in current.warnings] == ["W002"]
    assert not sqlite_repo.diff("shop.paid_orders", 1, 2).caliber_changed  # type: ignore[union-attr]
    assert sqlite_repo.audit(1)[0].action == "deprecate"


def test_deprecating_twice_or_an_unknown_metric_writes_nothing(
    sqlite_repo: Repository, bundle: dict[str, str]
):
    sqlite_repo.publish(bundle, author="ann")
    sqlite_repo.deprecate("shop.gmv", "replaced", author="lead")
    before = sqlite_repo.counts()

    again = sqlite_repo.deprecate("shop.gmv", "replaced", author="lead")

    assert again is not None and again.number == 2
    assert sqlite_repo.deprecate("shop.nothing", "x", author="lead") is None
    assert sqlite_repo.counts() == before


def test_pin_builds_a_metric_as_of_an_old_version(sqlite_repo: Repository, three_versions: None):
    old, now = sqlite_repo.pin("shop.gmv", 1), sqlite_repo.current_catalog().catalog.metrics["shop.gmv"]

    assert old is not None and old.spec.filter == "status = 'paid'"  # type: ignore[union-attr]
    assert now.spec.filter == "status IN ('paid', 'shipped')"  # type: ignore[union-attr]
    assert sqlite_repo.pin("gmv", 3) == now
    assert sqlite_repo.pin("shop.gmv", 4) is None
    assert sqlite_repo.pin("shop.unknown", 1) is None


def test_catalog_at_keeps_components_current(sqlite_repo: Repository, three_versions: None):
    catalog = sqlite_repo.catalog_at({"shop.gmv": 1})

    assert catalog.metrics["shop.gmv"].spec.filter == "status = 'paid'"  # type: ignore[union-attr]
    assert catalog.metrics["shop.average_order_value"].spec.numerator == "shop.gmv"  # type: ignore[union-attr]
    assert len(catalog.metrics) == 5


def test_the_current_catalog_is_rebuilt_only_when_a_version_changes(
    sqlite_repo: Repository, bundle: dict[str, str]
):
    sqlite_repo.publish(bundle, author="ann")
    first, revision = sqlite_repo.current_catalog(), sqlite_repo.revision()

    assert sqlite_repo.current_catalog() is first
    sqlite_repo.publish(bundle, author="ann")
    assert sqlite_repo.revision() == revision and sqlite_repo.current_catalog() is first

    sqlite_repo.deprecate("shop.gmv", "replaced", author="lead")
    assert sqlite_repo.revision() != revision
    assert sqlite_repo.current_catalog().catalog.metrics["shop.gmv"].deprecated


def test_another_repository_on_the_same_database_sees_new_versions(
    sqlite_url: str, sqlite_repo: Repository, bundle: dict[str, str]
):
    other_worker = Repository.from_url(sqlite_url)
    sqlite_repo.publish(bundle, author="ann")
    assert len(other_worker.current_catalog().catalog.metrics) == 5

    sqlite_repo.deprecate("shop.gmv", "replaced", author="lead")

    assert other_worker.current_catalog().catalog.metrics["shop.gmv"].deprecated
    other_worker.engine.dispose()
