"""Where an alert's cards go, and how every copy is kept up to date.

A page reaches people through their 1:1 chat with Rota (a copy of the card in each) and
the rotation's bound channels (a copy there, or, for a channel step, a copy in the thread
of the first one with an @mention of whoever must look). A channel step set to `tag`
mentions the rotation's Teams tag in that channel's team once the tag sync has made it
(Teams notifies whoever is on duty), and otherwise the people on duty themselves; one set
to `team` mentions everyone in the rotation. Teams notifies only those it can mention (a
person once Rota knows their Teams id); the message and the timeline say who that was,
and who could not be reached. Each copy is a stored message row, queued in the outbox in
the same transaction that records the page, so a page is stored and queued together or
not at all.

A copy is updated in place (`replaces`) once the outbox knows the activity id of its
first send; until then it waits, and the timer tries again a little later. Idempotency
keys are derived from stored values (alert id, version, conversation), so a retried
transaction or a restarted service queues the same keys, which the outbox ignores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.alerts.batching import Recent
from bot.alerts.model import MAX_TITLE, Alert, EventKind
from bot.alerts.policy import EscalationStep, Mention, StepKind
from bot.alerts.settings import AlertSettings
from bot.cards.alert import alert_card
from bot.conversations import ConversationRecord, MentionKind, OutgoingMessage
from bot.conversations import Mention as ChatMention
from bot.storage import Person
from bot.storage.alerts import AlertMessage, AlertWork, MessageKind, NewMessage, StoredAlert
from bot.storage.outbox import TagRecord
from shared.oncall import on_call
from shared.rotation import Rotation

#: How soon to look again for the activity id a card update or a thread reply waits for.
RETRY_AFTER = timedelta(seconds=2)
#: After this long without the original's activity id, a thread reply is posted on its
#: own and an update is dropped (the outbox gave up on the original, or it is unsendable).
GIVE_UP_AFTER = timedelta(minutes=30)
#: A channel step's timeline entry names at most this many of the people it @mentioned.
NAMED_ON_TIMELINE = 3


class Directory(Protocol):
    """Who can be reached where (the Teams store, `bot.storage.teams.TeamsStore`)."""

    async def personal_conversation_for(self, email: str) -> ConversationRecord | None: ...

    async def channel_conversations_for(self, rotation: str) -> list[ConversationRecord]: ...

    async def people(self, emails: Iterable[str]) -> dict[str, Person]: ...

    async def zones(self, emails: Iterable[str]) -> dict[str, str]: ...


class Tags(Protocol):
    """The rotations' Teams tags as the tag sync last left them (`bot.storage.outbox.TagStateStore`)."""

    async def records(self, rotation: str | None = None) -> list[TagRecord]: ...


class MemoDirectory:
    """A directory that asks the real one once per person and rotation, for `ttl` seconds
    (None: for as long as it lives, i.e. one batch of pages)."""

    def __init__(self, directory: Directory, ttl: float | None = None) -> None:
        self._directory = directory
        self._personal: Recent[str, ConversationRecord | None] = Recent(ttl)
        self._channels: Recent[str, list[ConversationRecord]] = Recent(ttl)
        self._people: Recent[str, Person | None] = Recent(ttl)
        self._zones: Recent[str, str | None] = Recent(ttl)

    async def personal_conversation_for(self, email: str) -> ConversationRecord | None:
        return await self._personal.get(email, lambda: self._directory.personal_conversation_for(email))

    async def channel_conversations_for(self, rotation: str) -> list[ConversationRecord]:
        return await self._channels.get(rotation, lambda: self._directory.channel_conversations_for(rotation))

    async def people(self, emails: Iterable[str]) -> dict[str, Person]:
        found = await self._people.get_many(emails, self._directory.people, None)
        return {email: person for email, person in found.items() if person is not None}

    async def zones(self, emails: Iterable[str]) -> dict[str, str]:
        found = await self._zones.get_many(emails, self._directory.zones, None)
        return {email: zone for email, zone in found.items() if zone is not None}


class OutboxPort(Protocol):
    """The outbox (`bot.outbox.Outbox`), as far as alerts use it."""

    async def enqueue_in(self, session: Any, message: OutgoingMessage) -> None: ...

    async def activity_id_for(self, idempotency_key: str) -> str | None: ...


def short(text: str) -> str:
    """A fixed-width stand-in for a conversation key inside an idempotency key."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def page_key(alert_id: int, version: int, conversation_key: str) -> str:
    return f"alert:{alert_id}:v{version}:notify:{short(conversation_key)}"


def update_key(copy_key: str, version: int) -> str:
    return f"{copy_key}:update:v{version}"


@dataclass(frozen=True)
class Target:
    """A card to post for a page: where, in which thread (the idempotency key of the copy
    it answers), and what it carries beside the alert (zone, a note, text with mentions)."""

    conversation_key: str
    body: dict[str, Any]
    thread_of_key: str | None = None


@dataclass(frozen=True)
class Reach:
    """What paging one step amounts to: the words for the timeline and the cards to post."""

    detail: str
    targets: tuple[Target, ...] = ()

    def messages(self, alert_id: int, version: int) -> list[NewMessage]:
        """The cards as copies of alert `alert_id`, posted at `version` (once paged)."""
        return [NewMessage(MessageKind.CARD, target.conversation_key,
                           page_key(alert_id, version, target.conversation_key), alert_id=alert_id,
                           thread_of_key=target.thread_of_key, body=target.body)
                for target in self.targets]


@dataclass(frozen=True)
class Duty:
    """A rotation at the instant of a page: its value, who is on duty, and their names."""

    rotation: Rotation
    primary: str | None
    secondary: str | None
    people: Mapping[str, Person] = field(default_factory=dict)

    @classmethod
    def at(cls, rotation: Rotation, others: Mapping[str, Rotation], at: datetime) -> Duty:
        answer = on_call(rotation, at, dict(others))
        return cls(rotation, answer.primary, answer.secondary)

    def name(self, email: str) -> str:
        found = self.people.get(email)
        return found.display_name if found is not None and found.display_name else email

    def mention(self, email: str) -> ChatMention | None:
        found = self.people.get(email)
        if found is None or not found.teams_id:
            return None
        return ChatMention(teams_id=found.teams_id, name=self.name(email), email=email)


@dataclass(frozen=True)
class ChannelCall:
    """Whom a channel step calls on in one channel: who is @mentioned (Teams notifies
    them), the people it means but cannot mention (Rota does not know their Teams id yet),
    and why nobody is meant at all, should that be the case."""

    mentions: tuple[ChatMention, ...]
    unreachable: tuple[str, ...] = ()
    nobody: str = "nobody is on duty"

    def text(self, waited: str) -> str:
        """The message in the alert's thread: the mentions first, then what Teams could not do."""
        late = f"this alert is still not acknowledged{waited}."
        missing = _not_notified(self.unreachable)
        if self.mentions:
            return " ".join(filter(None, [f"{' '.join(f'@{m.name}' for m in self.mentions)}: {late}", missing]))
        why = f"{missing} Please let them know." if missing else f"{self.nobody}."
        return f"{late[:1].upper()}{late[1:-1]}, and nobody was @mentioned: {why}"

    @property
    def label(self) -> str:
        """Who was @mentioned, for the alert's timeline."""
        if not self.mentions:
            return "nobody could be @mentioned"
        if len(self.mentions) > NAMED_ON_TIMELINE:
            return f"{len(self.mentions)} people @mentioned"
        return ", ".join(f"@{m.name}" for m in self.mentions)


class Deliveries:
    """Plans pages and keeps copies current, inside the caller's transaction."""

    def __init__(self, directory: Directory, outbox: OutboxPort, tags: Tags) -> None:
        self._directory = directory
        self._outbox = outbox
        self._tags = tags

    def batch(self, ttl: float | None = None) -> Deliveries:
        """The same, looking each person up once (for `ttl` seconds; None: for as long as
        the returned value is used, e.g. one batch of pages or updates)."""
        return Deliveries(MemoDirectory(self._directory, ttl), self._outbox, self._tags)

    async def duty(self, rotation: Rotation, others: Mapping[str, Rotation], at: datetime) -> Duty:
        """Who is on duty at `at`, with the names and Teams ids of everyone a page may name."""
        duty = Duty.at(rotation, others, at)
        people = await self._directory.people([*rotation.members, duty.primary or "", duty.secondary or ""])
        return replace(duty, people=people)

    # planning a page -------------------------------------------------------------------
    async def reach(self, alert: Alert, rotation_zone: str, step: EscalationStep, duty: Duty, *,
                    copies: Sequence[AlertMessage], first: bool, now: datetime) -> Reach:
        """The cards that page `step` for the alert (whose existing copies are `copies`).
        The first page also posts the card in every bound channel that has none yet."""
        if step.kind is StepKind.CHANNEL:
            return await self._channel_step(alert, step, duty, copies, now)
        reach = await self._person_step(alert, step, duty, rotation_zone)
        if not first:
            return reach
        posted = {copy.conversation_key for copy in copies}
        extra = [Target(conversation.key, _body(rotation_zone))
                 for conversation in await self._directory.channel_conversations_for(alert.rotation)
                 if conversation.key not in posted]
        return Reach(reach.detail, reach.targets + tuple(extra))

    async def _person_step(self, alert: Alert, step: EscalationStep, duty: Duty, rotation_zone: str) -> Reach:
        email = {StepKind.PRIMARY: duty.primary, StepKind.SECONDARY: duty.secondary}.get(step.kind, step.person)
        role = "" if step.kind is StepKind.PERSON else f"the {step.kind.value}, "
        if email is None:
            return Reach(f"the {step.kind.value} (nobody is on duty)")
        conversation = await self._directory.personal_conversation_for(email)
        if conversation is None:
            return Reach(f"{role}{duty.name(email)} (no chat with Rota yet)")
        zone = (await self._directory.zones([email])).get(email, rotation_zone)
        note = f"You are {step.describe()} of {alert.rotation}." if step.kind is not StepKind.PERSON else None
        return Reach(f"{role}{duty.name(email)}", (Target(conversation.key, _body(zone, note=note)),))

    async def _channel_step(self, alert: Alert, step: EscalationStep, duty: Duty, copies: Sequence[AlertMessage],
                            now: datetime) -> Reach:
        """A reply in the thread of the alert's card in every bound channel, @mentioning
        the rotation's tag in that channel's team if the step says `tag` and the tag is
        there, else the people the step means (see `_people_call`)."""
        channels = await self._directory.channel_conversations_for(alert.rotation)
        if not channels:
            return Reach("the channel (no channel is bound to the rotation)")
        tags = await self._tags_by_team(alert.rotation) if step.mention is Mention.TAG else {}
        people = _people_call(step, duty)
        calls, targets = [], []
        for conversation in channels:
            tag = tags.get(conversation.team_aad_group_id or "")
            call = people if tag is None else _tag_call(tag)
            body = _body(duty.rotation.timezone, text=call.text(_waited(alert, now)), mentions=call.mentions)
            parent = _first_copy(copies, conversation.key)
            targets.append(Target(conversation.key, body, None if parent is None else parent.idempotency_key))
            calls.append(call)
        labels = "; ".join(dict.fromkeys(call.label for call in calls))
        return Reach(f"the channel ({_fit(labels, MAX_TITLE - len('the channel ()'))})", tuple(targets))

    async def _tags_by_team(self, rotation: str) -> dict[str, TagRecord]:
        """The rotation's tag in each team (by the team's group id) that the tag sync made,
        last left holding someone, and last updated without a failure: mentioning it
        notifies the people on duty. A tag Graph would not update may still hold the last
        shift's people, so then the people on duty are mentioned instead."""
        return {record.team_id: record for record in await self._tags.records(rotation)
                if record.tag_id and record.members and record.failures == 0}

    # sending -----------------------------------------------------------------------------
    async def post(self, work: AlertWork, stored: StoredAlert, messages: Sequence[NewMessage],
                   settings: AlertSettings, copies: Sequence[AlertMessage] = ()) -> None:
        """Store `messages` as copies of the alert's card at its current version and queue
        them, except thread replies whose thread has no activity id yet (they wait)."""
        if not messages:
            return
        people = await self._directory.people(_named(stored.alert))
        by_key = {copy.idempotency_key: copy for copy in copies}
        queued = set()
        for message in messages:
            thread = by_key.get(message.thread_of_key) if message.thread_of_key else None
            thread_of = await self._activity(thread) if thread is not None else None
            if thread is not None and thread_of is None:
                continue
            await work.enqueue(self._outbox, _outgoing(message.idempotency_key, message.conversation_key,
                                                       message.body, _card(stored.alert, message.body, settings,
                                                                           people), thread_of=thread_of))
            queued.add(message.idempotency_key)
        await work.add_messages(stored.alert.rotation, messages, stored.version, sent=queued,
                                retry_at=work.now + RETRY_AFTER)

    async def refresh(self, work: AlertWork, stored: StoredAlert, copies: Sequence[AlertMessage],
                      settings: AlertSettings) -> None:
        """Bring every copy that shows less than the alert's version up to it."""
        behind = [copy for copy in copies if copy.shown_version < stored.version]
        if not behind:
            return
        people = await self._directory.people(_named(stored.alert))
        by_key = {copy.idempotency_key: copy for copy in copies}
        for copy in behind:
            card = _card(stored.alert, copy.body, settings, people)
            await self._bring_up_to_date(work, copy, stored.version, card, by_key)

    async def _bring_up_to_date(self, work: AlertWork, copy: AlertMessage, version: int, card: dict,
                                by_key: Mapping[str, AlertMessage]) -> None:
        waited_too_long = work.now - copy.created >= GIVE_UP_AFTER
        if not copy.sent:
            thread = by_key.get(copy.thread_of_key) if copy.thread_of_key else None
            thread_of = await self._activity(thread) if thread is not None else None
            if thread is not None and thread_of is None and not waited_too_long:
                await work.postpone(copy.id, work.now + RETRY_AFTER)
                return
            await work.enqueue(self._outbox, _outgoing(copy.idempotency_key, copy.conversation_key, copy.body,
                                                       card, thread_of=thread_of))
            await work.mark_shown([copy.id], version)
            return
        activity = await self._activity(copy)
        if activity is None:
            if waited_too_long:
                await work.mark_shown([copy.id], version)
            else:
                await work.postpone(copy.id, work.now + RETRY_AFTER)
            return
        await work.enqueue(self._outbox, _outgoing(update_key(copy.idempotency_key, version), copy.conversation_key,
                                                   copy.body, card, replaces=activity))
        await work.mark_shown([copy.id], version, activity_id=activity)

    async def _activity(self, copy: AlertMessage) -> str | None:
        if copy.activity_id is not None:
            return copy.activity_id
        return await self._outbox.activity_id_for(copy.idempotency_key)

    async def activity_of(self, copy: AlertMessage) -> str | None:
        """The Teams activity of a copy's first send, once the outbox has sent it."""
        return await self._activity(copy)

    async def people(self, emails: Iterable[str]) -> dict[str, Person]:
        return await self._directory.people(emails)

    async def card_for(self, alert: Alert, zone: str, settings: AlertSettings, note: str | None = None) -> dict:
        """The alert's card as a copy in `zone` shows it."""
        return _card(alert, _body(zone, note=note), settings, await self._directory.people(_named(alert)))

    async def post_digest(self, work: AlertWork, rotation: str, messages: Sequence[NewMessage],
                          cards: Mapping[str, dict], version: int) -> None:
        """Queue the copies of a digest (`cards` by conversation key) and store them."""
        for message in messages:
            await work.enqueue(self._outbox, _outgoing(message.idempotency_key, message.conversation_key,
                                                       message.body, cards[message.conversation_key]))
        await work.add_messages(rotation, messages, version, sent={m.idempotency_key for m in messages},
                                retry_at=None)

    async def refresh_digest(self, work: AlertWork, copy: AlertMessage, card: dict) -> None:
        """Replace a digest copy with `card`, once its first send has an activity id (a
        copy the outbox never sent is given up after `GIVE_UP_AFTER`)."""
        activity = await self._activity(copy)
        if activity is None:
            if work.now - copy.created >= GIVE_UP_AFTER:
                await work.mark_shown([copy.id], copy.wanted_version)
            else:
                await work.postpone(copy.id, work.now + RETRY_AFTER)
            return
        await work.enqueue(self._outbox, _outgoing(update_key(copy.idempotency_key, copy.wanted_version),
                                                   copy.conversation_key, copy.body, card, replaces=activity))
        await work.mark_shown([copy.id], copy.wanted_version, activity_id=activity)

    async def digest_places(self, rotation: str, primary: str | None) -> list[tuple[ConversationRecord, str | None]]:
        """Where a digest goes: the primary's chat (with their zone) and every bound channel."""
        places: list[tuple[ConversationRecord, str | None]] = []
        if primary is not None:
            conversation = await self._directory.personal_conversation_for(primary)
            if conversation is not None:
                places.append((conversation, (await self._directory.zones([primary])).get(primary)))
        places.extend((conversation, None) for conversation in await self._directory.channel_conversations_for(rotation))
        return places


def _body(zone: str, *, note: str | None = None, text: str | None = None,
          mentions: Sequence[ChatMention] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {"zone": zone}
    if note:
        body["note"] = note
    if text:
        body["text"] = text
    if mentions:
        body["mentions"] = [{"teams_id": m.teams_id, "name": m.name, "email": m.email,
                             "kind": MentionKind(m.kind).value} for m in mentions]
    return body


def _outgoing(key: str, conversation_key: str, body: Mapping[str, Any], card: dict, *,
              thread_of: str | None = None, replaces: str | None = None) -> OutgoingMessage:
    mentions = tuple(ChatMention(**mention) for mention in body.get("mentions", ()))
    return OutgoingMessage(idempotency_key=key, conversation_key=conversation_key, text=body.get("text"), card=card,
                           mentions=mentions, thread_of=thread_of, replaces=replaces)


def _card(alert: Alert, body: Mapping[str, Any], settings: AlertSettings, people: Mapping[str, Person]) -> dict:
    names = {email: person.display_name for email, person in people.items() if person.display_name}
    return alert_card(alert=alert, viewer_zone=body["zone"], people=names, note=body.get("note"),
                      snooze_until_business=settings.rules.business_hours is not None)


def _named(alert: Alert) -> list[str]:
    """Everyone the card may name: who acknowledged, resolved, snoozed or escalated it."""
    named = {alert.acknowledged_by, alert.resolved_by, *(event.actor for event in alert.timeline)}
    return [email for email in named if email]


def _first_copy(copies: Sequence[AlertMessage], conversation_key: str) -> AlertMessage | None:
    return next((copy for copy in copies if copy.conversation_key == conversation_key and copy.thread_of_key is None),
                None)


def _people_call(step: EscalationStep, duty: Duty) -> ChannelCall:
    """The people a channel step means, each @mentioned if Rota knows their Teams id: those
    on duty (primary and secondary) for `tag`, and everyone in the rotation too for `team`."""
    if step.mention is Mention.TEAM:
        wanted = [duty.primary, duty.secondary, *duty.rotation.members]
        nobody = f"{duty.rotation.name} has nobody to call on"
    else:
        wanted = [duty.primary, duty.secondary]
        nobody = f"nobody is on duty in {duty.rotation.name} right now"
    emails = list(dict.fromkeys(email for email in wanted if email))
    mentions = {email: duty.mention(email) for email in emails}
    return ChannelCall(mentions=tuple(m for m in mentions.values() if m is not None),
                       unreachable=tuple(duty.name(email) for email, m in mentions.items() if m is None),
                       nobody=nobody)


def _tag_call(tag: TagRecord) -> ChannelCall:
    assert tag.tag_id is not None
    return ChannelCall(mentions=(ChatMention(teams_id=tag.tag_id, name=tag.tag_name, kind=MentionKind.TAG),))


def _not_notified(names: Sequence[str]) -> str:
    """Why Teams did not notify these people, or "" when there are none."""
    if not names:
        return ""
    who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    have = "hasn't" if len(names) == 1 else "haven't"
    return f"{who} {have} talked to Rota yet, so Teams can't notify them from here."


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _waited(alert: Alert, now: datetime) -> str:
    first = next((event.at for event in alert.timeline if event.kind is EventKind.NOTIFIED), None)
    if first is None:
        return ""
    minutes = int((now - first).total_seconds() // 60)
    return f" after {minutes} minutes" if minutes > 0 else ""
