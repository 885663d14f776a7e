"""The running service keeps the tag: with credentials and Graph settings it signs in to
the Entra stand-in and updates the Graph stand-in when told that the data changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.appkeys import GRAPH_TAGS, STORE, TIMERS
from bot.graph import SOURCE_NAME
from bot.graph.context import why_no_tags
from bot.settings import Settings
from bot.storage import Person
from bot.storage.outbox import engine_of
from bot.storage.teams import TeamsStore
from shared.rotation import Override
from tests.fakes.entra import CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra, LoopbackCertificate
from tests.fakes.graph import FakeGraph
from tests.graph.conftest import ACTOR, IDS, TEAM, channel, data_rotation

US_GOVERNMENT = "https://graph.microsoft.us/v1.0"


@pytest.fixture
async def service(sqlite_url: str, entra: FakeEntra, graph: FakeGraph, certificate: LoopbackCertificate, clock,
                  aiohttp_server: Any) -> tuple[web.Application, TeamsStore]:  # fmt: skip
    """The running service with Graph settings, the `data` rotation, its people's Entra ids
    and its channel known (not bound yet)."""
    settings = Settings(database_url=sqlite_url, app_id=CLIENT_ID, app_password=CLIENT_SECRET, app_tenant_id=TENANT,
                        graph_url=graph.url, graph_login_url=entra.login_url, graph_ca_bundle=str(certificate.ca_path))
    app = create_app(settings, clock=clock)
    await aiohttp_server(app, host="127.0.0.1")
    store = app[STORE]
    await store.create_rotation(data_rotation(), ACTOR)
    for email in ("alice@example.com", "dave@example.com"):
        await store.upsert_person(Person(email=email, aad_object_id=IDS[email]))
    teams = TeamsStore(engine_of(store), clock=clock)
    await teams.save_conversation(channel())
    return app, teams


async def test_the_service_keeps_the_tag_of_a_bound_rotation(service, graph: FakeGraph):
    app, teams = service
    await teams.bind("data", "data-channel", ACTOR)

    await app[TIMERS].poke(SOURCE_NAME)
    await app[TIMERS].fire(SOURCE_NAME)

    assert graph.tagged(TEAM, "data-oncall") == {IDS["alice@example.com"]}
    assert (await app[GRAPH_TAGS].tag_status("data")).in_sync


async def test_a_binding_and_an_override_reach_the_tag_without_waiting_for_a_handoff(service, graph: FakeGraph,
                                                                                   clock):
    app, teams = service
    store = app[STORE]

    await teams.bind("data", "data-channel", ACTOR)
    await _until(lambda: graph.tagged(TEAM, "data-oncall") == {IDS["alice@example.com"]})
    await store.add_override("data", Override("dave@example.com", clock(), clock() + timedelta(hours=4)), ACTOR)
    await _until(lambda: graph.tagged(TEAM, "data-oncall") == {IDS["dave@example.com"]})


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """The tag follows a commit on its own (a poke, then the timer): wait for it, bounded."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the tag did not follow the change"
        await asyncio.sleep(0.02)


def test_tags_are_kept_only_with_a_client_secret_and_not_when_turned_off():
    with_secret = Settings(app_id=CLIENT_ID, app_password=CLIENT_SECRET)

    assert why_no_tags(with_secret) is None
    assert "MicrosoftAppId" in why_no_tags(Settings())
    assert "managed identity" in why_no_tags(Settings(app_id=CLIENT_ID, app_type="UserAssignedMSI"))
    assert why_no_tags(Settings.from_env({"ROTA_GRAPH_TAGS": "off", "MicrosoftAppId": CLIENT_ID})) is not None
    assert Settings.from_env({"ROTA_GRAPH_URL": US_GOVERNMENT}).graph_url == US_GOVERNMENT
