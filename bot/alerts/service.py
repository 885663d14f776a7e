"""The alerts service: notices in, pages out, buttons and timers in between.

Every step reads the database, decides with the pure modules (`model.intake`,
`policy.plan`, `urgency.disposition` and `digest`) and writes the outcome in one
transaction together with the cards it queues in the outbox. Nothing is kept in memory
between steps: `next_due` and `run_due` find in the database what escalation, snooze or
digest is due, so a service restarted after `kill -9` carries on where it was. A step
that lost a race (the alert changed between reading and locking) does nothing; the next
pass plans again from what is stored.

After a webhook is answered, the new alerts are paged at once by a background task
(`settle` waits for those); should the service die first, the timer pages them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.alerts.delivery import Deliveries, Duty, short
from bot.alerts.model import Alert, AlertState, AlertStateError, IncomingAlert, Outcome, intake
from bot.alerts.policy import EscalationPolicy, StepKind, next_step, plan
from bot.alerts.settings import AlertSettings
from bot.alerts.urgency import HoldUntil, digest, disposition, next_business_start
from bot.cards.digest import digest_card
from bot.storage import Conflict, NotFound, Store
from bot.storage.alerts import AlertMessage, AlertStore, AlertWork, Integration, MessageKind, NewMessage, StoredAlert
from shared.rotation import Rotation, SecondaryKind, ValidationError, normalize_email

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Alerts looked at per pass of `run_due`, and passes at most (zero-minute steps chain).
BATCH = 100
MAX_PASSES = 20
SNOOZES = {"30m": timedelta(minutes=30), "2h": timedelta(hours=2)}
UNTIL_BUSINESS_HOURS = "business"


class Verb(StrEnum):
    """What a person can do to an alert (the card's verbs without their `alert.` prefix)."""

    ACK = "ack"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    SNOOZE = "snooze"


class NotAllowed(Exception):
    """The person may not act on this alert; `reason` says why, for them to read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Received:
    """What one notice of a webhook did: the alert it created or changed (None if ignored)."""

    alert_id: int | None
    outcome: Outcome


@dataclass(frozen=True)
class Pressed:
    """The copy of a card whose button was pressed: the invoke's answer refreshes it."""

    conversation_key: str
    activity_id: str | None = None


def next_due_at(alert: Alert, policy: EscalationPolicy, now: datetime) -> datetime | None:
    """When the alert next wants attention: its next escalation step or the end of its
    snooze, or the digest it waits for, whichever is first (None: nothing, ever)."""
    planned = plan(alert, policy, now)
    escalation = now if planned.due is not None else planned.next_at
    return min((t for t in (escalation, alert.held_until) if t is not None), default=None)


async def _nothing() -> None:
    return None


class AlertService:
    """Also the alerts' timer source (`bot.timers.TimerSource`): `next_due` and `run_due`."""

    name = "alerts"

    def __init__(self, alerts: AlertStore, rotations: Store, deliveries: Deliveries, *, clock: Clock) -> None:
        self._alerts = alerts
        self._rotations = rotations
        self._deliveries = deliveries
        self._clock = clock
        self._background: set[asyncio.Task[None]] = set()
        self._running = asyncio.Lock()
        self._closed = False
        #: Awaited after a change that may make something due sooner (the timer's `poke`).
        self.on_change: Callable[[], Awaitable[None]] = _nothing

    @property
    def alerts(self) -> AlertStore:
        return self._alerts

    @property
    def deliveries(self) -> Deliveries:
        return self._deliveries

    # intake ------------------------------------------------------------------------------
    async def receive(self, integration: Integration, notices: Sequence[IncomingAlert]) -> list[Received]:
        """Apply a webhook's notices in one transaction; on return they are committed.
        The pages they call for follow in the background."""
        try:
            received = await self._intake(integration, notices)
        except Conflict:
            received = await self._intake(integration, notices)
        changed = [r.alert_id for r in received if r.alert_id is not None and r.outcome is not Outcome.IGNORED]
        if changed:
            self._in_background(self.process(changed))
        return received

    async def _intake(self, integration: Integration, notices: Sequence[IncomingAlert]) -> list[Received]:
        rotation = integration.rotation
        async with self._alerts.transaction() as work:
            now = work.now
            settings = await work.settings(rotation)
            received = []
            for notice in notices:
                latest = await work.latest(rotation, notice.dedup_key)
                result = intake(None if latest is None else latest.alert, notice, rotation=rotation,
                                integration=integration.kind, at=now)
                if result.alert is None:
                    received.append(Received(None if latest is None else latest.id, result.outcome))
                    continue
                if latest is None or result.outcome is Outcome.CREATED:
                    alert = _held_if_not_urgent(result.alert, settings, now)
                    stored = await work.insert(alert, integration_id=integration.id,
                                               due_at=next_due_at(alert, settings.policy, now))
                else:
                    stored = await work.save(latest, result.alert, next_due_at(result.alert, settings.policy, now))
                received.append(Received(stored.id, result.outcome))
        return received

    # paging --------------------------------------------------------------------------------
    async def process(self, alert_ids: Iterable[int]) -> None:
        """Page what is due for these alerts now, and bring their cards up to date."""
        ids = list(dict.fromkeys(alert_ids))
        now = self._clock()
        for alert_id in ids:
            await self.advance(alert_id, now)
        for alert_id in ids:
            await self._refresh_alert(alert_id)
        await self.on_change()

    async def advance(self, alert_id: int, now: datetime) -> bool:
        """Page the alert's due escalation step, if any (ending a snooze that ran out).
        False when nothing was paged: not due, waiting for a digest, or changed meanwhile."""
        try:
            stored = await self._alerts.get(alert_id)
        except NotFound:
            return False
        alert = stored.alert
        if alert.held_until is not None and alert.held_until <= now:
            return False
        settings = await self._alerts.settings(alert.rotation)
        if alert.state is AlertState.SNOOZED and alert.snoozed_until <= now:
            alert = alert.unsnooze(alert.snoozed_until)
        due = plan(alert, settings.policy, now).due
        if due is None:
            await self._reschedule(stored, next_due_at(alert, settings.policy, now))
            return False
        rotation, others = await self._rotation(alert.rotation)
        duty = await self._deliveries.duty(rotation, others, now)
        copies = await self._alerts.messages_of([alert_id])
        current = replace(stored, alert=alert)
        reach = await self._deliveries.reach(current, due.step, duty, version=stored.version + 1, copies=copies,
                                             first=alert.escalation_step == 0, now=now)
        async with self._alerts.transaction() as work:
            locked = await work.lock(alert_id)
            if locked.version != stored.version:
                return False
            paged = alert.escalate(now, reach.detail)
            saved = await work.save(locked, paged, next_due_at(paged, settings.policy, now))
            await self._deliveries.post(work, saved, reach.messages, settings, copies)
            await self._deliveries.refresh(work, saved, copies, settings)
        return True

    async def _reschedule(self, stored: StoredAlert, due_at: datetime | None) -> None:
        """Keep `due_at` true when nothing else changes (a policy changed meanwhile)."""
        if due_at == stored.due_at:
            return
        async with self._alerts.transaction() as work:
            locked = await work.lock(stored.id)
            if locked.version == stored.version:
                await work.reschedule(stored.id, due_at)

    async def _refresh_alert(self, alert_id: int) -> None:
        """Bring the alert's card copies up to date (read first: usually nothing is behind)."""
        try:
            stored = await self._alerts.get(alert_id)
        except NotFound:
            return
        if all(copy.shown_version >= stored.version for copy in await self._alerts.messages_of([alert_id])):
            return
        async with self._alerts.transaction() as work:
            stored = await work.lock(alert_id)
            copies = await work.messages(alert_id)
            await self._deliveries.refresh(work, stored, copies, await work.settings(stored.alert.rotation))

    # timers ------------------------------------------------------------------------------------
    async def next_due(self, now: datetime) -> datetime | None:
        """When `run_due` next has work (possibly already past); None once closing."""
        async with self._running:
            return None if self._closed else await self._alerts.next_due()

    async def run_due(self, now: datetime) -> None:
        """Everything due at `now`: digests, escalation steps, ends of snoozes, and cards
        that wait to be sent or updated. Nothing once the service is closing."""
        async with self._running:
            if not self._closed:
                await self._run_due(now)

    async def _run_due(self, now: datetime) -> None:
        for _ in range(MAX_PASSES):
            due = await self._alerts.due_alerts(now, BATCH)
            if not due or not await self._run_pass(due, now):
                break
        for message in await self._alerts.messages_due(now):
            await self._refresh_message(message)

    async def _run_pass(self, due, now: datetime) -> bool:
        progressed = False
        digests = {item.rotation for item in due if await self._waits_for_digest(item.id, now)}
        for rotation in sorted(digests):
            progressed |= await self.send_digest(rotation, now)
        for item in due:
            if item.rotation not in digests:
                progressed |= await self.advance(item.id, now)
        return progressed

    async def _waits_for_digest(self, alert_id: int, now: datetime) -> bool:
        try:
            held_until = (await self._alerts.get(alert_id)).alert.held_until
        except NotFound:
            return False
        return held_until is not None and held_until <= now

    async def _refresh_message(self, message: AlertMessage) -> None:
        if message.kind is MessageKind.DIGEST:
            await self._refresh_digest(message)
        elif message.alert_id is not None:
            await self._refresh_alert(message.alert_id)

    # digest --------------------------------------------------------------------------------------
    async def send_digest(self, rotation_name: str, now: datetime) -> bool:
        """Deliver, as one card, the rotation's alerts held until `now` or earlier."""
        rotation, others = await self._rotation(rotation_name)
        duty = await self._deliveries.duty(rotation, others, now)
        places = await self._deliveries.digest_places(rotation_name, duty.primary)
        async with self._alerts.transaction() as work:
            due = await work.due_in(rotation_name, now)
            made = digest([stored.alert for stored in due], now)
            if made is None:
                return False
            settings = await work.settings(rotation_name)
            by_id = {stored.id: stored for stored in due}
            for alert in made.alerts:
                await work.save(by_id[alert.id], alert, next_due_at(alert, settings.policy, now))
            key = f"digest:{rotation_name}:{now:%Y%m%dT%H%M%SZ}"
            people = _names(await self._deliveries.people(_people_named(made.alerts)))
            messages, cards = [], {}
            for conversation, zone in places:
                body = {"zone": zone or rotation.timezone, "alerts": [alert.id for alert in made.alerts],
                        "at": now.isoformat()}
                messages.append(NewMessage(MessageKind.DIGEST, conversation.key, f"{key}:{short(conversation.key)}",
                                           digest_key=key, body=body))
                cards[conversation.key] = digest_card(rotation=rotation_name, at=now, alerts=made.alerts,
                                                      viewer_zone=body["zone"], digest_key=key, people=people)
            await self._deliveries.post_digest(work, rotation_name, messages, cards, version=1)
        return True

    async def digest_card_for(self, copy: AlertMessage, zone: str | None = None) -> dict:
        """The digest as it reads now, its alerts in their current states."""
        alerts = []
        for alert_id in copy.body["alerts"]:
            try:
                alerts.append((await self._alerts.get(alert_id)).alert)
            except NotFound:
                continue
        people = _names(await self._deliveries.people(_people_named(alerts)))
        return digest_card(rotation=copy.rotation, at=datetime.fromisoformat(copy.body["at"]), alerts=alerts,
                           viewer_zone=zone or copy.body["zone"], digest_key=copy.digest_key or "", people=people)

    async def _refresh_digest(self, copy: AlertMessage) -> None:
        card = await self.digest_card_for(copy)
        async with self._alerts.transaction() as work:
            await self._deliveries.refresh_digest(work, copy, card)

    # people's actions ------------------------------------------------------------------------------
    async def apply(self, alert_id: int, verb: Verb, person: str, *, until: str | None = None,
                    pressed: Pressed | None = None, digest_key: str | None = None,
                    actor: str | None = None) -> StoredAlert:
        """`person` acknowledges, resolves, snoozes or escalates the alert now. Raises
        NotFound, NotAllowed (not a member of the rotation), AlertStateError (e.g. already
        resolved) and ValidationError (a snooze choice that does not exist). `pressed`
        names the card copy the answer refreshes; the others are updated through the
        outbox. The audit log names `actor` (default: the person)."""
        person, verb = normalize_email(person, "by"), Verb(verb)
        for _ in range(3):
            applied = await self._apply_once(alert_id, verb, person, until, pressed, digest_key, actor or person)
            if applied is not None:
                self._in_background(self.process([alert_id]))
                return applied
        raise Conflict("the alert kept changing while the action was applied; try again")

    async def _apply_once(self, alert_id: int, verb: Verb, person: str, until: str | None, pressed: Pressed | None,
                          digest_key: str | None, actor: str) -> StoredAlert | None:
        now = self._clock()
        stored = await self._alerts.get(alert_id)
        alert = stored.alert
        settings = await self._alerts.settings(alert.rotation)
        rotation, others = await self._rotation(alert.rotation)
        duty = await self._deliveries.duty(rotation, others, now)
        _check_allowed(person, rotation, duty, settings)
        copies = await self._alerts.messages_of([alert_id])
        reach_messages: tuple[NewMessage, ...] = ()
        if verb is Verb.ESCALATE:
            step = next_step(alert, settings.policy)
            if step is None:
                raise AlertStateError("escalate", alert.state, "Everyone in the escalation policy was already "
                                      "paged; there is nobody left to escalate it to.")
            reach = await self._deliveries.reach(stored, step.step, duty, version=stored.version + 1, copies=copies,
                                                 first=alert.escalation_step == 0 and step.step.kind is not
                                                 StepKind.CHANNEL, now=now)
            changed, reach_messages = alert.escalate(now, reach.detail, actor=person), reach.messages
        else:
            changed = _transition(alert, verb, person, now, until, settings)
        async with self._alerts.transaction() as work:
            locked = await work.lock(alert_id)
            if locked.version != stored.version:
                return None
            saved = await work.save(locked, changed, next_due_at(changed, settings.policy, now))
            await self._deliveries.post(work, saved, reach_messages, settings, copies)
            await self._mark_pressed(work, saved, copies, pressed)
            if digest_key:
                await work.refresh_digest(digest_key)
            await work.audit(actor, alert.rotation, f"alert.{verb.value}",
                             {"alert": alert_id, "title": alert.title, "by": person, "state": changed.state.value})
        return saved

    async def _mark_pressed(self, work: AlertWork, saved: StoredAlert, copies: Sequence[AlertMessage],
                            pressed: Pressed | None) -> None:
        if pressed is None:
            return
        here = [copy for copy in copies if copy.conversation_key == pressed.conversation_key]
        if len(here) > 1 and pressed.activity_id is not None:
            here = [copy for copy in here if await self._deliveries.activity_of(copy) == pressed.activity_id]
        if len(here) == 1:
            await work.mark_shown([here[0].id], saved.version)

    async def copy_pressed(self, alert_id: int, pressed: Pressed) -> AlertMessage | None:
        """The stored copy a press came from, when it can be told (for its viewer's zone)."""
        copies = [c for c in await self._alerts.messages_of([alert_id]) if c.conversation_key == pressed.conversation_key]
        return copies[0] if len(copies) == 1 else None

    async def digest_copy(self, digest_key: str, conversation_key: str) -> AlertMessage | None:
        """The digest's copy in this conversation (else its first copy, else None)."""
        copies = await self._alerts.digest_copies(digest_key)
        return next((c for c in copies if c.conversation_key == conversation_key), copies[0] if copies else None)

    # plumbing ------------------------------------------------------------------------------------------
    async def _rotation(self, name: str) -> tuple[Rotation, dict[str, Rotation]]:
        rotation = await self._rotations.get_rotation(name)
        others: dict[str, Rotation] = {}
        if rotation.secondary.kind is SecondaryKind.ROTATION and rotation.secondary.rotation:
            try:
                other = await self._rotations.get_rotation(rotation.secondary.rotation)
            except NotFound:
                return rotation, others
            others[other.name] = other
        return rotation, others

    def _in_background(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("paging after a change failed; the timer will try again", exc_info=task.exception())

    async def settle(self) -> None:
        """Wait for the pages and card updates started in the background."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        """Finish what is under way and start nothing more (before the database closes)."""
        async with self._running:
            self._closed = True
        await self.settle()


def _held_if_not_urgent(alert: Alert, settings: AlertSettings, now: datetime) -> Alert:
    rules = settings.rules
    decided = disposition(alert, rules.business_hours, rules.urgent, now)
    return alert.hold(now, decided.until) if isinstance(decided, HoldUntil) else alert


def _transition(alert: Alert, verb: Verb, person: str, now: datetime, until: str | None,
                settings: AlertSettings) -> Alert:
    if verb is Verb.ACK:
        return alert.acknowledge(now, person)
    if verb is Verb.RESOLVE:
        return alert.resolve(now, person)
    return alert.snooze(now, _snooze_end(until, settings, now), person)


def _snooze_end(until: str | None, settings: AlertSettings, now: datetime) -> datetime:
    if until in SNOOZES:
        return now + SNOOZES[until]
    if until == UNTIL_BUSINESS_HOURS:
        hours = settings.rules.business_hours
        if hours is None:
            raise ValidationError("until", "this rotation has no business hours; snooze for 30 minutes or 2 hours")
        return next_business_start(hours, now)
    raise ValidationError("until", "snooze for 30m, 2h or until business hours")


def _check_allowed(person: str, rotation: Rotation, duty: Duty, settings: AlertSettings) -> None:
    """Members of the rotation (and whoever its policy or its secondary pages) may act on
    any of its alerts; anyone else is told whom to ask."""
    allowed = {*rotation.members, duty.primary, duty.secondary,
               *(step.person for step in settings.policy.steps if step.person)}
    if person in allowed:
        return
    ask = f"; ask {duty.name(duty.primary)}, who is on duty" if duty.primary else ""
    raise NotAllowed(f"Only members of {rotation.name} can act on its alerts{ask}.")


def _people_named(alerts: Iterable[Alert]) -> list[str]:
    return [email for alert in alerts for email in (alert.acknowledged_by, alert.resolved_by) if email]


def _names(people) -> dict[str, str]:
    return {email: person.display_name for email, person in people.items() if person.display_name}
