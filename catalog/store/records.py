"""What the store returns: plain frozen values, detached from any database session.

These are the contract between `catalog.store.Repository` and its callers (the CLI and `app/`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from catalog.issues import Issue, Level
from catalog.store.roles import ActionName, Grant, Role, may, role_in

Kind = Literal["source", "dimension", "metric"]


class CreatedVersion(NamedTuple):
    kind: Kind
    key: str
    version: int


class ProposedVersion(NamedTuple):
    """A version stored in review, and the review's id."""

    kind: Kind
    key: str
    version: int
    review: int


@dataclass(frozen=True, slots=True)
class PublishResult:
    created: list[CreatedVersion]
    """Versions that went live."""
    unchanged: int
    warnings: tuple[Issue, ...] = ()
    proposed: list[ProposedVersion] = field(default_factory=list)
    """Versions stored in review: not live until approved."""


class PublishRejected(Exception):
    """The bundle (merged with the stored catalog) has lint errors; nothing was written."""

    def __init__(self, issues: tuple[Issue, ...]) -> None:
        self.issues = issues
        errors = [i for i in issues if i.level is Level.ERROR]
        super().__init__(
            f"publish rejected: {len(errors)} error(s), first: "
            + (f"{errors[0].code} {errors[0].message}" if errors else "none")
        )

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level is Level.ERROR)


class Refused(Exception):
    """A write the store will not do, with the HTTP status that says why; nothing was written."""

    def __init__(self, status: int, title: str, issues: tuple[Issue, ...]) -> None:
        self.status = status
        self.title = title
        self.issues = issues
        super().__init__(f"{title}: " + "; ".join(f"{i.code} {i.message}" for i in issues))


class PublishConflict(Exception):
    """Concurrent writers kept colliding; the caller may retry later (HTTP 409)."""


@dataclass(frozen=True, slots=True)
class DefinitionRecord:
    """One source, dimension or metric at its current version."""

    kind: Kind
    key: str
    namespace: str
    name: str
    definition: Mapping[str, Any]
    version: int
    """The current version number."""
    status: str
    versions: int
    """How many versions exist (equal to `version`: numbers are consecutive from 1)."""
    content_hash: str
    semantic_hash: str
    created_at: datetime
    updated_at: datetime


MetricRecord = DefinitionRecord


@dataclass(frozen=True, slots=True)
class VersionRecord:
    kind: Kind
    key: str
    number: int
    content_hash: str
    semantic_hash: str
    definition: Mapping[str, Any]
    status: str
    author: str
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    """Dotted path of the field, e.g. `label.zh`; lists are compared whole."""
    before: Any
    after: Any
    caliber: bool
    """True when the field decides the SQL meaning (not a label, description, owner…)."""


@dataclass(frozen=True, slots=True)
class VersionDiff:
    key: str
    before: VersionRecord
    after: VersionRecord
    changes: list[FieldChange]
    caliber_changed: bool
    """The semantic hashes differ: the metric can give other numbers. False means metadata only."""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[DefinitionRecord]
    total: int
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    name: str
    """What the token is for (`ci`, `laptop`)."""
    user: str
    """The user it acts as."""
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    department: str
    grants: tuple[Grant, ...]
    created_at: datetime
    last_seen_at: datetime | None = None
    disabled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """Who an authenticated request acts as: the user its token belongs to, with the user's grants."""

    user_id: int
    name: str
    """The user's name: the author of what the request writes."""
    grants: tuple[Grant, ...]
    token_id: int = 0

    def may(self, action: ActionName, namespace: str | None = None) -> bool:
        return may(self.grants, action, namespace)

    def role_in(self, namespace: str | None = None) -> Role | None:
        """The highest role held in `namespace` (None: in any)."""
        return role_in(self.grants, namespace)


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """A proposed version of a definition and what became of it (`catalog.store.review`)."""

    id: int
    kind: Kind
    key: str
    namespace: str
    number: int
    """The proposed version."""
    base: int
    """The version that was live when it was proposed."""
    author: str
    state: str
    """in_review | approved | rejected | superseded"""
    standard: bool
    note: str
    reason: str
    """Why it was rejected (empty otherwise)."""
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any] = field(default_factory=dict)
