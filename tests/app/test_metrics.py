"""`/v1/metrics`, `/v1/dimensions`, `/v1/sources`, `/v1/compile`, `/v1/lint` on the shop catalog."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routers import compile as compile_router
from catalog.query import MAX_VALUES, Filter, MetricQuery
from tests.app.conftest import bearer, shop_files


def keys(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [m["key"] for m in response.json()["items"]]


def test_search_matches_names_labels_and_descriptions(published: TestClient) -> None:
    assert keys(published.get("/v1/metrics", params={"q": "客单价"})) == ["shop.aov"]
    assert keys(published.get("/v1/metrics", params={"q": "ORDER VALUE"})) == ["shop.aov"]
    assert keys(published.get("/v1/metrics", params={"q": "per paid order"})) == ["shop.aov"]
    assert keys(published.get("/v1/metrics", params={"q": "signups"})) == ["shop.signups"]


def test_filters_combine_and_pages_report_the_total(published: TestClient) -> None:
    assert keys(published.get("/v1/metrics", params={"stage": "revenue", "owner": "sales-team"})) == [
        "shop.gmv",
        "shop.paid_orders",
    ]
    assert keys(published.get("/v1/metrics", params={"namespace": "elsewhere"})) == []
    page = published.get("/v1/metrics", params={"offset": 1, "limit": 2}).json()
    assert ([m["key"] for m in page["items"]], page["total"], page["offset"], page["limit"]) == (
        ["shop.gmv", "shop.paid_orders"],
        4,
        1,
        2,
    )


def test_an_unknown_stage_is_refused(published: TestClient) -> None:
    assert published.get("/v1/metrics", params={"stage": "profit"}).status_code == 422


def test_a_ratio_allows_the_dimensions_both_parts_reach(published: TestClient) -> None:
    aov = published.get("/v1/metrics/shop.aov").json()
    assert aov["allowed_dimensions"] == ["shop.channel", "shop.city", "shop.order_status"]
    signups = published.get("/v1/metrics/signups").json()
    assert signups["allowed_dimensions"] == ["shop.channel", "shop.city"]
    assert signups["conflicts"] == [] and signups["warnings"] == []


def test_a_metadata_change_is_not_a_caliber_change(published: TestClient) -> None:
    files = shop_files()
    files["shop/metrics.yaml"] = files["shop/metrics.yaml"].replace("zh: 成交总额", "zh: 总成交额")
    published.post("/v1/publish", json={"files": files}, headers=bearer(published))
    diff = published.get("/v1/metrics/gmv/diff", params={"from": 1, "to": 2, "dialect": "hive"}).json()
    assert diff["caliber_changed"] is False
    assert [(c["path"], c["caliber"]) for c in diff["changes"]] == [("label.zh", False)]
    assert diff["sql_from"] == diff["sql_to"] and "`shop`.`orders`" in diff["sql_to"]
    assert published.get("/v1/metrics/gmv/versions/1").json()["definition"]["label"]["zh"] == "成交总额"


def test_diff_with_an_unknown_dialect_is_a_422(published: TestClient) -> None:
    response = published.get("/v1/metrics/gmv/diff", params={"from": 1, "to": 1, "dialect": "oracle9"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "E004"


def test_a_deprecated_metric_still_compiles_with_a_warning(published: TestClient) -> None:
    response = published.post(
        "/v1/metrics/gmv/deprecate", json={"reason": "use net_gmv"}, headers=bearer(published, "owner")
    )
    assert (response.json()["number"], response.json()["status"]) == (2, "deprecated")
    detail = published.get("/v1/metrics/gmv").json()
    assert detail["status"] == "deprecated" and detail["default_sql"]
    assert detail["warnings"] == ["metric shop.gmv is deprecated: use net_gmv"]
    compiled = published.get("/v1/compile", params={"metric": "gmv"}).json()
    assert compiled["warnings"] == ["metric shop.gmv is deprecated"]
    assert published.get("/v1/metrics", params={"status": "deprecated"}).json()["total"] == 1


def test_compile_by_url_parameters(published: TestClient) -> None:
    response = published.get(
        "/v1/compile",
        params={
            "metric": ["gmv", "aov"],
            "by": "channel",
            "grain": "month",
            "dialect": "postgres",
            "where": "city = '北京'",
            "start": "2025-01-01",
            "end": "2025-07-01",
            "order_by": "-gmv",
            "limit": 10,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["metric_time", "channel", "gmv", "aov"]
    assert "'北京'" in body["sql"] and "LIMIT 10" in body["sql"]


def test_compile_get_and_post_agree(published: TestClient) -> None:
    by_get = published.get("/v1/compile", params={"metric": "paid_orders", "by": "city", "dialect": "mysql"})
    by_post = published.post(
        "/v1/compile", json={"metrics": ["paid_orders"], "dimensions": ["city"], "dialect": "mysql"}
    )
    assert by_get.json() == by_post.json()


def test_usual_queries_compile_on_the_event_loop_large_or_pinned_ones_in_a_thread(
    published: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[str] = []
    heavy = published.app.state.heavy  # type: ignore[attr-defined]
    real = heavy.run

    async def recorded(function, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(query.metrics[0])
        return await real(function, query, *args, **kwargs)

    monkeypatch.setattr(heavy, "run", recorded)
    long_where = " OR ".join(["city = '北京'"] * 100)
    assert len(long_where) > compile_router.INLINE["where"]
    many_values = [f"city {i}" for i in range(compile_router.INLINE["filter_values"] + 1)]
    bodies = [
        {"metrics": ["gmv"]},
        {"metrics": ["paid_orders@1"]},
        {"metrics": ["gmv"], "where": long_where},
        {"metrics": ["aov"], "filters": [{"dimension": "city", "op": "in", "values": ["北京", "上海"]}]},
        {"metrics": ["signups"], "filters": [{"dimension": "city", "op": "in", "values": many_values}]},
    ]
    for body in bodies:
        assert published.post("/v1/compile", json=body).status_code == 200, body
    assert hops == ["paid_orders@1", "gmv", "signups"]


def test_the_compile_size_check_counts_filter_values() -> None:
    few = [
        Filter(dimension="city", op="in", values=["北京"]) for _ in range(compile_router.INLINE["filters"])
    ]
    assert compile_router.inline(MetricQuery(metrics=["gmv"], filters=few))
    one_long_list = [Filter(dimension="city", op="in", values=[str(i) for i in range(MAX_VALUES)])]
    assert not compile_router.inline(MetricQuery(metrics=["gmv"], filters=one_long_list))


def test_compile_get_reports_query_model_errors_as_query_parameters(published: TestClient) -> None:
    response = published.get(
        "/v1/compile", params={"metric": "gmv", "start": "2025-02-01", "end": "2025-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.time_range"


def test_dimensions_and_sources(published: TestClient) -> None:
    dimensions = published.get("/v1/dimensions", params={"source": "shop.users"}).json()
    assert [(d["key"], d["label"]["zh"]) for d in dimensions] == [
        ("shop.channel", "获客渠道"),
        ("shop.city", "城市"),
    ]
    sources = published.get("/v1/sources").json()
    assert [(s["key"], s["table"], s["time"]) for s in sources] == [
        ("shop.orders", "shop.orders", "created_at"),
        ("shop.users", "shop.users", "signup_at"),
    ]
    assert sources[0]["entities"][0] == {"name": "order", "column": "order_id", "primary": True}


def test_lint_gives_the_cli_diagnostics_for_a_bundle_or_raw_yaml(client: TestClient) -> None:
    files = shop_files()
    report = client.post("/v1/lint", json={"files": files}).json()
    assert (report["ok"], report["files"], report["metrics"], report["issues"]) == (True, 2, 4, [])
    raw = client.post(
        "/v1/lint",
        params={"file": "shop/x.yaml"},
        headers={"content-type": "text/yaml"},
        content=b"metrics:\n  m:\n    type: atomic\n    source: nowhere\n",
    )
    issue = raw.json()["issues"][0]
    assert (issue["file"], issue["line"], issue["level"]) == ("shop/x.yaml", 2, "error")
    assert raw.json()["ok"] is False


def test_linting_one_file_uses_the_published_sources(published: TestClient) -> None:
    one = (
        "metrics:\n  big_orders:\n    type: atomic\n    source: shop.orders\n    agg: count\n"
        '    filter: "amount > 100"\n    label: {en: Big orders, zh: 大额订单数}\n'
        "    description: Orders over 100.\n    stage: revenue\n    owner: finance-team\n"
    )
    report = published.post("/v1/lint", json={"files": {"finance/big.yaml": one}}).json()
    assert (report["ok"], report["files"], report["metrics"], report["issues"]) == (True, 1, 1, [])


def test_linting_a_change_that_breaks_a_published_metric_points_at_the_change(published: TestClient) -> None:
    sources = shop_files()["shop/sources.yaml"]
    assert sources.count("      amount: decimal\n") == 1
    without_amount = sources.replace("      amount: decimal\n", "")
    report = published.post("/v1/lint", json={"files": {"shop/sources.yaml": without_amount}}).json()
    issue = report["issues"][0]
    assert (report["ok"], issue["code"], issue["file"]) == (False, "R005", "shop/sources.yaml")
    assert without_amount.splitlines()[issue["line"] - 1].strip() == "orders:"
    assert issue["message"].startswith("published metric shop.gmv, not in this bundle: ")


def test_a_metric_shows_the_conflicts_that_name_it(published: TestClient) -> None:
    copy = (
        "metrics:\n  paid_amount:\n    type: atomic\n    source: shop.orders\n    agg: sum\n"
        "    expr: amount\n    filter: \"status = 'paid'\"\n    label: {en: Paid amount, zh: 支付金额}\n"
        "    description: Amount of paid orders.\n    stage: revenue\n    owner: finance-team\n"
    )
    response = published.post(
        "/v1/publish", json={"files": {"finance/amounts.yaml": copy}}, headers=bearer(published)
    )
    assert [w["code"] for w in response.json()["warnings"]] == ["C002"]
    conflicts = published.get("/v1/metrics/shop.gmv").json()["conflicts"]
    assert [c["code"] for c in conflicts] == ["C002"]
    assert "finance.paid_amount" in conflicts[0]["message"]
    assert published.get("/v1/metrics/shop.paid_orders").json()["conflicts"] == []


def test_a_metric_without_a_time_column_shows_its_total_as_default_sql(published: TestClient) -> None:
    targets = (
        "sources:\n  targets: {table: shop.targets, columns: {amount: decimal}}\n"
        "metrics:\n  target:\n    type: atomic\n    source: targets\n    agg: sum\n    expr: amount\n"
        "    label: {en: Target, zh: 目标}\n    description: Sales target.\n    stage: revenue\n"
        "    owner: finance-team\n"
    )
    response = published.post(
        "/v1/publish", json={"files": {"plan/targets.yaml": targets}}, headers=bearer(published)
    )
    assert response.status_code == 200, response.text
    detail = published.get("/v1/metrics/plan.target").json()
    assert detail["warnings"] == []
    assert 'SUM("t0"."amount")' in detail["default_sql"] and "metric_time" not in detail["default_sql"]
