"""Reads are open by default; writes need a bearer token whose role may do them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import bearer, shop_files


def test_publish_needs_a_token(client: TestClient) -> None:
    response = client.post("/v1/publish", json={"files": shop_files()})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["code"] == "H005"


def test_an_unknown_token_is_refused_even_where_none_is_needed(client: TestClient) -> None:
    headers = {"Authorization": "Bearer cal_not-a-real-token"}
    assert client.post("/v1/publish", json={"files": shop_files()}, headers=headers).status_code == 401
    assert client.get("/v1/metrics", headers=headers).status_code == 401
    assert client.post("/v1/compile", json={"metrics": ["gmv"]}, headers=headers).status_code == 401


def test_an_owner_publishes_and_deprecates_but_cannot_read_the_audit(client: TestClient) -> None:
    owner = bearer(client, "owner", "shop")
    assert client.post("/v1/publish", json={"files": shop_files()}, headers=owner).status_code == 200
    deprecated = client.post(
        "/v1/metrics/aov/deprecate", json={"reason": "use gmv / paid_orders"}, headers=owner
    )
    assert deprecated.status_code == 200, deprecated.text
    response = client.get("/v1/audit", headers=owner)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "H006"


def test_admin_reads_the_audit_with_the_user_name_as_actor(client: TestClient) -> None:
    client.post("/v1/publish", json={"files": shop_files()}, headers=bearer(client, "analyst"))
    response = client.get("/v1/audit", headers=bearer(client, "admin"))
    assert response.status_code == 200
    publishes = [r for r in response.json() if r["action"] == "publish"]
    assert [r["actor"] for r in publishes] == ["test-analyst"]


def test_closed_reads_need_a_token(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(open_reads=False)
    assert client.get("/v1/metrics").status_code == 401
    assert client.get("/v1/compile", params={"metric": "gmv"}).status_code == 401
    assert client.get("/v1/metrics", headers=bearer(client, "analyst")).status_code == 200


def test_openapi_declares_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `caliber token create --user NAME`; its user's roles: "
        "viewer, analyst, owner, admin.",
    }
    assert document["paths"]["/v1/publish"]["post"]["security"] == [{"HTTPBearer": []}]
    # Read routes take the token without a sub-dependency (app.deps.READ_SECURITY) and say so all the same.
    for path, method in [
        ("/v1/compile", "post"),
        ("/v1/compile", "get"),
        ("/v1/metrics/{key}", "get"),
        ("/v1/conflicts", "get"),
        ("/v1/dimensions", "get"),
    ]:
        assert document["paths"][path][method]["security"] == [{"HTTPBearer": []}], (path, method)


def _analyst_token(client: TestClient) -> str:
    return bearer(client, "analyst")["Authorization"].removeprefix("Bearer ")


def malformed_headers(token: str) -> dict[str, list[tuple[str, str]]]:
    """Authorization headers that are not exactly `Bearer <token>`, each around a valid token where there is
    one, so that only the form is wrong."""
    return {
        "basic": [("Authorization", "Basic dXNlcjpwYXNz")],
        "bare bearer": [("Authorization", "Bearer")],
        "bearer with an empty token": [("Authorization", "Bearer  ")],
        "token without a scheme": [("Authorization", token)],
        "two tokens": [("Authorization", f"Bearer {token} {token}")],
        "two headers": [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")],
        "empty header": [("Authorization", "")],
        "token with a quote": [("Authorization", f'Bearer "{token}"')],
    }


ROUTES = {
    "read": ("GET", "/v1/metrics/gmv", None),
    "compile": ("POST", "/v1/compile", {"metrics": ["gmv"]}),
    "write": ("POST", "/v1/publish", {"files": shop_files()}),
}


def assert_unauthorized(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["errors"][0]
    assert error["code"] == "H005"
    assert error["location"] == "header.authorization"
    assert "Bearer" in error["hint"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_malformed_authorization_header_is_refused_not_taken_as_anonymous(
    published: TestClient, route: str
) -> None:
    method, path, body = ROUTES[route]
    assert published.request(method, path, json=body).status_code == (401 if route == "write" else 200)
    for name, headers in malformed_headers(_analyst_token(published)).items():
        response = published.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (name, response.text)
        assert_unauthorized(response)


def test_a_malformed_header_is_refused_on_the_web_pages_and_lint_too(published: TestClient) -> None:
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert_unauthorized(published.get("/m/shop/gmv", headers=basic))
    assert_unauthorized(published.post("/v1/lint", json={"files": shop_files()}, headers=basic))


def test_the_bearer_scheme_is_case_insensitive(published: TestClient) -> None:
    token = _analyst_token(published)
    for scheme in ("bearer", "BEARER", "Bearer"):
        response = published.get("/v1/metrics/gmv", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, (scheme, response.text)


def test_an_unknown_token_is_a_401_problem_with_a_hint(published: TestClient) -> None:
    response = published.get("/v1/metrics/gmv", headers={"Authorization": "Bearer cal_unknown"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["errors"][0]
    assert (error["code"], error["message"]) == ("H005", "the bearer token is unknown or revoked")
    assert "caliber token create" in error["hint"]


def test_healthz_tells_the_metric_count_only_to_those_who_may_read(
    make_client: Callable[..., TestClient],
) -> None:
    opened = make_client()
    opened.post("/v1/publish", json={"files": shop_files()}, headers=bearer(opened))
    closed = make_client(open_reads=False)  # the same catalog file, served with closed reads

    assert opened.get("/healthz").json() == {"status": "ok", "metrics": 4}
    anonymous = closed.get("/healthz")
    assert (anonymous.status_code, anonymous.json()) == (200, {"status": "ok"})
    assert closed.get("/healthz", headers=bearer(closed, "viewer")).json() == {"status": "ok", "metrics": 4}
    assert_unauthorized(closed.get("/healthz", headers={"Authorization": "Basic dXNlcjpwYXNz"}))


VERSION_FIELDS = {"number", "status", "author", "note", "created_at", "content_hash", "semantic_hash"}
"""Nothing else of the token (its id, role, dates) is shown with a version."""


def test_version_authors_are_token_names_shown_to_whoever_may_read(
    make_client: Callable[..., TestClient],
) -> None:
    # docs/service.md, "What is public": the name given to a token is the author of what it publishes.
    opened = make_client()
    opened.post("/v1/publish", json={"files": shop_files()}, headers=bearer(opened, "analyst"))
    closed = make_client(open_reads=False)  # the same catalog file, served with closed reads

    anonymous = opened.get("/v1/metrics/gmv/versions").json()
    assert [v["author"] for v in anonymous] == ["test-analyst"]
    assert set(anonymous[0]) == VERSION_FIELDS
    assert closed.get("/v1/metrics/gmv/versions").status_code == 401
    reader = closed.get("/v1/metrics/gmv/versions", headers=bearer(closed, "viewer")).json()
    assert [v["author"] for v in reader] == ["test-analyst"]
