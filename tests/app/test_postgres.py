"""The service on PostgreSQL (`CALIBER_DATABASE_URL`): a fresh database, migrated and seeded on start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.app.conftest import SHOP, bearer, settings_for, shop_files
from tests.store.conftest import postgres_database


@pytest.fixture
def pg_client(tmp_path: Path) -> Iterator[TestClient]:
    for url in postgres_database("caliber_app"):
        with TestClient(create_app(settings_for(tmp_path, database_url=url, defs_path=SHOP))) as client:
            yield client


def test_first_start_on_postgres_serves_search_versions_and_pinned_compiles(pg_client: TestClient) -> None:
    found = pg_client.get("/v1/metrics", params={"q": "客单价"}).json()
    assert [m["key"] for m in found["items"]] == ["shop.aov"]
    files = shop_files()
    counted = "agg: count\n    filter: \"status = 'paid'\""
    files["shop/metrics.yaml"] = files["shop/metrics.yaml"].replace(
        counted, counted.replace("= 'paid'", "<> 'cancelled'")
    )
    published = pg_client.post("/v1/publish", json={"files": files}, headers=bearer(pg_client, "owner"))
    assert published.json()["created"] == [{"kind": "metric", "key": "shop.paid_orders", "version": 2}]
    sql = [
        pg_client.get("/v1/compile", params={"metric": f"paid_orders@{n}", "dialect": "postgres"}).json()
        for n in (1, 2)
    ]
    assert "'paid'" in sql[0]["sql"] and "'cancelled'" in sql[1]["sql"]
    diff = pg_client.get("/v1/metrics/paid_orders/diff", params={"from": 1, "to": 2}).json()
    assert diff["caliber_changed"] is True
