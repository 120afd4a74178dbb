"""`POST /v1/lint` runs off the event loop, and applies the server's allow-list of schemas like publish does."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import bearer, repo_of, shop_files

SECONDS = 5


def test_the_event_loop_keeps_serving_while_a_lint_runs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lint holds its thread until another request has been answered: on the event loop it would
    block that request, and wait in vain."""
    entered = threading.Event()
    answered = threading.Event()
    waited: list[bool] = []
    repo = repo_of(client)
    real = repo.check

    def lint_until_answered(files: Any, *args: Any) -> Any:
        entered.set()
        waited.append(answered.wait(SECONDS))
        return real(files, *args)

    monkeypatch.setattr(repo, "check", lint_until_answered)

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://caliber") as http:
            linting = asyncio.create_task(http.post("/v1/lint", json={"files": shop_files()}))
            while not entered.is_set():
                await asyncio.sleep(0.01)
            health = await http.get("/healthz")
            answered.set()
            return health, await linting

    health, linted = asyncio.run(scenario())
    assert health.status_code == 200 and linted.status_code == 200, linted.text
    assert waited == [True]
    assert linted.json()["ok"] is True


def test_the_allow_list_refuses_other_schemas_at_lint_and_publish(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(allowed_schemas=frozenset({"mart"}))
    bundle = {"files": shop_files()}
    report = client.post("/v1/lint", json=bundle).json()
    assert report["ok"] is False
    assert {i["code"] for i in report["issues"] if i["level"] == "error"} == {"S008"}
    assert all("mart" in i["hint"] for i in report["issues"] if i["code"] == "S008")
    published = client.post("/v1/publish", json=bundle, headers=bearer(client))
    assert published.status_code == 422
    assert {e["code"] for e in published.json()["errors"]} == {"S008"}
    assert client.get("/v1/sources").json() == []


def test_without_an_allow_list_any_business_schema_is_accepted(client: TestClient) -> None:
    assert client.post("/v1/lint", json={"files": shop_files()}).json()["ok"] is True
