"""The shift lifecycle in the database: domain values in, domain values out.

Semantics (held by tests/shifts/test_storage.py):

* Every call is one transaction. Changes people make to how a rotation runs (its routine
  duties, its default reminders, someone's own reminders) write an audit entry naming
  the actor; replacing the duties with the same list changes and audits nothing, so a
  rotations file applied twice is quiet.
* Records that make timers idempotent (a duty run, a handover, a settled notice, a
  post-mortem prompt) are inserted once: a second insert of the same key keeps the first
  and says so, whichever replica or retried timer made it.
* Ticking a checklist reads and writes the run under a row lock, so two presses at once
  both count.
* Alerts are read (never written) from the alerts area's table, as domain values.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.alerts.model import Alert, AlertState, Severity
from bot.chat.duty import Stretch
from bot.shifts.changes import from_json, to_json
from bot.shifts.checklist import DutyRun, ticks_from_json, ticks_to_json
from bot.shifts.postmortem import Postmortem
from bot.shifts.reminders import ReminderPrefs
from bot.shifts.routine import DutySchedule, RoutineDuty
from bot.storage import queries
from bot.storage.alerts_tables import AlertRow
from bot.storage.database import writer
from bot.storage.errors import write_transaction
from bot.storage.shifts_tables import (
    DutyRunRow,
    HandoverRow,
    PersonRemindersRow,
    PostmortemRow,
    ReminderSettingsRow,
    ReportLinkRow,
    RoutineDutyRow,
    ShiftNoticeRow,
    ShiftSnapshotRow,
)
from bot.storage.store import MAX_ROW_ID, NotFound, utc_now
from bot.storage.tables import AuditRow, PersonRow, RotationRow
from shared.rotation import NAME_PATTERN, normalize_email

Clock = Callable[[], datetime]
#: Audit actions that can move someone's shifts (settings and members, overrides, time off).
SCHEDULE_ACTIONS = ("rotation.", "override.", "time_off.")


@dataclass(frozen=True)
class HandoverRecord:
    rotation: str
    handoff_at: datetime
    shift_start: datetime
    outgoing: str | None
    incoming: str | None
    posted_at: datetime
    late: bool


@dataclass(frozen=True)
class Notice:
    """A reminder or change notice, settled under its outbox key (`sent` False: skipped)."""

    key: str
    rotation: str
    person: str
    kind: str
    at: datetime
    sent: bool = True


@dataclass(frozen=True)
class Snapshot:
    """A rotation's primary shifts over [taken_at, until) as seen after audit entry `audit_id`."""

    audit_id: int
    taken_at: datetime
    until: datetime
    stretches: tuple[Stretch, ...]


class ShiftStore:
    """Async repository over the same database (and engine) as `Store`."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(writer(engine), expire_on_commit=False)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        async with write_transaction(self._writers) as session:
            yield session

    # routine duties ----------------------------------------------------------------------
    async def duties(self, rotation: str) -> list[RoutineDuty]:
        """The rotation's duties in their order. Raises NotFound."""
        async with self._readers() as session:
            return await _duties(session, await _rotation_id(session, rotation))

    async def all_duties(self) -> dict[str, list[RoutineDuty]]:
        """Every rotation's duties (rotations without any are left out)."""
        query = (select(RotationRow.name, RoutineDutyRow).join(RotationRow, RotationRow.id == RoutineDutyRow.rotation_id)
                 .order_by(RotationRow.name, RoutineDutyRow.position))  # fmt: skip
        found: dict[str, list[RoutineDuty]] = {}
        async with self._readers() as session:
            for name, row in await session.execute(query):
                found.setdefault(name, []).append(_duty(row))
        return found

    async def replace_duties(self, rotation: str, duties: Sequence[RoutineDuty], actor: str) -> list[RoutineDuty]:
        """The rotation's duties are `duties`, in this order. Raises NotFound."""
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            before = await _duties(session, rotation_id)
            if [d.line() for d in before] == [d.line() for d in duties]:
                return before
            await session.execute(delete(RoutineDutyRow).where(RoutineDutyRow.rotation_id == rotation_id))
            session.add_all(_duty_row(rotation_id, position, duty) for position, duty in enumerate(duties))
            await session.flush()
            details = {"before": [d.line() for d in before], "after": [d.line() for d in duties]}
            await queries.add_audit(session, self._clock(), actor, rotation, "duties.replace", details)
            return await _duties(session, rotation_id)

    # duty runs -----------------------------------------------------------------------------
    async def add_run(self, run: DutyRun) -> tuple[DutyRun, bool]:
        """Store the run, or find the one stored for the same duty and instant; the flag says
        whether it is new. Raises NotFound."""
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, run.rotation)
            values = {"rotation_id": rotation_id, "title": run.title, "items": list(run.items), "due_at": run.due_at,
                      "closes_at": run.closes_at, "person": run.person, "message_key": run.message_key,
                      "ticked": {}, "done_at": None, "created_at": self._clock()}  # fmt: skip
            added = (await session.execute(_insert(session, DutyRunRow).values(**values).on_conflict_do_nothing()))
            row = await session.scalar(select(DutyRunRow).where(
                DutyRunRow.rotation_id == rotation_id, DutyRunRow.title == run.title, DutyRunRow.due_at == run.due_at))
            return _run(row, run.rotation), added.rowcount == 1

    async def run(self, run_id: int) -> DutyRun:
        """Raises NotFound."""
        async with self._readers() as session:
            found = (await session.execute(_runs().where(DutyRunRow.id == run_id))).first() if _is_id(run_id) else None
        if found is None:
            raise NotFound("duty run", run_id)
        return _run(*found)

    async def runs(self, rotation: str, start: datetime, end: datetime) -> list[DutyRun]:
        """Runs due in [start, end), in time order. Raises NotFound."""
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            query = _runs().where(DutyRunRow.rotation_id == rotation_id, DutyRunRow.due_at >= start,
                                  DutyRunRow.due_at < end).order_by(DutyRunRow.due_at, DutyRunRow.id)  # fmt: skip
            return [_run(*row) for row in await session.execute(query)]

    async def tick(self, run_id: int, index: int, done: bool, by: str) -> DutyRun:
        """Tick (or untick) step `index` of the run. Raises NotFound, ValidationError."""
        async with self._writing() as session:
            query = _runs().where(DutyRunRow.id == run_id).with_for_update(of=DutyRunRow)
            found = (await session.execute(query)).first() if _is_id(run_id) else None
            if found is None:
                raise NotFound("duty run", run_id)
            ticked = _run(*found).tick(index, done, by, self._clock())
            await session.execute(update(DutyRunRow).where(DutyRunRow.id == run_id).values(
                ticked=ticks_to_json(ticked.ticked), done_at=ticked.done_at).execution_options(synchronize_session=False))
            return ticked

    # handovers -------------------------------------------------------------------------------
    async def handover_posted(self, rotation: str, handoff_at: datetime) -> bool:
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            query = select(HandoverRow.id).where(HandoverRow.rotation_id == rotation_id,
                                                 HandoverRow.handoff_at == handoff_at)  # fmt: skip
            return await session.scalar(query) is not None

    async def record_handover(self, record: HandoverRecord) -> bool:
        """Remember that the handover was posted; False if it already was."""
        async with self._writing() as session:
            values = {"rotation_id": await _rotation_id(session, record.rotation), "handoff_at": record.handoff_at,
                      "shift_start": record.shift_start, "outgoing": record.outgoing, "incoming": record.incoming,
                      "posted_at": record.posted_at, "late": record.late}  # fmt: skip
            result = await session.execute(_insert(session, HandoverRow).values(**values).on_conflict_do_nothing())
            return result.rowcount == 1

    async def handovers(self, rotation: str, start: datetime, end: datetime) -> list[HandoverRecord]:
        """Handovers of handoffs in [start, end), oldest first. Raises NotFound."""
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            query = (select(HandoverRow).where(HandoverRow.rotation_id == rotation_id, HandoverRow.handoff_at >= start,
                                               HandoverRow.handoff_at < end).order_by(HandoverRow.handoff_at))  # fmt: skip
            return [_handover(row, rotation) for row in await session.scalars(query)]

    async def _present(self, column: Any, values: Iterable[Any]) -> set[Any]:
        """Which of `values` the key `column` holds."""
        wanted = list(set(values))
        if not wanted:
            return set()
        async with self._readers() as session:
            return set(await session.scalars(select(column).where(column.in_(wanted))))

    # reminders ---------------------------------------------------------------------------------
    async def reminder_defaults(self) -> dict[str, ReminderPrefs]:
        """Each rotation's own default reminders (rotations that set none are left out)."""
        query = select(RotationRow.name, ReminderSettingsRow.settings).join(
            RotationRow, RotationRow.id == ReminderSettingsRow.rotation_id)
        async with self._readers() as session:
            return {name: ReminderPrefs.from_dict(data) for name, data in await session.execute(query)}

    async def set_reminder_defaults(self, rotation: str, prefs: ReminderPrefs | None, actor: str) -> None:
        """The rotation's default reminders (None: Rota's). Raises NotFound."""
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            await self._put_settings(session, ReminderSettingsRow, {"rotation_id": rotation_id}, prefs)
            await queries.add_audit(session, self._clock(), actor, rotation, "reminders.update",
                                    {"after": None if prefs is None else prefs.to_dict()})  # fmt: skip

    async def person_reminders(self, emails: Iterable[str]) -> dict[str, ReminderPrefs]:
        """The own reminders of those of `emails` who set some."""
        wanted = list({normalize_email(e) for e in emails})
        query = (select(PersonRow.email, PersonRemindersRow.settings)
                 .join(PersonRow, PersonRow.id == PersonRemindersRow.person_id).where(PersonRow.email.in_(wanted)))
        async with self._readers() as session:
            return {email: ReminderPrefs.from_dict(data) for email, data in await session.execute(query)}

    async def set_person_reminders(self, email: str, prefs: ReminderPrefs | None, actor: str) -> None:
        """The person's own reminders (None: their rotations' defaults)."""
        email = normalize_email(email)
        async with self._writing() as session:
            person_id = (await queries.ensure_people(session, [email], self._clock()))[email]
            await self._put_settings(session, PersonRemindersRow, {"person_id": person_id}, prefs)
            await queries.add_audit(session, self._clock(), actor, None, "reminders.person",
                                    {"person": email, "after": None if prefs is None else prefs.to_dict()})  # fmt: skip

    async def _put_settings(self, session: AsyncSession, table: Any, key: dict[str, int],
                            prefs: ReminderPrefs | None) -> None:  # fmt: skip
        (column, value), = key.items()
        await session.execute(delete(table).where(getattr(table, column) == value))
        if prefs is not None:
            session.add(table(**key, settings=prefs.to_dict(), updated_at=self._clock()))

    # notices -------------------------------------------------------------------------------------
    async def settled(self, keys: Iterable[str]) -> set[str]:
        """Which of `keys` are settled already."""
        return await self._present(ShiftNoticeRow.key, keys)

    async def settle(self, notices: Sequence[Notice]) -> None:
        """Record `notices` as settled (those already settled stay as they were)."""
        if not notices:
            return
        async with self._writing() as session:
            ids = {name: await _rotation_id(session, name) for name in {n.rotation for n in notices}}
            rows = [{"key": n.key, "rotation_id": ids[n.rotation], "person": n.person, "kind": n.kind, "at": n.at,
                     "sent": n.sent, "settled_at": self._clock()} for n in notices]  # fmt: skip
            await session.execute(_insert(session, ShiftNoticeRow).values(rows).on_conflict_do_nothing())

    # the schedule as last seen -------------------------------------------------------------------
    async def snapshots(self) -> dict[str, Snapshot]:
        query = select(RotationRow.name, ShiftSnapshotRow).join(RotationRow, RotationRow.id == ShiftSnapshotRow.rotation_id)
        async with self._readers() as session:
            return {name: _snapshot(row) for name, row in await session.execute(query)}

    async def save_snapshot(self, rotation: str, snapshot: Snapshot) -> None:
        async with self._writing() as session:
            rotation_id = await _rotation_id(session, rotation)
            await session.execute(delete(ShiftSnapshotRow).where(ShiftSnapshotRow.rotation_id == rotation_id))
            session.add(ShiftSnapshotRow(rotation_id=rotation_id, audit_id=snapshot.audit_id, taken_at=snapshot.taken_at,
                                         until=snapshot.until, stretches=to_json(snapshot.stretches)))  # fmt: skip

    async def last_changes(self) -> dict[str, int]:
        """Per rotation name, the id of its latest audit entry (its last change)."""
        query = select(AuditRow.rotation_name, func.max(AuditRow.id)).where(
            AuditRow.rotation_name.is_not(None)).group_by(AuditRow.rotation_name)
        async with self._readers() as session:
            return {name: audit_id for name, audit_id in await session.execute(query)}

    async def actors_since(self, rotation: str, audit_id: int) -> list[str]:
        """Who changed the rotation's schedule (settings, members, overrides, time off) after
        audit entry `audit_id` (audit actor names, such as `teams:alice@example.com`), first
        to last, each once. Whoever only acknowledged an alert or ticked a duty meanwhile did
        not move anyone's shifts."""
        moved_shifts = or_(*(AuditRow.action.startswith(prefix) for prefix in SCHEDULE_ACTIONS))
        query = (select(AuditRow.actor)
                 .where(AuditRow.rotation_name == rotation, AuditRow.id > audit_id, moved_shifts)
                 .order_by(AuditRow.id))
        async with self._readers() as session:
            return list(dict.fromkeys(await session.scalars(query)))

    # post-mortems --------------------------------------------------------------------------------
    async def asked(self, alert_ids: Iterable[int]) -> set[int]:
        """Which of these alerts were asked about already."""
        return await self._present(PostmortemRow.alert_id, alert_ids)

    async def ask(self, postmortem: Postmortem) -> bool:
        """Remember the prompt; False if this alert was asked about already."""
        async with self._writing() as session:
            values = {"alert_id": postmortem.alert_id, "rotation_id": await _rotation_id(session, postmortem.rotation),
                      "title": postmortem.title[:500], "asked_of": postmortem.asked_of, "asked_at": postmortem.asked_at,
                      "message_key": postmortem.message_key}  # fmt: skip
            result = await session.execute(_insert(session, PostmortemRow).values(**values).on_conflict_do_nothing())
            return result.rowcount == 1

    async def postmortem(self, alert_id: int) -> Postmortem:
        """Raises NotFound."""
        async with self._readers() as session:
            found = (await session.execute(_postmortems().where(PostmortemRow.alert_id == alert_id))).first() \
                if _is_id(alert_id) else None  # fmt: skip
        if found is None:
            raise NotFound("post-mortem", alert_id)
        return _postmortem(*found)

    async def submit(self, alert_id: int, summary: str, link: str | None, by: str) -> Postmortem:
        """Keep the answer (a later one replaces it). Raises NotFound."""
        async with self._writing() as session:
            values = {"summary": summary, "link": link, "submitted_by": by, "submitted_at": self._clock()}
            result = await session.execute(update(PostmortemRow).where(PostmortemRow.alert_id == alert_id)
                                           .values(**values).execution_options(synchronize_session=False))
            if not _is_id(alert_id) or result.rowcount == 0:
                raise NotFound("post-mortem", alert_id)
        return await self.postmortem(alert_id)

    async def postmortems(self, rotation: str, start: datetime, end: datetime) -> list[Postmortem]:
        """Asked or answered in [start, end), oldest first. Raises NotFound."""
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            within = [(column >= start) & (column < end) for column in (PostmortemRow.asked_at, PostmortemRow.submitted_at)]
            query = _postmortems().where(PostmortemRow.rotation_id == rotation_id, or_(*within)).order_by(
                PostmortemRow.asked_at, PostmortemRow.alert_id)
            return [_postmortem(*row) for row in await session.execute(query)]

    # alerts, read from the alerts area's table -----------------------------------------------------
    async def alerts(self, rotation: str, start: datetime, end: datetime, *, still_open: bool = False) -> list[Alert]:
        """The rotation's alerts that arrived in [start, end) (and, with `still_open`, those
        open now), oldest first. Raises NotFound."""
        async with self._readers() as session:
            rotation_id = await _rotation_id(session, rotation)
            arrived = (AlertRow.created_at >= start) & (AlertRow.created_at < end)
            wanted = or_(arrived, AlertRow.state != AlertState.RESOLVED.value) if still_open else arrived
            query = select(AlertRow.id, AlertRow.data).where(AlertRow.rotation_id == rotation_id, wanted)
            return [_alert(*row) for row in await session.execute(query.order_by(AlertRow.id))]

    async def resolved_critical(self, since: datetime) -> list[Alert]:
        """Critical alerts resolved (by anyone) and changed since `since`, in every rotation."""
        query = select(AlertRow.id, AlertRow.data).where(
            AlertRow.state == AlertState.RESOLVED.value, AlertRow.severity == Severity.CRITICAL.value,
            AlertRow.updated_at >= since).order_by(AlertRow.id)  # fmt: skip
        async with self._readers() as session:
            return [_alert(*row) for row in await session.execute(query)]

    # report links ----------------------------------------------------------------------------------
    async def add_report_link(self, rotation: str, start: datetime, end: datetime, expires_at: datetime) -> str:
        """A new token for the rotation's chart over [start, end). Raises NotFound."""
        token = secrets.token_urlsafe(32)
        async with self._writing() as session:
            session.add(ReportLinkRow(token=token, rotation_id=await _rotation_id(session, rotation), start_at=start,
                                      end_at=end, created_at=self._clock(), expires_at=expires_at))  # fmt: skip
            await session.execute(delete(ReportLinkRow).where(ReportLinkRow.expires_at < self._clock()))
        return token

    async def report_link_allows(self, token: str, rotation: str, start: datetime, end: datetime) -> bool:
        """Whether `token` is a live link to this rotation's chart over exactly [start, end)."""
        if not isinstance(token, str) or not 0 < len(token) <= 64:
            return False
        query = (select(ReportLinkRow.token).join(RotationRow, RotationRow.id == ReportLinkRow.rotation_id)
                 .where(ReportLinkRow.token == token, RotationRow.name == rotation, ReportLinkRow.start_at == start,
                        ReportLinkRow.end_at == end, ReportLinkRow.expires_at > self._clock()))  # fmt: skip
        async with self._readers() as session:
            return await session.scalar(query) is not None


# --- statements and conversions ------------------------------------------------------------------


def _insert(session: AsyncSession, table: type[Any]) -> Any:
    """INSERT that can say ON CONFLICT, for the session's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


async def _rotation_id(session: AsyncSession, name: str) -> int:
    found = await queries.rotation_id(session, name) if isinstance(name, str) and NAME_PATTERN.match(name) else None
    if found is None:
        raise NotFound("rotation", name)
    return found


async def _duties(session: AsyncSession, rotation_id: int) -> list[RoutineDuty]:
    query = select(RoutineDutyRow).where(RoutineDutyRow.rotation_id == rotation_id).order_by(RoutineDutyRow.position)
    return [_duty(row) for row in await session.scalars(query)]


def _duty(row: RoutineDutyRow) -> RoutineDuty:
    return RoutineDuty(DutySchedule.parse(row.days, row.at_time), row.title, tuple(row.items), id=row.id)


def _duty_row(rotation_id: int, position: int, duty: RoutineDuty) -> RoutineDutyRow:
    days, at = duty.schedule.describe().split(" ")
    return RoutineDutyRow(rotation_id=rotation_id, position=position, days=days, at_time=at, title=duty.title,
                          items=list(duty.items))  # fmt: skip


def _runs():
    return select(DutyRunRow, RotationRow.name).join(RotationRow, RotationRow.id == DutyRunRow.rotation_id)


def _run(row: DutyRunRow, rotation: str) -> DutyRun:
    return DutyRun(id=row.id, rotation=rotation, title=row.title, items=tuple(row.items), due_at=row.due_at,
                   closes_at=row.closes_at, person=row.person, message_key=row.message_key,
                   ticked=ticks_from_json(row.ticked), done_at=row.done_at)  # fmt: skip


def _handover(row: HandoverRow, rotation: str) -> HandoverRecord:
    return HandoverRecord(rotation, row.handoff_at, row.shift_start, row.outgoing, row.incoming, row.posted_at, row.late)


def _snapshot(row: ShiftSnapshotRow) -> Snapshot:
    return Snapshot(row.audit_id, row.taken_at, row.until, tuple(from_json(row.stretches)))


def _postmortems():
    return select(PostmortemRow, RotationRow.name).join(RotationRow, RotationRow.id == PostmortemRow.rotation_id)


def _postmortem(row: PostmortemRow, rotation: str) -> Postmortem:
    return Postmortem(alert_id=row.alert_id, rotation=rotation, title=row.title, asked_of=row.asked_of,
                      asked_at=row.asked_at, message_key=row.message_key, summary=row.summary, link=row.link,
                      submitted_by=row.submitted_by, submitted_at=row.submitted_at)  # fmt: skip


def _alert(alert_id: int, data: dict[str, Any]) -> Alert:
    return Alert.from_dict({**data, "id": alert_id})
