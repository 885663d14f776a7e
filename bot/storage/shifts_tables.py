"""The shift lifecycle's tables: routine duties and their runs, handovers posted,
reminder settings, notices sent, the last seen schedule, post-mortems and report links.

`versions/0006_shifts.py` creates exactly this. Post-mortems name their alert by id
without a foreign key, so this branch of migrations does not depend on the alerts one;
both go with their rotation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import NEVER_REUSE_IDS, Base

EMAIL_LENGTH = 254
KEY_LENGTH = 200
TITLE_LENGTH = 200
URL_LENGTH = 2000
TOKEN_LENGTH = 64
ROTATION_FK = "rotations.id"


def _rotation() -> Mapped[int]:
    return mapped_column(ForeignKey(ROTATION_FK, ondelete="CASCADE"))


class RoutineDutyRow(Base):
    """One recurring duty of a rotation, at `position` in its list."""

    __tablename__ = "routine_duties"
    __table_args__ = (UniqueConstraint("rotation_id", "position"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = _rotation()
    position: Mapped[int]
    days: Mapped[str] = mapped_column(String(40))
    at_time: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    items: Mapped[list[Any]] = mapped_column(JSON)


class DutyRunRow(Base):
    """A duty as it fell due: its title and items then, who got it, what they ticked.
    One per (rotation, title, instant): a timer that fires twice sends one card."""

    __tablename__ = "duty_runs"
    __table_args__ = (
        UniqueConstraint("rotation_id", "title", "due_at"),
        Index(None, "rotation_id", "due_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = _rotation()
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    items: Mapped[list[Any]] = mapped_column(JSON)
    due_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    person: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    message_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    ticked: Mapped[dict[str, Any]]
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class HandoverRow(Base):
    """A handover posted (the handoff's idempotency record)."""

    __tablename__ = "shift_handovers"
    __table_args__ = (UniqueConstraint("rotation_id", "handoff_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = _rotation()
    handoff_at: Mapped[datetime]
    shift_start: Mapped[datetime]
    outgoing: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    incoming: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    posted_at: Mapped[datetime]
    late: Mapped[bool]


class ReminderSettingsRow(Base):
    """A rotation's default reminders (`ReminderPrefs.to_dict()`)."""

    __tablename__ = "reminder_settings"

    rotation_id: Mapped[int] = mapped_column(ForeignKey(ROTATION_FK, ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class PersonRemindersRow(Base):
    """A person's own reminders, over their rotations' defaults."""

    __tablename__ = "person_reminders"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class ShiftNoticeRow(Base):
    """A reminder or change notice settled (sent, or skipped for a nearer one), by its key."""

    __tablename__ = "shift_notices"
    __table_args__ = (Index(None, "rotation_id", "at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    rotation_id: Mapped[int] = _rotation()
    person: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    sent: Mapped[bool]
    settled_at: Mapped[datetime]


class ShiftSnapshotRow(Base):
    """The rotation's primary shifts of the coming weeks as last seen, and the audit entry
    (the last change) they reflect."""

    __tablename__ = "shift_snapshots"

    rotation_id: Mapped[int] = mapped_column(ForeignKey(ROTATION_FK, ondelete="CASCADE"), primary_key=True)
    audit_id: Mapped[int]
    taken_at: Mapped[datetime]
    until: Mapped[datetime]
    stretches: Mapped[list[Any]] = mapped_column(JSON)


class PostmortemRow(Base):
    """The post-mortem prompt about a resolved critical alert, and the answer."""

    __tablename__ = "postmortems"

    alert_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rotation_id: Mapped[int] = _rotation()
    title: Mapped[str] = mapped_column(String(500))
    asked_of: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    asked_at: Mapped[datetime]
    message_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    summary: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    submitted_by: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    submitted_at: Mapped[datetime | None]


class ReportLinkRow(Base):
    """A link to a report's chart, for a card image: the token lets anyone holding the
    link see that rotation's chart for that period, until it expires."""

    __tablename__ = "report_links"
    __table_args__ = (Index(None, "expires_at"),)

    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), primary_key=True)
    rotation_id: Mapped[int] = _rotation()
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
