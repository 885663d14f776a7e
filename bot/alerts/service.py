"""The alerts service: notices in, pages out, buttons and timers in between.

Every step reads the database, decides with the pure modules (`model.intake`,
`policy.plan`, `urgency.disposition` and `digest`) and writes the outcome in one
transaction together with the cards it queues in the outbox. Nothing is kept in memory
between steps: `next_due` and `run_due` find in the database what escalation, snooze or
digest is due, so a service restarted after `kill -9` carries on where it was. A step
that lost a race (the alert changed between reading and locking) does nothing; the next
pass plans again from what is stored.

Webhooks that arrive together share one transaction (`batching.GroupCommit`), in which a
new alert's first page is queued in the outbox too: once the webhook is answered, its
card is on its way. The cards of repeated or resolved alerts are brought up to date by
a background queue (`settle` waits for it); should the service die first, the timer
finds those copies behind and updates them. A digest is a copy of each alert it lists:
the transaction that changes one of them leaves the digest's copies behind too, however
the change came (a button, chat, the API, the source, an escalation), and the same
queue or timer brings each copy up to date with one update for all that changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.alerts.batching import GroupCommit, Recent, WorkQueue
from bot.alerts.delivery import Deliveries, Duty, Reach, short
from bot.alerts.model import Alert, AlertState, AlertStateError, IncomingAlert, Outcome, intake
from bot.alerts.policy import EscalationPolicy, StepKind, next_step, plan
from bot.alerts.settings import AlertSettings
from bot.alerts.urgency import HoldUntil, digest, disposition, next_business_start, pages_wait_until
from bot.cards.digest import digest_card
from bot.storage import Conflict, NotFound, Store
from bot.storage.alerts import (
    AlertMessage,
    AlertStore,
    AlertWork,
    DueAlert,
    Integration,
    MessageKind,
    NewMessage,
    StoredAlert,
    by_alert,
    digest_key_for,
)
from shared.rotation import Rotation, SecondaryKind, ValidationError, normalize_email


Clock = Callable[[], datetime]
#: Alerts looked at per pass of `run_due`, and passes at most (zero-minute steps chain).
BATCH = 100
MAX_PASSES = 20
SNOOZES = {"30m": timedelta(minutes=30), "2h": timedelta(hours=2)}
#: How long a checked integration secret is trusted without reading the database again: a
#: burst of webhooks costs one read, and a deleted integration stops working within this.
TRUST_SECRET_FOR = 10.0
#: How long the intake reuses what it read about a rotation (its settings, members and
#: overrides, its people's chats): a change made elsewhere reaches new pages within this.
RECENT_SECONDS = 2.0
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


async def _not_planned(_due: datetime | None) -> None:
    return None


class AlertService:
    """Also the alerts' timer source (`bot.timers.TimerSource`): `next_due` and `run_due`."""

    name = "alerts"

    def __init__(self, alerts: AlertStore, rotations: Store, deliveries: Deliveries, *, clock: Clock) -> None:
        self._alerts = alerts
        self._rotations = rotations
        self._deliveries = deliveries
        self._clock = clock
        self._intake = GroupCommit(self._intake_batch, BATCH)
        self._trusted: dict[tuple[int, str], tuple[Integration, float]] = {}
        self._recent_settings: Recent[str, AlertSettings] = Recent(RECENT_SECONDS)
        self._recent_rotations: Recent[str, tuple[Rotation, dict[str, Rotation]]] = Recent(RECENT_SECONDS)
        self._recent_directory = deliveries.batch(RECENT_SECONDS)
        self._background = WorkQueue(self.process, BATCH)
        self._running = asyncio.Lock()
        self._closed = False
        #: Awaited with the earliest instant the alerts just changed are next due, so that
        #: their timer can be planned sooner if need be (`bot.alerts.context`).
        self.on_due: Callable[[datetime | None], Awaitable[None]] = _not_planned
        #: Awaited after existing alerts changed (repeated, resolved, acknowledged, paged by
        #: the timer...), not for new ones; other areas chain their own hooks here.
        self.on_change: Callable[[], Awaitable[None]] = _nothing

    @property
    def alerts(self) -> AlertStore:
        return self._alerts

    @property
    def deliveries(self) -> Deliveries:
        return self._deliveries

    @property
    def recent_directory(self) -> Deliveries:
        """Deliveries that reuse what they read about people for `RECENT_SECONDS` (intake)."""
        return self._recent_directory

    @property
    def recent_settings(self) -> Recent[str, AlertSettings]:
        return self._recent_settings

    @property
    def recent_rotations(self) -> Recent[str, tuple[Rotation, dict[str, Rotation]]]:
        return self._recent_rotations

    async def set_settings(self, rotation: str, settings: AlertSettings, actor: str) -> AlertSettings:
        """Store the rotation's alert settings; new alerts follow them at once."""
        stored = await self._alerts.set_settings(rotation, settings, actor)
        self._recent_settings.forget(rotation)
        return stored

    # intake ------------------------------------------------------------------------------
    async def authenticate(self, integration_id: int, presented: Sequence[str]) -> Integration | None:
        """The integration if one of the `presented` secrets is its own (see
        `AlertStore.authenticate_integration`; raises NotFound for an unknown id). Only the
        secret that matched is trusted for a while."""
        if not presented:
            return await self._alerts.authenticate_integration(integration_id, [])
        now = time.monotonic()
        for secret in presented:
            key = (integration_id, hashlib.sha256(secret.encode()).hexdigest())
            trusted = self._trusted.get(key)
            if trusted is not None and trusted[1] > now:
                return trusted[0]
            found = await self._alerts.authenticate_integration(integration_id, [secret])
            if found is not None:
                self._trusted = {k: v for k, v in self._trusted.items() if v[1] > now}
                self._trusted[key] = (found, now + TRUST_SECRET_FOR)
                return found
        return None

    async def receive(self, integration: Integration, notices: Sequence[IncomingAlert]) -> list[Received]:
        """Apply a webhook's notices; on return they are committed (in one transaction with
        the notices of the webhooks that arrived meanwhile), and a new alert's first page
        is queued in the outbox in that same transaction. Updates of the cards of repeated
        or resolved alerts follow in the background."""
        received = await self._intake.submit((integration, list(notices)))
        changed = [r.alert_id for r in received if r.outcome in (Outcome.REPEATED, Outcome.RESOLVED)]
        if changed:
            self._background.add(alert_id for alert_id in changed if alert_id is not None)
        return received

    async def _intake_batch(self, requests: list[tuple[Integration, list[IncomingAlert]]]) -> list[list[Received]]:
        """One transaction for every waiting webhook; once more if a concurrent writer
        (another replica) opened an alert with one of the keys meanwhile."""
        try:
            batch = await self._intake_all(requests)
        except Conflict:
            batch = await self._intake_all(requests)
        await self.on_due(batch.earliest_due)
        return batch.answers

    async def _intake_all(self, requests: list[tuple[Integration, list[IncomingAlert]]]) -> _IntakeBatch:
        async with self._alerts.transaction() as work:
            batch = _IntakeBatch(self, work)
            await batch.look_up(requests)
            for integration, notices in requests:
                batch.answers.append([await batch.take(integration, notice) for notice in notices])
        return batch

    # paging --------------------------------------------------------------------------------
    async def process(self, alert_ids: Iterable[int]) -> None:
        """Page what is due for these alerts now, and bring their cards up to date, and
        the digests that list them."""
        ids = list(dict.fromkeys(alert_ids))
        now = self._clock()
        await self.advance(ids, now)
        await self._refresh_alerts(ids)
        stored = await self._alerts.get_many(ids)
        await self._refresh_digests(_digests_listing(stored.values()))
        await self.on_due(min((s.due_at for s in stored.values() if s.due_at is not None), default=None))
        await self.on_change()

    async def advance(self, alert_ids: Iterable[int], now: datetime) -> bool:
        """Page each alert's due escalation step, if any (ending snoozes that ran out).
        False when nothing was paged: not due, waiting for a digest, or changed meanwhile."""
        rotations: dict[str, list[StoredAlert]] = {}
        for stored in (await self._alerts.get_many(alert_ids)).values():
            held_until = stored.alert.held_until
            if held_until is None or held_until > now:
                rotations.setdefault(stored.alert.rotation, []).append(stored)
        progressed = False
        for rotation, group in rotations.items():
            progressed |= await self._advance_rotation(rotation, group, now)
        return progressed

    async def _advance_rotation(self, rotation_name: str, group: list[StoredAlert], now: datetime) -> bool:
        settings = await self._alerts.settings(rotation_name)
        due, idle = [], []
        for stored in group:
            alert = stored.alert
            if alert.state is AlertState.SNOOZED and alert.snoozed_until <= now:
                alert = alert.unsnooze(alert.snoozed_until)
            step = plan(alert, settings.policy, now).due
            waits_until = None if step is None else pages_wait_until(alert, settings.rules, now)
            if step is None:
                idle.append((stored, next_due_at(alert, settings.policy, now)))
            elif waits_until is not None:
                idle.append((stored, waits_until))
            else:
                due.append((replace(stored, alert=alert), step))
        await self._reschedule([(stored, at) for stored, at in idle if at != stored.due_at])
        if not due:
            return False
        rotation, others = await self.rotation_and_others(rotation_name)
        deliveries = self._deliveries.batch()
        duty = await deliveries.duty(rotation, others, now)
        copies = by_alert(await self._alerts.messages_of(stored.id for stored, _ in due))
        reaches = [await deliveries.reach(stored.alert, stored.timezone, step.step, duty,
                                          copies=copies.get(stored.id, []), first=stored.alert.escalation_step == 0,
                                          now=now)
                   for stored, step in due]
        paged = False
        async with self._alerts.transaction() as work:
            locked = await work.lock_many(stored.id for stored, _ in due)
            for (stored, _), reach in zip(due, reaches, strict=True):
                current = locked.get(stored.id)
                if current is None or current.version != stored.version:
                    continue
                own = copies.get(stored.id, [])
                changed = stored.alert.escalate(now, reach.detail)
                saved = await work.save(current, changed, next_due_at(changed, settings.policy, now),
                                        has_copies=bool(own))
                await deliveries.post(work, saved, reach.messages(saved.id, saved.version), settings, own)
                await deliveries.refresh(work, saved, own, settings)
                paged = True
        return paged

    async def _reschedule(self, changes: list[tuple[StoredAlert, datetime | None]]) -> None:
        """Keep `due_at` true when nothing else changes (a policy changed meanwhile)."""
        if not changes:
            return
        async with self._alerts.transaction() as work:
            locked = await work.lock_many(stored.id for stored, _ in changes)
            for stored, due_at in changes:
                current = locked.get(stored.id)
                if current is not None and current.version == stored.version:
                    await work.reschedule(stored.id, due_at)

    async def _refresh_alerts(self, alert_ids: list[int]) -> None:
        """Bring the alerts' card copies up to date (read first: usually nothing is behind)."""
        stored = await self._alerts.get_many(alert_ids)
        copies = by_alert(await self._alerts.messages_of(alert_ids))
        behind = [alert_id for alert_id, found in stored.items()
                  if any(copy.shown_version < found.version for copy in copies.get(alert_id, []))]
        if not behind:
            return
        deliveries = self._deliveries.batch()
        async with self._alerts.transaction() as work:
            locked = await work.lock_many(behind)
            current_copies = await work.messages_of(behind)
            settings: dict[str, AlertSettings] = {}
            for alert_id, found in locked.items():
                rotation = found.alert.rotation
                if rotation not in settings:
                    settings[rotation] = await work.settings(rotation)
                await deliveries.refresh(work, found, current_copies.get(alert_id, []), settings[rotation])

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
        await self._refresh_messages(await self._alerts.messages_due(now))

    async def _run_pass(self, due: list[DueAlert], now: datetime) -> bool:
        stored = await self._alerts.get_many(item.id for item in due)
        digests = sorted({s.alert.rotation for s in stored.values()
                          if s.alert.held_until is not None and s.alert.held_until <= now})
        progressed = False
        for rotation in digests:
            progressed |= await self.send_digest(rotation, now)
        return await self.advance(stored.keys(), now) or progressed

    async def _refresh_messages(self, messages: list[AlertMessage]) -> None:
        await self._refresh_digests(m.digest_key for m in messages if m.kind is MessageKind.DIGEST and m.digest_key)
        await self._refresh_alerts(list(dict.fromkeys(m.alert_id for m in messages if m.alert_id is not None)))

    # digest --------------------------------------------------------------------------------------
    async def send_digest(self, rotation_name: str, now: datetime) -> bool:
        """Deliver, as one card, the rotation's alerts held until `now` or earlier."""
        rotation, others = await self.rotation_and_others(rotation_name)
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
            key = digest_key_for(rotation_name, now)
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
        alerts = await self._alerts.get_many(copy.body["alerts"])
        people = _names(await self._deliveries.people(_people_named(s.alert for s in alerts.values())))
        return _digest_card(copy, alerts, people, zone)

    async def _refresh_digests(self, digest_keys: Iterable[str]) -> None:
        """Bring the copies of these digests that are behind up to date (read first: usually
        none is). Each card is built from its alerts locked in the transaction that queues
        it, so a change made meanwhile waits, then leaves the copy behind again, and no
        older card can follow a newer one. However many of a digest's alerts changed since
        its copy was last brought up to date, the copy takes one update."""
        keys = list(dict.fromkeys(digest_keys))
        if not keys:
            return
        copies = await self._alerts.digest_copies_of(keys)
        if not any(copy.behind for copy in copies):
            return
        deliveries = self._deliveries.batch()
        async with self._alerts.transaction() as work:
            alerts = await work.lock_many({alert_id for copy in copies for alert_id in copy.body["alerts"]})
            people = _names(await deliveries.people(_people_named(s.alert for s in alerts.values())))
            for copy in await work.digest_copies_of(keys):
                if copy.behind:
                    await deliveries.refresh_digest(work, copy, _digest_card(copy, alerts, people))

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
                self._background.add([alert_id])
                return applied
        raise Conflict("the alert kept changing while the action was applied; try again")

    async def _apply_once(self, alert_id: int, verb: Verb, person: str, until: str | None, pressed: Pressed | None,
                          digest_key: str | None, actor: str) -> StoredAlert | None:
        now = self._clock()
        stored = await self._alerts.get(alert_id)
        alert = stored.alert
        settings = await self._alerts.settings(alert.rotation)
        rotation, others = await self.rotation_and_others(alert.rotation)
        duty = await self._deliveries.duty(rotation, others, now)
        _check_allowed(person, rotation, duty, settings)
        copies = await self._alerts.messages_of([alert_id])
        reach = Reach("")
        if verb is Verb.ESCALATE:
            step = next_step(alert, settings.policy)
            if step is None:
                raise AlertStateError("escalate", alert.state, "Everyone in the escalation policy was already "
                                      "paged; there is nobody left to escalate it to.")
            reach = await self._deliveries.reach(alert, stored.timezone, step.step, duty, copies=copies,
                                                 first=alert.escalation_step == 0 and step.step.kind is not
                                                 StepKind.CHANNEL, now=now)
            changed = alert.escalate(now, reach.detail, actor=person)
        else:
            changed = _transition(alert, verb, person, now, until, settings)
        async with self._alerts.transaction() as work:
            locked = await work.lock(alert_id)
            if locked.version != stored.version:
                return None
            saved = await work.save(locked, changed, next_due_at(changed, settings.policy, now))
            await self._deliveries.post(work, saved, reach.messages(saved.id, saved.version), settings, copies)
            await self._mark_pressed(work, saved, copies, pressed)
            await self._mark_digest_pressed(work, digest_key, pressed)
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

    @staticmethod
    async def _mark_digest_pressed(work: AlertWork, digest_key: str | None, pressed: Pressed | None) -> None:
        """The digest copy a press came from is refreshed by the invoke's answer, built
        after this commits (`digest_card_for`); the digest's other copies stay behind."""
        if digest_key is None or pressed is None:
            return
        here = [copy for copy in await work.digest_copies_of([digest_key])
                if copy.conversation_key == pressed.conversation_key]
        if len(here) == 1 and here[0].behind:
            await work.mark_shown([here[0].id], here[0].wanted_version)

    async def copy_pressed(self, alert_id: int, pressed: Pressed) -> AlertMessage | None:
        """The stored copy a press came from, when it can be told (for its viewer's zone)."""
        copies = [c for c in await self._alerts.messages_of([alert_id]) if c.conversation_key == pressed.conversation_key]
        return copies[0] if len(copies) == 1 else None

    async def digest_copy(self, digest_key: str, conversation_key: str) -> AlertMessage | None:
        """The digest's copy in this conversation (else its first copy, else None)."""
        copies = await self._alerts.digest_copies(digest_key)
        return next((c for c in copies if c.conversation_key == conversation_key), copies[0] if copies else None)

    # plumbing ------------------------------------------------------------------------------------------
    async def rotation_and_others(self, name: str) -> tuple[Rotation, dict[str, Rotation]]:
        """The rotation, and the one named as its secondary (for the engine's `others`)."""
        rotation = await self._rotations.get_rotation(name)
        others: dict[str, Rotation] = {}
        if rotation.secondary.kind is SecondaryKind.ROTATION and rotation.secondary.rotation:
            try:
                other = await self._rotations.get_rotation(rotation.secondary.rotation)
            except NotFound:
                return rotation, others
            others[other.name] = other
        return rotation, others

    async def settle(self) -> None:
        """Wait for the pages and card updates started in the background."""
        await self._background.settle()

    async def close(self) -> None:
        """Finish what is under way and start nothing more (before the database closes)."""
        async with self._running:
            self._closed = True
        await self.settle()


class _IntakeBatch:
    """The notices of the webhooks that share one transaction, and what they looked up:
    each rotation's settings and who is on duty are read once per batch."""

    def __init__(self, service: AlertService, work: AlertWork) -> None:
        self._service = service
        self._work = work
        self._deliveries = service.recent_directory
        self._duty: dict[str, Duty] = {}
        self._latest: dict[tuple[str, str], StoredAlert] = {}
        self.answers: list[list[Received]] = []
        self.earliest_due: datetime | None = None

    async def look_up(self, requests: list[tuple[Integration, list[IncomingAlert]]]) -> None:
        """The newest stored alert of every key in the batch, in one query."""
        wanted = {(integration.rotation, notice.dedup_key) for integration, notices in requests for notice in notices}
        self._latest.update(await self._work.latest_many(wanted))

    async def take(self, integration: Integration, notice: IncomingAlert) -> Received:
        work, now, rotation = self._work, self._work.now, integration.rotation
        settings = await self._settings_of(rotation)
        latest = self._latest.get((rotation, notice.dedup_key))
        result = intake(None if latest is None else latest.alert, notice, rotation=rotation,
                        integration=integration.kind, at=now)
        if result.alert is None:
            return Received(None if latest is None else latest.id, result.outcome)
        if latest is None or result.outcome is Outcome.CREATED:
            stored = await self._open(_held_if_not_urgent(result.alert, settings, now), integration, settings)
        else:
            alert = _released_if_urgent(result.alert, settings, now)
            stored = await work.save(latest, alert, next_due_at(alert, settings.policy, now))
        self._latest[(rotation, notice.dedup_key)] = stored
        if stored.due_at is not None and (self.earliest_due is None or stored.due_at < self.earliest_due):
            self.earliest_due = stored.due_at
        return Received(stored.id, result.outcome)

    async def _open(self, alert: Alert, integration: Integration, settings: AlertSettings) -> StoredAlert:
        """Store a new alert, its first step already paged (in this same transaction) unless
        it is held for the digest."""
        now = self._work.now
        due = plan(alert, settings.policy, now).due
        reach = None
        if due is not None:
            duty = await self._duty_in(alert.rotation)
            reach = await self._deliveries.reach(alert, duty.rotation.timezone, due.step, duty, copies=[], first=True,
                                                 now=now)
            alert = alert.escalate(now, reach.detail)
        stored = await self._work.insert(alert, integration_id=integration.id,
                                         due_at=next_due_at(alert, settings.policy, now), version=1 if reach is None else 2)
        if reach is not None:
            await self._deliveries.post(self._work, stored, reach.messages(stored.id, stored.version), settings)
        return stored

    async def _settings_of(self, rotation: str) -> AlertSettings:
        return await self._service.recent_settings.get(rotation, lambda: self._work.settings(rotation))

    async def _duty_in(self, rotation_name: str) -> Duty:
        if rotation_name not in self._duty:
            rotation, others = await self._service.recent_rotations.get(
                rotation_name, lambda: self._service.rotation_and_others(rotation_name))
            self._duty[rotation_name] = await self._deliveries.duty(rotation, others, self._work.now)
        return self._duty[rotation_name]


def _held_if_not_urgent(alert: Alert, settings: AlertSettings, now: datetime) -> Alert:
    rules = settings.rules
    decided = disposition(alert, rules.business_hours, rules.urgent, now)
    return alert.hold(now, decided.until) if isinstance(decided, HoldUntil) else alert


def _released_if_urgent(alert: Alert, settings: AlertSettings, now: datetime) -> Alert:
    """A held alert that came back urgent (its severity rose) pages now."""
    if alert.state is AlertState.HELD and pages_wait_until(alert, settings.rules, now) is None:
        return alert.release(now)
    return alert


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


def _digests_listing(stored: Iterable[StoredAlert]) -> list[str]:
    """The keys of the digests that list these alerts."""
    return [digest_key_for(s.alert.rotation, at) for s in stored if (at := s.alert.digested_at) is not None]


def _digest_card(copy: AlertMessage, alerts: Mapping[int, StoredAlert], people: Mapping[str, str],
                 zone: str | None = None) -> dict:
    """A digest copy's card from its alerts as given (one deleted since is left out)."""
    listed = [alerts[alert_id].alert for alert_id in copy.body["alerts"] if alert_id in alerts]
    return digest_card(rotation=copy.rotation, at=datetime.fromisoformat(copy.body["at"]), alerts=listed,
                       viewer_zone=zone or copy.body["zone"], digest_key=copy.digest_key or "", people=people)


def _people_named(alerts: Iterable[Alert]) -> list[str]:
    return [email for alert in alerts for email in (alert.acknowledged_by, alert.resolved_by) if email]


def _names(people) -> dict[str, str]:
    return {email: person.display_name for email, person in people.items() if person.display_name}
