"""Publishing a bundle: validated first, all or nothing, only changed definitions get a version."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from catalog.store import CreatedVersion, PublishRejected, Repository

if TYPE_CHECKING:
    from tests.store.conftest import Edit

EMPTY = {
    "namespaces": 0,
    "definitions": 0,
    "versions": 0,
    "audit_log": 0,
    "tokens": 0,
    "users": 0,
    "grants": 0,
    "reviews": 0,
}


def test_first_publish_creates_version_1_of_every_definition(repo: Repository, bundle: dict[str, str]):
    result = repo.publish(bundle, author="ann", note="first")

    assert sorted(result.created) == sorted(
        [
            CreatedVersion("source", "common.orders", 1),
            CreatedVersion("source", "common.users", 1),
            CreatedVersion("dimension", "common.city", 1),
            CreatedVersion("dimension", "common.order_status", 1),
            CreatedVersion("metric", "growth.buyers", 1),
            CreatedVersion("metric", "growth.signups", 1),
            CreatedVersion("metric", "shop.average_order_value", 1),
            CreatedVersion("metric", "shop.gmv", 1),
            CreatedVersion("metric", "shop.paid_orders", 1),
        ]
    )
    assert result.unchanged == 0
    assert repo.counts() == {**EMPTY, "namespaces": 3, "definitions": 9, "versions": 9, "audit_log": 1}


def test_publishing_the_same_tree_twice_writes_nothing(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")
    before = repo.counts()

    again = repo.publish(bundle, author="bob")

    assert again.created == [] and again.unchanged == 9
    assert repo.counts() == before


def test_only_changed_definitions_get_a_new_version(repo: Repository, bundle: dict[str, str], edit: Edit):
    repo.publish(bundle, author="ann")
    changed = edit(
        bundle,
        "shop/orders.yaml",
        "description: Number of paid orders, on payment time.",
        "description: Paid orders, counted on payment time.",
    )

    result = repo.publish(changed, author="bob", note="clearer wording")

    assert result.created == [CreatedVersion("metric", "shop.paid_orders", 2)]
    assert result.unchanged == 8
    latest = repo.version("shop.paid_orders", 2)
    assert latest is not None and latest.author == "bob" and latest.note == "clearer wording"
    assert repo.get_metric("shop.gmv").version == 1  # type: ignore[union-attr]


def test_a_layout_only_change_is_not_a_new_version(repo: Repository, bundle: dict[str, str], edit: Edit):
    repo.publish(bundle, author="ann")
    reformatted = edit(
        bundle,
        "shop/orders.yaml",
        "label: {en: Paid orders, zh: 支付订单数}",
        "label:\n      zh: 支付订单数\n      en: Paid orders  # same label, other layout",
    )

    assert repo.publish(reformatted, author="bob").created == []


def test_any_lint_error_rejects_the_bundle_and_writes_nothing(
    repo: Repository, bundle: dict[str, str], edit: Edit
):
    broken = edit(bundle, "shop/orders.yaml", "denominator: paid_orders", "denominator: paid_order")
    broken = edit(
        broken,
        "growth/users.yaml",
        "description: Registered users, on signup time.",
        "description: Registered users, counted on signup time.",
    )

    with pytest.raises(PublishRejected) as rejected:
        repo.publish(broken, author="ann")

    assert [i.code for i in rejected.value.issues if i.level == "error"] == ["R003"]
    assert rejected.value.issues[0].location.file == "shop/orders.yaml"
    assert repo.counts() == EMPTY


def test_a_rejected_change_leaves_published_versions_untouched(
    repo: Repository, bundle: dict[str, str], edit: Edit
):
    repo.publish(bundle, author="ann")
    before = repo.counts()
    broken = edit(bundle, "shop/orders.yaml", "expr: amount", "expr: amount + discount")

    with pytest.raises(PublishRejected) as rejected:
        repo.publish(broken, author="ann")

    assert [i.code for i in rejected.value.issues] == ["R005"]
    assert repo.counts() == before


def test_a_partial_bundle_may_refer_to_already_published_definitions(
    repo: Repository, bundle: dict[str, str]
):
    repo.publish(bundle, author="ann")
    partial = {
        "finance/margin.yaml": """
metrics:
  aov_copy:
    type: ratio
    numerator: shop.gmv
    denominator: shop.paid_orders
    label: {en: AOV (finance), zh: 财务客单价}
    description: GMV per paid order, as finance reports it.
    stage: revenue
    owner: finance-team
"""
    }

    result = repo.publish(partial, author="fin")

    assert result.created == [CreatedVersion("metric", "finance.aov_copy", 1)]
    assert repo.get_metric("shop.gmv").version == 1  # type: ignore[union-attr]
    assert len(repo.current_catalog().catalog.metrics) == 6


def test_a_partial_bundle_is_checked_against_what_refers_to_it(
    repo: Repository, bundle: dict[str, str], edit: Edit
):
    repo.publish(bundle, author="ann")
    # Only the sources are sent; the stored metrics (not in the bundle) filter on orders.status.
    sources_only = edit(bundle, "common/sources.yaml", "      status: string\n", "")
    sources_only = {"common/sources.yaml": sources_only["common/sources.yaml"]}

    with pytest.raises(PublishRejected) as rejected:
        repo.publish(sources_only, author="ann")

    # Each error is located at the bundle's source that lost the column and names the stored definition.
    sources = rejected.value.errors[0].location
    assert {(i.code, str(i.location)) for i in rejected.value.errors} == {("R005", str(sources))}
    assert sources.file == "common/sources.yaml" and sources.line > 1
    assert sources_only["common/sources.yaml"].splitlines()[sources.line - 1].strip() == "orders:"
    named = sorted(i.message.split(",")[0] for i in rejected.value.errors)
    assert named == [
        "published dimension common.order_status",
        "published metric growth.buyers",
        "published metric shop.gmv",
        "published metric shop.paid_orders",
    ]
    assert repo.get("source", "common.orders").version == 1  # type: ignore[union-attr]


def test_publish_paths_reads_the_tree_from_disk(
    sqlite_repo: Repository, bundle: dict[str, str], fixtures_dir: Path
):
    from_disk = sqlite_repo.publish_paths([fixtures_dir], author="ci")

    assert len(from_disk.created) == 9
    assert sqlite_repo.publish(bundle, author="api").created == []


def test_publish_paths_rejects_a_missing_folder(sqlite_repo: Repository, tmp_path: Path):
    with pytest.raises(PublishRejected) as rejected:
        sqlite_repo.publish_paths([tmp_path / "nope"], author="ci")

    assert [i.code for i in rejected.value.issues] == ["Y005"]


def test_the_standard_library_publishes_once(repo: Repository):
    library = Path(__file__).resolve().parents[2] / "metric_defs"

    first = repo.publish_paths([library], author="ci " * 100)
    second = repo.publish_paths([library], author="ci")

    assert len(first.created) > 20
    assert second.created == [] and second.unchanged == len(first.created)
    assert repo.audit(1)[0].target == f"{len(first.created)} definitions"


def _many_metrics(n: int) -> dict[str, str]:
    body = "".join(
        f"""
  m{i}:
    type: atomic
    source: orders
    agg: sum
    expr: amount
    filter: "amount > {i}"
    label: {{en: Metric {i}, zh: 指标{i}}}
    description: Amounts above {i}.
    stage: revenue
    owner: bulk-team
"""
        for i in range(n)
    )
    return {"bulk/metrics.yaml": "metrics:" + body}


def _statements(repo: Repository, files: dict[str, str]) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(repo.engine, "before_cursor_execute", count)
    try:
        repo.publish(files, author="bulk")
    finally:
        event.remove(repo.engine, "before_cursor_execute", count)
    return len(seen)


def test_publishing_costs_the_same_statements_for_10_or_60_definitions(
    repo: Repository, bundle: dict[str, str]
):
    """Writes are multi-row statements: one statement per row made a 10k-metric publish take minutes."""
    repo.publish(bundle, author="ann")
    few, many = _many_metrics(10), {"more/metrics.yaml": _many_metrics(60)["bulk/metrics.yaml"]}

    def reowned(files: dict[str, str]) -> dict[str, str]:
        return {k: v.replace("bulk-team", "bulk-owners") for k, v in files.items()}

    assert _statements(repo, few) == _statements(repo, many)
    assert _statements(repo, reowned(few)) == _statements(repo, reowned(many))
    assert repo.get_metric("more.m59").version == 2  # type: ignore[union-attr]


def test_a_source_on_a_file_rejects_the_bundle_and_writes_nothing(
    sqlite_repo: Repository, bundle: dict[str, str], edit: Edit
):
    broken = edit(bundle, "common/sources.yaml", "table: dw.fact_orders", "table: /tmp/orders.csv")

    with pytest.raises(PublishRejected) as rejected:
        sqlite_repo.publish(broken, author="ann")

    assert "S008" in {i.code for i in rejected.value.errors}
    assert sqlite_repo.counts() == EMPTY


def test_with_an_allow_list_publish_refuses_other_schemas_and_the_catalog_leaves_them_out(
    sqlite_url: str, bundle: dict[str, str]
):
    open_repo = Repository.from_url(sqlite_url)
    open_repo.upgrade()
    open_repo.publish(bundle, author="ann")
    assert "common.orders" in open_repo.current_catalog().catalog.sources
    strict = Repository.from_url(sqlite_url, allowed_schemas={"mart"})

    with pytest.raises(PublishRejected) as rejected:
        strict.publish(bundle, author="ann")

    assert {(i.code, i.location.file) for i in rejected.value.errors} >= {("S008", "common/sources.yaml")}
    served = strict.current_catalog()
    assert served.catalog.sources == {} and served.catalog.metrics == {}
    assert "S008" in {i.code for i in served.errors}
    allowed = Repository.from_url(sqlite_url, allowed_schemas={"dw"}).current_catalog()
    assert "common.orders" in allowed.catalog.sources and allowed.ok
