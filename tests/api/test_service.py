"""The service as operators see it: readiness, the OpenAPI document, and failures that stay inside."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from openapi_spec_validator import validate

from bot.api.handlers import service_version
from bot.app import create_app
from bot.settings import Settings
from tests.conftest import postgres_admin_url

PUBLIC_PREFIXES = ("/api/v1/", "/healthz")


async def test_health_answers_once_the_database_does(aiohttp_client: Any, sqlite_url: str) -> None:
    client = await aiohttp_client(create_app(Settings(database_url=sqlite_url)))
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "version": service_version()}


async def test_health_is_503_when_the_database_goes_away(aiohttp_client: Any, fresh_postgres_url: str) -> None:
    postgres_url = fresh_postgres_url
    client = await aiohttp_client(create_app(Settings(database_url=postgres_url)))
    assert (await client.get("/healthz")).status == 200

    admin = await asyncpg.connect(postgres_admin_url().replace("+asyncpg", ""), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE "{postgres_url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()

    response = await client.get("/healthz")
    assert response.status == 503
    assert await response.json() == {"status": "unavailable", "database": "unavailable", "version": service_version()}


async def test_an_unexpected_failure_is_a_bare_500_and_is_logged(
    aiohttp_client: Any, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("connection string postgres://secret@db")

    app = create_app(Settings(database_url=sqlite_url))
    app.router.add_get("/broken", broken)
    client = await aiohttp_client(app)
    caplog.set_level(logging.ERROR)

    response = await client.get("/broken")
    body = await response.json()
    assert response.status == 500
    assert body["error"]["code"] == "internal_error" and "secret" not in str(body)
    assert "RuntimeError: connection string" in caplog.text


async def _document(aiohttp_client: Any, app: web.Application) -> dict:
    client = await aiohttp_client(app)
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    return await response.json()


async def test_the_openapi_document_is_valid_and_lists_every_route(aiohttp_client: Any, sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    document = await _document(aiohttp_client, app)

    validate(document)
    served = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith(PUBLIC_PREFIXES)
    }
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert served == documented
    assert len(served) > 20


async def test_the_document_says_how_calendar_apps_authenticate(aiohttp_client: Any, sqlite_url: str) -> None:
    document = await _document(aiohttp_client, create_app(Settings(database_url=sqlite_url)))
    feed = document["paths"]["/api/v1/rotations/{name}/calendar.ics"]["get"]

    assert {"calendar_token": []} in feed["security"]
    scheme = document["components"]["securitySchemes"]["calendar_token"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "query", "token")
    assert "?token=" in feed["description"]
    assert "text/calendar" in feed["responses"]["200"]["content"]
    assert document["paths"]["/healthz"]["get"]["security"] == []
    create = document["paths"]["/api/v1/rotations"]["post"]
    assert {"400", "401", "403", "409", "413", "422"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RotationIn"}
