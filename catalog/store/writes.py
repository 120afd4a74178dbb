"""Reading the current state and appending versions, inside a transaction the repository opens.

Every write goes through `append_version`, which moves the definition's `current_version` with a
compare-and-set UPDATE: if another writer moved it first, the UPDATE matches no row and `StaleVersion` makes
the repository retry the whole transaction, so no change is ever lost or numbered twice — even on a database
where the repository cannot take a lock up front.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.store.hashing import content_hash, semantic_hash
from catalog.store.models import AuditRow, DefinitionRow, NamespaceRow, VersionRow, utcnow
from catalog.store.overlay import Stored
from catalog.store.records import Kind


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
    definition: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}"

    def stored(self) -> Stored:
        return Stored(self.kind, self.namespace, self.name, self.definition)


def current_join() -> Any:
    return (select(DefinitionRow, VersionRow, NamespaceRow.name)
            .join(VersionRow, (VersionRow.definition_id == DefinitionRow.id)
                  & (VersionRow.number == DefinitionRow.current_version))
            .join(NamespaceRow, NamespaceRow.id == DefinitionRow.namespace_id))


def load_current(session: Session, kind: Kind | None = None) -> dict[tuple[Kind, str], Current]:
    query = current_join()
    if kind is not None:
        query = query.where(DefinitionRow.kind == kind)
    out: dict[tuple[Kind, str], Current] = {}
    for d, v, namespace in session.execute(query):
        out[(d.kind, d.key)] = Current(d.id, d.kind, namespace, d.name, v.number, v.content_hash,
                                       v.definition)
    return out


def revision(session: Session) -> str:
    """A content hash of the whole current catalog, read without loading any definition."""
    rows = session.execute(
        select(DefinitionRow.kind, DefinitionRow.key, VersionRow.content_hash)
        .join(VersionRow, (VersionRow.definition_id == DefinitionRow.id)
              & (VersionRow.number == DefinitionRow.current_version)))
    return _revision((kind, key, hashed) for kind, key, hashed in rows)


def revision_of(current: Mapping[tuple[Kind, str], Current]) -> str:
    """The same hash as `revision`, of definitions already loaded."""
    return _revision((c.kind, c.key, c.content_hash) for c in current.values())


def _revision(rows: Iterable[tuple[str, str, str]]) -> str:
    digest = hashlib.sha256()
    for kind, key, hashed in sorted(rows):  # sorted in Python: database collations differ
        digest.update(f"{kind}\0{key}\0{hashed}\n".encode())
    return digest.hexdigest()


def namespace_id(session: Session, name: str) -> int:
    found = session.scalar(select(NamespaceRow.id).where(NamespaceRow.name == name))
    if found is not None:
        return found
    row = NamespaceRow(name=name)
    session.add(row)
    session.flush()
    return row.id


def create_definition(session: Session, kind: Kind, namespace: str, name: str, definition: Mapping[str, Any],
                      author: str, note: str) -> VersionRow:
    row = DefinitionRow(kind=kind, namespace_id=namespace_id(session, namespace), name=name,
                        key=f"{namespace}.{name}", current_version=1, status=_status(definition))
    session.add(row)
    session.flush()  # a concurrent creator of the same key fails here on UNIQUE(kind, key)
    version = _version_row(row.id, 1, definition, author, note)
    session.add(version)
    session.flush()
    return version


def append_version(session: Session, current: Current, definition: Mapping[str, Any], author: str,
                   note: str) -> VersionRow:
    number = current.number + 1
    moved = session.execute(
        update(DefinitionRow)
        .where(DefinitionRow.id == current.id, DefinitionRow.current_version == current.number)
        .values(current_version=number, status=_status(definition), updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(current.key)
    version = _version_row(current.id, number, definition, author, note)
    session.add(version)
    session.flush()  # UNIQUE(definition_id, number) is the last line of defence
    return version


def audit(session: Session, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None:
    session.add(AuditRow(actor=_name(actor), action=action, target=target, detail=dict(detail)))


def _version_row(definition_id: int, number: int, definition: Mapping[str, Any], author: str,
                 note: str) -> VersionRow:
    return VersionRow(definition_id=definition_id, number=number, content_hash=content_hash(definition),
                      semantic_hash=semantic_hash(definition), definition=dict(definition),
                      author=_name(author), note=note)


def _status(definition: Mapping[str, Any]) -> str:
    status = definition.get("status", "active")
    return status if isinstance(status, str) else "active"


def _name(person: str) -> str:
    """Author and actor columns hold 200 characters; a longer name must not fail a publish on PostgreSQL."""
    return person[:200]
