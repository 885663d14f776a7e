"""What follows the word `duty` in chat, read into a command (pure, no I/O).

Kept apart from `bot.shifts.chat` (which answers the commands) so that the chat parser can
use it without importing the chat service.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.shifts.routine import RoutineDuty
from shared.rotation import ValidationError

EXAMPLE = "duty add thu 18:00 Pre-prod push: build; smoke tests"


@dataclass(frozen=True)
class DutyList:
    pass


@dataclass(frozen=True)
class DutyAdd:
    duty: RoutineDuty


@dataclass(frozen=True)
class DutyRemove:
    number: int


DutyCommand = DutyList | DutyAdd | DutyRemove


def parse_duty(rest: str) -> DutyCommand:
    """`""` or `list`, `add <line>`, `remove <N>`."""
    verb, _, argument = " ".join(rest.split()).partition(" ")
    verb = verb.lower()
    if verb in ("", "list"):
        return DutyList()
    if verb == "add":
        return DutyAdd(RoutineDuty.parse(argument))
    if verb in ("remove", "delete") and argument.isdigit():
        return DutyRemove(int(argument))
    raise ValidationError("duty", f"write “duty”, “{EXAMPLE}” or “duty remove 2”")
