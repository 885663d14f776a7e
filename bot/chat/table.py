"""The chat commands, once: `help`, the help card and the Teams manifest are made from this table.

Scopes: a command may be used in a channel (after `@Rota`; group chats count as
channels) and/or in a personal chat with the bot. Commands that show private things (a
pairing code, one's own time off or reminders) are personal only; `bind` names the
channel it is typed in, so it is channel only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: Limits of a Teams app manifest's `bots[].commandLists` (schema and docs).
MANIFEST_MAX_COMMANDS = 10
MANIFEST_MAX_TITLE = 32
MANIFEST_MAX_DESCRIPTION = 128


class Scope(StrEnum):
    CHANNEL = "channel"
    PERSONAL = "personal"


@dataclass(frozen=True)
class CommandSpec:
    """One line of the table. `name` is the words that start the command (`my shifts`)."""

    name: str
    syntax: str
    description: str
    example: str
    changes_data: bool
    in_channel: bool
    in_personal: bool
    #: Listed in the Teams compose-box menu (sub-commands such as `backlog add` are not).
    in_menu: bool = True

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    def allowed_in(self, scope: Scope) -> bool:
        return self.in_channel if scope is Scope.CHANNEL else self.in_personal


def _spec(name: str, syntax: str, description: str, example: str, *, changes: bool = False,
          channel: bool = True, personal: bool = True, menu: bool = True) -> CommandSpec:  # fmt: skip
    return CommandSpec(name, syntax, description, example, changes, channel, personal, menu)


#: In order of how often people need them; the manifest lists the first ten per scope.
COMMANDS: tuple[CommandSpec, ...] = (
    _spec("help", "help [command]", "Every command with an example.", "help swap"),
    _spec("who", "who [rotation]", "Who is on duty now, until when, and who is next.", "who data-platform"),
    _spec("schedule", "schedule [rotation] [weeks]", "The shifts of the next weeks (4 unless you say).",
          "schedule data-platform 6"),
    _spec("my shifts", "my shifts", "Your next shifts in every rotation you are in.", "my shifts",
          channel=False),
    _spec("swap", "swap <date> with @person", "Trade your shift on that date with someone in the rotation.",
          "swap fri with @Bob", changes=True),
    _spec("cover", "cover @person <from> <to>", "Take someone's duty for a while (you cover them).",
          "cover @Bob tomorrow 9:00 friday 18:00", changes=True),
    _spec("away", "away <from> <to>", "Time off: the rotation skips you. A day alone means the whole day.",
          "away mon fri", changes=True, channel=False),
    _spec("join", "join <rotation>", "Add yourself to a rotation, at the end of the order.",
          "join data-platform", changes=True),
    _spec("leave", "leave <rotation>", "Take yourself out of a rotation.", "leave data-platform", changes=True),
    _spec("setup", "setup [rotation]", "Create a rotation with a form, or change one (the form comes filled in).",
          "setup data-platform", changes=True),
    _spec("bind", "bind <rotation>", "This channel belongs to that rotation: mentions go to its person on duty.",
          "bind data-platform", changes=True, personal=False),
    _spec("ack", "ack <alert>", "Acknowledge an alert: you are on it.", "ack 42", changes=True),
    _spec("log", "log <text>", "Write in the duty log book of the current shift.",
          "log restarted the nightly ETL after a disk-full error", changes=True),
    _spec("handover", "handover [note]", "Leave a note for the next person on duty.",
          "handover the Kafka upgrade is half done", changes=True),
    _spec("logbook", "logbook [date]",
          "The log book of the shift under way then (now unless you say): entries, notes, backlog closed.",
          "logbook 2026-03-03", menu=False),
    _spec("backlog", "backlog", "The maintenance backlog, most urgent first.", "backlog"),
    _spec("backlog add", "backlog add <title> [link] [p1..p3]", "Add an item (priority p2 unless you say).",
          "backlog add rotate the TLS certs https://jira.example.com/OPS-12 p1", changes=True, menu=False),
    _spec("backlog take", "backlog take <N>", "Take item N: you work on it.", "backlog take 3", changes=True,
          menu=False),
    _spec("backlog done", "backlog done <N>", "Close item N.", "backlog done 3", changes=True, menu=False),
    _spec("remind", "remind [start|end <leads or none> | reset]",
          "When I remind you before your shifts start and end; set your own: 15m, 2h, 1d, evening 18:00 or none.",
          "remind start evening 18:00, 15m", changes=True, channel=False, menu=False),
    _spec("tray", "tray", "A pairing code for the desktop tray notifier.", "tray", channel=False),
    _spec("integration add", "integration add <kind> [rotation] [name]",
          "A webhook for monitoring to send alerts to (alertmanager, grafana or generic): its URL and secret, "
          "shown once.", "integration add alertmanager data-platform", changes=True, channel=False, menu=False),
    _spec("report", "report [rotation] [period]",
          "Duty per person: shifts, hours, pages. Periods: this week, last month, quarter, 90d, 2026-q1.",
          "report data-platform last month"),
    _spec("duty", "duty [add <days> <time> <title>[: items] | remove <N>]",
          "The rotation's routine duties; the person on duty gets each checklist at its time.",
          "duty add thu 18:00 Pre-prod push: build; smoke tests", changes=True, menu=False),
)


def spec(name: str) -> CommandSpec:
    """The table line for `name`; KeyError for a name not in the table."""
    for command in COMMANDS:
        if command.name == name:
            return command
    raise KeyError(name)


def manifest_command_lists() -> list[dict]:
    """`bots[0].commandLists` of the Teams manifest: the first ten menu commands per scope.

    Titles and descriptions are the table's own; tests hold them within the manifest's limits.
    """
    lists = []
    for scope, teams_scopes in ((Scope.CHANNEL, ["team", "groupChat"]), (Scope.PERSONAL, ["personal"])):
        chosen = [c for c in COMMANDS if c.in_menu and c.allowed_in(scope)][:MANIFEST_MAX_COMMANDS]
        commands = [{"title": c.name, "description": c.description} for c in chosen]
        lists.append({"scopes": teams_scopes, "commands": commands})
    return lists
