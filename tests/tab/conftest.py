"""A live service on loopback with the seeded rotations and alerts (its own event loop in a
thread, since the browser driver is called synchronously), and the browser that looks at it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

from bot.app import create_app
from bot.appkeys import STORE
from bot.settings import Settings
from tests.tab.browser import TabBrowser
from tests.tab.seed import NOW, Seeded, seed, seed_alerts

T = TypeVar("T")


class LoopThread:
    """An event loop running in a thread of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="rota-tab", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass(frozen=True)
class LiveService:
    base_url: str
    database_url: str
    tokens: Seeded


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """The seeded service the tests that only look share."""
    yield from _serve(tmp_path_factory.mktemp("tab"))


@pytest.fixture
def own_service(tmp_path: Path) -> Iterator[LiveService]:
    """A seeded service of the test's own, for a test that changes rotations."""
    yield from _serve(tmp_path)


def _serve(directory: Path) -> Iterator[LiveService]:
    database_url = f"sqlite+aiosqlite:///{directory / 'rota.db'}"
    app = create_app(Settings(database_url=database_url), clock=lambda: NOW)
    runner = web.AppRunner(app)
    thread = LoopThread()
    try:
        thread.run(runner.setup())
        thread.run(web.TCPSite(runner, "127.0.0.1", 0).start())
        host, port = runner.addresses[0][:2]
        base_url = f"http://{host}:{port}"
        tokens = thread.run(seed(app[STORE]))
        thread.run(seed_alerts(base_url, tokens.admin))
        yield LiveService(base_url, database_url, tokens)
    finally:
        thread.run(runner.cleanup())
        thread.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[TabBrowser]:
    driver = TabBrowser()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "tab"
    path.mkdir(parents=True, exist_ok=True)
    return path
