"""A simulated week of duty, Monday noon to Monday noon: routine duties ticked (one item
left), a log, two alerts (a critical one at night, written up in a post-mortem), a
backlog item closed, reminders, then the handover to Bob and his checklist; the report of
the week. The cards and the chart are drawn to test-artifacts/ to be looked at.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from bot.alerts.model import Severity
from bot.chat.ports import ReportRequest
from bot.conversations import ActionRouter, CardAction, ChatUser, ConversationKind, ConversationRecord
from bot.shifts import duties, postmortems
from bot.shifts.duties import DutyActions
from bot.shifts.postmortems import PostmortemActions
from bot.shifts.reporting import Reports
from bot.shifts.routine import RoutineDuty
from tests.cards.reading import actions, schema_errors, shown
from tests.render.fixtures import ARTIFACTS, RenderCardPng
from tests.shifts.conftest import (
    ACTOR,
    ALICE,
    BOB,
    CHANNEL,
    FIRST_HANDOFF,
    NAMES,
    PARIS,
    ROTATION,
    Rig,
    chat_of,
    firing,
    utc,
)

REPORTS = ARTIFACTS.parent / "reports"
ROUTINE = [
    RoutineDuty.parse("weekdays 16:00 Production rollout checklist: dashboards green; announce in #releases; "
                      "deploy; watch the error rate for 15 minutes"),  # fmt: skip
    RoutineDuty.parse("thu 18:00 Pre-prod push"),
    RoutineDuty.parse("sat 09:00 Watch the release: error rate; latency; support queue"),
]
ALICE_SHIFT = utc(2026, 3, 2, 11)


def press(router: ActionRouter, email: str, data: dict, conversation: str) -> CardAction:
    record = ConversationRecord(key=conversation, kind=ConversationKind.PERSONAL, service_url="https://smba.test/",
                                conversation_id=conversation, person=email)  # fmt: skip
    user = ChatUser(teams_id=f"29:{email}", name=NAMES[email.split("@")[0]], email=email, timezone=PARIS)
    return CardAction(verb=data.get("verb"), data=data, user=user, conversation=record)


def tick_buttons(card: dict, *, done: bool = True) -> list[dict]:
    return [a["data"] for a in actions(card) if a.get("verb") == duties.PREFIX + "tick" and a["data"]["done"] is done]


async def do_the_week(rig: Rig, router: ActionRouter) -> dict[str, dict]:
    """Alice's week as it happens; returns cards worth a picture."""
    kept: dict[str, dict] = {}
    await rig.shifts.replace_duties(ROTATION, ROUTINE, ACTOR)
    await rig.timers.poke("routine-duties")
    # Tuesday 02:10 in Paris: the orders ETL fails; Alice acknowledges at 02:18 and resolves at 03:05.
    await rig.run_until(utc(2026, 3, 3, 1, 10))
    night = await rig.add_alert(firing("Orders ETL failed", rig.clock.now).escalate(rig.clock.now, "Alice Martin"))
    rig.clock.now = utc(2026, 3, 3, 1, 18)
    night = await rig.change_alert(night, night.alert.acknowledge(rig.clock.now, ALICE))
    rig.clock.now = utc(2026, 3, 3, 2, 5)
    night = await rig.change_alert(night, night.alert.resolve(rig.clock.now, ALICE))
    await rig.timers.poke(postmortems.SOURCE_NAME)
    await rig.teams.add_log_entry(ROTATION, ALICE_SHIFT, ALICE, "Restarted the orders ETL after db1's disk filled up")
    # Alice writes the post-mortem from the card she got.
    await rig.run_until(utc(2026, 3, 3, 8))
    [prompt] = rig.outbox.cards_to(chat_of(ALICE))[-1:]
    kept["postmortem-asked"] = prompt
    submit = actions(prompt)[0]["data"] | {"summary": "db1's disk filled with ETL temp files; cleaned up and "
                                                      "added a disk alert at 80 %.",
                                           "link": "https://wiki.example.com/pm/orders-etl"}  # fmt: skip
    result = await router.dispatch(press(router, ALICE, submit, chat_of(ALICE)))
    kept["postmortem-saved"] = result.card
    # Thursday 14:00: disk warning; acknowledged, still open at the handover.
    await rig.run_until(utc(2026, 3, 5, 13))
    warning = await rig.add_alert(firing("Disk 85% full on db2", rig.clock.now, Severity.WARNING)
                                  .escalate(rig.clock.now, "Alice Martin"))  # fmt: skip
    rig.clock.now = utc(2026, 3, 5, 13, 30)
    await rig.change_alert(warning, warning.alert.acknowledge(rig.clock.now, ALICE))
    item = await rig.teams.add_backlog_item(ROTATION, "Rotate the TLS certificates", None, 1, BOB)
    await rig.teams.finish_backlog_item(ROTATION, item.number, ALICE)
    await rig.teams.add_log_entry(ROTATION, ALICE_SHIFT, ALICE, "db2 disk warning acknowledged; its cleanup job is scheduled for tonight")
    await rig.teams.add_handover_note(ROTATION, ALICE_SHIFT, ALICE, "db2 is at 85 %: the cleanup job runs tonight")
    await tick_the_checklists(rig, router, kept)
    await rig.run_until(FIRST_HANDOFF + timedelta(minutes=1))
    return kept


async def tick_the_checklists(rig: Rig, router: ActionRouter, kept: dict[str, dict]) -> None:
    """Every checklist sent so far and until Sunday is ticked, but the last item of Monday's."""
    await rig.run_until(utc(2026, 3, 8, 12))
    cards = [c for c in rig.outbox.cards_to(chat_of(ALICE)) if tick_buttons(c)]
    for index, card in enumerate(cards):
        buttons = tick_buttons(card)
        if index == 0:
            buttons = buttons[:-1]
        for data in buttons:
            card = (await router.dispatch(press(router, ALICE, data, chat_of(ALICE)))).card
        kept.setdefault("checklist-partly-done" if index == 0 else "checklist-done", card)


async def test_a_week_of_duty_ends_in_a_handover_and_a_fair_report(rig: Rig, render_card_png: RenderCardPng):
    router = ActionRouter()
    router.register(duties.PREFIX, DutyActions(rig.services))
    router.register(postmortems.PREFIX, PostmortemActions(rig.services))

    kept = await do_the_week(rig, router)

    # Alice had seven checklists (five rollouts, the push, the release watch) and a reminder to hand over.
    alice = rig.outbox.to(chat_of(ALICE))
    assert sum(1 for m in alice if m.card and tick_buttons(m.card, done=False) + tick_buttons(m.card)) == 7
    assert any(m.text and "duty ends today 12:00" in m.text for m in alice)
    # The handover, in the channel, from Alice to Bob.
    [handover] = rig.outbox.cards_to(CHANNEL.key)
    text = shown(handover)
    for words in ("data-platform: handover", "**Alice Martin** → **Bob Smith**",
                  "Alerts: 2 (1 out of hours), 1 still open", "Routine duties: 6 done, 1 missed",
                  "Log book: 2 entries", "Backlog: 1 closed", "db2 is at 85 %: the cleanup job runs tonight",
                  "Production rollout checklist (Mon 2 Mar 16:00): watch the error rate for 15 minutes",
                  "Restarted the orders ETL", "Rotate the TLS certificates",
                  "db1's disk filled with ETL temp files"):  # fmt: skip
        assert words in text, words
    assert "late" not in text
    # Bob: reminded the evening before and a quarter of an hour before, then his checklist.
    bob = rig.outbox.to(chat_of(BOB))
    assert [m.text.split(" and runs")[0] for m in bob if m.text] == [
        "⏰ Your data-platform duty starts tomorrow 12:00 (in 18 hours)",
        "⏰ Your data-platform duty starts today 12:00 (in 15 minutes)",
    ]
    [checklist] = [m.card for m in bob if m.card]
    bob_text = shown(checklist)
    assert "Your data-platform duty: checklist" in bob_text
    assert "Left from the last shift" in bob_text and "Alerts still open:** 1" in bob_text
    assert await rig.shifts.handover_posted(ROTATION, FIRST_HANDOFF)

    report = await Reports(rig.services).build(ROTATION, ALICE_SHIFT, FIRST_HANDOFF, "Alice's week")
    [line] = [line for line in report.report.people if line.person == ALICE]
    assert (line.shifts, round(line.hours), line.pages, line.out_of_hours_pages) == (1, 168, 2, 1)
    assert (line.mean_ack, line.backlog_closed, line.duties_missed) == (timedelta(minutes=19), 1, 1)
    assert round(report.report.duty_share, 2) == 0.2

    await draw(rig, kept, handover, checklist, render_card_png)


async def draw(rig: Rig, kept: dict[str, dict], handover: dict, checklist: dict, render: RenderCardPng) -> None:
    """The pictures to look at, and the chart."""
    reports = Reports(rig.services)
    rig.clock.now = utc(2026, 4, 6, 10)
    [reply] = await reports.report(ReportRequest([ROTATION], ALICE_SHIFT, utc(2026, 4, 6, 10), "March",
                                                 ALICE, PARIS))  # fmt: skip
    assert reply.card is not None
    [image] = [node for node in reply.card["body"] if node.get("type") == "Image"]
    assert image["url"].startswith("https://rota.example.com/api/v1/reports/data-platform/chart.png?from=")
    chart = await reports.chart(ROTATION, ALICE_SHIFT, utc(2026, 4, 6, 10), "March")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "week-chart.png").write_bytes(chart)
    assert chart.startswith(b"\x89PNG")
    image["url"] = "data:image/png;base64," + base64.b64encode(chart).decode()
    cards = {"handover-week": handover, "checklist-shift": checklist, "report-week": reply.card, **{
        f"{name}": card for name, card in kept.items()}}
    for name, card in cards.items():
        assert schema_errors(card) == [], name
        rendered = render(card, ARTIFACTS / f"{name}.png")
        assert rendered.height > 150 and not rendered.problems, name

