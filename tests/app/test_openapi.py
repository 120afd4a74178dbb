"""The OpenAPI document tells the truth: its examples work on the bundled catalog, and every status the
service answers, 401 and 403 included, is documented on the operation that answers it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from tests.accounts import token_of
from tests.app.conftest import bearer, settings_for

DEFS = Path(__file__).resolve().parents[2] / "metric_defs"

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "metric_defs"
# Writes go last so the reads see the catalog as started; deprecation before publishing is arbitrary; the
# token revocation of the example goes last of all.
METHOD_ORDER = {"get": 0, "post": 1, "delete": 2}


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A started server on the bundled `metric_defs/` and the demo warehouse, where finance.gmv has a
    second version (a reworded description), so the version and diff examples have something to show."""
    tmp = tmp_path_factory.mktemp("openapi")
    settings = settings_for(tmp, defs_path=BUNDLED, warehouse_path=tmp / "demo.duckdb", demo_rows=100)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        revenue = (BUNDLED / "finance" / "revenue.yaml").read_text("utf-8")
        reworded = revenue.replace("Sum of the amount paid", "Sum of the amounts paid", 1)
        assert reworded != revenue
        app = client.app
        assert isinstance(app, FastAPI)
        assert app.state.repo.publish({"finance/revenue.yaml": reworded}, author="test").created
        yield client


def document(client: TestClient) -> dict[str, Any]:
    app = client.app
    assert isinstance(app, FastAPI)
    return app.openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]
    return sorted(found, key=lambda found: METHOD_ORDER[found[1]])


def example_parameters(operation: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The path parameters filled in and the query parameters, each from its first example."""
    path_values: dict[str, Any] = {}
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        examples = parameter["schema"].get("examples") or [parameter.get("example")]
        if examples[0] is None:
            assert not parameter.get("required"), f"required parameter {parameter['name']} has no example"
            continue
        (path_values if parameter["in"] == "path" else query)[parameter["name"]] = examples[0]
    return path_values, query


def example_bodies(doc: dict[str, Any], operation: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(name, media type, value) for every request body example, however it is written."""
    bodies: list[tuple[str, str, Any]] = []
    for media, content in operation.get("requestBody", {}).get("content", {}).items():
        schema = content.get("schema", {})
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        bodies += [(f"{media} {name}", media, e["value"]) for name, e in content.get("examples", {}).items()]
        if "example" in content:
            bodies.append((f"{media} example", media, content["example"]))
        bodies += [
            (f"{media} schema example {i}", media, v) for i, v in enumerate(schema.get("examples", []))
        ]
    return bodies


def call(
    client: TestClient,
    method: str,
    path: str,
    operation: dict[str, Any],
    body: tuple[str, Any] | None,
    headers: dict[str, str],
) -> Any:
    path_values, query = example_parameters(operation)
    url = path.format(**path_values)
    if body is None:
        return client.request(method, url, params=query, headers=headers)
    media, value = body
    if media == "application/json":
        return client.request(method, url, params=query, json=value, headers=headers)
    return client.request(
        method, url, params=query, content=str(value).encode(), headers={**headers, "Content-Type": media}
    )


def _propose_two_changes(repo: Any) -> None:
    analyst = repo.verify_token(token_of(repo, "analyst", "example-analyst"))
    text = (DEFS / "finance" / "revenue.yaml").read_text("utf-8")
    for old in ("Number of paid orders (", "Distinct users with at least"):
        changed = text.replace(old, f"Proposed, {old}", 1)
        assert repo.publish({"finance/revenue.yaml": changed}, "example-analyst", actor=analyst).proposed


def test_every_example_of_the_openapi_document_works_on_the_bundled_catalog(bundled: TestClient) -> None:
    doc = document(bundled)
    admin = bearer(bundled, "admin")
    repo = bundled.app.state.repo  # type: ignore[attr-defined]
    while max(t.id for t in repo.list_tokens()) < 3:  # the token the DELETE example revokes
        token_of(repo, "viewer", "example-target")
    _propose_two_changes(repo)  # reviews 1 and 2, which the approve and reject examples decide
    ran: list[str] = []
    for path, method, operation in operations(doc):
        bodies = example_bodies(doc, operation)
        if "requestBody" in operation:
            assert bodies, f"{method.upper()} {path} has a request body but no example"
        for name, media, value in bodies or [("no body", "", None)]:
            response = call(bundled, method, path, operation, (media, value) if media else None, admin)
            label = f"{method.upper()} {path} ({name})"
            assert 200 <= response.status_code < 300, f"{label}: {response.status_code} {response.text}"
            ran.append(label)
    assert any("/v1/compile" in label and "post" in label.lower() for label in ran)
    assert len(ran) >= 20, ran


def test_the_examples_name_metrics_the_bundled_catalog_has(bundled: TestClient) -> None:
    doc = document(bundled)
    example = doc["paths"]["/v1/compile"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    compiled = bundled.post("/v1/compile", json=example["monthly"]["value"]).json()
    assert compiled["metrics"] == ["finance.gmv", "finance.paid_orders@1"]
    found = bundled.get("/v1/metrics", params=example_parameters(doc["paths"]["/v1/metrics"]["get"])[1])
    assert found.json()["total"] >= 1, "the search example finds nothing"


def test_linting_the_lint_example_reports_no_error_on_the_bundled_catalog(bundled: TestClient) -> None:
    doc = document(bundled)
    operation = doc["paths"]["/v1/lint"]["post"]
    for _name, media, value in example_bodies(doc, operation):
        report = call(bundled, "post", "/v1/lint", operation, (media, value), {}).json()
        assert report["ok"] and report["issues"] == [], (media, report)


@pytest.mark.parametrize(
    ("headers", "role"), [({}, None), ({"Authorization": "Bearer not-a-token"}, None), ({}, "analyst")]
)
def test_every_status_the_service_answers_is_documented(
    tmp_path: Path, headers: dict[str, str], role: str | None
) -> None:
    """Reads closed, so a missing token is a 401 everywhere but /healthz; an analyst gets 403 on admin routes."""
    settings = settings_for(tmp_path, defs_path=BUNDLED, open_reads=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        doc = document(client)
        sent = {**headers, **(bearer(client, role) if role else {})}
        answered = set()
        for path, method, operation in operations(doc):
            bodies = example_bodies(doc, operation)
            body = (bodies[0][1], bodies[0][2]) if bodies else None
            status = call(client, method, path, operation, body, sent).status_code
            assert str(status) in operation["responses"], f"{method.upper()} {path} answered {status}"
            answered.add(status)
    assert (401 in answered) == (role is None)
    assert (403 in answered) == (role == "analyst")


def test_options_names_every_method_of_a_path(bundled: TestClient) -> None:
    response = bundled.options("/v1/compile")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"


def test_a_method_not_allowed_names_every_method_of_the_path(bundled: TestClient) -> None:
    response = bundled.delete("/v1/compile")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, OPTIONS, POST"
    assert response.json()["errors"][0]["code"] == "H009"


@pytest.mark.parametrize("limit", [True, 1.5, "10"])
def test_a_row_limit_that_is_not_an_integer_is_refused(bundled: TestClient, limit: object) -> None:
    response = bundled.post("/v1/compile", json={"metrics": ["gmv"], "limit": limit})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.limit"


def test_the_docs_page_loads_its_assets_and_icon_from_the_service(bundled: TestClient) -> None:
    html = bundled.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert bundled.get(asset).status_code == 200, asset
    assert "validatorUrl" in html and "validator.swagger.io" not in html


def test_the_favicon_is_served(bundled: TestClient) -> None:
    icon = bundled.get("/favicon.ico")
    assert (icon.status_code, icon.headers["content-type"]) == (200, "image/x-icon")
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
