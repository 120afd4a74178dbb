"""The user's path against the real server (`caliber serve` on a free loopback port):

publish → search by a Chinese label → read → change the caliber and republish → version 2 and the diff →
compile v1 and v2 → both SQLs run on DuckDB and give different numbers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from catalog.store.repository import Repository
from tests.accounts import token_of
from tests.app.conftest import shop_files

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Base URL of a running `caliber serve` and an analyst token for it."""
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    repo = Repository.from_url(url)
    repo.upgrade()
    token = token_of(repo, "owner", "user-path")
    repo.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "CALIBER_DATABASE_URL": url,
        "CALIBER_WAREHOUSE_PATH": "",
        "CALIBER_DEFS_PATH": str(tmp_path / "no-defs"),
    }
    log = tmp_path / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=10)


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA shop")
    con.execute(
        "CREATE TABLE shop.orders (order_id INTEGER, user_id INTEGER, created_at TIMESTAMP, "
        "status VARCHAR, amount DECIMAL(12, 2))"
    )
    con.execute(
        "INSERT INTO shop.orders VALUES (1, 1, '2025-01-03 10:00', 'paid', 100), "
        "(2, 1, '2025-01-09 11:00', 'paid', 50), (3, 2, '2025-01-20 12:00', 'refunded', 30), "
        "(4, 2, '2025-02-01 09:00', 'cancelled', 20), (5, 3, '2025-02-11 09:00', 'paid', 70)"
    )
    return con


def test_publish_search_change_diff_and_compile_both_versions(server: tuple[str, str]) -> None:
    base, token = server
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    files = shop_files()

    published = http.post("/v1/publish", json={"files": files, "note": "first cut"})
    assert published.status_code == 200, published.text
    assert {"kind": "metric", "key": "shop.gmv", "version": 1} in published.json()["created"]

    found = http.get("/v1/metrics", params={"q": "成交"}).json()
    assert [m["key"] for m in found["items"]] == ["shop.gmv"]
    assert found["items"][0]["label"]["zh"] == "成交总额"

    gmv = http.get("/v1/metrics/shop.gmv").json()
    assert gmv["version"] == 1
    assert gmv["allowed_dimensions"] == ["shop.channel", "shop.city", "shop.order_status"]
    assert gmv["default_sql"].startswith("SELECT")

    files["shop/metrics.yaml"] = files["shop/metrics.yaml"].replace(
        "filter: \"status = 'paid'\"\n    label: {en: Gross",
        "filter: \"status IN ('paid', 'refunded')\"\n    label: {en: Gross",
        1,
    )
    republished = http.post("/v1/publish", json={"files": files, "note": "refunded orders count too"}).json()
    assert republished["created"] == [{"kind": "metric", "key": "shop.gmv", "version": 2}]

    versions = http.get("/v1/metrics/gmv/versions").json()
    assert [(v["number"], v["note"]) for v in versions] == [
        (1, "first cut"),
        (2, "refunded orders count too"),
    ]

    diff = http.get("/v1/metrics/gmv/diff", params={"from": 1, "to": 2}).json()
    assert diff["caliber_changed"] is True
    assert [(c["path"], c["before"], c["after"], c["caliber"]) for c in diff["changes"]] == [
        ("filter", "status = 'paid'", "status IN ('paid', 'refunded')", True)
    ]
    assert diff["sql_from"] != diff["sql_to"]

    sql = {}
    for version in (1, 2):
        compiled = http.post("/v1/compile", json={"metrics": [f"gmv@{version}"], "dialect": "duckdb"})
        assert compiled.status_code == 200, compiled.text
        assert compiled.json()["metrics"] == [f"shop.gmv@{version}"]
        sql[version] = compiled.json()["sql"]
    con = warehouse()
    totals = {version: con.execute(text).fetchall() for version, text in sql.items()}
    assert totals == {1: [(220,)], 2: [(250,)]}

    monthly = http.get("/v1/compile", params={"metric": "gmv@1", "grain": "month", "order_by": "metric_time"})
    rows = con.execute(monthly.json()["sql"]).fetchall()
    assert [(str(month), total) for month, total in rows] == [("2025-01-01", 150), ("2025-02-01", 70)]
