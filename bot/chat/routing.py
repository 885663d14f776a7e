"""Routed mentions: `@Rota <anything that is not a command>` in a bound channel reaches the
person on duty.

The question gets a card in the thread (mentioning the person on duty, so Teams notifies
them) and a copy in their 1:1 chat, both with `Take it` / `Pass to secondary`. Both go
through the outbox, which knows the activity id each copy got, so that a press on either
copy updates the other in place. Every copy is kept (`RoutedCard`) with the zone its
reader sees times in.

Idempotency keys are derived from the stored question (`routed:<id>:<place>`), and a
message Teams delivers twice is stored once, so nothing is ever posted twice.

* Take: anyone may take an open or passed question; once taken it stays taken (the first
  press wins), and a later press only refreshes the card.
* Pass: only the person it was routed to may pass it, once, to the secondary on duty
  now; the secondary is mentioned in the thread and gets their own copy.

When the app may read every channel message, a message that does not @mention Rota is
routed the same way if it calls on the person on duty: it mentions the tag of the rotation
bound to its channel (by the name the tag sync gives it, or the id it got) or the whole team.
Everything else said in the channel is none of Rota's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.cards import routed_mention_card
from bot.chat.context import Caller, Env, Refused, Rotations, display_names, load_rotations, mention_of, not_bound
from bot.chat.messages import personal_chat
from bot.chat.replies import named
from bot.conversations import CardAction, CardActionResult, ConversationRecord, Mention, OutgoingMessage, Reply
from bot.conversations import MentionKind
from bot.graph.reconcile import default_tag_name
from bot.storage import NotFound
from bot.storage.outbox import TagStateStore
from bot.storage.teams import CardPlace, MentionState, NewMention, RoutedCard, RoutedMention
from shared.oncall import on_call

#: Where "open the message" points when Teams gave no link to it.
TEAMS_HOME = "https://teams.microsoft.com/"


def message_key(mention_id: int, name: str) -> str:
    return f"routed:{mention_id}:{name}"


async def calls_on_duty(env: Env, conversation: ConversationRecord, mentions: Sequence[Mention]) -> bool:
    """Whether a message not addressed to Rota is meant for the person on duty of the
    rotation bound to its channel (only channels are bound)."""
    if not mentions:
        return False
    bound = await env.teams.bound_rotation(conversation.key)
    if bound is None or bound not in (await load_rotations(env)).by_name:
        return False
    if any(m.kind == MentionKind.TEAM for m in mentions):
        return True
    tags = [m for m in mentions if m.kind == MentionKind.TAG]
    return bool(tags) and await _is_rotation_tag(env, bound, tags)


async def _is_rotation_tag(env: Env, rotation: str, tags: Sequence[Mention]) -> bool:
    """By the name the tag sync gives the rotation's tag, or by an id that tag was given."""
    state = TagStateStore(env.store.engine)
    name = (await state.tag_name(rotation) or default_tag_name(rotation)).casefold()
    ids = {r.tag_id for r in await state.records(rotation) if r.tag_id}
    return any(tag.name.lstrip("@").casefold() == name or tag.teams_id in ids for tag in tags)


async def route(env: Env, caller: Caller, text: str, message_id: str | None, link: str | None) -> list[Reply]:
    """Store the question and queue its cards; the answer in the thread is one of those cards."""
    rotations = await load_rotations(env)
    bound = await env.teams.bound_rotation(caller.conversation.key)
    if bound is None or bound not in rotations.by_name:
        refused = not_bound(rotations)
        return [Reply(text=f"{refused.message} I can't tell who is on duty here, so nobody was told. {refused.hint}")]
    rotation = rotations.by_name[bound]
    now = env.clock()
    assigned = on_call(rotation, now, rotations.by_name).primary
    new = NewMention(rotation=bound, conversation_key=caller.conversation.key, message_id=message_id,
                     message_link=link, text=text, asker=caller.name, asked_at=now, assigned=assigned)  # fmt: skip
    mention, _ = await env.teams.route_mention(new)
    in_chat = assigned is not None and await _send_copy(env, mention, assigned, CardPlace.ASSIGNEE,
                                                         via=caller.conversation)  # fmt: skip
    await _post_to_thread(env, mention, rotation.timezone, in_chat)
    return []


async def _post_to_thread(env: Env, mention: RoutedMention, zone: str, in_chat: bool) -> None:
    """The thread's copy, shown in the rotation's zone, with a mention of the person on duty."""
    names = await _names(env, mention)
    if mention.assigned is None:
        text = f"Nobody is on duty in {mention.rotation} right now, so nobody was told. Anyone can take it."
        mentions: tuple[Mention, ...] = ()
    else:
        person = (await env.teams.people([mention.assigned])).get(mention.assigned)
        shown, tagged = mention_of(person, mention.assigned, names)
        text, mentions = _thread_text(mention.rotation, shown, tagged, in_chat)
    card = await _stored_card(env, mention, CardPlace.THREAD, mention.conversation_key, zone)
    await env.outbox.enqueue(OutgoingMessage(
        idempotency_key=card.message_key, conversation_key=mention.conversation_key, text=text,
        card=_card(mention, zone, env, names), mentions=mentions, thread_of=mention.message_id))  # fmt: skip


def _thread_text(rotation: str, shown: str, tagged: Mention | None, has_chat: bool) -> tuple[str, tuple[Mention, ...]]:
    if tagged is None:
        return (f"{shown} is on duty for {rotation}, but hasn't talked to Rota yet, so Teams can't notify them "
                "from here: please let them know.", ())  # fmt: skip
    reach = "" if has_chat else " (they haven't opened a chat with me, so this is the only place they'll see it)"
    return f"@{tagged.name}, a question for you as the person on duty for {rotation}{reach}.", (tagged,)


async def _send_copy(
    env: Env, mention: RoutedMention, email: str, place: CardPlace, *, via: ConversationRecord | None
) -> bool:
    """A copy in `email`'s 1:1 chat, in their zone; False when Rota cannot write to them."""
    chat = await personal_chat(env, email, via)
    if chat is None:
        return False
    zone = (await env.teams.zones([email])).get(email, "UTC")
    card = await _stored_card(env, mention, place, chat.key, zone)
    names = await _names(env, mention)
    intro = f"A question for you from the {mention.rotation} channel."
    await env.outbox.enqueue(OutgoingMessage(idempotency_key=card.message_key, conversation_key=chat.key,
                                             text=intro, card=_card(mention, zone, env, names)))  # fmt: skip
    return True


async def _stored_card(env: Env, mention: RoutedMention, place: CardPlace, conversation_key: str,
                       zone: str) -> RoutedCard:  # fmt: skip
    copy = RoutedCard(mention.id, place, conversation_key, message_key(mention.id, place.value), zone)
    return await env.teams.add_card(copy)


def _card(mention: RoutedMention, zone: str, env: Env, names: dict[str, str]) -> dict[str, Any]:
    return routed_mention_card(
        item_id=str(mention.id),
        rotation=mention.rotation,
        question=mention.text,
        asked_by=mention.asker,
        asked_at=mention.asked_at,
        message_url=mention.message_link or TEAMS_HOME,
        viewer_zone=zone,
        now=env.clock(),
        passed_by=mention.passed_by,
        passed_to=mention.passed_to,
        passed_at=mention.passed_at,
        taken_by=mention.taken_by,
        taken_at=mention.taken_at,
        people=names,
    )


# --- the buttons -------------------------------------------------------------------------------


async def take(env: Env, caller: Caller, action: CardAction) -> CardActionResult:
    me = caller.require_email()
    mention, zone = await _pressed(env, caller, action)
    updated, changed = await env.teams.take_mention(mention.id, me)
    if changed:
        await _refresh_copies(env, updated, action, "taken")
    return await _result(env, updated, zone)


async def pass_on(env: Env, caller: Caller, action: CardAction) -> CardActionResult:
    me = caller.require_email()
    mention, zone = await _pressed(env, caller, action)
    if mention.state is not MentionState.OPEN:
        return await _result(env, mention, zone)
    if mention.assigned is not None and mention.assigned != me:
        names = await display_names(env, [mention.assigned])
        raise Refused(f"Only {named(mention.assigned, names)}, who it was sent to, can pass it on; you can take it.")
    rotations = await load_rotations(env)
    secondary = _secondary_now(env, rotations, mention.rotation)
    updated, changed = await env.teams.pass_mention(mention.id, me, secondary)
    if changed:
        await _refresh_copies(env, updated, action, "passed")
        await _tell_secondary(env, updated)
    return await _result(env, updated, zone)


def _secondary_now(env: Env, rotations: Rotations, name: str) -> str:
    rotation = rotations.get(name)
    secondary = on_call(rotation, env.clock(), rotations.by_name).secondary
    if secondary is None:
        raise Refused(f"{name} has no secondary on duty right now, so there is nobody to pass it to.",
                      "Take it, or ask in the channel.")  # fmt: skip
    return secondary


async def _tell_secondary(env: Env, mention: RoutedMention) -> None:
    """Mention the secondary in the thread, and give them their own copy."""
    assert mention.passed_to is not None
    names = await _names(env, mention)
    person = (await env.teams.people([mention.passed_to])).get(mention.passed_to)
    shown, tagged = mention_of(person, mention.passed_to, names)
    whom = f"@{tagged.name}" if tagged else shown
    text = f"{whom}, {named(mention.passed_by, names)} passed this on to you, as secondary for {mention.rotation}."
    await env.outbox.enqueue(OutgoingMessage(
        idempotency_key=message_key(mention.id, "passed"), conversation_key=mention.conversation_key, text=text,
        mentions=(tagged,) if tagged else (), thread_of=mention.message_id))  # fmt: skip
    via = await _thread_conversation(env, mention)
    await _send_copy(env, mention, mention.passed_to, CardPlace.SECONDARY, via=via)


async def _thread_conversation(env: Env, mention: RoutedMention) -> ConversationRecord | None:
    try:
        return await env.teams.get_conversation(mention.conversation_key)
    except NotFound:
        return None


async def _pressed(env: Env, caller: Caller, action: CardAction) -> tuple[RoutedMention, str]:
    """The question the pressed card is about and the zone that copy is shown in; the
    copy's activity id is noted on the way."""
    raw = action.data.get("routed")
    try:
        mention = await env.teams.get_mention(int(str(raw)))
    except (ValueError, NotFound) as missing:
        raise Refused("I can't find that question any more.") from missing
    zone = caller.zone
    for copy in await env.teams.cards(mention.id):
        if copy.conversation_key != action.conversation.key:
            continue
        zone = copy.viewer_zone
        if action.activity_id and copy.activity_id is None:
            await env.teams.set_card_activity(mention.id, copy.place, action.activity_id)
    return mention, zone


async def _refresh_copies(env: Env, mention: RoutedMention, action: CardAction, outcome: str) -> None:
    """Update every copy but the pressed one in place; a copy not delivered yet is followed by
    the updated card as a new message (in the thread, for the thread's copy)."""
    names = await _names(env, mention)
    for copy in await env.teams.cards(mention.id):
        if copy.conversation_key == action.conversation.key:
            continue
        activity = copy.activity_id or await env.outbox.activity_id_for(copy.message_key)
        thread = mention.message_id if copy.place is CardPlace.THREAD and activity is None else None
        await env.outbox.enqueue(OutgoingMessage(
            idempotency_key=f"{copy.message_key}:{outcome}", conversation_key=copy.conversation_key,
            card=_card(mention, copy.viewer_zone, env, names), replaces=activity, thread_of=thread))  # fmt: skip


async def _result(env: Env, mention: RoutedMention, zone: str) -> CardActionResult:
    """The card as it stands, for the copy that was pressed."""
    return CardActionResult(card=_card(mention, zone, env, await _names(env, mention)))


async def _names(env: Env, mention: RoutedMention) -> dict[str, str]:
    people = (mention.asker, mention.assigned, mention.passed_by, mention.passed_to, mention.taken_by)
    return await display_names(env, people)
