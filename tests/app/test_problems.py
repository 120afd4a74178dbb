"""Bad input gets a coded `application/problem+json` answer, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.app.conftest import bearer, repo_of, shop_files

PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["errors"], body
    assert body["type"] == f"urn:caliber:problem:{body['errors'][0]['code']}"
    return body


def test_malformed_json_is_a_400_problem(client: TestClient) -> None:
    truncated = client.post(
        "/v1/compile", content=b'{"metrics": [', headers={"content-type": "application/json"}
    )
    body = problem(truncated, 400)
    assert body["errors"][0]["code"] == "H002"
    assert body["instance"] == "/v1/compile"


def test_unknown_field_is_named(published: TestClient) -> None:
    body = problem(published.post("/v1/compile", json={"metrics": ["gmv"], "colour": "red"}), 422)
    assert body["errors"][0] == {
        "code": "H001",
        "level": "error",
        "message": "unknown field `colour`",
        "location": "body.colour",
        "hint": "remove it; the request schema is in /openapi.json",
    }


def test_wrong_type_in_query_is_a_422(published: TestClient) -> None:
    body = problem(published.get("/v1/metrics", params={"limit": "many"}), 422)
    assert body["errors"][0]["location"] == "query.limit"


def test_malformed_yaml_is_reported_by_lint_and_rejected_by_publish(published: TestClient) -> None:
    bad = {"files": {"shop/broken.yaml": "metrics:\n  gmv: [unclosed\n"}}
    lint = published.post("/v1/lint", json=bad)
    assert lint.status_code == 200
    assert [i["code"] for i in lint.json()["issues"]] == ["Y001"]
    body = problem(published.post("/v1/publish", json=bad, headers=bearer(published)), 422)
    assert body["errors"][0]["code"] == "Y001"
    assert body["errors"][0]["location"].startswith("shop/broken.yaml:")


def test_publish_rejects_a_definition_error_with_its_location(published: TestClient) -> None:
    files = shop_files()
    files["shop/metrics.yaml"] = files["shop/metrics.yaml"].replace("source: orders", "source: order", 1)
    body = problem(published.post("/v1/publish", json={"files": files}, headers=bearer(published)), 422)
    assert "R001" in {e["code"] for e in body["errors"]}
    assert published.get("/v1/metrics/gmv/versions").json()[-1]["number"] == 1


def test_declared_oversized_body_is_refused_before_reading(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_body_bytes=2048)
    body = problem(client.post("/v1/lint", content=b"x" * 4096, headers={"content-type": "text/yaml"}), 413)
    assert body["errors"][0]["code"] == "H003"


def test_streamed_oversized_body_is_counted(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(8):
            yield b'{"files": {"a/b.yaml": "' + b"x" * 500

    for path in ("/v1/lint", "/v1/compile"):
        body = problem(client.post(path, content=chunks(), headers={"content-type": "application/json"}), 413)
        assert body["errors"][0]["code"] == "H003"


def test_body_under_the_limit_passes(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_body_bytes=2048)
    response = client.post("/v1/lint", content=b"metrics: {}\n", headers={"content-type": "text/yaml"})
    assert response.json()["ok"]


def test_unknown_metric_is_a_404_with_close_names(published: TestClient) -> None:
    body = problem(published.post("/v1/compile", json={"metrics": ["gmvv"]}), 404)
    assert body["errors"][0]["code"] == "E001"
    assert "'gmv'" in body["errors"][0]["hint"]
    body = problem(published.get("/v1/metrics/paid_order"), 404)
    assert "shop.paid_orders" in body["errors"][0]["hint"]


def test_unknown_dialect_is_a_422_with_close_names(published: TestClient) -> None:
    body = problem(published.get("/v1/compile", params={"metric": "gmv", "dialect": "postgress"}), 422)
    assert body["errors"][0]["code"] == "E004"
    assert "'postgres'" in body["errors"][0]["hint"]


def test_unknown_version_names_the_existing_ones(published: TestClient) -> None:
    body = problem(published.get("/v1/metrics/gmv/versions/7"), 404)
    assert body["errors"][0]["hint"] == "versions are 1 to 1"
    assert problem(published.get("/v1/metrics/gmv/diff", params={"from": 1, "to": 9}), 404)
    pinned = problem(published.post("/v1/compile", json={"metrics": ["gmv@9"]}), 422)
    assert pinned["errors"][0]["code"] == "E008"


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    assert problem(client.get("/v1/nothing"), 404)["errors"][0]["code"] == "H004"
    assert problem(client.delete("/v1/metrics"), 405)["errors"][0]["code"] == "H009"


def test_lint_refuses_an_unknown_media_type(client: TestClient) -> None:
    body = problem(client.post("/v1/lint", content=b"\x00", headers={"content-type": "image/png"}), 415)
    assert body["errors"][0]["location"] == "header.content-type"


def test_lint_refuses_a_body_that_is_not_utf8(client: TestClient) -> None:
    problem(client.post("/v1/lint", content=b"\xff\xfe", headers={"content-type": "text/yaml"}), 422)


def test_an_unexpected_error_becomes_a_500_problem(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(repo_of(client), "current_catalog", broken)
    body = problem(client.get("/v1/dimensions"), 500)
    assert body["errors"][0]["code"] == "H500"
    assert "on fire" not in str(body)  # internals stay in the server log


def test_a_time_range_mixing_naive_and_zoned_times_is_a_422(published: TestClient) -> None:
    # Found by the schemathesis run: comparing the two ends used to raise TypeError inside the query model.
    response = published.post(
        "/v1/compile",
        json={"metrics": ["gmv"], "time_range": {"start": "2025-01-01", "end": "2025-02-01T08:30:00+08:00"}},
    )
    assert response.status_code == 422, response.text
