"""The Teams side of the schema: conversations, bindings, owners, routed mentions, and the
shift's own records (duty log, backlog, handover notes).

These rows never leave `bot.storage`: `teams.py` turns them into values. The migration
`versions/0002_teams.py` creates exactly this schema (the schema test holds the two
together). People who *did* something (asked, took, wrote) are kept as their email, as the
audit log keeps its actor: a record of who did what, not a relation to maintain. Owners
and conversations with a person are relations, and point at `people`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from bot.storage.tables import NEVER_REUSE_IDS, Base

#: Widths shared with `teams.py`, which checks values so both backends refuse the same ones.
KEY_LENGTH = 200
URL_LENGTH = 2000
EMAIL_LENGTH = 254
ZONE_LENGTH = 64
TITLE_LENGTH = 300


def _rotation_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"))


class ConversationRow(Base):
    """Where the bot can write later: one row per Rota conversation key (a repeat install updates it)."""

    __tablename__ = "teams_conversations"
    __table_args__ = (
        CheckConstraint("kind IN ('personal', 'channel', 'groupChat')", name="kind_known"),
        Index(None, "person_id"),
        Index(None, "team_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    service_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    conversation_id: Mapped[str] = mapped_column(String(URL_LENGTH))
    tenant_id: Mapped[str | None] = mapped_column(String(ZONE_LENGTH))
    team_id: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    team_aad_group_id: Mapped[str | None] = mapped_column(String(ZONE_LENGTH))
    channel_id: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reference: Mapped[dict[str, Any]]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class PersonZoneRow(Base):
    """The time zone a person's Teams client last reported: proactive cards are shown in it."""

    __tablename__ = "teams_person_zones"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(ZONE_LENGTH))
    updated_at: Mapped[datetime]


class BindingRow(Base):
    """A channel belongs to one rotation; a rotation may have several channels."""

    __tablename__ = "teams_channel_bindings"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("teams_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"), index=True)
    bound_at: Mapped[datetime]
    bound_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH))


class OwnerRow(Base):
    """May change the rotation's members, shift and handoff. The lowest id is the creator."""

    __tablename__ = "teams_rotation_owners"
    __table_args__ = (UniqueConstraint("rotation_id", "person_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = _rotation_fk()
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime]


class RoutedMentionRow(Base):
    """A question asked in a bound channel, routed to the person on duty.

    `(conversation_key, message_id)` is unique, so a message Teams delivers twice is routed once."""

    __tablename__ = "teams_routed_mentions"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'passed', 'taken')", name="state_known"),
        UniqueConstraint("conversation_key", "message_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = _rotation_fk()
    conversation_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    message_id: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    message_link: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    asker: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    asked_at: Mapped[datetime]
    assigned: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    state: Mapped[str] = mapped_column(String(8))
    passed_by: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    passed_to: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    passed_at: Mapped[datetime | None]
    taken_by: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    taken_at: Mapped[datetime | None]


class RoutedCardRow(Base):
    """One copy of a routed mention's card (in the thread, or a DM), to update in place."""

    __tablename__ = "teams_routed_cards"
    __table_args__ = (UniqueConstraint("mention_id", "place"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("teams_routed_mentions.id", ondelete="CASCADE"))
    place: Mapped[str] = mapped_column(String(16))
    conversation_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    message_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    viewer_zone: Mapped[str] = mapped_column(String(ZONE_LENGTH))
    activity_id: Mapped[str | None] = mapped_column(String(KEY_LENGTH))


class ShiftRecordColumns:
    """Text written during the shift that started at `shift_start`: the shape the duty log
    and handover notes share."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"))
    shift_start: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index(None, "rotation_id", "shift_start"), NEVER_REUSE_IDS)


class DutyLogRow(ShiftRecordColumns, Base):
    """An entry in the shift's log book."""

    __tablename__ = "teams_duty_log"


class HandoverNoteRow(ShiftRecordColumns, Base):
    """Something handed over explicitly to whoever comes next."""

    __tablename__ = "teams_handover_notes"


class BacklogRow(Base):
    """A maintenance item; `number` is what people type (`backlog take 3`), per rotation."""

    __tablename__ = "teams_backlog"
    __table_args__ = (
        UniqueConstraint("rotation_id", "number"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_known"),
        CheckConstraint("state IN ('open', 'taken', 'done')", name="state_known"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = _rotation_fk()
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    link: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    priority: Mapped[int]
    state: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    created_at: Mapped[datetime]
    taken_by: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    done_by: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    done_at: Mapped[datetime | None]
