"""Reads are open by default; writes need a bearer token whose role may do them."""

from __future__ import annotations

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


def test_analyst_publishes_and_deprecates_but_cannot_read_the_audit(client: TestClient) -> None:
    analyst = bearer(client, "analyst")
    assert client.post("/v1/publish", json={"files": shop_files()}, headers=analyst).status_code == 200
    deprecated = client.post(
        "/v1/metrics/aov/deprecate", json={"reason": "use gmv / paid_orders"}, headers=analyst
    )
    assert deprecated.status_code == 200, deprecated.text
    response = client.get("/v1/audit", headers=analyst)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "H006"


def test_admin_reads_the_audit_with_the_token_name_as_actor(client: TestClient) -> None:
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
        "description": "A token from `caliber token create --role analyst|admin`.",
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
