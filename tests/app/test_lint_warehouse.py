"""`POST /v1/lint?warehouse=true`: the bundle is also checked against the service's DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.demo_data import generate, write_duckdb
from tests.app.conftest import repo_of

ROOT = Path(__file__).resolve().parents[2]

BROKEN = """\
sources:
  orders:
    table: dw.fact_orders
    time: created_at
    columns:
      order_id: integer
      created_at: timestamp
      status: integer
      amount: decimal
      discount: decimal
  payments:
    table: dw.fact_payments
    columns: {payment_id: integer}
metrics:
  order_amount:
    type: atomic
    source: orders
    agg: sum
    expr: amount
    label: {en: Amount, zh: 金额}
    description: Amount of every order.
    stage: revenue
    owner: finance
"""


def library() -> dict[str, str]:
    defs = ROOT / "metric_defs"
    return {p.relative_to(defs).as_posix(): p.read_text("utf-8") for p in sorted(defs.rglob("*.yaml"))}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    write_duckdb(generate(rows=100, seed=7), str(path))
    return path


def test_the_library_is_clean_against_the_demo_warehouse(
    make_client: Callable[..., TestClient], demo: Path
) -> None:
    client = make_client(warehouse_path=demo)
    report = client.post("/v1/lint", params={"warehouse": "true"}, json={"files": library()}).json()
    assert (report["ok"], report["errors"], report["issues"]) == (True, 0, [])


def test_missing_tables_columns_and_wrong_types_come_back_as_issues_with_positions(
    make_client: Callable[..., TestClient], demo: Path
) -> None:
    client = make_client(warehouse_path=demo)
    files = {"shop/defs.yaml": BROKEN}
    assert client.post("/v1/lint", json={"files": files}).json()["issues"] == []
    response = client.post("/v1/lint", params={"warehouse": "true"}, json={"files": files})
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is False
    assert [(i["code"], i["file"], i["line"], i["col"]) for i in report["issues"]] == [
        ("D003", "shop/defs.yaml", 8, 7),  # status: VARCHAR declared integer
        ("D002", "shop/defs.yaml", 10, 7),  # discount: not a column
        ("D001", "shop/defs.yaml", 12, 5),  # dw.fact_payments: no such table
    ]
    assert all(i["hint"] for i in report["issues"])


def test_a_raw_yaml_body_is_checked_too(make_client: Callable[..., TestClient], demo: Path) -> None:
    client = make_client(warehouse_path=demo)
    response = client.post(
        "/v1/lint",
        params={"warehouse": "true", "file": "shop/defs.yaml"},
        headers={"content-type": "text/yaml"},
        content=BROKEN.encode(),
    )
    assert [i["code"] for i in response.json()["issues"]] == ["D003", "D002", "D001"]


def test_warehouse_true_without_a_warehouse_is_a_404_problem(client: TestClient) -> None:
    response = client.post("/v1/lint", params={"warehouse": "true"}, json={"files": library()})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["code"] == "H004"


def test_an_unreadable_warehouse_is_a_d007_issue_that_names_no_server_path(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    # Not prepared, so no demo warehouse is written where the missing one should be; lint reads the store.
    client = make_client(warehouse_path=tmp_path / "gone.duckdb", prepare_on_start=False)
    repo_of(client).upgrade()
    report = client.post("/v1/lint", params={"warehouse": "true"}, json={"files": library()}).json()
    assert [(i["code"], i["file"]) for i in report["issues"]] == [("D007", "warehouse")]
    assert str(tmp_path) not in str(report)


def test_the_warehouse_check_needs_the_right_to_read(
    make_client: Callable[..., TestClient], demo: Path
) -> None:
    client = make_client(warehouse_path=demo, open_reads=False)
    response = client.post("/v1/lint", params={"warehouse": "true"}, json={"files": library()})
    assert response.status_code == 401
