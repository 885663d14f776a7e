"""A handoff while the service is down: posted once when it comes back, saying it is late;
the next one on time."""

from __future__ import annotations

from datetime import timedelta

from bot.shifts.handoffs import SOURCE_NAME
from tests.cards.reading import shown
from tests.render.fixtures import ARTIFACTS, RenderCardPng
from tests.shifts.conftest import (
    BOB,
    CAROL,
    CHANNEL,
    FIRST_HANDOFF,
    START,
    OutboxRecorder,
    chat_of,
    close_rig,
    open_rig,
)
from tests.storage.conftest import FakeClock


async def test_a_handoff_missed_while_down_is_posted_once_on_return(sqlite_url: str, render_card_png: RenderCardPng):
    clock, outbox = FakeClock(START), OutboxRecorder()
    rig = await open_rig(sqlite_url, clock, outbox)
    await rig.run_until(FIRST_HANDOFF - timedelta(hours=1))
    assert rig.timers.planned(SOURCE_NAME) == FIRST_HANDOFF
    await close_rig(rig)

    clock.now = FIRST_HANDOFF + timedelta(hours=3)
    rig = await open_rig(sqlite_url, clock, outbox, seeded=True)
    assert rig.timers.planned(SOURCE_NAME) == clock.now
    await rig.run_until(clock.now)
    await close_rig(rig)
    rig = await open_rig(sqlite_url, clock, outbox, seeded=True)
    await rig.run_until(clock.now + timedelta(hours=1))

    [late] = outbox.cards_to(CHANNEL.key)
    assert "Posted late, at Mon 9 Mar 15:00: Rota was not running at the handoff." in shown(late)
    handovers = [key for key in outbox.calls if key.startswith("handover:")]
    assert handovers == ["handover:data-platform:20260309T110000Z:" + handovers[0].rsplit(":", 1)[1],
                         "handover:data-platform:20260309T110000Z:checklist"]  # fmt: skip
    assert len(outbox.to(chat_of(BOB))) >= 1
    render_card_png(late, ARTIFACTS / "handover-late.png")

    await rig.run_until(FIRST_HANDOFF + timedelta(weeks=1, minutes=1))
    on_time = outbox.cards_to(CHANNEL.key)[-1]
    assert len(outbox.cards_to(CHANNEL.key)) == 2
    assert "late" not in shown(on_time) and "**Bob Smith** → **Carol Diaz**" in shown(on_time)
    assert any(m.card for m in outbox.to(chat_of(CAROL)))
    await close_rig(rig)
