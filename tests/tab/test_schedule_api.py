"""The tab's JSON routes: inside Teams the viewer is whoever the Teams sign-in token names
(checked against the tenant's keys), they see their team's or their own rotations and those
rotations' recent alerts, and they change only the rotations they own; outside Teams, API
tokens work as everywhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import STORE
from bot.settings import Settings
from tests.fakes.entra_keys import APP_ID, HOST, TENANT, FakeTenant, Person
from tests.tab.seed import NOW, OWNER, TEAM_ID, Seeded, seed, seed_alerts

WINDOW = {"from": "2026-03-19T00:00:00Z", "to": "2026-04-16T00:00:00Z"}
CAROL = Person(upn=OWNER, name="Carol Owner", object_id="11111111-2222-4333-8444-555555555555")
DAVE = Person(upn="dave@example.com", name="Dave", object_id="66666666-7777-4888-9999-000000000000")
SPAN = {"person": "erin@example.com", "start": "2026-03-21T13:00:00Z", "end": "2026-03-22T13:00:00Z"}


@dataclass
class Tab:
    client: TestClient
    tenant: FakeTenant
    tokens: Seeded

    def teams(self, person: Person, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tenant.mint(NOW, person=person, **claims)}"}

    @staticmethod
    def bearer(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}

    async def get(self, headers: dict[str, str], **query: str) -> tuple[int, Any]:
        response = await self.client.get("/api/v1/schedule", params={**WINDOW, **query}, headers=headers)
        return response.status, await response.json()

    async def alerts(self, headers: dict[str, str], **query: str) -> tuple[int, Any]:
        response = await self.client.get("/api/v1/schedule/alerts", params=query, headers=headers)
        return response.status, await response.json()

    async def post(self, path: str, headers: dict[str, str], body: dict = SPAN) -> tuple[int, Any]:
        response = await self.client.post(f"/api/v1/schedule/{path}", json=body, headers=headers)
        return response.status, await response.json()

    async def audit(self) -> list[dict]:
        response = await self.client.get("/api/v1/audit?limit=5", headers=self.bearer(self.tokens.admin))
        return await response.json()


@pytest.fixture
async def tab(aiohttp_client: Any, sqlite_url: str) -> AsyncIterator[Tab]:
    tenant = FakeTenant()
    await tenant.start()
    settings = Settings(database_url=sqlite_url, app_id=APP_ID, app_password="not-a-real-secret", app_tenant_id=TENANT,
                        public_url=f"https://{HOST}", graph_tags=False,
                        entra_metadata_url=tenant.metadata_url)  # fmt: skip
    client = await aiohttp_client(create_app(settings, clock=lambda: NOW))
    tokens = await seed(client.app[STORE])
    yield Tab(client, tenant, tokens)
    await tenant.close()


def _names(body: dict) -> list[str]:
    return [r["name"] for r in body["rotations"]]


async def test_a_person_signed_in_through_teams_sees_their_own_rotations(tab: Tab) -> None:
    status, body = await tab.get(tab.teams(CAROL))

    assert status == 200
    assert body["viewer"] == {"name": "Carol Owner", "email": OWNER, "via": "teams", "admin": False}
    assert (body["scope"], _names(body)) == ("mine", ["data-platform"])
    rotation = body["rotations"][0]
    assert rotation["on_call"]["primary"] == OWNER and rotation["owners"] == [OWNER] and rotation["can_change"]
    assert body["my_calendar"] == f"/api/v1/people/{OWNER}/calendar.ics"


async def test_in_a_team_the_tab_shows_the_rotations_bound_to_its_channels(tab: Tab) -> None:
    _, in_team = await tab.get(tab.teams(DAVE), team=TEAM_ID)
    _, elsewhere = await tab.get(tab.teams(DAVE), team="19:another-team@thread.tacv2")
    _, with_token = await tab.get(tab.bearer(tab.tokens.reader))

    assert (in_team["scope"], _names(in_team)) == ("team", ["data-platform"])
    assert in_team["rotations"][0]["can_change"] is False
    assert (elsewhere["scope"], _names(elsewhere)) == ("mine", ["ml-serving"])
    assert (with_token["scope"], _names(with_token)) == ("all", ["data-platform", "ml-serving"])
    assert with_token["viewer"]["email"] is None and with_token["my_calendar"] is None


async def test_the_schedule_carries_the_engine_s_shifts_overrides_and_time_off(tab: Tab) -> None:
    _, body = await tab.get(tab.bearer(tab.tokens.reader))
    data_platform = body["rotations"][0]

    primaries = [(s["person"], s["reason"]) for s in data_platform["segments"] if s["layer"] == "primary"]
    assert primaries[:4] == [("carol@example.com", "regular"), ("alice@example.com", "regular"),
                             ("dave@example.com", "override"), ("alice@example.com", "regular")]  # fmt: skip
    assert [o["person"] for o in data_platform["overrides"]] == ["dave@example.com"]
    assert [t["person"] for t in data_platform["time_off"]] == ["bob@example.com"]
    assert data_platform["calendar"] == "/api/v1/rotations/data-platform/calendar.ics"


async def test_recent_alerts_are_those_of_the_rotations_in_view_whoever_signs_in(tab: Tab) -> None:
    etl, latency = await seed_alerts(str(tab.client.make_url("")), tab.tokens.admin)

    status, carol = await tab.alerts(tab.teams(CAROL))
    _, dave_in_team = await tab.alerts(tab.teams(DAVE), team=TEAM_ID)
    _, dave = await tab.alerts(tab.teams(DAVE))
    _, with_token = await tab.alerts(tab.bearer(tab.tokens.reader))
    _, newest = await tab.alerts(tab.bearer(tab.tokens.reader), limit="1")

    assert status == 200
    assert carol == [{"id": etl, "rotation": "data-platform", "title": "Nightly ETL failed", "severity": "critical",
                      "state": "acknowledged", "count": 1, "starts_at": "2026-03-20T09:10:00Z",
                      "last_seen": "2026-03-20T10:30:00Z", "acknowledged_by": OWNER, "resolved_by": None,
                      "resolved_at": None}]  # fmt: skip
    assert [(a["id"], a["rotation"]) for a in dave_in_team] == [(etl, "data-platform")]
    assert [(a["id"], a["rotation"], a["state"]) for a in dave] == [(latency, "ml-serving", "triggered")]
    assert [a["id"] for a in with_token] == [latency, etl]
    assert [a["id"] for a in newest] == [latency]


async def test_recent_alerts_of_rotations_without_any_are_an_empty_list(tab: Tab) -> None:
    assert await tab.alerts(tab.teams(CAROL)) == (200, [])


async def test_an_owner_changes_their_rotation_from_teams_and_the_audit_names_them(tab: Tab) -> None:
    status, body = await tab.post("data-platform/overrides", tab.teams(CAROL))

    assert status == 201 and body["person"] == "erin@example.com"
    entry = (await tab.audit())[0]
    assert (entry["actor"], entry["rotation"]) == (f"teams:{OWNER}", "data-platform")
    status, body = await tab.post("data-platform/time-off", tab.teams(CAROL),
                                  {**SPAN, "person": "alice@example.com"})  # fmt: skip
    assert status == 201


async def test_someone_who_does_not_own_the_rotation_cannot_change_it(tab: Tab) -> None:
    before = await tab.audit()

    status, body = await tab.post("data-platform/overrides", tab.teams(DAVE))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert "owners of data-platform" in body["error"]["message"]
    status, body = await tab.post("data-platform/overrides", tab.bearer(tab.tokens.reader))
    assert status == 403
    assert await tab.audit() == before


async def test_an_admin_token_changes_any_rotation_and_time_off_is_for_members_only(tab: Tab) -> None:
    admin = tab.bearer(tab.tokens.admin)

    assert (await tab.post("ml-serving/overrides", admin))[0] == 201
    status, body = await tab.post("data-platform/time-off", admin)
    assert (status, body["error"]["field"]) == (422, "person")
    assert (await tab.post("no-such-rotation/overrides", admin))[0] == 404


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "send an API token"),
        ({"Authorization": "Bearer rota_not-a-token-we-issued"}, "unknown or revoked"),
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "send an API token"),
    ],
)
async def test_without_a_credential_that_checks_out_the_answer_is_401(tab: Tab, headers: dict, reason: str) -> None:
    answers = (await tab.get(headers), await tab.alerts(headers), await tab.post("data-platform/overrides", headers))
    for status, body in answers:
        assert status == 401 and reason in body["error"]["message"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": f"api://{HOST}/00000000-0000-0000-0000-000000000000"}, "another application"),
        ({"iss": "https://sts.windows.net/9e8d7c6b-5a49-4837-a261-504f3e2d1c0b/",
          "tid": "9e8d7c6b-5a49-4837-a261-504f3e2d1c0b"}, "tenant"),
        ({"exp": int(NOW.timestamp()) - 3600}, "expired"),
    ],
)
async def test_a_teams_token_for_someone_else_is_refused_with_the_reason(tab: Tab, claims: dict, reason: str) -> None:
    for path, query in (("/api/v1/schedule", WINDOW), ("/api/v1/schedule/alerts", {})):
        response = await tab.client.get(path, params=query, headers=tab.teams(CAROL, **claims))

        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="rota"')
        assert reason in (await response.json())["error"]["message"]


async def test_unreachable_signing_keys_are_a_503_to_retry(tab: Tab) -> None:
    headers = tab.teams(CAROL)
    await tab.tenant.close()

    status, body = await tab.get(headers)
    assert (status, body["error"]["code"]) == (503, "unavailable")


async def test_without_an_app_id_teams_sign_in_is_refused_and_says_why(aiohttp_client: Any, sqlite_url: str) -> None:
    tenant = FakeTenant()
    client = await aiohttp_client(create_app(Settings(database_url=sqlite_url), clock=lambda: NOW))
    token = tenant.mint(NOW)

    response = await client.get("/api/v1/schedule", params=WINDOW, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 401
    assert "no MicrosoftAppId" in (await response.json())["error"]["message"]


async def test_the_routes_are_in_the_openapi_document(tab: Tab) -> None:
    document = await (await tab.client.get("/api/v1/openapi.json")).json()

    paths = {path: set(item) for path, item in document["paths"].items() if path.startswith("/api/v1/schedule")}
    assert paths == {"/api/v1/schedule": {"get"}, "/api/v1/schedule/alerts": {"get"},
                     "/api/v1/schedule/{name}/overrides": {"post"}, "/api/v1/schedule/{name}/time-off": {"post"}}
    for path in ("/api/v1/schedule", "/api/v1/schedule/alerts"):
        assert "Teams sign-in token" in document["paths"][path]["get"]["description"]
