"""Page data built from catalog objects: search, counts, the caliber in words, the tree of components."""

from __future__ import annotations

import pytest

from app.web.i18n import translator
from app.web.view_models import CatalogView, ViewCache, component_tree, formula_words
from catalog.lint import lint_paths, lint_texts
from catalog.model import Catalog
from tests.web.conftest import FIXTURE

EN = translator("en")
ZH = translator("zh")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return lint_paths([FIXTURE]).catalog


def many(n: int) -> Catalog:
    metrics = "".join(
        f"  m{i}: {{type: atomic, source: users, agg: count, description: number {i},"
        f" label: {{en: Metric {i}, zh: 指标{i}}}, owner: o,"
        f" stage: {'revenue' if i % 2 else 'retention'}}}\n"
        for i in range(n)
    )
    text = (
        "sources: {users: {table: dw.u, time: at, columns: {id: integer, at: timestamp}}}\n"
        f"metrics:\n{metrics}"
    )
    return lint_texts({"bulk/a.yaml": text}).catalog


def test_search_matches_key_labels_and_description_with_every_word(catalog: Catalog) -> None:
    view = CatalogView(catalog)
    assert [r.key for r in view.search("付费用户").items] == ["growth.paying_users"]
    assert {r.key for r in view.search("PAYING").items} == {"growth.paying_users", "growth.paying_rate"}
    assert {r.key for r in view.search("all orders").items} == {"sales.order_count", "sales.legacy_revenue"}
    assert view.search("no such thing").total == 0


def test_exact_names_rank_before_label_prefixes_before_descriptions(catalog: Catalog) -> None:
    view = CatalogView(catalog)
    assert [r.key for r in view.search("gmv").items] == [
        "sales.gmv",
        "sales.average_order_value",
        "sales.legacy_revenue",
    ]
    assert view.search("users").items[0].key == "growth.paying_users"


def test_search_pages_and_filters() -> None:
    view = CatalogView(many(130))
    page = view.search("指标", offset=50, limit=50)
    assert (page.total, len(page.items), page.offset) == (130, 50, 50)
    assert view.search(stage="retention").total == 65
    assert view.search(namespace="bulk", stage="referral").total == 0


def test_counts_list_every_stage_in_aarrr_order_and_every_namespace(catalog: Catalog) -> None:
    view = CatalogView(catalog)
    assert view.stage_counts == (
        ("acquisition", 1),
        ("activation", 1),
        ("retention", 0),
        ("revenue", 6),
        ("referral", 0),
    )
    assert view.namespace_counts == (("growth", 4), ("sales", 4))


def test_rows_list_stages_in_order_and_standard_metrics_first(catalog: Catalog) -> None:
    rows = CatalogView(catalog).search().items
    assert [r.key for r in rows][:3] == ["growth.signups", "growth.paying_rate", "sales.gmv"]


def test_the_view_is_rebuilt_only_for_another_catalog(catalog: Catalog) -> None:
    cache = ViewCache()
    first = cache.get(catalog)
    assert cache.get(catalog) is first
    assert cache.get(many(3)) is not first


def test_formula_words_for_each_type(catalog: Catalog) -> None:
    metrics = catalog.metrics
    assert (
        formula_words(metrics["growth.paying_rate"], catalog, "en", EN)
        == "Paying users divided by Signups (empty when the denominator is 0)"
    )
    assert (
        formula_words(metrics["growth.paying_rate"], catalog, "zh", ZH)
        == "付费用户数 除以 注册用户数（分母为 0 时为空）"
    )
    assert formula_words(metrics["sales.gmv"], catalog, "en", EN) == (
        "sum of amount over orders (table dw.fact_orders), only rows where status = 'paid', "
        "placed in time by paid_at"
    )


def test_component_tree_follows_references_with_their_roles(catalog: Catalog) -> None:
    tree = component_tree(catalog.metrics["sales.average_order_value"], catalog, "en", EN)
    assert [(c.role, c.key, c.type) for c in tree.children] == [
        ("gmv", "sales.gmv", "atomic"),
        ("order_count", "sales.order_count", "atomic"),
    ]
    assert all(not c.children for c in tree.children)
