"""The catalog revision: a counter every write that adds a version bumps, read with one primary-key lookup.

`current_catalog()` on an unchanged store reads only the revision; any write — publish, deprecate, or a
version added by hand through `catalog.store.writes` — makes the next call rebuild, on every worker.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from catalog.store import Repository, writes
from tests.accounts import token_of


def test_the_revision_moves_exactly_when_a_version_is_written(repo: Repository, bundle: dict[str, str]):
    empty = repo.revision()
    repo.publish(bundle, author="ann")
    published = repo.revision()

    repo.publish(bundle, author="ann")  # nothing changed: nothing written
    token_of(repo, "analyst", "bi")
    assert repo.revision() == published != empty

    repo.deprecate("shop.gmv", "replaced", author="lead")
    deprecated = repo.revision()
    repo.deprecate("shop.gmv", "replaced", author="lead")  # already deprecated: nothing written
    assert repo.revision() == deprecated != published


def test_an_unchanged_store_is_not_read_again(
    repo: Repository, bundle: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    repo.publish(bundle, author="ann")
    first = repo.current_catalog()

    def no_reads(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the definitions were read again")

    monkeypatch.setattr(writes, "load_current", no_reads)
    assert repo.current_catalog() is first


def test_a_version_written_outside_publish_still_moves_the_revision(
    sqlite_repo: Repository, bundle: dict[str, str]
):
    sqlite_repo.publish(bundle, author="ann")
    before = sqlite_repo.current_catalog()
    with Session(sqlite_repo.engine) as session, session.begin():
        writes.create_definition(
            session,
            "metric",
            "shop",
            "orders_copy",
            {**before.catalog.metrics["shop.paid_orders"].definition},
            "import",
            "",
        )

    assert "shop.orders_copy" in sqlite_repo.current_catalog().catalog.metrics


def test_a_recreated_database_is_never_served_an_old_catalog(repo: Repository, bundle: dict[str, str]):
    other_worker = Repository(repo.engine)
    repo.publish(bundle, author="ann")
    assert "shop.gmv" in other_worker.current_catalog().catalog.metrics

    repo.downgrade("base")
    repo.upgrade()
    repo.publish({"common/sources.yaml": bundle["common/sources.yaml"]}, author="ann")  # revision 1 again

    assert other_worker.current_catalog().catalog.metrics == {}
