"""Reviews: a change waiting for an owner is a version that is not current, with a review row.

Revision ID: 0004_reviews
Revises: 0003_users
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_reviews"
down_revision = "0003_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("definition_id", sa.Integer(), sa.ForeignKey("definitions.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("base", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reviews_state", "reviews", ["state"])


def downgrade() -> None:
    # Round 2 has no reviews: versions that never went live would become invisible leftovers, and the next
    # publish would collide with their numbers; they are removed with their reviews.
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "DELETE FROM versions WHERE EXISTS (SELECT 1 FROM definitions d WHERE d.id = versions.definition_id "
            "AND versions.number > d.current_version)"
        )
    )
    op.drop_index("ix_reviews_state", "reviews")
    op.drop_table("reviews")
