"""The whole service, as a team meets it through Teams: the app is added to a channel, a
rotation is set up from the form and bound to the channel, then people ask who is on duty,
route a question to them, swap a shift, and try a change they may not make. Activities are
sent over HTTP as Teams sends them; the Bot Connector stand-in receives every answer,
including what the outbox delivers after the turn."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.appkeys import OUTBOX, OUTBOX_WORKER
from bot.chatclient import (
    Person,
    Place,
    channel_place,
    compose,
    install_activity,
    invoke_activity,
    message_activity,
    person,
)
from bot.settings import Settings
from tests.cards.reading import actions, shown
from tests.fakes.connector import FakeConnector, Recorded, cards
from tests.render.fixtures import ARTIFACTS
from tests.storage.conftest import FakeClock

#: A Friday; the rotation set up below hands off on Mondays at 12:00 in Paris.
START = datetime(2026, 3, 20, 9, 30, tzinfo=timezone.utc)
ALICE = person("alice@example.com", "Alice Martin")
BOB = person("bob@example.com", "Bob Smith")
CAROL = person("carol@example.com", "Carol Jones")
OPS = channel_place("Data/ops")
GENERAL = channel_place("Data/General")
ZONE = "Europe/Paris"
#: Alice never wrote to Rota in private: the bot opens this chat to reach her.
ALICE_CHAT = FakeConnector.personal_conversation(ALICE.teams_id)
SETUP = {"name": "data-platform", "members": "alice@example.com,bob@example.com,carol@example.com",
         "shift_count": "1", "shift_unit": "w", "handoff_day": "monday", "handoff_time": "12:00",
         "timezone": ZONE, "secondary": "next"}  # fmt: skip


@dataclass
class Teams:
    """Teams' side: people typing in a place, pressing buttons on what the bot sent."""

    bot_url: str
    app: web.Application
    connector: FakeConnector

    def __post_init__(self) -> None:
        for someone in (ALICE, BOB, CAROL):
            self.connector.add_person(someone.email, someone.name, teams_id=someone.teams_id,
                                      aad_object_id=someone.aad_object_id)  # fmt: skip
        self._ids = iter(range(1_774_000_000_000, 1_775_000_000_000))

    async def _send(self, activity: dict[str, Any]) -> Any:
        status, body = await self.connector.send_to_bot(self.bot_url, activity)
        assert status == 200, body
        return body

    async def install(self, who: Person, where: Place) -> None:
        await self._send(install_activity(place=where, sender=who, service_url=self.connector.url, zone=ZONE,
                                          event_id=f"f:{next(self._ids)}"))  # fmt: skip

    async def say(self, who: Person, text: str, where: Place = OPS) -> list[Recorded]:
        """Send a message; what the bot answered there during the turn (the outbox may send
        to other conversations meanwhile: a DM about moved shifts is no answer)."""
        before = len(self.connector.recorded)
        sent = compose(text, where, {p.email: p for p in (ALICE, BOB, CAROL)})
        await self._send(message_activity(sent, place=where, sender=who, service_url=self.connector.url, zone=ZONE,
                                          message_id=str(next(self._ids))))  # fmt: skip
        return [r for r in self.connector.recorded[before:] if r.method == "POST" and "/activities" in r.path
                and r.conversation_id.split(";")[0] == where.conversation_id]

    async def press(self, who: Person, title: str, on: Recorded, inputs: Mapping[str, str] | None = None,
                    where: Place = OPS) -> dict[str, Any]:  # fmt: skip
        """Press the button `title` of the card in a message the bot sent; the invoke's answer."""
        [button] = [a for a in actions(cards(on.body)[0]) if a["title"] == title]
        activity = invoke_activity(button, dict(inputs or {}), place=where, sender=who,
                                   service_url=self.connector.url, zone=ZONE, card_message_id=on.created_id,
                                   conversation_id=on.conversation_id)  # fmt: skip
        return await self._send(activity)

    async def delivered(self, predicate: Callable[[list[Recorded]], bool]) -> None:
        """Until the outbox has delivered what `predicate` looks for (it sends after the turn)."""
        await self.connector.wait_for(lambda: predicate(self.connector.messages()))


def card_text(message: Recorded) -> str:
    return "\n".join(shown(card) for card in cards(message.body))


def sent_to(conversation: str, messages: list[Recorded]) -> list[Recorded]:
    return [m for m in messages if m.conversation_id.split(";")[0] == conversation]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def team(sqlite_url, clock, connector, aiohttp_server) -> Teams:
    """Rota added to the Data team's #ops, a rotation set up by Alice and bound to #ops."""
    app = create_app(Settings(database_url=sqlite_url), clock=clock)
    server = await aiohttp_server(app, host="127.0.0.1")
    teams = Teams(str(server.make_url("")).rstrip("/"), app, connector)
    connector.add_team(OPS.team_id, [(GENERAL.conversation_id, None), (OPS.conversation_id, "ops")])
    await teams.install(ALICE, OPS)
    [form] = await teams.say(ALICE, "setup")
    created = await teams.press(ALICE, "Create rotation", form, SETUP)
    assert "data-platform is set up" in shown(created["value"]), created
    [bound] = await teams.say(ALICE, "bind data-platform")
    assert "now belongs to data-platform" in bound.body["text"]
    return teams


async def test_the_app_added_to_a_channel_says_how_to_bind_it(team, connector):
    welcome = connector.messages()[0]

    assert welcome.conversation_id == OPS.conversation_id
    assert "Bind this channel to a rotation" in card_text(welcome)
    assert [a["title"] for a in actions(cards(welcome.body)[0])] == ["Set up a rotation"]


async def test_who_names_the_person_on_duty_until_the_handoff(team, render_card_png):
    [answer] = await team.say(BOB, "who")

    text = card_text(answer)
    assert "Alice Martin" in text
    assert "Until: Mon 12:00 (in 3 days)" in text
    assert "Secondary: Bob Smith" in text
    drawn = render_card_png(cards(answer.body)[0], ARTIFACTS / "who-from-the-service.png")
    assert "Alice Martin" in drawn.text


def routed(sent: list[Recorded]) -> bool:
    """The question reached Alice's chat, and the thread names her."""
    thread = [m for m in sent_to(OPS.conversation_id, sent) if m.body.get("entities")]
    return bool(sent_to(ALICE_CHAT, sent)) and bool(thread)


async def test_a_question_in_the_channel_reaches_the_person_on_duty(team, connector):
    await team.say(BOB, "the nightly ETL failed")
    await team.delivered(routed)

    thread = [m for m in sent_to(OPS.conversation_id, connector.messages()) if m.body.get("entities")][-1]
    assert ";messageid=" in thread.conversation_id
    assert {"id": ALICE.teams_id, "name": "Alice Martin"} in [e["mentioned"] for e in thread.body["entities"]]
    assert "<at>Alice Martin</at>" in thread.body["text"]
    [direct] = sent_to(ALICE_CHAT, connector.messages())
    assert "the nightly ETL failed" in card_text(direct)
    assert [a["title"] for a in actions(cards(direct.body)[0])] == ["Take it", "Pass to secondary"]

    taken = await team.press(ALICE, "Take it", direct, where=Place(ALICE_CHAT))

    assert "Taken by Alice Martin" in shown(taken["value"])
    await team.delivered(lambda sent: any(m.method == "PUT" and "Taken by" in card_text(m) for m in sent))


async def test_a_swap_hands_the_duty_over_at_once(team):
    [answer] = await team.say(ALICE, "swap today with @bob@example.com")
    [who] = await team.say(CAROL, "who")

    # Bob never wrote to Rota, but the team's roster, read at installation, named him
    assert "Bob Smith takes your shift Fri 20 Mar 10:30 → Mon 23 Mar 12:00" in answer.body["text"]
    assert "data-platform\nBob Smith\noverride\nUntil: Mon 12:00" in card_text(who)


async def test_a_change_only_an_owner_may_make_is_refused_and_changes_nothing(team):
    [refused] = await team.say(CAROL, "bind data-platform", GENERAL)
    [unrouted] = await team.say(CAROL, "the nightly ETL failed", GENERAL)

    assert "owner" in (refused.body.get("text") or "") + card_text(refused)
    assert "This channel isn't bound to a rotation yet" in unrouted.body["text"]


async def test_a_connector_outage_delays_a_routed_question_and_it_arrives_once(team, connector, clock):
    connector.fail_next(2, 503)
    await team.say(BOB, "the nightly ETL failed")
    await connector.wait_for(lambda: sum(r.answered == 503 for r in connector.recorded) == 2)

    clock.advance(timedelta(minutes=10))
    team.app[OUTBOX].wakeup.set()
    await team.delivered(routed)
    await team.app[OUTBOX_WORKER].stop()  # lets a send under way record its result

    assert len(sent_to(ALICE_CHAT, connector.messages())) == 1
    assert len([m for m in sent_to(OPS.conversation_id, connector.messages()) if m.body.get("entities")]) == 1
