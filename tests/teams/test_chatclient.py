"""`rota chat` against the running service: what the person types reaches the chat service as
it would from Teams, and what the bot sends back is printed readably, buttons included."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone

import pytest

from bot.appkeys import TEAMS_ROSTER, TEAMS_SENDER
from bot.cards.elements import adaptive_card, column, columns, execute, facts, heading, text
from bot.cards.who import WhoView, who_card
from bot.chatclient import BOT_ID, CardText, ChatSession, channel_place, compose, person, personal_place, plain
from bot.conversations import CardActionResult, ConversationKind, OutgoingMessage, Reply
from shared.oncall import Reason

ALICE = person("alice.martin@example.com")
BOB = person("bob@example.com", "Bob Smith")
NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
BUTTONS = adaptive_card([text("Nightly ETL failed")], [execute("Take it", "test.take", {"routed": "7"}),
                                                      execute("Pass to secondary", "test.pass")])  # fmt: skip


class Printed(list):
    """What the terminal showed."""

    def __call__(self, line: str) -> None:
        self.append(line)

    @property
    def text(self) -> str:
        return "\n".join(self)


@pytest.fixture
def printed() -> Printed:
    return Printed()


@pytest.fixture
async def open_session(local_bot, printed):
    sessions: list[ChatSession] = []

    async def open_(user=ALICE, place=None, zone="Europe/Paris") -> ChatSession:
        session = ChatSession(local_bot.url, user, place or personal_place(user), zone=zone, out=printed)
        await session.start()
        sessions.append(session)
        return session

    yield open_
    for session in sessions:
        await session.close()


def test_the_who_card_reads_as_aligned_text():
    view = WhoView(rotation="data-platform", primary="bob@example.com", primary_reason=Reason.REGULAR,
                   secondary="carol@example.com", secondary_reason=Reason.REGULAR,
                   until=datetime(2026, 3, 23, 11, 0, tzinfo=timezone.utc), next_primary="carol@example.com",
                   next_reason=Reason.REGULAR)  # fmt: skip
    lines = CardText().render(who_card(views=[view], viewer_zone="Europe/Paris", now=NOW))

    assert lines[0] == "# Who is on duty"
    assert "data-platform" in lines
    facts_block = [line for line in lines if line.startswith(("Until:", "Secondary:", "Next:"))]
    assert len(facts_block) == 3
    assert len({line.index(line.split(":", 1)[1].strip()) for line in facts_block}) == 1


def test_columns_sit_side_by_side_and_buttons_are_numbered_across_cards():
    card = adaptive_card([heading("Shift"), columns(column([text("Mon")]), column([facts([("From", "12:00")])]))],
                         [execute("Swap", "rotation.swap")])  # fmt: skip
    renderer = CardText()

    first = renderer.render(card)
    second = renderer.render(BUTTONS)

    assert first == ["# Shift", "Mon  From: 12:00", "[#1 Swap]"]
    assert second[-1] == "[#2 Take it]  [#3 Pass to secondary]"


def test_teams_markup_is_shown_plainly():
    assert plain("<at>Bob Smith</at> is on **duty**") == "@Bob Smith is on duty"


def test_in_a_channel_the_bot_is_mentioned_and_emails_become_mentions():
    sent = compose("swap fri with @bob@example.com", channel_place("Data/ops"), {BOB.email: BOB})

    assert sent.text == "<at>Rota</at> swap fri with <at>Bob Smith</at>"
    assert [e["mentioned"]["id"] for e in sent.entities] == [BOT_ID, BOB.teams_id]


def test_the_general_channel_has_the_teams_id():
    general, ops = channel_place("Data/General"), channel_place("Data/ops")

    assert general.conversation_id == general.team_id == ops.team_id
    assert ops.conversation_id != ops.team_id


async def test_a_personal_message_reaches_the_chat_service_as_from_teams(local_bot, open_session, printed):
    session = await open_session()

    await session.say("who")

    [turn] = local_bot.chat.turns
    assert (turn.text, turn.user.email, turn.user.timezone) == ("who", ALICE.email, "Europe/Paris")
    assert turn.conversation.kind is ConversationKind.PERSONAL
    assert printed == ["Rota: you said: who"]


async def test_a_channel_message_mentions_the_bot_and_the_colleague(local_bot, open_session, printed):
    session = await open_session(place=channel_place("Data/ops"))

    await session.say("swap fri with @bob@example.com")

    [turn] = local_bot.chat.turns
    assert turn.text == "swap fri with <at>Bob</at>"
    assert [(m.name, m.email) for m in turn.mentions] == [("Bob", "bob@example.com")]
    assert turn.conversation.team_id == channel_place("Data/ops").team_id
    assert turn.message_link is not None
    assert printed == ["Rota: you said: swap fri with @Bob"]


async def test_a_button_is_pressed_by_number_and_the_refreshed_card_printed(local_bot, open_session, printed):
    local_bot.chat.answer = lambda turn: [Reply(card=BUTTONS)]
    local_bot.actions.result = CardActionResult(card=adaptive_card([text("Taken by Alice Martin")]))
    session = await open_session()
    await session.say("the nightly ETL failed")

    await session.handle("#1")

    [pressed] = local_bot.actions.pressed
    assert (pressed.verb, pressed.data) == ("test.take", {"verb": "test.take", "routed": "7"})
    assert pressed.user.email == ALICE.email
    assert printed[0].endswith("[#1 Take it]  [#2 Pass to secondary]")
    assert printed[1] == "Rota (card updated):\n  | Taken by Alice Martin"


async def test_a_refused_press_prints_the_reason(local_bot, open_session, printed):
    local_bot.chat.answer = lambda turn: [Reply(card=BUTTONS)]
    local_bot.actions.result = CardActionResult(refused="Only the person on duty can take it.")
    session = await open_session()
    await session.say("help")

    await session.press(2)

    assert printed[-1] == "Rota: Only the person on duty can take it."


async def test_form_inputs_are_asked_for_and_sent_with_the_press(local_bot, open_session, printed):
    form = adaptive_card([{"type": "Input.Text", "id": "name", "label": "Name", "value": ""}],
                         [execute("Create rotation", "test.setup")])  # fmt: skip
    local_bot.chat.answer = lambda turn: [Reply(card=form)]
    session = await open_session()
    await session.say("setup")
    asked = []

    async def ask(label, default):
        asked.append((label, default))
        return "data-platform"

    await session.press(1, ask=ask)

    assert asked == [("Name", "")]
    assert local_bot.actions.pressed[0].data["name"] == "data-platform"


async def test_adding_the_app_to_a_channel_installs_it_in_that_team(local_bot, open_session, printed):
    session = await open_session(place=channel_place("Data/ops"))

    await session.handle("/install")

    [(installed, user)] = local_bot.chat.installs
    assert (installed.team_id, installed.channel_id) == (channel_place("Data/ops").team_id,
                                                         channel_place("Data/ops").conversation_id)  # fmt: skip
    assert user.email == ALICE.email
    assert printed[0].startswith("Rota: Hi, I'm Rota")


async def test_a_direct_message_to_a_colleague_is_shown_as_such(local_bot, open_session, printed):
    session = await open_session(place=channel_place("Data/ops"))
    await session.say("@bob@example.com the nightly ETL failed")
    channel = local_bot.chat.turns[0].conversation
    roster = local_bot.app[TEAMS_ROSTER]
    bob = next(m for m in await roster.members(channel) if m.email == BOB.email)

    chat = await roster.open_personal(channel, bob)
    await local_bot.app[TEAMS_SENDER].send(chat, OutgoingMessage("dm-1", chat.key, text="Alice needs you"))

    assert printed[-1] == "Rota → Bob <bob@example.com>, direct message: Alice needs you"


async def test_rota_chat_in_a_terminal(local_bot):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "chat", "--url", local_bot.url, "--as", "alice@example.com",
        "--timezone", "Europe/Paris", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(b"who\n/quit\n"), 60)

    assert process.returncode == 0, err.decode()
    assert "Talking to" in out.decode()
    assert "Rota: you said: who" in out.decode()
    assert local_bot.chat.turns[0].user.timezone == "Europe/Paris"
