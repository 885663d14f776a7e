"""The tray's storage: personal tokens, pairing codes, and the names its feed shows.

A personal token is bound to one person and is kept, like an API token, as the SHA-256 of
its secret. A pairing code is kept the same way; trading it for a token is one
transaction that marks it used only if it is still unused and unexpired, so two trays
racing with one code get one token between them. Issuing a code, pairing and revoking
are changes people make, and are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage import queries
from bot.storage.database import writer
from bot.storage.errors import write_transaction
from bot.storage.store import LAST_USE_RESOLUTION, MAX_SECRET_LENGTH, Clock, utc_now
from bot.storage.tables import PersonRow
from bot.storage.tray_tables import PairingCodeRow, PersonalTokenRow
from shared.rotation import normalize_email

#: Personal tokens look like Rota's other tokens (secret scanners know `rota_`), and say
#: what they are, so the API can refuse them by name on routes they do not open.
PERSONAL_TOKEN_PREFIX = "rota_me_"
#: How the audit log names the exchange of a code for a token (the code names the person).
PAIRING_ACTOR = "tray:pairing"
#: Used and expired codes are kept this long (for the audit's sake), then deleted.
CODE_RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class Paired:
    """A new personal token: its secret (shown once) and whose it is."""

    secret: str
    person: str


def is_personal_token(secret: str) -> bool:
    return secret.startswith(PERSONAL_TOKEN_PREFIX) and len(secret) <= MAX_SECRET_LENGTH


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class TrayStore:
    """Create with `TrayStore(store.engine)`: the open store's engine, already migrated."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        async with write_transaction(self._writers) as session:
            yield session

    # pairing codes -------------------------------------------------------------------
    async def issue_code(self, person: str, code: str, expires_at: datetime, *, actor: str) -> None:
        """Keep `code` (normalized by the caller) for `person` until `expires_at`. It
        replaces the person's earlier unused codes. Raises Conflict if the same code is
        stored already (the caller draws another)."""
        email = normalize_email(person)
        async with self._writing() as session:
            now = self._clock()
            person_id = (await queries.ensure_people(session, [email], now))[email]
            await session.execute(delete(PairingCodeRow).where(
                (PairingCodeRow.expires_at < now - CODE_RETENTION)
                | ((PairingCodeRow.person_id == person_id) & PairingCodeRow.used_at.is_(None))
            ))
            await session.execute(insert(PairingCodeRow).values(
                person_id=person_id, code_hash=digest(code), created_at=now, expires_at=expires_at))
            await queries.add_audit(session, now, actor, None, "tray.code.issue",
                                    {"after": {"person": email, "expires": expires_at.isoformat()}})

    async def redeem_code(self, code: str) -> Paired | None:
        """A personal token for the person whose live code this is (it is used up now),
        or None for a code that is unknown, used or expired."""
        async with self._writing() as session:
            now = self._clock()
            person_id = await session.scalar(
                update(PairingCodeRow)
                .where(PairingCodeRow.code_hash == digest(code), PairingCodeRow.used_at.is_(None),
                       PairingCodeRow.expires_at > now)
                .values(used_at=now)
                .returning(PairingCodeRow.person_id)
            )
            if person_id is None:
                return None
            email = await session.scalar(select(PersonRow.email).where(PersonRow.id == person_id))
            secret = PERSONAL_TOKEN_PREFIX + secrets.token_urlsafe(32)
            await session.execute(insert(PersonalTokenRow).values(
                person_id=person_id, secret_hash=digest(secret), created_at=now))
            await queries.add_audit(session, now, PAIRING_ACTOR, None, "tray.token.create",
                                    {"after": {"person": email}})
        return Paired(secret=secret, person=email)

    # personal tokens -----------------------------------------------------------------
    async def owner(self, secret: str) -> str | None:
        """The email of the person whose live personal token this is, or None. Records
        the last use, to the minute."""
        if not isinstance(secret, str) or not is_personal_token(secret):
            return None
        hashed = digest(secret)
        async with self._readers() as session:
            found = (await session.execute(
                select(PersonalTokenRow.id, PersonalTokenRow.secret_hash, PersonalTokenRow.last_used_at,
                       PersonRow.email)
                .join(PersonRow, PersonRow.id == PersonalTokenRow.person_id)
                .where(PersonalTokenRow.secret_hash == hashed, PersonalTokenRow.revoked_at.is_(None))
            )).first()
        if found is None or not hmac.compare_digest(found.secret_hash, hashed):
            return None
        now = self._clock()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USE_RESOLUTION:
            async with self._writing() as session:
                await session.execute(
                    update(PersonalTokenRow).where(PersonalTokenRow.id == found.id).values(last_used_at=now))
        return found.email

    async def revoke(self, person: str, *, actor: str) -> int:
        """Revoke every live personal token of `person` (a lost laptop); how many there were."""
        email = normalize_email(person)
        async with self._writing() as session:
            now = self._clock()
            owned = select(PersonRow.id).where(PersonRow.email == email).scalar_subquery()
            result = await session.execute(
                update(PersonalTokenRow)
                .where(PersonalTokenRow.person_id == owned, PersonalTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            if result.rowcount:
                await queries.add_audit(session, now, actor, None, "tray.token.revoke",
                                        {"before": {"person": email, "tokens": result.rowcount}})
            return result.rowcount

    # people ----------------------------------------------------------------------------
    async def display_names(self, emails: Iterable[str]) -> dict[str, str]:
        """The names people are shown by, for those of `emails` who have one."""
        wanted = sorted(set(emails))
        if not wanted:
            return {}
        async with self._readers() as session:
            rows = await session.execute(
                select(PersonRow.email, PersonRow.display_name)
                .where(PersonRow.email.in_(wanted), PersonRow.display_name.is_not(None))
            )
            return {email: name for email, name in rows}
