"""Reminders by DM at the leads people chose: their own over the rotation's over Rota's."""

from __future__ import annotations

from datetime import timedelta

from bot.shifts.reminders import Lead, ReminderPrefs
from tests.shifts.conftest import ACTOR, ALICE, BOB, ERIN, FIRST_HANDOFF, ROTATION, Rig, chat_of


def texts(rig: Rig, email: str) -> list[str]:
    return [m.text for m in rig.outbox.to(chat_of(email)) if m.text]


async def test_each_person_is_reminded_at_their_own_leads(rig: Rig) -> None:
    await rig.run_until(FIRST_HANDOFF - timedelta(days=2))
    await rig.shifts.set_reminder_defaults(ROTATION, ReminderPrefs(before_end=(Lead.parse("30m"),)), ACTOR)
    await rig.shifts.set_person_reminders(BOB, ReminderPrefs(before_start=(Lead.parse("1h"),)), ACTOR)
    await rig.timers.poke("shift-reminders")

    await rig.run_until(FIRST_HANDOFF + timedelta(minutes=1))

    assert [t.split(" and runs")[0] for t in texts(rig, BOB)] == [
        "⏰ Your data-platform duty starts today 12:00 (in 1 hour)"]
    assert [t.split(".")[0] for t in texts(rig, ALICE)][-1] == "⏰ Your data-platform duty ends today 12:00 (in 30 minutes)"
    assert texts(rig, ERIN) == []  # no chat with Rota: nothing to send
