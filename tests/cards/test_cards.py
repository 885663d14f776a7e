"""Every card against the published schema, and what each one tells the person who reads it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.cards import (
    error_card,
    help_card,
    my_shifts_card,
    schedule_card,
    upcoming_shifts,
    welcome_card,
    who_card,
    who_view,
)
from bot.cards.chat import SETUP_OPEN_VERB
from bot.cards.routed import PASS_VERB, TAKE_VERB
from bot.cards.setup import SETUP_VERB
from bot.chat.table import COMMANDS, Scope, spec
from shared.oncall import Reason
from shared.rotation import Rotation, ShiftLength, TimeOff
from tests.cards import samples
from tests.cards.reading import (
    actions,
    schema_16_errors,
    schema_errors,
    schema_errors_with_people_picker,
    shown,
    texts,
    walk,
)
from tests.cards.samples import ALICE, BOB, CAROL, NOW, PEOPLE

CARDS = samples.every_card()
WITH_PEOPLE_PICKER = {"setup", "setup-refused", "setup-edit", "setup-in-bound-channel"}


@pytest.mark.parametrize("name", sorted(set(CARDS) - WITH_PEOPLE_PICKER))
def test_card_is_valid_adaptive_card_1_5(name: str) -> None:
    card = CARDS[name]
    assert card["version"] == "1.5"
    assert schema_errors(card) == []


@pytest.mark.parametrize("name", sorted(WITH_PEOPLE_PICKER))
def test_setup_card_is_valid_1_5_but_for_the_people_picker(name: str) -> None:
    card = CARDS[name]
    assert schema_errors_with_people_picker(card) == []
    assert schema_16_errors(card) == []
    picker = next(node for node in walk(card) if node.get("id") == "members")
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}


def test_the_schema_check_catches_a_wrong_property() -> None:
    card = samples.who()
    card["body"][0]["colour"] = "Accent"
    assert schema_errors(card)


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_execute_action_has_a_verb_that_its_data_repeats(name: str) -> None:
    for action in actions(CARDS[name]):
        if action["type"] == "Action.Execute":
            assert action["verb"] and action["data"]["verb"] == action["verb"]


# --- who ---------------------------------------------------------------------------------


def test_who_shows_the_person_on_duty_until_when_and_who_is_next_in_the_viewers_zone() -> None:
    text = shown(samples.who())
    assert "data-platform\nAlice Martin\nUntil: Mon 12:00 (in 4 days)\nSecondary: Bob Smith\nNext: Bob Smith" in text
    assert "As of today 09:30. Times in Europe/Paris." in text


def test_who_seen_from_new_york_converts_across_the_american_dst_change() -> None:
    views = [who_view(samples.data_platform(), NOW), who_view(samples.ml_serving(), NOW)]
    text = shown(who_card(views=views, viewer_zone="America/New_York", now=NOW, people=PEOPLE))
    assert "Until: Mon 07:00 (in 4 days)" in text  # 12:00 Paris (CET) is 07:00 New York (EDT since Sunday)
    assert "Until: tomorrow 09:00 (in 30 hours)" in text
    assert "As of today 03:30. Times in America/New_York." in text


def test_who_shows_a_gap_plainly_and_when_it_ends() -> None:
    text = shown(samples.who())
    assert "ml-serving\nNobody is on duty\nUntil: tomorrow 15:00 (in 30 hours)\nNext: Bob Smith" in text


def test_who_shows_the_warning_line() -> None:
    assert "⚠ the @data-platform-oncall tag is out of date: Graph answered 403" in texts(samples.who())


def test_who_names_an_override_and_its_end() -> None:
    during = datetime(2026, 3, 11, 9, 0, tzinfo=timezone.utc)
    view = who_view(samples.data_platform(), during)
    assert (view.primary, view.primary_reason, view.next_primary) == (CAROL, Reason.OVERRIDE, BOB)
    assert view.until == datetime(2026, 3, 12, 7, 0, tzinfo=timezone.utc)
    text = shown(who_card(views=[view], viewer_zone="Europe/Paris", now=during, people=PEOPLE))
    assert "Carol Diaz\noverride\nUntil: tomorrow 08:00 (in 22 hours)" in text


def test_who_with_one_member_has_no_handoff_in_sight() -> None:
    solo = Rotation("solo", "Europe/Paris", ShiftLength.parse("1w"), datetime(2026, 3, 2, 12), (ALICE,))
    text = shown(who_card(views=[who_view(solo, NOW)], viewer_zone="Europe/Paris", now=NOW, people=PEOPLE))
    assert "Alice Martin\nUntil: no handoff in sight" in text
    assert "Next" not in text and "Secondary" not in text


def test_who_when_everybody_is_away() -> None:
    away = TimeOff(ALICE, NOW - timedelta(days=1), NOW + timedelta(days=1))
    solo = Rotation("solo", "Europe/Paris", ShiftLength.parse("1w"), datetime(2026, 3, 2, 12), (ALICE,),
                    time_off=(away,))  # fmt: skip
    text = shown(who_card(views=[who_view(solo, NOW)], viewer_zone="Europe/Paris", now=NOW, people=PEOPLE))
    assert "Nobody is on duty\nUntil: tomorrow 09:30 (in 24 hours)\nNext: Alice Martin" in text


def test_who_without_rotations_says_how_to_bind_one() -> None:
    assert "bind <rotation>" in shown(who_card(views=[], viewer_zone="UTC", now=NOW))


# --- schedule and my shifts ----------------------------------------------------------------


def test_schedule_lists_whole_shifts_with_overrides_and_covers_marked() -> None:
    text = shown(samples.schedule())
    for row in (
        "Mon 2 Mar 12:00\nMon 9 Mar 12:00\nAlice Martin",
        "Mon 9 Mar 12:00\nWed 11 Mar 08:00\nBob Smith",
        "Wed 11 Mar 08:00\nThu 12 Mar 08:00\nCarol Diaz\noverride",
        "Mon 23 Mar 12:00\nMon 30 Mar 12:00\nAlice Martin\ncovering time off",
        "Mon 30 Mar 12:00\nMon 6 Apr 12:00\nAlice Martin",
    ):
        assert row in text


def test_schedule_highlights_the_shift_under_way() -> None:
    table = next(node for node in walk(samples.schedule()) if node.get("type") == "Table")
    styled = [row for row in table["rows"] if row.get("style") == "accent"]
    assert len(styled) == 1 and "Mon 2 Mar 12:00" in shown(styled[0])


def test_schedule_in_new_york_shows_new_york_times() -> None:
    segments = upcoming_shifts(samples.data_platform(), NOW, 2)
    card = schedule_card(rotation="data-platform", segments=segments, viewer_zone="America/New_York", now=NOW,
                         weeks=2, people=PEOPLE)  # fmt: skip
    text = shown(card)
    assert "Mon 2 Mar 06:00\nMon 9 Mar 07:00\nAlice Martin" in text  # EST, then EDT
    assert "Times in America/New_York." in text


def test_schedule_shows_a_gap() -> None:
    segments = upcoming_shifts(samples.ml_serving(), NOW, 1)
    text = shown(schedule_card(rotation="ml-serving", segments=segments, viewer_zone="Europe/Paris", now=NOW,
                               weeks=1, people=PEOPLE))  # fmt: skip
    assert "nobody (gap)" in text and "ml-serving: the next week" in text


def test_my_shifts_calls_out_the_shift_under_way() -> None:
    text = shown(samples.my_shifts(ALICE))
    assert "You are on duty for **data-platform** until Mon 12:00 (in 4 days)." in text
    assert "data-platform\nMon 2 Mar 12:00\nMon 9 Mar 12:00\nprimary" in text


def test_a_backup_stretch_under_way_is_not_called_on_duty() -> None:
    text = shown(samples.my_shifts(BOB))
    assert "You are the secondary (backup) for **data-platform** until Mon 12:00 (in 4 days)." in text
    assert "You are on duty" not in text


def test_my_shifts_marks_secondary_and_override() -> None:
    text = shown(samples.my_shifts(CAROL))
    assert "Wed 11 Mar 08:00\nThu 12 Mar 08:00\nprimary (override)" in text
    assert "Mon 9 Mar 12:00\nWed 11 Mar 08:00\nsecondary" in text


def test_my_shifts_when_there_are_none() -> None:
    card = my_shifts_card(shifts=[], viewer_zone="Europe/Paris", now=NOW, weeks=4)
    assert "You have no shifts in the next 4 weeks." in texts(card)


# --- help, errors, welcome ----------------------------------------------------------------


def test_help_lists_every_command_with_its_example() -> None:
    text = shown(help_card(scope=Scope.PERSONAL))
    for command in COMMANDS:
        assert command.syntax in text and f"e.g. {command.example}" in text


def test_help_in_a_channel_writes_examples_as_they_are_typed_there() -> None:
    text = shown(help_card(scope=Scope.CHANNEL))
    assert "e.g. @Rota who data-platform" in text
    assert "e.g. tray" in text and "(works in a personal chat with me)" in text


def test_help_on_one_command() -> None:
    card = help_card(topic="swap")
    assert texts(card)[1:] == ["swap <date> with @person", spec("swap").description, "e.g. swap fri with @Bob"]


def test_error_card_says_what_was_wrong_and_what_would_work() -> None:
    card = error_card(message="I can't tell who @carol is.", hint="For example: swap fri with @Bob")
    assert texts(card)[:2] == ["I can't tell who @carol is.", "For example: swap fri with @Bob"]


def test_welcome_says_how_to_bind_the_channel_and_set_up_a_rotation() -> None:
    card = welcome_card(rotations=["data-platform"])
    text = shown(card)
    assert "@Rota bind <rotation>" in text and "data-platform" in text and "@Rota setup" in text
    assert [a["verb"] for a in actions(card)] == [SETUP_OPEN_VERB]


# --- routed mentions ------------------------------------------------------------------------


def test_routed_mention_shows_the_question_who_asked_and_the_link() -> None:
    card = samples.routed()
    text = shown(card)
    assert "the nightly ETL failed again" in text
    assert f"Dan Okafor asked today 09:26 (4 minutes ago) · [open the message]({samples.THREAD_URL})" in text


def test_routed_mention_buttons_identify_the_item() -> None:
    buttons = actions(samples.routed())
    assert [(b["title"], b["verb"]) for b in buttons] == [("Take it", TAKE_VERB), ("Pass to secondary", PASS_VERB)]
    assert all(b["data"]["routed"] == "r-17" for b in buttons)


def test_routed_mention_once_taken_says_by_whom_and_has_no_buttons() -> None:
    card = CARDS["routed-mention-taken"]
    assert "✔ Taken by Alice Martin, today 09:29 (1 minute ago)" in texts(card)
    assert actions(card) == []


def test_routed_mention_passed_on_keeps_only_take_it() -> None:
    card = CARDS["routed-mention-passed"]
    assert "↪ Passed to Bob Smith by Alice Martin, today 09:28 (2 minutes ago)" in texts(card)
    assert [a["verb"] for a in actions(card)] == [TAKE_VERB]


# --- setup --------------------------------------------------------------------------------


def test_the_form_of_a_rotation_is_filled_in_with_it_and_saves_it() -> None:
    card = CARDS["setup-edit"]
    values = {node["id"]: node.get("value") for node in walk(card) if node.get("type", "").startswith("Input.")}
    assert values == {"name": "data-platform", "members": f"{ALICE},{BOB},{CAROL},{samples.DAN}", "shift_count": 1,
                      "shift_unit": "w", "handoff_day": "monday", "handoff_time": "12:00",
                      "timezone": "Europe/Paris", "secondary": "next"}  # fmt: skip
    picker = next(node for node in walk(card) if node.get("id") == "members")
    assert [c["title"] for c in picker["choices"]] == ["Alice Martin", "Bob Smith", "Carol Diaz", "Dan Okafor"]
    secondary = next(node for node in walk(card) if node.get("id") == "secondary")
    assert "Whoever is on duty in data-platform" not in [c["title"] for c in secondary["choices"]]
    (save,) = actions(card)
    assert (save["title"], save["verb"], save["data"]["editing"]) == ("Save rotation", SETUP_VERB, "data-platform")
    assert texts(card)[0] == "Rotation data-platform"


def test_the_new_rotation_form_may_say_how_to_change_another() -> None:
    card = CARDS["setup-in-bound-channel"]
    assert texts(card)[:2] == ["New rotation", "This channel belongs to data-platform: to change it, type "
                                               "“@Rota setup data-platform”."]  # fmt: skip
    assert "editing" not in actions(card)[0]["data"]


def test_setup_form_submits_with_its_verb_and_shows_errors_under_their_field() -> None:
    card = CARDS["setup-refused"]
    (submit,) = actions(card)
    assert submit["verb"] == SETUP_VERB and submit["data"]["editing"] == "data-platform"
    ids = [node.get("id") for node in walk(card) if node.get("type", "").startswith("Input.")]
    assert ids == ["name", "members", "shift_count", "shift_unit", "handoff_day", "handoff_time", "timezone",
                   "secondary"]  # fmt: skip
    body_texts = texts(card)
    assert body_texts.index("'Paris' is not an IANA time zone (e.g. Europe/Paris)") > 0
    picker = next(node for node in walk(card) if node.get("id") == "members")
    assert picker["value"] == f"{ALICE},{BOB}"
