"""The Graph and Entra stand-ins speak the documented shapes (the reference payloads), and
refuse what the real services refuse; the client reads them as it would read Graph."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.graph import GraphClient, GraphError, GraphTokens, TeamRef
from tests.fakes.entra import TENANT, LoopbackCertificate
from tests.fakes.graph import FakeGraph, FakeTag
from tests.graph.conftest import IDS, TEAM
from tests.reference import load_reference

TEAM_REF = TeamRef(TEAM, TENANT)


def reference(name: str) -> Any:
    return load_reference(f"payloads/graph-{name}.json")


@pytest.fixture
async def http(certificate: LoopbackCertificate) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=certificate.client_context())) as session:
        yield session


@pytest.fixture
async def bearer(tokens: GraphTokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {await tokens.token(TENANT)}"}


async def call(http: aiohttp.ClientSession, method: str, url: str, headers: dict[str, str], body: Any = None):
    async with http.request(method, url, json=body, headers=headers) as response:
        return response.status, (await response.json() if response.status != 204 else None)


async def test_tag_creation_and_listing_have_the_documented_shapes(graph: FakeGraph, http, bearer):
    tags = f"{graph.url}/teams/{TEAM}/tags"

    status, created = await call(http, "POST", tags, bearer, reference("teamworktag-create.request"))
    assert status == 201
    assert created.keys() == reference("teamworktag-create.response").keys()
    assert (created["displayName"], created["memberCount"], created["teamId"]) == ("Finance", 2, TEAM)

    status, listed = await call(http, "GET", tags, bearer)
    assert status == 200
    assert listed.keys() == reference("teamworktag-list.response").keys()
    assert listed["value"][0].keys() == reference("teamworktag-list.response")["value"][0].keys()


async def test_tag_members_have_the_documented_shapes(graph: FakeGraph, http, bearer):
    tags = f"{graph.url}/teams/{TEAM}/tags"
    _, created = await call(http, "POST", tags, bearer, reference("teamworktag-create.request"))
    members = f"{tags}/{created['id']}/members"

    status, added = await call(http, "POST", members, bearer, reference("teamworktagmember-add.request"))
    assert status == 201
    assert added.keys() == reference("teamworktagmember-add.response").keys()
    assert added["userId"] == reference("teamworktagmember-add.request")["userId"]

    status, listed = await call(http, "GET", members, bearer)
    documented = reference("teamworktagmember-list.response")
    assert status == 200 and listed.keys() == documented.keys()
    assert {member.keys() == documented["value"][0].keys() for member in listed["value"]} == {True}
    assert {m["userId"] for m in listed["value"]} == {IDS["alice@example.com"], IDS["carol@example.com"],
                                                     IDS["dave@example.com"]}  # fmt: skip

    status, _ = await call(http, "DELETE", f"{members}/{added['id']}", bearer)
    assert status == 204
    assert graph.tagged(TEAM, "Finance") == {IDS["alice@example.com"], IDS["carol@example.com"]}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"displayName": "x" * 41, "members": [{"userId": IDS["alice@example.com"]}]}, 400),
        ({"displayName": "Nobody", "members": []}, 400),
        ({"displayName": "Crowd", "members": [{"userId": IDS["alice@example.com"]}] * 26}, 400),
        ({"displayName": "Outsider", "members": [{"userId": "00000000-0000-0000-0000-000000000000"}]}, 400),
    ],
)
async def test_graph_refuses_what_its_documentation_forbids(graph: FakeGraph, http, bearer, body, status):
    answer, error = await call(http, "POST", f"{graph.url}/teams/{TEAM}/tags", bearer, body)

    assert answer == status
    assert error["error"]["code"] == "BadRequest"


async def test_graph_wants_a_token_issued_for_it(graph: FakeGraph, http, bearer):
    tags = f"{graph.url}/teams/{TEAM}/tags"

    assert (await call(http, "GET", tags, {}))[0] == 401
    assert (await call(http, "GET", tags, {"Authorization": "Bearer forged"}))[0] == 401
    assert (await call(http, "GET", tags, bearer))[0] == 200


async def test_the_client_reads_graph_errors_and_retry_after(graph: FakeGraph, client: GraphClient):
    graph.fail_next(1, 429, retry_after="30")
    with pytest.raises(GraphError) as throttled:
        await client.list_tags(TEAM_REF)
    graph.forbid()
    with pytest.raises(GraphError) as forbidden:
        await client.list_tags(TEAM_REF)

    assert (throttled.value.status, throttled.value.retry_after) == (429, 30.0)
    assert (forbidden.value.status, forbidden.value.code) == (403, "Forbidden")
    assert "TeamworkTag.ReadWrite.All" in forbidden.value.reason


async def test_ids_with_base64_slashes_and_pluses_reach_the_right_tag(graph: FakeGraph, client: GraphClient):
    tag = FakeTag(id="ab/cd+ef==", display_name="Odd", members={"m/1+": IDS["bob@example.com"]})
    graph.teams[TEAM].tags[tag.id] = tag

    await client.add_member(TEAM_REF, tag.id, IDS["carol@example.com"])
    await client.remove_member(TEAM_REF, tag.id, "m/1+")

    assert [m.user_id for m in await client.list_members(TEAM_REF, tag.id)] == [IDS["carol@example.com"]]


async def test_an_unknown_tenant_is_a_sign_in_failure(tokens: GraphTokens):
    with pytest.raises(GraphError) as failed:
        await tokens.token("11111111-2222-3333-4444-555555555555")

    assert failed.value.reason.startswith("Rota could not sign in to Microsoft Graph")


async def test_the_configured_ca_holds_whatever_requests_ca_bundle_says(tokens: GraphTokens, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca-bundle.pem")

    assert await tokens.token(TENANT)
