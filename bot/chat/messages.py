"""Proactive messages to one person: through the outbox, into their 1:1 chat with the bot."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.chat.context import Env
from bot.conversations import ChatUser, ConversationRecord, OutgoingMessage

log = logging.getLogger(__name__)


async def personal_chat(env: Env, email: str, via: ConversationRecord | None = None) -> ConversationRecord | None:
    """The person's 1:1 chat with the bot; opened through `via` (a team or chat they are in)
    when they never wrote to the bot and Rota knows their Teams id. None when neither works."""
    known = await env.teams.personal_conversation_for(email)
    if known is not None or via is None or env.more.chats is None:
        return known
    person = (await env.teams.people([email])).get(email)
    if person is None or not person.teams_id:
        return None
    user = ChatUser(teams_id=person.teams_id, name=person.display_name, aad_object_id=person.aad_object_id,
                    email=email)  # fmt: skip
    try:
        opened = await env.more.chats.open_personal(via, user)
    except Exception:
        log.warning("could not open a personal chat with %s; they will not get a direct message", email,
                    exc_info=True)  # fmt: skip
        return None
    return await env.teams.save_conversation(replace(opened, person=email))


async def direct_message(
    env: Env,
    email: str,
    key: str,
    *,
    text: str | None = None,
    card: dict[str, Any] | None = None,
    via: ConversationRecord | None = None,
) -> ConversationRecord | None:
    """Queue a message for `email` under the idempotency `key`; returns the chat it goes to,
    or None when Rota cannot write to them."""
    chat = await personal_chat(env, email, via)
    if chat is not None:
        await env.outbox.enqueue(OutgoingMessage(idempotency_key=key, conversation_key=chat.key, text=text, card=card))
    return chat
