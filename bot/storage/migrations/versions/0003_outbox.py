"""The outbox of proactive messages, and the state of the Teams tag sync.

Revision ID: 0003
Revises: 0001
Create Date: 2026-03-08 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("outbox",)
depends_on: str | None = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("conversation_key", sa.String(200), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        instant("next_attempt_at"),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        instant("lease_until", nullable=True),
        sa.Column("activity_id", sa.String(200), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        instant("created_at"),
        instant("settled_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'dead')", name=op.f("ck_outbox_status_known")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts_not_negative")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(
        op.f("ix_outbox_conversation_key_status_id"), "outbox", ["conversation_key", "status", "id"]
    )
    op.create_index(op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "graph_tag_names",
        sa.Column("rotation_name", sa.String(63), nullable=False),
        sa.Column("tag_name", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("rotation_name", name=op.f("pk_graph_tag_names")),
    )
    op.create_table(
        "graph_tag_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_name", sa.String(63), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("tag_name", sa.String(40), nullable=False),
        sa.Column("tag_id", sa.String(400), nullable=True),
        sa.Column("members", sa.JSON(), nullable=True),
        sa.Column("unknown_people", sa.JSON(), nullable=True),
        instant("last_success_at", nullable=True),
        instant("last_error_at", nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        instant("next_attempt_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graph_tag_sync")),
        sa.UniqueConstraint(
            "rotation_name", "team_id", name=op.f("uq_graph_tag_sync_rotation_name_team_id")
        ),
        **NEVER_REUSE_IDS,
    )


def downgrade() -> None:
    op.drop_table("graph_tag_sync")
    op.drop_table("graph_tag_names")
    op.drop_index(op.f("ix_outbox_status_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_conversation_key_status_id"), table_name="outbox")
    op.drop_table("outbox")
