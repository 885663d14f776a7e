"""People, rotations and their members, overrides, time off, API tokens, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-03-01 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("teams_id", sa.String(200), nullable=True),
        sa.Column("aad_object_id", sa.String(64), nullable=True),
        instant("created_at"),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("email", name=op.f("uq_people_email")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_people_email_lowercase")),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("shift_count", sa.Integer(), nullable=False),
        sa.Column("shift_unit", sa.String(1), nullable=False),
        sa.Column("handoff_local", sa.String(19), nullable=False),
        sa.Column("secondary_kind", sa.String(8), nullable=False),
        sa.Column("secondary_rotation_id", sa.Integer(), nullable=True),
        instant("created_at"),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotations")),
        sa.UniqueConstraint("name", name=op.f("uq_rotations_name")),
        sa.ForeignKeyConstraint(
            ["secondary_rotation_id"],
            ["rotations.id"],
            name=op.f("fk_rotations_secondary_rotation_id_rotations"),
        ),
        sa.CheckConstraint("shift_count >= 1", name=op.f("ck_rotations_shift_count_positive")),
        sa.CheckConstraint("shift_unit IN ('h', 'd', 'w')", name=op.f("ck_rotations_shift_unit_known")),
        sa.CheckConstraint(
            "secondary_kind IN ('none', 'next', 'rotation')", name=op.f("ck_rotations_secondary_kind_known")
        ),
        sa.CheckConstraint(
            "(secondary_kind = 'rotation') = (secondary_rotation_id IS NOT NULL)",
            name=op.f("ck_rotations_secondary_rotation_named"),
        ),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "rotation_members",
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rotation_id", "position", name=op.f("pk_rotation_members")),
        sa.UniqueConstraint("rotation_id", "person_id", name=op.f("uq_rotation_members_rotation_id_person_id")),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["rotations.id"],
            name=op.f("fk_rotation_members_rotation_id_rotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_rotation_members_person_id_people")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_rotation_members_position_not_negative")),
    )
    op.create_index(op.f("ix_rotation_members_person_id"), "rotation_members", ["person_id"])
    for table in ("overrides", "time_off"):
        create_span_table(table)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        instant("created_at"),
        instant("last_used_at", nullable=True),
        instant("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        instant("at"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("rotation_name", sa.String(63), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_audit_log_rotation_name_id"), "audit_log", ["rotation_name", "id"])


def create_span_table(table: str) -> None:
    """Overrides and time off share one shape: a person over [start, end) in a rotation."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        instant("start_utc"),
        instant("end_utc"),
        instant("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.ForeignKeyConstraint(
            ["rotation_id"], ["rotations.id"], name=op.f(f"fk_{table}_rotation_id_rotations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people")),
        sa.CheckConstraint("end_utc > start_utc", name=op.f(f"ck_{table}_ends_after_start")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f(f"ix_{table}_rotation_id"), table, ["rotation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_rotation_name_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("api_tokens")
    for table in ("time_off", "overrides"):
        op.drop_index(op.f(f"ix_{table}_rotation_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_rotation_members_person_id"), table_name="rotation_members")
    op.drop_table("rotation_members")
    op.drop_table("rotations")
    op.drop_table("people")
