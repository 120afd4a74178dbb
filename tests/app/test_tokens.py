"""`GET /v1/tokens` and `DELETE /v1/tokens/{id}`: admins list and revoke tokens; a revoked token fails at once."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from catalog.store.tokens import token_hash
from tests.app.conftest import bearer, repo_of, shop_files
from tests.app.test_response_cache import QUERY

TOKEN_FIELDS = {"id", "name", "user", "created_at", "revoked_at"}


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_an_admin_lists_every_token_without_its_secret(client: TestClient) -> None:
    admin = bearer(client, "admin")
    reader = bearer(client, "viewer")

    response = client.get("/v1/tokens", headers=admin)

    assert response.status_code == 200
    listed = response.json()
    assert [(t["name"], t["user"], t["revoked_at"]) for t in listed] == [
        ("test-admin", "test-admin", None),
        ("test-viewer", "test-viewer", None),
    ]
    assert all(set(t) == TOKEN_FIELDS for t in listed)
    for secret in (_token(admin), _token(reader)):
        assert secret not in response.text and token_hash(secret) not in response.text


def test_an_admin_revokes_a_token_which_fails_at_once_and_the_revocation_is_audited(
    client: TestClient,
) -> None:
    admin = bearer(client, "admin")
    reader = bearer(client, "viewer")
    assert client.get("/v1/metrics", headers=reader).status_code == 200
    reader_id = next(t.id for t in repo_of(client).list_tokens() if t.user == "test-viewer")

    revoked = client.delete(f"/v1/tokens/{reader_id}", headers=admin)

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["name"] == "test-viewer" and revoked.json()["revoked_at"] is not None
    assert client.get("/v1/metrics", headers=reader).status_code == 401
    trail = client.get("/v1/audit", headers=admin).json()
    assert [(a["action"], a["actor"], a["target"]) for a in trail if a["action"] == "token.revoke"] == [
        ("token.revoke", "test-admin", f"token:{reader_id}")
    ]
    assert all(_token(reader) not in str(a) for a in trail)


def test_revoking_twice_changes_nothing_more_and_an_unknown_id_is_a_404(client: TestClient) -> None:
    admin = bearer(client, "admin")
    bearer(client, "viewer")
    reader_id = repo_of(client).list_tokens()[-1].id
    first = client.delete(f"/v1/tokens/{reader_id}", headers=admin)
    second = client.delete(f"/v1/tokens/{reader_id}", headers=admin)
    assert first.status_code == second.status_code == 200
    assert first.json()["revoked_at"] == second.json()["revoked_at"]
    assert [a.action for a in repo_of(client).audit(10)].count("token.revoke") == 1

    missing = client.delete("/v1/tokens/999", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "H004"


def test_only_an_admin_lists_or_revokes_tokens(client: TestClient) -> None:
    bearer(client, "admin")
    admin_id = repo_of(client).list_tokens()[0].id
    for role in ("viewer", "analyst", "owner"):
        headers = bearer(client, role)
        assert client.get("/v1/tokens", headers=headers).status_code == 403
        assert client.delete(f"/v1/tokens/{admin_id}", headers=headers).status_code == 403
    assert client.get("/v1/tokens").status_code == 401
    assert client.delete(f"/v1/tokens/{admin_id}").status_code == 401
    assert repo_of(client).list_tokens()[0].revoked_at is None


def test_a_revoked_token_is_refused_even_for_an_answer_cached_before_the_revocation(
    published: TestClient, compiles: list[object]
) -> None:
    admin = bearer(published, "admin")
    reader = bearer(published, "viewer")
    reader_id = repo_of(published).list_tokens()[-1].id

    def ask(headers: dict[str, str] | None = None) -> tuple[int, int]:
        return (
            published.get("/v1/metrics/gmv", headers=headers).status_code,
            published.post("/v1/compile", json=QUERY, headers=headers).status_code,
        )

    assert ask() == ask() == ask(reader) == (200, 200)
    assert len(compiles) == 2  # the second anonymous compile came from the response cache

    assert published.delete(f"/v1/tokens/{reader_id}", headers=admin).status_code == 200

    assert ask(reader) == (401, 401)
    assert ask() == (200, 200)
    assert len(compiles) == 2


def test_a_revoked_token_is_refused_at_once_when_reads_are_closed(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(open_reads=False)
    admin = bearer(client, "admin")
    client.post("/v1/publish", json={"files": shop_files()}, headers=admin)
    reader = bearer(client, "viewer")
    reader_id = repo_of(client).list_tokens()[-1].id
    assert [client.post("/v1/compile", json=QUERY, headers=reader).status_code for _ in range(2)] == [
        200,
        200,
    ]

    client.delete(f"/v1/tokens/{reader_id}", headers=admin)

    assert client.post("/v1/compile", json=QUERY, headers=reader).status_code == 401
