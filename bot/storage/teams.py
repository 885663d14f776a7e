"""The Teams side of storage: where the bot can write, which channel belongs to which
rotation, who owns a rotation, routed mentions, and what is written during a shift.

Semantics (held by tests/chat_service/test_teams_storage.py):

* Every call is one transaction. Changes to how a rotation runs (a binding, an owner, a
  rotation created from chat, overrides and time off written together) write an audit
  entry naming the actor, as `Store` does; what people write during a shift (log entries,
  handover notes, backlog items, routed questions) carries its own author and time.
* A conversation is keyed by Rota's conversation key: saving it again (a repeat install,
  any later activity) updates it and keeps when it was first seen.
* A channel is bound to at most one rotation; binding it again moves it.
* `add_spans` writes several overrides and periods of time off, in any rotations, all or
  nothing: a swap is two overrides, time off applies to every rotation of a person.
* Taking or passing a routed question is a conditional update, so two presses at once
  settle on one outcome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversations import ConversationKind, ConversationRecord
from bot.storage import queries
from bot.storage.convert import rotation_from_row, rotation_view, settings_columns, span_view
from bot.storage.database import writer
from bot.storage.errors import write_transaction
from bot.storage.store import Conflict, NotFound, Person, utc_now
from bot.storage.tables import OverrideRow, PersonRow, RotationRow, TimeOffRow
from bot.storage.teams_tables import (
    EMAIL_LENGTH,
    KEY_LENGTH,
    TITLE_LENGTH,
    URL_LENGTH,
    BacklogRow,
    BindingRow,
    ConversationRow,
    DutyLogRow,
    HandoverNoteRow,
    OwnerRow,
    PersonZoneRow,
    RoutedCardRow,
    RoutedMentionRow,
)
from shared.rotation import (
    NAME_PATTERN,
    Override,
    Rotation,
    TimeOff,
    ValidationError,
    load_zone,
    normalize_email,
)

Clock = Callable[[], datetime]
Span = Override | TimeOff
Value = TypeVar("Value")


class MentionState(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    TAKEN = "taken"


class CardPlace(StrEnum):
    """Where a copy of a routed mention's card lives."""

    THREAD = "thread"
    ASSIGNEE = "assignee"
    SECONDARY = "secondary"


class BacklogState(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    DONE = "done"


@dataclass(frozen=True)
class ChannelBinding:
    """A channel that belongs to a rotation (the Graph tag sync reads the team from it)."""

    rotation: str
    conversation: ConversationRecord
    bound_by: str
    bound_at: datetime


@dataclass(frozen=True)
class NewMention:
    """A question to route: `asker` is an email, or a display name for someone Rota has no
    email for; `assigned` is the person on duty, None when nobody was."""

    rotation: str
    conversation_key: str
    message_id: str | None
    message_link: str | None
    text: str
    asker: str
    asked_at: datetime
    assigned: str | None


@dataclass(frozen=True)
class RoutedMention(NewMention):
    """A routed question as stored, and what became of it."""

    id: int
    state: MentionState
    passed_by: str | None = None
    passed_to: str | None = None
    passed_at: datetime | None = None
    taken_by: str | None = None
    taken_at: datetime | None = None


@dataclass(frozen=True)
class RoutedCard:
    """One copy of a routed mention's card; `message_key` is its outbox idempotency key."""

    mention_id: int
    place: CardPlace
    conversation_key: str
    message_key: str
    viewer_zone: str
    activity_id: str | None = None


@dataclass(frozen=True)
class ShiftRecord:
    """A duty log entry or a handover note, written during the shift starting `shift_start`."""

    id: int
    rotation: str
    shift_start: datetime
    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class BacklogItem:
    rotation: str
    number: int
    title: str
    link: str | None
    priority: int
    state: BacklogState
    created_by: str
    created_at: datetime
    taken_by: str | None = None
    done_by: str | None = None
    done_at: datetime | None = None


ShiftRecordTable = type[DutyLogRow] | type[HandoverNoteRow]


class TeamsStore:
    """Async repository over the same database (and engine) as `Store`."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction; a constraint that fails here (a race) is a Conflict."""
        async with write_transaction(self._writers) as session:
            yield session

    # conversations ---------------------------------------------------------------------
    async def save_conversation(self, record: ConversationRecord) -> ConversationRecord:
        """Create or refresh the conversation under `record.key`. A `person`, tenant, team,
        team group id or channel given as None keeps the one stored: an activity from a
        personal chat may not say whose it is, and a channel message does not repeat the
        team's group id that its installation event carried (Graph needs it for the tag
        and the team's owners)."""
        values = _conversation_values(record)
        now = self._clock()
        async with self._writing() as session:
            if record.person is not None:
                values["person_id"] = (await queries.ensure_people(session, [record.person], now))[record.person]
            statement = _dialect_insert(session, ConversationRow).values(
                **values, first_seen_at=now, last_seen_at=now
            )
            kept = {name: func.coalesce(statement.excluded[name], getattr(ConversationRow, name))
                    for name in KEPT_WHEN_UNSAID}
            changed = {name: statement.excluded[name] for name in values if name != "key" and name not in kept}
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[ConversationRow.key], set_={**changed, **kept, "last_seen_at": now}
                )
            )
            return await _conversation(session, record.key)

    async def get_conversation(self, key: str) -> ConversationRecord:
        """Raises NotFound."""
        async with self._readers() as session:
            return await _conversation(session, key)

    async def get_conversations(self, keys: Iterable[str]) -> dict[str, ConversationRecord]:
        """The known ones among `keys`, in one query (the outbox's round of sends)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        async with self._readers() as session:
            rows = (await session.execute(_conversations().where(ConversationRow.key.in_(wanted)))).all()
        return {record.key: record for record in (_record(*row) for row in rows)}

    async def personal_conversation_for(self, email: str) -> ConversationRecord | None:
        """The person's 1:1 chat with the bot (the most recently active one), if they have one."""
        query = (
            _conversations()
            .where(PersonRow.email == normalize_email(email), ConversationRow.kind == ConversationKind.PERSONAL)
            .order_by(ConversationRow.last_seen_at.desc(), ConversationRow.id.desc())
            .limit(1)
        )
        async with self._readers() as session:
            row = (await session.execute(query)).first()
        return None if row is None else _record(*row)

    async def channel_conversations_for(self, rotation: str) -> list[ConversationRecord]:
        """The channels bound to the rotation, in the order they were bound."""
        return [binding.conversation for binding in await self.bindings(rotation)]

    # people ----------------------------------------------------------------------------
    async def find_person(self, *, aad_object_id: str | None = None, teams_id: str | None = None) -> Person | None:
        """The person known by their Entra object id or, failing that, their Teams id."""
        for column, value in ((PersonRow.aad_object_id, aad_object_id), (PersonRow.teams_id, teams_id)):
            if not value:
                continue
            async with self._readers() as session:
                row = await session.scalar(select(PersonRow).where(column == value).order_by(PersonRow.id).limit(1))
            if row is not None:
                return _person(row)
        return None

    async def people(self, emails: Iterable[str]) -> dict[str, Person]:
        """The known people among `emails` (display names and Teams ids for cards and mentions)."""
        wanted = list({e for e in emails if e})
        if not wanted:
            return {}
        async with self._readers() as session:
            rows = await session.scalars(select(PersonRow).where(PersonRow.email.in_(wanted)))
            return {row.email: _person(row) for row in rows}

    async def emails_by_object_id(self, object_ids: Iterable[str]) -> dict[str, str]:
        """Entra object id → email, for the people Rota knows among `object_ids`."""
        wanted = list(set(object_ids))
        if not wanted:
            return {}
        query = select(PersonRow.aad_object_id, PersonRow.email).where(PersonRow.aad_object_id.in_(wanted))
        async with self._readers() as session:
            return {object_id: email for object_id, email in await session.execute(query)}

    async def set_zone(self, email: str, zone: str) -> None:
        """Remember the time zone the person's Teams client reports (an unknown zone is refused)."""
        load_zone(zone)
        email = normalize_email(email)
        now = self._clock()
        async with self._writing() as session:
            person_id = (await queries.ensure_people(session, [email], now))[email]
            statement = _dialect_insert(session, PersonZoneRow).values(person_id=person_id, timezone=zone,
                                                                       updated_at=now)  # fmt: skip
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[PersonZoneRow.person_id], set_={"timezone": zone, "updated_at": now}
                )
            )

    async def zones(self, emails: Iterable[str]) -> dict[str, str]:
        """The stored time zone of each of `emails` that has one."""
        wanted = [normalize_email(e) for e in set(emails)]
        if not wanted:
            return {}
        query = (
            select(PersonRow.email, PersonZoneRow.timezone)
            .join(PersonZoneRow, PersonZoneRow.person_id == PersonRow.id)
            .where(PersonRow.email.in_(wanted))
        )
        async with self._readers() as session:
            return {email: zone for email, zone in await session.execute(query)}

    # bindings --------------------------------------------------------------------------
    async def bind(self, rotation: str, conversation_key: str, actor: str) -> str | None:
        """The channel belongs to `rotation` from now on; returns the rotation it belonged
        to before (None if none). Raises NotFound for an unknown rotation or conversation."""
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            conversation_id = await _conversation_id(session, conversation_key)
            before = await self._bound_rotation(session, conversation_id)
            now = self._clock()
            statement = _dialect_insert(session, BindingRow).values(
                conversation_id=conversation_id, rotation_id=rotation_id, bound_at=now, bound_by=actor
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[BindingRow.conversation_id],
                    set_={"rotation_id": rotation_id, "bound_at": now, "bound_by": actor},
                )
            )
            details = {"before": {"rotation": before}, "after": {"channel": conversation_key}}
            await queries.add_audit(session, now, actor, rotation, "channel.bind", details)
            return before

    async def bound_rotation(self, conversation_key: str) -> str | None:
        """The rotation the channel belongs to, if any."""
        async with self._readers() as session:
            conversation_id = await session.scalar(
                select(ConversationRow.id).where(ConversationRow.key == conversation_key)
            )
            return None if conversation_id is None else await self._bound_rotation(session, conversation_id)

    @staticmethod
    async def _bound_rotation(session: AsyncSession, conversation_id: int) -> str | None:
        query = (
            select(RotationRow.name)
            .join(BindingRow, BindingRow.rotation_id == RotationRow.id)
            .where(BindingRow.conversation_id == conversation_id)
        )
        return await session.scalar(query)

    async def bindings(self, rotation: str | None = None, *, team_id: str | None = None) -> list[ChannelBinding]:
        """Bound channels, of one rotation and/or of one team, oldest binding first."""
        query = (
            select(RotationRow.name, BindingRow.bound_by, BindingRow.bound_at, ConversationRow, PersonRow.email)
            .join(BindingRow, BindingRow.rotation_id == RotationRow.id)
            .join(ConversationRow, ConversationRow.id == BindingRow.conversation_id)
            .outerjoin(PersonRow, PersonRow.id == ConversationRow.person_id)
            .order_by(BindingRow.bound_at, ConversationRow.id)
        )
        if rotation is not None:
            query = query.where(RotationRow.name == rotation)
        if team_id is not None:
            query = query.where(ConversationRow.team_id == team_id)
        async with self._readers() as session:
            rows = (await session.execute(query)).all()
        return [ChannelBinding(name, _record(row, email), by, at) for name, by, at, row, email in rows]

    # owners and rotations created from chat ----------------------------------------------
    async def owners(self, rotation: str) -> list[str]:
        """The rotation's owners, the creator first. Raises NotFound."""
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            query = (
                select(PersonRow.email)
                .join(OwnerRow, OwnerRow.person_id == PersonRow.id)
                .where(OwnerRow.rotation_id == rotation_id)
                .order_by(OwnerRow.id)
            )
            return list(await session.scalars(query))

    async def add_owner(self, rotation: str, email: str, actor: str) -> bool:
        """False if they already own it. Raises NotFound."""
        email = normalize_email(email)
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            return await self._add_owner(session, rotation, rotation_id, email, actor)

    async def remove_owner(self, rotation: str, email: str, actor: str) -> bool:
        """False if they did not own it. Raises NotFound for an unknown rotation."""
        email = normalize_email(email)
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            person = select(PersonRow.id).where(PersonRow.email == email).scalar_subquery()
            statement = delete(OwnerRow).where(OwnerRow.rotation_id == rotation_id, OwnerRow.person_id == person)
            removed = (await session.execute(statement)).rowcount == 1
            if removed:
                await queries.add_audit(session, self._clock(), actor, rotation, "owner.remove",
                                        {"before": {"owner": email}})  # fmt: skip
            return removed

    async def _add_owner(self, session: AsyncSession, rotation: str, rotation_id: int, email: str,
                         actor: str) -> bool:  # fmt: skip
        now = self._clock()
        person_id = (await queries.ensure_people(session, [email], now))[email]
        statement = _dialect_insert(session, OwnerRow).values(rotation_id=rotation_id, person_id=person_id,
                                                              added_at=now)  # fmt: skip
        added = (await session.execute(statement.on_conflict_do_nothing())).rowcount == 1
        if added:
            await queries.add_audit(session, now, actor, rotation, "owner.add", {"after": {"owner": email}})
        return added

    async def create_owned_rotation(self, rotation: Rotation, owner: str, actor: str) -> Rotation:
        """Create a rotation (members and settings; no overrides or time off yet) with
        `owner` as its first owner, together. Raises Conflict if the name is taken or a
        secondary rotation it names does not exist."""
        owner = normalize_email(owner)
        async with self._writing() as session:
            if await queries.rotation_id(session, rotation.name) is not None:
                raise Conflict(f"a rotation named {rotation.name!r} already exists")
            now = self._clock()
            people = await queries.ensure_people(session, rotation.members, now)
            secondary_id = None
            if rotation.secondary.rotation is not None:
                secondary_id = await queries.rotation_id(session, rotation.secondary.rotation)
                if secondary_id is None:
                    raise Conflict(f"secondary rotation {rotation.secondary.rotation!r} does not exist")
            values = {**settings_columns(rotation), "name": rotation.name, "secondary_rotation_id": secondary_id,
                      "created_at": now, "updated_at": now}  # fmt: skip
            new_id = await queries.insert_rotation(session, values)
            await queries.replace_members(session, new_id, rotation.members, people)
            stored = rotation_from_row(await _rotation_row(session, rotation.name))
            await queries.add_audit(session, now, actor, stored.name, "rotation.create",
                                    {"after": rotation_view(stored)})  # fmt: skip
            await self._add_owner(session, stored.name, new_id, owner, actor)
            return stored

    # overrides and time off, together ----------------------------------------------------
    async def add_spans(self, spans: Sequence[tuple[str, Span]], actor: str) -> list[Span]:
        """Store every (rotation, override or time off) of `spans`, all or nothing, and
        return them with their ids. Raises NotFound for an unknown rotation."""
        stored: list[Span] = []
        async with self._writing() as session:
            now = self._clock()
            people = await queries.ensure_people(session, [span.person for _, span in spans], now)
            for rotation, span in spans:
                rotation_id = await _rotation_id(session, rotation)
                table, action = (OverrideRow, "override") if isinstance(span, Override) else (TimeOffRow, "time_off")
                new_id = await queries.insert_span(session, table, queries.span_values(rotation_id, span, people, now))
                numbered = replace(span, id=new_id, created=new_id) if isinstance(span, Override) else replace(
                    span, id=new_id
                )
                await queries.add_audit(session, now, actor, rotation, f"{action}.add", {"after": span_view(numbered)})
                stored.append(numbered)
        return stored

    # routed mentions -------------------------------------------------------------------
    async def route_mention(self, mention: NewMention) -> tuple[RoutedMention, bool]:
        """Store a routed question, or find the one already stored for the same message
        (Teams may deliver a message twice); the flag says whether it is new."""
        async with self._writing() as session:
            if mention.message_id is not None:
                found = await session.scalar(
                    select(RoutedMentionRow).where(
                        RoutedMentionRow.conversation_key == mention.conversation_key,
                        RoutedMentionRow.message_id == mention.message_id,
                    )
                )
                if found is not None:
                    return await _routed(session, found), False
            row = RoutedMentionRow(
                rotation_id=await _rotation_id(session, mention.rotation),
                conversation_key=_checked(mention.conversation_key, KEY_LENGTH, "conversation"),
                message_id=_checked(mention.message_id, KEY_LENGTH, "message_id"),
                message_link=_checked(mention.message_link, URL_LENGTH, "message_link"),
                text=mention.text,
                asker=_checked(mention.asker, EMAIL_LENGTH, "asker"),
                asked_at=mention.asked_at,
                assigned=mention.assigned,
                state=MentionState.OPEN,
            )
            session.add(row)
            await session.flush()
            return await _routed(session, row), True

    async def get_mention(self, mention_id: int) -> RoutedMention:
        """Raises NotFound."""
        async with self._readers() as session:
            return await _routed(session, await _mention_row(session, mention_id))

    async def take_mention(self, mention_id: int, by: str) -> tuple[RoutedMention, bool]:
        """`by` takes the question unless someone already has; the flag says whether this
        call took it. Raises NotFound."""
        values = {"state": MentionState.TAKEN, "taken_by": by, "taken_at": self._clock()}
        return await self._settle_mention(mention_id, (MentionState.OPEN, MentionState.PASSED), values)

    async def pass_mention(self, mention_id: int, by: str, to: str) -> tuple[RoutedMention, bool]:
        """Pass an open question on to `to`; a question already passed or taken stays as it is."""
        values = {"state": MentionState.PASSED, "passed_by": by, "passed_to": to, "passed_at": self._clock()}
        return await self._settle_mention(mention_id, (MentionState.OPEN,), values)

    async def _settle_mention(
        self, mention_id: int, from_states: tuple[MentionState, ...], values: dict[str, Any]
    ) -> tuple[RoutedMention, bool]:
        async with self._writing() as session:
            result = await session.execute(
                update(RoutedMentionRow)
                .where(RoutedMentionRow.id == mention_id, RoutedMentionRow.state.in_(from_states))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            row = await _mention_row(session, mention_id, fresh=True)
            return await _routed(session, row), result.rowcount == 1

    async def add_card(self, card: RoutedCard) -> RoutedCard:
        """Remember a copy of the card; the copy already kept for that place wins."""
        async with self._writing() as session:
            statement = _dialect_insert(session, RoutedCardRow).values(
                mention_id=card.mention_id,
                place=card.place,
                conversation_key=card.conversation_key,
                message_key=card.message_key,
                viewer_zone=card.viewer_zone,
                activity_id=card.activity_id,
            )
            await session.execute(statement.on_conflict_do_nothing())
            row = await session.scalar(
                select(RoutedCardRow).where(RoutedCardRow.mention_id == card.mention_id,
                                            RoutedCardRow.place == card.place)  # fmt: skip
            )
            return _card(row)

    async def cards(self, mention_id: int) -> list[RoutedCard]:
        async with self._readers() as session:
            query = select(RoutedCardRow).where(RoutedCardRow.mention_id == mention_id).order_by(RoutedCardRow.id)
            return [_card(row) for row in await session.scalars(query)]

    async def set_card_activity(self, mention_id: int, place: CardPlace, activity_id: str) -> None:
        """The Teams activity id of a copy, once known (from the outbox, or a button pressed on it)."""
        async with self._writing() as session:
            await session.execute(
                update(RoutedCardRow)
                .where(RoutedCardRow.mention_id == mention_id, RoutedCardRow.place == place)
                .values(activity_id=_checked(activity_id, KEY_LENGTH, "activity_id"))
                .execution_options(synchronize_session=False)
            )

    # duty log and handover notes ---------------------------------------------------------
    async def add_log_entry(self, rotation: str, shift_start: datetime, author: str, text: str) -> ShiftRecord:
        """Raises NotFound."""
        return await self._add_record(DutyLogRow, rotation, shift_start, author, text)

    async def log_entries(self, rotation: str, shift_start: datetime) -> list[ShiftRecord]:
        """The log book of one shift, oldest first. Raises NotFound."""
        return await self._records(DutyLogRow, rotation, shift_start)

    async def add_handover_note(self, rotation: str, shift_start: datetime, author: str, text: str) -> ShiftRecord:
        """Raises NotFound."""
        return await self._add_record(HandoverNoteRow, rotation, shift_start, author, text)

    async def handover_notes(self, rotation: str, shift_start: datetime) -> list[ShiftRecord]:
        """What was handed over explicitly at the end of one shift, oldest first. Raises NotFound."""
        return await self._records(HandoverNoteRow, rotation, shift_start)

    async def _add_record(
        self, table: ShiftRecordTable, rotation: str, shift_start: datetime, author: str, text: str
    ) -> ShiftRecord:
        async with self._writing() as session:
            row = table(rotation_id=await _rotation_id(session, rotation), shift_start=shift_start,
                        author=_checked(author, EMAIL_LENGTH, "author"), at=self._clock(), text=text)  # fmt: skip
            session.add(row)
            await session.flush()
            return _record_of(row, rotation)

    async def _records(self, table: ShiftRecordTable, rotation: str, shift_start: datetime) -> list[ShiftRecord]:
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            query = (
                select(table)
                .where(table.rotation_id == rotation_id, table.shift_start == shift_start)
                .order_by(table.id)
            )
            return [_record_of(row, rotation) for row in await session.scalars(query)]

    # backlog ---------------------------------------------------------------------------
    async def add_backlog_item(
        self, rotation: str, title: str, link: str | None, priority: int, author: str
    ) -> BacklogItem:
        """The next number of the rotation's backlog. Raises NotFound; ValidationError for
        a title or link too long, or a priority other than 1 to 3."""
        if priority not in (1, 2, 3):
            raise ValidationError("priority", "must be 1, 2 or 3")
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            numbers = select(func.max(BacklogRow.number)).where(BacklogRow.rotation_id == rotation_id)
            last = await session.scalar(numbers)
            row = BacklogRow(
                rotation_id=rotation_id,
                number=(last or 0) + 1,
                title=_checked(title, TITLE_LENGTH, "title"),
                link=_checked(link, URL_LENGTH, "link"),
                priority=priority,
                state=BacklogState.OPEN,
                created_by=_checked(author, EMAIL_LENGTH, "author"),
                created_at=self._clock(),
            )
            session.add(row)
            await session.flush()
            return _item(row, rotation)

    async def backlog(self, rotation: str, *, include_done: bool = False) -> list[BacklogItem]:
        """Most urgent first (priority, then number). Raises NotFound."""
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            query = (
                select(BacklogRow)
                .where(BacklogRow.rotation_id == rotation_id)
                .order_by(BacklogRow.priority, BacklogRow.number)
            )
            if not include_done:
                query = query.where(BacklogRow.state != BacklogState.DONE)
            return [_item(row, rotation) for row in await session.scalars(query)]

    async def take_backlog_item(self, rotation: str, number: int, by: str) -> BacklogItem:
        """`by` works on the item now. Raises NotFound; Conflict if it is already done."""
        return await self._change_item(rotation, number, {"state": BacklogState.TAKEN, "taken_by": by})

    async def finish_backlog_item(self, rotation: str, number: int, by: str) -> BacklogItem:
        """The item is closed. Raises NotFound; Conflict if it was closed already."""
        values = {"state": BacklogState.DONE, "done_by": by, "done_at": self._clock()}
        return await self._change_item(rotation, number, values)

    async def _change_item(self, rotation: str, number: int, values: dict[str, Any]) -> BacklogItem:
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            row = await session.scalar(
                select(BacklogRow).where(BacklogRow.rotation_id == rotation_id, BacklogRow.number == number)
            )
            if row is None:
                raise NotFound("backlog item", number)
            if row.state == BacklogState.DONE:
                raise Conflict(f"item {number} is already done")
            for name, value in values.items():
                setattr(row, name, value)
            await session.flush()
            return _item(row, rotation)


# --- statements and conversions ------------------------------------------------------------


#: Conversation fields an activity may leave out without meaning that they changed.
KEPT_WHEN_UNSAID = ("person_id", "tenant_id", "team_id", "team_aad_group_id", "channel_id")


def _dialect_insert(session: AsyncSession, table: type[Any]) -> Any:
    """INSERT that can say ON CONFLICT, built for the session's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _checked(value: str | None, limit: int, field_name: str) -> str | None:
    if value is not None and len(value) > limit:
        raise ValidationError(field_name, f"must be at most {limit} characters")
    return value


def _conversation_values(record: ConversationRecord) -> dict[str, Any]:
    fields = {
        "key": (record.key, KEY_LENGTH),
        "service_url": (record.service_url, URL_LENGTH),
        "conversation_id": (record.conversation_id, URL_LENGTH),
        "tenant_id": (record.tenant_id, 64),
        "team_id": (record.team_id, KEY_LENGTH),
        "team_aad_group_id": (record.team_aad_group_id, 64),
        "channel_id": (record.channel_id, KEY_LENGTH),
    }
    values: dict[str, Any] = {name: _checked(value, limit, name) for name, (value, limit) in fields.items()}
    return {**values, "kind": ConversationKind(record.kind).value, "reference": dict(record.reference),
            "person_id": None}  # fmt: skip


def _conversations() -> Select[tuple[ConversationRow, str | None]]:
    return select(ConversationRow, PersonRow.email).outerjoin(PersonRow, PersonRow.id == ConversationRow.person_id)


async def _conversation(session: AsyncSession, key: str) -> ConversationRecord:
    row = (await session.execute(_conversations().where(ConversationRow.key == key))).first()
    if row is None:
        raise NotFound("conversation", key)
    return _record(*row)


async def _conversation_id(session: AsyncSession, key: str) -> int:
    found = await session.scalar(select(ConversationRow.id).where(ConversationRow.key == key))
    if found is None:
        raise NotFound("conversation", key)
    return found


def _record(row: ConversationRow, person: str | None) -> ConversationRecord:
    return _from_row(ConversationRecord, row, kind=ConversationKind(row.kind), person=person,
                     reference=dict(row.reference or {}))  # fmt: skip


async def _rotation_id(session: AsyncSession, name: str) -> int:
    found = await queries.rotation_id(session, name) if isinstance(name, str) and NAME_PATTERN.match(name) else None
    if found is None:
        raise NotFound("rotation", name)
    return found


async def _rotation_row(session: AsyncSession, name: str) -> RotationRow:
    row = await queries.load_rotation(session, name)
    if row is None:
        raise NotFound("rotation", name)
    return row


async def _mention_row(session: AsyncSession, mention_id: int, *, fresh: bool = False) -> RoutedMentionRow:
    query = select(RoutedMentionRow).where(RoutedMentionRow.id == mention_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    row = await session.scalar(query)
    if row is None:
        raise NotFound("routed mention", mention_id)
    return row


async def _routed(session: AsyncSession, row: RoutedMentionRow) -> RoutedMention:
    rotation = await session.scalar(select(RotationRow.name).where(RotationRow.id == row.rotation_id))
    return _from_row(RoutedMention, row, rotation=rotation, state=MentionState(row.state))


def _card(row: RoutedCardRow) -> RoutedCard:
    return _from_row(RoutedCard, row, place=CardPlace(row.place))


def _record_of(row: DutyLogRow | HandoverNoteRow, rotation: str) -> ShiftRecord:
    return _from_row(ShiftRecord, row, rotation=rotation)


def _item(row: BacklogRow, rotation: str) -> BacklogItem:
    return _from_row(BacklogItem, row, rotation=rotation, state=BacklogState(row.state))


def _person(row: PersonRow) -> Person:
    return _from_row(Person, row)


def _from_row(value_type: type[Value], row: object, **given: Any) -> Value:
    """A value whose fields are the row's columns of the same names; `given` fills the rest
    (and wins), for fields that are not plain columns."""
    names = [f.name for f in fields(value_type)]
    return value_type(**{name: given[name] if name in given else getattr(row, name) for name in names})
