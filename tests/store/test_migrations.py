"""Alembic migrations: from an empty database up to head, down to base and up again, on SQLite and
PostgreSQL; at head the tables match the models exactly."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalog.store import Repository
from catalog.store.models import Base
from catalog.store.repository import MIGRATIONS

TABLES = {"namespaces", "definitions", "versions", "audit_log", "tokens", "catalog_state", "alembic_version"}


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
