"""`GET /v1/monitors` and `/v1/monitors/{name}`: definitions, state and history after `caliber monitor run`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from catalog.lint import lint_paths
from catalog.monitors.run import run_monitors
from catalog.monitors.spec import load_monitors
from tests.app.conftest import bearer

ROOT = Path(__file__).resolve().parents[2]
FILE = """monitors:
  gmv_monthly:
    metric: gmv
    grain: month
    rule: {threshold: {above: 0}}
    owners: [sales_lead]
  orders_drop:
    metric: paid_orders
    grain: month
    rule: {change: {drop: 0.99}}
"""


def served(make_client: Callable[..., TestClient], tmp_path: Path, **more: object) -> TestClient:
    folder = tmp_path / "monitors"
    folder.mkdir()
    (folder / "sales.yaml").write_text(FILE, "utf-8")
    (folder / "broken.yaml").write_text("monitors:\n  x:\n    metric: gmv\n    grian: day\n", "utf-8")
    return make_client(
        defs_path=ROOT / "metric_defs",
        warehouse_path=tmp_path / "demo.duckdb",
        demo_rows=2000,
        monitors_path=folder,
        **more,
    )


def test_state_and_history_follow_the_runs(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = served(make_client, tmp_path)
    listed = client.get("/v1/monitors").json()
    assert [(m["name"], m["state"]) for m in listed["monitors"]] == [
        ("gmv_monthly", "never_run"),
        ("orders_drop", "never_run"),
    ]
    assert ("M001", "did you mean `grain`?") in [(i["code"], i["hint"]) for i in listed["issues"]]
    app = client.app
    assert isinstance(app, FastAPI)
    monitors = load_monitors([tmp_path / "monitors" / "sales.yaml"]).monitors
    warehouse, engine = app.state.warehouse, app.state.repo.engine
    catalog = lint_paths([ROOT / "metric_defs"]).catalog
    run_monitors(monitors, catalog, lambda sql: warehouse.run(sql).rows, "duckdb", engine, date(2024, 4, 1))
    detail = client.get("/v1/monitors/gmv_monthly").json()
    assert (detail["state"], detail["last_period"], detail["rule"]) == ("alert", "2024-03-01", "threshold")
    assert detail["definition"]["rule"] == {"threshold": {"above": 0.0}}
    assert len(detail["evaluations"]) == 1 and len(detail["alerts"]) == 1 and detail["deliveries"] == []
    assert client.get("/v1/monitors/orders_drop").json()["state"] in ("ok", "no_data")


def test_an_unknown_monitor_is_a_404_problem(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    response = served(make_client, tmp_path).get("/v1/monitors/nope")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "H004"


def test_closed_reads_need_a_token(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = served(make_client, tmp_path, open_reads=False)
    assert client.get("/v1/monitors").status_code == 401
    assert client.get("/v1/monitors", headers=bearer(client, "viewer")).status_code == 200
