"""Store fixtures: a fresh, migrated catalog database per test, on SQLite and on PostgreSQL.

PostgreSQL (127.0.0.1:5432, user postgres) must be running: a test that needs it fails when it is down.
Each test gets a throwaway database `caliber_test_<random>`, dropped afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from catalog.store import Repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "store"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def fixture_bundle() -> dict[str, str]:
    """The fixture tree as a publish bundle: `{"shop/orders.yaml": text}`."""
    return {
        str(p.relative_to(FIXTURES)): p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.yaml"))
    }


def _edit(bundle: dict[str, str], file: str, old: str, new: str) -> dict[str, str]:
    assert bundle[file].count(old) == 1, f"{old!r} must occur once in {file}"
    return {**bundle, file: bundle[file].replace(old, new)}


Edit = Callable[[dict[str, str], str, str, str], dict[str, str]]


def postgres_database(prefix: str) -> Iterator[str]:
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def bundle() -> dict[str, str]:
    return fixture_bundle()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def edit() -> Edit:
    """`edit(bundle, file, old, new)`: a copy of `bundle` with one exact text replacement in `file`."""
    return _edit


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_database("caliber_test")


@pytest.fixture
def sqlite_repo(sqlite_url: str) -> Iterator[Repository]:
    repo = Repository.from_url(sqlite_url)
    repo.upgrade()
    yield repo
    repo.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """A migrated, empty store on each database the service supports."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path / 'catalog.db'}"])
    else:
        urls = postgres_database("caliber_test")
    url = next(urls)
    store = Repository.from_url(url)
    store.upgrade()
    yield store
    store.engine.dispose()
    next(urls, None)  # drops the PostgreSQL database
