"""Fixtures for the service tests: an app on a temporary SQLite catalog, tokens, the small shop bundle."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import app.routers.compile as compile_router
from app.main import create_app
from app.settings import Settings
from catalog.store.repository import Repository
from catalog.store.roles import EVERY_NAMESPACE, Role
from tests.accounts import token_of

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "service"


def shop_files() -> dict[str, str]:
    """The shop definitions as a publish bundle: `{"shop/metrics.yaml": text, ...}`."""
    return {p.relative_to(SHOP).as_posix(): p.read_text("utf-8") for p in sorted(SHOP.rglob("*.yaml"))}


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on a fresh SQLite file; nothing is seeded and no warehouse is written unless asked."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'catalog.db'}",
        "warehouse_path": None,
        "defs_path": tmp_path / "no-defs",
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """`make_client(open_reads=False)` → a started TestClient; the app is `client.app`."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(settings_for(tmp_path, **overrides)), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def repo_of(client: TestClient) -> Repository:
    app = client.app
    assert isinstance(app, FastAPI)
    repo: Repository = app.state.repo
    return repo


def bearer(client: TestClient, role: Role = "analyst", namespace: str = EVERY_NAMESPACE) -> dict[str, str]:
    """Authorization header with a new token of the user `test-<role>` (`test-<role>-<namespace>`), who holds
    `role` in `namespace`."""
    user = f"test-{role}" if namespace == EVERY_NAMESPACE else f"test-{role}-{namespace}"
    return {"Authorization": f"Bearer {token_of(repo_of(client), role, user, namespace)}"}


@pytest.fixture
def published(client: TestClient) -> TestClient:
    """A client whose catalog holds the shop bundle at version 1."""
    response = client.post("/v1/publish", json={"files": shop_files()}, headers=bearer(client))
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every query that reached the compile router (the cache answers the others)."""
    seen: list[object] = []
    real = compile_router.compile_query

    def counting(query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return real(query, *args, **kwargs)

    monkeypatch.setattr(compile_router, "compile_query", counting)
    return seen


MARKER = "CALIBER-SECRET-51ac"
LEAK = """\
sources:
  leak: {{table: {table}, time: at, columns: {{at: date, secret: string}}}}
dimensions:
  leak_secret: {{source: leak, expr: secret, label: {{en: Secret, zh: 秘密}}}}
metrics:
  leak_rows:
    type: atomic
    source: leak
    agg: count
    label: {{en: Leak, zh: 泄露}}
    description: Rows.
    stage: revenue
    owner: mallory
"""


def leak_past_lint(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publish a source on a CSV holding the marker, with lint's table rule switched off: the warehouse
    connection is the only defence left."""
    monkeypatch.setattr("catalog.validate.table_problem", lambda *args: None)
    csv = tmp_path / "secret.csv"
    csv.write_text(f"at,secret\n2025-01-15,{MARKER}\n", "utf-8")
    files = {"files/leak.yaml": LEAK.format(table=csv)}
    published = client.post("/v1/publish", json={"files": files}, headers=bearer(client))
    assert published.status_code == 200, published.text
