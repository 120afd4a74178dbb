"""API tokens: shown once, stored as a hash, verified, revoked, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.store import Repository
from catalog.store.models import TokenRow


def test_a_created_token_verifies_with_its_role(sqlite_repo: Repository):
    token = sqlite_repo.create_token("analyst", name="dashboards")

    record = sqlite_repo.verify_token(token)

    assert token.startswith("cal_") and len(token) > 40
    assert record is not None
    assert (record.name, record.role, record.revoked_at) == ("dashboards", "analyst", None)


def test_only_the_hash_of_a_token_is_stored(sqlite_repo: Repository):
    token = sqlite_repo.create_token("admin", name="ci")

    with Session(sqlite_repo.engine) as session:
        stored = session.scalars(select(TokenRow.token_hash)).all()

    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_unknown_tampered_and_revoked_tokens_are_refused(sqlite_repo: Repository):
    token = sqlite_repo.create_token("admin", name="ci")
    record = sqlite_repo.verify_token(token)
    assert record is not None

    assert sqlite_repo.verify_token("cal_not-a-token") is None
    assert sqlite_repo.verify_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert sqlite_repo.revoke_token(record.id, actor="lead") is True
    assert sqlite_repo.verify_token(token) is None
    assert sqlite_repo.revoke_token(record.id, actor="lead") is False
    assert sqlite_repo.list_tokens()[0].revoked_at is not None


def test_token_writes_are_audited_without_the_token(sqlite_repo: Repository):
    token = sqlite_repo.create_token("analyst", name="bi", actor="lead")
    sqlite_repo.revoke_token(sqlite_repo.list_tokens()[0].id, actor="lead")

    trail = sqlite_repo.audit(10)

    assert [(a.action, a.actor) for a in trail] == [("token.revoke", "lead"), ("token.create", "lead")]
    assert all(token not in str(a.detail) for a in trail)


def test_roles_are_reader_analyst_or_admin(sqlite_repo: Repository):
    with pytest.raises(ValueError, match="reader, analyst, admin"):
        sqlite_repo.create_token("owner", name="x")  # type: ignore[arg-type]
    assert sqlite_repo.list_tokens() == []
