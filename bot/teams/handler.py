"""The Teams activity handler: activities in, domain calls, activities out.

Every activity first tells the chat service where it came from and who sent it
(`on_conversation_seen`), so conversation references for proactive messages stay current.
Then a message becomes a `ChatTurn`, the bot being added becomes `on_installed`, and an
`adaptiveCard/action` invoke becomes a `CardAction` for the router. The invoke is answered
here with an `InvokeResponse` built by hand: returning the SDK's `AdaptiveCardInvokeResponse`
gets serialized twice under `CloudAdapter` and Teams sees a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ConversationReference

from bot.conversations import (
    ActionRouter,
    CardActionResult,
    ChatHandler,
    ChatUser,
    ConversationKind,
    ConversationRecord,
    Mention,
    MentionKind,
    Reply,
)
from bot.teams.activities import (
    CARD_ACTION_INVOKE,
    card_action,
    channel_record,
    chat_turn,
    chat_user,
    conversation_record,
    invoke_body,
    is_person,
    members_added_include_bot,
    mentioned,
    reply_activity,
)
from bot.teams.proactive import is_proactive
from bot.teams.roster import TeamsRoster

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side; it has been logged. Please try again in a moment."
_SEEN = "rota.seen"


@dataclass(frozen=True)
class Domain:
    """Where the handler finds the domain, looked up at each turn (the chat service and the
    router are set up by other parts of the service, possibly after this one)."""

    chat: Callable[[], ChatHandler]
    actions: Callable[[], ActionRouter]


@dataclass(frozen=True)
class Seen:
    """The conversation and the person of the current turn."""

    conversation: ConversationRecord
    user: ChatUser | None


class RotaBot(TeamsActivityHandler):
    """Turns each activity into calls on the domain, and the domain's answers into activities."""

    def __init__(self, domain: Domain, roster: TeamsRoster, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self._domain = domain
        self._roster = roster
        self._clock = clock

    async def on_turn(self, turn_context: TurnContext) -> None:
        seen = await self._seen(turn_context)
        turn_context.turn_state[_SEEN] = seen
        await self._domain.chat().on_conversation_seen(seen.conversation, seen.user)
        await super().on_turn(turn_context)

    async def _seen(self, turn_context: TurnContext) -> Seen:
        activity = turn_context.activity
        sender = activity.from_property
        user = chat_user(activity, email=None)
        if user is not None and is_person(sender.id):
            user = replace(user, email=await self._roster.email(turn_context, sender.id))
        person = user.email if user is not None else None
        return Seen(conversation_record(activity, person=person), user)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        seen: Seen = turn_context.turn_state[_SEEN]
        if seen.user is None:
            return
        turn = chat_turn(
            turn_context.activity,
            user=seen.user,
            conversation=seen.conversation,
            mentions=await self._mentions(turn_context),
            received_at=self._clock(),
        )
        await self._reply(turn_context, seen.conversation, await self._domain.chat().on_turn(turn))

    async def _mentions(self, turn_context: TurnContext) -> list[Mention]:
        """The mentions of the message, people with their emails (tags, the team and
        channels have none to look up)."""
        found = []
        for mention in mentioned(turn_context.activity):
            if mention.kind == MentionKind.PERSON and is_person(mention.teams_id):
                mention = replace(mention, email=await self._roster.email(turn_context, mention.teams_id))
            found.append(mention)
        return found

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """The app added to a team or chat: remember every channel and every member, and say
        hello. People added later: remember them (they may be on duty before they write)."""
        chat = self._domain.chat()
        if not members_added_include_bot(turn_context.activity):
            added = [member.id for member in turn_context.activity.members_added or () if is_person(member.id)]
            if added:
                await chat.on_people_seen(await self._roster.members_in_turn(turn_context, added))
            return
        seen: Seen = turn_context.turn_state[_SEEN]
        if seen.conversation.team_id:
            for channel_id in await self._roster.team_channels(turn_context, seen.conversation.team_id):
                if channel_id != seen.conversation.channel_id:
                    await chat.on_conversation_seen(channel_record(seen.conversation, channel_id), None)
        await self._reply(turn_context, seen.conversation, await chat.on_installed(seen.conversation, seen.user))
        await chat.on_people_seen(await self._roster.members_in_turn(turn_context))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name != CARD_ACTION_INVOKE:
            return await super().on_invoke_activity(turn_context)
        seen: Seen = turn_context.turn_state[_SEEN]
        if seen.user is None:
            return InvokeResponse(status=200, body=invoke_body(CardActionResult(refused="Nobody pressed this button.")))
        action = card_action(turn_context.activity, user=seen.user, conversation=seen.conversation)
        try:
            result = await self._domain.actions().dispatch(action)
        except Exception:
            log.exception("a card action failed (verb %r)", action.verb or action.data.get("verb"))
            result = CardActionResult(refused=APOLOGY)
        return InvokeResponse(status=200, body=invoke_body(result))

    async def _reply(self, turn_context: TurnContext, where: ConversationRecord, replies: Sequence[Reply]) -> None:
        """Replies go in the thread of the message (a channel) or after it (a chat); a reply
        with `in_thread=False` in a channel starts a new post there."""
        for reply in replies:
            activity = reply_activity(reply)
            if reply.in_thread or where.kind is not ConversationKind.CHANNEL:
                await turn_context.send_activity(activity)
                continue
            TurnContext.apply_conversation_reference(activity, ConversationReference().deserialize(where.reference))
            await turn_context.adapter.send_activities(turn_context, [activity])

    async def on_error(self, turn_context: TurnContext, error: Exception) -> None:
        """The adapter's `on_turn_error`: a proactive turn's error goes back to its caller;
        a turn Teams sent is logged and answered with an apology, never a stack trace."""
        if is_proactive(turn_context.activity):
            raise error
        log.error("a %s activity failed", turn_context.activity.type, exc_info=error)
        if turn_context.activity.type != "message":
            return
        try:
            await turn_context.send_activity(Activity(type="message", text=APOLOGY))
        except Exception:
            log.exception("could not even apologise in %s", turn_context.activity.conversation.id)
