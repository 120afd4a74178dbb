"""`caliber mcp` through the MCP SDK's own client: over stdio (the CLI as a subprocess) and over streamable
HTTP (a real uvicorn serving the app at /mcp), on a shop of six orders whose numbers are computed by hand.

The definitions are tests/fixtures/mcp: `shop.gmv` (standard) sums paid orders, `shop.order_amount` (a
team's variant) sums every order.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import duckdb
import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from app.current import CurrentCatalog
from app.mcp_server import TOOL_ACTIONS, Backend, build_server, stdio_caller
from app.settings import Settings
from app.startup import prepare
from catalog.store.repository import Repository
from catalog.store.roles import ACTIONS, Role
from tests.accounts import token_of
from tests.live_server import REPO_ROOT, live_server

DEFS = REPO_ROOT / "tests" / "fixtures" / "mcp"

USERS = [
    (1, "2025-01-03 10:00:00", "ads", "北京"),
    (2, "2025-01-20 09:00:00", "organic", "上海"),
    (3, "2025-02-11 12:00:00", "ads", "上海"),
]
ORDERS = [
    (10, 1, "2025-01-05 10:00:00", "paid", 100.00),
    (11, 2, "2025-01-25 11:00:00", "paid", 50.50),
    (12, 1, "2025-01-28 12:00:00", "refunded", 30.00),
    (13, 3, "2025-02-14 09:00:00", "paid", 200.00),
    (14, 2, "2025-02-20 18:00:00", "pending", 70.00),
    (15, 3, "2025-03-02 08:00:00", "paid", 25.00),
]
# By hand from ORDERS: the paid ones are 10 and 11 (January), 13 (February), 15 (March).
GMV_AND_PAID_ORDERS_BY_MONTH = [["2025-01-01", 150.5, 2], ["2025-02-01", 200.0, 1], ["2025-03-01", 25.0, 1]]
# Orders 10 and 15 are by ads users (1, 3), 13 too; order 11 is by user 2 (organic).
GMV_BY_CHANNEL = {"ads": 325.0, "organic": 50.5}


@dataclass(frozen=True)
class Shop:
    url: str
    warehouse: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "CALIBER_DATABASE_URL": self.url,
            "CALIBER_WAREHOUSE_PATH": str(self.warehouse),
            "CALIBER_DEFS_PATH": str(DEFS),
            **extra,
        }

    def token(self, role: Role = "viewer") -> str:
        repo = Repository.from_url(self.url)
        try:
            return token_of(repo, role, f"agent-{role}")
        finally:
            repo.engine.dispose()

    def revoke(self, token: str) -> None:
        repo = Repository.from_url(self.url)
        try:
            record = repo.verify_token(token)
            assert record is not None
            repo.revoke_token(record.token_id)
        finally:
            repo.engine.dispose()

    def orders(self) -> int:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            row = connection.execute("SELECT count(*) FROM shop.orders").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    """A prepared store holding the shop definitions, and the warehouse of six orders."""
    folder = tmp_path_factory.mktemp("mcp")
    warehouse = folder / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("CREATE SCHEMA shop")
        connection.execute(
            "CREATE TABLE shop.users (user_id INTEGER, signup_at TIMESTAMP, channel VARCHAR, city VARCHAR)"
        )
        connection.execute(
            "CREATE TABLE shop.orders (order_id INTEGER, user_id INTEGER, created_at TIMESTAMP,"
            " status VARCHAR, amount DECIMAL(12, 2))"
        )
        connection.executemany("INSERT INTO shop.users VALUES (?, ?, ?, ?)", USERS)
        connection.executemany("INSERT INTO shop.orders VALUES (?, ?, ?, ?, ?)", ORDERS)
    url = f"sqlite:///{folder / 'catalog.db'}"
    repo = Repository.from_url(url)
    try:
        assert prepare(repo, Settings(database_url=url, warehouse_path=warehouse, defs_path=DEFS))
    finally:
        repo.engine.dispose()
    return Shop(url, warehouse)


@pytest.fixture(scope="module")
def open_server(shop: Shop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(shop.env(), tmp_path_factory.mktemp("open")) as base:
        yield base


@pytest.fixture(scope="module")
def closed_server(shop: Shop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(shop.env(CALIBER_OPEN_READS="false"), tmp_path_factory.mktemp("closed")) as base:
        yield base


Session = Callable[[Client], Awaitable[None]]


def over_stdio(shop: Shop, session: Session, token: str | None = None, **env: str) -> None:
    """Spawn `python -m app.cli mcp` and run `session` against it with the SDK's stdio client."""
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "app.cli", "mcp", *(["--token", token] if token else [])],
        env={"PYTHONPATH": str(REPO_ROOT), **shop.env(**env)},
        cwd=REPO_ROOT,
    )

    async def run() -> None:
        async with Client(server, read_timeout_seconds=60) as client:
            await session(client)

    anyio.run(run)


def over_http(
    base: str, session: Session, token: str | None = None, statuses: list[int] | None = None
) -> None:
    """Run `session` against the service's /mcp with the SDK's streamable HTTP client; the HTTP status of
    each answer it got is added to `statuses`."""

    async def record(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    async def run() -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60, event_hooks={"response": [record]}) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            await session(client)

    anyio.run(run)


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    # What the agent reads is the same answer as the structured one.
    assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]
    return result.structured_content


def refused(result: CallToolResult) -> tuple[list[str], str]:
    """The codes of a tool error and the text the agent reads."""
    assert result.is_error
    assert result.structured_content is not None
    text: str = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    return [e["code"] for e in result.structured_content["errors"]], text


def by_month(metrics: list[str]) -> dict[str, Any]:
    return {"metrics": metrics, "grain": "month", "order_by": ["metric_time"]}


# -- stdio ------------------------------------------------------------------------------------------------


def test_over_stdio_search_ranks_the_standard_metric_first(shop: Shop) -> None:
    async def session(client: Client) -> None:
        # By text alone `order_amount` ranks first: "amount" is in its label, only in gmv's description.
        found = ok(await client.call_tool("search_metrics", {"text": "amount"}))
        assert [(m["key"], m["standard"]) for m in found["items"]] == [
            ("shop.gmv", True),
            ("shop.order_amount", False),
        ]
        assert found["total"] == 2
        chinese = ok(await client.call_tool("search_metrics", {"text": "订单", "lang": "zh"}))
        assert [m["label"] for m in chinese["items"]] == ["支付订单数"]

    over_stdio(shop, session)


def test_over_stdio_the_caliber_card_states_the_caliber_in_english_and_chinese(shop: Shop) -> None:
    async def session(client: Client) -> None:
        card = ok(await client.call_tool("get_caliber_card", {"metric": "gmv"}))
        assert card["key"] == "shop.gmv"
        assert card["version"] == 1
        assert card["label"] == "Gross merchandise value"
        assert card["standard"] is True
        assert card["unit"] == "CNY"
        assert card["owner"] == "sales-team"
        assert card["stage"] == "revenue"
        assert card["filters"] == ["status = 'paid'"]
        assert card["time_columns"] == ["shop.orders.created_at"]
        assert card["dimensions"] == ["shop.channel", "shop.city", "shop.order_status"]
        assert "amount" in card["formula"] and "status = 'paid'" in card["formula"]
        zh = ok(await client.call_tool("get_caliber_card", {"metric": "shop.aov", "lang": "zh"}))
        assert zh["label"] == "客单价"
        assert zh["type_name"] == "比率"
        assert zh["formula"].startswith("成交总额 除以 支付订单数")
        assert zh["components"] == ["shop.gmv", "shop.paid_orders"]
        assert zh["filters"] == ["shop.gmv: status = 'paid'", "shop.paid_orders: status = 'paid'"]
        codes, text = refused(await client.call_tool("get_caliber_card", {"metric": "gmv@9"}))
        assert codes == ["E008"] and "versions are 1 to 1" in text
        dimensions = ok(await client.call_tool("list_dimensions", {"metric": "signups", "lang": "zh"}))
        assert [(d["key"], d["label"]) for d in dimensions["dimensions"]] == [
            ("shop.channel", "获客渠道"),
            ("shop.city", "城市"),
        ]

    over_stdio(shop, session)


def test_over_stdio_a_query_returns_the_hand_computed_rows_with_the_caliber_and_the_sql(shop: Shop) -> None:
    async def session(client: Client) -> None:
        answer = ok(await client.call_tool("run_query", by_month(["gmv", "paid_orders"])))
        assert answer["columns"] == ["metric_time", "gmv", "paid_orders"]
        assert answer["rows"] == GMV_AND_PAID_ORDERS_BY_MONTH
        assert [c["key"] for c in answer["caliber"]] == ["shop.gmv", "shop.paid_orders"]
        assert answer["caliber"][0]["filters"] == ["status = 'paid'"]
        assert answer["sql"].startswith("SELECT")
        assert answer["truncated"] is False

    over_stdio(shop, session)


def test_over_stdio_an_unknown_metric_is_a_tool_error_e001_with_a_suggestion(shop: Shop) -> None:
    async def session(client: Client) -> None:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("get_caliber_card", {"metric": "gmvv"}),
            ("list_dimensions", {"metric": "gmvv"}),
            ("run_query", {"metrics": ["gmvv"]}),
            ("compile_query", {"metrics": ["gmvv"]}),
        ]
        for tool, arguments in calls:
            codes, text = refused(await client.call_tool(tool, arguments))
            assert codes == ["E001"], tool
            assert "gmvv" in text and "did you mean" in text and "gmv" in text, text
        with pytest.raises(MCPError, match="E001"):
            await client.read_resource("caliber://metrics/gmvv")

    over_stdio(shop, session)


def test_over_stdio_with_closed_reads_an_anonymous_caller_gets_nothing(shop: Shop) -> None:
    async def session(client: Client) -> None:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("search_metrics", {"text": "gmv"}),
            ("get_caliber_card", {"metric": "gmv"}),
            ("list_dimensions", {"metric": "gmv"}),
            ("compile_query", {"metrics": ["gmv"]}),
            ("run_query", {"metrics": ["gmv"]}),
        ]
        for tool, arguments in calls:
            codes, text = refused(await client.call_tool(tool, arguments))
            assert codes == ["H005"], tool
            assert "--token" in text and "CALIBER_TOKEN" in text
        for uri in ("caliber://metrics", "caliber://metrics/shop.gmv"):
            with pytest.raises(MCPError, match="H005"):
                await client.read_resource(uri)

    over_stdio(shop, session, CALIBER_OPEN_READS="false")


def test_over_stdio_with_closed_reads_a_reader_token_may_query_until_it_is_revoked(shop: Shop) -> None:
    token = shop.token("viewer")

    async def session(client: Client) -> None:
        answer = ok(await client.call_tool("run_query", by_month(["gmv"])))
        assert [row[1] for row in answer["rows"]] == [150.5, 200.0, 25.0]
        shop.revoke(token)
        codes, text = refused(await client.call_tool("run_query", by_month(["gmv"])))
        assert codes == ["H005"]
        assert "unknown or revoked" in text

    over_stdio(shop, session, token=token, CALIBER_OPEN_READS="false")


def caliber_mcp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`caliber mcp` with nothing on stdin: what it says before serving, and its exit status."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "mcp", *args],
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", **env},
        cwd=REPO_ROOT,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unknown_token_stops_caliber_mcp_before_it_serves(shop: Shop) -> None:
    done = caliber_mcp(shop.env(), "--token", "cal_not_a_token")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "the token is unknown or revoked" in done.stderr
    assert "Traceback" not in done.stderr


def test_caliber_mcp_without_a_store_says_how_to_make_one_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "catalog.db"
    done = caliber_mcp({"CALIBER_DATABASE_URL": f"sqlite:///{missing}"})
    assert done.returncode == 2
    assert "there is no catalog store" in done.stderr and "caliber serve" in done.stderr
    assert "Traceback" not in done.stderr
    assert not missing.exists()


# -- streamable HTTP --------------------------------------------------------------------------------------


def test_over_http_an_agent_searches_reads_the_card_compiles_and_queries(
    shop: Shop, open_server: str
) -> None:
    async def session(client: Client) -> None:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools == {
            "search_metrics",
            "get_caliber_card",
            "list_dimensions",
            "compile_query",
            "run_query",
        }
        found = ok(await client.call_tool("search_metrics", {"text": "amount"}))
        assert found["items"][0]["key"] == "shop.gmv"
        card = ok(await client.call_tool("get_caliber_card", {"metric": "shop.gmv", "lang": "zh"}))
        assert (card["label"], card["standard"], card["version"]) == ("成交总额", True, 1)
        compiled = ok(
            await client.call_tool(
                "compile_query", {"metrics": ["gmv"], "dimensions": ["channel"], "dialect": "duckdb"}
            )
        )
        assert compiled["columns"] == ["channel", "gmv"]
        # The SQL handed to the agent, run on the warehouse by the test, gives the hand-computed numbers.
        with duckdb.connect(str(shop.warehouse), read_only=True) as connection:
            rows = connection.execute(compiled["sql"]).fetchall()
        assert {channel: float(gmv) for channel, gmv in rows} == GMV_BY_CHANNEL
        postgres = ok(await client.call_tool("compile_query", {"metrics": ["gmv"], "dialect": "postgres"}))
        assert postgres["dialect"] == "postgres"
        codes, _text = refused(
            await client.call_tool("compile_query", {"metrics": ["gmv"], "dialect": "sqlx"})
        )
        assert codes == ["E004"]
        answer = ok(await client.call_tool("run_query", by_month(["gmv", "paid_orders"])))
        assert answer["rows"] == GMV_AND_PAID_ORDERS_BY_MONTH
        assert [c["key"] for c in answer["caliber"]] == ["shop.gmv", "shop.paid_orders"]
        by_channel = ok(await client.call_tool("run_query", {"metrics": ["aov"], "dimensions": ["channel"]}))
        # aov = gmv / paid orders per channel: ads 325 / 3, organic 50.5 / 1.
        assert {c: v for c, v in by_channel["rows"]} == pytest.approx({"ads": 325 / 3, "organic": 50.5})

    over_http(open_server, session)


def test_over_http_a_query_that_tries_to_write_cannot(shop: Shop, open_server: str) -> None:
    async def session(client: Client) -> None:
        for tool in ("run_query", "compile_query"):
            codes, text = refused(
                await client.call_tool(tool, {"metrics": ["gmv"], "where": "1=1; DROP TABLE shop.orders"})
            )
            assert codes == ["E005"], text
        # A value is a literal: the quote inside it closes nothing.
        injected = {"dimension": "order_status", "op": "=", "values": ["paid'; DROP TABLE shop.orders; --"]}
        answer = ok(await client.call_tool("run_query", {"metrics": ["paid_orders"], "filters": [injected]}))
        assert answer["rows"] in ([], [[0]])
        answer = ok(await client.call_tool("run_query", {"metrics": ["order_amount"]}))
        assert answer["rows"] == [[475.5]]
        # Nothing writes: there is no tool to publish or deprecate with.
        for write in ("publish", "deprecate"):
            result = await client.call_tool(write, {"files": {"shop/x.yaml": "metrics: {}"}})
            assert result.is_error

    over_http(open_server, session)
    assert shop.orders() == len(ORDERS)


def test_over_http_rows_are_capped(open_server: str) -> None:
    async def session(client: Client) -> None:
        answer = ok(await client.call_tool("run_query", {**by_month(["gmv"]), "max_rows": 2}))
        assert answer["rows"] == [row[:2] for row in GMV_AND_PAID_ORDERS_BY_MONTH[:2]]
        assert (answer["row_count"], answer["truncated"], answer["max_rows"]) == (2, True, 2)
        result = await client.call_tool("run_query", {**by_month(["gmv"]), "max_rows": 100_000})
        assert result.is_error

    over_http(open_server, session)


def test_over_http_resources_list_the_metric_library_and_one_definition(open_server: str) -> None:
    async def session(client: Client) -> None:
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        assert listed == ["caliber://metrics"]
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        assert templates == ["caliber://metrics/{key}"]
        library = json.loads((await client.read_resource("caliber://metrics")).contents[0].text)  # type: ignore[union-attr]
        keys = [m["key"] for m in library]
        assert sorted(keys) == [
            "shop.aov",
            "shop.gmv",
            "shop.order_amount",
            "shop.paid_orders",
            "shop.signups",
        ]
        assert [m["standard"] for m in library] == [True, True, False, False, False]
        for uri in ("caliber://metrics/shop.gmv", "caliber://metrics/gmv@1"):
            one = json.loads((await client.read_resource(uri)).contents[0].text)  # type: ignore[union-attr]
            assert (one["en"]["label"], one["zh"]["label"]) == ("Gross merchandise value", "成交总额")
            assert (one["en"]["key"], one["en"]["version"]) == ("shop.gmv", 1)
            assert one["definition"]["filter"] == "status = 'paid'"
        with pytest.raises(MCPError, match="E008"):
            await client.read_resource("caliber://metrics/gmv@9")

    over_http(open_server, session)


def test_tool_descriptions_steer_an_agent_to_the_standard_metric(open_server: str) -> None:
    async def session(client: Client) -> None:
        assert client.instructions is not None
        assert "Never write your own SQL" in client.instructions
        described = {t.name: t.description or "" for t in (await client.list_tools()).tools}
        assert "standard" in described["search_metrics"] and "first" in described["search_metrics"]
        for name in ("search_metrics", "get_caliber_card", "compile_query", "run_query"):
            assert "Never write your own SQL for a metric that is in the catalog" in described[name], name

    over_http(open_server, session)


def test_over_http_a_page_of_another_origin_is_refused_and_only_post_is_served(open_server: str) -> None:
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"Accept": "application/json, text/event-stream"}
    for origin in ("http://evil.example", "http://127.0.0.1.evil.example:8000", "null"):
        response = httpx.post(f"{open_server}/mcp", json=listing, headers={**accept, "Origin": origin})
        assert response.status_code == 403, origin
        assert [e["code"] for e in response.json()["errors"]] == ["H011"]
    local = httpx.post(
        f"{open_server}/mcp", json=listing, headers={**accept, "Origin": "http://localhost:6274"}
    )
    assert local.status_code == 200
    assert "search_metrics" in {t["name"] for t in local.json()["result"]["tools"]}
    for method in ("GET", "DELETE"):
        response = httpx.request(method, f"{open_server}/mcp", headers=accept, timeout=10)
        assert response.status_code == 405
        assert response.headers["allow"] == "OPTIONS, POST"  # as on every path: OPTIONS answers too
        assert [e["code"] for e in response.json()["errors"]] == ["H009"]


def test_over_http_with_closed_reads_an_anonymous_caller_gets_a_401_and_nothing_else(
    closed_server: str,
) -> None:
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "search_metrics"}}
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer cal_unknown"}):
        response = httpx.post(
            f"{closed_server}/mcp",
            json=call,
            headers={**headers, "Accept": "application/json, text/event-stream"},
        )
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert [e["code"] for e in response.json()["errors"]] == ["H005"]

    async def session(client: Client) -> None:
        raise AssertionError("an anonymous client connected")

    statuses: list[int] = []
    with pytest.raises(ExceptionGroup) as failure:
        over_http(closed_server, session, statuses=statuses)
    assert failure.group_contains(MCPError)
    assert statuses and set(statuses) == {401}


def test_over_http_with_closed_reads_a_token_holder_queries_until_the_token_is_revoked(
    shop: Shop, closed_server: str
) -> None:
    token = shop.token("viewer")

    async def session(client: Client) -> None:
        answer = ok(await client.call_tool("run_query", by_month(["gmv", "paid_orders"])))
        assert answer["rows"] == GMV_AND_PAID_ORDERS_BY_MONTH

    statuses: list[int] = []
    over_http(closed_server, session, token=token, statuses=statuses)
    assert set(statuses) == {200}
    shop.revoke(token)
    statuses.clear()
    with pytest.raises(ExceptionGroup) as failure:
        over_http(closed_server, session, token=token, statuses=statuses)
    assert failure.group_contains(MCPError)
    assert statuses and set(statuses) == {401}


def test_the_docs_list_every_tool_with_the_action_it_needs(tmp_path: Path) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'catalog.db'}")
    settings = Settings(database_url=str(repo.engine.url), warehouse_path=None)
    server = build_server(Backend(repo, settings, CurrentCatalog(repo), None, stdio_caller(repo, None)))
    assert {t.name for t in anyio.run(server.list_tools)} == set(TOOL_ACTIONS)
    documented = re.findall(r"^\| `(\w+)` \| (\w+) \|", (REPO_ROOT / "docs" / "mcp.md").read_text(), re.M)
    assert dict(documented) == TOOL_ACTIONS
    assert set(TOOL_ACTIONS.values()) <= {a.name for a in ACTIONS}
