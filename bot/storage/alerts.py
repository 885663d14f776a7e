"""Alerts in the database: integrations, alerts and the cards sent about them, settings.

`AlertStore` works on the engine of the main `Store`, in the same database. Changes that
belong together (an alert's new state and the cards it asks for) are made in one
`AlertStore.transaction()`, whose `AlertWork` offers the small steps; the service decides
what to do, this module only stores it. Domain values in, domain values out: rows never
leave this module.

Card copies: every card Rota posts about an alert is a message row. A change to the
alert raises the row's `wanted_version`, and that of every copy of the digest that lists
the alert (`digest_key`), in the transaction that stores the change; whoever syncs
deliveries sends what is behind and records what it sent (`settle`), so a crash between
the two only repeats a send the outbox recognises by its idempotency key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.alerts.batching import Recent
from bot.alerts.model import Alert, AlertState, IntegrationKind
from bot.alerts.settings import AlertSettings
from bot.storage import queries
from bot.storage.alerts_tables import AlertIntegrationRow, AlertMessageRow, AlertRow, AlertSettingsRow
from bot.storage.database import writer
from bot.storage.store import Clock, Conflict, NotFound, utc_now
from bot.storage.tables import RotationRow
from shared.rotation import ValidationError

INTEGRATION_SECRET_PREFIX = "rotahook_"
INTEGRATION_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_SECRET_LENGTH = 256
MAX_LIST = 500
#: Seconds a rotation's id and zone are reused across transactions.
ROTATION_IDS_KEPT = 2.0


@dataclass(frozen=True)
class Integration:
    """A rotation's webhook: `POST /api/alerts/{id}` with its secret."""

    id: int
    rotation: str
    kind: IntegrationKind
    name: str
    created: datetime

    def url(self, base_url: str) -> str:
        """Where the source posts, under the service's public address."""
        return f"{base_url.rstrip('/')}/api/alerts/{self.id}"


@dataclass(frozen=True)
class StoredAlert:
    """An alert as stored: the value (with its id), its version, its rotation's zone, and
    when the timer next wants it."""

    alert: Alert
    version: int
    timezone: str
    due_at: datetime | None = None

    @property
    def id(self) -> int:
        assert self.alert.id is not None
        return self.alert.id


class MessageKind(StrEnum):
    CARD = "card"
    DIGEST = "digest"


@dataclass(frozen=True)
class NewMessage:
    """A card to post: one copy of an alert's card, or of a digest (`digest_key` set).
    `body` carries what the card needs beyond the alert (a text with mentions, the
    digest's alerts); `thread_of_key` names the message this one answers in its thread."""

    kind: MessageKind
    conversation_key: str
    idempotency_key: str
    alert_id: int | None = None
    digest_key: str | None = None
    thread_of_key: str | None = None
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertMessage:
    id: int
    rotation: str
    kind: MessageKind
    conversation_key: str
    idempotency_key: str
    alert_id: int | None
    digest_key: str | None
    thread_of_key: str | None
    body: dict[str, Any]
    wanted_version: int
    shown_version: int
    retry_at: datetime | None
    activity_id: str | None
    created: datetime

    @property
    def sent(self) -> bool:
        return self.shown_version > 0

    @property
    def behind(self) -> bool:
        return self.shown_version < self.wanted_version


@dataclass(frozen=True)
class DueAlert:
    id: int
    rotation: str
    due_at: datetime


def digest_key_for(rotation: str, at: datetime) -> str:
    """The key every copy of the rotation's digest delivered at `at` carries; an alert it
    lists knows `at` (`Alert.digested_at`), hence its digest."""
    return f"digest:{rotation}:{at.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def new_integration_secret() -> str:
    return INTEGRATION_SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AlertStore:
    """Create with `AlertStore(store.engine)`: the open store's engine, already migrated."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)
        #: Rotation name → (id, zone), as transactions recently found them (a rotation made
        #: again under the same name has a new id: the insert fails, and this is forgotten).
        self._rotation_ids: Recent[str, tuple[int, str]] = Recent(ROTATION_IDS_KEPT)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._writers() as session, session.begin():
                yield session
        except IntegrityError as exc:
            self._rotation_ids.forget()
            raise Conflict("the change conflicts with data stored meanwhile; try again") from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AlertWork]:
        """One unit of work, committed when the block ends; a constraint broken by a
        concurrent writer (two first notices of one key at once) is a Conflict."""
        async with self._writing() as session:
            work = AlertWork(session, self._clock(), self._rotation_ids)
            yield work
            await work.flush()

    # integrations --------------------------------------------------------------------
    async def create_integration(self, rotation: str, kind: IntegrationKind, name: str,
                                 actor: str) -> tuple[Integration, str]:
        """A new webhook for `rotation`; returns it and its secret, which is not kept.
        Raises NotFound (rotation), Conflict (name taken in the rotation), ValidationError."""
        kind = _integration_kind(kind)
        if not isinstance(name, str) or not INTEGRATION_NAME.match(name):
            raise ValidationError("name", "an integration name is 1 to 64 letters, digits, '.', '_' or '-'")
        secret = new_integration_secret()
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            taken = select(AlertIntegrationRow.id).where(AlertIntegrationRow.rotation_id == rotation_id,
                                                         AlertIntegrationRow.name == name)
            if await session.scalar(taken) is not None:
                raise Conflict(f"rotation {rotation!r} already has an integration named {name!r}")
            now = self._clock()
            values = {"rotation_id": rotation_id, "kind": kind.value, "name": name,
                      "secret_hash": _digest(secret), "created_at": now}
            new_id = await session.scalar(insert(AlertIntegrationRow).values(**values).returning(AlertIntegrationRow.id))
            details = {"after": {"id": new_id, "kind": kind.value, "name": name}}
            await queries.add_audit(session, now, actor, rotation, "integration.create", details)
        return Integration(new_id, rotation, kind, name, now), secret

    async def list_integrations(self, rotation: str | None = None) -> list[Integration]:
        """By rotation, then id. Raises NotFound for an unknown rotation."""
        query = _integration_query().order_by(RotationRow.name, AlertIntegrationRow.id)
        async with self._readers() as session:
            if rotation is not None:
                query = query.where(AlertIntegrationRow.rotation_id == await _rotation_id(session, rotation))
            return [_integration(*row) for row in await session.execute(query)]

    async def delete_integration(self, rotation: str, integration_id: int, actor: str) -> None:
        """Its URL stops working at once; alerts it brought stay. Raises NotFound."""
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            result = await session.execute(
                delete(AlertIntegrationRow)
                .where(AlertIntegrationRow.id == integration_id, AlertIntegrationRow.rotation_id == rotation_id)
                .execution_options(synchronize_session=False))
            if result.rowcount == 0:
                raise NotFound("integration", integration_id)
            details = {"before": {"id": integration_id}}
            await queries.add_audit(session, self._clock(), actor, rotation, "integration.delete", details)

    async def authenticate_integration(self, integration_id: int, presented: Iterable[str]) -> Integration | None:
        """The integration if one of the `presented` secrets is its own, else None.
        Raises NotFound for an id that names no integration."""
        query = _integration_query().add_columns(AlertIntegrationRow.secret_hash)
        async with self._readers() as session:
            row = (await session.execute(query.where(AlertIntegrationRow.id == integration_id))).first()
        if row is None:
            raise NotFound("integration", integration_id)
        *columns, stored_hash = row
        digests = [_digest(secret) for secret in presented if 0 < len(secret) <= MAX_SECRET_LENGTH]
        if not any(hmac.compare_digest(stored_hash, digest) for digest in digests):
            return None
        return _integration(*columns)

    # settings --------------------------------------------------------------------------
    async def settings(self, rotation: str) -> AlertSettings:
        """The rotation's settings, or the defaults. Raises NotFound for an unknown rotation."""
        async with self._readers() as session:
            return await _settings(session, await _rotation_id(session, rotation))

    async def set_settings(self, rotation: str, settings: AlertSettings, actor: str) -> AlertSettings:
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            before = (await _settings(session, rotation_id)).to_dict()
            now = self._clock()
            await session.execute(delete(AlertSettingsRow).where(AlertSettingsRow.rotation_id == rotation_id))
            after = settings.to_dict()
            await session.execute(insert(AlertSettingsRow).values(rotation_id=rotation_id, settings=after,
                                                                   updated_at=now))
            details = {"before": before, "after": after}
            await queries.add_audit(session, now, actor, rotation, "alert_settings.update", details)
        return settings

    # alerts ----------------------------------------------------------------------------
    async def get(self, alert_id: int) -> StoredAlert:
        """Raises NotFound."""
        async with self._readers() as session:
            found = await _alert(session, alert_id, lock=False)
        if found is None:
            raise NotFound("alert", alert_id)
        return found

    async def get_many(self, alert_ids: Iterable[int]) -> dict[int, StoredAlert]:
        """The alerts among `alert_ids` that exist, by id."""
        query = _alert_query().where(AlertRow.id.in_(list(alert_ids)))
        async with self._readers() as session:
            return {found.id: found for found in (_stored(*row) for row in await session.execute(query))}

    async def list_alerts(self, rotation: str | None = None, states: Iterable[AlertState] = (),
                          limit: int = 100) -> list[StoredAlert]:
        """Newest first. Raises NotFound for an unknown rotation."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST:
            raise ValidationError("limit", f"must be a whole number from 1 to {MAX_LIST}")
        query = _alert_query().order_by(AlertRow.id.desc()).limit(limit)
        wanted = [AlertState(state).value for state in states]
        if wanted:
            query = query.where(AlertRow.state.in_(wanted))
        async with self._readers() as session:
            if rotation is not None:
                query = query.where(AlertRow.rotation_id == await _rotation_id(session, rotation))
            return [_stored(*row) for row in await session.execute(query)]

    async def due_alerts(self, now: datetime, limit: int = 100) -> list[DueAlert]:
        """Alerts whose escalation, snooze or digest is due at `now`, earliest first."""
        query = (select(AlertRow.id, RotationRow.name, AlertRow.due_at)
                 .join(RotationRow, RotationRow.id == AlertRow.rotation_id)
                 .where(AlertRow.due_at <= now).order_by(AlertRow.due_at, AlertRow.id).limit(limit))
        async with self._readers() as session:
            return [DueAlert(*row) for row in await session.execute(query)]

    async def next_due(self) -> datetime | None:
        """The earliest instant anything here wants doing: an alert's next step or digest,
        or a card that waits to be sent or brought up to date."""
        async with self._readers() as session:
            alerts = await session.scalar(select(func.min(AlertRow.due_at)))
            messages = await session.scalar(select(func.min(AlertMessageRow.retry_at)))
        return min((t for t in (alerts, messages) if t is not None), default=None)

    # card copies -------------------------------------------------------------------------
    async def messages_due(self, now: datetime, limit: int = 200) -> list[AlertMessage]:
        """Cards to send or bring up to date at `now`, oldest first."""
        query = (_message_query().where(AlertMessageRow.retry_at <= now)
                 .order_by(AlertMessageRow.id).limit(limit))
        async with self._readers() as session:
            return [_message(*row) for row in await session.execute(query)]

    async def messages_of(self, alert_ids: Iterable[int]) -> list[AlertMessage]:
        """Every card copy of these alerts, in the order they were first posted."""
        query = _message_query().where(AlertMessageRow.alert_id.in_(list(alert_ids))).order_by(AlertMessageRow.id)
        async with self._readers() as session:
            return [_message(*row) for row in await session.execute(query)]

    async def digest_copies(self, digest_key: str) -> list[AlertMessage]:
        """Every copy of one digest, in the order they were posted."""
        return await self.digest_copies_of([digest_key])

    async def digest_copies_of(self, digest_keys: Iterable[str]) -> list[AlertMessage]:
        """Every copy of these digests, in the order they were posted."""
        async with self._readers() as session:
            return [_message(*row) for row in await session.execute(_digest_copies_query(digest_keys))]


class AlertWork:
    """The steps of one transaction. Alerts read here are locked until it ends (on
    PostgreSQL; SQLite's writers already take turns)."""

    def __init__(self, session: AsyncSession, now: datetime,
                 rotations: Recent[str, tuple[int, str]] | None = None) -> None:
        self._session = session
        self._rotations: Recent[str, tuple[int, str]] = rotations if rotations is not None else Recent(None)
        self._new_messages: list[dict[str, Any]] = []
        self.now = now

    async def _rotation(self, rotation: str) -> tuple[int, str]:
        """The rotation's id and time zone. Raises NotFound."""
        return await self._rotations.get(rotation, lambda: _rotation(self._session, rotation))

    async def rotation_id(self, rotation: str) -> int:
        """Raises NotFound."""
        return (await self._rotation(rotation))[0]

    async def settings(self, rotation: str) -> AlertSettings:
        return await _settings(self._session, await self.rotation_id(rotation))

    async def latest_many(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredAlert]:
        """For each (rotation, key) that has alerts, the newest of them, open or not; one query."""
        pairs = set(wanted)
        if not pairs:
            return {}
        rotation_ids = [await self.rotation_id(rotation) for rotation in {rotation for rotation, _ in pairs}]
        keys = {key for _, key in pairs}
        newest = (select(func.max(AlertRow.id))
                  .where(AlertRow.rotation_id.in_(rotation_ids), AlertRow.dedup_key.in_(keys))
                  .group_by(AlertRow.rotation_id, AlertRow.dedup_key))
        query = _alert_query().where(AlertRow.id.in_(newest)).with_for_update(of=AlertRow)
        found = (_stored(*row) for row in await self._session.execute(query))
        return {key: stored for stored in found if (key := (stored.alert.rotation, stored.alert.dedup_key)) in pairs}

    async def lock_many(self, alert_ids: Iterable[int]) -> dict[int, StoredAlert]:
        """The alerts among `alert_ids` that still exist, by id, locked in id order."""
        query = (_alert_query().where(AlertRow.id.in_(sorted(alert_ids))).order_by(AlertRow.id)
                 .with_for_update(of=AlertRow))
        return {found.id: found for found in (_stored(*row) for row in await self._session.execute(query))}

    async def lock(self, alert_id: int) -> StoredAlert:
        """Raises NotFound."""
        found = await _alert(self._session, alert_id, lock=True)
        if found is None:
            raise NotFound("alert", alert_id)
        return found

    async def due_in(self, rotation: str, now: datetime) -> list[StoredAlert]:
        """The rotation's alerts due at `now`, oldest first."""
        query = (_alert_query().where(AlertRow.rotation_id == await self.rotation_id(rotation),
                                      AlertRow.due_at <= now)
                 .order_by(AlertRow.id).with_for_update(of=AlertRow))
        return [_stored(*row) for row in await self._session.execute(query)]

    async def insert(self, alert: Alert, *, integration_id: int | None, due_at: datetime | None,
                     version: int = 1) -> StoredAlert:
        """A new alert; `version` above 1 when it was already changed (paged) before it was stored."""
        rotation_id, timezone = await self._rotation(alert.rotation)
        values = {
            "rotation_id": rotation_id, "integration_id": integration_id, "dedup_key": alert.dedup_key,
            "version": version, "created_at": self.now, **_alert_columns(alert, due_at, self.now),
        }
        new_id = await self._session.scalar(insert(AlertRow).values(**values).returning(AlertRow.id))
        return StoredAlert(_with_id(alert, new_id), version, timezone, due_at)

    async def save(self, stored: StoredAlert, alert: Alert, due_at: datetime | None, *,
                   has_copies: bool = True) -> StoredAlert:
        """Store the alert's new value; every copy of its card is then behind (a caller
        that knows there is none yet says `has_copies=False`, saving a statement), and so
        is every copy of the digest that lists it, if one does."""
        await self.flush()
        version = stored.version + 1
        await self._session.execute(
            update(AlertRow).where(AlertRow.id == stored.id)
            .values(version=version, **_alert_columns(alert, due_at, self.now)).execution_options(synchronize_session=False))
        if has_copies:
            await self._session.execute(
                update(AlertMessageRow).where(AlertMessageRow.alert_id == stored.id)
                .values(wanted_version=version, retry_at=self.now).execution_options(synchronize_session=False))
        listed_at = stored.alert.digested_at
        if listed_at is not None:
            await self._digest_behind(digest_key_for(stored.alert.rotation, listed_at))
        return StoredAlert(alert, version, stored.timezone, due_at)

    async def add_messages(self, rotation: str, messages: Iterable[NewMessage], version: int, *,
                           sent: Iterable[str] = (), retry_at: datetime | None = None) -> None:
        """Store new cards at `version` (written by `flush`): those whose keys are in `sent`
        were queued just now; the others are due at `retry_at`."""
        rotation_id = await self.rotation_id(rotation)
        queued = set(sent)
        rows = [{
            "rotation_id": rotation_id, "alert_id": m.alert_id, "digest_key": m.digest_key, "kind": m.kind.value,
            "conversation_key": m.conversation_key, "idempotency_key": m.idempotency_key,
            "thread_of_key": m.thread_of_key, "body": m.body, "wanted_version": version,
            "shown_version": version if m.idempotency_key in queued else 0,
            "retry_at": None if m.idempotency_key in queued else retry_at or self.now, "created_at": self.now,
        } for m in messages]
        self._new_messages.extend(rows)

    async def flush(self) -> None:
        """Write the cards added so far, all in one statement (before the commit, and before
        anything here reads cards)."""
        rows, self._new_messages = self._new_messages, []
        if rows:
            await self._session.execute(insert(AlertMessageRow), rows)

    async def enqueue(self, outbox: Any, message: Any) -> None:
        """Queue `message` in the outbox within this transaction (`Outbox.enqueue_in`)."""
        await outbox.enqueue_in(self._session, message)

    async def postpone(self, message_id: int, retry_at: datetime) -> None:
        await self.flush()
        await self._session.execute(update(AlertMessageRow).where(AlertMessageRow.id == message_id)
                                    .values(retry_at=retry_at).execution_options(synchronize_session=False))

    async def reschedule(self, alert_id: int, due_at: datetime | None) -> None:
        """Only when the alert is next due changes (a policy changed, a snooze ran out)."""
        await self._session.execute(update(AlertRow).where(AlertRow.id == alert_id).values(due_at=due_at)
                                    .execution_options(synchronize_session=False))

    async def messages(self, alert_id: int) -> list[AlertMessage]:
        return (await self.messages_of([alert_id])).get(alert_id, [])

    async def messages_of(self, alert_ids: Iterable[int]) -> dict[int, list[AlertMessage]]:
        """The card copies of these alerts, by alert, each in the order first posted."""
        await self.flush()
        query = _message_query().where(AlertMessageRow.alert_id.in_(list(alert_ids))).order_by(AlertMessageRow.id)
        return by_alert(_message(*row) for row in await self._session.execute(query))

    async def digest_copies_of(self, digest_keys: Iterable[str]) -> list[AlertMessage]:
        """Every copy of these digests, in the order they were posted."""
        await self.flush()
        return [_message(*row) for row in await self._session.execute(_digest_copies_query(digest_keys))]

    async def _digest_behind(self, key: str) -> None:
        """One of the digest's alerts changed: every copy of it is behind."""
        await self._session.execute(
            update(AlertMessageRow).where(AlertMessageRow.digest_key == key)
            .values(wanted_version=AlertMessageRow.wanted_version + 1, retry_at=self.now)
            .execution_options(synchronize_session=False))

    async def mark_shown(self, message_ids: Iterable[int], version: int, *, activity_id: str | None = None) -> None:
        """These copies show `version` now (queued, or refreshed by an invoke's answer);
        they stay due if the alert moved past it meanwhile."""
        await self.flush()
        ids = list(message_ids)
        if ids:
            extra = {} if activity_id is None else {"activity_id": activity_id}
            await self._session.execute(_settle_many(ids, version, **extra))

    async def audit(self, actor: str, rotation: str, action: str, details: dict[str, Any]) -> None:
        await queries.add_audit(self._session, self.now, actor, rotation, action, details)


# queries and conversions ---------------------------------------------------------------------
def by_alert(messages: Iterable[AlertMessage]) -> dict[int, list[AlertMessage]]:
    grouped: dict[int, list[AlertMessage]] = {}
    for message in messages:
        if message.alert_id is not None:
            grouped.setdefault(message.alert_id, []).append(message)
    return grouped


def _integration_kind(kind: object) -> IntegrationKind:
    try:
        return IntegrationKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in IntegrationKind)
        raise ValidationError("kind", f"{kind!r} is not one of {allowed}") from None


async def _rotation(session: AsyncSession, name: str) -> tuple[int, str]:
    """The rotation's id and time zone. Raises NotFound."""
    query = select(RotationRow.id, RotationRow.timezone).where(RotationRow.name == name)
    row = (await session.execute(query)).first() if isinstance(name, str) else None
    if row is None:
        raise NotFound("rotation", name)
    return row[0], row[1]


async def _rotation_id(session: AsyncSession, name: str) -> int:
    return (await _rotation(session, name))[0]


async def _settings(session: AsyncSession, rotation_id: int) -> AlertSettings:
    data = await session.scalar(select(AlertSettingsRow.settings).where(AlertSettingsRow.rotation_id == rotation_id))
    return AlertSettings() if data is None else AlertSettings.from_dict(data)


def _integration_query():
    return (select(AlertIntegrationRow.id, RotationRow.name, AlertIntegrationRow.kind, AlertIntegrationRow.name,
                   AlertIntegrationRow.created_at)
            .join(RotationRow, RotationRow.id == AlertIntegrationRow.rotation_id))


def _integration(integration_id: int, rotation: str, kind: str, name: str, created: datetime) -> Integration:
    return Integration(integration_id, rotation, IntegrationKind(kind), name, created)


def _alert_query():
    return (select(AlertRow.id, AlertRow.version, AlertRow.data, RotationRow.timezone, AlertRow.due_at)
            .join(RotationRow, RotationRow.id == AlertRow.rotation_id))


async def _alert(session: AsyncSession, alert_id: int, *, lock: bool) -> StoredAlert | None:
    if isinstance(alert_id, bool) or not isinstance(alert_id, int):
        return None
    query = _alert_query().where(AlertRow.id == alert_id)
    if lock:
        query = query.with_for_update(of=AlertRow)
    row = (await session.execute(query)).first()
    return None if row is None else _stored(*row)


def _stored(alert_id: int, version: int, data: dict[str, Any], timezone: str, due_at: datetime | None) -> StoredAlert:
    return StoredAlert(Alert.from_dict({**data, "id": alert_id}), version, timezone, due_at)


def _with_id(alert: Alert, alert_id: int) -> Alert:
    return dataclasses.replace(alert, id=alert_id)


def _alert_columns(alert: Alert, due_at: datetime | None, now: datetime) -> dict[str, Any]:
    data = alert.to_dict()
    data.pop("id")
    return {"state": alert.state.value, "severity": alert.severity.value, "due_at": due_at, "updated_at": now,
            "data": data}


def _message_query():
    return select(AlertMessageRow, RotationRow.name).join(RotationRow, RotationRow.id == AlertMessageRow.rotation_id)


def _digest_copies_query(digest_keys: Iterable[str]):
    return (_message_query().where(AlertMessageRow.digest_key.in_(list(dict.fromkeys(digest_keys))))
            .order_by(AlertMessageRow.id))


def _message(row: AlertMessageRow, rotation: str) -> AlertMessage:
    return AlertMessage(
        id=row.id, rotation=rotation, kind=MessageKind(row.kind), conversation_key=row.conversation_key,
        idempotency_key=row.idempotency_key, alert_id=row.alert_id, digest_key=row.digest_key,
        thread_of_key=row.thread_of_key, body=row.body, wanted_version=row.wanted_version,
        shown_version=row.shown_version, retry_at=row.retry_at, activity_id=row.activity_id, created=row.created_at,
    )


def _settle_many(ids: list[int], version: int, **values: Any):
    """Shown at `version`: done, unless the wanted version moved past it meanwhile."""
    table = AlertMessageRow
    shown = case((table.shown_version > version, table.shown_version), else_=version)
    still_due = case((table.wanted_version > version, table.retry_at), else_=None)
    return (update(table).where(table.id.in_(ids))
            .values(shown_version=shown, retry_at=still_due, **values).execution_options(synchronize_session=False))
