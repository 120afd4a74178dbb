"""Numbers and times that cannot be literals, sent over a real socket: refused with a location, never cached.

`json.loads` — which the service uses — reads `1e999` as infinity and accepts `NaN` and `-Infinity`; none of
them is a value SQL can compare with, so each is a 422 naming where it was written.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.live_server import REPO_ROOT, live_server

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live-values")
    env = {
        "CALIBER_DATABASE_URL": f"sqlite:///{tmp / 'catalog.db'}",
        "CALIBER_WAREHOUSE_PATH": "",
        "CALIBER_DEFS_PATH": str(REPO_ROOT / "metric_defs"),
    }
    with live_server(env, tmp) as url:
        yield url


def _filter_body(value: str, op: str = "in") -> bytes:
    return (
        '{"metrics": ["gmv"], "filters": [{"dimension": "channel", "op": "=", "values": ["ads"]},'
        f' {{"dimension": "channel", "op": "{op}", "values": [{value}]}}]}}'
    ).encode()


@pytest.mark.parametrize("value", ["1e999", "NaN", "-Infinity"])
def test_a_number_that_is_not_finite_is_a_422_with_its_location(base: str, value: str) -> None:
    response = httpx.post(f"{base}/v1/compile", content=_filter_body(value), headers=JSON)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["location"] == "body.filters.1.values.0" and "finite" in error["message"]


def test_a_number_that_is_not_finite_in_where_is_a_422_with_its_location(base: str) -> None:
    response = httpx.post(f"{base}/v1/compile", json={"metrics": ["gmv"], "where": "channel > 1e999"})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["code"] == "E005" and error["location"] == "where"


def test_a_null_filter_after_an_inf_one_compiles_correctly(base: str) -> None:
    assert httpx.post(f"{base}/v1/compile", content=_filter_body("1e999"), headers=JSON).status_code == 422
    response = httpx.post(f"{base}/v1/compile", content=_filter_body("null"), headers=JSON)
    assert response.status_code == 200, response.text
    sql = response.json()["sql"]
    assert "IN (NULL)" in sql and "inf" not in sql.lower()


def test_a_time_range_with_an_offset_keeps_it(base: str) -> None:
    query = {
        "metrics": ["gmv"],
        "dialect": "postgres",
        "time_range": {"start": "2025-01-01T00:00:00+08:00", "end": "2025-02-01T00:00:00+08:00"},
    }
    response = httpx.post(f"{base}/v1/compile", json=query)
    assert response.status_code == 200, response.text
    assert "'2024-12-31 16:00:00'" in response.json()["sql"]
    mixed = {**query, "time_range": {"start": "2025-01-01T00:00:00Z", "end": "2025-02-01"}}
    refused = httpx.post(f"{base}/v1/compile", json=mixed)
    assert refused.status_code == 422 and "same kind" in refused.text
