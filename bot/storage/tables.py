"""The database schema as SQLAlchemy declarative models.

These rows never leave `bot.storage`: `store.py` turns them into domain values. The
migration `versions/0001_initial.py` creates exactly this schema, and a test holds the
two together (alembic's `compare_metadata` must find no difference).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

#: Deterministic constraint names, so both backends and the hand-written migration agree.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: SQLite reuses the largest rowid after a delete unless told not to; ids are shown to
#: users and an override's id is its creation order, so they must never be reused.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: stored in UTC (timestamptz on PostgreSQL), always read back aware.

    SQLite has no time zone type and would silently drop the offset, so values are
    converted to UTC before they are written and tagged UTC when they are read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("instants are stored with their UTC offset; got a naive datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class PersonRow(Base):
    """Someone who can be on duty, known by their Entra user principal name."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    teams_id: Mapped[str | None] = mapped_column(String(200))
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RotationRow(Base):
    __tablename__ = "rotations"
    __table_args__ = (
        CheckConstraint("shift_count >= 1", name="shift_count_positive"),
        CheckConstraint("shift_unit IN ('h', 'd', 'w')", name="shift_unit_known"),
        CheckConstraint("secondary_kind IN ('none', 'next', 'rotation')", name="secondary_kind_known"),
        CheckConstraint(
            "(secondary_kind = 'rotation') = (secondary_rotation_id IS NOT NULL)",
            name="secondary_rotation_named",
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    shift_count: Mapped[int]
    shift_unit: Mapped[str] = mapped_column(String(1))
    #: Wall-clock time in `timezone`, 'YYYY-MM-DD HH:MM[:SS]': a local time is not an instant.
    handoff_local: Mapped[str] = mapped_column(String(19))
    secondary_kind: Mapped[str] = mapped_column(String(8))
    #: No cascade: a rotation still named as another's secondary cannot be deleted.
    secondary_rotation_id: Mapped[int | None] = mapped_column(ForeignKey("rotations.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    secondary: Mapped[RotationRow | None] = relationship(remote_side=[id], lazy="raise")
    members: Mapped[list[MemberRow]] = relationship(
        order_by="MemberRow.position", lazy="raise", passive_deletes=True
    )
    overrides: Mapped[list[OverrideRow]] = relationship(
        order_by="OverrideRow.id", lazy="raise", passive_deletes=True
    )
    time_off: Mapped[list[TimeOffRow]] = relationship(
        order_by="TimeOffRow.id", lazy="raise", passive_deletes=True
    )


class MemberRow(Base):
    """Position `position` (0-based) in a rotation's order is held by `person_id`."""

    __tablename__ = "rotation_members"
    __table_args__ = (
        UniqueConstraint("rotation_id", "person_id"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index(None, "person_id"),
    )

    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    person: Mapped[PersonRow] = relationship(lazy="raise")


class SpanColumns:
    """A person over [start, end) in a rotation: the shape overrides and time off share."""

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    created_at: Mapped[datetime]

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (CheckConstraint("end_utc > start_utc", name="ends_after_start"), NEVER_REUSE_IDS)

    @declared_attr
    @classmethod
    def person(cls) -> Mapped[PersonRow]:
        return relationship(lazy="raise")


class OverrideRow(SpanColumns, Base):
    """`person_id` takes the primary duty; a larger id is a later override, which wins."""

    __tablename__ = "overrides"


class TimeOffRow(SpanColumns, Base):
    """`person_id` is away; the next available member covers."""

    __tablename__ = "time_off"


class TokenRow(Base):
    """An API bearer token; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin: Mapped[bool]
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditRow(Base):
    """Who changed what, when. `rotation_name` is plain text so history outlives the rotation."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "rotation_name", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    rotation_name: Mapped[str | None] = mapped_column(String(63))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]

from bot.storage import outbox_tables  # noqa: E402,F401  (the outbox and tag-sync tables)
from bot.storage import alerts_tables  # noqa: E402,F401  (integrations, alerts, their cards, alert settings)
from bot.storage import teams_tables  # noqa: E402,F401  (conversations, bindings, owners, routed mentions, shift records)
from bot.storage import shifts_tables  # noqa: E402,F401  (routine duties and their runs, handovers, reminders, post-mortems)
from bot.storage import tray_tables  # noqa: E402,F401  (personal tokens of the tray and pairing codes)
