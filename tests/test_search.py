"""One search over a catalog's metrics (`catalog.search`) for the API and the web pages."""

from __future__ import annotations

import pytest

from catalog.lint import lint_texts
from catalog.model import Catalog
from catalog.search import index_of

SOURCES = "sources: {orders: {table: dw.t, time: at, columns: {id: integer, at: timestamp, v: integer}}}\n"


def _metric(name: str, en: str, zh: str, description: str, stage: str = "revenue", extra: str = "") -> str:
    label = f"{{en: '{en}', zh: '{zh}'}}"
    return (
        f"  {name}: {{type: atomic, source: orders, agg: count, label: {label}, description: '{description}',"
        f" stage: {stage}, owner: {name}_team{extra}}}\n"
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    metrics = "metrics:\n" + "".join(
        [
            _metric("order_value", "Order value", "订单金额", "Sum of paid orders"),
            _metric("orders", "Orders", "订单数", "Every order placed; its value is order_value"),
            _metric("signups", "Signups", "注册数", "New users", stage="acquisition"),
            _metric("old_orders", "Old orders", "旧订单数", "Replaced", extra=", status: deprecated"),
        ]
    )
    result = lint_texts({"shop/a.yaml": SOURCES + metrics})
    assert result.ok, result.errors
    return result.catalog


def _keys(catalog: Catalog, *args: object, **kwargs: object) -> list[str]:
    return [m.key for m in index_of(catalog).search(*args, **kwargs).items]  # type: ignore[arg-type]


def test_every_word_anywhere_ranks_names_and_labels_before_descriptions(catalog: Catalog) -> None:
    assert _keys(catalog, "order value") == ["shop.order_value", "shop.orders"]
    assert _keys(catalog, "订单") == ["shop.order_value", "shop.orders", "shop.old_orders"]
    assert _keys(catalog, "Orders") == ["shop.orders", "shop.old_orders", "shop.order_value"]


def test_a_phrase_must_appear_whole_in_one_field_and_results_are_by_key(catalog: Catalog) -> None:
    assert _keys(catalog, "order value", phrase=True) == ["shop.order_value"]
    assert _keys(catalog, "  ORDER ", phrase=True) == ["shop.old_orders", "shop.order_value", "shop.orders"]
    assert _keys(catalog, "", phrase=True) == [
        "shop.old_orders",
        "shop.order_value",
        "shop.orders",
        "shop.signups",
    ]


def test_filters_combine_and_pages_count_every_match(catalog: Catalog) -> None:
    assert _keys(catalog, stage="acquisition") == ["shop.signups"]
    assert _keys(catalog, "order", status="deprecated") == ["shop.old_orders"]
    assert _keys(catalog, owner="orders_team") == ["shop.orders"]
    assert _keys(catalog, namespace="elsewhere") == []
    page = index_of(catalog).search("", offset=1, limit=2)
    assert (len(page.items), page.total) == (2, 4)


def test_the_index_is_built_once_per_catalog_object(catalog: Catalog) -> None:
    assert index_of(catalog) is index_of(catalog)
    copy = Catalog(catalog.sources, catalog.dimensions, catalog.metrics)
    assert index_of(copy) is not index_of(catalog)
    assert index_of(catalog).stage_counts[0] == ("acquisition", 1)
