"""Report periods as people name them (`last month`, `quarter`, `90d`, `2026-q1`), in their zone.

Calendar periods are whole: `this month` runs from the 1st to the 1st of the next month
even while it is still going on (a report simply has nothing after now). Rolling periods
(`30d`, `6w`) end now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from shared.rotation import local_to_utc

DEFAULT_PERIOD = "4w"
PERIOD_EXAMPLES = "this week, last week, this month, last month, quarter, last quarter, year, 90d, 6w, 2026-03, 2026-q1"

_ROLLING = re.compile(r"^(\d{1,3})\s*(d|days?|w|weeks?)$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(?:(\d{4})-?)?q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_CALENDAR = {
    "week": ("week", 0), "this week": ("week", 0), "last week": ("week", -1),
    "month": ("month", 0), "this month": ("month", 0), "last month": ("month", -1),
    "quarter": ("quarter", 0), "this quarter": ("quarter", 0), "last quarter": ("quarter", -1),
    "year": ("year", 0), "this year": ("year", 0), "last year": ("year", -1),
}  # fmt: skip


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, and the words to show for it."""

    start: datetime
    end: datetime
    label: str


def parse_period(text: str, now: datetime, zone: ZoneInfo) -> Period | None:
    """The period named by `text` (empty: the last four weeks), or None if it names none."""
    words = " ".join(text.lower().split()) or DEFAULT_PERIOD
    if words in _CALENDAR:
        unit, offset = _CALENDAR[words]
        return _calendar(unit, offset, now.astimezone(zone).date(), zone, words)
    rolling = _ROLLING.match(words)
    if rolling:
        count = int(rolling.group(1))
        if count == 0:
            return None
        span = timedelta(days=count * (7 if rolling.group(2).startswith("w") else 1))
        unit = "weeks" if rolling.group(2).startswith("w") else "days"
        end = now.astimezone(timezone.utc)
        return Period(end - span, end, f"the last {count} {unit}")
    return _named(words, now.astimezone(zone).year, zone)


def _named(words: str, this_year: int, zone: ZoneInfo) -> Period | None:
    """`2026-03`, `2026-q1` (or `q1` of this year), `2026`."""
    month = _MONTH.match(words)
    if month and 1 <= int(month.group(2)) <= 12:
        first = date(int(month.group(1)), int(month.group(2)), 1)
        return _span(first, _add_months(first, 1), zone, first.strftime("%B %Y"))
    quarter = _QUARTER.match(words)
    if quarter:
        first = date(int(quarter.group(1) or this_year), 3 * int(quarter.group(2)) - 2, 1)
        return _span(first, _add_months(first, 3), zone, f"Q{quarter.group(2)} {first.year}")
    year = _YEAR.match(words)
    if year and 1970 <= int(year.group(1)) <= 2199:
        first = date(int(year.group(1)), 1, 1)
        return _span(first, date(first.year + 1, 1, 1), zone, year.group(1))
    return None


def _calendar(unit: str, offset: int, today: date, zone: ZoneInfo, label: str) -> Period:
    if unit == "week":
        first = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        return _span(first, first + timedelta(weeks=1), zone, label)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    index = (today.year * 12 + today.month - 1) // months * months
    first = _add_months(date(index // 12, index % 12 + 1, 1), offset * months)
    return _span(first, _add_months(first, months), zone, label)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _span(first: date, after: date, zone: ZoneInfo, label: str) -> Period:
    start = local_to_utc(datetime.combine(first, time()), zone)
    return Period(start, local_to_utc(datetime.combine(after, time()), zone), label)
