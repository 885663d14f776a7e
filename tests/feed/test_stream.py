"""`GET /api/v1/me/stream` over a loopback connection: the whole feed first, then what
changes as it changes (an override made through the API, a handoff, an alert handed to
me, new reminder times), pings while nothing happens, and nothing kept once the client has gone."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.appkeys import FEED, TIMERS
from bot.feed.handoffs import SOURCE_NAME
from bot.storage import Store
from shared.feed import AlertEvent, AlertState, FeedEvent, PingEvent, ReminderLeads, ShiftChangedEvent
from shared.rotation import Override
from tests.api.conftest import Api
from tests.feed.conftest import ALICE, BOB, CAROL, PROMPTLY, ROTATION, Stream, open_stream, override, utc
from tests.storage.conftest import FakeClock

PING = 0.2


async def test_the_first_event_is_my_whole_feed(stream: Stream, alice: Api):
    first = await stream.next()

    assert isinstance(first, FeedEvent)
    assert first.data.model_dump(mode="json") == await alice.ok("GET", "/api/v1/me/shifts")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_an_override_made_through_the_api_arrives_within_a_second(admin: Api, stream: Stream):
    await stream.next()
    started = time.monotonic()

    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/overrides", json=override(BOB, utc(2026, 3, 25), 24))
    changed = await stream.next_change()

    assert time.monotonic() - started < PROMPTLY
    assert isinstance(changed, ShiftChangedEvent)
    assert changed.data.cause == "override"
    assert changed.data.rotation.name == ROTATION
    assert [(s.start, s.end) for s in changed.data.shifts if s.layer == "primary"][:2] == [
        (utc(2026, 3, 23, 11), utc(2026, 3, 25)), (utc(2026, 3, 26), utc(2026, 3, 30, 10))]


@pytest.mark.parametrize("catch_up_interval", [0.2])
async def test_a_change_made_by_another_process_arrives_with_the_next_catch_up(database_url, admin: Api,
                                                                               stream: Stream):
    await stream.next()

    elsewhere = await Store.open(database_url)  # as `rota apply`, or another replica, would write
    try:
        await elsewhere.add_override(ROTATION, Override(BOB, utc(2026, 3, 25), utc(2026, 3, 26)), "cli:ops")
    finally:
        await elsewhere.close()
    changed = await stream.next_change()

    assert isinstance(changed, ShiftChangedEvent) and changed.data.rotation.name == ROTATION
    assert [(s.start, s.end) for s in changed.data.shifts if s.layer == "primary"][:2] == [
        (utc(2026, 3, 23, 11), utc(2026, 3, 25)), (utc(2026, 3, 26), utc(2026, 3, 30, 10))]


async def test_time_off_and_a_change_that_is_not_mine_are_told_apart(admin: Api, stream: Stream):
    await stream.next()

    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/overrides", json=override(BOB, utc(2026, 4, 1), 24))
    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/time-off", json={
        "person": ALICE, "start": "2026-03-23T11:00:00Z", "end": "2026-03-30T10:00:00Z"})
    changed = await stream.next_change()

    assert isinstance(changed, ShiftChangedEvent) and changed.data.cause == "time-off"
    assert [s.reason for s in changed.data.shifts if s.start == utc(2026, 3, 23, 11)] == []


async def test_a_handoff_tells_the_stream_who_holds_duty_now(app, clock: FakeClock, stream: Stream):
    await stream.next()

    clock.advance(timedelta(days=3, hours=1))
    await app[TIMERS].fire(SOURCE_NAME)
    changed = await stream.next_change()

    assert isinstance(changed, ShiftChangedEvent)
    assert changed.data.cause == "handoff"
    assert (changed.data.rotation.primary, changed.data.rotation.secondary) == (ALICE, BOB)
    assert changed.data.rotation.until == utc(2026, 3, 30, 10)


async def test_an_alert_handed_to_me_and_its_acknowledgement_arrive(admin: Api, alice: Api, stream: Stream):
    await stream.next()
    created = await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/integrations", json={"kind": "generic"})

    fired = await admin.client.post(f"/api/alerts/{created['id']}", headers={"Authorization": f"Bearer {created['secret']}"},
                                    json={"title": "Nightly ETL failed", "severity": "critical", "dedup_key": "etl"})
    assert fired.status == 200
    handed = await stream.next_change()
    acknowledged = await alice.ok("POST", f"/api/v1/me/alerts/{handed.data.id}/acknowledge")
    told = await stream.next_change()

    assert isinstance(handed, AlertEvent)
    assert (handed.data.title, handed.data.severity, handed.data.state) == ("Nightly ETL failed", "critical", "open")
    assert acknowledged["state"] == "acknowledged"
    assert isinstance(told, AlertEvent) and told.data.state is AlertState.ACKNOWLEDGED


@pytest.mark.parametrize("ping_interval", [PING])
async def test_a_quiet_stream_pings_every_interval(stream: Stream):
    await stream.next()
    arrived = []
    for _ in range(3):
        event = await stream.next(timeout=PING * 10)
        arrived.append(time.monotonic())
        assert isinstance(event, PingEvent)

    gaps = [later - earlier for earlier, later in zip(arrived, arrived[1:])]
    assert all(PING * 0.5 < gap < PING * 5 for gap in gaps), gaps


@pytest.mark.parametrize("ping_interval", [PING])
async def test_a_client_that_leaves_leaves_nothing_behind(app, alice: Api):
    opened = await open_stream(alice)
    await opened.next()
    assert app[FEED].watching == 1

    opened.close()
    await asyncio.wait_for(app[FEED].until_idle(), PING * 10)

    assert app[FEED].watching == 0


async def test_two_people_streaming_each_hear_only_their_own(admin: Api, alice: Api, bob: Api, stream: Stream):
    bobs = await open_stream(bob)
    await stream.next()
    first = await bobs.next()

    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/time-off", json={
        "person": CAROL, "start": "2026-04-06T10:00:00Z", "end": "2026-04-13T10:00:00Z"})
    mine, theirs = await stream.next_change(), await bobs.next_change()
    bobs.close()

    assert first.data.user == BOB
    assert {s.person for s in mine.data.shifts} == {ALICE}
    assert {s.person for s in theirs.data.shifts} == {BOB}


async def test_joining_moves_my_shifts_and_leaving_sends_a_feed_without_the_rotation(admin: Api, stream: Stream):
    await stream.next()

    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/members", json={"person": "dan@example.com"})
    joined = await stream.next_change()
    await admin.ok("DELETE", f"/api/v1/rotations/{ROTATION}/members/{ALICE}")
    left = await stream.next_change()

    assert isinstance(joined, ShiftChangedEvent) and joined.data.cause == "schedule"
    assert isinstance(left, FeedEvent)
    assert (left.data.rotations, left.data.shifts) == ([], [])


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_new_reminder_times_reach_an_open_stream_as_a_new_feed(admin: Api, stream: Stream):
    first = await stream.next()

    await admin.ok("PUT", f"/api/v1/rotations/{ROTATION}/reminders", json={"before_start": ["1h"], "before_end": ["1h"]})
    from_rotation = await stream.next_change()
    await admin.ok("PUT", f"/api/v1/people/{ALICE}/reminders", json={"before_start": ["evening 18:00", "15m"]})
    mine = await stream.next_change()
    await admin.ok("PUT", f"/api/v1/people/{BOB}/reminders", json={"before_start": ["2h"]})
    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/overrides", json=override(BOB, utc(2026, 3, 25), 24))
    then = await stream.next_change()

    assert first.data.reminders == {ROTATION: ReminderLeads(before_start=["evening 18:00", "15m"], before_end=["15m"])}
    assert isinstance(from_rotation, FeedEvent) and from_rotation.data.shifts == first.data.shifts
    assert from_rotation.data.reminders == {ROTATION: ReminderLeads(before_start=["1h"], before_end=["1h"])}
    assert isinstance(mine, FeedEvent)
    assert mine.data.reminders == {ROTATION: ReminderLeads(before_start=["evening 18:00", "15m"], before_end=["1h"])}
    assert isinstance(then, ShiftChangedEvent) and then.data.cause == "override"
