"""Cards of the conversation itself: help (from the command table), errors, the welcome."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cards.elements import Element, adaptive_card, container, execute, heading, text
from bot.chat.table import COMMANDS, CommandSpec, Scope, spec

BOT_NAME = "Rota"
SETUP_OPEN_VERB = "rotation.setup.open"


def help_card(*, scope: Scope = Scope.PERSONAL, topic: str | None = None) -> Element:
    """Every command with its example, or one command when `topic` names it. In a channel the
    examples start with the @mention people have to type there."""
    chosen = [spec(topic)] if topic else list(COMMANDS)
    prefix = f"@{BOT_NAME} " if scope is Scope.CHANNEL else ""
    body: list[Element] = [heading(f"{BOT_NAME} commands" if not topic else f"{BOT_NAME}: {topic}")]
    if not topic:
        body.append(text("Dates are in your time zone: tomorrow 9:00, fri, next monday, 24 dec, 2026-12-24.",
                         isSubtle=True, spacing="Small"))  # fmt: skip
    body.extend(_entry(command, prefix if command.allowed_in(scope) else "", scope) for command in chosen)
    return adaptive_card(body)


def _entry(command: CommandSpec, prefix: str, scope: Scope) -> Element:
    items = [
        text(command.syntax, weight="Bolder", fontType="Monospace"),
        text(_description(command, scope), spacing="None"),
        text(f"e.g. {prefix}{command.example}", isSubtle=True, size="Small", fontType="Monospace", spacing="None"),
    ]
    return container(items, spacing="Medium")


def _description(command: CommandSpec, scope: Scope) -> str:
    if not command.allowed_in(scope):
        where = "in a personal chat with me" if scope is Scope.CHANNEL else "in a channel"
        return f"{command.description} (works {where})"
    return command.description


def error_card(*, message: str, hint: str | None = None) -> Element:
    """What was wrong, and what would work."""
    items = [text(message, weight="Bolder", color="Attention")]
    if hint:
        items.append(text(hint, spacing="Small"))
    return adaptive_card([container(items, style="attention"), text("Type “help” for every command.",
                                                                     size="Small", isSubtle=True)])  # fmt: skip


def welcome_card(*, rotations: Sequence[str] = ()) -> Element:
    """Posted when the app is added: how to bind the channel, and how to create a rotation."""
    known = ", ".join(rotations)
    bind = f"@{BOT_NAME} bind <rotation>"
    body: list[Element] = [
        heading(f"Hi, I'm {BOT_NAME}"),
        text("I keep the team's duty rotation: who is on duty, handovers, swaps and time off, "
             "and I pass what reaches the team to the person on duty."),  # fmt: skip
        text("**1. Bind this channel to a rotation**", spacing="Medium"),
        text(f"Type “{bind}”.", spacing="None"),
        *([text(f"Rotations I know: {known}", spacing="None")] if known else []),
        text("**2. No rotation yet? Create one**", spacing="Medium"),
        text(f"Type “@{BOT_NAME} setup” for a form, or press the button.", spacing="None"),
        text(f"Then “@{BOT_NAME} who” shows who is on duty, and “@{BOT_NAME} help” every command.",
             spacing="Medium", isSubtle=True),  # fmt: skip
    ]
    return adaptive_card(body, [execute("Set up a rotation", SETUP_OPEN_VERB)])
