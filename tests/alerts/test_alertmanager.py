"""A real Alertmanager delivers a fired and then a resolved alert to a loopback webhook,
with the bearer token, in bodies `parse_alertmanager` reads."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.alerts.model import Link, Severity, SourceStatus
from bot.alerts.parsers import label_fingerprint, parse_alertmanager
from tests.alerts.alertmanager import running_alertmanager

TOKEN = "s3cret-webhook-token"
DELIVERY_TIMEOUT = 10.0
LABELS = {"alertname": "NightlyETLFailed", "job": "orders", "severity": "page", "team": "data"}
ANNOTATIONS = {"summary": "Nightly ETL job orders failed", "runbook_url": "https://runbooks.example.com/etl"}


async def start_receiver(aiohttp_server) -> tuple[str, asyncio.Queue]:
    """A webhook endpoint on loopback that queues (Authorization header, JSON body)."""
    received: asyncio.Queue = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put((request.headers.get("Authorization"), await request.json()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/api/alerts/test", hook)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("/api/alerts/test")), received


async def next_delivery(received: asyncio.Queue, status: SourceStatus):
    """The next webhook body whose alerts have `status` (skipping any other notice)."""
    while True:
        authorization, body = await asyncio.wait_for(received.get(), DELIVERY_TIMEOUT)
        alerts = parse_alertmanager(body)
        if alerts and alerts[0].status is status:
            return authorization, alerts


async def test_a_fired_alert_arrives_parsed_and_then_its_resolution(aiohttp_server, tmp_path):
    url, received = await start_receiver(aiohttp_server)
    async with running_alertmanager(url, TOKEN, tmp_path) as alertmanager:
        await alertmanager.fire(LABELS, ANNOTATIONS, generator_url="http://prometheus.example.com/graph")
        authorization, [firing] = await next_delivery(received, SourceStatus.FIRING)
        assert authorization == f"Bearer {TOKEN}"
        assert (firing.title, firing.severity) == ("Nightly ETL job orders failed", Severity.CRITICAL)
        assert firing.dedup_key == label_fingerprint(LABELS)  # Alertmanager's fingerprint, computed alike
        assert Link("Runbook", "https://runbooks.example.com/etl") in firing.links
        assert firing.labels == LABELS

        await alertmanager.resolve(LABELS)
        authorization, [resolved] = await next_delivery(received, SourceStatus.RESOLVED)
        assert authorization == f"Bearer {TOKEN}"
        assert resolved.dedup_key == firing.dedup_key
