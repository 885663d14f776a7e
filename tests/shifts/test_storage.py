"""The shift lifecycle's storage on both backends: duties replaced quietly when unchanged,
timer records inserted once, ticks under a lock, notices, schedules, post-mortems, links."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.chat.duty import Stretch
from bot.shifts.checklist import DutyRun
from bot.shifts.postmortem import Postmortem
from bot.shifts.reminders import Lead, ReminderPrefs
from bot.shifts.routine import RoutineDuty
from bot.storage import NotFound, Store
from bot.storage.alerts import AlertStore
from bot.storage.shifts import HandoverRecord, Notice, ShiftStore, Snapshot
from bot.storage.teams import TeamsStore
from shared.rotation import Override
from tests.shifts.conftest import ACTOR, ALICE, BOB, CAROL, ROTATION, START, firing, seed, utc
from tests.storage.conftest import FakeClock

DUTIES = [RoutineDuty.parse("weekdays 16:00 Production rollout checklist: dashboards green; announce; deploy"),
          RoutineDuty.parse("thu 18:00 Pre-prod push")]  # fmt: skip


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[Store, ShiftStore]]:
    clock = FakeClock(START)
    store = await Store.open(database_url, clock=clock)
    await seed(store, TeamsStore(store.engine, clock=clock))
    try:
        yield store, ShiftStore(store.engine, clock=clock)
    finally:
        await store.close()


async def test_duties_are_replaced_as_a_list_and_the_same_list_again_changes_nothing(stores) -> None:
    store, shifts = stores
    stored = await shifts.replace_duties(ROTATION, DUTIES, ACTOR)
    again = await shifts.replace_duties(ROTATION, DUTIES, ACTOR)

    assert [d.line() for d in stored] == [d.line() for d in DUTIES] == [d.line() for d in again]
    assert [d.id for d in again] == [d.id for d in stored]
    assert [e.action for e in await store.audit_log(ROTATION, limit=5)].count("duties.replace") == 1
    assert await shifts.all_duties() == {ROTATION: stored}
    await shifts.replace_duties(ROTATION, [], ACTOR)
    assert await shifts.duties(ROTATION) == []
    with pytest.raises(NotFound):
        await shifts.duties("nope")


def _run(due_minutes: int = 0) -> DutyRun:
    due = utc(2026, 3, 2, 15) + timedelta(minutes=due_minutes)
    return DutyRun(ROTATION, "Production rollout checklist", ("dashboards green", "announce"), due,
                  utc(2026, 3, 9, 11), ALICE, f"duty:{due_minutes}")  # fmt: skip


async def test_a_run_is_stored_once_and_two_ticks_at_once_both_count(stores) -> None:
    _, shifts = stores
    first, new = await shifts.add_run(_run())
    again, new_again = await shifts.add_run(_run())

    assert (new, new_again, again.id) == (True, False, first.id)
    await asyncio.gather(shifts.tick(first.id, 0, True, ALICE), shifts.tick(first.id, 1, True, BOB))
    done = await shifts.run(first.id)
    assert done.done and done.unticked == () and {t.by for t in done.ticked.values()} == {ALICE, BOB}
    undone = await shifts.tick(first.id, 1, False, ALICE)
    assert (undone.done, undone.unticked) == (False, ("announce",))
    assert [r.id for r in await shifts.runs(ROTATION, utc(2026, 3, 2), utc(2026, 3, 3))] == [first.id]


async def test_a_handover_is_recorded_once(stores) -> None:
    _, shifts = stores
    record = HandoverRecord(ROTATION, utc(2026, 3, 9, 11), utc(2026, 3, 2, 11), ALICE, BOB, utc(2026, 3, 9, 14), True)

    assert await shifts.record_handover(record) is True
    assert await shifts.record_handover(record) is False
    assert await shifts.handover_posted(ROTATION, record.handoff_at)
    assert await shifts.handovers(ROTATION, utc(2026, 3, 1), utc(2026, 4, 1)) == [record]


async def test_reminder_choices_are_kept_per_rotation_and_per_person(stores) -> None:
    _, shifts = stores
    mine = ReminderPrefs(before_start=(Lead.parse("evening 18:00"), Lead.parse("15m")))
    await shifts.set_reminder_defaults(ROTATION, ReminderPrefs(before_end=(Lead.parse("30m"),)), ACTOR)
    await shifts.set_person_reminders(BOB, mine, ACTOR)

    assert (await shifts.reminder_defaults())[ROTATION].before_end == (Lead.parse("30m"),)
    assert await shifts.person_reminders([BOB, ALICE]) == {BOB: mine}
    await shifts.set_person_reminders(BOB, None, ACTOR)
    assert await shifts.person_reminders([BOB]) == {}


async def test_notices_settle_once_and_schedules_and_changes_are_read_back(stores) -> None:
    store, shifts = stores
    notice = Notice("remind:x", ROTATION, BOB, "remind-start", utc(2026, 3, 8, 17))
    await shifts.settle([notice])
    await shifts.settle([notice, Notice("remind:y", ROTATION, BOB, "remind-start", utc(2026, 3, 9, 10), sent=False)])
    assert await shifts.settled(["remind:x", "remind:y", "remind:z"]) == {"remind:x", "remind:y"}

    mark = (await shifts.last_changes())[ROTATION]
    snapshot = Snapshot(mark, START, START + timedelta(weeks=8), (Stretch(ALICE, utc(2026, 3, 2, 11), utc(2026, 3, 9, 11)),))
    await shifts.save_snapshot(ROTATION, snapshot)
    assert (await shifts.snapshots())[ROTATION] == snapshot
    await shifts.replace_duties(ROTATION, DUTIES, "teams:bob@example.com")
    await store.add_override(ROTATION, Override(CAROL, utc(2026, 3, 20, 9), utc(2026, 3, 21, 9)), "teams:alice@example.com")
    assert (await shifts.last_changes())[ROTATION] > mark
    assert await shifts.actors_since(ROTATION, mark) == ["teams:alice@example.com"]  # duties move no shift


async def test_a_post_mortem_is_asked_once_and_its_answer_kept(stores) -> None:
    _, shifts = stores
    prompt = Postmortem(7, ROTATION, "Orders ETL down", ALICE, utc(2026, 3, 3, 9), "postmortem:7")

    assert await shifts.ask(prompt) and not await shifts.ask(prompt)
    assert await shifts.asked([7, 8]) == {7}
    saved = await shifts.submit(7, "Disk full on db1; cleaned and alerted earlier now.", "https://wiki.example.com/pm/7",
                                ALICE)  # fmt: skip
    assert saved.submitted and saved.link == "https://wiki.example.com/pm/7"
    assert await shifts.postmortems(ROTATION, utc(2026, 3, 3), utc(2026, 3, 4)) == [saved]
    with pytest.raises(NotFound):
        await shifts.submit(8, "x", None, ALICE)


async def test_alerts_are_read_by_arrival_and_openness(stores) -> None:
    store, shifts = stores
    clock = FakeClock(utc(2026, 3, 1))
    alerts = AlertStore(store.engine, clock)
    async with alerts.transaction() as work:
        early = await work.insert(firing("Disk full", clock.now), integration_id=None, due_at=None)
    clock.now = utc(2026, 3, 3)
    async with alerts.transaction() as work:
        late = await work.insert(firing("ETL failed", clock.now), integration_id=None, due_at=None)
        await work.save(late, late.alert.resolve(clock.now, ALICE), None)

    assert [a.title for a in await shifts.alerts(ROTATION, START, utc(2026, 3, 9))] == ["ETL failed"]
    assert [a.id for a in await shifts.alerts(ROTATION, START, utc(2026, 3, 9), still_open=True)] == [early.id,
                                                                                                    late.id]
    assert [a.id for a in await shifts.resolved_critical(utc(2026, 3, 2))] == [late.id]


async def test_a_report_link_shows_one_rotation_s_chart_for_one_period_until_it_expires(stores) -> None:
    _, shifts = stores
    start, end = utc(2026, 3, 1), utc(2026, 4, 1)
    token = await shifts.add_report_link(ROTATION, start, end, START + timedelta(days=90))

    assert await shifts.report_link_allows(token, ROTATION, start, end)
    assert not await shifts.report_link_allows(token, ROTATION, start, end + timedelta(days=1))
    assert not await shifts.report_link_allows(token, "other", start, end)
    assert not await shifts.report_link_allows("nope", ROTATION, start, end)
