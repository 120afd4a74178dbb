"""`GET /v1/conflicts` (app/routers/conflicts.py): the conflict report of the current catalog."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalog.compare import conflicts
from catalog.model import Catalog
from tests.app.conftest import bearer
from tests.compare.conftest import SOURCES, metric

BUYERS = "type: atomic, source: orders, agg: count_distinct, expr: user_id, filter: \"status = 'paid'\""
SAME_BUYERS = (
    "type: atomic, source: orders, agg: count_distinct, expr: User_Id, filter: \"status IN ('paid')\""
)


def _publish_duplicates(client: TestClient) -> None:
    files = {
        "common/sources.yaml": SOURCES,
        "finance/m.yaml": "metrics:\n" + metric("buyers", BUYERS, extra=", standard: true"),
        "ops/m.yaml": "metrics:\n" + metric("customers", SAME_BUYERS),
    }
    response = client.post("/v1/publish", json={"files": files}, headers=bearer(client, "owner"))
    assert response.status_code == 200, response.text


def test_duplicates_of_the_current_catalog_are_listed_and_explained(client: TestClient) -> None:
    _publish_duplicates(client)
    body = client.get("/v1/conflicts").json()
    assert body["summary"] == {
        "conflict": 0,
        "duplicate": 1,
        "standard_override_missing": 0,
        "override_invalid": 0,
    }
    [finding] = body["findings"]
    assert (finding["kind"], finding["left"], finding["right"]) == (
        "duplicate",
        "finance.buyers",
        "ops.customers",
    )
    assert finding["hint"] == "reuse finance.buyers instead of defining the same caliber again"
    assert set(finding["left_location"]) == {"file", "line", "col"}


def test_filters(client: TestClient) -> None:
    _publish_duplicates(client)
    assert len(client.get("/v1/conflicts", params={"metric": "ops.customers"}).json()["findings"]) == 1
    assert client.get("/v1/conflicts", params={"metric": "finance.other"}).json()["findings"] == []
    assert client.get("/v1/conflicts", params={"kind": "conflict"}).json()["findings"] == []
    assert client.get("/v1/conflicts", params={"kind": "loud"}).status_code == 422


def test_an_empty_catalog_has_no_findings(client: TestClient) -> None:
    assert client.get("/v1/conflicts").json() == {
        "findings": [],
        "summary": {"conflict": 0, "duplicate": 0, "standard_override_missing": 0, "override_invalid": 0},
    }


def test_conflicts_are_found_once_per_catalog_revision(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish_duplicates(client)
    calls: list[object] = []
    real = conflicts.find_conflicts

    def counting(catalog: Catalog) -> list[conflicts.Finding]:
        calls.append(catalog)
        return real(catalog)

    monkeypatch.setattr(conflicts, "find_conflicts", counting)
    for _ in range(3):
        assert len(client.get("/v1/conflicts").json()["findings"]) == 1
        assert len(client.get("/v1/metrics/ops.customers").json()["conflicts"]) == 1
    assert len(calls) == 1  # by the lint of the new revision's catalog; the requests reuse its findings
    deprecated = client.post(
        "/v1/metrics/ops.customers/deprecate", json={"reason": "x"}, headers=bearer(client, "owner")
    )
    assert deprecated.status_code == 200, deprecated.text
    client.get("/v1/conflicts")
    client.get("/v1/conflicts")
    assert len(calls) == 2


def test_a_metric_lists_the_conflicts_of_its_own_key_only(client: TestClient) -> None:
    files = {
        "common/sources.yaml": SOURCES,
        "finance/m.yaml": "metrics:\n" + metric("buyers", BUYERS, extra=", standard: true"),
        "ops/m.yaml": "metrics:\n"
        + metric("customers", SAME_BUYERS)
        + metric("customers_all", "type: atomic, source: orders, agg: count_distinct, expr: user_id"),
    }
    response = client.post("/v1/publish", json={"files": files}, headers=bearer(client, "owner"))
    assert response.status_code == 200, response.text
    assert [c["code"] for c in client.get("/v1/metrics/ops.customers").json()["conflicts"]] == ["C002"]
    assert client.get("/v1/metrics/ops.customers_all").json()["conflicts"] == []
