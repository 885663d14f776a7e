"""Which reminders fire, and when: pure decisions over an explicit clock, DST included."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.tray.factories import NEW_YORK, PARIS, UTC, at, leads, shift
from tray.reminders import (
    DEFAULT_LEADS,
    PRESETS,
    Edge,
    Lead,
    LeadError,
    decide,
    leads_from_feed,
    planned,
    prune,
)

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def run_clock(shifts, leads, zone, start: datetime, end: datetime, step: timedelta, fired=None):
    """Walk a clock from start to end, firing and recording like the tray does; return (instant, key) fired."""
    fired = dict(fired or {})
    seen = []
    now = start
    while now <= end:
        decision = decide(shifts, leads, zone, now, fired)
        seen += [(now, reminder.key, reminder) for reminder in decision.fire]
        fired.update(decision.settle)
        now += step
    return seen, fired


def test_default_leads_are_evening_before_an_hour_and_a_quarter_before_and_a_quarter_before_the_end():
    week = shift(at("2026-03-10 12:00"), at("2026-03-17 12:00"))
    due = {r.lead.key: r.due for r in planned([week], DEFAULT_LEADS, PARIS)}
    assert due == {
        "evening-18:00": at("2026-03-09 18:00"),
        "1h": at("2026-03-10 11:00"),
        "15m": at("2026-03-10 11:45"),
        "end-15m": at("2026-03-17 11:45"),
    }


def test_each_reminder_fires_once_at_its_due_time():
    week = shift(at("2026-03-10 12:00"), at("2026-03-17 12:00"))
    seen, _ = run_clock([week], DEFAULT_LEADS, PARIS, at("2026-03-09 12:00"), at("2026-03-17 13:00"), timedelta(seconds=30))
    assert [(when, key.split("|")[-1]) for when, key, _ in seen] == [
        (at("2026-03-09 18:00"), "evening-18:00"),
        (at("2026-03-10 11:00"), "1h"),
        (at("2026-03-10 11:45"), "15m"),
        (at("2026-03-17 11:45"), "end-15m"),
    ]


def test_what_fired_before_a_restart_does_not_fire_again():
    week = shift(at("2026-03-10 12:00"))
    first = decide([week], DEFAULT_LEADS, PARIS, at("2026-03-10 11:00"), {})
    assert [r.lead.key for r in first.fire] == ["1h"]
    again = decide([week], DEFAULT_LEADS, PARIS, at("2026-03-10 11:00:30"), dict(first.settle))
    assert again.fire == ()
    assert again.next_due == at("2026-03-10 11:45")


def test_the_next_due_instant_is_where_the_tray_sleeps_until():
    week = shift(at("2026-03-10 12:00"))
    assert decide([week], DEFAULT_LEADS, PARIS, at("2026-03-01 00:00"), {}).next_due == at("2026-03-09 18:00")
    assert decide([], DEFAULT_LEADS, PARIS, at("2026-03-01 00:00"), {}).next_due is None


def test_a_shift_that_moves_later_moves_its_reminders_even_after_they_fired():
    original = shift(at("2026-03-10 12:00"))
    fired = dict(decide([original], DEFAULT_LEADS, PARIS, at("2026-03-10 11:00"), {}).settle)
    moved = shift(at("2026-03-10 14:00"))
    assert decide([moved], DEFAULT_LEADS, PARIS, at("2026-03-10 11:00:30"), fired).fire == ()
    later = decide([moved], DEFAULT_LEADS, PARIS, at("2026-03-10 13:00"), fired)
    assert [(r.lead.key, r.edge_at) for r in later.fire] == [("1h", at("2026-03-10 14:00"))]


def test_a_shift_moved_before_its_reminder_came_due_reminds_only_at_the_new_time():
    moved = shift(at("2026-03-10 15:00"))
    seen, _ = run_clock([moved], [Lead(before=HOUR)], PARIS, at("2026-03-10 10:00"), at("2026-03-10 16:00"), timedelta(minutes=1))
    assert [when for when, _, _ in seen] == [at("2026-03-10 14:00")]


def test_an_extended_shift_reminds_before_its_new_end():
    lead = [Lead(edge=Edge.END, before=timedelta(minutes=15))]
    fired = dict(decide([shift(at("2026-03-10 12:00"), at("2026-03-11 12:00"))], lead, PARIS, at("2026-03-11 11:45"), {}).settle)
    extended = shift(at("2026-03-10 12:00"), at("2026-03-11 18:00"))
    late = decide([extended], lead, PARIS, at("2026-03-11 17:45"), fired)
    assert [r.edge_at for r in late.fire] == [at("2026-03-11 18:00")]


def test_missed_reminders_older_than_the_grace_period_are_not_fired_late():
    week = shift(at("2026-03-10 12:00"))
    leads = [Lead(before=timedelta(hours=3))]
    assert decide([week], leads, PARIS, at("2026-03-10 09:09"), {}, grace=timedelta(minutes=10)).fire != ()
    assert decide([week], leads, PARIS, at("2026-03-10 09:11"), {}, grace=timedelta(minutes=10)).fire == ()


def test_waking_after_a_sleep_fires_only_the_nearest_missed_reminder_of_a_shift():
    week = shift(at("2026-03-10 12:00"))
    woke = at("2026-03-10 11:50")
    decision = decide([week], DEFAULT_LEADS, PARIS, woke, {}, grace=timedelta(hours=2))
    assert [r.lead.key for r in decision.fire] == ["15m"]
    assert {key.split("|")[-1] for key in decision.settle} == {"1h", "15m"}
    assert decide([week], DEFAULT_LEADS, PARIS, woke + MINUTE, dict(decision.settle), grace=timedelta(hours=2)).fire == ()


def test_a_reminder_that_something_starts_soon_never_comes_after_it_started():
    week = shift(at("2026-03-10 12:00"))
    assert decide([week], [Lead(before=timedelta(minutes=5))], PARIS, at("2026-03-10 12:01"), {}, grace=HOUR).fire == ()


def test_a_reminder_at_the_start_itself_says_it_starts_now():
    week = shift(at("2026-03-10 12:00"))
    decision = decide([week], [Lead()], PARIS, at("2026-03-10 12:00:01"), {})
    title, body = decision.fire[0].message(at("2026-03-10 12:00:01"), PARIS)
    assert title == "Your shift starts now"
    assert body == "data-platform: today 12:00 – Tue 17 Mar 12:00"


def test_messages_are_written_for_the_moment_they_show_in_my_zone():
    week = shift(at("2026-03-10 12:00"), at("2026-03-10 20:00"))
    evening, hour, quarter, end = planned([week], DEFAULT_LEADS, NEW_YORK)
    assert evening.message(evening.due, NEW_YORK) == ("Your shift starts tomorrow 07:00", "data-platform: tomorrow 07:00 – 15:00")
    assert hour.message(hour.due + timedelta(seconds=20), NEW_YORK)[0] == "Your shift starts in 1 hour"
    assert quarter.message(quarter.due, NEW_YORK)[0] == "Your shift starts in 15 minutes"
    assert end.message(end.due, NEW_YORK)[0] == "Your shift ends in 15 minutes"


def test_touching_segments_of_one_shift_remind_as_one_shift():
    regular = shift(at("2026-03-10 12:00"), at("2026-03-12 12:00"))
    override = shift(at("2026-03-12 12:00"), at("2026-03-17 12:00"))
    reminders = planned([regular, override], DEFAULT_LEADS, PARIS)
    assert [(r.lead.key, r.edge_at) for r in reminders if r.edge is Edge.END] == [("end-15m", at("2026-03-17 12:00"))]
    assert len(reminders) == 4


def test_secondary_shifts_are_reminded_and_say_so():
    from shared.oncall import Layer

    backup = shift(at("2026-03-10 12:00"), layer=Layer.SECONDARY)
    (reminder,) = decide([backup], [Lead(before=HOUR)], PARIS, at("2026-03-10 11:00"), {}).fire
    assert reminder.message(at("2026-03-10 11:00"), PARIS)[1].startswith("data-platform (secondary):")


def test_the_evening_before_is_local_across_the_spring_dst_change():
    # Europe/Paris springs forward on Sunday 29 March 2026 at 02:00.
    monday = shift(at("2026-03-30 09:00"))
    (evening,) = planned([monday], [Lead(evening=time(18))], PARIS)
    assert evening.due == datetime(2026, 3, 29, 16, 0, tzinfo=UTC)
    night = shift(at("2026-03-29 03:00"))
    (hour,) = planned([night], [Lead(before=HOUR)], PARIS)
    assert hour.due == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def test_the_evening_before_is_local_across_the_autumn_dst_change():
    # Europe/Paris falls back on Sunday 25 October 2026 at 03:00.
    monday = shift(at("2026-10-26 09:00"))
    (evening,) = planned([monday], [Lead(evening=time(18))], PARIS)
    assert evening.due == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)


def test_walking_a_dst_night_in_30_second_steps_fires_each_reminder_exactly_once():
    shifts = [
        shift(at("2026-10-25 02:30"), at("2026-10-25 04:00"), rotation="nights"),
        shift(at("2026-10-25 09:00"), at("2026-10-26 09:00")),
    ]
    leads = [*DEFAULT_LEADS, Lead(before=timedelta(minutes=30))]
    seen, _ = run_clock(shifts, leads, PARIS, at("2026-10-24 12:00"), at("2026-10-26 12:00"), timedelta(seconds=30))
    keys = [key for _, key, _ in seen]
    assert len(keys) == len(set(keys))
    assert all(when - reminder.due < timedelta(seconds=30) for when, _, reminder in seen)
    assert {(r.shift.rotation, r.lead.key) for _, _, r in seen} == {
        ("nights", "evening-18:00"),
        ("nights", "1h"),
        ("nights", "30m"),
        ("nights", "15m"),
        ("nights", "end-15m"),
        ("data-platform", "1h"),
        ("data-platform", "30m"),
        ("data-platform", "15m"),
        ("data-platform", "end-15m"),
        ("data-platform", "evening-18:00"),
    }


def test_fired_keys_are_forgotten_days_after_their_edge():
    fired = {"old": at("2026-03-01 12:00"), "recent": at("2026-03-09 12:00")}
    assert prune(fired, at("2026-03-10 12:00")) == {"recent": at("2026-03-09 12:00")}


@pytest.mark.parametrize("text", ["1h", "15m", "1h30m", "30s", "end-15m", "evening-18:00", "end-evening-20:00", "0m", "1d"])
def test_lead_times_read_back_as_they_are_written(text):
    assert Lead.parse(text).key == text


@pytest.mark.parametrize("text", ["", "soon", "15", "end-", "evening-25:00", "-1h", "1h-15m"])
def test_a_lead_time_that_cannot_be_read_says_how_to_write_one(text):
    with pytest.raises(LeadError, match="write 1h, 15m"):
        Lead.parse(text)


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)).map(lambda d: timedelta(seconds=int(d.total_seconds()))), st.booleans())
def test_any_lead_survives_its_text_form(before, at_end):
    lead = Lead(edge=Edge.END if at_end else Edge.START, before=before)
    assert Lead.parse(lead.key) == lead


def test_the_menu_offers_the_defaults_among_its_presets():
    assert set(DEFAULT_LEADS) <= set(PRESETS)


def test_reminder_times_from_rota_become_the_tray_s_own_leads():
    converted = leads_from_feed({
        "data-platform": leads(["15m", "evening 18:00", "90m", "1d", "15m"], ["15m", "evening 20:00"]),
        "releases": leads([]),
    })
    assert [lead.key for lead in converted["data-platform"]] == [
        "evening-18:00", "1d", "1h30m", "15m", "end-evening-20:00", "end-15m"]
    assert converted["releases"] == ()
    assert Lead.parse("end-evening-20:00").label == "The evening before it ends, at 20:00"


def test_each_rotation_s_shifts_are_reminded_at_its_own_times_once_each():
    shifts = [shift(at("2026-03-10 12:00"), at("2026-03-10 20:00")),
              shift(at("2026-03-11 09:00"), at("2026-03-11 17:00"), rotation="releases"),
              shift(at("2026-03-12 09:00"), at("2026-03-12 17:00"), rotation="ml-infra")]
    by_rotation = leads_from_feed({"data-platform": leads(["evening 18:00", "15m"]), "releases": leads([], ["evening 20:00"])})
    seen, _ = run_clock(shifts, by_rotation, PARIS, at("2026-03-09 12:00"), at("2026-03-13 00:00"), timedelta(minutes=1))
    assert [(when, r.shift.rotation, r.lead.key) for when, _, r in seen] == [
        (at("2026-03-09 18:00"), "data-platform", "evening-18:00"),
        (at("2026-03-10 11:45"), "data-platform", "15m"),
        (at("2026-03-10 20:00"), "releases", "end-evening-20:00"),
        (at("2026-03-11 18:00"), "ml-infra", "evening-18:00"),
        (at("2026-03-12 08:00"), "ml-infra", "1h"),
        (at("2026-03-12 08:45"), "ml-infra", "15m"),
        (at("2026-03-12 16:45"), "ml-infra", "end-15m"),
    ]
