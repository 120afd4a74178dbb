"""`catalog.store.roles`: one table of who may do what, the one docs/service.md shows.

What each caller may actually do over HTTP is specified by hand in tests/app/test_roles.py.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from catalog.store.roles import ACTIONS, ROLES, may, permission_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def test_the_service_docs_show_the_table_the_service_enforces() -> None:
    assert permission_table() in DOCS.read_text("utf-8")


def test_each_role_may_do_everything_the_role_before_it_may() -> None:
    for lesser, greater in itertools.pairwise(ROLES):
        for action in ACTIONS:
            assert not may(lesser, action.name) or may(greater, action.name), (lesser, greater, action.name)


def test_anonymous_callers_never_write_even_with_open_reads() -> None:
    for name in ("publish", "deprecate", "audit", "tokens"):
        assert not may(None, name, open_reads=True)
    assert not any(may(None, a.name, open_reads=False) for a in ACTIONS)
