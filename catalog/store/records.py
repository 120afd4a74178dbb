"""What the store returns: plain frozen values, detached from any database session.

These are the contract between `catalog.store.Repository` and its callers (the CLI and `app/`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from catalog.issues import Issue, Level
from catalog.store.roles import Role

Kind = Literal["source", "dimension", "metric"]


class CreatedVersion(NamedTuple):
    kind: Kind
    key: str
    version: int


@dataclass(frozen=True, slots=True)
class PublishResult:
    created: list[CreatedVersion]
    unchanged: int
    warnings: tuple[Issue, ...] = ()


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
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any] = field(default_factory=dict)
