"""A store for the web catalog tests: the `tests/fixtures/web` tree, a metric with four versions, a duplicate
and a conflict between two namespaces (published with `conflicts="warning"`, see `publish_metric`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from catalog.store.repository import Repository

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "web"

# The other half of the conflict with growth.paying_users: same labels, refunded orders counted too.
SALES_PAYING_USERS: dict[str, Any] = {
    "type": "atomic",
    "source": "orders",
    "agg": "count_distinct",
    "expr": "user_id",
    "filter": "status IN ('paid', 'refunded')",
    "label": {"en": "Paying users", "zh": "付费用户数"},
    "description": "Distinct users with a paid or refunded order, on payment time.",
    "stage": "revenue",
    "owner": "sales-team",
    "unit": "users",
}

# growth.signups after version 1: (what changes in growth/metrics.yaml, the note of the version).
SIGNUPS_HISTORY: tuple[tuple[tuple[str, str], str], ...] = (
    (
        (
            "description: Number of registered users, on signup time.",
            "description: Registered users (test accounts removed upstream), on signup time.",
        ),
        "reword",
    ),
    (
        (
            "    agg: count\n    label: {en: Signups",
            '    agg: count\n    filter: "channel IS NOT NULL"\n    label: {en: Signups',
        ),
        "attributed users only",
    ),
    (
        (
            "    owner: growth-team\n    unit: users\n\n  paying_users",
            "    owner: growth-analytics\n    unit: users\n\n  paying_users",
        ),
        "new owner",
    ),
)


def fixture_files() -> dict[str, str]:
    return {p.relative_to(FIXTURE).as_posix(): p.read_text("utf-8") for p in sorted(FIXTURE.rglob("*.yaml"))}


def publish_metric(repo: Repository, namespace: str, name: str, definition: dict[str, Any]) -> None:
    """Publish one metric with conflicts as warnings, as an organisation migrating its metrics may: the
    conflict is stored and open, and the web catalog must show it on both metrics' pages."""
    text = json.dumps({"metrics": {name: definition}}, ensure_ascii=False)  # JSON is YAML
    repo.publish(
        {f"{namespace}/{name}.yaml": text},
        author="migration",
        note="conflicts tolerated",
        conflicts="warning",
    )


def seed(database_url: str) -> Repository:
    """Migrate and fill the store at `database_url`; growth.signups ends at version 4."""
    repo = Repository.from_url(database_url)
    repo.upgrade()
    files = fixture_files()
    repo.publish(files, author="growth-bot", note="first publish")
    for (old, new), note in SIGNUPS_HISTORY:
        text = files["growth/metrics.yaml"]
        assert text.count(old) == 1, old
        files["growth/metrics.yaml"] = text.replace(old, new)
        assert repo.publish(
            {"growth/metrics.yaml": files["growth/metrics.yaml"]}, author="ann", note=note
        ).created
    publish_metric(repo, "sales", "paying_users", SALES_PAYING_USERS)
    return repo


def settings_for(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, warehouse_path=None, defs_path=tmp_path / "no-defs")


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One seeded store per test module (seeding takes seconds); tests that write use their own."""
    tmp_path = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    seed(url)
    with TestClient(create_app(settings_for(url, tmp_path)), raise_server_exceptions=True) as client:
        yield client


@pytest.fixture
def seeded(seeded_app: TestClient) -> TestClient:
    """The seeded app's client with no cookie (no remembered language) at the start of the test."""
    seeded_app.cookies.clear()
    return seeded_app
