"""The API fuzzed from its own OpenAPI document (schemathesis): no request makes it fail with a 5xx.

The service runs on a loopback port in an event loop of its own thread, since schemathesis
calls it synchronously. The run is bounded (25 examples per operation) and derandomized,
so it is the same run every time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
import schemathesis
from aiohttp import web
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from bot.api.handlers import service_version
from bot.api.openapi import build_document
from bot.app import create_app
from bot.appkeys import API_ROUTES, STORE
from bot.settings import Settings
from bot.storage import Store
from shared.api_models import RotationIn
from tests.api.conftest import NOW, rotation_body

T = TypeVar("T")
MAX_EXAMPLES = 25
SEED = 20260302
SAMPLES = (
    rotation_body(),
    rotation_body("dev-week", members=["erin@example.com"], secondary="data-platform"),
)
OFFSETS = st.sampled_from([timezone(timedelta(hours=hours)) for hours in (0, 5.5, -9, 14, -12)])
#: Mostly instants near now (so that windows and spans are often valid and reach the engine),
#: a quarter anywhere in the calendar, with an offset, to probe its edges.
NEAR = st.datetimes(datetime(2026, 1, 1), datetime(2026, 9, 30), timezones=OFFSETS)
INSTANTS = st.one_of(NEAR, NEAR, NEAR, st.datetimes(timezones=OFFSETS)).map(datetime.isoformat)
#: Values worth trying often: rotations and people that exist, zones that do. Generated
#: values still come the rest of the time, so unknown and malformed ones are tried too.
DICTIONARIES = {
    "rotations": [body["name"] for body in SAMPLES],
    "people": ["alice@example.com", "bob@example.com", "carol@example.com", "erin@example.com"],
    "zones": ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"],
    "secondaries": ["next", "data-platform"],
}
#: Where those values go, and how often.
BINDINGS = {
    "path.name": ("rotations", 0.7),
    "body.name": ("rotations", 0.3),
    "path.email": ("people", 0.6),
    "body.person": ("people", 0.6),
    "body.members[*]": ("people", 0.6),
    "body.timezone": ("zones", 0.8),
    "body.secondary": ("secondaries", 0.5),
}


class ServiceThread:
    """An event loop in a thread of its own, for the service to run in."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="rota-fuzz", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass
class LiveServer:
    base_url: str
    token: str
    service: ServiceThread
    store: Store

    def restore_samples(self) -> None:
        """Put back the sample rotations a fuzzed request deleted, so the next one finds them."""
        self.service.run(_restore(self.store))


async def _restore(store: Store) -> None:
    existing = {rotation.name for rotation in await store.list_rotations()}
    for body in SAMPLES:
        if body["name"] not in existing:
            await store.create_rotation(RotationIn.model_validate(body).to_rotation(), "fuzz")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'rota.db'}"
    app = create_app(Settings(database_url=url), clock=lambda: NOW)
    runner = web.AppRunner(app)
    service = ServiceThread()
    try:
        service.run(runner.setup())
        service.run(web.TCPSite(runner, "127.0.0.1", 0).start())
        host, port = runner.addresses[0][:2]
        _, token = service.run(app[STORE].create_token("fuzz", admin=True))
        yield LiveServer(f"http://{host}:{port}", token, service, app[STORE])
    finally:
        service.run(runner.cleanup())
        service.stop()


def _schema() -> Any:
    """The document the service serves, built the same way from the app's route table."""
    schemathesis.openapi.format("date-time", INSTANTS)
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
        "parameters": {key: {"dictionary": name, "probability": p} for key, (name, p) in BINDINGS.items()},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    })
    routes = tuple(create_app(Settings())[API_ROUTES])
    return schemathesis.openapi.from_dict(build_document(routes, service_version()), config=config)


schema = _schema()


@schema.parametrize()
def test_no_request_makes_the_service_fail(case: schemathesis.Case, live_server: LiveServer) -> None:
    live_server.restore_samples()
    case.call_and_validate(
        base_url=live_server.base_url,
        headers={"Authorization": f"Bearer {live_server.token}"},
        checks=[not_a_server_error],
    )
