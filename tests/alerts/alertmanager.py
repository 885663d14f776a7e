"""A real Prometheus Alertmanager for tests (Debian package `prometheus-alertmanager`).

`running_alertmanager(webhook_url, token, workdir)` starts one on a free loopback port
with a generated configuration: every alert goes to one webhook receiver at
`webhook_url`, authenticated with `Authorization: Bearer <token>`, grouped per alert and
flushed after about a second (`group_wait` and `group_interval` of 1 s), with resolved
notices on and repeats far away. Clustering is off and its state lives in `workdir`.
The returned handle fires and resolves alerts through Alertmanager's v2 API.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
import yaml

BINARY = "prometheus-alertmanager"
READY_TIMEOUT = 10.0


def require_binary() -> str:
    """The Alertmanager executable; skips the test where it is missing (fails in CI)."""
    path = shutil.which(BINARY)
    if path is None:
        message = f"{BINARY} is not installed (Debian package prometheus-alertmanager; `make test` installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def config(webhook_url: str, token: str) -> dict:
    """Alertmanager's configuration: one receiver, fast grouping, resolved notices on."""
    return {
        "route": {
            "receiver": "rota",
            "group_by": ["..."],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "24h",
        },
        "receivers": [{
            "name": "rota",
            "webhook_configs": [{
                "url": webhook_url,
                "send_resolved": True,
                "http_config": {"authorization": {"type": "Bearer", "credentials": token}},
            }],
        }],
    }


@dataclass
class Alertmanager:
    """A running Alertmanager: its base URL and the API session used to talk to it."""

    url: str
    session: aiohttp.ClientSession
    started: dict[frozenset, datetime] = field(default_factory=dict)

    async def fire(self, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None,
                   generator_url: str = "") -> None:
        """Post a firing alert (no end) through `POST /api/v2/alerts`."""
        starts = datetime.now(timezone.utc)
        self.started[frozenset(labels.items())] = starts
        await self._post({"labels": dict(labels), "annotations": dict(annotations or {}),
                          "startsAt": starts.isoformat(), "generatorURL": generator_url})

    async def resolve(self, labels: Mapping[str, str]) -> None:
        """Post the same alert again with an end in the past, which resolves it."""
        ends = datetime.now(timezone.utc) - timedelta(seconds=1)
        starts = min(self.started.get(frozenset(labels.items()), ends), ends)
        await self._post({"labels": dict(labels), "startsAt": starts.isoformat(), "endsAt": ends.isoformat()})

    async def _post(self, alert: dict) -> None:
        async with self.session.post(f"{self.url}/api/v2/alerts", json=[alert]) as response:
            if response.status != 200:
                raise AssertionError(f"Alertmanager refused the alert: {response.status} {await response.text()}")


@asynccontextmanager
async def running_alertmanager(webhook_url: str, token: str, workdir: Path) -> AsyncIterator[Alertmanager]:
    """Start Alertmanager, wait until `/-/ready` answers, yield a handle, then stop it."""
    binary = require_binary()
    config_file = workdir / "alertmanager.yml"
    config_file.write_text(yaml.safe_dump(config(webhook_url, token)))
    port = free_port()
    log_path = workdir / "alertmanager.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            binary, f"--config.file={config_file}", f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn",
            stdout=log, stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            await _wait_ready(session, url, process, log_path)
            yield Alertmanager(url, session)
    finally:
        await _stop(process)


async def _wait_ready(session: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process,
                      log_path: Path) -> None:
    """Poll readiness; report Alertmanager's own log when it exits or never gets ready."""
    deadline = asyncio.get_running_loop().time() + READY_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"Alertmanager exited ({process.returncode}): {log_path.read_text()[-2000:]}")
        if await _ready(session, url):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"Alertmanager not ready after {READY_TIMEOUT}s: {log_path.read_text()[-2000:]}")


async def _ready(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(f"{url}/-/ready") as response:
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=5)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
