"""`POST /v1/query`: the compiled query runs on the service's warehouse and returns the same rows as a
hand-written query over the same file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from app.warehouse import WarehouseError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(make_client: Callable[..., TestClient], tmp_path: Path) -> tuple[TestClient, Path]:
    warehouse = tmp_path / "demo.duckdb"
    client = make_client(defs_path=ROOT / "metric_defs", warehouse_path=warehouse, demo_rows=2000)
    return client, warehouse


def test_gmv_by_month_matches_a_hand_written_query(served: tuple[TestClient, Path]) -> None:
    client, warehouse = served
    response = client.post(
        "/v1/query", json={"metrics": ["gmv", "paid_orders"], "grain": "month", "order_by": ["metric_time"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["metric_time", "gmv", "paid_orders"] and not body["truncated"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = con.execute("""
            SELECT CAST(date_trunc('month', paid_at) AS DATE), SUM(amount), COUNT(*)
            FROM dw.fact_orders WHERE status IN ('paid', 'refunded')
            GROUP BY 1 ORDER BY 1""").fetchall()
    assert [row[0] for row in body["rows"]] == [day.isoformat() for day, _, _ in expected]
    assert [row[1] for row in body["rows"]] == pytest.approx([float(total) for _, total, _ in expected])
    assert [row[2] for row in body["rows"]] == [count for _, _, count in expected]
    assert "fact_orders" in body["sql"]


def test_the_dialect_asked_for_is_ignored_the_warehouse_is_duckdb(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    response = client.post("/v1/query", json={"metrics": ["gmv"], "dialect": "hive"})
    assert response.status_code == 200, response.text
    assert len(response.json()["rows"]) == 1


def test_an_unknown_metric_is_a_404_with_close_names(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    response = client.post("/v1/query", json={"metrics": ["gmvv"]})
    assert response.status_code == 404
    assert "gmv" in response.text


def test_without_a_warehouse_the_endpoint_says_so(client: TestClient) -> None:
    response = client.post("/v1/query", json={"metrics": ["gmv"]})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "CALIBER_WAREHOUSE_PATH" in response.text


def test_the_warehouse_cannot_be_written_through_the_service(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    with pytest.raises(WarehouseError, match=r"read-only|Cannot execute"):
        warehouse.run("CREATE TABLE dw.x (a INT)")
