"""Activities ↔ the domain's conversation types: pure conversions, no I/O.

What Teams sends is read defensively (older payloads lack `conversationType`, a card
action may lack `verb`); what the bot sends is built here so every reply, proactive
message and card refresh has one shape.

Mentions going out: a `Mention` named "Bob Smith" is written `<at>Bob Smith</at>` in the
text. The domain writes `@Bob Smith` where the mention belongs (the first one is replaced);
a mention the text does not name is put in front of it. A tag's mention entity names the
tag's id and display name and says `type: tag` (Teams then notifies the tag's members);
a person's says nothing beside the id and name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)
from botbuilder.schema import Mention as MentionEntity

from bot.conversations import (
    CardAction,
    CardActionResult,
    ChatTurn,
    ChatUser,
    ConversationKind,
    ConversationRecord,
    Mention,
    MentionKind,
    OutgoingMessage,
    Reply,
)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
CARD_ACTION_INVOKE = "adaptiveCard/action"
TEAMS_LINK = "https://teams.microsoft.com/l/message"
THREAD_MARK = ";messageid="
DEFAULT_ZONE = "UTC"
_KINDS = {kind.value: kind for kind in ConversationKind}
_MENTION_KINDS = {kind.value: kind for kind in MentionKind if kind is not MentionKind.PERSON}


# --- reading what Teams sends -----------------------------------------------------------


def split_thread(conversation_id: str) -> tuple[str, str | None]:
    """A channel conversation id names the thread as `<channel>;messageid=<root>`."""
    base, mark, root = conversation_id.partition(THREAD_MARK)
    return base, (root or None) if mark else None


def conversation_kind(activity: Activity) -> ConversationKind:
    """From `conversationType`; older payloads only say `isGroup` and carry the team."""
    conversation = activity.conversation
    declared = _KINDS.get(getattr(conversation, "conversation_type", None) or "")
    if declared is not None:
        return declared
    if _channel_data(activity).get("team") or getattr(conversation, "is_group", False):
        return ConversationKind.CHANNEL
    return ConversationKind.PERSONAL


def conversation_record(activity: Activity, *, person: str | None = None) -> ConversationRecord:
    """Where this activity happened, as a place the bot can write to later. For a channel
    that is the channel itself (not the thread), so proactive posts start a new thread."""
    data = _channel_data(activity)
    team = data.get("team") or {}
    kind = conversation_kind(activity)
    base, _ = split_thread(activity.conversation.id)
    channel_id = None
    if kind is ConversationKind.CHANNEL:
        selected = (data.get("settings") or {}).get("selectedChannel") or {}
        channel_id = (data.get("channel") or {}).get("id") or data.get("teamsChannelId") or selected.get("id") or base
    tenant = (data.get("tenant") or {}).get("id") or getattr(activity.conversation, "tenant_id", None)
    reference = _reference(activity, base)
    return ConversationRecord(
        key=base,
        kind=kind,
        service_url=activity.service_url,
        conversation_id=base,
        tenant_id=tenant,
        team_id=team.get("id") or data.get("teamsTeamId"),
        team_aad_group_id=team.get("aadGroupId"),
        channel_id=channel_id,
        person=person if kind is ConversationKind.PERSONAL else None,
        reference=reference.serialize(),
    )


def channel_record(team: ConversationRecord, channel_id: str) -> ConversationRecord:
    """Another channel of a team the bot is in, addressed like the one it was added in."""
    conversation = ConversationAccount(id=channel_id, is_group=True, conversation_type=ConversationKind.CHANNEL.value)
    return replace(team, key=channel_id, conversation_id=channel_id, channel_id=channel_id, person=None,
                   reference=_readdressed(team, conversation, user=None))  # fmt: skip


def personal_record(*, conversation_id: str, via: ConversationRecord, user: ChatUser) -> ConversationRecord:
    """A 1:1 chat the bot opened with `user` through the service (and as the bot) of `via`."""
    conversation = ConversationAccount(id=conversation_id, conversation_type=ConversationKind.PERSONAL.value)
    account = ChannelAccount(id=user.teams_id, name=user.name, aad_object_id=user.aad_object_id)
    return replace(via, key=conversation_id, kind=ConversationKind.PERSONAL, conversation_id=conversation_id,
                   team_id=None, team_aad_group_id=None, channel_id=None, person=user.email,
                   reference=_readdressed(via, conversation, user=account))  # fmt: skip


def _readdressed(
    record: ConversationRecord, conversation: ConversationAccount, *, user: ChannelAccount | None
) -> dict[str, Any]:
    """The record's stored reference (same bot, service and channel) for another conversation."""
    reference = ConversationReference().deserialize(record.reference)
    conversation.tenant_id = record.tenant_id
    reference.conversation, reference.user, reference.activity_id = conversation, user, None
    return reference.serialize()


def _reference(activity: Activity, conversation_id: str) -> ConversationReference:
    conversation = ConversationAccount().deserialize(activity.conversation.serialize())
    conversation.id = conversation_id
    return ConversationReference(
        bot=activity.recipient,
        user=activity.from_property,
        conversation=conversation,
        channel_id=activity.channel_id,
        locale=activity.locale,
        service_url=activity.service_url,
    )


def user_zone(activity: Activity) -> str:
    """The writer's IANA zone: `localTimezone`, else the clientInfo entity's, else UTC."""
    candidates = [getattr(activity, "local_timezone", None)]
    candidates += [props.get("timezone") for kind, props in _entities(activity) if kind == "clientinfo"]
    for name in candidates:
        if isinstance(name, str) and _known_zone(name):
            return name
    return DEFAULT_ZONE


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def chat_user(activity: Activity, *, email: str | None) -> ChatUser | None:
    """The person behind the activity; None when it comes from no user (the bot, a system event)."""
    sender = activity.from_property
    if sender is None or not sender.id or sender.id == _id(activity.recipient):
        return None
    return ChatUser(
        teams_id=sender.id,
        name=sender.name,
        aad_object_id=getattr(sender, "aad_object_id", None),
        email=email,
        timezone=user_zone(activity),
    )


def mentioned(activity: Activity) -> list[Mention]:
    """People, tags, the team and channels mentioned in the message, the bot itself left out."""
    found = []
    for kind, props in _entities(activity):
        who = props.get("mentioned") or {}
        if kind == "mention" and who.get("id") and not _is_bot(who["id"], activity):
            found.append(Mention(teams_id=who["id"], name=who.get("name") or "", kind=_mention_kind(who, activity)))
    return found


def _mention_kind(who: Mapping[str, Any], activity: Activity) -> MentionKind:
    """Teams says `type: tag` (or `team`, `channel`) beside what is not a person; a mention
    of the team's own id that says nothing is the team too."""
    declared = _MENTION_KINDS.get(str(who.get("type") or "").lower())
    if declared is not None:
        return declared
    team = (_channel_data(activity).get("team") or {}).get("id")
    return MentionKind.TEAM if team and who.get("id") == team else MentionKind.PERSON


def addressed(activity: Activity) -> bool:
    """Whether the message is meant for the bot: a personal chat, or a message carrying the
    bot's own mention entity (with every channel message delivered, most are not)."""
    return conversation_kind(activity) is ConversationKind.PERSONAL or bool(_bot_mentions(activity))


def text_without_bot_mention(activity: Activity) -> str:
    """The message text with each `<at>…</at>` that names the bot (by its mention entity) removed."""
    text = activity.text or ""
    for props in _bot_mentions(activity):
        tag = props.get("text")
        if tag:
            text = text.replace(tag, " ")
    return " ".join(text.split())


def _bot_mentions(activity: Activity) -> list[Mapping[str, Any]]:
    """The message's mention entities that name the bot."""
    return [props for kind, props in _entities(activity)
            if kind == "mention" and _is_bot((props.get("mentioned") or {}).get("id"), activity)]  # fmt: skip


def message_link(activity: Activity, record: ConversationRecord) -> str | None:
    """The Teams deep link to a channel message (what "open the message" opens)."""
    if record.kind is not ConversationKind.CHANNEL or not activity.id or not record.channel_id:
        return None
    _, root = split_thread(activity.conversation.id)
    query = {"tenantId": record.tenant_id, "groupId": record.team_aad_group_id,
             "parentMessageId": root or activity.id, "createdTime": activity.id}  # fmt: skip
    present = {key: value for key, value in query.items() if value}
    return f"{TEAMS_LINK}/{quote(record.channel_id, safe='')}/{quote(activity.id, safe='')}?{urlencode(present)}"


def chat_turn(
    activity: Activity,
    *,
    user: ChatUser,
    conversation: ConversationRecord,
    mentions: Sequence[Mention],
    received_at: datetime,
) -> ChatTurn:
    return ChatTurn(
        user=user,
        conversation=conversation,
        text=text_without_bot_mention(activity),
        mentions=tuple(mentions),
        message_id=activity.id,
        message_link=message_link(activity, conversation),
        received_at=received_at,
        addressed=addressed(activity),
    )


def card_action(activity: Activity, *, user: ChatUser, conversation: ConversationRecord) -> CardAction:
    """An `Action.Execute` press; the activity id is that of the message holding the card."""
    value = activity.value if isinstance(activity.value, Mapping) else {}
    action = value.get("action") if isinstance(value.get("action"), Mapping) else {}
    data = action.get("data")
    verb = action.get("verb")
    return CardAction(
        verb=verb if isinstance(verb, str) and verb else None,
        data=dict(data) if isinstance(data, Mapping) else {},
        user=user,
        conversation=conversation,
        activity_id=activity.reply_to_id,
    )


def is_person(account_id: str) -> bool:
    """Teams users are `29:…` (bots are `28:…`; tags and teams have ids of their own)."""
    return account_id.startswith("29:")


def members_added_include_bot(activity: Activity) -> bool:
    return any(_is_bot(member.id, activity) for member in activity.members_added or ())


def _channel_data(activity: Activity) -> Mapping[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, Mapping) else {}


def _entities(activity: Activity) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for entity in activity.entities or ():
        props = getattr(entity, "additional_properties", None) or {}
        yield (entity.type or "").lower(), props


def _id(account: ChannelAccount | None) -> str | None:
    return account.id if account is not None else None


def _is_bot(account_id: str | None, activity: Activity) -> bool:
    """The bot is `28:<app id>`; some clients mention it by the bare app id."""
    bot = _id(activity.recipient)
    if not account_id or not bot:
        return False
    return account_id == bot or account_id == bot.removeprefix("28:")


# --- writing what the bot sends ---------------------------------------------------------


class _MentionedGroup(ChannelAccount):
    """What a mention entity names when it is not a person: `type` says what it is."""

    _attribute_map = {**ChannelAccount._attribute_map, "type": {"key": "type", "type": "str"}}

    def __init__(self, *, type: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.type = type


def _mentioned(mention: Mention) -> ChannelAccount:
    kind = MentionKind(mention.kind)
    if kind is MentionKind.PERSON:
        return ChannelAccount(id=mention.teams_id, name=mention.name)
    return _MentionedGroup(id=mention.teams_id, name=mention.name, type=kind.value)


def message_activity(
    *, text: str | None, card: Mapping[str, Any] | None, mentions: Sequence[Mention] = ()
) -> Activity:
    """A message with text, an Adaptive Card, and real mention entities (Teams notifies those)."""
    written = with_mention_tags(text, mentions)
    activity = Activity(type=ActivityTypes.message, text=written or None)
    if card is not None:
        activity.attachments = [Attachment(content_type=ADAPTIVE_CARD, content=dict(card))]
    if mentions:
        activity.entities = [
            MentionEntity(mentioned=_mentioned(m), text=_tag(m), type="mention") for m in mentions
        ]
    return activity


def reply_activity(reply: Reply) -> Activity:
    return message_activity(text=reply.text, card=reply.card, mentions=reply.mentions)


def outgoing_activity(message: OutgoingMessage) -> Activity:
    return message_activity(text=message.text, card=message.card, mentions=message.mentions)


def with_mention_tags(text: str | None, mentions: Sequence[Mention]) -> str:
    """`text` with each mention written as Teams expects it (see the module docstring)."""
    written = text or ""
    for mention in mentions:
        tag = _tag(mention)
        if tag in written:
            continue
        typed = f"@{mention.name}"
        written = written.replace(typed, tag, 1) if typed in written else f"{tag} {written}".rstrip()
    return written


def _tag(mention: Mention) -> str:
    return f"<at>{mention.name}</at>"


def invoke_body(result: CardActionResult) -> dict[str, Any]:
    """The body of the answer to an `adaptiveCard/action` invoke (Universal Actions)."""
    if result.card is not None:
        return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": result.card}
    return {"statusCode": 200, "type": INVOKE_MESSAGE, "value": result.refused or "Done."}
