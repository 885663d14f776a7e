"""`duty` in chat, as the chat service will call it: list, add (owners only), remove; and
`report` through the chat's report protocol."""

from __future__ import annotations

import pytest

from bot.chat.context import Caller, Env, Refused
from bot.chat.ports import ReportRequest
from bot.conversations import ChatUser, ConversationKind, ConversationRecord
from bot.shifts.chat import DUTY_HANDLERS
from bot.shifts.duty_commands import DutyAdd, DutyList, DutyRemove, parse_duty
from bot.shifts.reporting import Reports
from bot.shifts.routine import RoutineDuty
from shared.rotation import ValidationError
from tests.cards.reading import schema_errors, shown
from tests.render.fixtures import ARTIFACTS, RenderCardPng
from tests.shifts.conftest import ACTOR, ALICE, BOB, PARIS, ROTATION, START, Rig, chat_of, utc


def test_the_words_after_duty_read_as_a_command() -> None:
    assert parse_duty("") == parse_duty("list") == DutyList()
    assert parse_duty("add  thu 18:00 Pre-prod push: build; smoke tests") == DutyAdd(
        RoutineDuty.parse("thu 18:00 Pre-prod push: build; smoke tests"))
    assert parse_duty("remove 2") == DutyRemove(2)
    with pytest.raises(ValidationError) as refused:
        parse_duty("add someday 18:00 Push")
    assert refused.value.field == "days"
    with pytest.raises(ValidationError):
        parse_duty("remove two")


def caller(email: str) -> Caller:
    chat = ConversationRecord(key=chat_of(email), kind=ConversationKind.PERSONAL, service_url="https://smba.test/",
                              conversation_id=chat_of(email), person=email)  # fmt: skip
    return Caller(user=ChatUser(teams_id=f"29:{email}", email=email, timezone=PARIS), email=email, zone=PARIS,
                  conversation=chat)  # fmt: skip


async def answer(rig: Rig, email: str, words: str):
    command = parse_duty(words)
    env = Env(rig.store, rig.teams, rig.outbox, rig.clock)
    return await DUTY_HANDLERS[type(command)](env, caller(email), command)


async def test_an_owner_adds_and_removes_duties_and_anyone_lists_them(rig: Rig, render_card_png: RenderCardPng):
    await rig.teams.add_owner(ROTATION, ALICE, ACTOR)

    [added] = await answer(rig, ALICE, "add weekdays 16:00 Production rollout checklist: dashboards; deploy")
    await answer(rig, ALICE, "add thu 18:00 Pre-prod push")
    with pytest.raises(Refused) as refused:
        await answer(rig, BOB, "add sat 09:00 Watch the release")
    [listed] = await answer(rig, BOB, "")
    [removed] = await answer(rig, ALICE, "remove 2")

    assert added.text == ("Added to the routine duties of data-platform: weekdays 16:00 Production rollout checklist: "
                          "dashboards; deploy. It is next due today 16:00 (in 7 hours); whoever is on duty then gets "
                          "its checklist.")  # fmt: skip
    assert refused.value.message.startswith("Changing the routine duties needs an owner of data-platform")
    assert "**2** · thu 18:00 · Pre-prod push" in shown(listed.card) and schema_errors(listed.card) == []
    assert removed.text == "Removed from the routine duties of data-platform: thu 18:00 Pre-prod push."
    assert [d.title for d in await rig.shifts.duties(ROTATION)] == ["Production rollout checklist"]
    render_card_png(listed.card, ARTIFACTS / "checklist-duties.png")


async def test_report_in_chat_answers_a_card_per_rotation(rig: Rig) -> None:
    rig.clock.now = utc(2026, 3, 30, 11)
    reports = Reports(rig.services)

    [card] = await reports.report(ReportRequest([ROTATION], START, utc(2026, 4, 1), "March", BOB, PARIS))
    [nothing] = await reports.report(ReportRequest([], START, utc(2026, 4, 1), "March", "zoe@example.com", PARIS))

    assert "data-platform: duty report, March" in shown(card.card)
    assert "Duty share: 1 person of 5 on duty at a time = 20 % of the team's time" in shown(card.card)
    assert nothing.text.startswith("You are not in any rotation")
