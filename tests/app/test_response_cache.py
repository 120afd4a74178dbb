"""`app.response_cache`: repeated reads come from memory, and only while the catalog revision is the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from tests.app.conftest import bearer, repo_of, settings_for, shop_files

QUERY = {
    "metrics": ["gmv", "paid_orders"],
    "dimensions": ["channel"],
    "grain": "month",
    "dialect": "postgres",
}


def test_a_repeated_compile_is_answered_from_memory_with_the_same_bytes(
    published: TestClient, compiles: list[object]
) -> None:
    first = published.post("/v1/compile", json=QUERY)
    second = published.post("/v1/compile", json=QUERY)
    assert first.status_code == second.status_code == 200
    assert (second.content, second.headers["content-type"]) == (first.content, first.headers["content-type"])
    assert len(compiles) == 1
    published.post("/v1/compile", json={**QUERY, "dialect": "hive"})
    published.get("/v1/compile", params={"metric": "gmv", "dialect": "postgres"})
    published.get("/v1/compile", params={"metric": "gmv", "dialect": "postgres"})
    assert len(compiles) == 3


def test_a_new_version_is_seen_by_the_next_request(published: TestClient) -> None:
    assert published.get("/v1/metrics/gmv").json()["warnings"] == []
    published.post(
        "/v1/metrics/gmv/deprecate", json={"reason": "use net_gmv"}, headers=bearer(published, "owner")
    )
    detail = published.get("/v1/metrics/gmv").json()
    assert (detail["version"], detail["warnings"]) == (2, ["metric shop.gmv is deprecated: use net_gmv"])


def test_a_write_by_another_worker_is_seen_by_the_next_request(published: TestClient, tmp_path: Path) -> None:
    # Two apps on one database stand for two worker processes: neither can tell the other that it wrote.
    other = TestClient(create_app(settings_for(tmp_path)))
    with other:
        assert published.post("/v1/compile", json=QUERY).json()["warnings"] == []
        other.post(
            "/v1/metrics/gmv/deprecate", json={"reason": "use net_gmv"}, headers=bearer(other, "owner")
        )
    assert published.post("/v1/compile", json=QUERY).json()["warnings"] == ["metric shop.gmv is deprecated"]


def test_errors_are_never_kept(published: TestClient, compiles: list[object]) -> None:
    unknown = {**QUERY, "metrics": ["gmvv"]}
    assert [published.post("/v1/compile", json=unknown).status_code for _ in range(2)] == [404, 404]
    assert len(compiles) == 2


def test_a_request_with_a_token_is_always_checked(published: TestClient, compiles: list[object]) -> None:
    headers = bearer(published)
    assert published.post("/v1/compile", json=QUERY, headers=headers).status_code == 200
    repo_of(published).revoke_token(repo_of(published).list_tokens()[-1].id)
    assert published.post("/v1/compile", json=QUERY, headers=headers).status_code == 401
    assert len(compiles) == 1


def test_nothing_is_kept_when_reads_need_a_token(
    make_client: Callable[..., TestClient], compiles: list[object]
) -> None:
    client = make_client(open_reads=False)
    headers = bearer(client)
    assert client.post("/v1/publish", json={"files": shop_files()}, headers=headers).status_code == 200
    assert [client.post("/v1/compile", json=QUERY).status_code for _ in range(2)] == [401, 401]
    assert client.post("/v1/compile", json=QUERY, headers=headers).status_code == 200
    assert client.post("/v1/compile", json=QUERY, headers=headers).status_code == 200
    assert len(compiles) == 2
