"""The catalog store's tables (SQLAlchemy 2): definitions, their immutable versions, the audit trail, users
with their grants and tokens, and the catalog's revision counter.

A definition row is the identity of one source, dimension or metric (`kind` + `namespace.name`) and points at
its current version; versions are never updated or deleted. UNIQUE(definition_id, number) is what keeps
concurrent publishers from creating two versions with the same number. Only portable types are used, so the
same tables work on SQLite and PostgreSQL (`migrations/versions/0001_initial.py` creates them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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


class UserRow(Base):
    """A person or a robot (a CI job): what its tokens may do comes from its grants."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    department: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Moved on authenticated requests, at most once a minute (`catalog.store.users`)."""
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Set: none of the user's tokens works."""


class GrantRow(Base):
    """One role of one user in one namespace (`*`: every namespace)."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "namespace", name="uq_grants_user_namespace"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    namespace: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    """What the token is for (`ci`, `laptop`); it acts as its user."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
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


class ReviewRow(Base):
    """A version waiting for, or decided by, review: the version row itself never changes; approving it moves
    its definition's `current_version` to it (`catalog.store.review`)."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id"))
    number: Mapped[int] = mapped_column(Integer)
    """The proposed version."""
    base: Mapped[int] = mapped_column(Integer)
    """The version that was live when it was proposed."""
    author: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    """in_review | approved | rejected | superseded"""
    standard: Mapped[bool] = mapped_column(Boolean)
    """A change to a standard metric: its author may not approve it."""
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
