"""The outbox's rows, and the state of the Teams tag sync, on SQLite and PostgreSQL.

A worker *claims* rows before sending them: one statement moves them from `pending` to
`sending` under its name until a lease runs out. On PostgreSQL the rows are picked
`FOR UPDATE SKIP LOCKED`, so two workers never pick the same row; on SQLite the write
transaction (`BEGIN IMMEDIATE`) makes the same statement atomic. Only the first unsettled
row of each conversation can be claimed, which keeps a conversation's messages in order.
A result is recorded by one conditional UPDATE that also ends the claim, so a message
marked sent is never claimed again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.conversations import Mention, OutgoingMessage
from bot.storage.database import writer
from bot.storage.outbox_tables import OutboxRow, TagNameRow, TagSyncRow
from bot.storage.store import Store

#: Longest error text kept (the column's width).
MAX_ERROR_LENGTH = 500
#: The table itself: the worker's writes are Core statements, which skip the ORM's
#: per-statement bookkeeping (a good part of the CPU a card costs under a burst).
OUTBOX = OutboxRow.__table__


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


UNSETTLED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass(frozen=True)
class Claimed:
    """A row a worker now holds: `attempts` counts this attempt."""

    row_id: int
    message: OutgoingMessage
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt: sent (with Teams' activity id), dead, or back in line
    (`status` pending) until `next_attempt_at`; `error` says why it was not sent."""

    claimed: Claimed
    status: OutboxStatus
    settled_at: datetime | None = None
    activity_id: str | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """What became of one message (for `activity_id_for`, operators and tests)."""

    idempotency_key: str
    conversation_key: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    activity_id: str | None
    last_error: str | None
    settled_at: datetime | None


def engine_of(store: Store) -> AsyncEngine:
    """The open store's engine: the outbox, the tag state and the timer leader share its
    pool, so there is one set of connections per database."""
    return store.engine


def message_json(message: OutgoingMessage) -> dict[str, Any]:
    """The message body as stored; the two keys have columns of their own."""
    body = asdict(message)
    del body["idempotency_key"], body["conversation_key"]
    return body


def message_from_json(key: str, conversation_key: str, body: dict[str, Any]) -> OutgoingMessage:
    mentions = tuple(Mention(**mention) for mention in body.get("mentions") or ())
    return OutgoingMessage(
        idempotency_key=key,
        conversation_key=conversation_key,
        text=body.get("text"),
        card=body.get("card"),
        mentions=mentions,
        thread_of=body.get("thread_of"),
        replaces=body.get("replaces"),
    )


def _dialect_insert(session: AsyncSession, table: type[Any]) -> Any:
    """INSERT that can say ON CONFLICT, built for the session's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _is_conversation_head() -> Any:
    """No earlier unsettled row in the same conversation: this row is next in line."""
    earlier = aliased(OutboxRow)
    return ~exists().where(
        earlier.conversation_key == OutboxRow.conversation_key,
        earlier.id < OutboxRow.id,
        earlier.status.in_(UNSETTLED),
    )


def _claimable(now: datetime) -> Any:
    """Pending and due, or claimed by a worker whose lease ran out (it died mid-send)."""
    return or_(
        and_(OutboxRow.status == OutboxStatus.PENDING, OutboxRow.next_attempt_at <= now),
        and_(OutboxRow.status == OutboxStatus.SENDING, OutboxRow.lease_until <= now),
    )


def _settle_statement(worker: str, outcome: Outcome) -> Any:
    values: dict[str, Any] = {
        "status": outcome.status,
        "claimed_by": None,
        "lease_until": None,
        "last_error": None if outcome.error is None else outcome.error[:MAX_ERROR_LENGTH],
    }
    if outcome.status == OutboxStatus.PENDING:
        values["next_attempt_at"] = outcome.next_attempt_at
    else:
        values["settled_at"] = outcome.settled_at
        values["activity_id"] = outcome.activity_id
    return (
        update(OUTBOX)
        .where(OUTBOX.c.id == outcome.claimed.row_id, OUTBOX.c.status == OutboxStatus.SENDING,
               OUTBOX.c.claimed_by == worker)
        .values(**values)
    )  # fmt: skip


class OutboxStore:
    """The outbox table. Instants are aware UTC datetimes given by the caller."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)

    async def add(self, message: OutgoingMessage, now: datetime) -> bool:
        """Queue a message in a transaction of its own; see `add_in`."""
        async with self._writers() as session, session.begin():
            return await self.add_in(session, message, now)

    async def add_in(self, session: AsyncSession, message: OutgoingMessage, now: datetime) -> bool:
        """Queue a message inside the caller's transaction (it is sent only if that commits).
        False when a message with this idempotency key was queued before: nothing changes."""
        values = {
            "idempotency_key": message.idempotency_key,
            "conversation_key": message.conversation_key,
            "message": message_json(message),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        statement = _dialect_insert(session, OUTBOX).values(**values).on_conflict_do_nothing()
        result = await session.execute(statement)
        return result.rowcount == 1

    async def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        """Take up to `limit` due rows, at most one per conversation, for `lease`."""
        due = (
            select(OutboxRow.id)
            .where(_claimable(now), _is_conversation_head())
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(due.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING,
                claimed_by=worker,
                lease_until=now + lease,
                attempts=OUTBOX.c.attempts + 1,
            )
            .returning(
                OUTBOX.c.id,
                OUTBOX.c.idempotency_key,
                OUTBOX.c.conversation_key,
                OUTBOX.c.message,
                OUTBOX.c.attempts,
            )
        )
        async with self._writers() as session, session.begin():
            rows = (await session.execute(statement)).all()
        claimed = [Claimed(row.id, message_from_json(*row[1:4]), row.attempts) for row in rows]
        return sorted(claimed, key=lambda c: c.row_id)

    async def settle(self, worker: str, outcomes: list[Outcome]) -> list[Outcome]:
        """Record what became of a round of claimed rows, in one transaction (a round's
        rows settle together, so a burst costs one write per round, not one per message).
        Each UPDATE also ends the claim, on the condition that `worker` still holds it;
        returns the outcomes whose claim was lost (their lease ran out mid-send)."""
        lost = []
        async with self._writers() as session, session.begin():
            for outcome in outcomes:
                if (await session.execute(_settle_statement(worker, outcome))).rowcount != 1:
                    lost.append(outcome)
        return lost

    async def next_wake(self) -> datetime | None:
        """The earliest instant a row may become claimable (None: nothing is waiting)."""
        when = case((OutboxRow.status == OutboxStatus.PENDING, OutboxRow.next_attempt_at), else_=OutboxRow.lease_until)
        query = select(func.min(when)).where(OutboxRow.status.in_(UNSETTLED), _is_conversation_head())
        async with self._readers() as session:
            return await session.scalar(query)

    async def entry(self, idempotency_key: str) -> OutboxEntry | None:
        async with self._readers() as session:
            row = await session.scalar(select(OutboxRow).where(OutboxRow.idempotency_key == idempotency_key))
        return None if row is None else _entry(row)

    async def activity_id_for(self, idempotency_key: str) -> str | None:
        """The Teams activity id a sent message got (None until it is sent)."""
        query = select(OutboxRow.activity_id).where(OutboxRow.idempotency_key == idempotency_key)
        async with self._readers() as session:
            return await session.scalar(query)


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        idempotency_key=row.idempotency_key,
        conversation_key=row.conversation_key,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        activity_id=row.activity_id,
        last_error=row.last_error,
        settled_at=row.settled_at,
    )


@dataclass(frozen=True)
class TagRecord:
    """How Rota last left one rotation's tag in one team. `members` is None until the
    first successful sync; `failures` counts failed attempts since the last success."""

    rotation: str
    team_id: str
    tag_name: str
    tag_id: str | None
    members: frozenset[str] | None
    unknown_people: tuple[str, ...]
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    failures: int
    next_attempt_at: datetime | None


class TagStateStore:
    """Tag names chosen per rotation, and the outcome of each tag sync."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)

    async def tag_name(self, rotation: str) -> str | None:
        """The name chosen for this rotation's tag, None for the default."""
        async with self._readers() as session:
            return await session.scalar(select(TagNameRow.tag_name).where(TagNameRow.rotation_name == rotation))

    async def set_tag_name(self, rotation: str, tag_name: str | None) -> None:
        """Choose the tag's name (None: back to the default). The caller validates it."""
        async with self._writers() as session, session.begin():
            await session.execute(delete(TagNameRow).where(TagNameRow.rotation_name == rotation))
            if tag_name is not None:
                await session.execute(insert(TagNameRow).values(rotation_name=rotation, tag_name=tag_name))

    async def records(self, rotation: str | None = None) -> list[TagRecord]:
        """Every record, or one rotation's, by rotation and team."""
        query = select(TagSyncRow).order_by(TagSyncRow.rotation_name, TagSyncRow.team_id)
        if rotation is not None:
            query = query.where(TagSyncRow.rotation_name == rotation)
        async with self._readers() as session:
            return [_tag_record(row) for row in await session.scalars(query)]

    async def record_success(
        self,
        target: tuple[str, str],
        *,
        tag_name: str,
        tag_id: str | None,
        members: frozenset[str],
        unknown_people: tuple[str, ...],
        now: datetime,
    ) -> None:
        """The tag of `target` (rotation, team id) now holds exactly `members`."""
        await self._upsert(
            target,
            tag_name=tag_name,
            tag_id=tag_id,
            members=sorted(members),
            unknown_people=list(unknown_people),
            last_success_at=now,
            last_error=None,
            failures=0,
            next_attempt_at=None,
        )

    async def record_failure(
        self, target: tuple[str, str], *, tag_name: str, reason: str, failures: int, now: datetime, retry_at: datetime
    ) -> None:
        """The last attempt failed for `reason` (shown to people); the next one is at `retry_at`."""
        await self._upsert(
            target,
            tag_name=tag_name,
            last_error_at=now,
            last_error=reason[:MAX_ERROR_LENGTH],
            failures=failures,
            next_attempt_at=retry_at,
        )

    async def _upsert(self, target: tuple[str, str], **values: Any) -> None:
        rotation, team_id = target
        async with self._writers() as session, session.begin():
            statement = _dialect_insert(session, TagSyncRow).values(
                rotation_name=rotation, team_id=team_id, **{"failures": 0, **values}
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[TagSyncRow.rotation_name, TagSyncRow.team_id], set_=values
                )
            )


def _tag_record(row: TagSyncRow) -> TagRecord:
    return TagRecord(
        rotation=row.rotation_name,
        team_id=row.team_id,
        tag_name=row.tag_name,
        tag_id=row.tag_id,
        members=None if row.members is None else frozenset(row.members),
        unknown_people=tuple(row.unknown_people or ()),
        last_success_at=row.last_success_at,
        last_error_at=row.last_error_at,
        last_error=row.last_error,
        failures=row.failures,
        next_attempt_at=row.next_attempt_at,
    )
