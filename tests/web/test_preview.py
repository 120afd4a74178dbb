"""The metric page shows the metric's last months from the service's warehouse, as a hand-written query
over the same file says; without a warehouse, or for an old version, the card is absent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.warehouse import LOCKED_DOWN
from app.web.preview import _display
from tests.app.conftest import MARKER, leak_past_lint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """A started client on a fresh SQLite store seeded with the standard library, with `overrides`."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = Settings(
            **{"database_url": f"sqlite:///{tmp_path / 'catalog.db'}", "warehouse_path": None, **overrides}
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_values_are_shown_for_people() -> None:
    assert [_display(v) for v in (1234567.5, 0.123456, 42, 3.0, None, "2025-01-01")] == [
        "1,234,567.5",
        "0.1235",
        "42",
        "3",
        "—",
        "2025-01-01",
    ]


def test_the_metric_page_shows_the_last_months_of_the_warehouse(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    warehouse = tmp_path / "demo.duckdb"
    client = make_client(defs_path=ROOT / "metric_defs", warehouse_path=warehouse, demo_rows=2000)
    page = client.get("/m/finance/paid_orders?lang=en")
    assert page.status_code == 200
    # One DuckDB instance per file and process: this connection must take the service's settings.
    with duckdb.connect(str(warehouse), read_only=True, config=dict(LOCKED_DOWN)) as con:
        month, count = con.execute("""
            SELECT CAST(date_trunc('month', paid_at) AS DATE), COUNT(*) FROM dw.fact_orders
            WHERE status IN ('paid', 'refunded') GROUP BY 1 ORDER BY 1 DESC LIMIT 1""").fetchone()
    assert 'id="values"' in page.text
    assert f"<td>{month.isoformat()}</td><td>{count:,}</td>" in page.text


def test_without_a_warehouse_there_is_no_values_card(make_client: Callable[..., TestClient]) -> None:
    client = make_client(defs_path=ROOT / "metric_defs")
    page = client.get("/m/finance/paid_orders")
    assert page.status_code == 200 and 'id="values"' not in page.text


def test_the_preview_of_a_source_on_a_file_that_passed_lint_shows_nothing_of_the_file(
    make_client: Callable[..., TestClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(
        defs_path=ROOT / "metric_defs", warehouse_path=tmp_path / "demo.duckdb", demo_rows=2000
    )
    leak_past_lint(client, tmp_path, monkeypatch)
    assert client.get("/v1/metrics/files.leak_rows").status_code == 200  # it is in the served catalog
    for lang in ("en", "zh"):
        page = client.get("/m/files/leak_rows", params={"lang": lang})
        assert page.status_code == 200
        assert MARKER not in page.text and 'id="values"' not in page.text
