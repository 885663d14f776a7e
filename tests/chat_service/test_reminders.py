"""`remind` in a personal chat: each person sees, sets and resets their own reminders,
through the same storage call as the API (with its audit entry), and the reminder timer
is told at once. Bad leads and channels are refused, and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.appkeys import CHAT_HANDLER, STORE
from bot.chat.context import Collaborators
from bot.chat.resource import PersonReminders
from bot.chat.service import ChatService
from bot.conversations import ActionRouter, ChatTurn
from bot.settings import Settings
from bot.shifts.reminders import Lead, ReminderPrefs
from bot.shifts.reminding import REMINDERS
from bot.shifts.services import Services
from bot.storage import Store
from bot.storage.alerts import AlertStore
from bot.storage.shifts import ShiftStore
from bot.storage.teams import TeamsStore
from tests.chat_service.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAN,
    DATA,
    ERIN,
    NOW,
    OutboxRecorder,
    World,
    data_platform,
    is_refusal,
    only,
    opened_world,
    texts,
)
from tests.storage.conftest import FakeClock

EVENING_19 = Lead(evening=time(19, 0))
HALF_HOUR = Lead(before=timedelta(minutes=30))


@dataclass
class Pokes:
    """The timer service as the shift services see it: which sources were told of a change."""

    names: list[str] = field(default_factory=list)

    async def __call__(self, name: str) -> None:
        self.names.append(name)


@dataclass
class RemindWorld(World):
    shifts: ShiftStore
    pokes: Pokes


@pytest.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[RemindWorld]:
    """The chat service of conftest's `world`, with the shift services behind `remind`."""
    store = await Store.open(sqlite_url, clock=clock)
    try:
        teams, shifts = TeamsStore(store.engine, clock=clock), ShiftStore(store.engine, clock=clock)
        outbox, pokes = OutboxRecorder(), Pokes()
        services = Services(store=store, teams=teams, shifts=shifts, alerts=AlertStore(store.engine, clock),
                            outbox=outbox, clock=clock, poke=pokes)  # fmt: skip
        service = ChatService(store, teams, outbox, clock, Collaborators(reminders=PersonReminders(services)))
        router = ActionRouter()
        service.register_actions(router)
        yield RemindWorld(service, store, teams, outbox, clock, router, shifts, pokes)
    finally:
        await store.close()


async def own(world: RemindWorld, email: str) -> ReminderPrefs | None:
    return (await world.shifts.person_reminders([email])).get(email)


async def test_a_person_sets_views_and_resets_their_own_reminders(team: RemindWorld) -> None:
    before = texts(await team.says(BOB, "remind"))
    started = texts(await team.says(BOB, "remind start Evening 19:00, 30m"))
    ended = texts(await team.says(BOB, "remind end none"))
    stored = await own(team, BOB.email)
    shown = texts(await team.says(BOB, "remind"))
    pokes = list(team.pokes.names)
    reset = texts(await team.says(BOB, "remind reset"))
    audit = [e for e in await team.store.audit_log() if e.action == "reminders.person"]

    assert "Your reminders, in your time zone (Europe/Paris):" in before
    assert "• Before a shift starts: the evening before at 18:00 and 15 minutes before (Rota's default)." in before
    assert ("Your next shift: data-platform, Mon 9 Mar 12:00 → Mon 16 Mar 12:00. Reminders: Sun 8 Mar 18:00 and "
            "Mon 9 Mar 11:45 before it starts, Mon 16 Mar 11:45 before it ends.") in before  # fmt: skip
    assert "Saved: I remind you the evening before at 19:00 and 30 minutes before each shift starts." in started
    assert "Saved: no reminders before your shifts end any more." in ended
    assert stored == ReminderPrefs(before_start=(EVENING_19, HALF_HOUR), before_end=())
    assert "• Before a shift starts: the evening before at 19:00 and 30 minutes before (yours)." in shown
    assert "• Before a shift ends: none (yours)." in shown
    assert "Reminders: Sun 8 Mar 19:00 and Mon 9 Mar 11:30 before it starts." in shown
    assert pokes == [REMINDERS, REMINDERS] and team.pokes.names == [REMINDERS] * 3
    assert "Your own reminders are gone: the defaults apply again." in reset and "(Rota's default)" in reset
    assert await own(team, BOB.email) is None and await own(team, ALICE.email) is None
    assert [(e.actor, e.details) for e in reversed(audit)] == [
        ("teams:bob@example.com", {"person": BOB.email, "after": {"before_start": ["evening 19:00", "30m"],
                                                                  "before_end": None}}),
        ("teams:bob@example.com", {"person": BOB.email, "after": {"before_start": ["evening 19:00", "30m"],
                                                                  "before_end": []}}),
        ("teams:bob@example.com", {"person": BOB.email, "after": None}),
    ]  # fmt: skip


async def test_the_view_says_whose_reminders_apply_and_reads_them_in_the_person_s_zone(team: RemindWorld) -> None:
    await team.shifts.set_reminder_defaults("data-platform", ReminderPrefs(before_end=(HALF_HOUR,)), "test")

    await team.store.create_rotation(data_platform(name="ml", members=(BOB.email, DAN.email)), "test")
    await team.shifts.set_reminder_defaults("ml", ReminderPrefs(before_start=(Lead(before=timedelta(hours=1)),)), "test")

    carol = texts(await team.says(CAROL, "remind"))
    bob = texts(await team.says(BOB, "remind"))
    alice = texts(await team.says(ALICE, "remind"))
    erin = texts(await team.says(ERIN, "remind"))

    assert "Your reminders, in your time zone (America/New_York):" in carol
    assert "• Before a shift starts: the evening before at 18:00 and 15 minutes before (Rota's default)." in carol
    assert "• Before a shift ends: 30 minutes before (data-platform's default)." in carol
    assert ("Your next shift: data-platform, Mon 16 Mar 07:00 → Mon 23 Mar 07:00. Reminders: Sun 15 Mar 18:00 and "
            "Mon 16 Mar 06:45 before it starts, Mon 23 Mar 06:30 before it ends.") in carol  # fmt: skip
    assert ("Your data-platform shift is under way until Mon 9 Mar 12:00. Reminders: Mon 9 Mar 11:30 before it "
            "ends.") in alice  # fmt: skip
    assert ("• Before a shift starts: in data-platform, the evening before at 18:00 and 15 minutes before (Rota's "
            "default); in ml, 1 hour before (ml's default).") in bob  # fmt: skip
    assert ("• Before a shift ends: in data-platform, 30 minutes before (data-platform's default); in ml, 15 "
            "minutes before (Rota's default).") in bob  # fmt: skip
    assert "(Rota's default)" in erin and "You aren't in any rotation yet: these apply once you are." in erin


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("remind start soon", "I can't use “soon”", "remind start evening 18:00, 15m"),
        ("remind end 3d", "a reminder goes at most 2 days ahead", "remind end 30m"),
        ("remind start 5m 10m 15m 30m 1h", "at most 4 reminders before a shift starts", "remind start evening 18:00"),
        ("remind start none 15m", "so it comes alone", "remind start none"),
        ("remind end", "needs when to remind you", "remind end 30m"),
        ("remind later", "not a reminder command", "remind start evening 18:00, 15m"),
        ("remind reset please", "takes nothing after it", "remind start evening 18:00, 15m"),
    ],
)
async def test_bad_input_is_refused_with_an_example_and_nothing_is_stored(
    team: RemindWorld, text: str, says: str, example: str
) -> None:  # fmt: skip
    await team.says(BOB, "remind start 1h")
    kept, pokes = await own(team, BOB.email), list(team.pokes.names)

    reply = only(await team.says(BOB, text))

    assert is_refusal(reply) and says in texts([reply]) and f"For example: {example}" in texts([reply])
    assert await own(team, BOB.email) == kept == ReminderPrefs(before_start=(Lead(before=timedelta(hours=1)),))
    assert team.pokes.names == pokes


async def test_in_a_channel_it_says_it_works_in_a_personal_chat(team: RemindWorld) -> None:
    changing = only(await team.says(BOB, "remind start 15m", where=DATA))
    showing = only(await team.says(BOB, "<at>Rota</at> remind", where=DATA))

    assert is_refusal(changing) and is_refusal(showing)
    assert "“remind” works in a personal chat with me" in texts([changing])
    assert "Open a chat with me and type: remind start evening 18:00, 15m" in texts([changing])
    assert await own(team, BOB.email) is None and team.pokes.names == []


async def test_without_the_shift_services_remind_says_so(sqlite_url: str, clock: FakeClock) -> None:
    async with opened_world(sqlite_url, clock) as plain:
        reply = only(await plain.says(BOB, "remind start 15m"))

    assert is_refusal(reply) and "Shift reminders aren't running" in texts([reply])


async def test_what_chat_stores_is_what_the_api_returns_and_the_other_way_round(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, port=0), clock=lambda: NOW)
    async with TestClient(TestServer(app)) as client:
        store = app[STORE]
        await store.create_rotation(data_platform(), "test")
        _, token = await store.create_token("admin", admin=True)
        headers = {"Authorization": f"Bearer {token}"}

        async def says(who, text: str) -> str:
            return texts(await app[CHAT_HANDLER].on_turn(ChatTurn(user=who.user(), conversation=who.chat, text=text)))

        await says(ALICE, "remind start evening 19:00, 30m")
        await says(ALICE, "remind end 1h")
        read = await (await client.get(f"/api/v1/people/{ALICE.email}/reminders", headers=headers)).json()
        put = await client.put(f"/api/v1/people/{BOB.email}/reminders", headers=headers,
                               json={"before_start": ["2h"], "before_end": []})  # fmt: skip
        bob = await says(BOB, "remind")

    assert read == {"before_start": ["evening 19:00", "30m"], "before_end": ["1h"]}
    assert put.status == 200
    assert "• Before a shift starts: 2 hours before (yours)." in bob and "• Before a shift ends: none (yours)." in bob
