"""Teams: conversations, people's zones, channel bindings, rotation owners, routed mentions
and their cards, the duty log book, handover notes and the maintenance backlog.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-10 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = ("teams",)
depends_on: str | None = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
KEY, URL, EMAIL, ZONE, TITLE = 200, 2000, 254, 64, 300


def instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str, length: int | None, nullable: bool = False) -> sa.Column:
    kind = sa.Text() if length is None else sa.String(length)
    return sa.Column(name, kind, nullable=nullable)


def ident() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def rotation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["rotation_id"], ["rotations.id"], name=op.f(f"fk_{table}_rotation_id_rotations"), ondelete="CASCADE"
    )


def person_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people"))


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        ident(),
        text("key", KEY),
        text("kind", 16),
        text("service_url", URL),
        text("conversation_id", URL),
        text("tenant_id", ZONE, nullable=True),
        text("team_id", KEY, nullable=True),
        text("team_aad_group_id", ZONE, nullable=True),
        text("channel_id", KEY, nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        instant("first_seen_at"),
        instant("last_seen_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_conversations")),
        sa.UniqueConstraint("key", name=op.f("uq_teams_conversations_key")),
        person_fk("teams_conversations"),
        sa.CheckConstraint(
            "kind IN ('personal', 'channel', 'groupChat')", name=op.f("ck_teams_conversations_kind_known")
        ),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f("ix_teams_conversations_person_id"), "teams_conversations", ["person_id"])
    op.create_index(op.f("ix_teams_conversations_team_id"), "teams_conversations", ["team_id"])
    op.create_table(
        "teams_person_zones",
        sa.Column("person_id", sa.Integer(), nullable=False),
        text("timezone", ZONE),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_teams_person_zones")),
        person_fk("teams_person_zones"),
    )
    op.create_table(
        "teams_channel_bindings",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        instant("bound_at"),
        text("bound_by", EMAIL),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_teams_channel_bindings")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["teams_conversations.id"],
            name=op.f("fk_teams_channel_bindings_conversation_id_teams_conversations"),
            ondelete="CASCADE",
        ),
        rotation_fk("teams_channel_bindings"),
    )
    op.create_index(op.f("ix_teams_channel_bindings_rotation_id"), "teams_channel_bindings", ["rotation_id"])
    op.create_table(
        "teams_rotation_owners",
        ident(),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        instant("added_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_rotation_owners")),
        sa.UniqueConstraint(
            "rotation_id", "person_id", name=op.f("uq_teams_rotation_owners_rotation_id_person_id")
        ),
        rotation_fk("teams_rotation_owners"),
        person_fk("teams_rotation_owners"),
        **NEVER_REUSE_IDS,
    )
    create_routed_tables()
    for table in ("teams_duty_log", "teams_handover_notes"):
        create_shift_record_table(table)
    create_backlog_table()


def create_routed_tables() -> None:
    op.create_table(
        "teams_routed_mentions",
        ident(),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        text("conversation_key", KEY),
        text("message_id", KEY, nullable=True),
        text("message_link", URL, nullable=True),
        text("text", None),
        text("asker", EMAIL),
        instant("asked_at"),
        text("assigned", EMAIL, nullable=True),
        text("state", 8),
        text("passed_by", EMAIL, nullable=True),
        text("passed_to", EMAIL, nullable=True),
        instant("passed_at", nullable=True),
        text("taken_by", EMAIL, nullable=True),
        instant("taken_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_routed_mentions")),
        sa.UniqueConstraint(
            "conversation_key", "message_id", name=op.f("uq_teams_routed_mentions_conversation_key_message_id")
        ),
        rotation_fk("teams_routed_mentions"),
        sa.CheckConstraint(
            "state IN ('open', 'passed', 'taken')", name=op.f("ck_teams_routed_mentions_state_known")
        ),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "teams_routed_cards",
        ident(),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        text("place", 16),
        text("conversation_key", KEY),
        text("message_key", KEY),
        text("viewer_zone", ZONE),
        text("activity_id", KEY, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_routed_cards")),
        sa.UniqueConstraint("mention_id", "place", name=op.f("uq_teams_routed_cards_mention_id_place")),
        sa.UniqueConstraint("message_key", name=op.f("uq_teams_routed_cards_message_key")),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["teams_routed_mentions.id"],
            name=op.f("fk_teams_routed_cards_mention_id_teams_routed_mentions"),
            ondelete="CASCADE",
        ),
        **NEVER_REUSE_IDS,
    )


def create_shift_record_table(table: str) -> None:
    """The duty log and handover notes share one shape: text written during a shift."""
    op.create_table(
        table,
        ident(),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        instant("shift_start"),
        text("author", EMAIL),
        instant("at"),
        text("text", None),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        rotation_fk(table),
        **NEVER_REUSE_IDS,
    )
    op.create_index(op.f(f"ix_{table}_rotation_id_shift_start"), table, ["rotation_id", "shift_start"])


def create_backlog_table() -> None:
    op.create_table(
        "teams_backlog",
        ident(),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        text("title", TITLE),
        text("link", URL, nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        text("state", 8),
        text("created_by", EMAIL),
        instant("created_at"),
        text("taken_by", EMAIL, nullable=True),
        text("done_by", EMAIL, nullable=True),
        instant("done_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_backlog")),
        sa.UniqueConstraint("rotation_id", "number", name=op.f("uq_teams_backlog_rotation_id_number")),
        rotation_fk("teams_backlog"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_teams_backlog_priority_known")),
        sa.CheckConstraint("state IN ('open', 'taken', 'done')", name=op.f("ck_teams_backlog_state_known")),
        **NEVER_REUSE_IDS,
    )


def downgrade() -> None:
    op.drop_table("teams_backlog")
    for table in ("teams_handover_notes", "teams_duty_log"):
        op.drop_index(op.f(f"ix_{table}_rotation_id_shift_start"), table_name=table)
        op.drop_table(table)
    op.drop_table("teams_routed_cards")
    op.drop_table("teams_routed_mentions")
    op.drop_table("teams_rotation_owners")
    op.drop_index(op.f("ix_teams_channel_bindings_rotation_id"), table_name="teams_channel_bindings")
    op.drop_table("teams_channel_bindings")
    op.drop_table("teams_person_zones")
    op.drop_index(op.f("ix_teams_conversations_team_id"), table_name="teams_conversations")
    op.drop_index(op.f("ix_teams_conversations_person_id"), table_name="teams_conversations")
    op.drop_table("teams_conversations")
