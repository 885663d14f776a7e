"""Swap, cover and time off against the engine (across a DST change), and who may change a rotation."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.conversations import ChatUser
from shared.oncall import on_call
from shared.rotation import ShiftLength, TimeOff
from tests.chat_service.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAN,
    DATA,
    ERIN,
    ML,
    World,
    data_platform,
    is_refusal,
    only,
    texts,
    utc,
)


async def primary(world: World, at) -> str | None:
    return on_call(await world.rotation(), at).primary


# --- swap ------------------------------------------------------------------------------------


async def test_swap_a_day_trades_my_whole_week_for_their_next_week(team: World):
    reply = only(await team.says(BOB, "swap tue 10 mar with @Carol Diaz", mentions=[CAROL]))

    assert not is_refusal(reply)
    assert "Carol Diaz takes your shift Mon 9 Mar 12:00 → Mon 16 Mar 12:00" in texts([reply])
    assert "you take theirs Mon 16 Mar 12:00 → Mon 23 Mar 12:00" in texts([reply])
    assert await primary(team, utc(2026, 3, 9, 11)) == CAROL.email  # Mon 9 Mar 12:00 Paris
    assert await primary(team, utc(2026, 3, 9, 10, 59)) == ALICE.email
    assert await primary(team, utc(2026, 3, 16, 11)) == BOB.email
    assert await primary(team, utc(2026, 3, 23, 11)) == DAN.email
    assert len((await team.rotation()).overrides) == 2


async def test_swap_across_the_change_to_summer_time_keeps_noon_handoffs(team: World):
    """Dan's week runs through 29 March, when Paris moves to UTC+2: noon is 11:00 UTC before, 10:00 after."""
    reply = only(await team.says(DAN, "swap 2026-03-25 with alice@example.com"))

    assert "Mon 23 Mar 12:00 → Mon 30 Mar 12:00" in texts([reply])
    assert "Mon 30 Mar 12:00 → Mon 6 Apr 12:00" in texts([reply])
    assert await primary(team, utc(2026, 3, 23, 11)) == ALICE.email
    assert await primary(team, utc(2026, 3, 30, 9, 59)) == ALICE.email
    assert await primary(team, utc(2026, 3, 30, 10)) == DAN.email
    assert await primary(team, utc(2026, 4, 6, 9, 59)) == DAN.email
    assert await primary(team, utc(2026, 4, 6, 10)) == BOB.email


async def test_swapping_the_shift_under_way_trades_only_what_is_left_of_it(team: World):
    await team.says(ALICE, "swap now with @Bob Smith", mentions=[BOB])

    rotation = await team.rotation()
    given = next(o for o in rotation.overrides if o.person == BOB.email)
    assert given.start == team.clock() and given.end == utc(2026, 3, 9, 11)
    assert on_call(rotation, team.clock() - timedelta(minutes=1)).primary == ALICE.email


async def test_swap_tells_the_other_person_in_their_own_zone(team: World):
    await team.says(BOB, "swap tue 10 mar with @Carol Diaz", mentions=[CAROL])

    told = only(team.outbox.to(CAROL.chat))
    assert "Bob Smith swapped shifts with you" in told.text
    assert "you take Mon 9 Mar 07:00 → Mon 16 Mar 07:00" in told.text  # New York, on summer time since 8 March


async def test_swap_with_someone_outside_the_rotation_is_refused_and_changes_nothing(team: World):
    await team.meet(ERIN)

    reply = only(await team.says(BOB, "swap tue 10 mar with @Erin Novak", mentions=[ERIN]))

    assert is_refusal(reply)
    assert "Erin Novak isn't in data-platform" in texts([reply]) and "cover" in texts([reply])
    assert (await team.rotation()).overrides == ()


async def test_swap_on_a_day_without_my_shift_says_so(team: World):
    reply = only(await team.says(BOB, "swap 2026-03-18 with @Carol Diaz", mentions=[CAROL]))

    assert is_refusal(reply) and "You have no shift on Wed 18 Mar in data-platform" in texts([reply])
    assert (await team.rotation()).overrides == ()


async def test_swap_with_an_ambiguous_date_gets_the_iso_hint(team: World):
    reply = only(await team.says(BOB, "swap 03/04 with @Carol Diaz", mentions=[CAROL]))

    assert is_refusal(reply) and "2026-04-03" in texts([reply])


async def test_swap_with_someone_rota_cannot_place_asks_for_their_email(team: World):
    reply = only(await team.says(BOB, "swap tue 10 mar with @Erin Novak", mentions=[ERIN]))

    assert is_refusal(reply) and "I don't know Erin Novak's email yet" in texts([reply])


async def test_swap_in_a_personal_chat_with_shifts_in_two_rotations_at_once_asks_for_the_channel(team: World):
    await team.store.create_rotation(data_platform(name="ml-serving", members=(CAROL.email, BOB.email)), "cli:ops")

    reply = only(await team.says(BOB, "swap tue 10 mar with @Carol Diaz", mentions=[CAROL]))

    assert is_refusal(reply) and "data-platform and ml-serving" in texts([reply])
    in_channel = only(await team.says(BOB, "swap tue 10 mar with @Carol Diaz", where=DATA, mentions=[CAROL]))
    assert not is_refusal(in_channel)


# --- cover -----------------------------------------------------------------------------------


async def test_cover_takes_only_the_parts_where_they_are_on_duty(team: World):
    reply = only(await team.says(DAN, "cover @Bob Smith 2026-03-08 2026-03-20", mentions=[BOB]))

    assert "You cover Bob Smith: data-platform Mon 9 Mar 12:00 → Mon 16 Mar 12:00" in texts([reply])
    rotation = await team.rotation()
    assert [(o.person, o.start, o.end) for o in rotation.overrides] == [
        (DAN.email, utc(2026, 3, 9, 11), utc(2026, 3, 16, 11))
    ]
    assert "Dan Okafor covers you" in only(team.outbox.to(BOB.chat)).text


async def test_cover_across_summer_time_covers_their_week_to_local_noon(team: World):
    await team.says(ALICE, "cover @Dan Okafor 2026-03-23 2026-04-01", mentions=[DAN])

    assert await primary(team, utc(2026, 3, 30, 9, 59)) == ALICE.email
    assert await primary(team, utc(2026, 3, 30, 10)) == ALICE.email  # her own turn follows Dan's
    override = only((await team.rotation()).overrides)
    assert (override.start, override.end) == (utc(2026, 3, 23, 11), utc(2026, 3, 30, 10))


async def test_cover_of_someone_not_on_duty_then_is_refused(team: World):
    reply = only(await team.says(DAN, "cover @Bob Smith tomorrow 9:00 fri 18:00", mentions=[BOB]))

    assert is_refusal(reply) and "Bob Smith isn't on duty in data-platform" in texts([reply])
    assert (await team.rotation()).overrides == ()


# --- away ------------------------------------------------------------------------------------


async def test_away_in_every_rotation_says_who_covers_and_reports_a_gap(team: World):
    await team.store.create_rotation(data_platform(name="ml-serving", members=(BOB.email,)), "cli:ops")

    reply = only(await team.says(BOB, "away 2026-03-09 2026-03-13"))

    said = texts([reply])
    assert "data-platform: Carol Diaz covers Mon 9 Mar 12:00 → Sat 14 Mar 00:00" in said
    assert "ml-serving: nobody is available" in said
    for name in ("data-platform", "ml-serving"):
        assert [t.person for t in (await team.rotation(name)).time_off] == [BOB.email]


async def test_away_that_an_override_does_not_lift_says_so(team: World):
    await team.says(BOB, "cover @Alice Martin now mon 12:00", mentions=[ALICE])

    said = texts(await team.says(BOB, "away now fri"))

    assert "you are still on duty" in said and "override" in said


async def test_away_for_someone_in_no_rotation_is_refused(team: World):
    await team.meet(ERIN)

    reply = only(await team.says(ERIN, "away mon fri"))

    assert is_refusal(reply)


async def test_away_is_personal_only(team: World):
    reply = only(await team.says(BOB, "away mon fri", where=DATA))

    assert is_refusal(reply) and "personal chat" in texts([reply])


# --- join, leave, bind --------------------------------------------------------------------------


async def test_join_adds_me_at_the_end_and_tells_me_my_first_shift(team: World):
    await team.meet(ERIN)

    reply = only(await team.says(ERIN, "join data-platform"))

    assert "number 5 in the order" in texts([reply]) and "Your first shift" in texts([reply])
    assert (await team.rotation()).members[-1] == ERIN.email


async def test_joining_twice_is_refused_kindly(team: World):
    reply = only(await team.says(BOB, "join data-platform"))

    assert is_refusal(reply) and "already in data-platform (number 2 of 4)" in texts([reply])


async def test_leave_needs_an_owner_and_says_who_to_ask(team: World):
    reply = only(await team.says(BOB, "leave data-platform"))

    assert is_refusal(reply) and "Ask Alice Martin" in texts([reply])
    assert BOB.email in (await team.rotation()).members


async def test_a_team_owner_may_leave_and_so_may_the_rotation_owner(team: World):
    await team.says(BOB, "leave data-platform", where=DATA, team_owner=True)
    await team.says(ALICE, "leave data-platform")

    assert (await team.rotation()).members == (CAROL.email, DAN.email)


async def test_team_ownership_can_come_from_the_roster(team: World, sqlite_url, clock):
    from bot.chat.context import Collaborators
    from tests.chat_service.conftest import opened_world

    class Roster:
        async def is_team_owner(self, conversation, user):
            return conversation.team_id is not None and user.teams_id == BOB.teams_id

    async with opened_world(sqlite_url, clock, Collaborators(roster=Roster())) as world:
        in_chat = only(await world.says(BOB, "leave data-platform"))
        in_team = only(await world.says(BOB, "leave data-platform", where=DATA))

    assert is_refusal(in_chat) and not is_refusal(in_team)


async def test_a_team_owner_is_known_by_the_team_s_group_id_though_channel_messages_omit_it(team: World, sqlite_url,
                                                                                            clock):
    from bot.chat.context import Collaborators
    from tests.chat_service.conftest import opened_world

    class Roster:
        async def is_team_owner(self, conversation, user):
            return conversation.team_aad_group_id == DATA.team_aad_group_id and user.teams_id == BOB.teams_id

    async with opened_world(sqlite_url, clock, Collaborators(roster=Roster())) as world:
        await world.service.on_conversation_seen(DATA, BOB.user())
        reply = only(await world.says(BOB, "leave data-platform", where=replace(DATA, team_aad_group_id=None)))

    assert not is_refusal(reply)


async def test_people_read_from_a_roster_are_known_before_they_write(team: World):
    zoe = ChatUser(teams_id="29:zoe", name="Zoe Park", aad_object_id="00000000-0000-0000-0000-00000000000f",
                   email="Zoe@Example.com")

    await team.service.on_people_seen([zoe, ChatUser(teams_id="29:nameless")])

    known = await team.store.get_person("zoe@example.com")
    assert (known.teams_id, known.aad_object_id, known.display_name) == ("29:zoe", zoe.aad_object_id, "Zoe Park")
    assert await team.teams.zones(["zoe@example.com"]) == {}


async def test_the_last_member_cannot_leave(team: World):
    await team.store.create_rotation(data_platform(name="solo", members=(BOB.email,)), "cli:ops")

    reply = only(await team.says(BOB, "leave solo", team_owner=True, where=DATA))

    assert is_refusal(reply) and "only member" in texts([reply])


async def test_bind_needs_an_owner_and_then_routes_the_channel(team: World):
    await team.service.on_conversation_seen(ML, BOB.user())

    refused = only(await team.says(BOB, "bind data-platform", where=ML))
    bound = only(await team.says(ALICE, "bind data-platform", where=ML))

    assert is_refusal(refused)
    assert "now belongs to data-platform" in texts([bound]) and "Alice Martin" in texts([bound])
    assert {c.key for c in await team.teams.channel_conversations_for("data-platform")} == {DATA.key, ML.key}


async def test_an_owner_named_in_the_rotations_file_may_bind_it(team: World):
    from bot.rotafile import apply_plan, current_owners, current_rotations, load_rotafile, plan_changes

    await team.store.create_rotation(data_platform(name="ml-serving"), "cli:ops")
    await team.service.on_conversation_seen(ML, BOB.user())
    refused = only(await team.says(BOB, "bind ml-serving", where=ML))
    desired = load_rotafile(f"""
rotations:
  - {{name: ml-serving, timezone: Europe/Paris, shift: 1w, handoff: "2026-03-02 12:00",
     members: [{", ".join((await team.store.get_rotation("ml-serving")).members)}], owners: [{BOB.email}]}}
""")
    plan = plan_changes(desired, await current_rotations(team.store), owners=await current_owners(team.store, ["ml-serving"]))
    await apply_plan(team.store, plan, "cli:ops")
    bound = only(await team.says(BOB, "bind ml-serving", where=ML))

    assert is_refusal(refused) and "has no owner in Rota yet" in texts([refused])
    assert not is_refusal(bound) and await team.teams.bound_rotation(ML.key) == "ml-serving"


async def test_bind_a_channel_already_bound_elsewhere_moves_it(team: World):
    await team.teams.create_owned_rotation(data_platform(name="ml-serving"), ALICE.email, "teams:alice")

    reply = only(await team.says(ALICE, "bind ml-serving", where=DATA))

    assert "it belonged to data-platform" in texts([reply])
    assert await team.teams.bound_rotation(DATA.key) == "ml-serving"


async def test_bind_is_refused_in_a_personal_chat(team: World):
    reply = only(await team.says(ALICE, "bind data-platform"))

    assert is_refusal(reply) and "works in a channel" in texts([reply])


async def test_changes_are_audited_under_the_person_who_made_them(team: World):
    await team.says(BOB, "swap tue 10 mar with @Carol Diaz", mentions=[CAROL])

    entries = await team.store.audit_log("data-platform", limit=5)
    assert [e.action for e in entries[:2]] == ["override.add", "override.add"]
    assert {e.actor for e in entries[:2]} == {"teams:bob@example.com"}



# --- the other person's shift, and day-long shifts across New York's change to summer time ----


async def away_for(team: World, member, start, end) -> None:
    rotation = await team.rotation()
    await team.teams.add_spans([(rotation.name, TimeOff(member.email, start, end))], "cli:ops")


async def test_swap_takes_their_last_shift_before_mine_when_they_have_none_after(team: World):
    await away_for(team, CAROL, utc(2026, 3, 30), utc(2026, 6, 1))

    reply = only(await team.says(DAN, "swap 2026-03-25 with @Carol Diaz", mentions=[CAROL]))

    assert "you take theirs Mon 16 Mar 12:00 → Mon 23 Mar 12:00" in texts([reply])
    assert await primary(team, utc(2026, 3, 16, 11)) == DAN.email
    assert await primary(team, utc(2026, 3, 23, 11)) == CAROL.email


async def test_swap_with_someone_who_has_no_shift_left_suggests_a_cover(team: World):
    await away_for(team, CAROL, team.clock(), utc(2026, 6, 1))

    reply = only(await team.says(DAN, "swap 2026-03-25 with @Carol Diaz", mentions=[CAROL]))

    assert is_refusal(reply) and "Carol Diaz has no shift in data-platform" in texts([reply])
    # Dan already covers Carol's week of 16 March, so his stretch runs on into his own week
    assert "cover @you Mon 16 Mar 12:00 → Mon 30 Mar 12:00" in texts([reply])


async def test_daily_shifts_keep_nine_oclock_across_new_yorks_change_when_someone_is_away(team: World):
    daily = data_platform(name="ml-serving", timezone="America/New_York", shift=ShiftLength.parse("1d"),
                          handoff=datetime(2026, 3, 2, 9, 0), members=(BOB.email, CAROL.email))  # fmt: skip
    await team.store.create_rotation(daily, "cli:ops")

    reply = only(await team.says(CAROL, "away 2026-03-07 2026-03-09"))

    said = texts([reply])
    assert "ml-serving: Bob Smith covers Sat 7 Mar 09:00 → Sun 8 Mar 09:00" in said
    assert "Bob Smith covers Mon 9 Mar 09:00 → Tue 10 Mar 00:00" in said
    rotation = await team.rotation("ml-serving")
    assert on_call(rotation, utc(2026, 3, 8, 12, 59)).primary_reason.value == "covering-time-off"
    assert on_call(rotation, utc(2026, 3, 8, 13)).primary_reason.value == "regular"  # 09:00 EDT, Bob's own day
    assert on_call(rotation, utc(2026, 3, 10, 4)).primary == CAROL.email  # back at midnight, until 09:00
