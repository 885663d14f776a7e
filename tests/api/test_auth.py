"""Tokens: none or a wrong one gets 401, a read-only one reads and changes nothing, calendar
feeds take the token in the URL, and no secret ever reaches the logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.api.table import ApiRoute
from bot.app import AccessLogger
from bot.appkeys import API_ROUTES, STORE
from tests.api.conftest import ADMIN, READER, Api, rotation_body

ROTATIONS = "/api/v1/rotations"
DP = f"{ROTATIONS}/data-platform"
SAMPLE_PARAMETERS = {"name": "data-platform", "email": "alice@example.com", "override_id": 1, "time_off_id": 1}
WRONG = [
    {},
    {"Authorization": "Bearer rota_not-a-token-we-issued"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    {"Authorization": "rota_missing-the-scheme"},
]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def _protected(client: TestClient, *, writes: bool | None = None) -> list[ApiRoute]:
    return [
        route
        for route in client.app[API_ROUTES]
        if not route.public and (writes is None or route.writes == writes)
    ]


async def _request(client: TestClient, route: ApiRoute, headers: dict[str, str], query: str = "") -> Any:
    body = rotation_body() if route.body is not None else None
    return await client.request(route.method, route.path.format(**SAMPLE_PARAMETERS) + query, json=body,
                                headers=headers)


async def test_every_protected_route_refuses_a_missing_or_wrong_token(client: TestClient, api: Api) -> None:
    await api.ok("POST", ROTATIONS, json=rotation_body())
    before = await api.state()

    for route in _protected(client):
        for headers in WRONG:
            response = await _request(client, route, headers)
            assert response.status == 401, (route.method, route.path, headers)
            assert response.headers["WWW-Authenticate"].startswith('Bearer realm="rota"')
            assert (await response.json())["error"]["code"] == "unauthorized"

    assert await api.state() == before


async def test_a_read_only_token_reads_everything_and_changes_nothing(client: TestClient, api: Api, reader: Api) -> None:
    await api.ok("POST", ROTATIONS, json=rotation_body())
    await api.ok("POST", f"{DP}/overrides", json={
        "person": "alice@example.com", "start": "2026-03-25T00:00:00Z", "end": "2026-03-26T00:00:00Z",
    })
    before = await api.state()

    for route in _protected(client, writes=True):
        response = await _request(client, route, reader.headers())
        assert response.status == 403, (route.method, route.path)
        assert (await response.json())["error"]["code"] == "forbidden"
    assert await reader.ok("GET", DP) == before[0][0]
    assert (await reader.ok("GET", f"{DP}/on-call"))["primary"] == "carol@example.com"

    assert await api.state() == before


async def test_a_lowercase_scheme_is_accepted(client: TestClient, tokens: dict[str, str]) -> None:
    response = await client.get(ROTATIONS, headers={"Authorization": f"bearer {tokens[READER]}"})
    assert response.status == 200


async def test_calendar_feeds_and_only_they_take_the_token_in_the_url(
    client: TestClient, api: Api, tokens: dict[str, str]
) -> None:
    await api.ok("POST", ROTATIONS, json=rotation_body())
    url_token = f"?token={tokens[READER]}"

    for path in (f"{DP}/calendar.ics", "/api/v1/people/alice@example.com/calendar.ics"):
        assert (await client.get(path + url_token)).status == 200
        assert (await client.get(path + "?token=rota_not-a-token-we-issued")).status == 401
    for route in _protected(client):
        if not route.query_token:
            assert (await _request(client, route, {}, url_token)).status == 401, (route.method, route.path)


async def test_a_revoked_token_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    await client.app[STORE].revoke_token(READER)
    response = await client.get(ROTATIONS, headers={"Authorization": f"Bearer {tokens[READER]}"})
    assert response.status == 401


async def test_no_secret_reaches_the_logs(
    aiohttp_server: Any, aiohttp_client: Any, app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(await aiohttp_server(app, access_log_class=AccessLogger))
    store = app[STORE]
    secrets = {name: (await store.create_token(name, admin=name == ADMIN))[1] for name in (ADMIN, READER)}
    caplog.set_level(logging.DEBUG)

    await Api(client, secrets[ADMIN]).ok("POST", ROTATIONS, json=rotation_body())
    await client.get(f"{DP}/calendar.ics?token={secrets[READER]}")
    await client.get(ROTATIONS, headers={"Authorization": f"Bearer {secrets[READER]}x"})
    await client.post(ROTATIONS, headers={"Authorization": f"Bearer {secrets[READER]}"}, json=rotation_body())

    assert f"GET {DP}/calendar.ics 200" in caplog.text
    assert f"POST {ROTATIONS} 403" in caplog.text
    assert not [name for name, secret in secrets.items() if secret in caplog.text]
    assert "rota_" not in caplog.text
