"""The tab's pages: framed by Teams and nothing else, only the service's own scripts, no
referrer; the Teams JavaScript library is served from the service, as published on npm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.settings import Settings
from bot.tab.pages import STATIC
from tests.render.renderer import ensure_node_modules

TAB_PACKAGE = STATIC.parent
VENDORED = STATIC / "vendor" / "MicrosoftTeams.min.js"


@pytest.fixture
async def client(aiohttp_client: Any, sqlite_url: str) -> TestClient:
    return await aiohttp_client(create_app(Settings(database_url=sqlite_url)))


@pytest.mark.parametrize("page", ["schedule", "config", "about"])
async def test_pages_may_be_framed_by_teams_only_and_run_only_their_own_scripts(client: TestClient,
                                                                               page: str) -> None:  # fmt: skip
    response = await client.get(f"/tab/{page}")

    assert response.status == 200 and response.content_type == "text/html"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert "https://teams.microsoft.com" in policy["frame-ancestors"].split()
    assert "*" not in policy["frame-ancestors"].split()
    assert policy["script-src"] == "'self'"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in await response.text()


async def test_the_tab_root_leads_to_the_schedule(client: TestClient) -> None:
    response = await client.get("/tab/", allow_redirects=False)

    assert (response.status, response.headers["Location"]) == (302, "/tab/schedule")


async def test_the_about_page_has_the_privacy_and_terms_the_manifest_links_to(client: TestClient) -> None:
    text = await (await client.get("/tab/about")).text()

    assert 'id="privacy"' in text and 'id="terms"' in text


async def test_the_teams_library_is_served_by_the_service(client: TestClient) -> None:
    response = await client.get("/tab/static/vendor/MicrosoftTeams.min.js")

    assert response.status == 200 and "javascript" in response.content_type
    assert await response.read() == VENDORED.read_bytes()


def test_the_served_teams_library_is_the_npm_release_the_package_pins() -> None:
    """After changing bot/tab/package.json: `npm install` there, then copy
    node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js to static/vendor/."""
    ensure_node_modules(TAB_PACKAGE)
    installed = TAB_PACKAGE / "node_modules" / "@microsoft" / "teams-js"
    pinned = json.loads((TAB_PACKAGE / "package.json").read_text())["dependencies"]["@microsoft/teams-js"]

    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    assert VENDORED.read_bytes() == (installed / "dist" / "umd" / "MicrosoftTeams.min.js").read_bytes()
    assert (STATIC / "vendor" / "teams-js.LICENSE.txt").read_bytes() == (installed / "LICENSE").read_bytes()


def test_the_pages_name_no_address_outside_the_service() -> None:
    for page in STATIC.glob("*.html"):
        text = page.read_text()
        assert "http://" not in text and "https://" not in text, page.name
    assert "https://" not in Path(STATIC / "schedule.js").read_text()
