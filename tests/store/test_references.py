"""References are hashed as the qualified keys they resolve to: a bare name written out in full is metadata
only, while pointing a reference at another metric is a caliber change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalog.lint import lint_texts
from catalog.store import Repository
from catalog.store.references import qualified_definition

if TYPE_CHECKING:
    from tests.store.conftest import Edit

DERIVED = """
metrics:
  net_per_order:
    type: derived
    expr: "gmv / paid_orders"
    label: {en: GMV per order, zh: 单均成交额}
    description: GMV over paid orders.
    stage: revenue
    owner: shop-team
"""


def _diff_is_caliber(repo: Repository, key: str) -> bool:
    diff = repo.diff(key, 1, 2)
    assert diff is not None
    return diff.caliber_changed


def test_a_bare_reference_written_qualified_is_metadata_only(
    sqlite_repo: Repository, bundle: dict[str, str], edit: Edit
):
    sqlite_repo.publish(bundle, author="ann")
    qualified = edit(bundle, "shop/orders.yaml", "numerator: gmv", "numerator: shop.gmv")
    qualified = edit(qualified, "growth/users.yaml", "source: users", "source: common.users")

    created = sqlite_repo.publish(qualified, author="bob").created

    assert {c.key for c in created} == {"shop.average_order_value", "growth.signups"}
    assert not _diff_is_caliber(sqlite_repo, "shop.average_order_value")
    assert not _diff_is_caliber(sqlite_repo, "growth.signups")


def test_pointing_a_reference_at_another_metric_is_a_caliber_change(
    sqlite_repo: Repository, bundle: dict[str, str], edit: Edit
):
    sqlite_repo.publish(bundle, author="ann")

    sqlite_repo.publish(
        edit(bundle, "shop/orders.yaml", "numerator: gmv", "numerator: growth.buyers"), author="bob"
    )

    assert _diff_is_caliber(sqlite_repo, "shop.average_order_value")


def test_names_in_a_derived_expression_are_qualified_too(sqlite_repo: Repository, bundle: dict[str, str]):
    sqlite_repo.publish({**bundle, "shop/derived.yaml": DERIVED}, author="ann")

    for written, author in (("shop.gmv  /  shop.paid_orders", "bob"), ("gmv / growth.buyers", "cyd")):
        sqlite_repo.publish(
            {"shop/derived.yaml": DERIVED.replace("gmv / paid_orders", written)}, author=author
        )

    assert not _diff_is_caliber(sqlite_repo, "shop.net_per_order")
    versions = sqlite_repo.versions("shop.net_per_order")
    assert versions[1].semantic_hash != versions[2].semantic_hash


def test_qualified_definition_takes_references_from_the_resolved_catalog(bundle: dict[str, str]):
    catalog = lint_texts({**bundle, "shop/derived.yaml": DERIVED}).catalog
    aov = catalog.metrics["shop.average_order_value"]

    assert qualified_definition("metric", aov.key, aov.definition, catalog) == {
        **aov.definition,
        "numerator": "shop.gmv",
        "denominator": "shop.paid_orders",
    }
    derived = catalog.metrics["shop.net_per_order"]
    assert (
        qualified_definition("metric", derived.key, derived.definition, catalog)["expr"]
        == "shop.gmv / shop.paid_orders"
    )
    assert qualified_definition("dimension", "common.city", {"source": "users", "expr": "city"}, catalog) == {
        "source": "common.users",
        "expr": "city",
    }
    assert qualified_definition("metric", "shop.nothing", {"numerator": "x"}, catalog) == {"numerator": "x"}
