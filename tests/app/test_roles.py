"""Who may do what: every caller tries every route, with reads open and with reads closed.

The expected grid is written here by hand, as the specification; the service enforces
`catalog.store.roles.ACTIONS`, and `caliber token create --help` and docs/service.md are generated from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from starlette.routing import BaseRoute

from catalog.store.roles import ACTIONS, ROLES, Grant
from tests.accounts import token_of
from tests.app.conftest import bearer, repo_of, shop_files

CALLERS = ("anonymous", "viewer", "analyst", "owner", "admin")

# "open": anonymous callers may while reads are open (the default); roles never depend on that setting.
# Each caller here holds its role in every namespace (`*`); tests/app/test_scoped_roles.py varies the namespace.
GRID = {
    #            anonymous  viewer  analyst  owner  admin
    "read": ("open", "yes", "yes", "yes", "yes"),
    "compile": ("open", "yes", "yes", "yes", "yes"),
    "query": ("open", "yes", "yes", "yes", "yes"),
    "lint": ("open", "yes", "yes", "yes", "yes"),
    "publish": ("no", "no", "yes", "yes", "yes"),
    "approve": ("no", "no", "no", "yes", "yes"),
    "deprecate": ("no", "no", "no", "yes", "yes"),
    "audit": ("no", "no", "no", "no", "yes"),
    "tokens": ("no", "no", "no", "no", "yes"),
    "observe": ("no", "no", "no", "no", "yes"),
}

Call = Callable[[TestClient, dict[str, str]], Response]


def _revoke_a_new_token(client: TestClient, headers: dict[str, str]) -> Response:
    repo = repo_of(client)
    token_of(repo, "viewer", "throwaway")
    return client.delete(f"/v1/tokens/{repo.list_tokens()[-1].id}", headers=headers)


def _a_review(client: TestClient) -> int:
    """A new pending review of the shop's `gmv` (its description changed), proposed by an analyst of shop."""
    repo = repo_of(client)
    files = shop_files()
    number = len(repo.versions("shop.gmv")) + 1
    files["shop/metrics.yaml"] = _describe(files["shop/metrics.yaml"], number)
    proposed = repo.publish(files, "proposer", actor=repo.verify_token(token_of(repo, "analyst", "proposer")))
    return proposed.proposed[0].review


def _describe(text: str, number: int) -> str:
    head, _, rest = text.partition("gmv:")
    return head + "gmv:" + rest.replace("description: ", f"description: (v{number}) ", 1)


# Every route that checks rights, with the action it needs (`test_every_route_is_in_the_matrix`).
REQUESTS: dict[tuple[str, str], tuple[str, Call]] = {
    ("GET", "/v1/metrics"): ("read", lambda c, h: c.get("/v1/metrics", headers=h)),
    ("GET", "/v1/metrics/{key}"): ("read", lambda c, h: c.get("/v1/metrics/gmv", headers=h)),
    ("GET", "/v1/metrics/{key}/versions"): (
        "read",
        lambda c, h: c.get("/v1/metrics/gmv/versions", headers=h),
    ),
    ("GET", "/v1/metrics/{key}/versions/{number}"): (
        "read",
        lambda c, h: c.get("/v1/metrics/gmv/versions/1", headers=h),
    ),
    ("GET", "/v1/metrics/{key}/diff"): (
        "read",
        lambda c, h: c.get("/v1/metrics/gmv/diff", params={"from": 1, "to": 1}, headers=h),
    ),
    ("GET", "/v1/dimensions"): ("read", lambda c, h: c.get("/v1/dimensions", headers=h)),
    ("GET", "/v1/sources"): ("read", lambda c, h: c.get("/v1/sources", headers=h)),
    ("GET", "/v1/conflicts"): ("read", lambda c, h: c.get("/v1/conflicts", headers=h)),
    ("GET", "/"): ("read", lambda c, h: c.get("/", headers=h)),
    ("GET", "/m/{namespace}/{name}"): ("read", lambda c, h: c.get("/m/shop/gmv", headers=h)),
    ("GET", "/conflicts"): ("read", lambda c, h: c.get("/conflicts", headers=h)),
    ("POST", "/v1/compile"): (
        "compile",
        lambda c, h: c.post("/v1/compile", json={"metrics": ["gmv"], "grain": "month"}, headers=h),
    ),
    ("GET", "/v1/compile"): (
        "compile",
        lambda c, h: c.get("/v1/compile", params={"metric": "gmv"}, headers=h),
    ),
    ("POST", "/v1/query"): (
        "query",
        lambda c, h: c.post("/v1/query", json={"metrics": ["paid_orders"]}, headers=h),
    ),
    ("POST", "/v1/explain-change"): (
        "query",
        lambda c, h: c.post(
            "/v1/explain-change",
            json={"metric": "gmv", "from": "2025-01", "to": "2025-02", "by": ["order_status"]},
            headers=h,
        ),
    ),
    ("GET", "/v1/monitors"): ("read", lambda c, h: c.get("/v1/monitors", headers=h)),
    ("GET", "/v1/monitors/{name}"): ("read", lambda c, h: c.get("/v1/monitors/gmv_monthly_drop", headers=h)),
    ("POST", "/v1/lint"): ("lint", lambda c, h: c.post("/v1/lint", json={"files": shop_files()}, headers=h)),
    ("POST", "/v1/publish"): (
        "publish",
        lambda c, h: c.post("/v1/publish", json={"files": shop_files()}, headers=h),
    ),
    ("POST", "/v1/metrics/{key}/deprecate"): (
        "deprecate",
        lambda c, h: c.post("/v1/metrics/aov/deprecate", json={"reason": "use gmv"}, headers=h),
    ),
    ("GET", "/v1/metrics/{key}/lineage"): ("read", lambda c, h: c.get("/v1/metrics/gmv/lineage", headers=h)),
    ("GET", "/v1/reviews"): ("read", lambda c, h: c.get("/v1/reviews", headers=h)),
    ("GET", "/v1/reviews/{review_id}"): (
        "read",
        lambda c, h: c.get(f"/v1/reviews/{_a_review(c)}", headers=h),
    ),
    ("POST", "/v1/reviews/{review_id}/approve"): (
        "approve",
        lambda c, h: c.post(f"/v1/reviews/{_a_review(c)}/approve", headers=h),
    ),
    ("POST", "/v1/reviews/{review_id}/reject"): (
        "approve",
        lambda c, h: c.post(f"/v1/reviews/{_a_review(c)}/reject", json={"reason": "no"}, headers=h),
    ),
    ("GET", "/v1/audit"): ("audit", lambda c, h: c.get("/v1/audit", headers=h)),
    ("GET", "/v1/tokens"): ("tokens", lambda c, h: c.get("/v1/tokens", headers=h)),
    ("DELETE", "/v1/tokens/{token_id}"): ("tokens", _revoke_a_new_token),
    ("GET", "/metrics"): ("observe", lambda c, h: c.get("/metrics", headers=h)),
}
UNCHECKED = {
    ("GET", "/healthz"),
    ("GET", "/lang/{code}"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/favicon.ico"),
}
"""Routes open to everyone: liveness (which hides the count, see test_auth), the language switch, the API's
own documentation pages (the OpenAPI document is public, as every FastAPI service's) and the icon."""


def expected_status(action: str, caller: str, open_reads: bool) -> int:
    allowed = GRID[action][CALLERS.index(caller)]
    if allowed == "yes" or (allowed == "open" and open_reads):
        return 200
    return 401 if caller == "anonymous" else 403


def write_shop_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA shop")
        con.execute(
            "CREATE TABLE shop.orders (order_id INTEGER, user_id INTEGER, created_at TIMESTAMP, "
            "status VARCHAR, amount DECIMAL(12, 2))"
        )
        con.execute("INSERT INTO shop.orders VALUES (1, 1, TIMESTAMP '2025-01-02 10:00:00', 'paid', 9.5)")
    return path


@pytest.mark.parametrize("open_reads", [True, False], ids=["open reads", "closed reads"])
def test_each_caller_may_do_exactly_what_the_grid_says(
    make_client: Callable[..., TestClient], tmp_path: Path, open_reads: bool
) -> None:
    client = make_client(open_reads=open_reads, warehouse_path=write_shop_warehouse(tmp_path / "w.duckdb"))
    published = client.post("/v1/publish", json={"files": shop_files()}, headers=bearer(client, "analyst"))
    assert published.status_code == 200, published.text
    headers = {"anonymous": {}, **{role: bearer(client, role) for role in CALLERS[1:]}}
    seen: dict[tuple[str, str, str], Any] = {}
    expected: dict[tuple[str, str, str], Any] = {}
    for (method, path), (action, call) in REQUESTS.items():
        for caller in CALLERS:
            response = call(client, headers[caller])
            seen[(method, path, caller)] = response.status_code
            expected[(method, path, caller)] = expected_status(action, caller, open_reads)
            if response.status_code in (401, 403):
                code = response.json()["errors"][0]["code"]
                assert code == ("H005" if response.status_code == 401 else "H006"), (method, path, caller)
    assert seen == expected


def test_a_refused_user_is_told_which_roles_may(published: TestClient) -> None:
    response = published.post(
        "/v1/publish", json={"files": shop_files()}, headers=bearer(published, "viewer")
    )
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["message"] == "test-viewer (viewer) may not publish"
    assert error["hint"] == "needs the role analyst or owner or admin in the namespace"


def api_routes(routes: Sequence[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every API route, inside included routers too (FastAPI keeps those apart)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods if method != "HEAD"}
        elif (included := getattr(route, "original_router", None)) is not None:
            found |= api_routes(included.routes)
    return found


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    routes = api_routes(app.routes)
    assert ("POST", "/v1/publish") in routes and ("GET", "/m/{namespace}/{name}") in routes
    assert routes - UNCHECKED == set(REQUESTS)


def test_the_grid_is_the_table_the_service_enforces() -> None:
    table = {
        action.name: tuple(
            "yes"
            if action.may(grants := ([Grant("*", role)] if role else None))
            else ("open" if action.may(grants, open_reads=True) else "no")
            for role in (None, *ROLES)
        )
        for action in ACTIONS
    }
    assert table == GRID
