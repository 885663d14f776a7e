"""Dates typed in chat, read in the writer's zone, including the days around DST changes."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.chat.dates import DateError, parse_range, parse_when, resolve_zone

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
#: Saturday 28 March 2026, 16:30 in Paris; clocks go forward tonight (02:00 → 03:00).
BEFORE_SPRING = datetime(2026, 3, 28, 15, 30, tzinfo=timezone.utc)
#: Saturday 24 October 2026, 16:30 in Paris; clocks go back tonight (03:00 → 02:00).
BEFORE_AUTUMN = datetime(2026, 10, 24, 14, 30, tzinfo=timezone.utc)
#: Friday 3 April 2026, 10:00 in Paris.
FRIDAY = datetime(2026, 4, 3, 8, 0, tzinfo=timezone.utc)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(timezone.utc)


@pytest.mark.parametrize(
    ("text", "at", "has_time"),
    [
        ("tomorrow 9:00", utc(2026, 3, 29, 7, 0), True),  # CEST (+2) tomorrow, though CET (+1) today
        ("Tomorrow at 9am", utc(2026, 3, 29, 7, 0), True),
        ("tomorrow", local(PARIS, 2026, 3, 29), False),
        ("fri", local(PARIS, 2026, 4, 3), False),
        ("friday 14:00", local(PARIS, 2026, 4, 3, 14), True),
        ("fri 9", local(PARIS, 2026, 4, 3, 9), True),
        ("next monday", local(PARIS, 2026, 3, 30), False),
        ("2026-12-24", local(PARIS, 2026, 12, 24), False),
        ("2026-12-24 10:00", local(PARIS, 2026, 12, 24, 10), True),
        ("24 dec", local(PARIS, 2026, 12, 24), False),
        ("24/12", local(PARIS, 2026, 12, 24), False),
        ("2 jan", local(PARIS, 2027, 1, 2), False),
        ("sat", local(PARIS, 2026, 3, 28), False),  # today is Saturday: today, not next week
        ("now", BEFORE_SPRING, True),
        ("in 2 hours", utc(2026, 3, 28, 17, 30), True),
        ("in 30 minutes", utc(2026, 3, 28, 16, 0), True),
        ("tomorrow 9:00 UTC", utc(2026, 3, 29, 9, 0), True),
        ("tomorrow 2:30", utc(2026, 3, 29, 1, 30), True),  # 02:30 does not exist: fold=0, as the engine
    ],
)
def test_dates_in_paris_the_day_before_the_spring_change(text: str, at: datetime, has_time: bool) -> None:
    when = parse_when(text, BEFORE_SPRING, PARIS)
    assert (when.at, when.has_time) == (at, has_time)


def test_tomorrow_morning_the_day_before_the_autumn_change_is_in_winter_time() -> None:
    assert parse_when("tomorrow 9:00", BEFORE_AUTUMN, PARIS).at == utc(2026, 10, 25, 8, 0)


def test_a_day_alone_starts_at_local_midnight_and_ends_at_the_next_one_across_dst() -> None:
    when = parse_when("tomorrow", BEFORE_SPRING, PARIS)
    assert when.at == utc(2026, 3, 28, 23, 0)
    assert when.day_end == utc(2026, 3, 29, 22, 0)  # a 23-hour day


def test_in_hours_counts_elapsed_time_over_the_night_clocks_jump() -> None:
    night = utc(2026, 3, 29, 0, 30)  # 01:30 CET
    assert parse_when("in 2 hours", night, PARIS).at == utc(2026, 3, 29, 2, 30)


def test_new_york_reads_the_same_words_in_its_own_zone() -> None:
    assert parse_when("tomorrow 9:00", BEFORE_SPRING, NEW_YORK).at == utc(2026, 3, 29, 13, 0)


@pytest.mark.parametrize(
    ("text", "date"),
    [("fri", (2026, 4, 3)), ("friday 14:00", (2026, 4, 3, 14)), ("next fri", (2026, 4, 10)), ("3 apr", (2026, 4, 3))],
)
def test_naming_today_means_today_unless_next_is_written(text: str, date: tuple[int, ...]) -> None:
    assert parse_when(text, FRIDAY, PARIS).at == local(PARIS, *date)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("03/04", "2026-04-03"),
        ("3.4.2026", "2026-04-03"),
        ("24", "add the month"),
        ("jan", "name a day"),
        ("next week", "name a day"),
        ("the nightly ETL", "can't read"),
        ("", "missing"),
    ],
)
def test_unusable_dates_are_refused_with_what_would_work(text: str, says: str) -> None:
    with pytest.raises(DateError) as refused:
        parse_when(text, BEFORE_SPRING, PARIS)
    assert says in refused.value.message


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("mon fri", (2026, 3, 30), (2026, 4, 4)),  # through the end of Friday
        ("mon to fri", (2026, 3, 30), (2026, 4, 4)),
        ("from mon until wed", (2026, 3, 30), (2026, 4, 2)),
        ("fri", (2026, 4, 3), (2026, 4, 4)),  # one day alone: that whole day
        ("fri mon", (2026, 4, 3), (2026, 4, 7)),  # the Monday after Friday
        ("next monday next friday", (2026, 3, 30), (2026, 4, 4)),
        ("24 dec 2 jan", (2026, 12, 24), (2027, 1, 3)),
        ("2026-12-24 2027-01-02", (2026, 12, 24), (2027, 1, 3)),
        ("tomorrow 9:00 friday 18:00", (2026, 3, 29, 9), (2026, 4, 3, 18)),
        ("mon 9:00 17:00", (2026, 3, 30, 9), (2026, 3, 30, 17)),
        ("mon 22:00 02:00", (2026, 3, 30, 22), (2026, 3, 31, 2)),
    ],
)
def test_ranges(text: str, start: tuple[int, ...], end: tuple[int, ...]) -> None:
    assert parse_range(text, BEFORE_SPRING, PARIS) == (local(PARIS, *start), local(PARIS, *end))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("tomorrow 14:00", "give an end"),
        ("fri 03/04", "2026-04-03"),
        ("", "missing"),
        ("mon 18:00 to mon 9:00", "before the start"),
    ],
)
def test_unusable_ranges_are_refused(text: str, says: str) -> None:
    with pytest.raises(DateError) as refused:
        parse_range(text, BEFORE_SPRING, PARIS)
    assert says in refused.value.message


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "Paris"])
def test_an_unknown_or_missing_zone_means_utc(name: str | None) -> None:
    assert resolve_zone(name).key == "UTC"


def test_a_known_zone_is_used() -> None:
    assert resolve_zone("Asia/Kolkata").key == "Asia/Kolkata"


@pytest.mark.parametrize("text", ["2026-11-30", "30 nov", "30/11", "mon 30 nov", "next monday"])
def test_a_date_a_week_ahead_written_out_is_not_taken_for_today(text: str) -> None:
    monday = datetime(2026, 11, 23, 13, 40, tzinfo=timezone.utc)
    when = parse_when(text, monday, ZoneInfo("Europe/Paris"))
    assert when.at == datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)  # Mon 30 Nov 00:00 in Paris
