"""`/metrics` and the request ids of the JSON logs (`app.monitoring`, `app.logs`)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.logs import JsonFormatter, RequestIdFilter
from tests.app.conftest import bearer, shop_files
from tests.app.test_roles import write_shop_warehouse


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", headers=bearer(client, "admin"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(seen: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return seen.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def shop(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    client = make_client(warehouse_path=write_shop_warehouse(tmp_path / "w.duckdb"))
    published = client.post("/v1/publish", json={"files": shop_files()}, headers=bearer(client))
    assert published.status_code == 200, published.text
    return client


def test_requests_are_counted_by_route_template_not_by_path(shop: TestClient) -> None:
    before = samples(shop)
    for _ in range(3):
        assert shop.get("/v1/metrics/gmv").status_code == 200
    assert shop.get("/v1/metrics/no_such_metric").status_code == 404
    assert shop.get("/nothing/here").status_code == 404
    after = samples(shop)
    count = "caliber_http_request_duration_seconds_count"
    route = {"method": "GET", "route": "/v1/metrics/{key}"}
    assert value(after, count, **route, status="200") - value(before, count, **route, status="200") == 3
    assert value(after, count, **route, status="404") - value(before, count, **route, status="404") == 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, count, **unmatched) - value(before, count, **unmatched) == 1
    assert not any("no_such_metric" in str(labels) or "/nothing" in str(labels) for _, labels in after)


def test_compiles_are_counted_by_outcome(shop: TestClient) -> None:
    before = samples(shop)
    body = {"metrics": ["gmv"], "grain": "month", "limit": 123_457}
    assert shop.post("/v1/compile", json=body).status_code == 200
    assert shop.post("/v1/compile", json=body, headers=bearer(shop, "viewer")).status_code == 200
    after = samples(shop)
    name = "caliber_compiles_total"
    # The first compiles it; the second (with a token, so past the response cache) finds its SQL kept.
    assert value(after, name, outcome="compiled") - value(before, name, outcome="compiled") >= 1
    assert value(after, name, outcome="cached") - value(before, name, outcome="cached") >= 1


def test_warehouse_query_time_is_measured(shop: TestClient) -> None:
    before = samples(shop)
    response = shop.post("/v1/query", json={"metrics": ["paid_orders"]})
    assert response.status_code == 200, response.text
    after = samples(shop)
    name = "caliber_warehouse_query_duration_seconds_count"
    assert value(after, name, outcome="ok") - value(before, name, outcome="ok") == 1


def test_metrics_need_an_admin_unless_made_public(make_client: Callable[..., TestClient]) -> None:
    closed = make_client()
    assert closed.get("/metrics").status_code == 401
    assert closed.get("/metrics", headers=bearer(closed, "analyst")).status_code == 403
    assert closed.get("/metrics", headers=bearer(closed, "admin")).status_code == 200
    public = make_client(metrics_public=True)
    response = public.get("/metrics")
    assert response.status_code == 200
    assert "caliber_http_request_duration_seconds" in response.text
    assert public.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """What the `caliber.access` logger writes, formatted as `caliber serve` does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("caliber.access")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_a_sane_request_id_round_trips_into_the_log_line(
    make_client: Callable[..., TestClient], access_lines: io.StringIO
) -> None:
    client = make_client(access_log=True)
    response = client.get("/healthz", headers={"X-Request-ID": "dash-42.tile:7"})
    assert response.headers["x-request-id"] == "dash-42.tile:7"
    lines = [json.loads(line) for line in access_lines.getvalue().splitlines()]
    mine = [line for line in lines if line["request_id"] == "dash-42.tile:7"]
    assert len(mine) == 1
    assert mine[0] | {"time": None, "duration_ms": None} == {
        "time": None,
        "level": "INFO",
        "logger": "caliber.access",
        "message": "request",
        "request_id": "dash-42.tile:7",
        "method": "GET",
        "route": "/healthz",
        "status": 200,
        "duration_ms": None,
    }


@pytest.mark.parametrize("given", ["", "x" * 129, "a b", "<script>", "ä"])
def test_an_insane_request_id_is_replaced_by_a_new_one(
    make_client: Callable[..., TestClient], access_lines: io.StringIO, given: str
) -> None:
    client = make_client(access_log=True)
    response = client.get("/healthz", headers={"X-Request-ID": given.encode()})
    made = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert json.loads(access_lines.getvalue().splitlines()[-1])["request_id"] == made


def test_every_request_gets_its_own_id_and_a_cached_answer_has_one_too(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    body = {"metrics": ["gmv"]}
    first, second = (client.post("/v1/compile", json=body) for _ in range(2))
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_log_lines_outside_a_request_carry_no_id() -> None:
    record = logging.LogRecord("caliber.app", logging.WARNING, __file__, 1, "started %s", ("ok",), None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["request_id"], line["level"]) == ("started ok", None, "WARNING")


def test_with_several_workers_metrics_are_summed_over_the_processes(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from app import monitoring as m; m.COMPILES.labels('compiled').inc({n})"
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True)
    shown = subprocess.run(
        [sys.executable, "-c", "from app import monitoring as m; print(m.exposition().decode())"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert 'caliber_compiles_total{outcome="compiled"} 5.0' in shown
