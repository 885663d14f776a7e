"""The storage contract: domain values in, domain values out.

Semantics fixed here (and by tests/storage/): every mutating call is one transaction
that either applies fully or not at all, and writes one audit entry naming the actor.
(Recording that a person was seen in Teams, or that a token was used, is bookkeeping,
not a change anyone made, and is not audited.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.rotation import Override, Rotation, SecondaryKind, TimeOff, ValidationError, normalize_email

from bot.storage import queries
from bot.storage.convert import (
    changes,
    in_creation_order,
    override_from_row,
    people_of,
    rotation_from_row,
    rotation_view,
    settings_columns,
    settings_view,
    span_view,
    time_off_from_row,
)
from bot.storage.database import build_engine, migrate, parse_database_url, writer
from bot.storage.errors import Conflict, NotFound, write_transaction
from bot.storage.tables import AuditRow, OverrideRow, PersonRow, RotationRow, TimeOffRow, TokenRow


#: Row ids are 32-bit integer columns; a larger id cannot exist (and would make
#: PostgreSQL raise instead of answer "no such row").
MAX_ROW_ID = 2**31 - 1


@dataclass(frozen=True)
class Person:
    email: str
    display_name: str | None = None
    teams_id: str | None = None
    aad_object_id: str | None = None


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    admin: bool
    created: datetime
    last_used: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    rotation: str | None
    action: str
    details: dict


Clock = Callable[[], datetime]
Span = TypeVar("Span", Override, TimeOff)

TOKEN_PREFIX = "rota_"
TOKEN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: A secret longer than this was never issued here; refuse it before hashing.
MAX_SECRET_LENGTH = 256
#: Last use is recorded to the minute, so authenticating a burst of requests is not a burst of writes.
LAST_USE_RESOLUTION = timedelta(minutes=1)
MAX_AUDIT_LIMIT = 1000
#: Column widths in `tables.py`, checked here so that both backends refuse the same values.
PERSON_FIELD_LENGTHS = {"display_name": 200, "teams_id": 200, "aad_object_id": 64}
MAX_ACTOR_LENGTH = 200


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class _SpanKind:
    """What differs between overrides and time off as far as storage is concerned."""

    table: type[OverrideRow] | type[TimeOffRow]
    noun: str
    action: str
    from_row: Callable[[Any], Override | TimeOff]


_OVERRIDES = _SpanKind(OverrideRow, "override", "override", override_from_row)
_TIME_OFF = _SpanKind(TimeOffRow, "time off", "time_off", time_off_from_row)


class Store:
    """Async repository. Create with `await Store.open(url)`; close with `await store.close()`."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utc_now) -> None:
        """Use `Store.open`, which also migrates; this only wires an engine that is ready."""
        self._engine = engine
        self._clock = clock
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)

    @property
    def engine(self) -> AsyncEngine:
        """The open connection pool; other areas' repositories (outbox, alerts, Teams)
        share it, so there is one set of connections per database."""
        return self._engine

    @classmethod
    async def open(cls, url: str, *, clock: Clock = utc_now) -> Store:
        """Connect, apply migrations up to head, and return a ready store.

        SQLite runs in WAL mode with foreign keys on. Raises ValueError for a URL that
        names no supported database (sqlite+aiosqlite, postgresql+asyncpg).
        `clock` gives the time stamps (audit, last use); tests pass a fixed one."""
        engine = build_engine(parse_database_url(url))
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, clock)

    async def close(self) -> None:
        await self._engine.dispose()

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (used by /healthz)."""
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction (see `write_transaction`)."""
        async with write_transaction(self._writers) as session:
            yield session

    # rotations ---------------------------------------------------------------------
    async def list_rotations(self) -> list[Rotation]:
        """All rotations, by name, complete with overrides and time off."""
        async with self._readers() as session:
            rows = await session.scalars(queries.rotation_query().order_by(RotationRow.name))
            return [rotation_from_row(row) for row in rows]

    async def get_rotation(self, name: str) -> Rotation:
        """Raises NotFound."""
        async with self._readers() as session:
            return rotation_from_row(await _rotation_row(session, name))

    async def create_rotation(self, rotation: Rotation, actor: str) -> Rotation:
        """Store a new rotation with its members, overrides and time off.
        Raises Conflict if the name is taken or the secondary rotation does not exist.

        Overrides are stored in the order of their `created` values, and come back with
        `created` (and `id`) renumbered in that same order."""
        _require(rotation, Rotation, "rotation")
        actor = _checked_actor(actor)
        async with self._writing() as session:
            if await queries.rotation_id(session, rotation.name) is not None:
                raise Conflict(f"a rotation named {rotation.name!r} already exists")
            now = self._clock()
            people = await queries.ensure_people(session, people_of(rotation), now)
            new_id = await queries.insert_rotation(
                session,
                {
                    "name": rotation.name,
                    **settings_columns(rotation),
                    "secondary_rotation_id": await _secondary_id(session, rotation),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            await queries.replace_members(session, new_id, rotation.members, people)
            overrides = [queries.span_values(new_id, o, people, now) for o in in_creation_order(rotation.overrides)]
            await queries.insert_spans(session, OverrideRow, overrides)
            time_off = [queries.span_values(new_id, t, people, now) for t in rotation.time_off]
            await queries.insert_spans(session, TimeOffRow, time_off)
            stored = rotation_from_row(await _rotation_row(session, rotation.name))
            details = {"after": rotation_view(stored)}
            await queries.add_audit(session, now, actor, stored.name, "rotation.create", details)
            return stored

    async def update_rotation(self, rotation: Rotation, actor: str) -> Rotation:
        """Replace the settings and members of the rotation named `rotation.name`;
        its overrides and time off are kept. Raises NotFound, Conflict."""
        _require(rotation, Rotation, "rotation")
        actor = _checked_actor(actor)
        async with self._writing() as session:
            row = await _rotation_row(session, rotation.name)
            before = rotation_from_row(row)
            now = self._clock()
            people = await queries.ensure_people(session, rotation.members, now)
            secondary_id = await _secondary_id(session, rotation)
            await queries.replace_members(session, row.id, rotation.members, people)
            await session.execute(
                update(RotationRow)
                .where(RotationRow.id == row.id)
                .values(**settings_columns(rotation), secondary_rotation_id=secondary_id, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            stored = rotation_from_row(await _rotation_row(session, rotation.name))
            details = changes(settings_view(before), settings_view(stored))
            await queries.add_audit(session, now, actor, stored.name, "rotation.update", details)
            return stored

    async def delete_rotation(self, name: str, actor: str) -> None:
        """Raises NotFound; Conflict while another rotation names it as secondary."""
        actor = _checked_actor(actor)
        async with self._writing() as session:
            row = await _rotation_row(session, name)
            dependents = await queries.rotations_naming_as_secondary(session, row.id)
            if dependents:
                raise Conflict(f"rotation {name!r} is the secondary of {', '.join(dependents)}; change those first")
            before = rotation_view(rotation_from_row(row))
            await session.execute(
                delete(RotationRow).where(RotationRow.id == row.id).execution_options(synchronize_session=False)
            )
            await queries.add_audit(session, self._clock(), actor, name, "rotation.delete", {"before": before})

    async def add_override(self, rotation: str, override: Override, actor: str) -> Override:
        """Returns the stored override with `id` set and `created` set to a value larger
        than every earlier override's (so later-created wins)."""
        _require(override, Override, "override")
        return await self._add_span(_OVERRIDES, rotation, override, actor)

    async def delete_override(self, rotation: str, override_id: int, actor: str) -> None:
        """Raises NotFound for an unknown rotation, or an override not in that rotation."""
        await self._delete_span(_OVERRIDES, rotation, override_id, actor)

    async def add_time_off(self, rotation: str, time_off: TimeOff, actor: str) -> TimeOff:
        """Returns the stored time off with `id` set. Raises NotFound."""
        _require(time_off, TimeOff, "time_off")
        return await self._add_span(_TIME_OFF, rotation, time_off, actor)

    async def delete_time_off(self, rotation: str, time_off_id: int, actor: str) -> None:
        """Raises NotFound for an unknown rotation, or time off not in that rotation."""
        await self._delete_span(_TIME_OFF, rotation, time_off_id, actor)

    async def _add_span(self, kind: _SpanKind, rotation: str, span: Span, actor: str) -> Span:
        actor = _checked_actor(actor)
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            now = self._clock()
            people = await queries.ensure_people(session, [span.person], now)
            values = queries.span_values(rotation_id, span, people, now)
            stored = _numbered(span, await queries.insert_span(session, kind.table, values))
            await queries.add_audit(session, now, actor, rotation, f"{kind.action}.add", {"after": span_view(stored)})
            return stored

    async def _delete_span(self, kind: _SpanKind, rotation: str, span_id: int, actor: str) -> None:
        actor = _checked_actor(actor)
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            known_id = isinstance(span_id, int) and not isinstance(span_id, bool) and 0 < span_id <= MAX_ROW_ID
            row = await queries.find_span(session, kind.table, rotation_id, span_id) if known_id else None
            if row is None:
                raise NotFound(kind.noun, span_id)
            before = span_view(kind.from_row(row))
            await session.execute(
                delete(kind.table).where(kind.table.id == row.id).execution_options(synchronize_session=False)
            )
            action = f"{kind.action}.delete"
            await queries.add_audit(session, self._clock(), actor, rotation, action, {"before": before})

    # people --------------------------------------------------------------------------
    async def upsert_person(self, person: Person) -> Person:
        """Create or fill in a person; fields given as None keep their stored value."""
        _require(person, Person, "person")
        email = normalize_email(person.email)
        fields = {
            name: _checked_length(getattr(person, name), limit, name) for name, limit in PERSON_FIELD_LENGTHS.items()
        }
        async with self._writing() as session:
            return _person(await queries.upsert_person(session, email, fields, self._clock()))

    async def get_person(self, email: str) -> Person:
        """Raises NotFound."""
        key = normalize_email(email)
        async with self._readers() as session:
            row = await queries.person(session, key)
        if row is None:
            raise NotFound("person", key)
        return _person(row)

    # tokens --------------------------------------------------------------------------
    async def create_token(self, name: str, admin: bool, *, actor: str = "system") -> tuple[Token, str]:
        """Returns the token and its secret; only a hash of the secret is stored.
        Raises ValidationError for a bad name, Conflict for one already used (even revoked)."""
        name = _checked_token_name(name)
        actor = _checked_actor(actor)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self._writing() as session:
            if await session.scalar(select(TokenRow.id).where(TokenRow.name == name)) is not None:
                raise Conflict(f"a token named {name!r} already exists")
            now = self._clock()
            values = {"name": name, "secret_hash": _digest(secret), "admin": bool(admin), "created_at": now}
            token_id = await session.scalar(insert(TokenRow).values(**values).returning(TokenRow.id))
            details = {"after": {"name": name, "admin": bool(admin)}}
            await queries.add_audit(session, now, actor, None, "token.create", details)
        return Token(id=token_id, name=name, admin=bool(admin), created=now), secret

    async def authenticate(self, secret: str) -> Token | None:
        """The live token whose secret this is, or None. Records last use (to the minute).

        The lookup is by SHA-256 of the secret: timing can reveal nothing about a stored
        secret, and the final comparison is constant-time anyway."""
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
            return None
        digest = _digest(secret)
        async with self._readers() as session:
            row = await session.scalar(
                select(TokenRow).where(TokenRow.secret_hash == digest, TokenRow.revoked_at.is_(None))
            )
        if row is None or not hmac.compare_digest(row.secret_hash, digest):
            return None
        now = self._clock()
        if row.last_used_at is not None and now - row.last_used_at < LAST_USE_RESOLUTION:
            return _token(row)
        async with self._writing() as session:
            await session.execute(update(TokenRow).where(TokenRow.id == row.id).values(last_used_at=now))
        return replace(_token(row), last_used=now)

    async def list_tokens(self) -> list[Token]:
        """Live (not revoked) tokens, by name."""
        async with self._readers() as session:
            live = select(TokenRow).where(TokenRow.revoked_at.is_(None)).order_by(TokenRow.name)
            return [_token(row) for row in await session.scalars(live)]

    async def revoke_token(self, name: str, *, actor: str = "system") -> None:
        """Raises NotFound unless a live token has this name. A revoked name stays taken."""
        actor = _checked_actor(actor)
        async with self._writing() as session:
            now = self._clock()
            result = await session.execute(
                update(TokenRow).where(TokenRow.name == name, TokenRow.revoked_at.is_(None)).values(revoked_at=now)
            )
            if result.rowcount == 0:
                raise NotFound("token", name)
            await queries.add_audit(session, now, actor, None, "token.revoke", {"before": {"name": name}})

    # audit ---------------------------------------------------------------------------
    async def audit_log(self, rotation: str | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        """Newest first. Entries of a deleted rotation stay readable by its name."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT_LIMIT:
            raise ValidationError("limit", f"must be a whole number from 1 to {MAX_AUDIT_LIMIT}")
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if rotation is not None:
            query = query.where(AuditRow.rotation_name == rotation)
        async with self._readers() as session:
            return [_audit_entry(row) for row in await session.scalars(query)]


async def _rotation_row(session: AsyncSession, name: str) -> RotationRow:
    row = await queries.load_rotation(session, name) if isinstance(name, str) else None
    if row is None:
        raise NotFound("rotation", name)
    return row


async def _rotation_id(session: AsyncSession, name: str) -> int:
    found = await queries.rotation_id(session, name) if isinstance(name, str) else None
    if found is None:
        raise NotFound("rotation", name)
    return found


async def _secondary_id(session: AsyncSession, rotation: Rotation) -> int | None:
    """The id of the rotation named as secondary, if the secondary is another rotation."""
    secondary = rotation.secondary
    if secondary.kind is not SecondaryKind.ROTATION or secondary.rotation is None:
        return None
    found = await queries.rotation_id(session, secondary.rotation)
    if found is None:
        raise Conflict(f"rotation {rotation.name!r}: secondary rotation {secondary.rotation!r} does not exist")
    return found


def _require(value: object, kind: type, field_name: str) -> None:
    if not isinstance(value, kind):
        raise ValidationError(field_name, f"must be a {kind.__name__}")


def _checked_actor(actor: object) -> str:
    if not isinstance(actor, str) or not actor.strip() or len(actor) > MAX_ACTOR_LENGTH:
        raise ValidationError("actor", f"name who made the change (1 to {MAX_ACTOR_LENGTH} characters)")
    return actor


def _checked_length(value: object, limit: int, field_name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationError(field_name, f"must be text of at most {limit} characters")
    return value


def _checked_token_name(name: object) -> str:
    if not isinstance(name, str) or not TOKEN_NAME_PATTERN.match(name):
        raise ValidationError("name", "a token name is 1 to 64 letters, digits, '.', '_' or '-'")
    return name


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _numbered(span: Span, new_id: int) -> Span:
    """A stored override's creation order is its id; time off only gains the id."""
    if isinstance(span, Override):
        return replace(span, id=new_id, created=new_id)
    return replace(span, id=new_id)


def _person(row: PersonRow) -> Person:
    return Person(
        email=row.email, display_name=row.display_name, teams_id=row.teams_id, aad_object_id=row.aad_object_id
    )


def _token(row: TokenRow) -> Token:
    return Token(id=row.id, name=row.name, admin=row.admin, created=row.created_at, last_used=row.last_used_at)


def _audit_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id, at=row.at, actor=row.actor, rotation=row.rotation_name, action=row.action, details=row.details
    )
