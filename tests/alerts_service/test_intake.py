"""`POST /api/alerts/{integration}` on the whole service: each sender's way of giving the
secret, each refusal (with nothing stored), deduplication and resolution by the source,
with the real payloads Alertmanager and Grafana publish."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from bot.alerts.model import IntegrationKind
from bot.app import create_app
from bot.appkeys import ALERTS, STORE
from bot.settings import Settings
from tests.alerts_service.conftest import ACTOR, ROTATION, rotation
from tests.reference import load_reference

FIRING = load_reference("payloads/alertmanager-webhook-firing.json")
RESOLVED = load_reference("payloads/alertmanager-webhook-resolved.json")
GRAFANA = load_reference("payloads/grafana-webhook-firing.json")


@dataclass
class Webhooks:
    client: TestClient
    ids: dict[IntegrationKind, int]
    secrets: dict[IntegrationKind, str]

    async def post(self, kind: IntegrationKind, body: object = None, *, raw: bytes | None = None,
                   authorization: str | None = "bearer", integration: str | None = None) -> tuple[int, dict]:
        if authorization == "bearer":
            authorization = f"Bearer {self.secrets[kind]}"
        headers = {"Authorization": authorization} if authorization else {}
        data = raw if raw is not None else json.dumps(body).encode()
        path = f"/api/alerts/{integration or self.ids[kind]}"
        response = await self.client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})
        return response.status, await response.json()

    async def stored(self) -> list:
        return await self.client.app[ALERTS].alerts.list_alerts()


@pytest.fixture
async def hooks(aiohttp_client, database_url: str) -> AsyncIterator[Webhooks]:
    client = await aiohttp_client(create_app(Settings(database_url=database_url)))
    await client.app[STORE].create_rotation(rotation(), ACTOR)
    ids, secrets = {}, {}
    for kind in IntegrationKind:
        created, secret = await client.app[ALERTS].alerts.create_integration(ROTATION, kind, kind.value, ACTOR)
        ids[kind], secrets[kind] = created.id, secret
    yield Webhooks(client, ids, secrets)
    await client.app[ALERTS].settle()


async def test_an_alertmanager_notice_is_stored_before_the_answer(hooks: Webhooks):
    status, body = await hooks.post(IntegrationKind.ALERTMANAGER, FIRING)

    assert status == 200
    stored = await hooks.stored()
    assert [a["id"] for a in body["alerts"]] == [s.id for s in reversed(stored)]
    assert {a["outcome"] for a in body["alerts"]} == {"created"}
    assert {s.alert.rotation for s in stored} == {ROTATION}


async def test_the_same_notice_again_is_one_alert_counted_twice_and_the_resolution_closes_it(hooks: Webhooks):
    await hooks.post(IntegrationKind.ALERTMANAGER, FIRING)
    count = len(await hooks.stored())
    _, again = await hooks.post(IntegrationKind.ALERTMANAGER, FIRING)
    _, resolved = await hooks.post(IntegrationKind.ALERTMANAGER, RESOLVED)

    stored = await hooks.stored()
    assert len(stored) == count
    assert {a["outcome"] for a in again["alerts"]} == {"repeated"}
    assert {a["outcome"] for a in resolved["alerts"]} == {"resolved"}
    resolved_ids = {a["id"] for a in resolved["alerts"]}
    assert all(s.alert.resolved_by_source for s in stored if s.id in resolved_ids)
    assert all(s.alert.count == 2 for s in stored if s.id in resolved_ids)


async def test_grafana_may_send_the_secret_its_own_ways(hooks: Webhooks):
    secret = hooks.secrets[IntegrationKind.GRAFANA]
    ways = {
        "basic auth, the secret as password": "Basic " + base64.b64encode(f"grafana:{secret}".encode()).decode(),
        "a scheme of its own": f"Token {secret}",
        "no scheme": secret,
    }

    answers = {way: await hooks.post(IntegrationKind.GRAFANA, GRAFANA, authorization=header)
               for way, header in ways.items()}

    assert {way: status for way, (status, _) in answers.items()} == dict.fromkeys(ways, 200)
    outcomes = [{alert["outcome"] for alert in body["alerts"]} for _, body in answers.values()]
    assert outcomes == [{"created"}, {"repeated"}, {"repeated"}]


REFUSED = {
    "no secret": (None, None, 401),
    "a wrong secret": ("Bearer rotahook_wrong", None, 401),
    "a wrong basic password": ("Basic " + base64.b64encode(b"grafana:rotahook_wrong").decode(), None, 401),
    "basic auth that is not base64": ("Basic !!!not-base64", None, 401),
    "no such integration": ("bearer", "999", 404),
    "no number": ("bearer", "abc", 404),
    "a number beyond any id": ("bearer", "99999999999999999999", 404),
}


async def test_a_wrong_secret_or_integration_is_refused_and_nothing_is_stored(hooks: Webhooks):
    answers = {case: await hooks.post(IntegrationKind.ALERTMANAGER, FIRING, authorization=authorization,
                                      integration=integration)
               for case, (authorization, integration, _) in REFUSED.items()}
    other = f"Bearer {hooks.secrets[IntegrationKind.GENERIC]}"
    answers["another integration's secret"] = await hooks.post(IntegrationKind.ALERTMANAGER, FIRING,
                                                               authorization=other)

    assert {case: status for case, (status, _) in answers.items()} == {
        **{case: status for case, (_, _, status) in REFUSED.items()}, "another integration's secret": 401}
    assert {body["error"]["code"] for _, body in answers.values()} == {"unauthorized", "not_found"}
    assert await hooks.stored() == []


async def test_a_body_over_one_mebibyte_is_refused(hooks: Webhooks):
    huge = {"title": "x", "description": "y" * (1024 * 1024)}

    status, body = await hooks.post(IntegrationKind.GENERIC, huge)

    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert await hooks.stored() == []


MALFORMED = [
    (IntegrationKind.ALERTMANAGER, b"{not json", "the body is not JSON"),
    (IntegrationKind.ALERTMANAGER, b"\xff\xfe", "the body is not UTF-8 text"),
    (IntegrationKind.ALERTMANAGER, b"[]", "not a alertmanager alert:"),
    (IntegrationKind.ALERTMANAGER, json.dumps(GRAFANA).encode(), "not a alertmanager alert:"),
    (IntegrationKind.GENERIC, b'{"titel": "typo"}', "not a generic alert:"),
    (IntegrationKind.GENERIC, b"[" * 5000 + b"]" * 5000, "nested deeper than"),
]


async def test_a_malformed_or_unknown_shape_is_a_400_with_the_reason(hooks: Webhooks):
    for kind, raw, reason in MALFORMED:
        status, body = await hooks.post(kind, raw=raw)
        assert status == 400 and reason in body["error"]["message"], (raw[:20], body)
    assert await hooks.stored() == []


async def test_a_generic_alert_in_the_documented_shape(hooks: Webhooks):
    body = {"title": "Nightly ETL failed", "severity": "P1", "dedup_key": "etl-nightly",
            "links": {"Runbook": "https://runbooks.example.com/etl"}, "labels": {"job": "orders"}}

    status, answer = await hooks.post(IntegrationKind.GENERIC, body)

    [stored] = await hooks.stored()
    assert status == 200 and answer["alerts"] == [{"id": stored.id, "outcome": "created"}]
    assert (stored.alert.title, stored.alert.severity.value, stored.alert.dedup_key) == (
        "Nightly ETL failed", "critical", "etl-nightly")
