"""Test support: a user with one role and a token of it, in one call."""

from __future__ import annotations

from catalog.store import Repository
from catalog.store.roles import EVERY_NAMESPACE, Role


def token_of(repo: Repository, role: Role, user: str, namespace: str = EVERY_NAMESPACE) -> str:
    """A new token of `user`, created with the role `role` in `namespace` when it does not exist yet."""
    if repo.accounts.get_user(user) is None:
        repo.accounts.create_user(user, actor="test")
        repo.accounts.grant(user, namespace, role, actor="test")
    return repo.create_token(user, actor="test")
