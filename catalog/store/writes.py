"""Reading the current state and appending versions, inside a transaction the repository opens.

Every new version goes through `append_versions`, which moves each definition's `current_version` with a
compare-and-set UPDATE: if another writer moved one first, fewer rows match and `StaleVersion` makes the
repository retry the whole transaction, so no change is ever lost or numbered twice — even on a database
where the repository cannot take a lock up front. Writes are a few multi-row statements whatever the size of
the bundle (one statement per row made publishing 10k metrics take minutes), and every transaction that adds
a version bumps the catalog revision once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from catalog.store.hashing import content_hash, semantic_hash
from catalog.store.models import AuditRow, CatalogStateRow, DefinitionRow, NamespaceRow, VersionRow, utcnow
from catalog.store.overlay import Stored
from catalog.store.records import Kind

_BUMPED = "caliber_revision_bumped"
_REVISION_SQL = "SELECT epoch, revision FROM catalog_state WHERE id = 1"


class StaleVersion(Exception):
    """Another writer created a version of the same definition during this transaction."""


@dataclass(frozen=True, slots=True)
class Current:
    """A definition at its current version."""

    id: int
    kind: Kind
    namespace: str
    name: str
    number: int
    content_hash: str
    semantic_hash: str
    definition: Mapping[str, Any]
    latest: int = 0
    """The highest version number stored: above `number` while a change waits for review."""

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def next_number(self) -> int:
        return max(self.number, self.latest) + 1

    def stored(self) -> Stored:
        return Stored(self.kind, self.namespace, self.name, self.definition)


def current_join() -> Any:
    return (
        select(DefinitionRow, VersionRow, NamespaceRow.name)
        .join(
            VersionRow,
            (VersionRow.definition_id == DefinitionRow.id)
            & (VersionRow.number == DefinitionRow.current_version),
        )
        .join(NamespaceRow, NamespaceRow.id == DefinitionRow.namespace_id)
    )


def load_current(session: Session, kind: Kind | None = None) -> dict[tuple[Kind, str], Current]:
    # Plain columns, not ORM objects: nothing read here is changed through the session.
    latest = (
        select(VersionRow.definition_id, func.max(VersionRow.number).label("latest"))
        .group_by(VersionRow.definition_id)
        .subquery()
    )
    query = (
        select(
            DefinitionRow.id,
            DefinitionRow.kind,
            NamespaceRow.name,
            DefinitionRow.name,
            VersionRow.number,
            VersionRow.content_hash,
            VersionRow.semantic_hash,
            VersionRow.definition,
            latest.c.latest,
        )
        .join(
            VersionRow,
            (VersionRow.definition_id == DefinitionRow.id)
            & (VersionRow.number == DefinitionRow.current_version),
        )
        .join(NamespaceRow, NamespaceRow.id == DefinitionRow.namespace_id)
        .join(latest, latest.c.definition_id == DefinitionRow.id)
    )
    if kind is not None:
        query = query.where(DefinitionRow.kind == kind)
    out: dict[tuple[Kind, str], Current] = {}
    for row in session.execute(query):
        current = Current(*row)
        out[(current.kind, current.key)] = current
    return out


Revision = tuple[str, int]
"""(epoch, counter) of `catalog_state`: equal revisions mean the same stored catalog."""


def revision(session: Session) -> Revision:
    """The catalog's revision: one primary-key read, however many definitions are stored."""
    epoch, number = session.execute(
        select(CatalogStateRow.epoch, CatalogStateRow.revision).where(CatalogStateRow.id == 1)
    ).one()
    return epoch, number


def read_revision(engine: Engine) -> Revision:
    """`revision` outside any session, on the driver's connection: SQLAlchemy's statement and transaction
    layers cost most of such a read, and this read happens on every request for the catalog."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(_REVISION_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which rolls back what the read began
    if row is None:
        raise LookupError("the catalog_state row is missing: run `caliber db upgrade`")
    return str(row[0]), int(row[1])


@dataclass(frozen=True, slots=True)
class Draft:
    """A definition about to get a version: what was published and its semantic hash."""

    kind: Kind
    namespace: str
    name: str
    definition: Mapping[str, Any]
    semantic_hash: str

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}"


def create_definitions(session: Session, drafts: Sequence[Draft], author: str, note: str) -> None:
    """Insert new definitions at version 1, in three statements whatever their number.

    A concurrent creator of the same key makes the insert fail on UNIQUE(kind, key): the caller retries.
    """
    if not drafts:
        return
    namespaces = namespace_ids(session, {d.namespace for d in drafts})
    now = utcnow()
    # Matched back by (kind, key), not by order: asking SQLite for rows in parameter order makes SQLAlchemy
    # insert them one statement at a time.
    ids = {
        (kind, key): i
        for i, kind, key in session.execute(
            insert(DefinitionRow).returning(DefinitionRow.id, DefinitionRow.kind, DefinitionRow.key),
            [
                {
                    "kind": d.kind,
                    "namespace_id": namespaces[d.namespace],
                    "name": d.name,
                    "key": d.key,
                    "current_version": 1,
                    "status": _status(d.definition),
                    "created_at": now,
                    "updated_at": now,
                }
                for d in drafts
            ],
        )
    }
    _insert_versions(session, [(ids[(d.kind, d.key)], 1, d) for d in drafts], author, note, now)


def append_versions(
    session: Session, changes: Sequence[tuple[Current, Draft]], author: str, note: str
) -> None:
    """Give each definition its next version, moving `current_version` by compare-and-set.

    Raises `StaleVersion` when another writer moved any of them first (the caller retries the transaction).
    """
    if not changes:
        return
    now = utcnow()
    moved = session.execute(
        update(cast(Table, DefinitionRow.__table__))  # Core: the ORM's bulk UPDATE takes no compare-and-set
        .where(DefinitionRow.id == bindparam("b_id"), DefinitionRow.current_version == bindparam("b_number"))
        .values(current_version=bindparam("b_next"), status=bindparam("b_status"), updated_at=now),
        [
            {"b_id": c.id, "b_number": c.number, "b_next": c.next_number, "b_status": _status(d.definition)}
            for c, d in changes
        ],
    )
    if moved.rowcount != len(changes):  # type: ignore[attr-defined]
        raise StaleVersion(", ".join(c.key for c, _ in changes))
    _insert_versions(session, [(c.id, c.next_number, d) for c, d in changes], author, note, now)


def propose_versions(
    session: Session, changes: Sequence[tuple[Current, Draft]], author: str, note: str
) -> list[int]:
    """Store each change as the definition's next version without making it current (it waits for review);
    the numbers given. A concurrent writer taking the same number makes the insert fail: the caller retries."""
    numbers = [c.next_number for c, _ in changes]
    if changes:
        _insert_versions(session, [(c.id, c.next_number, d) for c, d in changes], author, note, utcnow())
    return numbers


def namespace_ids(session: Session, names: set[str]) -> dict[str, int]:
    found = dict(
        session.execute(
            select(NamespaceRow.name, NamespaceRow.id).where(NamespaceRow.name.in_(sorted(names)))
        ).all()
    )
    missing = sorted(names - set(found))
    if missing:
        now = utcnow()
        session.execute(insert(NamespaceRow), [{"name": n, "created_at": now} for n in missing])
        found.update(
            session.execute(
                select(NamespaceRow.name, NamespaceRow.id).where(NamespaceRow.name.in_(missing))
            ).all()
        )
    return found


def create_definition(
    session: Session,
    kind: Kind,
    namespace: str,
    name: str,
    definition: Mapping[str, Any],
    author: str,
    note: str,
) -> None:
    """One new definition, its references hashed as written (the store's publish hashes them resolved)."""
    create_definitions(
        session, [Draft(kind, namespace, name, definition, semantic_hash(definition))], author, note
    )


def append_version(
    session: Session, current: Current, definition: Mapping[str, Any], author: str, note: str
) -> None:
    """The next version of one definition with the current version's meaning (e.g. a deprecation)."""
    append_versions(
        session,
        [(current, Draft(current.kind, current.namespace, current.name, definition, current.semantic_hash))],
        author,
        note,
    )


def audit(session: Session, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None:
    session.add(AuditRow(actor=short(actor), action=action, target=target, detail=dict(detail)))


def _insert_versions(
    session: Session, rows: list[tuple[int, int, Draft]], author: str, note: str, now: datetime
) -> None:
    session.execute(
        insert(VersionRow),
        [
            {
                "definition_id": definition_id,
                "number": number,
                "content_hash": content_hash(d.definition),
                "semantic_hash": d.semantic_hash,
                "definition": dict(d.definition),
                "author": short(author),
                "note": note,
                "created_at": now,
            }
            for definition_id, number, d in rows
        ],
    )  # UNIQUE(definition_id, number) is the last line of defence
    bump_revision(session)


def bump_revision(session: Session) -> None:
    """Bump the catalog revision once per transaction, in the transaction that adds the versions."""
    transaction = session.get_transaction()
    if session.info.get(_BUMPED) is transaction:
        return
    session.execute(
        update(CatalogStateRow)
        .where(CatalogStateRow.id == 1)
        .values(revision=CatalogStateRow.revision + 1)
        .execution_options(synchronize_session=False)
    )
    session.info[_BUMPED] = transaction


def _status(definition: Mapping[str, Any]) -> str:
    status = definition.get("status", "active")
    return status if isinstance(status, str) else "active"


def short(person: str) -> str:
    """Author and actor columns hold 200 characters; a longer name must not fail a publish on PostgreSQL."""
    return person[:200]
