"""Concurrent publishers: no lost change, no version number used twice, numbers consecutive.

Twenty threads, each with its own `Repository` (its own connection pool, as separate service workers have),
start together and publish a different change to the same metric.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.store import CreatedVersion, PublishConflict, Repository, writes
from catalog.store.models import VersionRow

if TYPE_CHECKING:
    from tests.store.conftest import Edit

PUBLISHERS = 20
GMV_DESCRIPTION = "description: Sum of paid order amounts, on payment time."


def _publish_concurrently(url: str, bundles: list[dict[str, str]]) -> list[int]:
    start = threading.Barrier(len(bundles))

    def publish(changed: dict[str, str]) -> int:
        worker = Repository.from_url(url)
        try:
            start.wait()
            return len(worker.publish(changed, author="worker").created)
        finally:
            worker.engine.dispose()

    with ThreadPoolExecutor(len(bundles)) as pool:
        return list(pool.map(publish, bundles))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_twenty_publishers_of_one_metric(
    database: str, request: pytest.FixtureRequest, bundle: dict[str, str], edit: Edit
):
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "pg_url")
    setup = Repository.from_url(url)
    setup.upgrade()
    setup.publish(bundle, author="ann")
    changes = [
        edit(bundle, "shop/orders.yaml", GMV_DESCRIPTION, f"description: Paid order amounts (change {i}).")
        for i in range(PUBLISHERS)
    ]

    created = _publish_concurrently(url, changes)

    history = setup.versions("shop.gmv")
    assert created == [1] * PUBLISHERS
    assert [v.number for v in history] == list(range(1, PUBLISHERS + 2))
    descriptions = [v.definition["description"] for v in history[1:]]
    assert sorted(descriptions) == sorted(f"Paid order amounts (change {i})." for i in range(PUBLISHERS))
    assert setup.get_metric("shop.gmv").version == PUBLISHERS + 1  # type: ignore[union-attr]
    assert setup.counts()["audit_log"] == PUBLISHERS + 1
    setup.engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_twenty_publishers_of_a_new_metric(
    database: str, request: pytest.FixtureRequest, bundle: dict[str, str]
):
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "pg_url")
    setup = Repository.from_url(url)
    setup.upgrade()
    setup.publish(bundle, author="ann")
    new_metric = """metrics:
  refunds:
    type: atomic
    source: orders
    agg: count
    filter: "status = 'refunded'"
    label: {{en: Refunds, zh: 退款订单数}}
    description: Refunded orders ({i}).
    stage: revenue
    owner: shop-team
"""
    changes = [{"shop/refunds.yaml": new_metric.format(i=i)} for i in range(PUBLISHERS)]

    _publish_concurrently(url, changes)

    history = setup.versions("shop.refunds")
    assert [v.number for v in history] == list(range(1, PUBLISHERS + 1))
    assert len({v.definition["description"] for v in history}) == PUBLISHERS
    setup.engine.dispose()


def test_the_database_refuses_two_versions_with_one_number(repo: Repository, bundle: dict[str, str]):
    repo.publish(bundle, author="ann")
    first = repo.versions("shop.gmv")[0]
    with repo.engine.connect() as connection:
        definition_id = connection.scalar(
            VersionRow.__table__.select()
            .with_only_columns(VersionRow.definition_id)
            .where(VersionRow.content_hash == first.content_hash)
        )

        with pytest.raises(IntegrityError):
            connection.execute(
                insert(VersionRow).values(
                    definition_id=definition_id,
                    number=1,
                    content_hash="x",
                    semantic_hash="x",
                    definition={},
                    author="intruder",
                    note="",
                    created_at=first.created_at,
                )
            )


def test_a_writer_holding_a_stale_version_is_refused(sqlite_repo: Repository, bundle: dict[str, str]):
    sqlite_repo.publish(bundle, author="ann")
    with Session(sqlite_repo.engine) as session:
        stale = writes.load_current(session)[("metric", "shop.gmv")]
    sqlite_repo.deprecate("shop.gmv", "moved", author="lead")  # version 2, behind the stale writer's back

    with Session(sqlite_repo.engine) as session, pytest.raises(writes.StaleVersion):
        writes.append_version(session, stale, {**stale.definition, "unit": "USD"}, "late", "")


def test_a_collision_is_retried(
    sqlite_repo: Repository, bundle: dict[str, str], edit: Edit, monkeypatch: pytest.MonkeyPatch
):
    sqlite_repo.publish(bundle, author="ann")
    real, calls = writes.append_versions, []

    def collide_once(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise writes.StaleVersion("shop.gmv")
        return real(*args)

    monkeypatch.setattr(writes, "append_versions", collide_once)
    changed = edit(bundle, "shop/orders.yaml", GMV_DESCRIPTION, "description: Retried.")

    assert sqlite_repo.publish(changed, author="bob").created == [CreatedVersion("metric", "shop.gmv", 2)]
    assert len(calls) == 2


def test_a_publish_that_keeps_colliding_is_a_conflict_and_writes_nothing(
    sqlite_repo: Repository, bundle: dict[str, str], edit: Edit, monkeypatch: pytest.MonkeyPatch
):
    sqlite_repo.publish(bundle, author="ann")
    before = sqlite_repo.counts()

    def always_collide(*args: Any) -> Any:
        raise writes.StaleVersion("shop.gmv")

    monkeypatch.setattr(writes, "append_versions", always_collide)
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    changed = edit(bundle, "shop/orders.yaml", GMV_DESCRIPTION, "description: Never stored.")

    with pytest.raises(PublishConflict):
        sqlite_repo.publish(changed, author="bob")
    assert sqlite_repo.counts() == before
