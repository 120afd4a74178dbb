"""`POST /v1/explain-change`: the same split as the library, on the service's warehouse, rights checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from app.warehouse import LOCKED_DOWN
from tests.app.conftest import bearer

ROOT = Path(__file__).resolve().parents[2]
BODY = {"metric": "gmv", "from": "2024-02", "to": "2024-03", "by": ["channel"]}


@pytest.fixture
def served(make_client: Callable[..., TestClient], tmp_path: Path) -> tuple[TestClient, Path]:
    warehouse = tmp_path / "demo.duckdb"
    client = make_client(defs_path=ROOT / "metric_defs", warehouse_path=warehouse, demo_rows=2000)
    return client, warehouse


def test_gmv_by_channel_matches_a_hand_written_query(served: tuple[TestClient, Path]) -> None:
    client, warehouse = served
    response = client.post("/v1/explain-change", json=BODY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["metric"], body["from"], body["to"], body["kind"]) == (
        "finance.gmv",
        "2024-02",
        "2024-03",
        "additive",
    )
    with duckdb.connect(str(warehouse), read_only=True, config=dict(LOCKED_DOWN)) as con:
        rows = con.execute("""
            SELECT u.channel, SUM(CASE WHEN o.paid_at >= DATE '2024-03-01' THEN o.amount ELSE -o.amount END)
            FROM dw.fact_orders o LEFT JOIN dw.dim_users u USING (user_id)
            WHERE o.status IN ('paid', 'refunded') AND o.paid_at >= DATE '2024-02-01'
              AND o.paid_at < DATE '2024-04-01'
            GROUP BY 1""").fetchall()
    assert {c["value"]: c["contribution"] for c in body["contributions"]} == pytest.approx(
        {channel: float(change) for channel, change in rows}
    )


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"from": "someday"}, 422, "A001"),
        ({"metric": "arppu"}, 422, "A002"),
        ({"metric": "nope"}, 404, "E001"),
        ({"by": ["nope"]}, 422, "E002"),
        ({"by": []}, 422, "A003"),
        ({"extra": 1}, 422, "H001"),
    ],
)
def test_bad_input_is_a_coded_problem(
    served: tuple[TestClient, Path], change: dict[str, object], status: int, code: str
) -> None:
    client, _ = served
    response = client.post("/v1/explain-change", json={**BODY, **change})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert code in [e["code"] for e in response.json()["errors"]]


def test_closed_reads_need_a_token_with_the_query_right(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(
        defs_path=ROOT / "metric_defs",
        warehouse_path=tmp_path / "demo.duckdb",
        demo_rows=2000,
        open_reads=False,
    )
    assert client.post("/v1/explain-change", json=BODY).status_code == 401
    assert client.post("/v1/explain-change", json=BODY, headers=bearer(client, "viewer")).status_code == 200
