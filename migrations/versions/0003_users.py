"""Users with grants per namespace; tokens belong to a user.

Every round-1 token becomes a token of a user named like it, whose grant in every namespace (`*`) is the
token's role mapped: reader → viewer, analyst → analyst, admin → admin. Tokens of one name with different
roles get one user per role (`ci-admin`, `ci-reader`), so no token gains a right in the move. The downgrade
gives each token back the round-1 role of its user's highest grant (owner → analyst), and revokes the tokens
of disabled users and of users left without a grant.

Revision ID: 0003_users
Revises: 0002_catalog_state
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003_users"
down_revision = "0002_catalog_state"
branch_labels = None
depends_on = None

LEGACY = {"reader": "viewer", "analyst": "analyst", "admin": "admin"}
BACK = {"viewer": "reader", "analyst": "analyst", "owner": "analyst", "admin": "admin"}
ORDER = ("viewer", "analyst", "owner", "admin")


def upgrade() -> None:
    users = op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("department", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    )
    grants = op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("namespace", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "namespace", name="uq_grants_user_namespace"),
    )
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))

    bind = op.get_bind()
    tokens = bind.execute(sa.text("SELECT id, name, role, created_at FROM tokens ORDER BY id")).all()
    roles_of: dict[str, set[str]] = {}
    for _id, name, role, _at in tokens:
        roles_of.setdefault(name, set()).add(role)
    now = datetime.now(UTC)
    user_of: dict[tuple[str, str], str] = {}
    for name, roles in roles_of.items():
        for role in roles:
            user_of[(name, role)] = name if len(roles) == 1 else f"{name}-{role}"
    if user_of:
        op.bulk_insert(
            users,
            [{"name": user, "department": "", "created_at": now} for user in sorted(set(user_of.values()))],
        )
    ids: dict[str, int] = dict(bind.execute(sa.text("SELECT name, id FROM users")).all())
    if user_of:
        op.bulk_insert(
            grants,
            [
                {
                    "user_id": ids[user],
                    "namespace": "*",
                    "role": LEGACY.get(role, "viewer"),
                    "created_at": now,
                }
                for (_name, role), user in sorted(user_of.items())
            ],
        )
    for token_id, name, role, _at in tokens:
        bind.execute(
            sa.text("UPDATE tokens SET user_id = :user WHERE id = :id"),
            {"user": ids[user_of[(name, role)]], "id": token_id},
        )
    with op.batch_alter_table("tokens") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_tokens_user_id", "users", ["user_id"], ["id"])
        batch.drop_column("role")


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("role", sa.String(20), nullable=True))
    bind = op.get_bind()
    highest: dict[int, str] = {}
    for user_id, role in bind.execute(sa.text("SELECT user_id, role FROM grants")).all():
        if user_id not in highest or ORDER.index(role) > ORDER.index(highest[user_id]):
            highest[user_id] = role
    for token_id, user_id in bind.execute(sa.text("SELECT id, user_id FROM tokens")).all():
        bind.execute(
            sa.text("UPDATE tokens SET role = :role WHERE id = :id"),
            {"role": BACK[highest.get(user_id, "viewer")], "id": token_id},
        )
    # Round 1 knows neither disabled users nor users without a grant: their tokens stop instead.
    bind.execute(
        sa.text(
            "UPDATE tokens SET revoked_at = :now WHERE revoked_at IS NULL AND (user_id IN "
            "(SELECT id FROM users WHERE disabled_at IS NOT NULL) OR user_id NOT IN (SELECT user_id FROM grants))"
        ),
        {"now": datetime.now(UTC)},
    )
    with op.batch_alter_table("tokens") as batch:
        batch.alter_column("role", existing_type=sa.String(20), nullable=False)
        batch.drop_constraint("fk_tokens_user_id", type_="foreignkey")
        batch.drop_column("user_id")
    op.drop_table("grants")
    op.drop_table("users")
