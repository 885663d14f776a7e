"""The tray: personal tokens and pairing codes.

Revision ID: 0005
Revises: 0001
Create Date: 2026-03-12 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("tray",)
depends_on: str | None = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def person_column(table: str) -> list:
    return [
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people"),
                                ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "tray_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        *person_column("tray_tokens"),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        instant("created_at"),
        instant("last_used_at", nullable=True),
        instant("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tray_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_tray_tokens_secret_hash")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_tray_tokens_person_id"), "tray_tokens", ["person_id"])
    op.create_table(
        "tray_pairing_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        *person_column("tray_pairing_codes"),
        sa.Column("code_hash", sa.String(64), nullable=False),
        instant("created_at"),
        instant("expires_at"),
        instant("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tray_pairing_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_tray_pairing_codes_code_hash")),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_tray_pairing_codes_person_id"), "tray_pairing_codes", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tray_pairing_codes_person_id"), table_name="tray_pairing_codes")
    op.drop_table("tray_pairing_codes")
    op.drop_index(op.f("ix_tray_tokens_person_id"), table_name="tray_tokens")
    op.drop_table("tray_tokens")
