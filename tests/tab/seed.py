"""The rotations every tab test sees, stored through the same code the service uses.

"Now" is Friday 2026-03-20 10:30 UTC. data-platform hands off weekly on Mondays at 12:00
Paris time (Alice from 2 March, Bob from the 9th, Carol from the 16th, so Carol is on duty
now, Alice next); Dave covers it on the 25th and 26th; Bob is away the week of 30 March.
ml-serving hands off daily at 09:00 New York time among Dave, Erin and Frank.
Two alerts came in through Alertmanager webhooks: data-platform's nightly ETL failed at
09:10 and Carol acknowledged it; ml-serving's latency alert fired at 10:05 and waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiohttp

from bot.storage import Store
from bot.storage.teams import TeamsStore
from bot.conversations import ConversationKind, ConversationRecord
from shared.api_models import RotationIn, SpanIn

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
TEAM_ID = "19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2"
OWNER = "carol@example.com"
ROTATIONS = (
    {"name": "data-platform", "timezone": "Europe/Paris", "shift": "1w", "handoff": "2026-03-02 12:00",
     "members": ["alice@example.com", "bob@example.com", "carol@example.com"], "secondary": "next"},
    {"name": "ml-serving", "timezone": "America/New_York", "shift": "1d", "handoff": "2026-03-02 09:00",
     "members": ["dave@example.com", "erin@example.com", "frank@example.com"], "secondary": None},
)
OVERRIDE = {"person": "dave@example.com", "start": "2026-03-25T08:00:00Z", "end": "2026-03-27T08:00:00Z"}
TIME_OFF = {"person": "bob@example.com", "start": "2026-03-29T22:00:00Z", "end": "2026-04-03T22:00:00Z"}
#: (rotation, alert name, summary, severity, starts at, acknowledged by), oldest first.
ALERTS = (
    ("data-platform", "NightlyETLFailed", "Nightly ETL failed", "critical", "2026-03-20T09:10:00Z", OWNER),
    ("ml-serving", "ModelLatencyHigh", "Model latency p99 above 2 s", "warning", "2026-03-20T10:05:00Z", None),
)


@dataclass(frozen=True)
class Seeded:
    admin: str
    reader: str


async def seed(store: Store) -> Seeded:
    """The rotations above, Carol as data-platform's owner, its channel bound in TEAM_ID,
    and two tokens: one admin, one read-only."""
    for body in ROTATIONS:
        await store.create_rotation(RotationIn.model_validate(body).to_rotation(), "seed")
    await store.add_override("data-platform", SpanIn.model_validate(OVERRIDE).to_override(), "seed")
    await store.add_time_off("data-platform", SpanIn.model_validate(TIME_OFF).to_time_off(), "seed")
    teams = TeamsStore(store.engine, clock=lambda: NOW)
    await teams.add_owner("data-platform", OWNER, "seed")
    channel = ConversationRecord(key="channel:data", kind=ConversationKind.CHANNEL, service_url="https://smba.example",
                                 conversation_id=f"{TEAM_ID};messageid=1", team_id=TEAM_ID)  # fmt: skip
    await teams.save_conversation(channel)
    await teams.bind("data-platform", channel.key, "seed")
    _, admin = await store.create_token("tab-admin", admin=True)
    _, reader = await store.create_token("tab-reader", admin=False)
    return Seeded(admin, reader)


async def seed_alerts(base_url: str, admin: str) -> list[int]:
    """The alerts above, through the service at `base_url` as monitoring and people send
    them: an Alertmanager integration per rotation, its webhook, an acknowledgement.
    Answers the alerts' ids, oldest first."""
    ids = []
    async with aiohttp.ClientSession(base_url, headers={"Authorization": f"Bearer {admin}"}) as api:
        for rotation, name, summary, severity, starts_at, acknowledged_by in ALERTS:
            integration = await _post(api, f"/api/v1/rotations/{rotation}/integrations",
                                      {"kind": "alertmanager", "name": "prometheus"})
            notice = {"version": "4", "status": "firing", "alerts": [{
                "status": "firing", "labels": {"alertname": name, "severity": severity},
                "annotations": {"summary": summary}, "startsAt": starts_at,
            }]}  # fmt: skip
            received = await _post(api, f"/api/alerts/{integration['id']}", notice,
                                   headers={"Authorization": f"Bearer {integration['secret']}"})
            ids.append(received["alerts"][0]["id"])
            if acknowledged_by is not None:
                await _post(api, "/api/v1/alerts/acknowledgements", {"alert": ids[-1], "by": acknowledged_by})
    return ids


async def _post(api: aiohttp.ClientSession, path: str, body: dict, **options: Any) -> Any:
    async with api.post(path, json=body, **options) as response:
        assert response.status < 300, (path, response.status, await response.text())
        return await response.json()
