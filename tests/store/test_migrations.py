"""Alembic migrations: from an empty database up to head, down to base and up again, on SQLite and
PostgreSQL; at head the tables match the models exactly."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from catalog.store import Repository
from catalog.store.models import Base
from catalog.store.repository import MIGRATIONS
from catalog.store.tokens import token_hash
from tests.accounts import token_of

TABLES = {
    "namespaces",
    "definitions",
    "versions",
    "audit_log",
    "tokens",
    "catalog_state",
    "users",
    "grants",
    "reviews",
    "alembic_version",
}


def _tables(repo: Repository) -> set[str]:
    return set(inspect(repo.engine).get_table_names())


def _drift(repo: Repository) -> list[object]:
    with repo.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_upgrade_downgrade_upgrade(repo: Repository, bundle: dict[str, str]):
    # `repo` arrives upgraded to head.
    assert _tables(repo) == TABLES
    assert _drift(repo) == []
    repo.publish(bundle, author="ann")

    repo.downgrade("base")
    assert _tables(repo) == {"alembic_version"}

    repo.upgrade()
    assert _tables(repo) == TABLES
    assert repo.counts()["versions"] == 0
    assert len(repo.publish(bundle, author="ann").created) == 9


def test_upgrade_at_head_is_a_no_op(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")

    repo.upgrade()

    assert repo.counts()["versions"] == 9


def test_the_migrations_ship_inside_the_package():
    """`Repository.upgrade()` reads them next to the code, so an installed wheel migrates too:
    `catalog/store/migrations` links to the root `migrations/`; pyproject's package-data ships each file."""
    root = Path(__file__).resolve().parents[2]
    package = root / "catalog"
    assert MIGRATIONS.parent == package / "store" and MIGRATIONS.resolve() == root / "migrations"
    shipped = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = [
        p.relative_to(package).as_posix()
        for p in MIGRATIONS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert {"store/migrations/env.py", "store/migrations/versions/0002_catalog_state.py"} <= set(files)
    assert [f for f in files if not any(fnmatch(f, glob) for glob in shipped["catalog"])] == []


def test_upgrading_a_store_with_versions_starts_a_new_revision(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")
    before = repo.revision()

    repo.downgrade("0001_initial")
    assert "catalog_state" not in _tables(repo) and repo.counts()["versions"] == 9
    repo.upgrade()

    epoch, counter = repo.revision().split(":")
    assert counter == "9" and epoch != before.split(":")[0]
    assert len(repo.current_catalog().catalog.metrics) == 5


def _round_one_tokens(repo: Repository) -> dict[str, str]:
    """Tokens as round 1 stored them (a role on the token), written at revision 0002; name → secret."""
    repo.downgrade("0002_catalog_state")
    secrets = {}
    with repo.engine.begin() as connection:
        for i, (name, role) in enumerate(
            [("bi", "reader"), ("ann", "analyst"), ("ops", "admin"), ("ci", "admin"), ("ci", "reader")]
        ):
            secret = f"cal_round_one_{i}"
            secrets[f"{name}/{role}"] = secret
            connection.execute(
                text("INSERT INTO tokens (name, role, token_hash, created_at) VALUES (:n, :r, :h, :at)"),
                {"n": name, "r": role, "h": token_hash(secret), "at": datetime(2026, 1, 1, tzinfo=UTC)},
            )
    return secrets


def test_round_one_tokens_become_users_with_their_role_in_every_namespace(
    repo: Repository, bundle: dict[str, str]
):
    repo.publish(bundle, author="ann")
    secrets = _round_one_tokens(repo)

    repo.upgrade()

    assert _drift(repo) == []
    roles = {u.name: [(g.namespace, g.role) for g in u.grants] for u in repo.accounts.list_users()}
    assert roles == {
        "bi": [("*", "viewer")],
        "ann": [("*", "analyst")],
        "ops": [("*", "admin")],
        "ci-admin": [("*", "admin")],
        "ci-reader": [("*", "viewer")],
    }
    callers = {k: repo.verify_token(v) for k, v in secrets.items()}
    assert {k: (c.name if c else None) for k, c in callers.items()} == {
        "bi/reader": "bi",
        "ann/analyst": "ann",
        "ops/admin": "ops",
        "ci/admin": "ci-admin",
        "ci/reader": "ci-reader",
    }
    assert callers["ann/analyst"].may("publish", "shop") and not callers["ann/analyst"].may("approve", "shop")  # type: ignore[union-attr]
    assert repo.counts()["versions"] == 9


def test_downgrading_users_gives_tokens_back_their_round_one_role(repo: Repository):
    secrets = _round_one_tokens(repo)
    repo.upgrade()
    repo.accounts.grant("ann", "shop", "owner", actor="lead")
    repo.accounts.disable("bi", actor="lead")

    repo.downgrade("0002_catalog_state")

    with repo.engine.connect() as connection:
        rows = connection.execute(text("SELECT token_hash, role, revoked_at FROM tokens")).all()
    by_hash = {h: (role, revoked is not None) for h, role, revoked in rows}
    assert {k: by_hash[token_hash(v)] for k, v in secrets.items()} == {
        "bi/reader": ("reader", True),
        "ann/analyst": ("analyst", False),
        "ops/admin": ("admin", False),
        "ci/admin": ("admin", False),
        "ci/reader": ("reader", False),
    }
    assert {"users", "grants"}.isdisjoint(_tables(repo))
    repo.upgrade()
    assert (
        repo.verify_token(secrets["ann/analyst"]) is not None
        and repo.verify_token(secrets["bi/reader"]) is None
    )


def test_downgrading_reviews_drops_versions_that_never_went_live(
    repo: Repository, bundle: dict[str, str], edit
):  # type: ignore[no-untyped-def]
    repo.publish(bundle, author="ann")
    token = token_of(repo, "analyst", "ann")
    caller = repo.verify_token(token)
    changed = edit(bundle, "shop/orders.yaml", "Sum of paid order amounts", "Sum of the paid order amounts")
    proposed = repo.publish(changed, author="ann", actor=caller)
    assert proposed.proposed and repo.counts()["versions"] == 9 + len(proposed.proposed)

    repo.downgrade("0003_users")

    assert repo.counts()["versions"] == 9 and "reviews" not in _tables(repo)
    repo.upgrade()
    assert len(repo.publish(changed, author="system").created) == len(proposed.proposed)
