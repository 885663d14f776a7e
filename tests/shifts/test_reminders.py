"""Reminders before a shift starts and ends, and which shifts a change moved: pure functions."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.chat.duty import Stretch
from bot.shifts.changes import changed_shifts
from bot.shifts.reminders import DEFAULT_PREFS, Event, Lead, ReminderPrefs, due, next_at, plan
from shared.rotation import ValidationError

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


#: Bob's week starts Monday 9 March 2026 at 12:00 in Paris (11:00 UTC).
BOB_WEEK = Stretch(BOB, utc(2026, 3, 9, 11), utc(2026, 3, 16, 11))
NOW = utc(2026, 3, 8, 9)


@pytest.mark.parametrize(("text", "lead"), [
    ("15m", Lead(before=timedelta(minutes=15))), ("2 h", Lead(before=timedelta(hours=2))),
    ("1d", Lead(before=timedelta(days=1))), ("90 minutes", Lead(before=timedelta(minutes=90))),
    ("Evening 18:00", Lead(evening=time(18))), ("day before 19:30", Lead(evening=time(19, 30))),
])  # fmt: skip
def test_leads_read_as_people_write_them_and_back(text: str, lead: Lead) -> None:
    assert Lead.parse(text) == lead
    assert Lead.parse(lead.text()) == lead


@pytest.mark.parametrize(("text", "words"), [
    ("15m", "15 minutes before"), ("1h", "1 hour before"), ("90 minutes", "90 minutes before"), ("2d", "2 days before"),
    ("evening 18:00", "the evening before at 18:00"),
])  # fmt: skip
def test_a_lead_reads_as_words(text: str, words: str) -> None:
    assert Lead.parse(text).words() == words


@pytest.mark.parametrize("text", ["0m", "3d", "tomorrow", "evening 25:00", ""])
def test_a_lead_that_cannot_be_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        Lead.parse(text)


def test_the_evening_before_is_read_in_the_person_s_own_zone() -> None:
    evening = Lead(evening=time(18))

    assert evening.instant(BOB_WEEK.start, PARIS) == utc(2026, 3, 8, 17)
    # Sunday 18:00 in New York is 22:00 UTC (daylight time from 8 March).
    assert evening.instant(BOB_WEEK.start, NEW_YORK) == utc(2026, 3, 8, 22)


def test_a_person_s_choice_replaces_the_rotation_s_for_that_event_only() -> None:
    mine = ReminderPrefs(before_start=(Lead.parse("1h"),))
    rotation = ReminderPrefs(before_end=(Lead.parse("30m"),))
    chosen = mine.over(rotation).over(DEFAULT_PREFS)

    assert chosen.leads(Event.START) == (Lead.parse("1h"),)
    assert chosen.leads(Event.END) == (Lead.parse("30m"),)
    assert ReminderPrefs.from_dict(chosen.to_dict()) == chosen


def _planned(prefs: ReminderPrefs = DEFAULT_PREFS, window=(NOW, NOW + timedelta(days=3))):
    return plan("data-platform", [BOB_WEEK], lambda _: prefs, lambda _: PARIS, window)


def test_a_shift_is_reminded_the_evening_before_and_a_quarter_hour_before_it_starts() -> None:
    reminders = _planned()

    assert [(r.event, r.at) for r in reminders] == [(Event.START, utc(2026, 3, 8, 17)),
                                                    (Event.START, utc(2026, 3, 9, 10, 45))]  # fmt: skip
    assert len({r.key for r in reminders}) == 2 and all(len(r.key) <= 200 for r in reminders)


def test_a_shift_cut_by_the_window_has_no_event_at_the_cut() -> None:
    already_started = plan("data-platform", [BOB_WEEK], lambda _: DEFAULT_PREFS, lambda _: PARIS,
                           (BOB_WEEK.start, BOB_WEEK.start + timedelta(days=7)))  # fmt: skip

    assert already_started == []


def test_what_is_due_goes_once_and_the_next_one_is_planned() -> None:
    reminders = _planned()
    evening = utc(2026, 3, 8, 17)

    assert next_at(reminders, set(), NOW) == evening
    first = due(reminders, set(), evening)
    assert [r.at for r in first.send] == [evening]
    sent = {r.key for r in first.settled}
    assert due(reminders, sent, evening).send == ()
    assert next_at(reminders, sent, evening) == utc(2026, 3, 9, 10, 45)


def test_after_an_outage_only_the_reminder_nearest_the_event_is_sent() -> None:
    reminders = _planned()
    back = utc(2026, 3, 9, 10, 50)

    late = due(reminders, set(), back)

    assert [r.lead.text() for r in late.send] == ["15m"]
    assert len(late.settled) == 2
    assert due(reminders, set(), BOB_WEEK.start).send == ()


# --- which shifts moved --------------------------------------------------------------------------

ALICE_WEEK = Stretch(ALICE, utc(2026, 3, 2, 11), utc(2026, 3, 9, 11))
CAROL_WEEK = Stretch(CAROL, utc(2026, 3, 16, 11), utc(2026, 3, 23, 11))
BEFORE = [ALICE_WEEK, BOB_WEEK, CAROL_WEEK]


def test_a_swap_tells_both_people_which_shift_they_lost_and_which_they_gained() -> None:
    after = [ALICE_WEEK, Stretch(CAROL, BOB_WEEK.start, BOB_WEEK.end), Stretch(BOB, CAROL_WEEK.start, CAROL_WEEK.end)]

    changes = {c.person: c for c in changed_shifts(BEFORE, after, NOW, utc(2026, 4, 1))}

    assert sorted(changes) == [BOB, CAROL]
    [lost] = changes[BOB].lost
    [gained] = changes[BOB].gained
    assert (lost.stretch.start, lost.holders) == (BOB_WEEK.start, (CAROL,))
    assert (gained.stretch.start, gained.holders) == (CAROL_WEEK.start, (CAROL,))


def test_time_off_in_the_middle_of_a_week_moves_only_those_days() -> None:
    away = (utc(2026, 3, 11, 23), utc(2026, 3, 13, 23))
    after = [ALICE_WEEK, Stretch(BOB, BOB_WEEK.start, away[0]), Stretch(CAROL, *away),
             Stretch(BOB, away[1], BOB_WEEK.end), CAROL_WEEK]  # fmt: skip

    changes = {c.person: c for c in changed_shifts(BEFORE, after, NOW, utc(2026, 4, 1))}

    assert [(m.stretch.start, m.stretch.end, m.holders) for m in changes[BOB].lost] == [(*away, (CAROL,))]
    assert changes[BOB].gained == ()
    assert [(m.stretch.start, m.stretch.end, m.holders) for m in changes[CAROL].gained] == [(*away, (BOB,))]


def test_time_passing_moves_nothing() -> None:
    later = utc(2026, 3, 10)
    after = [Stretch(BOB, later, BOB_WEEK.end), CAROL_WEEK]

    assert changed_shifts(BEFORE, after, later, utc(2026, 3, 23)) == []
