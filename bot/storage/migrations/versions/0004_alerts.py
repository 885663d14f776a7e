"""Alerts: integrations, alerts, the cards sent about them, per-rotation alert settings.

Revision ID: 0004
Revises: 0001
Create Date: 2026-03-10 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("alerts",)
depends_on: str | None = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
OPEN = "state <> 'resolved'"


def instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def rotation_column(table: str) -> list:
    return [
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["rotation_id"], ["rotations.id"], name=op.f(f"fk_{table}_rotation_id_rotations"),
                                ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "alert_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        *rotation_column("alert_integrations"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        instant("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_integrations")),
        sa.UniqueConstraint("rotation_id", "name", name=op.f("uq_alert_integrations_rotation_id_name")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_alert_integrations_secret_hash")),
        sa.CheckConstraint("kind IN ('alertmanager', 'grafana', 'generic')",
                           name=op.f("ck_alert_integrations_kind_known")),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        *rotation_column("alerts"),
        sa.Column("integration_id", sa.Integer(), nullable=True),
        sa.Column("dedup_key", sa.String(256), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        instant("due_at", nullable=True),
        instant("created_at"),
        instant("updated_at"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.ForeignKeyConstraint(["integration_id"], ["alert_integrations.id"],
                                name=op.f("fk_alerts_integration_id_alert_integrations"), ondelete="SET NULL"),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_alerts_rotation_id_dedup_key_id"), "alerts", ["rotation_id", "dedup_key", "id"])
    op.create_index("ix_alerts_open_key", "alerts", ["rotation_id", "dedup_key"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index(op.f("ix_alerts_state_id"), "alerts", ["state", "id"])
    op.create_index(op.f("ix_alerts_due_at"), "alerts", ["due_at"])
    op.create_table(
        "alert_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        *rotation_column("alert_messages"),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("digest_key", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("conversation_key", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("thread_of_key", sa.String(200), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("wanted_version", sa.Integer(), nullable=False),
        sa.Column("shown_version", sa.Integer(), nullable=False),
        instant("retry_at", nullable=True),
        sa.Column("activity_id", sa.String(200), nullable=True),
        instant("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_messages")),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_alert_messages_alert_id_alerts"),
                                ondelete="CASCADE"),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_alert_messages_idempotency_key")),
        sa.CheckConstraint("kind IN ('card', 'digest')", name=op.f("ck_alert_messages_kind_known")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_alert_messages_alert_id"), "alert_messages", ["alert_id"])
    op.create_index(op.f("ix_alert_messages_digest_key"), "alert_messages", ["digest_key"])
    op.create_index(op.f("ix_alert_messages_retry_at"), "alert_messages", ["retry_at"])
    op.create_table(
        "alert_settings",
        *rotation_column("alert_settings"),
        sa.Column("settings", sa.JSON(), nullable=False),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("rotation_id", name=op.f("pk_alert_settings")),
    )


def downgrade() -> None:
    op.drop_table("alert_settings")
    for index in ("retry_at", "digest_key", "alert_id"):
        op.drop_index(op.f(f"ix_alert_messages_{index}"), table_name="alert_messages")
    op.drop_table("alert_messages")
    op.drop_index("ix_alerts_open_key", table_name="alerts")
    for index in ("due_at", "state_id", "rotation_id_dedup_key_id"):
        op.drop_index(op.f(f"ix_alerts_{index}"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("alert_integrations")
