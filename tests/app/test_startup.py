"""First start: migrate, publish the bundled definitions into an empty store, write the demo warehouse."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from app.startup import prepare
from catalog.store.repository import Repository
from tests.app.conftest import SHOP, settings_for


def test_first_start_publishes_the_definitions_once(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, defs_path=SHOP)
    repo = Repository.from_url(settings.database_url)
    assert prepare(repo, settings) == [f"published 9 definitions from {SHOP}"]
    assert sorted(repo.current_catalog().catalog.metrics) == [
        "shop.aov",
        "shop.gmv",
        "shop.paid_orders",
        "shop.signups",
    ]
    assert prepare(repo, settings) == []  # a restart
    assert [v.number for v in repo.versions("shop.gmv")] == [1]


def test_a_store_with_definitions_is_not_seeded(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, defs_path=SHOP)
    repo = Repository.from_url(settings.database_url)
    repo.upgrade()
    repo.publish({"other/a.yaml": "sources:\n  t: {table: dw.t, columns: {id: integer}}\n"}, author="ann")
    prepare(repo, settings)
    assert repo.current_catalog().catalog.metrics == {}


def test_definitions_outside_the_allowed_schemas_are_logged_not_published(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, defs_path=SHOP, allowed_schemas=frozenset({"mart"}))
    repo = Repository.from_url(settings.database_url, settings.allowed_schemas)
    with caplog.at_level(logging.ERROR, logger="caliber.app"):
        assert prepare(repo, settings) == []
    assert repo.counts()["versions"] == 0
    assert "S008" in caplog.text and "were not published" in caplog.text


def test_missing_warehouse_is_generated(tmp_path: Path) -> None:
    warehouse = tmp_path / "demo.duckdb"
    settings = settings_for(tmp_path, warehouse_path=warehouse, demo_rows=100)
    assert prepare(Repository.from_url(settings.database_url), settings) == [
        f"wrote the demo warehouse {warehouse} (100 rows scale)"
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dw.dim_users").fetchone()[0] > 0  # type: ignore[index]
    assert not (tmp_path / "demo.duckdb.partial").exists()
