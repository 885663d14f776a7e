"""How the chat service words its answers: plain text for confirmations, the error card for
refusals, periods in the reader's own zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards import error_card
from bot.cards.wording import person, stamp
from bot.chat.commands import ParseError
from bot.chat.context import Refused
from bot.conversations import Mention, Reply


def say(text: str, *mentions: Mention) -> Reply:
    return Reply(text=text, mentions=tuple(mentions))


def refusal(refused: Refused) -> Reply:
    """The error card alone: it says what was wrong and what would work (text beside it would
    only say the first part twice)."""
    return Reply(card=error_card(message=refused.message, hint=refused.hint))


def parse_refusal(error: ParseError) -> Reply:
    return Reply(card=error_card(message=error.message, hint=error.hint))


def period(start: datetime, end: datetime, zone: str) -> str:
    """`Fri 6 Mar 12:00 → Mon 9 Mar 12:00`, in `zone`."""
    local = ZoneInfo(zone)
    return f"{stamp(start, local)} → {stamp(end, local)}"


def named(email: str | None, names: Mapping[str, str]) -> str:
    """A display name where one is known; `nobody` for a gap."""
    return person(email, names)
