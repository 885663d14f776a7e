"""Setting up a rotation with the form, installation, and the commands other parts of Rota answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.chat.context import Collaborators
from bot.chat.ports import PairingCode, ReportRequest
from bot.conversations import ChatUser, ConversationRecord, Reply
from shared.oncall import on_call
from shared.rotation import ShiftLength
from tests.chat_service.conftest import (
    ALICE,
    BOB,
    CAROL,
    DATA,
    ERIN,
    ML,
    World,
    data_platform,
    is_refusal,
    only,
    opened_world,
    texts,
    utc,
)

FORM = {
    "name": "ml-serving",
    "members": f"{BOB.aad},carol@example.com",
    "shift_count": "1",
    "shift_unit": "d",
    "handoff_day": "monday",
    "handoff_time": "09:00",
    "timezone": "America/New_York",
    "secondary": "next",
}


async def setup_form(team: World, who=BOB) -> dict:
    return only(await team.says(who, "setup")).card


async def test_setup_offers_the_form_with_me_suggested_and_the_rotations_as_secondaries(team: World):
    card = await setup_form(team)

    members = next(e for e in card["body"] if e.get("id") == "members")
    assert [c["value"] for c in members["choices"]] == [BOB.email]
    assert "Whoever is on duty in data-platform" in texts([card])


async def test_submitting_the_form_creates_the_rotation_with_me_as_its_owner(team: World):
    result = await team.presses(BOB, await setup_form(team), "Create rotation", where=BOB.chat, inputs=FORM)

    assert "Rotation ml-serving is set up" in texts([result.card])
    assert "1. Bob Smith, 2. Carol Diaz" in texts([result.card])
    created = await team.rotation("ml-serving")
    assert created.members == (BOB.email, CAROL.email) and created.shift == ShiftLength.parse("1d")
    assert created.handoff == datetime(2026, 3, 2, 9, 0)  # the latest Monday 09:00 in New York
    assert await team.teams.owners("ml-serving") == [BOB.email]


async def test_a_form_with_a_bad_value_comes_back_with_the_reason_under_the_field(team: World):
    inputs = {**FORM, "timezone": "Mars/Olympus"}

    result = await team.presses(BOB, await setup_form(team), "Create rotation", where=BOB.chat, inputs=inputs)

    assert "IANA time zone" in texts([result.card])
    members = next(e for e in result.card["body"] if e.get("id") == "members")
    assert members["value"] == f"{BOB.email},{CAROL.email}"
    assert "ml-serving" not in [r.name for r in await team.store.list_rotations()]


async def test_a_name_already_taken_is_shown_under_the_name(team: World):
    inputs = {**FORM, "name": "data-platform"}

    result = await team.presses(BOB, await setup_form(team), "Create rotation", where=BOB.chat, inputs=inputs)

    assert "A rotation called data-platform already exists" in texts([result.card])
    assert (await team.rotation()).members[0] == ALICE.email


async def test_a_picked_person_rota_does_not_know_is_named_in_the_form(team: World):
    inputs = {**FORM, "members": "aad-somebody-new"}

    result = await team.presses(BOB, await setup_form(team), "Create rotation", where=BOB.chat, inputs=inputs)

    assert "can't find the email" in texts([result.card])


async def test_editing_a_rotation_needs_its_owner_and_keeps_the_order_running(team: World):
    edit = {**FORM, "name": "data-platform", "editing": "data-platform", "members": f"{ALICE.email},{BOB.email}",
            "shift_unit": "w", "handoff_time": "12:00", "timezone": "Europe/Paris"}  # fmt: skip
    form = await setup_form(team)

    refused = await team.presses(BOB, form, "Create rotation", where=BOB.chat, inputs=edit)
    team.clock.advance(timedelta(days=7))  # Thursday 12 March: Bob's week
    saved = await team.presses(ALICE, form, "Create rotation", where=ALICE.chat, inputs=edit)

    assert refused.refused is not None and "needs an owner of data-platform" in refused.refused
    assert "is set up" in texts([saved.card])
    rotation = await team.rotation()
    assert rotation.handoff == datetime(2026, 3, 2, 12, 0)
    assert on_call(rotation, team.clock()).primary == BOB.email


async def test_the_welcome_card_button_opens_the_form(team: World):
    welcome = only(await team.service.on_installed(ML, ALICE.user()))

    result = await team.presses(ALICE, welcome.card, "Set up a rotation", where=ML)

    assert "New rotation" in texts([result.card])


async def test_installation_remembers_the_conversation_and_welcomes_with_the_rotations(team: World):
    welcome = only(await team.service.on_installed(ML, None))

    assert "Rotations I know: data-platform" in texts([welcome])
    assert await team.teams.get_conversation(ML.key) == ML


async def test_a_repeat_install_updates_the_conversation(team: World):
    moved = ConversationRecord(**{**ML.__dict__, "service_url": "https://smba.example.test/amer/"})

    await team.service.on_installed(ML, None)
    await team.service.on_installed(moved, None)

    assert (await team.teams.get_conversation(ML.key)).service_url == "https://smba.example.test/amer/"


async def test_seeing_someone_keeps_their_ids_name_zone_and_chat(world: World):
    user = ChatUser(teams_id="29:erin-new", name="Erin N.", aad_object_id="aad-erin", email="Erin@Example.com",
                    timezone="Asia/Tokyo")  # fmt: skip

    await world.service.on_conversation_seen(ERIN.chat, user)

    person = await world.store.get_person(ERIN.email)
    assert (person.teams_id, person.aad_object_id, person.display_name) == ("29:erin-new", "aad-erin", "Erin N.")
    assert await world.teams.zones([ERIN.email]) == {ERIN.email: "Asia/Tokyo"}
    assert (await world.teams.personal_conversation_for(ERIN.email)).key == ERIN.chat.key


async def test_a_client_that_reports_no_zone_keeps_the_zone_seen_before(team: World):
    await team.service.on_conversation_seen(CAROL.chat, ChatUser(teams_id=CAROL.teams_id, email=CAROL.email))

    said = texts(await team.says(CAROL, "who", where=DATA, mentions=()))

    assert await team.teams.zones([CAROL.email]) == {CAROL.email: "America/New_York"}
    assert "Times in America/New_York" in said


# --- commands answered elsewhere ------------------------------------------------------------


async def test_ack_tray_and_report_say_when_they_are_not_set_up(team: World):
    for command, expected in (("ack 42", "Alerts aren't set up"), ("tray", "Pairing codes"),
                              ("report last month", "coming with the shift reports")):  # fmt: skip
        reply = only(await team.says(BOB, command))
        assert is_refusal(reply) and expected in texts([reply])


@dataclass
class Elsewhere:
    """Alerts, pairing and reports as the chat service sees them."""

    calls: list = field(default_factory=list)

    async def acknowledge(self, alert: str, person: str, conversation: ConversationRecord) -> Reply:
        self.calls.append(("ack", alert, person))
        return Reply(text=f"Alert {alert} acknowledged by {person}.")

    async def issue(self, person: str) -> PairingCode:
        self.calls.append(("pair", person))
        return PairingCode("K7Q-42X", utc(2026, 3, 5, 8, 40))

    async def report(self, request: ReportRequest) -> list[Reply]:
        self.calls.append(("report", tuple(request.rotations), request.period, request.viewer_zone))
        return [Reply(text="report")]


async def test_ack_tray_and_report_go_to_the_parts_that_answer_them(sqlite_url, clock):
    elsewhere = Elsewhere()
    collaborators = Collaborators(alerts=elsewhere, pairing=elsewhere, reports=elsewhere)
    async with opened_world(sqlite_url, clock, collaborators) as world:
        await world.meet(BOB)
        await world.teams.create_owned_rotation(data_platform(), ALICE.email, "teams:alice")
        acked = texts(await world.says(BOB, "ack #42"))
        paired = texts(await world.says(BOB, "tray"))
        await world.says(BOB, "report last month")

    assert acked == "Alert 42 acknowledged by bob@example.com."
    assert "K7Q-42X" in paired and "today 09:40 (in 10 minutes)" in paired
    assert elsewhere.calls[-1] == ("report", ("data-platform",), "last month", "Europe/Paris")


async def test_a_fault_of_rotas_own_is_an_apology_not_an_exception(sqlite_url, clock):
    class Broken:
        async def issue(self, person: str) -> PairingCode:
            raise RuntimeError("the pairing table is gone")

    async with opened_world(sqlite_url, clock, Collaborators(pairing=Broken())) as world:
        await world.meet(BOB)
        reply = only(await world.says(BOB, "tray"))

    assert "Something went wrong on my side" in reply.text
