"""Dates and times as people type them in chat, read in the writer's own time zone.

`dateparser` reads the words (`tomorrow 9:00`, `fri`, `next monday`, `24 dec`,
`2026-12-24`); this module decides what they mean for Rota:

* The zone is the user's (Teams sends it as the activity's `localTimezone`); an unknown or
  missing zone falls back to UTC.
* dateparser is asked for a *naive wall-clock* result and the zone is applied here with
  `zoneinfo` (`fold=0`, as the rotation engine does). dateparser's own `TIMEZONE` with
  `RETURN_AS_TIMEZONE_AWARE` applies the offset in force at `RELATIVE_BASE`, so "tomorrow
  9:00" typed the day before a DST change would land an hour off.
* `in N minutes|hours` and `now` are absolute (elapsed time, not wall-clock time).
* A day written without a time means the start of that day. Where a day ends a period
  (`away mon fri`, the `<to>` of `away` and `cover`), it means the *end* of that day: the
  period runs through Friday and stops at Saturday 00:00.
* Numeric dates whose day and month could be swapped (`03/04`) are refused with a hint
  to write the ISO form; unambiguous ones (`24/12`) are read day-first or month-first as
  the numbers allow.
* A time zone written in the text (`9:00 UTC`, `14:00 +0530`) is honoured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from dateparser.timezone_parser import pop_tz_offset_from_string

from shared.rotation import ValidationError, load_zone, local_to_utc

UTC_NAME = "UTC"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAY_WORDS = r"today|tomorrow|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
DAY_WORDS += r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
RANGE_SEPARATORS = ("to", "until", "till", "through", "thru", "-", "–", "—")

_RELATIVE = re.compile(r"^in\s+(\d{1,4})\s*(minutes?|mins?|m|hours?|hrs?|h)$", re.IGNORECASE)
#: `24/12`, `3/4/2026` (two or three parts with slashes), `3.4.2026`, `3-4-2026` (three parts).
_NUMERIC = re.compile(
    r"(?<![\d:])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])"
    r"|(?<![\d:.])(\d{1,2})[.-](\d{1,2})[.-](\d{4})(?![\d.])"
)
_BARE_HOUR = re.compile(rf"\b({DAY_WORDS})\s+(?:at\s+)?(\d{{1,2}})(?![\d:.hH]|\s*(?:am|pm|[a-z]))", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\d{1,2}(st|nd|rd|th)?$", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}|noon|midnight)$", re.IGNORECASE)
_YEAR = re.compile(r"\b\d{4}\b")
_WEEKDAY = re.compile(r"\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|nesday|rsday|urday)?\b", re.IGNORECASE)
_EXPLICIT_DATE = re.compile(
    r"\d+\s*[-/.]\s*\d+|\b(" + "|".join(MONTHS) + r")[a-z]*\b|\b\d{1,2}(st|nd|rd|th)\b", re.IGNORECASE
)
_TIME_PERIODS = {"time", "part_of_day"}


class DateError(ValueError):
    """Text that is not a usable date; `message` says why, in words for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class When:
    """An instant the user named. `has_time` is False when they named only a day, in which
    case `at` is that day's start in their zone and `day_end` its end."""

    at: datetime
    has_time: bool
    day_end: datetime


def resolve_zone(name: str | None) -> ZoneInfo:
    """The user's zone from Teams' `localTimezone`; UTC when absent or unknown."""
    try:
        return load_zone(name) if name else ZoneInfo(UTC_NAME)
    except ValidationError:
        return ZoneInfo(UTC_NAME)


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> When:
    """One date or date-time, e.g. `tomorrow 9:00`, `fri`, `2026-12-24`, `in 2 hours`.

    Dates are taken from the future (`mon` is the coming Monday), except that a weekday
    or date naming today means today: `fri` typed on a Friday is that Friday.
    """
    cleaned = _normalise(text, now.astimezone(zone).year)
    if not cleaned:
        raise DateError("a date is missing")
    relative = _relative(cleaned, now)
    if relative is not None:
        return relative
    if _BARE_NUMBER.match(cleaned):
        raise DateError(f"“{text.strip()}” is only a number: add the month, e.g. {cleaned} {_month_of(now, zone)}")
    cleaned, written_zone = pop_tz_offset_from_string(cleaned)
    local, has_time = _dateparser(cleaned.strip(), now, zone)
    return _when(local, has_time, written_zone or zone)


def parse_range(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """`<from> <to>` as two dates (optionally joined by `to`, `until` or `-`), or one day alone.

    `<to>` is read from `<from>` onwards (`fri mon` is Friday to the Monday after). A `<to>`
    without a time ends at the end of that day; a `<to>` that is only a time is on the
    `<from>` day (`mon 9:00 17:00`), or the next day if that time has passed (`22:00 02:00`).
    """
    words = [w for w in text.split() if w.lower() != "from"]
    if not words:
        raise DateError("the dates are missing")
    start, end = _split_range(words, now, zone)
    stop = end.at if end.has_time else end.day_end
    if stop <= start.at:
        raise DateError("the end is before the start")
    return start.at, stop


def _split_range(words: list[str], now: datetime, zone: ZoneInfo) -> tuple[When, When]:
    """Split at a separator word, else at the one place where both halves are dates."""
    for i, word in enumerate(words):
        if 0 < i < len(words) - 1 and word.lower() in RANGE_SEPARATORS:
            start = parse_when(" ".join(words[:i]), now, zone)
            return start, _end_of(" ".join(words[i + 1 :]), start, zone)
    candidates = []
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        try:
            start = parse_when(first, now, zone)
            if start.has_time or not _TIME_ONLY.match(second):
                candidates.append((start, _end_of(second, start, zone)))
        except DateError:
            continue
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise DateError("I can't tell where the first date ends: put “to” between the two dates")
    single = parse_when(" ".join(words), now, zone)
    if single.has_time:
        raise DateError("give an end as well as a start")
    return single, single


def _end_of(text: str, start: When, zone: ZoneInfo) -> When:
    """The `<to>` date, read from the start onwards; a bare time is on the start's day."""
    if not (start.has_time and _TIME_ONLY.match(text.strip())):
        return parse_when(text, start.at, zone)
    start_local = start.at.astimezone(zone)
    clock = _dateparser(_normalise(text, start_local.year), start.at, zone)[0].time()
    at = local_to_utc(datetime.combine(start_local.date(), clock), zone)
    if at <= start.at:
        at = local_to_utc(datetime.combine(start_local.date() + timedelta(days=1), clock), zone)
    return When(at, True, at)


def _normalise(text: str, this_year: int) -> str:
    """Collapse spaces, spell numeric dates out, and read `fri 9` as `fri 9:00`."""
    cleaned = " ".join(text.split())
    cleaned = _NUMERIC.sub(lambda match: _numeric_to_words(match, this_year), cleaned)
    return _BARE_HOUR.sub(lambda m: f"{m.group(1)} {m.group(2)}:00", cleaned)


def _numeric_to_words(match: re.Match[str], this_year: int) -> str:
    """`24/12` → `24 dec`; `03/04` (a valid date either way round) is refused."""
    if match.group(1) is not None:
        first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
    else:
        first, second, year = int(match.group(4)), int(match.group(5)), match.group(6)
    if year is not None and len(year) == 2:
        year = f"20{year}"
    if first <= 12 and second <= 12 and first != second:
        shown = year or str(this_year)
        raise DateError(
            f"“{match.group(0)}” could be {first} {MONTH_NAMES[second - 1]} or {second} {MONTH_NAMES[first - 1]}: "
            f"write it year-month-day, e.g. {shown}-{second:02d}-{first:02d}"
        )
    day, month = (first, second) if second <= 12 else (second, first)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise DateError(f"“{match.group(0)}” is not a date")
    return f"{day} {MONTHS[month - 1]}" + (f" {year}" if year else "")


def _relative(text: str, now: datetime) -> When | None:
    """`now` and `in N minutes|hours` count elapsed time, so they are exact across DST."""
    if text.lower() == "now":
        at = now.astimezone(timezone.utc)
        return When(at, True, at)
    match = _RELATIVE.match(text)
    if match is None:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    delta = timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount)
    at = now.astimezone(timezone.utc) + delta
    return When(at, True, at)


def _dateparser(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """Naive local wall-clock time from dateparser, and whether a time of day was written."""
    base = now.astimezone(zone).replace(tzinfo=None)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "RETURN_TIME_AS_PERIOD": True,
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
    }
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if data.date_obj is None:
        raise DateError(f"I can't read “{text}” as a date")
    if data.period not in _TIME_PERIODS and data.period != "day":
        raise DateError(f"“{text}” is a whole {data.period}: name a day, e.g. next monday")
    has_time = data.period in _TIME_PERIODS
    local = data.date_obj if has_time else datetime.combine(data.date_obj.date(), time())
    return _today_not_next(local, base, text).replace(second=0, microsecond=0), has_time


def _today_not_next(local: datetime, base: datetime, text: str) -> datetime:
    """dateparser's future preference sends `fri` typed on a Friday a week ahead, and `3 apr`
    typed on 3 April a year ahead; people mean today unless they write `next`."""
    today = base.date()
    if "next" in text.lower().split():
        return local
    named_weekday = _WEEKDAY.search(text) is not None and _EXPLICIT_DATE.search(text) is None
    week_on = named_weekday and local.date() == today + timedelta(days=7)
    year_on = local.date() == _same_day_next_year(today) and not _YEAR.search(text)
    return datetime.combine(today, local.time()) if week_on or year_on else local


def _same_day_next_year(day: date) -> date | None:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return None


def _when(local: datetime, has_time: bool, zone: tzinfo) -> When:
    if not 1970 <= local.year <= 2199:
        raise DateError(f"{local.year} is out of range")
    at = _localise(local, zone)
    if has_time:
        return When(at, True, at)
    return When(at, False, _localise(local + timedelta(days=1), zone))


def _localise(local: datetime, zone: tzinfo) -> datetime:
    """Wall-clock time in the user's zone (fold=0), or in a fixed zone written in the text."""
    if isinstance(zone, ZoneInfo):
        return local_to_utc(local, zone)
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def _month_of(now: datetime, zone: ZoneInfo) -> str:
    return MONTHS[now.astimezone(zone).month - 1]
