"""`remind` in chat on the live timers: the reminder timer plans again at once, so a new
lead is kept even when it falls before the reminder that was planned."""

from __future__ import annotations

from bot.chat.context import Collaborators
from bot.chat.resource import PersonReminders
from bot.chat.service import ChatService
from bot.conversations import ChatTurn, ChatUser, ConversationKind, ConversationRecord
from bot.shifts.reminding import REMINDERS
from tests.shifts.conftest import ALICE, PARIS, START, Rig, chat_of, utc


async def test_a_reminder_set_in_chat_goes_at_its_new_time(rig: Rig) -> None:
    await rig.run_until(START)
    chat = ConversationRecord(key=chat_of(ALICE), kind=ConversationKind.PERSONAL, service_url="https://smba.test/",
                              conversation_id=chat_of(ALICE), person=ALICE)  # fmt: skip
    service = ChatService(rig.store, rig.teams, rig.outbox, rig.clock,
                          Collaborators(reminders=PersonReminders(rig.services)))  # fmt: skip
    planned = rig.timers.planned(REMINDERS)

    await service.on_turn(ChatTurn(user=ChatUser(teams_id="29:alice", email=ALICE, timezone=PARIS),
                                   conversation=chat, text="remind start 2h"))  # fmt: skip
    replanned = rig.timers.planned(REMINDERS)
    await rig.run_until(utc(2026, 3, 2, 9, 1))

    assert planned == utc(2026, 3, 2, 10, 45)  # a quarter of an hour before Alice's first shift, at 12:00 in Paris
    assert replanned == START
    assert [m.text.split(" and runs")[0] for m in rig.outbox.to(chat_of(ALICE)) if m.text][-1] == (
        "⏰ Your data-platform duty starts today 12:00 (in 2 hours)")
