"""A change that moves someone's future shifts tells them which: a swap made in chat, time
off that hands days to the next in line, a new member who shifts everyone after them."""

from __future__ import annotations

from dataclasses import replace

from bot.chat.service import ChatService
from bot.conversations import ChatTurn, ChatUser, ConversationKind, ConversationRecord
from bot.shifts.reminding import CHANGES
from shared.rotation import TimeOff
from tests.shifts.conftest import ACTOR, ALICE, BOB, CAROL, DAN, ERIN, NAMES, PARIS, ROTATION, Rig, chat_of, utc


def change_notices(rig: Rig, email: str) -> list[str]:
    return [m.text for m in rig.outbox.to(chat_of(email)) if m.text and "shifts changed" in m.text]


async def says(service: ChatService, email: str, text: str) -> str:
    user = ChatUser(teams_id=f"29:{email}", name=NAMES[email.split("@")[0]], email=email, timezone=PARIS)
    chat = ConversationRecord(key=chat_of(email), kind=ConversationKind.PERSONAL, service_url="https://smba.test/",
                              conversation_id=chat_of(email), person=email)  # fmt: skip
    [reply] = await service.on_turn(ChatTurn(user=user, conversation=chat, text=text))
    return reply.text or ""


async def test_a_swap_in_chat_tells_the_other_person_which_of_their_shifts_moved(rig: Rig) -> None:
    await rig.timers.fire(CHANGES)  # the copy of the schedule the change will be compared with
    rig.clock.now = utc(2026, 3, 4, 9)
    chat = ChatService(rig.store, rig.teams, rig.outbox, rig.clock)

    answer = await says(chat, BOB, "swap 9 mar with carol@example.com")
    assert answer.startswith("Swapped in data-platform")
    # Nothing pokes the watcher: its next look at the audit log (a minute after the last) finds the change.
    assert rig.timers.planned(CHANGES) < rig.clock.now
    await rig.timers.fire(CHANGES)

    [told] = change_notices(rig, CAROL)
    assert told.splitlines() == [
        "Your data-platform shifts changed (by Bob Smith):",
        "- no longer yours: Mon 16 Mar 12:00 → Mon 23 Mar 12:00 (now Bob Smith)",
        "- now yours: Mon 9 Mar 12:00 → Mon 16 Mar 12:00 (was Bob Smith)",
        "Type “my shifts” to see them all.",
    ]
    assert change_notices(rig, BOB) == []  # he made the change
    assert all(change_notices(rig, other) == [] for other in (ALICE, DAN))
    await rig.timers.fire(CHANGES)
    assert len(change_notices(rig, CAROL)) == 1


async def test_time_off_and_a_new_member_tell_everyone_whose_shifts_moved(rig: Rig) -> None:
    await rig.timers.fire(CHANGES)
    away = TimeOff(BOB, utc(2026, 3, 11, 23), utc(2026, 3, 13, 23))
    await rig.store.add_time_off(ROTATION, away, ACTOR)
    await rig.timers.fire(CHANGES)

    [carol] = change_notices(rig, CAROL)
    assert "- now yours: Thu 12 Mar 00:00 → Sat 14 Mar 00:00 (was Bob Smith)" in carol
    assert "by test" in carol
    [bob] = change_notices(rig, BOB)
    assert "- no longer yours: Thu 12 Mar 00:00 → Sat 14 Mar 00:00 (now Carol Diaz)" in bob

    rotation = await rig.store.get_rotation(ROTATION)
    await rig.store.update_rotation(replace(rotation, members=(ALICE, "fay@example.com", BOB, CAROL, DAN, ERIN)),
                                    "teams:fay@example.com")  # fmt: skip
    await rig.timers.fire(CHANGES)
    # Six turns now, not five: everyone's later weeks move. Erin has no chat with Rota, so she cannot be told.
    assert [len(change_notices(rig, person)) for person in (ALICE, BOB, CAROL, DAN, ERIN)] == [1, 2, 2, 1, 0]
    assert "(by fay@example.com)" in change_notices(rig, DAN)[0]
