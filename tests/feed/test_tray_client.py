"""The tray's own client (`tray/feed_client.py` and `tray/auth.py`, used as they are) against the real service:
it learns how to sign in, pairs, follows the stream, and acknowledges an alert."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.appkeys import PAIRING
from shared.feed import AlertEvent, AlertState, FeedEvent, PingEvent, ShiftChangedEvent
from tests.api.conftest import Api
from tests.feed.conftest import ALICE, BOB, PROMPTLY, ROTATION, override, utc
from tests.feed.test_tokens import fire_alert
from tray.auth import pair, sign_in_options
from tray.feed_client import FeedClient
from tray.state import Connection


async def test_the_tray_pairs_follows_its_stream_and_acknowledges(client, admin: Api):
    base = str(client.make_url("/"))
    code = await client.app[PAIRING].issue(ALICE)
    events: asyncio.Queue = asyncio.Queue()
    states: list[Connection] = []

    async def changed():
        while isinstance(event := await asyncio.wait_for(events.get(), PROMPTLY), PingEvent):
            continue
        return event

    async with aiohttp.ClientSession() as session:
        options = await sign_in_options(session, base)
        paired = await pair(session, base, code.code)

        async def token() -> str:
            return paired.token

        tray = FeedClient(session, base, token, on_event=events.put_nowait, on_connection=states.append)
        running = asyncio.create_task(tray.run())
        try:
            first = await changed()
            await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/overrides", json=override(BOB, utc(2026, 3, 25), 24))
            moved = await changed()
            alert_id = await fire_alert(admin, ROTATION, "Nightly ETL failed")
            handed = await changed()
            acknowledged = await tray.acknowledge(alert_id)
            told = await changed()
            fetched = await tray.fetch()
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    assert options.mode == "pairing" and paired.user == ALICE
    assert isinstance(first, FeedEvent) and first.data.user == ALICE
    assert isinstance(moved, ShiftChangedEvent) and moved.data.cause == "override"
    assert isinstance(handed, AlertEvent) and handed.data.id == alert_id
    assert acknowledged.state is AlertState.ACKNOWLEDGED
    assert isinstance(told, AlertEvent) and told.data.state is AlertState.ACKNOWLEDGED
    assert fetched.alerts == [acknowledged]
    assert states[:2] == [Connection.CONNECTING, Connection.ONLINE]
