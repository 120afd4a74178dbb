"""The web catalog in a real browser: Debian's headless Chromium, driven by Playwright, against a real server
(uvicorn on a free loopback port, over the seeded store of `conftest.seed`).

Screenshots of the home page and a metric page, laptop- and phone-sized, land in tests/artifacts/screenshots/.
Every request the pages make is checked to stay on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from tests.live_server import live_server
from tests.web.conftest import seed

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
WINDOWS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a uvicorn process serving the seeded store."""
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'catalog.db'}"
    seed(url)
    env = {
        "CALIBER_DATABASE_URL": url,
        "CALIBER_WAREHOUSE_PATH": "",
        "CALIBER_DEFS_PATH": str(tmp / "no-defs"),
    }
    with live_server(env, tmp) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Offsite:
    """Blocks and records every request that would leave 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()


@pytest.fixture
def context(browser: Browser) -> Iterator[tuple[BrowserContext, Offsite]]:
    ctx = browser.new_context(locale="zh-CN", viewport=WINDOWS["laptop"])
    offsite = Offsite()
    ctx.route("**/*", offsite)
    yield ctx, offsite
    ctx.close()
    assert offsite.requests == [], f"requests left the service: {offsite.requests}"


@pytest.fixture
def page(context: tuple[BrowserContext, Offsite]) -> Page:
    return context[0].new_page()


def test_search_in_chinese_finds_the_metric(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    page.fill("#q", "付费转化")
    page.press("#q", "Enter")
    link = page.get_by_role("link", name="付费转化率")
    expect(link).to_be_visible()
    expect(page.locator("article.row")).to_have_count(1)
    link.click()
    expect(page).to_have_url(f"{server}/m/growth/paying_rate")
    expect(page.locator("h1")).to_contain_text("付费转化率")


def test_the_dialect_picker_changes_the_sql(server: str, page: Page) -> None:
    page.goto(f"{server}/m/growth/paying_users")
    sql = page.locator("#sql")
    expect(sql).to_have_attribute("data-dialect", "duckdb")
    duckdb = sql.inner_text()
    page.select_option("#dialect", "hive")
    expect(page.locator("#sql")).to_have_attribute("data-dialect", "hive")
    hive = page.locator("#sql").inner_text()
    assert hive != duckdb and "`dw`.`fact_orders`" in hive and '"dw"."fact_orders"' in duckdb
    expect(page).to_have_url(f"{server}/m/growth/paying_users?dialect=hive")  # still a shareable link


def test_the_dialect_picker_works_without_javascript(server: str, browser: Browser) -> None:
    ctx = browser.new_context(java_script_enabled=False, locale="en-US")
    offsite = Offsite()
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    page.goto(f"{server}/m/growth/paying_users")
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()  # needs scripts, so it stays hidden
    page.select_option("#dialect", "clickhouse")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{server}/m/growth/paying_users?dialect=clickhouse")
    expect(page.locator("#sql")).to_have_attribute("data-dialect", "clickhouse")
    ctx.close()
    assert offsite.requests == []


def test_the_copy_button_copies_the_sql(server: str, context: tuple[BrowserContext, Offsite]) -> None:
    ctx, _ = context
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = ctx.new_page()
    page.goto(f"{server}/m/sales/gmv?dialect=postgres")
    button = page.get_by_role("button", name="复制")
    button.click()
    expect(button).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#sql").inner_text()


def test_the_language_switch_changes_labels_and_is_remembered(server: str, page: Page) -> None:
    page.goto(f"{server}/m/growth/signups")
    expect(page.locator("h1")).to_contain_text("注册用户数")
    expect(page.locator("#history h2")).to_have_text("版本历史")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{server}/m/growth/signups")
    expect(page.locator("h1")).to_contain_text("Signups")
    expect(page.locator("#history h2")).to_have_text("Version history")
    page.goto(f"{server}/")  # a new page: the cookie remembers English
    expect(page.get_by_role("link", name="All metrics")).to_be_visible()
    expect(page.get_by_role("link", name="Paying rate")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("link", name="付费转化率")).to_be_visible()


def test_a_conflict_shows_on_both_metrics_pages(server: str, page: Page) -> None:
    page.goto(f"{server}/m/growth/paying_users")
    findings = page.locator("#findings")
    expect(findings).to_contain_text("C001")
    expect(findings).to_contain_text("同名不同口径")
    findings.get_by_role("link", name="付费用户数").click()
    expect(page).to_have_url(f"{server}/m/sales/paying_users")
    expect(page.locator("#findings")).to_contain_text("C001")
    expect(page.locator("#findings").get_by_role("link", name="付费用户数")).to_have_attribute(
        "href", "/m/growth/paying_users"
    )


def test_the_conflicts_page_lists_the_conflict_and_the_duplicate(server: str, page: Page) -> None:
    page.goto(f"{server}/")
    page.get_by_role("link", name="冲突与重复").click()
    expect(page.locator("article.finding")).to_have_count(2)
    expect(page.locator("article.finding.conflict")).to_contain_text("sales.paying_users")
    expect(page.locator("article.finding.duplicate")).to_contain_text("sales.order_count")


@pytest.mark.parametrize("window", list(WINDOWS))
def test_screenshots_of_home_and_a_metric_page(server: str, browser: Browser, window: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(locale="zh-CN", viewport=WINDOWS[window], device_scale_factor=1)
    offsite = Offsite()
    ctx.route("**/*", offsite)
    page = ctx.new_page()
    for name, path in (
        ("home", "/"),
        ("metric", "/m/growth/paying_users"),
        ("history", "/m/growth/signups"),
        ("conflicts", "/conflicts"),
    ):
        page.goto(f"{server}{path}")
        # Readable at this width: nothing wider than the window except inside the scrollable SQL block.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a {window} window"
        target = SCREENSHOTS / f"{name}-{window}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    ctx.close()
    assert offsite.requests == []


def test_the_header_search_works_from_a_metric_page(server: str, page: Page) -> None:
    page.goto(f"{server}/m/sales/gmv")
    page.get_by_role("searchbox", name="搜索").fill("客单价")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/?q=%E5%AE%A2%E5%8D%95%E4%BB%B7")
    expect(page.get_by_role("link", name="客单价")).to_be_visible()


def test_the_api_docs_render_every_operation_without_leaving_the_service(server: str, page: Page) -> None:
    operations = page.request.get(f"{server}/openapi.json").json()["paths"]
    count = sum(len(methods) for methods in operations.values())
    page.goto(f"{server}/docs")
    expect(page.locator(".opblock")).to_have_count(count)
    expect(page.locator(".opblock-summary-path", has_text="/v1/compile").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "docs-laptop.png")
