"""The catalog store's tables (SQLAlchemy 2): definitions, their immutable versions, the audit trail, tokens,
and the catalog's revision counter.

A definition row is the identity of one source, dimension or metric (`kind` + `namespace.name`) and points at
its current version; versions are never updated or deleted. UNIQUE(definition_id, number) is what keeps
concurrent publishers from creating two versions with the same number. Only portable types are used, so the
same tables work on SQLite and PostgreSQL (`migrations/versions/0001_initial.py` creates them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class NamespaceRow(Base):
    __tablename__ = "namespaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DefinitionRow(Base):
    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_definitions_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """source | dimension | metric"""
    namespace_id: Mapped[int] = mapped_column(ForeignKey("namespaces.id"))
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(401))
    current_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    namespace: Mapped[NamespaceRow] = relationship(lazy="joined")


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("definition_id", "number", name="uq_versions_definition_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    semantic_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The mapping written in YAML for this object, as published."""
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(401))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """sha256 of the token: the plaintext is shown once and never stored."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CatalogStateRow(Base):
    """One row (id 1): `revision` goes up in every transaction that adds a version, so comparing
    (epoch, revision) tells whether the catalog changed without reading any definition."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    """Random, chosen when the table is created: a re-created database never matches an old revision."""
    revision: Mapped[int] = mapped_column(Integer)
