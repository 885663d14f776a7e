"""The alerts part of the public API: integrations (the secret shown once), alerts with
their timelines, acknowledging for someone, and a rotation's alert settings."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from aiohttp import web

from bot.app import create_app
from bot.settings import Settings
from tests.alerts_service.conftest import ALICE, DAN, ROTATION
from tests.api.conftest import Api, api, client, reader, rotation_body, tokens  # noqa: F401 (fixtures)

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
GENERIC = {"title": "Nightly ETL failed", "severity": "critical", "dedup_key": "etl"}


@pytest.fixture
def app(sqlite_url: str) -> web.Application:
    return create_app(Settings(database_url=sqlite_url, public_url="https://rota.example.com"), clock=lambda: NOW)


async def integration(api: Api, kind: str = "generic") -> dict:
    await api.ok("POST", "/api/v1/rotations", json=rotation_body(ROTATION, members=[ALICE]))
    return await api.ok("POST", f"/api/v1/rotations/{ROTATION}/integrations", json={"kind": kind, "name": "ci"})


async def fire(api: Api, created: dict, body: dict = GENERIC) -> int:
    response = await api.client.post(created["url"].removeprefix("https://rota.example.com"), json=body,
                                     headers={"Authorization": f"Bearer {created['secret']}"})
    assert response.status == 200, await response.text()
    return (await response.json())["alerts"][0]["id"]


async def test_an_integration_shows_its_url_and_secret_once(api: Api, reader: Api):
    created = await integration(api)
    listed = await reader.ok("GET", f"/api/v1/rotations/{ROTATION}/integrations")

    assert created["url"] == f"https://rota.example.com/api/alerts/{created['id']}"
    assert created["secret"].startswith("rotahook_")
    assert listed == [{key: value for key, value in created.items() if key != "secret"}]
    status, _ = await reader.call("POST", f"/api/v1/rotations/{ROTATION}/integrations", json={"kind": "grafana"})
    assert status == 403


async def test_alerts_are_listed_with_their_timelines_and_filtered(api: Api, reader: Api):
    alert_id = await fire(api, await integration(api))

    [listed] = await reader.ok("GET", f"/api/v1/alerts?rotation={ROTATION}&state=triggered")
    none = await reader.ok("GET", "/api/v1/alerts?state=resolved")
    status, body = await reader.call("GET", "/api/v1/alerts?state=gone")

    assert (listed["id"], listed["title"], listed["severity"]) == (alert_id, "Nightly ETL failed", "critical")
    assert listed["timeline"][0] == {"at": "2026-03-20T10:30:00Z", "kind": "created", "actor": None,
                                     "detail": "from generic"}
    assert none == [] and status == 422 and body["error"]["field"] == "state"


async def test_acknowledging_for_a_member_is_recorded_as_them_and_audited_as_the_token(api: Api):
    alert_id = await fire(api, await integration(api))

    acked = await api.ok("POST", "/api/v1/alerts/acknowledgements", json={"alert": alert_id, "by": ALICE})
    status, again = await api.call("POST", "/api/v1/alerts/acknowledgements", json={"alert": alert_id, "by": ALICE})
    outsider, refused = await api.call("POST", "/api/v1/alerts/acknowledgements", json={"alert": alert_id, "by": DAN})

    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", ALICE)
    assert status == 409 and "already acknowledged" in again["error"]["message"]
    assert outsider == 403 and refused["error"]["message"].startswith("Only members of data-platform")
    [entry] = [e for e in await api.ok("GET", "/api/v1/audit") if e["action"] == "alert.ack"]
    assert entry["actor"] == "token:admin"


async def test_alert_settings_default_then_replaced(api: Api):
    await integration(api)
    path = f"/api/v1/rotations/{ROTATION}/alert-settings"
    default = await api.ok("GET", path)
    wanted = {
        "escalation": {"steps": [{"kind": "primary", "wait_minutes": 10},
                                 {"kind": "person", "wait_minutes": 20, "person": "lead@example.com"},
                                 {"kind": "channel", "wait_minutes": 0, "mention": "team"}], "repeat": 1},
        "business_hours": {"timezone": "Europe/Paris", "days": "mon-fri", "start": "08:30", "end": "17:30"},
        "urgent": ["critical"],
    }

    replaced = await api.ok("PUT", path, json=wanted)
    status, refused = await api.call("PUT", path, json={**wanted, "business_hours": {"timezone": "Mars/Olympus"}})

    assert [s["kind"] for s in default["escalation"]["steps"]] == ["primary", "secondary", "channel"]
    assert default["business_hours"] is None and default["urgent"] == ["critical", "high"]
    assert replaced["business_hours"]["days"] == "mon,tue,wed,thu,fri"
    assert replaced["escalation"]["steps"][1] == {"kind": "person", "wait_minutes": 20, "person": "lead@example.com",
                                                  "mention": None}
    assert await api.ok("GET", path) == replaced
    assert status == 422 and refused["error"]["field"] == "timezone"


async def test_the_openapi_document_lists_the_alert_routes(reader: Api):
    document = await reader.ok("GET", "/api/v1/openapi.json")

    assert {"/api/v1/alerts", "/api/v1/alerts/acknowledgements", "/api/v1/rotations/{name}/integrations",
            "/api/v1/rotations/{name}/alert-settings"} <= set(document["paths"])
