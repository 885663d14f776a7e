"""Pure decisions of the tag sync: the tag's name, what to change, when, and what to say.

No I/O here: `sync.py` reads the data, calls these, and talks to Graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.rotation import ValidationError

from bot.graph.client import MAX_TAG_NAME, TagMember
from bot.storage.outbox import TagRecord

TAG_SUFFIX = "-oncall"


def default_tag_name(rotation: str) -> str:
    """`<rotation>-oncall`, the rotation's name shortened to fit Graph's 40 characters."""
    return rotation[: MAX_TAG_NAME - len(TAG_SUFFIX)] + TAG_SUFFIX


def checked_tag_name(name: object) -> str:
    """A tag name as people type it (`@data-oncall` or `data-oncall`), ready for Graph."""
    if not isinstance(name, str) or not name.strip().lstrip("@").strip():
        raise ValidationError("tag", "a tag needs a name")
    cleaned = name.strip().lstrip("@").strip()
    if len(cleaned) > MAX_TAG_NAME:
        raise ValidationError("tag", f"a Teams tag name has at most {MAX_TAG_NAME} characters")
    return cleaned


@dataclass(frozen=True)
class Desired:
    """Who the tag should hold now: Entra object ids, and the people on duty whose id
    Rota does not know. `until` is when the answer may change next (a handoff)."""

    ids: frozenset[str]
    unknown: tuple[str, ...]
    until: datetime | None
    nobody_on_duty: bool = False


@dataclass(frozen=True)
class Changes:
    add: tuple[str, ...]
    remove: tuple[str, ...]


def changes(desired: frozenset[str], members: Iterable[TagMember]) -> Changes:
    """Add the missing people, remove the others (by membership id). A tag that would be
    left empty keeps its members: Teams has no empty tags."""
    members = list(members)
    present = {member.user_id for member in members}
    if not desired:
        return Changes(add=(), remove=())
    return Changes(
        add=tuple(sorted(desired - present)),
        remove=tuple(member.id for member in members if member.user_id not in desired),
    )


def due(record: TagRecord | None, desired: Desired, tag_name: str, now: datetime, resync_every: timedelta) -> datetime | None:
    """When the tag of one rotation in one team should be synced next.

    After a failure: at the retry time. When it holds other people than it should (or
    has never been synced, or has a new name): now. Otherwise at the next handoff, or
    after `resync_every` to repair changes made by hand in Teams, whichever is first."""
    if record is not None and record.failures and record.next_attempt_at is not None:
        return record.next_attempt_at
    if record is None or _differs(record, desired, tag_name):
        return now
    recheck = record.last_success_at + resync_every if record.last_success_at else now
    return recheck if desired.until is None else min(desired.until, recheck)


def _differs(record: TagRecord, desired: Desired, tag_name: str) -> bool:
    return (
        record.members != desired.ids
        or set(record.unknown_people) != set(desired.unknown)
        or record.tag_name != tag_name
    )


def out_of_date_reason(record: TagRecord | None, desired: Desired, tag_name: str) -> str | None:
    """Why the tag does not hold exactly the people on duty, or None when it does."""
    if record is None:
        return "Rota has not updated it yet"
    if record.failures:
        return record.last_error or "the last update failed"
    if desired.nobody_on_duty:
        return "nobody is on duty, and a Teams tag cannot be empty"
    if _differs(record, desired, tag_name):
        return "Rota has not updated it since the last change of duty"
    if record.unknown_people:
        people = ", ".join(record.unknown_people)
        return f"Rota does not know the Microsoft Entra id of {people} (they have not used Rota in Teams yet)"
    return None
