"""What the chat service needs from other parts of Rota, as protocols.

The chat service is built before (and without) some of its collaborators: the outbox, the
alerts service, the tray's pairing, the shift reports and reminders, the Teams roster.
Each is a small protocol here; a missing optional one makes its command say that it is
not set up yet rather than fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.conversations import ChatUser, ConversationRecord, OutgoingMessage, Reply
from bot.shifts.reminders import ReminderPrefs


class Outbox(Protocol):
    """Proactive messages (`bot.outbox.Outbox` satisfies this)."""

    async def enqueue(self, message: OutgoingMessage) -> None:
        """Queue `message`; queuing the same idempotency key again changes nothing."""
        ...

    async def activity_id_for(self, idempotency_key: str) -> str | None:
        """The Teams activity id the message queued under this key got when it was sent
        (to update its card in place); None while it is not sent yet."""
        ...


class AlertActions(Protocol):
    """`ack <alert>` from chat, answered by the alerts service."""

    async def acknowledge(self, alert: str, person: str, conversation: ConversationRecord) -> Reply:
        """`person` (an email) acknowledges the alert named `alert` (its number, as typed).
        An unknown alert, or one already resolved, is a reply that says so, not an error."""
        ...

    async def add_integration(self, rotation: str, kind: str, name: str, actor: str) -> tuple[str, str]:
        """A new webhook for `rotation`: its URL and its secret (kept hashed, shown once).
        Raises Conflict (the rotation has a webhook of that name), ValidationError."""
        ...


@dataclass(frozen=True)
class PairingCode:
    """What the person types into the tray client, valid until `expires_at`."""

    code: str
    expires_at: datetime


class PairingCodes(Protocol):
    """`tray`: a one-time code that pairs a tray client with the person."""

    async def issue(self, person: str) -> PairingCode: ...


@dataclass(frozen=True)
class ReportRequest:
    """`report [rotation] [period]`, read: the rotations to cover over [start, end)."""

    rotations: Sequence[str]
    start: datetime
    end: datetime
    period: str
    viewer: str | None
    viewer_zone: str


class Reporter(Protocol):
    """The shift reports (hours on duty, pages, fairness) for chat."""

    async def report(self, request: ReportRequest) -> list[Reply]: ...


class ReminderSettings(Protocol):
    """`remind`: a person's own reminders, and the rotations' defaults under them."""

    async def own(self, person: str) -> ReminderPrefs | None:
        """The reminders `person` (an email) chose; None: they chose none."""
        ...

    async def defaults(self) -> Mapping[str, ReminderPrefs]:
        """Each rotation's default reminders (rotations that set none are left out)."""
        ...

    async def set_own(self, person: str, prefs: ReminderPrefs | None, actor: str) -> None:
        """Keep `prefs` as the person's own (None: their rotations' defaults again), with an
        audit entry by `actor`; the next reminders follow them at once."""
        ...


class TeamRoster(Protocol):
    """Questions only Teams can answer about a team."""

    async def is_team_owner(self, conversation: ConversationRecord, user: ChatUser) -> bool:
        """Whether `user` owns the team `conversation` belongs to (False outside a team)."""
        ...


class PersonalChats(Protocol):
    """Opening a 1:1 chat with someone who never wrote to the bot (`bot.teams.roster.TeamsRoster`
    satisfies this)."""

    async def open_personal(self, via: ConversationRecord, user: ChatUser) -> ConversationRecord:
        """A 1:1 chat with `user`, a member of the team or chat of `via`."""
        ...


class TagStatus(Protocol):
    """The Graph tag sync's view of a rotation's `@<rotation>-oncall` tag."""

    async def warning_for(self, rotation: str) -> str | None:
        """Why the tag may be out of date (None: it is up to date, or there is none)."""
        ...
