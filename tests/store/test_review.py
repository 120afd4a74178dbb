"""Review before a change goes live, on SQLite and PostgreSQL: the review path of a standard metric, and the
whole role × namespace × transition matrix (no unauthorized transition is possible)."""

from __future__ import annotations

import itertools

import pytest

from catalog.compile import compile_query
from catalog.query import MetricQuery
from catalog.store import Repository
from catalog.store.records import Caller, Refused
from catalog.store.roles import ROLES, Role
from tests.accounts import token_of
from tests.store.conftest import Edit

STANDARD = "    owner: shop-team\n    unit: CNY\n  paid_orders:"
PAID = "filter: \"status = 'paid'\"\n    label: {en: Gross"
REFUNDED = "filter: \"status IN ('paid', 'refunded')\"\n    label: {en: Gross"


def _caller(repo: Repository, name: str, role: Role, namespace: str = "*") -> Caller:
    caller = repo.verify_token(token_of(repo, role, name, namespace))
    assert caller is not None
    return caller


def _live_sql(repo: Repository) -> str:
    return compile_query(MetricQuery(metrics=["shop.gmv"], grain="month"), repo.current_catalog().catalog).sql


def _standard(bundle: dict[str, str], edit: Edit) -> dict[str, str]:
    return edit(
        bundle,
        "shop/orders.yaml",
        STANDARD,
        "    owner: shop-team\n    unit: CNY\n    standard: true\n  paid_orders:",
    )


def test_a_change_to_a_standard_metric_goes_live_only_when_another_owner_approves(
    repo: Repository, bundle: dict[str, str], edit: Edit
) -> None:
    standard = _standard(bundle, edit)
    repo.publish(standard, author="system")
    ann = _caller(repo, "ann", "analyst", "shop")
    olu = _caller(repo, "olu", "owner", "shop")
    before = _live_sql(repo)

    proposed = repo.publish(edit(standard, "shop/orders.yaml", PAID, REFUNDED), author=ann.name, actor=ann)

    assert proposed.created == [] and [(p.key, p.version) for p in proposed.proposed] == [("shop.gmv", 2)]
    review = proposed.proposed[0].review
    assert _live_sql(repo) == before and "refunded" not in before
    assert repo.get_metric("shop.gmv").version == 1  # type: ignore[union-attr]
    with pytest.raises(Refused) as refused:
        repo.reviews.approve(review, ann)
    assert refused.value.status == 403
    olu_as_author = repo.publish(
        edit(standard, "shop/orders.yaml", PAID, REFUNDED), author=olu.name, actor=olu
    )
    assert olu_as_author.proposed == [] and olu_as_author.unchanged == 9, (
        "the same change is not proposed twice"
    )

    approved = repo.reviews.approve(review, olu)

    assert (approved.state, approved.decided_by) == ("approved", "olu")
    after = _live_sql(repo)
    assert after != before and "refunded" in after
    assert repo.get_metric("shop.gmv").version == 2  # type: ignore[union-attr]
    trail = [(a.actor, a.action, a.target) for a in reversed(repo.audit(10))]
    assert [a for a in trail if a[1].startswith("review.")] == [
        ("ann", "review.propose", "shop.gmv"),
        ("olu", "review.approve", "shop.gmv"),
    ]


def test_the_author_of_a_standard_change_may_not_approve_it_even_as_owner(
    repo: Repository, bundle: dict[str, str], edit: Edit
) -> None:
    standard = _standard(bundle, edit)
    repo.publish(standard, author="system")
    olu = _caller(repo, "olu", "owner", "shop")
    root = _caller(repo, "root", "admin")

    review = (
        repo.publish(edit(standard, "shop/orders.yaml", PAID, REFUNDED), "olu", actor=olu).proposed[0].review
    )

    with pytest.raises(Refused) as refused:
        repo.reviews.approve(review, olu)
    assert refused.value.issues[0].code == "G005"
    with pytest.raises(Refused):
        repo.reviews.reject(review, root, "  ")
    rejected = repo.reviews.reject(review, root, "refunds are not sales")
    assert (rejected.state, rejected.reason) == ("rejected", "refunds are not sales")
    assert "refunded" not in _live_sql(repo)
    with pytest.raises(Refused) as closed:
        repo.reviews.approve(review, root)
    assert closed.value.status == 409 and closed.value.issues[0].code == "G004"
    assert [a.action for a in repo.audit(2)] == ["review.reject", "review.propose"]


def test_an_analysts_change_waits_for_any_owner_and_an_owners_own_change_is_live_at_once(
    repo: Repository, bundle: dict[str, str], edit: Edit
) -> None:
    repo.publish(bundle, author="system")
    ann = _caller(repo, "ann", "analyst", "shop")
    olu = _caller(repo, "olu", "owner", "shop")
    changed = edit(bundle, "shop/orders.yaml", PAID, REFUNDED)

    waiting = repo.publish(changed, "ann", actor=ann)
    live = repo.publish(edit(changed, "shop/orders.yaml", "Sum of paid", "Sum of all paid"), "olu", actor=olu)

    assert waiting.proposed and not waiting.created
    assert [(c.key, c.version) for c in live.created] == [("shop.gmv", 3)]
    assert repo.reviews.get(waiting.proposed[0].review).state == "superseded"  # type: ignore[union-attr]
    assert "refunded" in _live_sql(repo)


def _name(role: Role, grant: str) -> str:
    return f"{role}-in-{'all' if grant == '*' else grant}"


# Each caller holds `role` in the namespace of the grant; the change is to a metric of `shop`.
GRANTS = ("shop", "growth", "*")


def _outcomes(repo: Repository, bundle: dict[str, str], edit: Edit, role: Role, grant: str) -> dict[str, str]:
    """What the caller achieves for each transition: live | review | refused | approved | rejected."""
    standard = _standard(bundle, edit)
    repo.publish(standard, author="system")
    if role == "admin" and grant != "*":
        return {}
    caller = _caller(repo, _name(role, grant), role, grant)
    proposer = _caller(repo, "proposer", "analyst", "shop")
    seen: dict[str, str] = {}
    for name, (key, old, new) in {
        "change": ("shop.paid_orders", "Number of paid orders", "Count of paid orders"),
        "standard change": ("shop.gmv", "Sum of paid order amounts", "Sum of all paid order amounts"),
    }.items():
        try:
            result = repo.publish(edit(standard, "shop/orders.yaml", old, new), caller.name, actor=caller)
            seen[name] = "live" if key in [c.key for c in result.created] else "review"
        except Refused:
            seen[name] = "refused"
    for decision in ("approve", "reject"):
        text = f"Sum of paid order amounts ({decision})"
        review = (
            repo.publish(
                edit(standard, "shop/orders.yaml", "Sum of paid order amounts", text),
                "proposer",
                actor=proposer,
            )
            .proposed[0]
            .review
        )
        try:
            if decision == "approve":
                repo.reviews.approve(review, caller)
            else:
                repo.reviews.reject(review, caller, "no")
            seen[decision] = "done"
        except Refused:
            seen[decision] = "refused"
    try:
        repo.deprecate("shop.paid_orders", "old", caller.name, actor=caller)
        seen["deprecate"] = "done"
    except Refused:
        seen["deprecate"] = "refused"
    return seen


EXPECTED = {
    # role, namespace of the grant: change (non-standard), standard change, approve, reject, deprecate
    ("viewer", "shop"): ("refused", "refused", "refused", "refused", "refused"),
    ("viewer", "growth"): ("refused", "refused", "refused", "refused", "refused"),
    ("viewer", "*"): ("refused", "refused", "refused", "refused", "refused"),
    ("analyst", "shop"): ("review", "review", "refused", "refused", "refused"),
    ("analyst", "growth"): ("refused", "refused", "refused", "refused", "refused"),
    ("analyst", "*"): ("review", "review", "refused", "refused", "refused"),
    ("owner", "shop"): ("live", "review", "done", "done", "done"),
    ("owner", "growth"): ("refused", "refused", "refused", "refused", "refused"),
    ("owner", "*"): ("live", "review", "done", "done", "done"),
    ("admin", "*"): ("live", "review", "done", "done", "done"),
}


@pytest.mark.parametrize(("role", "grant"), [k for k in itertools.product(ROLES, GRANTS) if k in EXPECTED])
def test_each_role_in_each_namespace_may_make_exactly_the_transitions_of_the_matrix(
    repo: Repository, bundle: dict[str, str], edit: Edit, role: Role, grant: str
) -> None:
    seen = _outcomes(repo, bundle, edit, role, grant)
    keys = ("change", "standard change", "approve", "reject", "deprecate")
    assert tuple(seen[k] for k in keys) == EXPECTED[(role, grant)]
    if set(EXPECTED[(role, grant)]) == {"refused"}:
        assert not [a for a in repo.audit(100) if a.actor == _name(role, grant)]
