"""Team owners known through Graph: an owner of the team may change any of its rotations,
an ordinary member may not, and a Graph that cannot answer only means "not an owner"."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from bot.app import create_app
from bot.appkeys import CHAT_HANDLER, STORE
from bot.chat.context import Collaborators
from bot.conversations import ChatTurn, ChatUser
from bot.graph import GraphTokens
from bot.graph.roster import GraphTeamRoster, RosterClient, graph_roster
from bot.settings import Settings
from bot.storage.outbox import engine_of
from bot.storage.teams import TeamsStore
from tests.chat_service.conftest import ALICE, BOB, opened_world, only, texts
from tests.fakes.entra import CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra, LoopbackCertificate
from tests.fakes.graph import FakeGraph
from tests.graph.conftest import IDS, TEAM, channel, data_rotation
from tests.storage.conftest import FakeClock

ALICE_ID = IDS["alice@example.com"]
BOB_ID = IDS["bob@example.com"]
ALICE_USER = ChatUser(teams_id="29:alice", name="Alice", aad_object_id=ALICE_ID, email="alice@example.com")
BOB_USER = ChatUser(teams_id="29:bob", name="Bob", aad_object_id=BOB_ID, email="bob@example.com")
DATA = channel()
ML = channel("ml-channel")


@pytest.fixture
async def roster(
    graph: FakeGraph, tokens: GraphTokens, certificate: LoopbackCertificate, clock: FakeClock
) -> AsyncIterator[GraphTeamRoster]:
    graph.teams[TEAM].owners = {ALICE_ID}
    graph.teams[TEAM].emails = {ALICE_ID: "Alice@Example.com"}
    connector = aiohttp.TCPConnector(ssl=certificate.client_context())
    async with aiohttp.ClientSession(connector=connector) as session:
        yield GraphTeamRoster(RosterClient(session, graph.url, tokens), clock=clock)


def member_lists(graph: FakeGraph) -> int:
    return sum(1 for method, path in graph.requests if method == "GET" and path == f"/v1.0/teams/{TEAM}/members")


async def test_an_owner_is_recognised_and_a_member_is_not(roster: GraphTeamRoster):
    by_email_only = ChatUser(teams_id="29:alice", email="alice@example.com")

    assert await roster.is_team_owner(DATA, ALICE_USER)
    assert await roster.is_team_owner(DATA, by_email_only)
    assert not await roster.is_team_owner(DATA, BOB_USER)
    assert not await roster.is_team_owner(BOB.chat, ALICE_USER)


async def test_owners_are_asked_once_per_team_and_again_after_five_minutes(
    roster: GraphTeamRoster, graph: FakeGraph, clock: FakeClock
):
    assert not await roster.is_team_owner(DATA, BOB_USER)
    graph.teams[TEAM].owners.add(BOB_ID)
    clock.advance(timedelta(minutes=4))
    still_cached = await roster.is_team_owner(ML, BOB_USER)
    clock.advance(timedelta(minutes=1))

    assert not still_cached
    assert await roster.is_team_owner(DATA, BOB_USER)
    assert member_lists(graph) == 2


@pytest.mark.parametrize("status", [403, 503])
async def test_a_graph_failure_means_not_an_owner_and_is_logged_once(
    roster: GraphTeamRoster, graph: FakeGraph, caplog: pytest.LogCaptureFixture, status: int
):
    graph.fail_next(2, status)
    with caplog.at_level(logging.WARNING, logger="bot.graph.roster"):
        first = await roster.is_team_owner(DATA, ALICE_USER)
        second = await roster.is_team_owner(DATA, ALICE_USER)
    recovered = await roster.is_team_owner(DATA, ALICE_USER)

    assert (first, second, recovered) == (False, False, True)
    [warning] = caplog.records
    assert TEAM in warning.getMessage()
    assert ("TeamMember.Read.All" in warning.getMessage()) == (status == 403)


async def test_without_graph_credentials_there_is_no_roster(clock: FakeClock):
    async with graph_roster(Settings(), clock) as local:
        assert local is None
    async with graph_roster(Settings(app_id=CLIENT_ID, app_password=CLIENT_SECRET, graph_tags=False), clock) as graph:
        assert isinstance(graph, GraphTeamRoster)


async def test_a_forbidden_graph_refuses_a_team_member_kindly_and_names_the_rotation_owner(
    roster: GraphTeamRoster, graph: FakeGraph, sqlite_url: str, clock: FakeClock
):
    graph.forbid()
    async with opened_world(sqlite_url, clock, Collaborators(roster=roster)) as world:
        await world.meet(ALICE, BOB)
        await world.teams.create_owned_rotation(data_rotation(), ALICE.email, "teams:alice@example.com")
        await world.teams.save_conversation(DATA)
        reply = only(await world.says(BOB, "bind data", where=DATA))

    assert "needs an owner of data or of the team" in texts([reply])
    assert "Ask Alice Martin" in texts([reply])
    assert await world.teams.bound_rotation(DATA.key) is None


async def test_a_team_owner_who_does_not_own_the_rotation_binds_a_channel(
    sqlite_url: str, entra: FakeEntra, graph: FakeGraph, certificate: LoopbackCertificate, clock: FakeClock,
    aiohttp_server: Any,
):  # fmt: skip
    graph.teams[TEAM].owners = {BOB_ID}
    settings = Settings(database_url=sqlite_url, app_id=CLIENT_ID, app_password=CLIENT_SECRET, app_tenant_id=TENANT,
                        graph_url=graph.url, graph_login_url=entra.login_url,
                        graph_ca_bundle=str(certificate.ca_path))  # fmt: skip
    app = create_app(settings, clock=clock)
    await aiohttp_server(app, host="127.0.0.1")
    teams = TeamsStore(engine_of(app[STORE]), clock=clock)
    await teams.create_owned_rotation(data_rotation(), "alice@example.com", "teams:alice@example.com")
    await teams.save_conversation(DATA)

    [reply] = await app[CHAT_HANDLER].on_turn(ChatTurn(user=BOB_USER, conversation=DATA, text="bind data"))

    assert "now belongs to data" in texts([reply])
    assert await teams.bound_rotation(DATA.key) == "data"

