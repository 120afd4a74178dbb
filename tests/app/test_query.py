"""`POST /v1/query`: the compiled query runs on the service's warehouse and returns the same rows as a
hand-written query over the same file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from app.warehouse import LOCKED_DOWN, WarehouseError
from catalog.compile import CompiledQuery
from tests.app.conftest import MARKER, leak_past_lint

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
    # One DuckDB instance per file and process: this connection must take the service's settings.
    with duckdb.connect(str(warehouse), read_only=True, config=dict(LOCKED_DOWN)) as con:
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


def test_a_source_on_a_file_that_passed_lint_still_cannot_be_read(
    served: tuple[TestClient, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = served
    leak_past_lint(client, tmp_path, monkeypatch)
    for body in (
        {"metrics": ["files.leak_rows"], "dimensions": ["files.leak_secret"]},
        {"metrics": ["files.leak_rows"], "grain": "month"},
    ):
        response = client.post("/v1/query", json=body)
        assert response.status_code == 422, response.text
        assert MARKER not in response.text
        error = response.json()["errors"][0]
        assert error["code"] == "H010" and "disabled by configuration" in error["message"]


def test_a_result_over_the_row_cap_is_cut_and_says_so(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(
        defs_path=ROOT / "metric_defs",
        warehouse_path=tmp_path / "demo.duckdb",
        demo_rows=2000,
        query_max_rows=5,
    )
    response = client.post("/v1/query", json={"metrics": ["gmv"], "grain": "day"})
    assert response.status_code == 200, response.text
    assert response.json()["truncated"] is True
    assert len(response.json()["rows"]) == 5


def test_a_query_stopped_by_the_timeout_is_a_422_that_says_so(
    served: tuple[TestClient, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = served
    warehouse = client.app.state.warehouse  # type: ignore[attr-defined]
    monkeypatch.setattr(warehouse, "timeout_seconds", 0.2)
    slow = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1"
    compiled = CompiledQuery(sql=slow, dialect="duckdb", columns=("n",), metrics=("finance.gmv",))
    monkeypatch.setattr("app.routers.query.compile_query", lambda *args, **kwargs: compiled)
    response = client.post("/v1/query", json={"metrics": ["gmv"]})
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "H010" and "longer than 0.2 s" in error["message"]
