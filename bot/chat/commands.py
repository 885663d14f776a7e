"""Chat text → a typed command, without I/O: what the person asked, or what was wrong with it.

`parse` takes the text of a message (the caller has removed the bot's own @mention), the
other people mentioned in it, the current instant and the writer's time zone, and returns
one frozen command value, a `NotACommand`, or a `ParseError` that says what was wrong and
shows an example that works. Matching is case-insensitive; arguments keep their case.

The rule for "not a command" (a routed mention such as `@Rota the nightly ETL failed`):
a message is a command when its first word(s) are a command's name (`who`, `my shifts`).
Otherwise:

* in a personal chat it is a `ParseError` naming the closest command;
* in a channel it is a `NotACommand`, to be routed to the person on duty, unless the
  whole message is one word close to a command name (`@Rota hepl`), which is a typo and
  gets a `ParseError`. A message that starts with a command's name but whose arguments
  cannot be read, and that reads as a sentence (`who broke the build?`, `help! prod is
  down`), is routed too.

Mentions: Teams writes `<at>Bob Smith</at>` in the text and lists the mentioned people
beside it. `@Bob Smith` (or the `<at>` form) in an argument matches the mention of that
display name; a literal email address is accepted as well.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.dates import DateError, parse_range, parse_when, resolve_zone
from bot.chat.periods import PERIOD_EXAMPLES, parse_period
from bot.chat.table import COMMANDS, CommandSpec, Scope, manifest_command_lists, spec
from bot.shifts.duty_commands import EXAMPLE as DUTY_EXAMPLE
from bot.shifts.duty_commands import DutyCommand, parse_duty
from bot.shifts.reminders import MAX_LEADS, Event, Lead
from shared.rotation import EMAIL_PATTERN, ValidationError, normalize_email, validate_name

DEFAULT_WEEKS = 4
MAX_WEEKS = 26
DEFAULT_PRIORITY = 2

_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_FORMAT_TAG = re.compile(r"</?(?:p|div|span|br|b|i|strong|em)\b[^>]*>", re.IGNORECASE)
_EMAIL_AT = re.compile(r"@?([^@\s<>()]+@[^@\s<>()]+\.[^@\s<>().,;:!?]+)")
_INVISIBLE = str.maketrans({"\xa0": " ", "\u200b": "", "\u200e": "", "\u200f": "", "\ufeff": ""})
_COMMAND_PUNCTUATION = "?!.,:;"
_PRIORITY = re.compile(r"^p([0-9])$", re.IGNORECASE)
_LINK = re.compile(r"^<?(https?://\S+?)>?$", re.IGNORECASE)
_WEEKS = re.compile(r"^(\d{1,3})\s*(?:w|wk|wks|week|weeks)?$", re.IGNORECASE)
#: One lead among several (`evening 18:00, 15m 1h`): the evening form takes the word after
#: it, a number may stand apart from its unit (`15 min`), anything else is one word.
_LEAD = re.compile(r"(?:evening|eve|day\s+before)\s+[^\s,]+|\d+\s*(?:minutes?|mins?|m|hours?|h|days?|d)(?![^\s,])"
                   r"|[^\s,]+", re.IGNORECASE)  # fmt: skip
_NO_LEADS = ("none", "off")


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    """Someone named in a command: by the mention Teams attached (`key` is then whatever the
    caller gave for it: an email, a Teams or Entra id) or by a typed email address."""

    key: str
    display_name: str | None = None

    @property
    def is_email(self) -> bool:
        return bool(EMAIL_PATTERN.match(self.key))


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Who:
    rotation: str | None = None


@dataclass(frozen=True)
class Schedule:
    rotation: str | None = None
    weeks: int = DEFAULT_WEEKS


@dataclass(frozen=True)
class _Bare:
    """A command that takes nothing after its name."""


@dataclass(frozen=True)
class _OnRotation:
    """A command about one rotation, named by the writer (lowercase)."""

    rotation: str


@dataclass(frozen=True)
class _OnBacklogItem:
    """A command about one backlog item, by its number in the `backlog` list."""

    number: int


class MyShifts(_Bare):
    """The writer's next shifts in every rotation."""


@dataclass(frozen=True)
class Swap:
    """Trade the shift at `at` with `person`. When only a day was named, `day_end` is set
    and the shift is the writer's shift that overlaps [at, day_end)."""

    at: datetime
    day_end: datetime | None
    person: PersonRef


@dataclass(frozen=True)
class Cover:
    """The writer takes `person`'s duty over [start, end)."""

    person: PersonRef
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Away:
    """Time off over [start, end); a day named as the end is included whole."""

    start: datetime
    end: datetime


class Join(_OnRotation):
    """Add the writer at the end of the rotation's order."""


class Leave(_OnRotation):
    """Take the writer out of the rotation."""


class Bind(_OnRotation):
    """The channel the command is typed in belongs to the rotation."""


@dataclass(frozen=True)
class Setup:
    """Open the rotation form: empty to create a rotation, or filled in with the named
    rotation's settings to change it (lowercase)."""

    rotation: str | None = None


@dataclass(frozen=True)
class Ack:
    alert: str


@dataclass(frozen=True)
class Log:
    text: str


@dataclass(frozen=True)
class Handover:
    note: str | None = None


@dataclass(frozen=True)
class IntegrationAdd:
    """A webhook of `kind` (alertmanager, grafana, generic) for `rotation` (None: the
    writer's), named `name` (None: after its kind)."""

    kind: str
    rotation: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class LogBook:
    """The records of the shift under way at `at` (None: now)."""

    at: datetime | None = None


class BacklogList(_Bare):
    """The rotation's maintenance backlog."""


@dataclass(frozen=True)
class BacklogAdd:
    title: str
    link: str | None = None
    priority: int = DEFAULT_PRIORITY


class BacklogTake(_OnBacklogItem):
    """The writer works on the item."""


class BacklogDone(_OnBacklogItem):
    """The item is closed."""


class Tray(_Bare):
    """A pairing code for the tray client."""


@dataclass(frozen=True)
class Report:
    """Duty per person over [start, end); `period` is how to name it (`last month`)."""

    rotation: str | None
    start: datetime
    end: datetime
    period: str


class RemindShow(_Bare):
    """The writer's reminder times, and whose they are (their own, a rotation's, Rota's)."""


@dataclass(frozen=True)
class RemindSet:
    """The writer's own reminders before their shifts start or end (`event`), in the order
    given; empty: no reminder before that event."""

    event: Event
    leads: tuple[Lead, ...]


class RemindReset(_Bare):
    """The writer's own reminders are dropped: their rotations' defaults apply again."""


@dataclass(frozen=True)
class NotACommand:
    """Text for the person on duty (a routed mention), with mentions written `@Name`."""

    text: str


@dataclass(frozen=True)
class ParseError:
    """What was wrong (`message`) and what would work (`hint`, with an example)."""

    message: str
    hint: str
    command: str | None = None
    suggestion: str | None = None


Command = (
    Help | Who | Schedule | MyShifts | Swap | Cover | Away | Join | Leave | Bind | Setup | Ack | Log
    | Handover | BacklogList | BacklogAdd | BacklogTake | BacklogDone | Tray | Report | RemindShow | RemindSet
    | RemindReset
)  # fmt: skip
Mention = tuple[str, str]


# --- parsing --------------------------------------------------------------------------


class _Refusal(Exception):
    """Raised inside a command's parser; `parse` turns it into a `ParseError` with the example."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


@dataclass(frozen=True)
class _Context:
    mentions: tuple[Mention, ...]
    now: datetime
    zone: ZoneInfo


def parse(
    text: str,
    mentions: Sequence[Mention],
    now: datetime,
    user_zone: str | None,
    *,
    scope: Scope = Scope.PERSONAL,
) -> Command | NotACommand | ParseError:
    """Read one chat message. `now` must be an aware instant; `user_zone` an IANA name (or None)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    context = _Context(tuple(mentions), now, resolve_zone(user_zone))
    cleaned = clean_text(text, context.mentions)
    if not cleaned:
        return Help()
    command, rest = _match(cleaned)
    if command is None:
        return _not_a_command(cleaned, scope)
    if not command.allowed_in(scope):
        return _wrong_place(command, scope)
    try:
        return _PARSERS[command.name](context, rest)
    except _Refusal as refusal:
        if scope is Scope.CHANNEL and _reads_as_a_sentence(cleaned):
            return NotACommand(cleaned)
        return ParseError(refusal.message, f"For example: {refusal.example or command.example}", command.name)


def _reads_as_a_sentence(cleaned: str) -> bool:
    """`who broke the build?`, `help! prod is down`: a question for the person on duty that
    happens to start with a command's name. A command does not end in ? or !, nor is its
    name followed by punctuation."""
    first = cleaned.split(maxsplit=1)[0]
    return cleaned.endswith(("?", "!")) or first[-1] in _COMMAND_PUNCTUATION


def clean_text(text: str, mentions: Sequence[Mention] = ()) -> str:
    """Plain text from what Teams sends: entities decoded, `<at>Name</at>` as `@Name`, the
    bot's own leading `<at>` (if the caller left it) dropped, spaces collapsed."""
    known = {name.lower() for name, _ in mentions}
    text = html.unescape(text or "").translate(_INVISIBLE)

    def mention(match: re.Match[str]) -> str:
        name = " ".join(match.group(1).split())
        if not name or (match.start() == 0 and name.lower() not in known):
            return " "
        return f"@{name}"

    text = _AT_TAG.sub(mention, text.strip())
    text = _FORMAT_TAG.sub(" ", text)
    return " ".join(text.split())


def _match(cleaned: str) -> tuple[CommandSpec | None, str]:
    """The command whose name starts the message (longest name first) and the text after it."""
    words = [w.lower().rstrip(_COMMAND_PUNCTUATION) for w in cleaned.split()]
    for command in sorted(COMMANDS, key=lambda c: -len(c.words)):
        size = len(command.words)
        if tuple(words[:size]) == command.words:
            rest = re.match(rf"\s*(?:\S+\s*){{{size}}}", cleaned)
            return command, cleaned[rest.end() :].strip() if rest else ""
    return None, cleaned


def _closest(words: Sequence[str], scope: Scope) -> str | None:
    names = [c.name for c in COMMANDS if c.allowed_in(scope)]
    lowered = [w.lower().rstrip(_COMMAND_PUNCTUATION) for w in words]
    for guess in (" ".join(lowered[:2]), "".join(lowered[:2]), lowered[0]):
        found = difflib.get_close_matches(guess, names, n=1, cutoff=0.6)
        if found:
            return found[0]
    return None


def _not_a_command(cleaned: str, scope: Scope) -> NotACommand | ParseError:
    words = cleaned.split()
    suggestion = _closest(words, scope)
    if scope is Scope.CHANNEL and not (len(words) == 1 and suggestion):
        return NotACommand(cleaned)
    first = words[0]
    if suggestion:
        hint = f"Did you mean “{suggestion}”? For example: {spec(suggestion).example}"
    else:
        hint = "Type “help” to see every command."
    return ParseError(f"I don't know the command “{first}”.", hint, None, suggestion)


def _wrong_place(command: CommandSpec, scope: Scope) -> ParseError:
    if scope is Scope.CHANNEL:
        message = f"“{command.name}” works in a personal chat with me, so that what it shows stays yours."
        return ParseError(message, f"Open a chat with me and type: {command.example}", command.name)
    message = f"“{command.name}” works in a channel: it applies to the channel it is typed in."
    return ParseError(message, f"In the channel, type: @Rota {command.example}", command.name)


# --- arguments ------------------------------------------------------------------------


def _no_arguments(name: str, rest: str) -> None:
    if rest:
        raise _Refusal(f"“{name}” takes nothing after it (I got “{rest}”).")


def _rotation(word: str) -> str:
    name = word.lower().strip(_COMMAND_PUNCTUATION + "#\"'“”")
    try:
        return validate_name(name)
    except ValidationError as error:
        raise _Refusal(f"“{word}” is not a rotation name: rotation names are one word, like data-platform.") from error


def _one_rotation(name: str, rest: str, *, required: bool) -> str | None:
    words = rest.split()
    if not words:
        if required:
            raise _Refusal(f"“{name}” needs a rotation name.")
        return None
    if len(words) > 1:
        raise _Refusal(f"“{name}” takes one rotation name; “{rest}” is several words.")
    return _rotation(words[0])


def _tokens(context: _Context, rest: str) -> list[str | PersonRef]:
    """Words of `rest`, where `@Display Name` of a mention and email addresses are people."""
    names = sorted(context.mentions, key=lambda m: -len(m[0]))
    tokens: list[str | PersonRef] = []
    pos = 0
    while pos < len(rest):
        if rest[pos].isspace():
            pos += 1
            continue
        person, pos_after = _person_at(rest, pos, names)
        if person is not None:
            tokens.append(person)
            pos = pos_after
            continue
        end = pos
        while end < len(rest) and not rest[end].isspace():
            end += 1
        tokens.append(rest[pos:end])
        pos = end
    return tokens


def _person_at(rest: str, pos: int, names: Sequence[Mention]) -> tuple[PersonRef | None, int]:
    if rest[pos] == "@":
        for name, key in names:
            end = pos + 1 + len(name)
            if rest[pos + 1 : end].lower() == name.lower() and _word_ends(rest, end):
                return _person(key, name), end
    email = _EMAIL_AT.match(rest, pos)
    if email and _word_ends(rest, email.end()):
        return _person(email.group(1), None), email.end()
    return None, pos


def _word_ends(text: str, end: int) -> bool:
    return end >= len(text) or text[end].isspace() or text[end] in _COMMAND_PUNCTUATION


def _person(key: str, display_name: str | None) -> PersonRef:
    try:
        return PersonRef(normalize_email(key), display_name)
    except ValidationError:
        return PersonRef(key.strip(), display_name)


def _one_person(tokens: Sequence[str | PersonRef]) -> tuple[PersonRef, list[str]]:
    """The single person among `tokens`, and the words left around them."""
    people = [t for t in tokens if isinstance(t, PersonRef)]
    unknown = [t for t in tokens if isinstance(t, str) and t.startswith("@")]
    if unknown:
        raise _Refusal(
            f"I can't tell who {unknown[0]} is: type @ and pick them from the list so Teams links them, "
            "or write their email."
        )
    if not people:
        raise _Refusal("Name the person with an @mention (or their email).")
    if len(people) > 1:
        raise _Refusal("Name one person only.")
    return people[0], [t for t in tokens if isinstance(t, str)]


@contextmanager
def _date_errors() -> Iterator[None]:
    """A date that cannot be read refuses the command with dates.py's explanation."""
    try:
        yield
    except DateError as error:
        raise _Refusal(f"{error.message[0].upper()}{error.message[1:]}.") from error


def _number(name: str, rest: str) -> int:
    word = rest.strip().lstrip("#")
    if not word.isdigit() or int(word) == 0:
        raise _Refusal(f"“{name}” needs the item's number from the backlog list.")
    return int(word)


# --- one parser per command -------------------------------------------------------------


def _help(context: _Context, rest: str) -> Help:
    if not rest:
        return Help()
    topic, after = _match(rest)
    if topic is None or after:
        raise _Refusal(f"I have no command “{rest}”.")
    return Help(topic.name)


def _who(context: _Context, rest: str) -> Who:
    return Who(_one_rotation("who", rest, required=False))


def _schedule(context: _Context, rest: str) -> Schedule:
    words = rest.split()
    weeks = DEFAULT_WEEKS
    if len(words) >= 2 and words[-1].lower().startswith("week") and words[-2].isdigit():
        words = [*words[:-2], words[-2]]
    if words and _WEEKS.match(words[-1]):
        weeks = int(_WEEKS.match(words[-1]).group(1))
        words = words[:-1]
        if not 1 <= weeks <= MAX_WEEKS:
            raise _Refusal(f"I can show 1 to {MAX_WEEKS} weeks, not {weeks}.")
    rotation = _one_rotation("schedule", " ".join(words), required=False)
    return Schedule(rotation, weeks)


def _my_shifts(context: _Context, rest: str) -> MyShifts:
    _no_arguments("my shifts", rest)
    return MyShifts()


def _swap(context: _Context, rest: str) -> Swap:
    parts = re.split(r"\s+with\s+", rest, flags=re.IGNORECASE)
    if len(parts) < 2 or not parts[0].strip():
        raise _Refusal("“swap” needs a date and a person: swap <date> with @person.")
    person, left = _one_person(_tokens(context, parts[-1]))
    if left:
        raise _Refusal(f"After “with”, name only the person (I got “{' '.join(left)}” too).")
    with _date_errors():
        when = parse_when(" with ".join(parts[:-1]), context.now, context.zone)
    return Swap(when.at, None if when.has_time else when.day_end, person)


def _cover(context: _Context, rest: str) -> Cover:
    person, words = _one_person(_tokens(context, rest))
    words = [w for w in words if w.lower() != "for"]
    if not words:
        raise _Refusal("Say from when to when you cover them.")
    with _date_errors():
        start, end = parse_range(" ".join(words), context.now, context.zone)
    return Cover(person, start, end)


def _away(context: _Context, rest: str) -> Away:
    if not rest:
        raise _Refusal("Say from when to when you are away.")
    with _date_errors():
        start, end = parse_range(rest, context.now, context.zone)
    return Away(start, end)


def _join(context: _Context, rest: str) -> Join:
    return Join(_one_rotation("join", rest, required=True))


def _leave(context: _Context, rest: str) -> Leave:
    return Leave(_one_rotation("leave", rest, required=True))


def _bind(context: _Context, rest: str) -> Bind:
    return Bind(_one_rotation("bind", rest, required=True))


def _setup(context: _Context, rest: str) -> Setup:
    return Setup(_one_rotation("setup", rest, required=False))


def _ack(context: _Context, rest: str) -> Ack:
    words = rest.split()
    if len(words) != 1 or not words[0].lstrip("#"):
        raise _Refusal("“ack” needs the alert's number (it is on the alert card).")
    return Ack(words[0].lstrip("#"))


def _log(context: _Context, rest: str) -> Log:
    if not rest:
        raise _Refusal("“log” needs the text to write in the log book.")
    return Log(rest)


def _handover(context: _Context, rest: str) -> Handover:
    return Handover(rest or None)


INTEGRATION_KINDS = ("alertmanager", "grafana", "generic")


def _integration_add(context: _Context, rest: str) -> IntegrationAdd:
    words = rest.split()
    if not words or words[0].lower() not in INTEGRATION_KINDS or len(words) > 3:
        raise _Refusal(f"“integration add” needs the kind of monitoring ({', '.join(INTEGRATION_KINDS)}), "
                       "then optionally the rotation and a name.")
    kind, *others = words
    return IntegrationAdd(kind.lower(), *(word.lower() if i == 0 else word for i, word in enumerate(others)))


def _logbook(context: _Context, rest: str) -> LogBook:
    if not rest:
        return LogBook()
    with _date_errors():
        return LogBook(parse_when(rest, context.now, context.zone).at)


def _backlog(context: _Context, rest: str) -> BacklogList:
    if rest:
        raise _Refusal(
            f"“backlog {rest.split()[0]}” is not a backlog command: use add, take or done.",
            spec("backlog add").example,
        )
    return BacklogList()


def _backlog_add(context: _Context, rest: str) -> BacklogAdd:
    words = rest.split()
    priority = DEFAULT_PRIORITY
    if words and _PRIORITY.match(words[-1]):
        priority = int(_PRIORITY.match(words[-1]).group(1))
        if not 1 <= priority <= 3:
            raise _Refusal(f"Priorities go from p1 (most urgent) to p3, not {words[-1]}.")
        words = words[:-1]
    links = [i for i, w in enumerate(words) if _LINK.match(w)]
    link = _LINK.match(words[links[-1]]).group(1) if links else None
    title = " ".join(w for i, w in enumerate(words) if not links or i != links[-1])
    if not title:
        raise _Refusal("“backlog add” needs a title for the item.")
    return BacklogAdd(title, link, priority)


def _backlog_take(context: _Context, rest: str) -> BacklogTake:
    return BacklogTake(_number("backlog take", rest))


def _backlog_done(context: _Context, rest: str) -> BacklogDone:
    return BacklogDone(_number("backlog done", rest))


def _tray(context: _Context, rest: str) -> Tray:
    _no_arguments("tray", rest)
    return Tray()


#: A working example per kind of reminder, for refusals.
REMIND_EXAMPLES = {Event.START: "remind start evening 18:00, 15m", Event.END: "remind end 30m"}


def _remind(context: _Context, rest: str) -> RemindShow | RemindSet | RemindReset:
    word, _, after = rest.partition(" ")
    verb = word.lower().rstrip(_COMMAND_PUNCTUATION)
    if not verb:
        return RemindShow()
    if verb == "reset":
        _no_arguments("remind reset", after.strip())
        return RemindReset()
    if verb not in (Event.START, Event.END):
        raise _Refusal(f"“remind {word}” is not a reminder command: use start, end or reset.")
    event = Event(verb)
    return RemindSet(event, _leads(event, after))


def _leads(event: Event, text: str) -> tuple[Lead, ...]:
    """The leads of `remind start|end ...`, each once, or none at all (`none`)."""
    example = REMIND_EXAMPLES[event]
    words = [w for w in _LEAD.findall(text) if w.lower() != "and"]
    if not words:
        raise _Refusal(f"“remind {event}” needs when to remind you: how long before (15m, 2h, 1d), the evening "
                       "before at a time (evening 18:00), or none.", example)  # fmt: skip
    if len(words) == 1 and words[0].lower() in _NO_LEADS:
        return ()
    leads = []
    for word in words:
        if word.lower() in _NO_LEADS:
            raise _Refusal(f"“{word}” turns these reminders off, so it comes alone.", f"remind {event} none")
        try:
            leads.append(Lead.parse(word))
        except ValidationError as error:
            raise _Refusal(f"I can't use “{word}”: {error.message}.", example) from error
    chosen = tuple(dict.fromkeys(leads))
    if len(chosen) > MAX_LEADS:
        raise _Refusal(f"I send at most {MAX_LEADS} reminders before a shift {event}s, not {len(chosen)}.", example)
    return chosen


def _duty(context: _Context, rest: str) -> DutyCommand:
    try:
        return parse_duty(rest)
    except ValidationError as exc:
        raise _Refusal(f"I can't read that duty: {exc.message}.", DUTY_EXAMPLE) from exc


def _report(context: _Context, rest: str) -> Report:
    period = parse_period(rest, context.now, context.zone)
    rotation = None
    if period is None:
        first, _, after = rest.partition(" ")
        rotation = _rotation(first)
        period = parse_period(after, context.now, context.zone)
    if period is None:
        raise _Refusal(f"I don't know the period “{rest}”. Periods: {PERIOD_EXAMPLES}.")
    return Report(rotation, period.start, period.end, period.label)


_PARSERS: dict[str, Callable[[_Context, str], Command]] = {
    "help": _help,
    "who": _who,
    "schedule": _schedule,
    "my shifts": _my_shifts,
    "swap": _swap,
    "cover": _cover,
    "away": _away,
    "join": _join,
    "leave": _leave,
    "setup": _setup,
    "bind": _bind,
    "ack": _ack,
    "log": _log,
    "handover": _handover,
    "logbook": _logbook,
    "integration add": _integration_add,
    "backlog": _backlog,
    "backlog add": _backlog_add,
    "backlog take": _backlog_take,
    "backlog done": _backlog_done,
    "tray": _tray,
    "report": _report,
    "duty": _duty,
    "remind": _remind,
}

__all__ = [
    "COMMANDS",
    "Ack",
    "Away",
    "BacklogAdd",
    "BacklogDone",
    "BacklogList",
    "BacklogTake",
    "Bind",
    "Command",
    "CommandSpec",
    "Cover",
    "Handover",
    "Help",
    "Join",
    "Leave",
    "Log",
    "LogBook",
    "IntegrationAdd",
    "MyShifts",
    "NotACommand",
    "ParseError",
    "PersonRef",
    "RemindReset",
    "RemindSet",
    "RemindShow",
    "Report",
    "Schedule",
    "Scope",
    "Setup",
    "Swap",
    "Tray",
    "Who",
    "clean_text",
    "manifest_command_lists",
    "parse",
]
