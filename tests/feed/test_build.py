"""The feed's pure parts: what a person's feed holds, and what a stream sends to go from
one feed to the next (including a whole new feed when something left it)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

from bot.alerts import model
from bot.feed.api import links_for
from bot.feed.build import Snapshot, events_between, feed_alert, feed_for, schedule
from bot.feed.hub import FeedHub, causes_of
from bot.feed.commits import Audited
from bot.shifts.reminders import ReminderPrefs
from shared.feed import AlertEvent, AlertState, FeedEvent, Links, ReminderLeads, ShiftChangedEvent
from bot.settings import Settings
from manifest.build import TEMPLATE
from shared.rotation import Override, Rotation, Secondary, ShiftLength
from tests.feed.conftest import ALICE, BOB, CAROL, DAN, NOW, ROTATION, utc

LINKS = Links(schedule="http://127.0.0.1:3978/tab/schedule")


def team(**changes) -> Rotation:
    values = dict(name=ROTATION, timezone="Europe/Paris", shift=ShiftLength.parse("1w"), handoff="2026-03-02 12:00",
                  members=(ALICE, BOB, CAROL), secondary=Secondary.parse("next"))
    return Rotation(**{**values, **changes})


def alert(alert_id: int, state: model.AlertState = model.AlertState.TRIGGERED, **changes) -> model.Alert:
    opened = model.Alert.open(model.IncomingAlert(dedup_key=f"k{alert_id}", title="Nightly ETL failed"),
                              rotation=ROTATION, integration=model.IntegrationKind.GENERIC, at=NOW, id=alert_id)
    if state is model.AlertState.RESOLVED:
        return opened.resolve(NOW, CAROL)
    return replace(opened, state=state, **changes)


def feed_of(user: str, *rotations: Rotation, alerts=(), at: datetime = NOW, own=None, defaults=None):
    snapshot = Snapshot(at=at, rotations={r.name: r for r in rotations}, alerts=list(alerts),
                        own_reminders=own or {}, reminder_defaults=defaults or {})
    return feed_for(user, schedule(snapshot, LINKS))


def prefs(**leads: list[str]) -> ReminderPrefs:
    return ReminderPrefs.from_dict(leads)


def test_a_stretch_under_way_is_listed_from_when_it_began_and_its_end_named():
    covered = team(overrides=(Override(ALICE, utc(2026, 3, 1), utc(2026, 3, 27)),))
    solo = team(name="solo", members=(DAN,), secondary=Secondary.parse("none"))

    mine, dans = feed_of(ALICE, covered), feed_of(DAN, solo)

    assert (mine.shifts[0].start, mine.shifts[0].end, mine.shifts[0].reason) == (
        utc(2026, 3, 1), utc(2026, 3, 27), "override")
    assert mine.rotations[0].until == utc(2026, 3, 27)
    assert dans.rotations[0].until is None and dans.shifts[0].start == utc(2026, 3, 2, 11)


def test_a_later_look_at_an_unchanged_schedule_sends_nothing():
    before = feed_of(ALICE, team())
    later = feed_of(ALICE, team(), at=NOW + timedelta(hours=2))

    assert later != before
    assert events_between(before, later, {}, {}) == []


def test_a_rotation_i_left_or_an_alert_no_longer_mine_needs_the_whole_feed():
    before = feed_of(ALICE, team(), team(name="ml-infra"), alerts=[alert(1)])
    left = feed_of(ALICE, team(), team(name="ml-infra", members=(BOB, CAROL)), alerts=[alert(1)])
    handed_on = feed_of(ALICE, team(), team(name="ml-infra"), alerts=[alert(1)], at=utc(2026, 3, 30, 12))

    assert [type(e) for e in events_between(before, left, {}, {})] == [FeedEvent]
    assert [type(e) for e in events_between(before, handed_on, {}, {})] == [FeedEvent]


def test_a_resolved_alert_and_a_change_of_shifts_are_events_of_their_own():
    before = feed_of(ALICE, team(), alerts=[alert(1), alert(2)])
    swapped = team(overrides=(Override(BOB, utc(2026, 3, 24), utc(2026, 3, 25), created=1),
                              Override(ALICE, utc(2026, 3, 31), utc(2026, 4, 1), created=2)))
    after = feed_of(ALICE, swapped, alerts=[alert(2)])
    resolved = feed_alert(alert(1, model.AlertState.RESOLVED), LINKS)

    events = events_between(before, after, {"1": resolved}, {ROTATION: "swap"})

    assert [type(e) for e in events] == [ShiftChangedEvent, AlertEvent]
    assert events[0].data.cause == "swap"
    assert events[1].data.id == "1" and events[1].data.state is AlertState.RESOLVED


def test_only_alerts_of_rotations_i_hold_now_or_acknowledged_are_mine():
    alerts = [alert(1), alert(2, state=model.AlertState.ACKNOWLEDGED, acknowledged_by=DAN, acknowledged_at=NOW),
              alert(3, state=model.AlertState.HELD, held_until=NOW + timedelta(hours=9))]

    assert [a.id for a in feed_of(CAROL, team(), alerts=alerts).alerts] == ["1", "2"]
    assert [a.id for a in feed_of(BOB, team(), alerts=alerts).alerts] == []
    assert [a.id for a in feed_of(DAN, team(), alerts=alerts).alerts] == ["2"]


def test_my_reminder_times_are_mine_else_my_rotation_s_else_rota_s_for_starts_and_ends_apart():
    rotations = (team(), team(name="ml-infra"), team(name="releases"))
    defaults = {"ml-infra": prefs(before_start=["1h"], before_end=["30m"]), "releases": prefs(before_end=["1h"])}

    theirs = feed_of(ALICE, *rotations, defaults=defaults)
    mine = feed_of(ALICE, *rotations, defaults=defaults, own={ALICE: prefs(before_start=["evening 19:30", "90m"])})

    assert theirs.reminders == {
        ROTATION: ReminderLeads(before_start=["evening 18:00", "15m"], before_end=["15m"]),
        "ml-infra": ReminderLeads(before_start=["1h"], before_end=["30m"]),
        "releases": ReminderLeads(before_start=["evening 18:00", "15m"], before_end=["1h"]),
    }
    assert mine.reminders == {
        ROTATION: ReminderLeads(before_start=["evening 19:30", "90m"], before_end=["15m"]),
        "ml-infra": ReminderLeads(before_start=["evening 19:30", "90m"], before_end=["30m"]),
        "releases": ReminderLeads(before_start=["evening 19:30", "90m"], before_end=["1h"]),
    }
    assert feed_of(DAN, *rotations, own={ALICE: prefs(before_start=["1h"])}).reminders == {}


def test_new_reminder_times_are_a_whole_new_feed_and_someone_else_s_are_nothing():
    before = feed_of(ALICE, team())
    quiet = feed_of(ALICE, team(), own={ALICE: prefs(before_start=["evening 18:00", "15m"])})
    changed = feed_of(ALICE, team(), own={ALICE: prefs(before_start=["1h"]), BOB: prefs(before_end=["1h"])})
    not_mine = feed_of(ALICE, team(), own={BOB: prefs(before_end=["1h"])})

    assert events_between(before, quiet, {}, {}) == []
    assert events_between(before, not_mine, {}, {}) == []
    assert events_between(before, changed, {}, {}) == [FeedEvent(type="feed", data=changed)]
    assert changed.reminders[ROTATION].before_start == ["1h"]


def test_what_a_commit_did_is_named_by_its_audit_entries():
    swap = [Audited(ROTATION, "override.add"), Audited(ROTATION, "override.add")]

    assert causes_of(swap) == {ROTATION: "swap"}
    assert causes_of([Audited(ROTATION, "time_off.delete"), Audited(None, "token.create")]) == {ROTATION: "time-off"}
    assert causes_of([Audited("ml-infra", "rotation.update")]) == {"ml-infra": "schedule"}


class Reader:
    """The hub's data, changed by the test; counts how often it is read."""

    def __init__(self, rotation: Rotation) -> None:
        self.rotation = rotation
        self.reads = 0

    async def snapshot(self) -> Snapshot:
        self.reads += 1
        return Snapshot(at=NOW, rotations={self.rotation.name: self.rotation})

    async def resolved(self, alert_ids):
        return []


async def test_a_stream_that_fell_behind_catches_up_in_one_step_and_idle_hubs_read_nothing():
    reader = Reader(team())
    hub = FeedHub(reader, LINKS)
    hub.changed({ROTATION: "override"})
    assert reader.reads == 0

    async with hub.subscription(ALICE) as subscription:
        await subscription.wait(1)
        [first] = subscription.take()
        for day in (24, 25, 26):
            reader.rotation = team(overrides=(Override(BOB, utc(2026, 3, day), utc(2026, 3, day + 1)),))
            hub.changed({ROTATION: "override"})
            await hub.settle()
        caught_up = subscription.take()

    assert isinstance(first, FeedEvent)
    assert reader.reads == 4
    assert [type(e) for e in caught_up] == [ShiftChangedEvent]
    assert (caught_up[0].data.shifts[2].start, caught_up[0].data.shifts[2].end) == (utc(2026, 3, 27), utc(2026, 3, 30, 10))
    assert hub.watching == 0


def test_with_microsoft_credentials_the_schedule_opens_in_teams_where_the_person_is_signed_in():
    app_id = "11111111-2222-3333-4444-555555555555"
    links = links_for(Settings(app_id=app_id, app_password="secret"))

    assert links.schedule == f"https://teams.microsoft.com/l/entity/{app_id}/schedule?label=Schedule"
    assert links.teams == f"https://teams.microsoft.com/l/chat/0/0?users=28:{app_id}"
    assert "schedule" in {tab["entityId"] for tab in json.loads(TEMPLATE.read_text())["staticTabs"]}
