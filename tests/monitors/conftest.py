"""A real SMTP server (aiosmtpd) and a real HTTP receiver on loopback, a small warehouse, a store."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from catalog.lint import lint_paths
from catalog.model import Catalog
from catalog.store.engine import make_engine

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "service"
DAILY = [100, 110, 90, 105, 95, 100, 110, 90, 100, 15]
"""GMV of 2025-01-01 … 2025-01-10; each day app pays 60 % of it and web 40 %."""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    result = lint_paths([SHOP])
    assert result.ok
    return result.catalog


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA shop")
    con.execute("CREATE TABLE shop.users (user_id INT, signup_at TIMESTAMP, channel VARCHAR, city VARCHAR)")
    con.execute(
        "CREATE TABLE shop.orders (order_id INT, user_id INT, created_at TIMESTAMP, status VARCHAR, amount DECIMAL(12,2))"
    )
    con.execute(
        "INSERT INTO shop.users VALUES (1, '2024-12-01', 'app', '北京'), (2, '2024-12-01', 'web', '上海')"
    )
    rows = []
    for i, total in enumerate(DAILY):
        day = datetime(2025, 1, 1) + timedelta(days=i, hours=10)
        rows += [(2 * i, 1, day, "paid", total * 0.6), (2 * i + 1, 2, day, "paid", total * 0.4)]
    con.executemany("INSERT INTO shop.orders VALUES (?, ?, ?, ?, ?)", rows)
    yield con
    con.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    yield made
    made.dispose()


class Receiver:
    """An HTTP server on loopback that records each POSTed JSON body and answers `status`."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                outer.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CALIBER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CALIBER_SMTP_PORT", str(port))
    monkeypatch.setenv("CALIBER_SMTP_FROM", "caliber@example.com")
    yield box
    controller.stop()


def at(day: int) -> date:
    """The run day that evaluates 2025-01-`day` at day grain."""
    return date(2025, 1, day) + timedelta(days=1)
