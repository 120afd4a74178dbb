"""Catalog state: one row whose revision every write transaction that adds a version bumps.

Readers compare (epoch, revision) instead of hashing every current version; the epoch is new each time the
table is created, so a database dropped and migrated again never matches a revision cached before.

Revision ID: 0002_catalog_state
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002_catalog_state"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    # Starts at the number of versions already stored: any positive count differs from a fresh store's 0.
    versions = op.get_bind().scalar(sa.text("SELECT COUNT(*) FROM versions")) or 0
    op.bulk_insert(state, [{"id": 1, "epoch": uuid.uuid4().hex, "revision": versions}])


def downgrade() -> None:
    op.drop_table("catalog_state")
