"""What every chat command works with: who is asking, where, the rotations as they are
now, and the way a command says no.

A command that cannot go ahead raises `Refused` with what was wrong and what would work;
the service turns it into an error card. Nothing is written before a command has decided
it can go ahead, so a refusal never leaves a change half made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.chat.commands import PersonRef
from bot.chat.ports import (
    AlertActions,
    Outbox,
    PairingCodes,
    PersonalChats,
    ReminderSettings,
    Reporter,
    TagStatus,
    TeamRoster,
)
from bot.chat.table import Scope
from bot.conversations import ChatUser, ConversationKind, ConversationRecord, Mention
from bot.storage import Person, Store
from bot.storage.teams import TeamsStore
from shared.oncall import on_call
from shared.rotation import Rotation, ValidationError, normalize_email

Clock = Callable[[], datetime]
#: How the audit log names someone who made a change in chat.
ACTOR_PREFIX = "teams:"


class Refused(Exception):
    """The command cannot go ahead: `message` says why, `hint` what would work."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Collaborators:
    """The optional parts of Rota the chat service talks to; None: not set up."""

    alerts: AlertActions | None = None
    pairing: PairingCodes | None = None
    reports: Reporter | None = None
    reminders: ReminderSettings | None = None
    roster: TeamRoster | None = None
    chats: PersonalChats | None = None
    tags: TagStatus | None = None


@dataclass(frozen=True)
class Env:
    """Everything a command handler may use."""

    store: Store
    teams: TeamsStore
    outbox: Outbox
    clock: Clock
    more: Collaborators = field(default_factory=Collaborators)


@dataclass(frozen=True)
class Caller:
    """Who is talking, resolved: `email` is None for someone Rota cannot place yet."""

    user: ChatUser
    email: str | None
    zone: str
    conversation: ConversationRecord
    is_team_owner: bool = False

    @property
    def scope(self) -> Scope:
        return Scope.PERSONAL if self.conversation.kind is ConversationKind.PERSONAL else Scope.CHANNEL

    @property
    def actor(self) -> str:
        return f"{ACTOR_PREFIX}{self.email or self.user.teams_id}"

    @property
    def name(self) -> str:
        """How to name them to others: email, else their Teams display name."""
        return self.email or self.user.name or self.user.teams_id

    def require_email(self) -> str:
        if self.email is None:
            raise Refused(
                "I don't know your email yet, so I can't tell which shifts are yours.",
                "Teams hasn't told me who you are: say hello to me in a personal chat, "
                "or ask a team owner to check that Rota can read the team's members.",
            )
        return self.email


@dataclass(frozen=True)
class Rotations:
    """Every rotation as stored at the start of the command (the engine needs the others to
    answer for a secondary that is another rotation)."""

    by_name: Mapping[str, Rotation]

    @property
    def names(self) -> list[str]:
        return sorted(self.by_name)

    def get(self, name: str) -> Rotation:
        """The named rotation, or a refusal that lists the known ones."""
        found = self.by_name.get(name)
        if found is None:
            raise Refused(f"I don't know a rotation called “{name}”.", known_rotations_hint(self.names))
        return found

    def of_member(self, email: str) -> list[Rotation]:
        return [self.by_name[name] for name in self.names if email in self.by_name[name].members]

    def primary_at(self, rotation: Rotation, at: datetime) -> str | None:
        return on_call(rotation, at, self.by_name).primary


async def load_rotations(env: Env) -> Rotations:
    return Rotations({rotation.name: rotation for rotation in await env.store.list_rotations()})


def known_rotations_hint(names: Sequence[str]) -> str:
    if not names:
        return "There are no rotations yet: type “setup” to create one."
    return f"Rotations I know: {', '.join(names)}."


async def display_names(env: Env, emails: Iterable[str | None]) -> dict[str, str]:
    """Display names for the cards, where Rota knows them."""
    people = await env.teams.people(e for e in emails if e)
    return {email: p.display_name for email, p in people.items() if p.display_name}


async def email_of(env: Env, person: PersonRef) -> str:
    """The email of someone named in a command (typed, or an @mention Rota can place)."""
    if person.is_email:
        return normalize_email(person.key)
    known = await env.teams.find_person(teams_id=person.key, aad_object_id=person.key)
    if known is None:
        name = person.display_name or "them"
        raise Refused(
            f"I don't know {name}'s email yet: they haven't talked to me.",
            "Write their email instead of the @mention, e.g. swap fri with bob@example.com.",
        )
    return known.email


def mention_of(person: Person | None, email: str, names: Mapping[str, str]) -> tuple[str, Mention | None]:
    """How to name someone in a message, and the Teams mention that notifies them (None when
    Rota does not know their Teams id)."""
    shown = names.get(email, email)
    if person is None or not person.teams_id:
        return shown, None
    return shown, Mention(teams_id=person.teams_id, name=shown, email=email)


def checked_email(value: str | None) -> str | None:
    """An email as the boundary sent it, if it is one."""
    if not value:
        return None
    try:
        return normalize_email(value)
    except ValidationError:
        return None


# --- which rotation a command is about ---------------------------------------------------


def not_bound(rotations: Rotations) -> Refused:
    return Refused(
        "This channel isn't bound to a rotation yet.",
        f"A rotation owner can type “@Rota bind <rotation>”. {known_rotations_hint(rotations.names)}",
    )


async def bound_here(env: Env, caller: Caller, rotations: Rotations) -> Rotation | None:
    """The rotation the channel belongs to (None in a personal chat or an unbound channel)."""
    if caller.scope is Scope.PERSONAL:
        return None
    name = await env.teams.bound_rotation(caller.conversation.key)
    return rotations.by_name.get(name) if name else None


async def channel_or(env: Env, caller: Caller, rotations: Rotations, personal: list[Rotation]) -> list[Rotation]:
    """The channel's rotation in a channel (refused if it has none), `personal` in a 1:1 chat."""
    if caller.scope is Scope.PERSONAL:
        return personal
    bound = await bound_here(env, caller, rotations)
    if bound is None:
        raise not_bound(rotations)
    return [bound]


async def rotations_in_view(env: Env, caller: Caller, rotations: Rotations, named: str | None) -> list[Rotation]:
    """The rotation named, else the channel's, else (in a personal chat) the caller's own."""
    if named is not None:
        return [rotations.get(named)]
    if caller.scope is Scope.CHANNEL:
        return await channel_or(env, caller, rotations, [])
    mine = rotations.of_member(caller.require_email())
    if not mine:
        hint = f"Type “join <rotation>”. {known_rotations_hint(rotations.names)}"
        raise Refused("You aren't in any rotation yet.", hint)
    return mine


async def working_rotation(env: Env, caller: Caller, rotations: Rotations) -> Rotation:
    """The rotation of a command about the current shift (log, handover, backlog): the
    channel's; in a personal chat the one the caller is on duty in, else the only one they are in."""
    candidates = await rotations_in_view(env, caller, rotations, None)
    if len(candidates) == 1:
        return candidates[0]
    now = env.clock()
    on_duty = [r for r in candidates if rotations.primary_at(r, now) == caller.email]
    if len(on_duty) == 1:
        return on_duty[0]
    names = ", ".join(r.name for r in candidates)
    raise Refused(f"You are in several rotations ({names}), so I can't tell which one you mean.",
                  "Type the command in the rotation's channel, after @Rota.")  # fmt: skip


# --- who may change a rotation ---------------------------------------------------------------


async def require_manager(env: Env, caller: Caller, rotation: str, change: str) -> str:
    """The caller's email, if they own the rotation or the team; otherwise a refusal that
    says who can make the change."""
    email = caller.require_email()
    owners = await env.teams.owners(rotation)
    if email in owners or caller.is_team_owner or await _owns_team(env, caller):
        return email
    names = await display_names(env, owners)
    if owners:
        hint = f"Ask {', '.join(names.get(o, o) for o in owners)}, or an owner of the team."
    else:
        hint = f"{rotation} has no owner in Rota yet: ask an owner of the team."
    raise Refused(f"{change} needs an owner of {rotation} or of the team, and you are neither.", hint)


async def _owns_team(env: Env, caller: Caller) -> bool:
    roster = env.more.roster
    if roster is None or caller.conversation.team_id is None:
        return False
    return await roster.is_team_owner(caller.conversation, caller.user)
