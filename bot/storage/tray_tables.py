"""The tray's tables: personal tokens and the pairing codes that lead to them
(migration `versions/0005_tray.py`).

Only SHA-256 digests of secrets and codes are kept, as for API tokens: a copy of the
database gives nobody a working token, and a code is no use once used or expired.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import NEVER_REUSE_IDS, Base


class PersonalTokenRow(Base):
    """A bearer token bound to one person: it reads that person's feed and nothing else."""

    __tablename__ = "tray_tokens"
    __table_args__ = (Index(None, "person_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PairingCodeRow(Base):
    """A one-time code the bot gave a person; a tray trades it for a personal token."""

    __tablename__ = "tray_pairing_codes"
    __table_args__ = (Index(None, "person_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
