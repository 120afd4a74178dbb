"""Which conflicts block a publish: those involving a metric the publish changes; stored ones only warn.

`finance.gmv` shares shop.gmv's name but also counts refunded orders (C001). Publishing it is refused by
default and allowed with `conflicts="warning"`; once stored, the conflict must not block unrelated publishes,
and it blocks again only when a publish changes one of its two metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.compare.conflicts import find_conflicts
from catalog.store import CreatedVersion, PublishRejected, Repository
from catalog.store.conflict_gate import gate

if TYPE_CHECKING:
    from tests.store.conftest import Edit

FINANCE_GMV = """
metrics:
  gmv:
    type: atomic
    source: orders
    agg: sum
    expr: amount
    filter: "status IN ('paid', 'refunded')"
    label: {en: GMV incl. refunds, zh: 含退款成交额}
    description: Paid and refunded order amounts.
    stage: revenue
    owner: finance-team
"""
FINANCE = {"finance/gmv.yaml": FINANCE_GMV}
PAID_ORDERS_DESCRIPTION = "description: Number of paid orders, on payment time."


def _codes(issues: tuple[object, ...]) -> list[tuple[str, str]]:
    return [(i.code, i.level.value) for i in issues if i.code.startswith("C")]  # type: ignore[attr-defined]


@pytest.fixture
def stored_conflict(repo: Repository, bundle: dict[str, str]) -> Repository:
    """The fixture tree plus finance.gmv, published with `conflicts="warning"`."""
    repo.publish(bundle, author="ann")
    repo.publish(FINANCE, author="fin", conflicts="warning")
    return repo


def test_a_new_conflict_is_refused_by_default(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")
    before = repo.counts()

    with pytest.raises(PublishRejected) as rejected:
        repo.publish(FINANCE, author="fin")

    assert _codes(rejected.value.issues) == [("C001", "error")]
    assert repo.counts() == before


def test_conflicts_warning_publishes_the_conflict_and_returns_it(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")

    result = repo.publish(FINANCE, author="fin", conflicts="warning")

    assert result.created == [CreatedVersion("metric", "finance.gmv", 1)]
    assert _codes(result.warnings) == [("C001", "warning")]
    open_conflicts = find_conflicts(repo.current_catalog().catalog)
    assert [(f.kind, f.left, f.right) for f in open_conflicts] == [("conflict", "finance.gmv", "shop.gmv")]


def test_a_stored_conflict_does_not_block_an_unrelated_publish(
    stored_conflict: Repository, bundle: dict[str, str], edit: Edit
):
    reworded = edit(bundle, "shop/orders.yaml", PAID_ORDERS_DESCRIPTION, "description: Paid orders.")

    result = stored_conflict.publish(reworded, author="bob")

    assert result.created == [CreatedVersion("metric", "shop.paid_orders", 2)]
    assert _codes(result.warnings) == [("C001", "warning")]
    assert "already stored" in result.warnings[-1].hint


def test_a_stored_conflict_blocks_a_change_to_either_of_its_metrics(
    stored_conflict: Repository, bundle: dict[str, str], edit: Edit
):
    shop_side = edit(
        bundle,
        "shop/orders.yaml",
        "description: Sum of paid order amounts, on payment time.",
        "description: Paid order amounts.",
    )
    finance_side = {"finance/gmv.yaml": FINANCE_GMV.replace("Paid and refunded", "All settled")}

    for changed in (shop_side, finance_side):
        with pytest.raises(PublishRejected) as rejected:
            stored_conflict.publish(changed, author="bob")
        assert _codes(rejected.value.issues) == [("C001", "error")]
    assert stored_conflict.publish(finance_side, author="bob", conflicts="warning").created == [
        CreatedVersion("metric", "finance.gmv", 2)
    ]


def test_a_definition_error_anywhere_still_rejects(
    stored_conflict: Repository, bundle: dict[str, str], edit: Edit
):
    broken = edit(bundle, "shop/orders.yaml", "denominator: paid_orders", "denominator: paid_order")

    with pytest.raises(PublishRejected) as rejected:
        stored_conflict.publish(broken, author="bob", conflicts="warning")

    assert [i.code for i in rejected.value.errors] == ["R003"]


def test_duplicates_as_errors_block_only_a_changed_duplicate(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")
    copy = {
        "finance/revenue.yaml": FINANCE_GMV.replace("gmv:", "revenue:").replace(
            "\"status IN ('paid', 'refunded')\"", "\"status = 'paid'\""
        )
    }

    with pytest.raises(PublishRejected) as rejected:
        repo.publish(copy, author="fin", duplicates="error")
    assert _codes(rejected.value.issues) == [("C002", "error")]

    repo.publish(copy, author="fin")  # duplicates are warnings by default
    unrelated = {"growth/users.yaml": bundle["growth/users.yaml"].replace("Registered users", "Users")}
    assert _codes(repo.publish(unrelated, author="bob", duplicates="error").warnings) == [("C002", "warning")]


def test_gate_relevels_like_lint_then_spares_untouched_metrics(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")
    repo.publish(FINANCE, author="fin", conflicts="warning")
    findings = find_conflicts(repo.current_catalog().catalog)

    assert [i.level.value for i in gate(findings, {"shop.gmv"})] == ["error"]
    assert [i.level.value for i in gate(findings, {"finance.gmv"}, conflicts="warning")] == ["warning"]
    assert [i.level.value for i in gate(findings, {"shop.paid_orders"})] == ["warning"]


def test_an_unknown_setting_is_refused(repo: Repository, bundle: dict[str, str]):
    with pytest.raises(ValueError, match="conflicts"):
        repo.publish(bundle, author="ann", conflicts="off")  # type: ignore[arg-type]


def test_cli_publish_with_conflicts_warning(sqlite_url: str, fixtures_dir: Path, tmp_path: Path):
    runner = CliRunner()
    (tmp_path / "finance").mkdir()
    (tmp_path / "finance" / "gmv.yaml").write_text(FINANCE_GMV, encoding="utf-8")
    assert runner.invoke(app, ["publish", str(fixtures_dir), "--db", sqlite_url]).exit_code == 0

    refused = runner.invoke(app, ["publish", str(tmp_path / "finance"), "--db", sqlite_url])
    allowed = runner.invoke(
        app, ["publish", str(tmp_path / "finance"), "--db", sqlite_url, "--conflicts", "warning"]
    )
    usage = runner.invoke(
        app, ["publish", str(tmp_path / "finance"), "--db", sqlite_url, "--conflicts", "off"]
    )

    assert refused.exit_code == 1 and "C001" in refused.output
    assert allowed.exit_code == 0, allowed.output
    assert "C001" in allowed.output and "metric finance.gmv v1" in allowed.output
    assert usage.exit_code == 2
