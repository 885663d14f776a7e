"""Tables of the outbox and of the Teams tag sync (migration `versions/0003_outbox.py`).

The outbox is a queue kept in the same database as everything else, so a message is
stored in the same transaction as the change that caused it and survives a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import NEVER_REUSE_IDS, Base

#: Where an outbox row is in its life. `sending`: claimed by a worker until `lease_until`.
OUTBOX_STATES = ("pending", "sending", "sent", "dead")


class OutboxRow(Base):
    """One proactive message. Rows of one conversation are delivered in `id` order."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOX_STATES!r}", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index(None, "conversation_key", "status", "id"),
        Index(None, "status", "next_attempt_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    conversation_key: Mapped[str] = mapped_column(String(200))
    #: The `OutgoingMessage` without its keys: text, card, mentions, thread and replaced activity.
    message: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime]
    #: Which worker holds a `sending` row, and until when; after that anyone may take it again.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    activity_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class TagNameRow(Base):
    """A rotation's own name for its Teams tag, when it is not `<rotation>-oncall`."""

    __tablename__ = "graph_tag_names"

    rotation_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    tag_name: Mapped[str] = mapped_column(String(40))


class TagSyncRow(Base):
    """How the tag of one rotation in one team last went. `rotation_name` is plain text so
    that the history of a deleted rotation does nothing but sit there."""

    __tablename__ = "graph_tag_sync"
    __table_args__ = (UniqueConstraint("rotation_name", "team_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_name: Mapped[str] = mapped_column(String(63))
    team_id: Mapped[str] = mapped_column(String(64))
    tag_name: Mapped[str] = mapped_column(String(40))
    tag_id: Mapped[str | None] = mapped_column(String(400))
    #: The Entra object ids the tag was last made to hold.
    members: Mapped[list[str] | None] = mapped_column(JSON)
    #: People on duty whose Entra object id is unknown, so the tag cannot hold them.
    unknown_people: Mapped[list[str] | None] = mapped_column(JSON)
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    failures: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
