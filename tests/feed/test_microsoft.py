"""With Microsoft credentials the tray signs in with msal: the service says how, takes the
person's Entra token (checked against the tenant's keys) for their feed, and pairs nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import PAIRING, STORE
from bot.settings import Settings
from tests.api.conftest import Api, rotation_body
from tests.fakes.entra_keys import APP_ID, APP_ID_URI, HOST, TENANT, FakeTenant, Person
from tests.feed.conftest import ALICE, NOW, ROTATION

DAVE = Person(upn="dave@example.com", name="Dave", object_id="66666666-7777-4888-9999-000000000000")


@pytest.fixture
async def tenant() -> AsyncIterator[FakeTenant]:
    tenant = FakeTenant()
    await tenant.start()
    yield tenant
    await tenant.close()


@pytest.fixture
async def service(aiohttp_client: Any, sqlite_url: str, tenant: FakeTenant) -> TestClient:
    settings = Settings(database_url=sqlite_url, app_id=APP_ID, app_password="not-a-real-secret", app_tenant_id=TENANT,
                        public_url=f"https://{HOST}", graph_tags=False, entra_metadata_url=tenant.metadata_url)
    client = await aiohttp_client(create_app(settings, clock=lambda: NOW))
    _, secret = await client.app[STORE].create_token("admin", admin=True)
    await Api(client, secret).ok("POST", "/api/v1/rotations", json=rotation_body(ROTATION))
    return client


async def test_the_tray_learns_to_sign_in_with_microsoft(service: TestClient):
    options = await Api(service, None).ok("GET", "/api/v1/tray/sign-in")
    status, refused = await Api(service, None).call("POST", "/api/v1/pair", json={"code": "K7P2-QX9M"})

    assert options == {"mode": "microsoft", "client_id": APP_ID,
                       "authority": f"https://login.microsoftonline.com/{TENANT}",
                       "scopes": [f"{APP_ID_URI}/access_as_user"]}
    assert PAIRING not in service.app
    assert status == 400 and "Microsoft" in refused["error"]["message"]


async def test_a_microsoft_token_opens_its_owner_s_feed_and_nothing_else(service: TestClient, tenant: FakeTenant):
    alice = Api(service, tenant.mint(NOW))
    dave = Api(service, tenant.mint(NOW, person=DAVE, version="2.0"))
    stranger = Api(service, tenant.mint(NOW, key=tenant.unpublished_key()))

    mine = await alice.ok("GET", "/api/v1/me/shifts")
    theirs = await dave.ok("GET", "/api/v1/me/shifts")

    assert mine["user"] == ALICE and [r["name"] for r in mine["rotations"]] == [ROTATION]
    assert theirs["user"] == DAVE.upn and theirs["rotations"] == [] and theirs["shifts"] == []
    assert (await stranger.call("GET", "/api/v1/me/shifts"))[0] == 401
    assert (await alice.call("GET", "/api/v1/rotations"))[0] == 401
