"""The web catalog's pages over a seeded store, through the ASGI app (no browser)."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.web.conftest import publish_metric, seed, settings_for

EN = {"Accept-Language": "en"}


def sql_of(html: str) -> str:
    found = re.search(r'<code id="sql" data-dialect="([^"]+)">(.*?)</code>', html, re.S)
    assert found, "no SQL block"
    return html_lib.unescape(found.group(2))


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=付费",
        "/?stage=revenue",
        "/?namespace=sales",
        "/?page=2",
        "/?stage=nonsense",
        "/m/growth/signups",
        "/m/growth/paying_rate?dialect=hive",
        "/m/sales/average_order_value",
        "/m/growth/signups?v=1",
        "/conflicts",
    ],
)
def test_every_page_renders(seeded: TestClient, url: str) -> None:
    response = seeded.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "</html>" in response.text


def test_assets_are_served_by_the_app_and_nothing_is_linked_from_outside(seeded: TestClient) -> None:
    html = seeded.get("/m/growth/paying_rate").text
    assets = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert all(a.startswith(("/", "?", "#")) for a in assets), assets
    for path in ("/static/web/web.css", "/static/web/web.js"):
        assert f'"{path}?v=' in html
        assert seeded.get(path).status_code == 200


def test_chinese_search_finds_both_paying_users_and_ranks_label_matches_first(seeded: TestClient) -> None:
    html = seeded.get("/?q=付费用户数", headers=EN).text
    assert 'href="/m/growth/paying_users"' in html and 'href="/m/sales/paying_users"' in html
    assert "2 results" in html
    assert 'href="/m/sales/gmv"' not in html


def test_search_looks_in_descriptions_too(seeded: TestClient) -> None:
    html = seeded.get("/?q=refunded", headers=EN).text
    assert 'href="/m/sales/paying_users"' in html and 'href="/m/growth/paying_users"' not in html


def test_home_counts_metrics_by_stage_and_namespace(seeded: TestClient) -> None:
    html = seeded.get("/", headers=EN).text
    counts = dict(re.findall(r'<span>([^<]+)</span><span class="count">(\d+)</span>', html))
    assert counts == {
        "Acquisition": "1",
        "Activation": "1",
        "Retention": "0",
        "Revenue": "7",
        "Referral": "0",
        "growth": "4",
        "sales": "5",
    }
    assert "9 metrics" in html


def test_a_stage_filter_keeps_the_search_text(seeded: TestClient) -> None:
    html = seeded.get("/?q=users&stage=revenue", headers=EN).text
    assert 'href="/m/growth/paying_users"' in html and 'href="/m/growth/signups"' not in html
    assert 'href="/?q=users"' in html  # the chip that clears the stage keeps the text


def test_metric_page_explains_the_caliber_in_words_and_as_a_tree(seeded: TestClient) -> None:
    html = seeded.get("/m/growth/paying_rate", headers=EN).text
    assert "Paying users divided by Signups" in html
    assert 'class="role">numerator</span>' in html and 'class="role">denominator</span>' in html
    assert 'href="/m/growth/paying_users"' in html and 'href="/m/growth/signups"' in html
    assert (
        "number of distinct user_id in orders (table dw.fact_orders), only rows where status = &#39;paid&#39;"
    ) in html
    for fact in ("growth-team", "ratio", "Activation"):
        assert f"<dd>{fact}</dd>" in html


def test_derived_metric_names_each_term(seeded: TestClient) -> None:
    html = seeded.get("/m/sales/average_order_value", headers=EN).text
    assert "computed as gmv / order_count, where gmv = GMV; order_count = Order count" in html


def test_allowed_dimensions_are_those_every_component_reaches(seeded: TestClient) -> None:
    ratio = seeded.get("/m/growth/paying_rate").text
    assert "<code>common.channel</code>" in ratio and "<code>common.city</code>" in ratio
    assert "<code>common.order_status</code>" not in ratio  # signups (users) cannot reach orders
    assert "<code>common.order_status</code>" in seeded.get("/m/growth/paying_users").text


def test_status_badges(seeded: TestClient) -> None:
    assert '<span class="badge standard">Standard</span>' in seeded.get("/m/sales/gmv", headers=EN).text
    legacy = seeded.get("/m/sales/legacy_revenue", headers=EN).text
    assert '<span class="badge deprecated">Deprecated</span>' in legacy
    assert "badge standard" not in legacy


def test_the_dialect_parameter_picks_the_sql(seeded: TestClient) -> None:
    duckdb = sql_of(seeded.get("/m/growth/paying_users").text)
    hive = sql_of(seeded.get("/m/growth/paying_users?dialect=hive").text)
    assert duckdb != hive
    assert "`dw`.`fact_orders`" in hive and '"dw"."fact_orders"' in duckdb
    assert 'data-dialect="hive"' in seeded.get("/m/growth/paying_users?dialect=hive").text
    assert '<option value="hive" selected>' in seeded.get("/m/growth/paying_users?dialect=hive").text


def test_an_unknown_dialect_shows_the_default_one(seeded: TestClient) -> None:
    html = seeded.get("/m/growth/paying_users?dialect=cobol").text
    assert 'data-dialect="duckdb"' in html


def test_a_conflict_shows_on_both_metrics_pages(seeded: TestClient) -> None:
    pair = ("growth/paying_users", "sales/paying_users")
    for here, other in (pair, pair[::-1]):
        html = seeded.get(f"/m/{here}", headers=EN).text
        findings = html.split('id="findings"', 1)[1].split("</section>", 1)[0]
        assert "C001" in findings and "Same name or label, different caliber" in findings
        assert f'href="/m/{other}"' in findings
        assert "refunded" in findings  # the difference is spelled out


def test_the_conflict_is_explained_in_chinese_by_default(seeded: TestClient) -> None:
    html = seeded.get("/m/sales/paying_users").text
    assert "同名不同口径" in html and "口径不同" in html


def test_conflicts_page_lists_every_conflict_and_duplicate(seeded: TestClient) -> None:
    html = seeded.get("/conflicts", headers=EN).text
    assert html.count('<article class="finding') == 2
    assert "C001" in html and "C002" in html
    for key in ("growth.paying_users", "sales.paying_users", "growth.orders_placed", "sales.order_count"):
        assert f"<code>{key}</code>" in html


def test_home_marks_the_metrics_that_conflict_or_duplicate(seeded: TestClient) -> None:
    rows = seeded.get("/", headers=EN).text.split('<article class="row')[1:]
    marks = {
        row.split("<code>", 1)[1].split("</code>", 1)[0]: re.findall(r'badge (error|warning)">', row)
        for row in rows
    }
    assert {key: found for key, found in marks.items() if found} == {
        "growth.paying_users": ["error"],
        "sales.paying_users": ["error"],
        "growth.orders_placed": ["warning"],
        "sales.order_count": ["warning"],
    }


def test_a_metric_without_findings_says_so(seeded: TestClient) -> None:
    assert "No conflict or duplicate with another metric." in seeded.get("/m/sales/gmv", headers=EN).text


def test_history_lists_versions_newest_first_with_readable_diffs(seeded: TestClient) -> None:
    html = seeded.get("/m/growth/signups", headers=EN).text
    history = html.split('id="history"', 1)[1]
    numbers = [int(n) for n in re.findall(r'<a href="\?v=(\d+)">', history)]
    assert numbers == [4, 3, 2, 1]
    v3 = history.split('href="?v=3"', 1)[1].split('href="?v=2"', 1)[0]
    assert "caliber changed" in v3 and "<code>filter</code>" in v3 and "channel IS NOT NULL" in v3
    v4 = history.split('href="?v=4"', 1)[1].split('href="?v=3"', 1)[0]
    assert "metadata only" in v4 and "growth-team" in v4 and "growth-analytics" in v4


def test_a_version_link_shows_that_version(seeded: TestClient) -> None:
    v3 = seeded.get("/m/growth/signups?v=3", headers=EN).text
    assert "You are viewing version 3 (the current one is 4)." in v3
    assert "only rows where channel IS NOT NULL" in v3 and "<dd>growth-team</dd>" in v3
    v1 = seeded.get("/m/growth/signups?v=1", headers=EN).text
    assert "only rows where" not in v1 and "Number of registered users, on signup time." in v1
    assert '<input type="hidden" name="v" value="1">' in v1  # the dialect picker stays on the version
    current = seeded.get("/m/growth/signups?v=4", headers=EN).text
    assert "You are viewing version" not in current and "<dd>growth-analytics</dd>" in current


def test_a_version_that_does_not_exist_is_a_404(seeded: TestClient) -> None:
    response = seeded.get("/m/growth/signups?v=9", headers=EN)
    assert response.status_code == 404
    assert "Metric growth.signups has no version 9." in response.text


@pytest.mark.parametrize(
    ("headers", "cookies", "title"),
    [
        ({}, {}, "找不到该指标"),
        ({"Accept-Language": "en-GB,en;q=0.8"}, {}, "Metric not found"),
        ({"Accept-Language": "en"}, {"caliber_lang": "zh"}, "找不到该指标"),
        ({"Accept-Language": "zh-CN"}, {"caliber_lang": "en"}, "Metric not found"),
    ],
)
def test_an_unknown_metric_is_a_404_in_the_readers_language(
    seeded: TestClient, headers: dict[str, str], cookies: dict[str, str], title: str
) -> None:
    seeded.cookies.clear()
    for name, value in cookies.items():
        seeded.cookies.set(name, value)
    response = seeded.get("/m/growth/nothing_here", headers=headers)
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in response.text
    assert "growth.nothing_here" in response.text


def test_the_language_switch_remembers_the_choice_and_goes_back(seeded: TestClient) -> None:
    response = seeded.get("/lang/en?next=/m/growth/signups%3Fdialect%3Dhive", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/m/growth/signups?dialect=hive"
    assert "caliber_lang=en" in response.headers["set-cookie"]
    html = seeded.get("/m/growth/signups").text  # the client kept the cookie
    assert '<html lang="en">' in html and "Version history" in html


def test_lang_query_parameter_works_and_is_remembered(seeded: TestClient) -> None:
    response = seeded.get("/?lang=en")
    assert "All metrics" in response.text and "caliber_lang=en" in response.headers["set-cookie"]
    assert "All metrics" in seeded.get("/conflicts").text


def test_the_language_links_point_back_to_the_same_page(seeded: TestClient) -> None:
    html = seeded.get("/m/growth/signups?dialect=hive&lang=zh").text
    assert 'href="/lang/en?next=/m/growth/signups%3Fdialect%3Dhive"' in html


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "evil.example",
    ],
)
def test_the_language_switch_never_redirects_off_the_site(seeded: TestClient, target: str) -> None:
    response = seeded.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


HOSTILE = {
    "type": "atomic",
    "source": "orders",
    "agg": "count",
    "stage": "revenue",
    "owner": "<b>mallory</b>",
    "label": {"en": "<script>alert('en')</script>", "zh": "<img src=x onerror=alert(1)>"},
    "description": '"><svg onload=alert(2)> & more',
}


def test_names_labels_and_search_text_are_escaped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    publish_metric(seed(url), "sales", "hostile", HOSTILE)
    with TestClient(create_app(settings_for(url, tmp_path))) as client:
        pages = [
            client.get(path, headers=EN).text
            for path in (
                "/",
                "/?q=<script>",
                "/m/sales/hostile",
                "/?q=%22%3E%3Cscript%3Ealert(3)%3C/script%3E",
            )
        ]
        zh = client.get("/m/sales/hostile", headers={"Accept-Language": "zh"}).text
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "<b>mallory" not in html
    assert "&lt;script&gt;alert(&#39;en&#39;)&lt;/script&gt;" in pages[2]
    assert "&#34;&gt;&lt;svg onload=alert(2)&gt; &amp; more" in pages[2]
    assert "&lt;img src=x onerror=alert(1)&gt;" in zh and "<img src=x" not in zh
