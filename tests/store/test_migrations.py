"""Alembic migrations: from an empty database up to head, down to base and up again, on SQLite and
PostgreSQL; at head the tables match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalog.store import Repository
from catalog.store.models import Base

TABLES = {"namespaces", "definitions", "versions", "audit_log", "tokens", "alembic_version"}


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
