"""Listing metrics: free text over names, English and Chinese labels and descriptions; filters; pages."""

from __future__ import annotations

import pytest

from catalog.store import Repository


@pytest.fixture
def published(sqlite_repo: Repository, bundle: dict[str, str]) -> Repository:
    sqlite_repo.publish(bundle, author="ann")
    return sqlite_repo


def _keys(repo: Repository, **filters: object) -> list[str]:
    return [r.key for r in repo.list_metrics(**filters).items]  # type: ignore[arg-type]


def test_without_filters_every_metric_is_listed_by_key(published: Repository):
    page = published.list_metrics()

    assert [r.key for r in page.items] == [
        "growth.buyers",
        "growth.signups",
        "shop.average_order_value",
        "shop.gmv",
        "shop.paid_orders",
    ]
    assert page.total == 5 and page.items[0].version == 1
    assert page.items[0].definition["owner"] == "growth-team"


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("订单", ["shop.paid_orders"]),  # Chinese substring of 支付订单数
        ("用户", ["growth.buyers", "growth.signups"]),  # 购买用户数, 注册用户数
        ("客单价", ["shop.average_order_value"]),
        ("GROSS merchandise", ["shop.gmv"]),  # English label, any case
        ("per paid order", ["shop.average_order_value"]),  # description
        ("signups", ["growth.signups"]),  # name
        ("nothing like this", []),
    ],
)
def test_text_searches_names_labels_and_descriptions(published: Repository, text: str, keys: list[str]):
    assert _keys(published, text=text) == keys


def test_filters_combine(published: Repository):
    assert _keys(published, stage="acquisition") == ["growth.signups"]
    assert _keys(published, namespace="shop", owner="shop-team") == ["shop.gmv", "shop.paid_orders"]
    assert _keys(published, stage="revenue", text="用户") == ["growth.buyers"]
    assert _keys(published, status="deprecated") == []

    published.deprecate("shop.gmv", "replaced", author="lead")

    assert _keys(published, status="deprecated") == ["shop.gmv"]
    assert "shop.gmv" not in _keys(published, status="active")


def test_pages_report_the_total_of_all_matches(published: Repository):
    first, second, past = (published.list_metrics(offset=o, limit=2) for o in (0, 2, 10))

    assert [r.key for r in first.items] == ["growth.buyers", "growth.signups"]
    assert [r.key for r in second.items] == ["shop.average_order_value", "shop.gmv"]
    assert past.items == [] and first.total == second.total == past.total == 5


def test_sources_and_dimensions_are_listed_too(published: Repository):
    assert [r.key for r in published.list_sources()] == ["common.orders", "common.users"]
    dimensions = published.list_dimensions()
    assert [(r.key, r.definition["label"]["zh"]) for r in dimensions] == [
        ("common.city", "城市"),
        ("common.order_status", "订单状态"),
    ]
