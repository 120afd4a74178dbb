"""The versioned catalog store (SQLAlchemy 2 + Alembic): see `catalog.store.repository.Repository`."""

from __future__ import annotations

from catalog.store.records import (
    AuditRecord,
    CreatedVersion,
    DefinitionRecord,
    FieldChange,
    MetricRecord,
    Page,
    PublishConflict,
    PublishRejected,
    PublishResult,
    TokenRecord,
    VersionDiff,
    VersionRecord,
)
from catalog.store.repository import Repository

__all__ = [
    "AuditRecord",
    "CreatedVersion",
    "DefinitionRecord",
    "FieldChange",
    "MetricRecord",
    "Page",
    "PublishConflict",
    "PublishRejected",
    "PublishResult",
    "Repository",
    "TokenRecord",
    "VersionDiff",
    "VersionRecord",
]
