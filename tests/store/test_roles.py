"""`catalog.store.roles`: one table of who may do what, the one docs/service.md shows.

What each caller may actually do over HTTP is specified by hand in tests/app/test_roles.py.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from catalog.store.roles import ACTIONS, ROLES, Grant, may, permission_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def test_the_service_docs_show_the_table_the_service_enforces() -> None:
    assert permission_table() in DOCS.read_text("utf-8")


def test_each_role_may_do_everything_the_role_before_it_may() -> None:
    for lesser, greater in itertools.pairwise(ROLES):
        for action in ACTIONS:
            held = [Grant("*", lesser)], [Grant("*", greater)]
            assert not may(held[0], action.name) or may(held[1], action.name), (lesser, greater, action.name)


def test_anonymous_callers_never_write_even_with_open_reads() -> None:
    for name in ("publish", "approve", "deprecate", "audit", "tokens"):
        assert not may(None, name, open_reads=True)
    assert not any(may(None, a.name, open_reads=False) for a in ACTIONS)


def test_a_role_in_one_namespace_gives_nothing_in_another() -> None:
    scoped = [a for a in ACTIONS if a.scope == "namespace"]
    for role in ROLES[:-1]:
        grants = [Grant("growth", role)]
        for action in scoped:
            assert not may(grants, action.name, "finance"), (role, action.name)
            assert may(grants, action.name, "growth") == may([Grant("*", role)], action.name, "finance")


def test_only_admin_holds_global_actions_and_reads_need_a_role_anywhere() -> None:
    assert [r for r in ROLES if may([Grant("*", r)], "tokens")] == ["admin"]
    assert not may([Grant("growth", "owner")], "audit")
    assert may([Grant("growth", "viewer")], "read") and not may([], "read")
