"""Shifts: routine duties and their runs, handovers posted, reminder settings, notices
settled, the schedule as last seen, post-mortems and report links.

Revision ID: 0006
Revises: 0001
Create Date: 2026-03-12 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("shifts",)
depends_on: str | None = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
KEY, URL, EMAIL, TITLE = 200, 2000, 254, 200


def instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str, length: int | None, nullable: bool = False) -> sa.Column:
    kind = sa.Text() if length is None else sa.String(length)
    return sa.Column(name, kind, nullable=nullable)


def number(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False)


def json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False)


def rotation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["rotation_id"], ["rotations.id"], name=op.f(f"fk_{table}_rotation_id_rotations"), ondelete="CASCADE"
    )


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def upgrade() -> None:
    create_duty_tables()
    op.create_table(
        "shift_handovers",
        number("id"),
        number("rotation_id"),
        instant("handoff_at"),
        instant("shift_start"),
        text("outgoing", EMAIL, nullable=True),
        text("incoming", EMAIL, nullable=True),
        instant("posted_at"),
        sa.Column("late", sa.Boolean(), nullable=False),
        primary_key("shift_handovers", "id"),
        sa.UniqueConstraint("rotation_id", "handoff_at", name=op.f("uq_shift_handovers_rotation_id_handoff_at")),
        rotation_fk("shift_handovers"),
        **NEVER_REUSE_IDS,
    )
    create_reminder_tables()
    create_postmortem_and_link_tables()


def create_duty_tables() -> None:
    op.create_table(
        "routine_duties",
        number("id"),
        number("rotation_id"),
        number("position"),
        text("days", 40),
        text("at_time", 5),
        text("title", TITLE),
        json("items"),
        primary_key("routine_duties", "id"),
        sa.UniqueConstraint("rotation_id", "position", name=op.f("uq_routine_duties_rotation_id_position")),
        rotation_fk("routine_duties"),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "duty_runs",
        number("id"),
        number("rotation_id"),
        text("title", TITLE),
        json("items"),
        instant("due_at"),
        instant("closes_at"),
        text("person", EMAIL, nullable=True),
        text("message_key", KEY),
        json("ticked"),
        instant("done_at", nullable=True),
        instant("created_at"),
        primary_key("duty_runs", "id"),
        sa.UniqueConstraint("rotation_id", "title", "due_at", name=op.f("uq_duty_runs_rotation_id_title_due_at")),
        rotation_fk("duty_runs"),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_duty_runs_rotation_id_due_at"), "duty_runs", ["rotation_id", "due_at"])


def create_reminder_tables() -> None:
    op.create_table(
        "reminder_settings",
        number("rotation_id"),
        json("settings"),
        instant("updated_at"),
        primary_key("reminder_settings", "rotation_id"),
        rotation_fk("reminder_settings"),
    )
    op.create_table(
        "person_reminders",
        number("person_id"),
        json("settings"),
        instant("updated_at"),
        primary_key("person_reminders", "person_id"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_reminders_person_id_people"),
                                ondelete="CASCADE"),  # fmt: skip
    )
    op.create_table(
        "shift_notices",
        number("id"),
        text("key", KEY),
        number("rotation_id"),
        text("person", EMAIL),
        text("kind", 16),
        instant("at"),
        sa.Column("sent", sa.Boolean(), nullable=False),
        instant("settled_at"),
        primary_key("shift_notices", "id"),
        sa.UniqueConstraint("key", name=op.f("uq_shift_notices_key")),
        rotation_fk("shift_notices"),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_shift_notices_rotation_id_at"), "shift_notices", ["rotation_id", "at"])
    op.create_table(
        "shift_snapshots",
        number("rotation_id"),
        number("audit_id"),
        instant("taken_at"),
        instant("until"),
        json("stretches"),
        primary_key("shift_snapshots", "rotation_id"),
        rotation_fk("shift_snapshots"),
    )


def create_postmortem_and_link_tables() -> None:
    op.create_table(
        "postmortems",
        sa.Column("alert_id", sa.Integer(), autoincrement=False, nullable=False),
        number("rotation_id"),
        text("title", 500),
        text("asked_of", EMAIL),
        instant("asked_at"),
        text("message_key", KEY),
        text("summary", None, nullable=True),
        text("link", URL, nullable=True),
        text("submitted_by", EMAIL, nullable=True),
        instant("submitted_at", nullable=True),
        primary_key("postmortems", "alert_id"),
        rotation_fk("postmortems"),
    )
    op.create_table(
        "report_links",
        text("token", 64),
        number("rotation_id"),
        instant("start_at"),
        instant("end_at"),
        instant("created_at"),
        instant("expires_at"),
        primary_key("report_links", "token"),
        rotation_fk("report_links"),
    )
    op.create_index(op.f("ix_report_links_expires_at"), "report_links", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_links_expires_at"), table_name="report_links")
    op.drop_index(op.f("ix_shift_notices_rotation_id_at"), table_name="shift_notices")
    op.drop_index(op.f("ix_duty_runs_rotation_id_due_at"), table_name="duty_runs")
    for table in ("report_links", "postmortems", "shift_snapshots", "shift_notices", "person_reminders",
                  "reminder_settings", "shift_handovers", "duty_runs", "routine_duties"):  # fmt: skip
        op.drop_table(table)
