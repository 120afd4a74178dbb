"""API tokens: shown once, stored as a hash, verified, revoked, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from catalog.store import Repository
from catalog.store.models import TokenRow
from catalog.store.users import AccountError
from tests.accounts import token_of


def test_a_created_token_verifies_as_its_user_with_the_users_grants(sqlite_repo: Repository):
    token = token_of(sqlite_repo, "analyst", "dashboards", "growth")

    caller = sqlite_repo.verify_token(token)

    assert token.startswith("cal_") and len(token) > 40
    assert caller is not None
    assert (caller.name, caller.role_in("growth"), caller.role_in("finance")) == (
        "dashboards",
        "analyst",
        None,
    )


def test_only_the_hash_of_a_token_is_stored(sqlite_repo: Repository):
    token = token_of(sqlite_repo, "admin", "ci")

    with Session(sqlite_repo.engine) as session:
        stored = session.scalars(select(TokenRow.token_hash)).all()

    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_unknown_tampered_and_revoked_tokens_are_refused(sqlite_repo: Repository):
    token = token_of(sqlite_repo, "admin", "ci")
    record = sqlite_repo.verify_token(token)
    assert record is not None

    assert sqlite_repo.verify_token("cal_not-a-token") is None
    assert sqlite_repo.verify_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert sqlite_repo.revoke_token(record.token_id, actor="lead") is True
    assert sqlite_repo.verify_token(token) is None
    assert sqlite_repo.revoke_token(record.token_id, actor="lead") is False
    assert sqlite_repo.list_tokens()[0].revoked_at is not None


def test_token_writes_are_audited_without_the_token(sqlite_repo: Repository):
    sqlite_repo.accounts.create_user("bi", actor="lead")
    token = sqlite_repo.create_token("bi", actor="lead")
    sqlite_repo.revoke_token(sqlite_repo.list_tokens()[0].id, actor="lead")

    trail = sqlite_repo.audit(10)

    assert [(a.action, a.actor) for a in trail] == [
        ("token.revoke", "lead"),
        ("token.create", "lead"),
        ("user.create", "lead"),
    ]
    assert all(token not in str(a.detail) for a in trail)


def test_roles_are_viewer_analyst_owner_or_admin_and_admin_only_in_every_namespace(sqlite_repo: Repository):
    sqlite_repo.accounts.create_user("x")
    with pytest.raises(AccountError, match="unknown role `reader`"):
        sqlite_repo.accounts.grant("x", "*", "reader")  # type: ignore[arg-type]
    with pytest.raises(AccountError, match="admin is held in every namespace"):
        sqlite_repo.accounts.grant("x", "growth", "admin")
    with pytest.raises(AccountError, match="is not a namespace"):
        sqlite_repo.accounts.grant("x", "grow th", "owner")
    assert sqlite_repo.accounts.get_user("x").grants == ()  # type: ignore[union-attr]


def test_a_token_of_an_unknown_or_disabled_user_is_refused(sqlite_repo: Repository):
    token = token_of(sqlite_repo, "viewer", "leaver")
    assert sqlite_repo.verify_token(token) is not None
    with pytest.raises(AccountError, match="no user named `nobody`"):
        sqlite_repo.create_token("nobody")

    sqlite_repo.accounts.disable("leaver", actor="lead")

    assert sqlite_repo.verify_token(token) is None
    with pytest.raises(AccountError, match="disabled"):
        sqlite_repo.create_token("leaver")
    assert [a.action for a in sqlite_repo.audit(1)] == ["user.disable"]


def test_a_changed_grant_applies_to_the_next_request_of_an_existing_token(sqlite_repo: Repository):
    token = token_of(sqlite_repo, "analyst", "ann", "growth")
    sqlite_repo.accounts.grant("ann", "growth", "owner", actor="lead")
    sqlite_repo.accounts.grant("ann", "finance", "viewer", actor="lead")
    caller = sqlite_repo.verify_token(token)
    assert caller is not None and caller.may("approve", "growth") and not caller.may("publish", "finance")

    sqlite_repo.accounts.revoke("ann", "growth", actor="lead")

    caller = sqlite_repo.verify_token(token)
    assert caller is not None and not caller.may("publish", "growth") and caller.may("read")


def test_last_seen_is_written_at_most_once_a_minute_per_user(sqlite_repo: Repository):
    from datetime import UTC, datetime, timedelta

    token = token_of(sqlite_repo, "viewer", "ann")
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    sqlite_repo.verify_token(token)  # a first request moves it to now
    with Session(sqlite_repo.engine) as session:
        session.execute(text("UPDATE users SET last_seen_at = :at"), {"at": start})
        session.commit()
    for _ in range(20):
        sqlite_repo.accounts.verify_token(token, now=start + timedelta(seconds=30))

    seen = sqlite_repo.accounts.get_user("ann").last_seen_at  # type: ignore[union-attr]

    assert seen == start, "requests within the minute after a write write nothing"
