"""The service on a real loopback port, with a fixed clock and tokens made through the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from json import dumps
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import STORE
from bot.settings import Settings

#: "Now" for every test: a Friday, in the third shift of the sample rotation.
NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
ADMIN = "admin"
READER = "reader"


def rotation_body(name: str = "data-platform", **changes: Any) -> dict[str, Any]:
    """A rotation as a team lead would send it: weekly, Mondays 12:00 in Paris."""
    body: dict[str, Any] = {
        "name": name,
        "timezone": "Europe/Paris",
        "shift": "1w",
        "handoff": "2026-03-02 12:00",
        "members": ["alice@example.com", "bob@example.com", "carol@example.com"],
        "secondary": "next",
    }
    body.update(changes)
    return body


@dataclass
class Api:
    """A caller of the live service holding one token (or none)."""

    client: TestClient
    secret: str | None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}

    async def call(self, method: str, path: str, *, json: Any = None, data: bytes | None = None) -> tuple[int, Any]:
        """Status and decoded JSON body (None when there is no body)."""
        if json is not None:
            data = dumps(json).encode()
        response = await self.client.request(method, path, data=data, headers=self.headers())
        body = await response.read()
        return response.status, (await response.json() if body else None)

    async def ok(self, method: str, path: str, *, json: Any = None) -> Any:
        status, body = await self.call(method, path, json=json)
        assert status < 300, (method, path, status, body)
        return body

    async def state(self) -> tuple[Any, Any]:
        """Everything an API caller can see change: the rotations and the audit log."""
        return await self.ok("GET", "/api/v1/rotations"), await self.ok("GET", "/api/v1/audit?limit=1000")


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def app(database_url: str, clock: Callable[[], datetime]) -> web.Application:
    return create_app(Settings(database_url=database_url), clock=clock)


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient:
    return await aiohttp_client(app)


@pytest.fixture
async def tokens(client: TestClient) -> dict[str, str]:
    store = client.app[STORE]
    return {name: (await store.create_token(name, admin=name == ADMIN))[1] for name in (ADMIN, READER)}


@pytest.fixture
def api(client: TestClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens[ADMIN])


@pytest.fixture
def reader(client: TestClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens[READER])
