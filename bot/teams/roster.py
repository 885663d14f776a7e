"""Who is who in Teams: the email behind a Teams id, a team's channels, a conversation's
members, and 1:1 chats the bot opens with someone who never wrote to it.

Teams identifies people by `29:…` ids and Entra object ids; rotations know them by their
user principal name. The Bot Connector's roster (`/v3/conversations/{id}/members`) links
the two; answers are remembered (a bounded, least-recently-used map), since a person's
UPN practically never changes while the service runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference
from botframework.connector.teams import TeamsConnectorClient

from bot.conversations import ChatUser, ConversationRecord
from bot.teams.activities import personal_record
from bot.teams.failures import CONNECTOR_ERRORS
from bot.teams.proactive import connector_of, in_conversation
from shared.rotation import EMAIL_PATTERN

log = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 10_000


def member_email(member: ChannelAccount) -> str | None:
    """A roster entry's UPN (else its email), lower-cased; None when it has neither."""
    extra = getattr(member, "additional_properties", None) or {}
    candidates = (
        extra.get("userPrincipalName"),
        getattr(member, "user_principal_name", None),
        extra.get("email"),
        getattr(member, "email", None),
    )
    for value in candidates:
        if isinstance(value, str) and EMAIL_PATTERN.match(value.strip()):
            return value.strip().lower()
    return None


def member_user(member: ChannelAccount) -> ChatUser:
    extra = getattr(member, "additional_properties", None) or {}
    return ChatUser(
        teams_id=member.id,
        name=member.name,
        aad_object_id=getattr(member, "aad_object_id", None) or extra.get("objectId"),
        email=member_email(member),
    )


class TeamsRoster:
    """Roster look-ups, in a turn (through its connector) or from a stored conversation."""

    def __init__(self, adapter: CloudAdapter, app_id: str, *, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._cache_size = cache_size
        self._emails: OrderedDict[str, str] = OrderedDict()

    async def email(self, turn_context: TurnContext, teams_id: str) -> str | None:
        """The UPN of a person in this turn's conversation; None when the roster does not say."""
        known = self._emails.get(teams_id)
        if known is not None:
            self._emails.move_to_end(teams_id)
            return known
        conversation_id = turn_context.activity.conversation.id
        try:
            member = await connector_of(turn_context).conversations.get_conversation_member(conversation_id, teams_id)
        except CONNECTOR_ERRORS as exc:
            log.info("the roster has no email for a member of %s: %s", conversation_id, exc)
            return None
        found = member_email(member)
        if found is not None:
            self._remember(teams_id, found)
        return found

    def _remember(self, teams_id: str, email: str) -> None:
        self._emails[teams_id] = email
        if len(self._emails) > self._cache_size:
            self._emails.popitem(last=False)

    async def team_channels(self, turn_context: TurnContext, team_id: str) -> list[str]:
        """The ids of a team's channels (the General channel's is the team's own id). The SDK
        only has a blocking client for this call, so it runs in a thread."""
        credentials = connector_of(turn_context).config.credentials
        client = TeamsConnectorClient(credentials, turn_context.activity.service_url)
        try:
            found = await asyncio.to_thread(client.teams.get_teams_channels, team_id)
        except CONNECTOR_ERRORS as exc:
            log.warning("cannot list the channels of team %s: %s", team_id, exc)
            return []
        return [channel.id for channel in found.conversations or () if channel.id]

    async def members_in_turn(self, turn_context: TurnContext, ids: list[str] | None = None) -> list[ChatUser]:
        """The members of this turn's conversation (a team's channel: the whole team), or
        only those with `ids`; empty, and logged, when the Connector cannot say."""
        conversations = connector_of(turn_context).conversations
        conversation_id = turn_context.activity.conversation.id
        try:
            if ids is None:
                members = await conversations.get_conversation_members(conversation_id)
            else:
                members = [await conversations.get_conversation_member(conversation_id, i) for i in ids]
        except CONNECTOR_ERRORS as exc:
            log.warning("cannot read the members of %s: %s", conversation_id, exc)
            return []
        found = [member_user(m) for m in members]
        for user in found:
            if user.email:
                self._remember(user.teams_id, user.email)
        return found

    async def members(self, conversation: ConversationRecord) -> list[ChatUser]:
        """Everyone in a conversation (a team's channel: the whole team). Connector errors
        propagate (see `bot.teams.failures`)."""

        async def work(turn_context: TurnContext) -> list[Any]:
            return await connector_of(turn_context).conversations.get_conversation_members(conversation.conversation_id)

        members = await in_conversation(self._adapter, self._app_id, conversation.reference, work)
        found = [member_user(m) for m in members]
        for user in found:
            if user.email:
                self._remember(user.teams_id, user.email)
        return found

    async def open_personal(self, via: ConversationRecord, user: ChatUser) -> ConversationRecord:
        """A 1:1 chat with `user` (a member of the team or chat of `via`), created if needed;
        Teams answers with the existing one when there is one."""
        reference = ConversationReference().deserialize(via.reference)
        parameters = ConversationParameters(
            is_group=False,
            bot=reference.bot,
            members=[ChannelAccount(id=user.teams_id)],
            tenant_id=via.tenant_id,
            channel_data={"tenant": {"id": via.tenant_id}} if via.tenant_id else None,
        )
        created: list[str] = []

        async def callback(turn_context: TurnContext) -> None:
            created.append(turn_context.activity.conversation.id)

        await self._adapter.create_conversation(
            self._app_id, callback, parameters, reference.channel_id, via.service_url, None
        )
        return personal_record(conversation_id=created[0], via=via, user=user)
