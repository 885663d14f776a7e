"""The alerts area's tables: integrations, alerts, the messages sent about them, settings.

An alert row keeps the columns Rota searches by (rotation, key, state, when something is
next due) beside the whole domain value as JSON (`Alert.to_dict()`), so the value stays
the one source of what an alert is. `versions/0004_alerts.py` creates exactly this.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import NEVER_REUSE_IDS, Base

INTEGRATION_KINDS = "kind IN ('alertmanager', 'grafana', 'generic')"
MESSAGE_KINDS = "kind IN ('card', 'digest')"
#: While an alert is open its key belongs to it alone: a second open alert with the same
#: key in the same rotation is refused by the database, whatever races the writers run.
OPEN = "state <> 'resolved'"


class AlertIntegrationRow(Base):
    """A webhook URL of a rotation; only the SHA-256 of its secret is kept."""

    __tablename__ = "alert_integrations"
    __table_args__ = (
        UniqueConstraint("rotation_id", "name"),
        CheckConstraint(INTEGRATION_KINDS, name="kind_known"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class AlertRow(Base):
    """One alert. `data` is the domain value; the other columns repeat what queries need.
    `version` grows with every change, so card copies know whether they are behind;
    `due_at` is when escalation, an unsnooze or a digest next wants this alert."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "rotation_id", "dedup_key", "id"),
        Index("ix_alerts_open_key", "rotation_id", "dedup_key", unique=True,
              sqlite_where=text(OPEN), postgresql_where=text(OPEN)),
        Index(None, "state", "id"),
        Index(None, "due_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("alert_integrations.id", ondelete="SET NULL"))
    dedup_key: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class AlertMessageRow(Base):
    """A card Rota posts about alerts: one copy of an alert's card (`kind` card), or of a
    digest (`kind` digest, listing `body["alerts"]`). `idempotency_key` is the outbox key of
    the first send. The copy is behind while `shown_version` (what it last carried) is below
    `wanted_version` (the alert's version); `retry_at` says when to try, None when done."""

    __tablename__ = "alert_messages"
    __table_args__ = (
        CheckConstraint(MESSAGE_KINDS, name="kind_known"),
        Index(None, "alert_id"),
        Index(None, "digest_key"),
        Index(None, "retry_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    digest_key: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    conversation_key: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    thread_of_key: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[dict[str, Any]]
    wanted_version: Mapped[int]
    shown_version: Mapped[int]
    retry_at: Mapped[datetime | None]
    activity_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class AlertSettingsRow(Base):
    """A rotation's escalation policy and urgency rules (`AlertSettings.to_dict()`);
    a rotation without a row uses the defaults."""

    __tablename__ = "alert_settings"

    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
