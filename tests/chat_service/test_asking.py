"""Questions: help, who, schedule, my shifts; and what anyone gets for a message Rota can't use."""

from __future__ import annotations

from datetime import timedelta

from tests.chat_service.conftest import ALICE, BOB, CAROL, DATA, ERIN, ML, World, data_platform, is_refusal, only, texts


async def test_help_lists_every_command_with_channel_examples_in_a_channel(team: World):
    reply = only(await team.says(BOB, "help", where=DATA))

    said = texts([reply])
    assert "swap <date> with @person" in said and "backlog take <N>" in said
    assert "e.g. @Rota who data-platform" in said


async def test_who_in_a_channel_shows_the_team_rotations_with_names_and_times_in_the_askers_zone(team: World):
    reply = only(await team.says(CAROL, "who", where=DATA))

    said = texts([reply])
    assert "data-platform" in said and "Alice Martin" in said
    assert "Until" in said and "Mon 07:00" in said  # Mon 12:00 in Paris, in New York (summer time since Sunday)
    assert "Times in America/New_York" in said
    assert "Next" in said and "Bob Smith" in said


async def test_who_in_another_channel_of_the_team_lists_the_rotations_bound_in_the_team(team: World):
    await team.store.create_rotation(data_platform(name="ml-serving", members=(BOB.email,)), "cli:ops")
    await team.service.on_conversation_seen(ML, BOB.user())
    await team.teams.bind("ml-serving", ML.key, "cli:ops")

    said = texts(await team.says(CAROL, "who", where=ML))

    assert said.index("ml-serving") < said.index("data-platform")


async def test_who_in_a_personal_chat_shows_my_rotations_and_a_named_one_on_request(team: World):
    await team.store.create_rotation(data_platform(name="ml-serving", members=(ERIN.email,)), "cli:ops")

    mine = texts(await team.says(BOB, "who"))
    named = texts(await team.says(BOB, "who ml-serving"))

    assert "data-platform" in mine and "ml-serving" not in mine
    assert "ml-serving" in named and "erin@example.com" in named


async def test_who_for_an_unknown_rotation_lists_the_known_ones(team: World):
    reply = only(await team.says(BOB, "who data-platfrom"))

    assert is_refusal(reply)
    assert "data-platfrom" in texts([reply]) and "Rotations I know: data-platform" in texts([reply])


async def test_who_in_a_personal_chat_of_someone_in_no_rotation_says_how_to_join(team: World):
    await team.meet(ERIN)

    reply = only(await team.says(ERIN, "who"))

    assert is_refusal(reply) and "join <rotation>" in texts([reply])


async def test_schedule_in_the_channel_is_the_bound_rotation_for_the_weeks_asked(team: World):
    reply = only(await team.says(BOB, "schedule 2", where=DATA))

    said = texts([reply])
    assert "data-platform: the next 2 weeks" in said
    assert "Mon 9 Mar 12:00" in said and "Bob Smith" in said


async def test_schedule_in_an_unbound_channel_says_how_to_bind(team: World):
    reply = only(await team.says(BOB, "schedule", where=ML))

    assert is_refusal(reply) and "bind <rotation>" in texts([reply])


async def test_my_shifts_lists_my_primary_and_secondary_duty(team: World):
    reply = only(await team.says(BOB, "my shifts"))

    said = texts([reply])
    assert "secondary" in said  # backing Alice up this week
    assert "Mon 9 Mar 12:00" in said and "primary" in said


async def test_an_unknown_user_is_told_rota_does_not_know_their_email(team: World):
    reply = only(await team.says(ERIN, "my shifts", with_email=False))

    assert is_refusal(reply) and "I don't know your email yet" in texts([reply])


async def test_a_user_seen_before_is_recognised_without_an_email_from_teams(team: World):
    reply = only(await team.says(BOB, "my shifts", with_email=False))

    assert not is_refusal(reply) and "Your shifts" in texts([reply])


async def test_a_typo_gets_the_closest_command_and_an_example(team: World):
    reply = only(await team.says(BOB, "scedule"))

    assert is_refusal(reply) and "schedule" in texts([reply])


async def test_a_command_with_a_bad_argument_gets_the_parsers_hint(team: World):
    reply = only(await team.says(BOB, "swap fri"))

    assert is_refusal(reply) and "swap fri with @Bob" in texts([reply])


async def test_times_follow_the_zone_teams_reports_for_the_asker(team: World):
    team.clock.advance(timedelta(days=4))  # Monday 9 March, 09:30 in Paris: Bob from 12:00

    paris = texts(await team.says(ALICE, "who", where=DATA))

    assert "Alice Martin" in paris and "today 12:00" in paris
