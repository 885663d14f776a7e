"""The chat service: what Rota answers in Teams, behind the `ChatHandler` seam.

`ChatService` reads a turn with the command parser, works out who is asking (the
email behind the Teams user, their time zone), runs the command, and answers with
cards or text. It is also the handler of the `mention.` and `rotation.` card actions
(`register_actions`).

Every failure a person can cause is a friendly reply, never an exception to the
boundary: the parser's refusals, a `Refused` from a command, and the storage's
`NotFound`, `Conflict` and `ValidationError`. A fault of Rota's own is logged and
answered with an apology. Changes are written in one transaction each, after every
check has passed, so a refused or failed command changes nothing.

Who is asking: the boundary gives the email when it knows it (the roster); otherwise the
person is looked up by their Entra object id, then their Teams id, among the people Rota
has seen. Their zone is the one the Teams client reports, else the one it reported last.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from bot.cards import welcome_card
from bot.cards.chat import SETUP_OPEN_VERB
from bot.cards.routed import PASS_VERB, TAKE_VERB
from bot.cards.setup import SETUP_VERB
from bot.chat import asking, changes, routing, setup_flow, shiftbook
from bot.chat.commands import (
    Ack,
    Away,
    BacklogAdd,
    BacklogDone,
    BacklogList,
    BacklogTake,
    Bind,
    Command,
    Cover,
    Handover,
    Help,
    IntegrationAdd,
    Join,
    Leave,
    Log,
    LogBook,
    MyShifts,
    NotACommand,
    ParseError,
    Report,
    Schedule,
    Setup,
    Swap,
    Tray,
    Who,
    clean_text,
    parse,
)
from bot.chat.context import Caller, Clock, Collaborators, Env, Refused, checked_email, load_rotations
from bot.chat.dates import UTC_NAME, resolve_zone
from bot.chat.extras import acknowledge, integration_add, pairing_code, report
from bot.chat.ports import Outbox
from bot.chat.reminders import REMIND_HANDLERS
from bot.chat.replies import parse_refusal, refusal, say
from bot.conversations import (
    ActionRouter,
    CardAction,
    CardActionResult,
    ChatTurn,
    ChatUser,
    ConversationKind,
    ConversationRecord,
    Reply,
)
from bot.storage import Conflict, NotFound, Person, Store
from bot.storage.store import PERSON_FIELD_LENGTHS
from bot.storage.teams import TeamsStore
from bot.shifts.chat import DUTY_HANDLERS
from shared.rotation import ValidationError

log = logging.getLogger(__name__)

CommandHandler = Callable[[Env, Caller, Any], Awaitable[list[Reply]]]
ActionHandler = Callable[[Env, Caller, CardAction], Awaitable[CardActionResult]]

COMMAND_HANDLERS: dict[type, CommandHandler] = {
    Help: asking.answer_help,
    Who: asking.answer_who,
    Schedule: asking.answer_schedule,
    MyShifts: asking.answer_my_shifts,
    Swap: changes.swap,
    Cover: changes.cover,
    Away: changes.away,
    Join: changes.join,
    Leave: changes.leave,
    Bind: changes.bind,
    Setup: setup_flow.open_form,
    Log: shiftbook.log,
    Handover: shiftbook.handover,
    LogBook: shiftbook.logbook,
    BacklogList: shiftbook.backlog,
    BacklogAdd: shiftbook.backlog_add,
    BacklogTake: shiftbook.backlog_take,
    BacklogDone: shiftbook.backlog_done,
    Ack: acknowledge,
    IntegrationAdd: integration_add,
    Tray: pairing_code,
    Report: report,
    **DUTY_HANDLERS,
    **REMIND_HANDLERS,
}

ACTION_HANDLERS: dict[str, ActionHandler] = {
    TAKE_VERB: routing.take,
    PASS_VERB: routing.pass_on,
    SETUP_VERB: setup_flow.submit,
    SETUP_OPEN_VERB: setup_flow.open_form_action,
}

SORRY = "Something went wrong on my side and I couldn't finish that. Please try again in a moment."


class ChatService:
    """Implements `bot.conversations.ChatHandler`, and the chat's card actions."""

    def __init__(
        self,
        store: Store,
        teams: TeamsStore,
        outbox: Outbox,
        clock: Clock,
        collaborators: Collaborators | None = None,
    ) -> None:
        self._env = Env(store, teams, outbox, clock, collaborators or Collaborators())

    def register_actions(self, router: ActionRouter) -> None:
        """Take the `mention.` and `rotation.` buttons."""
        router.register("mention.", self.on_action)
        router.register("rotation.", self.on_action)

    # --- ChatHandler -------------------------------------------------------------------------

    async def on_turn(self, turn: ChatTurn) -> list[Reply]:
        if not turn.addressed:
            return await self._overheard(turn)
        try:
            caller = await self._caller(turn.user, turn.conversation, is_team_owner=turn.is_team_owner)
            mentions = [(m.name, m.email or m.teams_id) for m in turn.mentions]
            parsed = parse(turn.text, mentions, self._env.clock(), caller.zone, scope=caller.scope)
            return await self._answer(parsed, caller, turn)
        except Refused as refused:
            return [refusal(refused)]
        except (NotFound, Conflict, ValidationError) as problem:
            return [refusal(_explained(problem))]
        except Exception:
            log.exception("a chat message could not be answered")
            return [say(SORRY)]

    async def _overheard(self, turn: ChatTurn) -> list[Reply]:
        """A channel message not addressed to Rota: routed like `@Rota <text>` when it calls
        on the person on duty, else left alone. Never parsed as a command, and never
        answered with an error: the people talking were not talking to Rota."""
        try:
            if not await routing.calls_on_duty(self._env, turn.conversation, turn.mentions):
                return []
            caller = await self._caller(turn.user, turn.conversation, is_team_owner=turn.is_team_owner)
            text = clean_text(turn.text, [(m.name, m.teams_id) for m in turn.mentions])
            return await routing.route(self._env, caller, text, turn.message_id, turn.message_link)
        except Exception:
            log.exception("a message for the person on duty could not be routed")
            return []

    async def on_installed(self, conversation: ConversationRecord, user: ChatUser | None) -> list[Reply]:
        """Remember the conversation and say hello with the rotations there are to bind."""
        await self.on_conversation_seen(conversation, user)
        rotations = await load_rotations(self._env)
        return [Reply(card=welcome_card(rotations=rotations.names))]

    async def on_conversation_seen(self, conversation: ConversationRecord, user: ChatUser | None) -> None:
        """Keep the conversation reference, and the person's ids, name and zone, fresh. A
        value Teams sent that Rota cannot keep (an over-long id) is logged and left out."""
        try:
            email = await self._remember(user) if user is not None else None
            if conversation.kind is ConversationKind.PERSONAL and email is not None:
                conversation = replace(conversation, person=email)
            await self._env.teams.save_conversation(conversation)
        except ValidationError as error:
            log.warning("conversation %s not remembered: %s", conversation.key[:80], error)

    async def on_people_seen(self, users: Sequence[ChatUser]) -> None:
        """Remember each person the roster names (ids, name; never a zone, which only their
        own messages report). One who cannot be placed (no email) is left out."""
        for user in users:
            try:
                await self._remember(user)
            except ValidationError as error:
                log.warning("a member of a roster was not remembered: %s", error)

    async def _remember(self, user: ChatUser) -> str | None:
        """The person's email, having stored their ids, name and (when their client reports
        one) zone; None for someone Rota cannot place yet."""
        email = await self._email_of(user)
        if email is None:
            return None
        await self._env.store.upsert_person(_person(email, user))
        zone = _reported_zone(user)
        if zone is not None and (await self._env.teams.zones([email])).get(email) != zone:
            await self._env.teams.set_zone(email, zone)
        return email

    # --- card actions --------------------------------------------------------------------------

    async def on_action(self, action: CardAction) -> CardActionResult:
        """`mention.take`, `mention.pass`, `rotation.setup`, `rotation.setup.open`."""
        verb = action.verb or action.data.get("verb")
        handler = ACTION_HANDLERS.get(verb) if isinstance(verb, str) else None
        if handler is None:
            return CardActionResult(refused="Rota doesn't know this button any more; the card may be out of date.")
        try:
            caller = await self._caller(action.user, action.conversation, is_team_owner=False)
            return await handler(self._env, caller, action)
        except Refused as refused:
            return CardActionResult(refused=_one_line(refused))
        except (NotFound, Conflict, ValidationError) as problem:
            return CardActionResult(refused=_one_line(_explained(problem)))
        except Exception:
            log.exception("a card action could not be handled")
            return CardActionResult(refused=SORRY)

    # --- who is asking -------------------------------------------------------------------------

    async def _answer(self, parsed: Command | NotACommand | ParseError, caller: Caller, turn: ChatTurn) -> list[Reply]:
        if isinstance(parsed, ParseError):
            return [parse_refusal(parsed)]
        if isinstance(parsed, NotACommand):
            return await routing.route(self._env, caller, parsed.text, turn.message_id, turn.message_link)
        return await COMMAND_HANDLERS[type(parsed)](self._env, caller, parsed)

    async def _caller(self, user: ChatUser, conversation: ConversationRecord, *, is_team_owner: bool) -> Caller:
        conversation = await self._with_stored_team(conversation)
        email = await self._email_of(user)
        zone = _reported_zone(user)
        if zone is None and email is not None:
            zone = (await self._env.teams.zones([email])).get(email)
        return Caller(user=user, email=email, zone=zone or UTC_NAME, conversation=conversation,
                      is_team_owner=is_team_owner)  # fmt: skip

    async def _with_stored_team(self, conversation: ConversationRecord) -> ConversationRecord:
        """A channel message names its team but not the team's group id, which came with the
        app's installation; who owns the team is asked of Graph by that id."""
        if conversation.team_id is None or conversation.team_aad_group_id is not None:
            return conversation
        try:
            stored = await self._env.teams.get_conversation(conversation.key)
        except NotFound:
            return conversation
        return replace(conversation, team_aad_group_id=stored.team_aad_group_id,
                       tenant_id=conversation.tenant_id or stored.tenant_id)

    async def _email_of(self, user: ChatUser) -> str | None:
        given = checked_email(user.email)
        if given is not None:
            return given
        known = await self._env.teams.find_person(aad_object_id=user.aad_object_id, teams_id=user.teams_id)
        return known.email if known else None


def _reported_zone(user: ChatUser) -> str | None:
    """The zone the Teams client reported; None when it reported none (the boundary then
    says UTC, which must not overwrite a zone reported before) or one Rota doesn't know."""
    zone = user.timezone
    return zone if zone != UTC_NAME and resolve_zone(zone).key == zone else None


def _person(email: str, user: ChatUser) -> Person:
    """What Teams says about a person, cut to what the store keeps."""
    limits = PERSON_FIELD_LENGTHS
    name = user.name[: limits["display_name"]] if user.name else None
    teams_id = user.teams_id if len(user.teams_id) <= limits["teams_id"] else None
    aad = user.aad_object_id if user.aad_object_id and len(user.aad_object_id) <= limits["aad_object_id"] else None
    return Person(email=email, display_name=name, teams_id=teams_id, aad_object_id=aad)


def _explained(problem: Exception) -> Refused:
    """A storage refusal in words for the person who typed the command."""
    if isinstance(problem, NotFound):
        return Refused(f"I can't find the {problem.kind} “{problem.key}”.", "It may have been removed meanwhile.")
    if isinstance(problem, ValidationError):
        return Refused(f"That doesn't work: {problem.message}.", f"Check the {problem.field} and try again.")
    return Refused("Someone changed the same thing at the same moment, so I changed nothing.", "Please try again.")


def _one_line(refused: Refused) -> str:
    return f"{refused.message} {refused.hint}" if refused.hint else refused.message
