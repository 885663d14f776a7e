"""The @data-oncall tag holds exactly the people on duty, through handoffs, overrides and
Graph failures; `who` can say when and why it does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.graph import SOURCE_NAME, TagSync
from bot.graph.reconcile import default_tag_name
from bot.timers import TimerService
from shared.rotation import Override, Secondary, TimeOff, ValidationError
from tests.fakes.graph import FakeGraph
from tests.graph.conftest import ACTOR, FIRST_HANDOFF, IDS, TEAM, WEEK, channel, data_rotation, make_sync

ALICE, BOB, CAROL, DAVE = (IDS[f"{name}@example.com"] for name in ("alice", "bob", "carol", "dave"))


@pytest.fixture
async def timers(sync: TagSync, clock) -> AsyncIterator[TimerService]:
    service = TimerService(clock=clock, paused=True)
    await service.start()
    await service.register(sync)
    try:
        yield service
    finally:
        await service.close()


async def test_a_rotation_bound_to_a_team_gets_a_tag_holding_the_person_on_duty(world, sync, graph, clock):
    assert await sync.tag_status("data") is None
    await world.bind()

    assert await sync.next_due(clock()) == clock()
    await sync.run_due(clock())

    assert graph.tagged(TEAM, "data-oncall") == {ALICE}
    status = await sync.tag_status("data")
    assert (status.in_sync, status.warning, status.last_success) == (True, None, clock())
    assert await sync.next_due(clock()) == FIRST_HANDOFF + WEEK


async def test_at_the_handoff_the_timer_swaps_the_members(world, sync, timers, graph, clock):
    await world.bind()
    await timers.poke(SOURCE_NAME)
    await timers.fire(SOURCE_NAME)
    assert timers.planned(SOURCE_NAME) == FIRST_HANDOFF + WEEK

    clock.now = FIRST_HANDOFF + WEEK
    await timers.fire(SOURCE_NAME)

    assert graph.tagged(TEAM, "data-oncall") == {BOB}
    assert timers.planned(SOURCE_NAME) == FIRST_HANDOFF + 2 * WEEK
    assert (await sync.tag_status("data")).in_sync


async def test_an_override_and_a_poke_update_the_members_until_it_ends(world, sync, timers, graph, clock):
    await world.bind()
    await timers.fire(SOURCE_NAME)
    cover = Override("dave@example.com", clock(), clock() + timedelta(hours=4))

    await world.store.add_override("data", cover, ACTOR)
    await timers.poke(SOURCE_NAME)
    await timers.fire(SOURCE_NAME)

    assert graph.tagged(TEAM, "data-oncall") == {DAVE}
    assert timers.planned(SOURCE_NAME) == cover.end
    clock.now = cover.end
    await timers.fire(SOURCE_NAME)
    assert graph.tagged(TEAM, "data-oncall") == {ALICE}


async def test_time_off_hands_the_tag_to_the_next_member(world, sync, timers, graph, clock):
    await world.bind()
    await timers.fire(SOURCE_NAME)

    await world.store.add_time_off("data", TimeOff("alice@example.com", clock(), clock() + WEEK), ACTOR)
    await timers.poke(SOURCE_NAME)
    await timers.fire(SOURCE_NAME)

    assert graph.tagged(TEAM, "data-oncall") == {BOB}


async def test_the_secondary_is_tagged_too(world, sync, graph, clock):
    await world.store.update_rotation(data_rotation(secondary=Secondary.parse("next")), ACTOR)
    await world.bind()

    await sync.run_due(clock())

    assert graph.tagged(TEAM, "data-oncall") == {ALICE, BOB}


async def test_a_missing_permission_is_recorded_shown_and_retried_until_granted(world, sync, timers, graph, clock):
    await world.bind()
    graph.forbid()

    await timers.fire(SOURCE_NAME)

    status = await sync.tag_status("data")
    assert status.warning == (
        "the @data-oncall tag is out of date: Rota lacks the Microsoft Graph permission "
        "TeamworkTag.ReadWrite.All (an administrator must grant it)"
    )
    retry = timers.planned(SOURCE_NAME)
    assert clock() + timedelta(minutes=1) <= retry <= clock() + timedelta(minutes=2)
    calls = len(graph.requests)
    await timers.fire(SOURCE_NAME)
    assert len(graph.requests) == calls, "no new attempt before the retry time"

    clock.now = retry
    await timers.fire(SOURCE_NAME)
    second_retry = timers.planned(SOURCE_NAME)
    assert second_retry - retry >= timedelta(minutes=2)

    graph.forbid(False)
    clock.now = second_retry
    await timers.fire(SOURCE_NAME)
    assert graph.tagged(TEAM, "data-oncall") == {ALICE}
    status = await sync.tag_status("data")
    assert status.in_sync and status.last_error == retry


async def test_an_outage_honours_retry_after_and_recovers(world, sync, graph, clock):
    await world.bind()
    graph.fail_next(1, 503, retry_after="600")

    await sync.run_due(clock())

    assert "Microsoft Graph is not answering (HTTP 503)" in (await sync.tag_status("data")).warning
    retry = await sync.next_due(clock())
    assert retry >= clock() + timedelta(seconds=600)
    await sync.run_due(retry)
    assert graph.tagged(TEAM, "data-oncall") == {ALICE}


async def test_members_changed_by_hand_are_put_right_within_the_hour(world, client, graph, clock):
    sync = make_sync(world, client, clock, resync_every=timedelta(hours=1))
    await world.bind()
    await sync.run_due(clock())
    tag = graph.tag(TEAM, "data-oncall")
    tag.members = {"hand-made-1": CAROL, "hand-made-2": DAVE}

    await sync.run_due(clock())
    assert graph.tagged(TEAM, "data-oncall") == {CAROL, DAVE}, "in sync as far as Rota knows: no call"

    clock.advance(timedelta(hours=1))
    assert await sync.next_due(clock()) == clock()
    await sync.run_due(clock())
    assert graph.tagged(TEAM, "data-oncall") == {ALICE}


async def test_someone_on_duty_without_a_known_entra_id_is_reported(world, sync, graph, clock):
    members = ("erin@example.com", "alice@example.com")
    await world.store.update_rotation(data_rotation(members=members, secondary=Secondary.parse("next")), ACTOR)
    await world.bind()

    await sync.run_due(clock())

    assert graph.tagged(TEAM, "data-oncall") == {ALICE}
    warning = (await sync.tag_status("data")).warning
    assert warning.startswith("the @data-oncall tag is out of date: Rota does not know the Microsoft Entra id")
    assert "erin@example.com" in warning


async def test_a_chosen_tag_name_is_used_and_a_long_one_refused(world, sync, graph, clock):
    await world.bind()

    assert await sync.set_tag_name("data", " @Data Duty ") == "Data Duty"
    await sync.run_due(clock())

    assert graph.tagged(TEAM, "Data Duty") == {ALICE}
    assert (await sync.tag_status("data")).tag_name == "Data Duty"
    with pytest.raises(ValidationError):
        await sync.set_tag_name("data", "x" * 41)


def test_the_default_tag_name_fits_in_forty_characters():
    assert default_tag_name("data") == "data-oncall"
    assert len(default_tag_name("a" * 63)) == 40


async def test_one_token_serves_many_calls(world, sync, entra, clock):
    await world.bind()
    await sync.run_due(clock())
    clock.advance(WEEK)
    await sync.run_due(clock())

    assert len(entra.token_requests) == 1
    assert entra.token_requests[0]["grant_type"] == "client_credentials"


async def test_a_wrong_client_secret_is_reported_without_the_secret(world, sync, tokens, clock, caplog):
    tokens._client_secret = "not-the-secret"
    await world.bind()

    await sync.run_due(clock())

    warning = (await sync.tag_status("data")).warning
    assert warning == "the @data-oncall tag is out of date: Rota could not sign in to Microsoft Graph (invalid_client)"
    assert "not-the-secret" not in caplog.text


async def test_every_team_bound_to_the_rotation_gets_its_tag(world, sync, graph, clock):
    other_team = "0f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c"
    graph.add_team(other_team, graph.teams[TEAM].tenant_id, graph.teams[TEAM].people)
    await world.bind()
    await world.bind(conversation=channel("second-channel"))
    await world.bind(conversation=channel("other-team-channel", team=other_team))

    await sync.run_due(clock())

    assert graph.tagged(TEAM, "data-oncall") == {ALICE}
    assert graph.tagged(other_team, "data-oncall") == {ALICE}
    assert len(graph.teams[TEAM].tags) == 1


async def test_tags_on_later_pages_are_found(world, sync, graph, clock):
    graph.page_size = 1
    for name, person in (("Finance", CAROL), ("Legal", DAVE)):
        await sync._graph.create_tag(_team(graph), name, [person])
    await world.bind()

    await sync.run_due(clock())
    clock.now = FIRST_HANDOFF + WEEK
    await sync.run_due(clock())

    assert [t.display_name for t in graph.teams[TEAM].tags.values()] == ["Finance", "Legal", "data-oncall"]
    assert graph.tagged(TEAM, "data-oncall") == {BOB}


def _team(graph: FakeGraph):
    from bot.graph import TeamRef

    return TeamRef(TEAM, graph.teams[TEAM].tenant_id)
