"""Setting up and changing a rotation with the form, installation, and the commands other parts of Rota answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.chat.context import Collaborators
from bot.chat.ports import PairingCode, ReportRequest
from bot.chat.setup_flow import edited
from bot.conversations import ChatUser, ConversationRecord, Reply
from shared.oncall import on_call
from shared.rotation import Override, ShiftLength
from tests.cards.reading import walk
from tests.chat_service.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAN,
    DATA,
    ERIN,
    ML,
    TEAM,
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


async def setup_form(team: World, who=BOB, text: str = "setup", where: ConversationRecord | None = None) -> dict:
    return only(await team.says(who, text, where=where)).card


def filled_in(card: dict) -> dict[str, Any]:
    """What the form sends back untouched: each input's value, as Teams sends them (text)."""
    return {n["id"]: str(n.get("value", "")) for n in walk(card) if str(n.get("type", "")).startswith("Input.")}


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


async def test_a_hand_made_edit_needs_its_owner_and_keeps_the_order_running(team: World):
    edit = {**FORM, "name": "data-platform", "editing": "data-platform", "members": f"{ALICE.email},{BOB.email}",
            "shift_unit": "w", "handoff_time": "12:00", "timezone": "Europe/Paris"}  # fmt: skip
    form = await setup_form(team)

    refused = await team.presses(BOB, form, "Create rotation", where=BOB.chat, inputs=edit)
    team.clock.advance(timedelta(days=7))  # Thursday 12 March: Bob's week
    saved = await team.presses(ALICE, form, "Create rotation", where=ALICE.chat, inputs=edit)

    assert refused.refused is not None and "needs an owner of data-platform" in refused.refused
    assert "Rotation data-platform is updated" in texts([saved.card])
    rotation = await team.rotation()
    assert rotation.handoff == datetime(2026, 3, 2, 12, 0)
    assert on_call(rotation, team.clock()).primary == BOB.email


# --- changing a rotation with its own form -----------------------------------------------------


async def test_setup_with_a_name_gives_the_owner_the_form_filled_in_with_the_rotation(team: World):
    card = await setup_form(team, ALICE, "setup data-platform")

    assert filled_in(card) == {"name": "data-platform", "members": ",".join(m.email for m in TEAM),
                               "shift_count": "1", "shift_unit": "w", "handoff_day": "monday",
                               "handoff_time": "12:00", "timezone": "Europe/Paris", "secondary": "next"}  # fmt: skip
    name = next(n for n in walk(card) if n.get("id") == "name")
    assert name["isVisible"] is False and "Rotation data-platform" in texts([Reply(card=card)])
    (save,) = card["actions"]
    assert save["title"] == "Save rotation" and save["data"]["editing"] == "data-platform"


async def test_the_owner_changes_shift_length_and_handoff_and_the_order_keeps_running(team: World):
    team.clock.advance(timedelta(days=7))  # Thursday 12 March, 09:30 in Paris: Bob's week
    card = await setup_form(team, ALICE, "setup data-platform", where=DATA)
    change = {"shift_count": "2", "handoff_day": "tuesday", "handoff_time": "09:00"}

    saved = await team.presses(ALICE, card, "Save rotation", where=DATA, inputs={**filled_in(card), **change})

    assert "Rotation data-platform is updated" in texts([saved.card]) and "Bob Smith" in texts([saved.card])
    rotation = await team.rotation()
    assert rotation.shift == ShiftLength.parse("2w") and rotation.members == tuple(m.email for m in TEAM)
    assert rotation.handoff == datetime(2026, 2, 24, 9, 0)  # a Tuesday 09:00, two shifts before Bob's
    now = on_call(rotation, team.clock())
    assert (now.primary, now.end) == (BOB.email, utc(2026, 3, 24, 8, 0))  # Bob's turn, to Tuesday 24th 09:00
    assert on_call(rotation, utc(2026, 3, 25, 8, 0)).primary == CAROL.email  # then Carol, for two weeks
    assert on_call(rotation, utc(2026, 4, 7, 6, 59)).primary == CAROL.email
    assert on_call(rotation, utc(2026, 4, 7, 7, 0)).primary == DAN.email  # 09:00 in Paris, summer time


async def test_the_form_sent_back_unchanged_changes_no_handoff(team: World):
    team.clock.advance(timedelta(days=7))
    card = await setup_form(team, ALICE, "setup data-platform")

    await team.presses(ALICE, card, "Save rotation", where=ALICE.chat, inputs=filled_in(card))

    assert await team.rotation() == data_platform()


async def test_someone_who_does_not_own_the_rotation_is_refused_and_nothing_changes(team: World):
    refused = only(await team.says(BOB, "setup data-platform"))
    posted = await setup_form(team, ALICE, "setup data-platform", where=DATA)  # the channel sees Alice's form
    pressed = await team.presses(BOB, posted, "Save rotation", where=DATA,
                                 inputs={**filled_in(posted), "shift_count": "1", "shift_unit": "d"})  # fmt: skip

    assert is_refusal(refused)
    assert "Changing data-platform needs an owner of data-platform or of the team" in texts([refused])
    assert "Ask Alice Martin, or an owner of the team." in texts([refused])
    assert pressed.refused is not None and "needs an owner of data-platform" in pressed.refused
    assert await team.rotation() == data_platform()


async def test_a_team_owner_gets_the_filled_in_form_in_the_channel(team: World):
    card = await setup_form(team, BOB, "setup data-platform", where=DATA)  # not as a team owner: refused
    owner = only(await team.says(BOB, "setup data-platform", where=DATA, team_owner=True))

    assert is_refusal(Reply(card=card))
    assert "Rotation data-platform" in texts([owner]) and not is_refusal(owner)


async def test_a_bad_value_in_the_filled_in_form_comes_back_under_its_field_and_changes_nothing(team: World):
    card = await setup_form(team, ALICE, "setup data-platform")
    inputs = {**filled_in(card), "timezone": "Mars/Olympus", "shift_count": "3"}

    result = await team.presses(ALICE, card, "Save rotation", where=ALICE.chat, inputs=inputs)

    assert "IANA time zone" in texts([result.card])
    assert next(a for a in result.card["actions"])["data"]["editing"] == "data-platform"
    assert await team.rotation() == data_platform()


async def test_setup_of_an_unknown_rotation_names_the_known_ones(team: World):
    reply = only(await team.says(ALICE, "setup data-platfrom"))

    assert is_refusal(reply) and "Rotations I know: data-platform" in texts([reply])


async def test_plain_setup_in_a_bound_channel_creates_and_says_how_to_change_the_channels_rotation(team: World):
    card = await setup_form(team, BOB, where=DATA)
    elsewhere = await setup_form(team, BOB, where=ML)

    assert "New rotation" in texts([Reply(card=card)])
    assert "This channel belongs to data-platform: to change it, type “@Rota setup data-platform”." in texts(
        [Reply(card=card)])
    assert "belongs to" not in texts([Reply(card=elsewhere)])


NOW = utc(2026, 3, 12, 8, 30)  # Thursday 12 March, 09:30 in Paris: Bob's week


@pytest.mark.parametrize(
    ("change", "handoff", "on_duty_now", "after_them"),
    [
        ({}, datetime(2026, 3, 2, 12, 0), BOB, CAROL),
        ({"handoff": datetime(2026, 3, 10, 9, 0)}, datetime(2026, 3, 3, 9, 0), BOB, CAROL),
        ({"members": (ALICE.email, CAROL.email, DAN.email)}, datetime(2026, 3, 2, 12, 0), CAROL, DAN),
        ({"members": (DAN.email, BOB.email, ALICE.email)}, datetime(2026, 3, 2, 12, 0), BOB, ALICE),
        ({"members": (ALICE.email, BOB.email, CAROL.email, DAN.email, "erin@example.com")},
         datetime(2026, 3, 2, 12, 0), BOB, CAROL),
        ({"shift": ShiftLength.parse("1d")}, datetime(2026, 3, 6, 12, 0), BOB, CAROL),
        ({"shift": ShiftLength.parse("12h")}, datetime(2026, 3, 9, 12, 0), BOB, CAROL),
        ({"timezone": "America/New_York"}, datetime(2026, 3, 2, 12, 0), BOB, CAROL),
    ],
)  # fmt: skip
def test_a_change_keeps_whoever_is_on_duty_and_the_order_follows(change, handoff, on_duty_now, after_them) -> None:
    """The form's handoff is the latest on its day and time; the first handoff moves back whole shifts."""
    existing = data_platform(overrides=(Override(DAN.email, utc(2026, 4, 1), utc(2026, 4, 2)),))
    submitted = data_platform(**{"handoff": datetime(2026, 3, 9, 12, 0), **change})

    rotation = edited(existing, submitted, NOW)

    assert rotation.handoff == handoff and rotation.overrides == existing.overrides
    current = on_call(rotation, NOW)
    assert current.primary == on_duty_now.email
    assert on_call(rotation, current.end).primary == after_them.email


def test_a_rotation_that_has_not_started_starts_on_the_new_day_and_time() -> None:
    existing = data_platform(handoff=datetime(2026, 3, 16, 12, 0))  # Monday 16 March: nobody on duty yet
    submitted = data_platform(handoff=datetime(2026, 3, 10, 9, 0), members=(BOB.email, ALICE.email))

    rotation = edited(existing, submitted, NOW)

    assert rotation.handoff == datetime(2026, 3, 17, 9, 0)
    assert on_call(rotation, NOW).primary is None
    assert on_call(rotation, utc(2026, 3, 17, 8, 0)).primary == BOB.email


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
