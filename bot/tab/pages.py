"""The tab's pages and files: `/tab/schedule` (the tab), `/tab/config` (what Teams shows
when a team adds the tab), `/tab/about` (the developer, privacy and terms links of the
manifest), and `/tab/static/` (styles, scripts, the Teams JavaScript library).

Pages may be framed by Teams and nothing else, run only the service's own scripts, and
send no referrer, so an API token given once as `?token=` goes nowhere else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.tab.api import add_api_routes

STATIC = Path(__file__).resolve().parent / "static"
TAB = "/tab"
PAGES = {"schedule": "schedule.html", "config": "config.html", "about": "about.html"}
#: Where Teams (web, desktop, mobile; Microsoft 365 and Outlook hosts) frames tabs from.
TEAMS_FRAME_ANCESTORS = (
    "https://teams.microsoft.com https://*.teams.microsoft.com https://*.teams.microsoft.us "
    "https://*.cloud.microsoft https://*.office.com https://outlook.office.com https://outlook.office365.com "
    "https://*.microsoft365.com https://*.skype.com"
)
#: The Teams library reads the list of Teams' own domains from Microsoft's CDN, when in Teams.
TEAMS_LIBRARY_FETCHES = "https://res.cdn.office.net"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {TEAMS_LIBRARY_FETCHES}; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors 'self' {TEAMS_FRAME_ANCESTORS}"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def page(filename: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / filename, headers=SECURITY_HEADERS)

    return handler


async def index(_request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{TAB}/schedule")


def add_routes(app: web.Application) -> None:
    """The pages, their files, and the tab's JSON routes."""
    app.router.add_get(f"{TAB}/", index)
    for name, filename in PAGES.items():
        app.router.add_get(f"{TAB}/{name}", page(filename))
    app.router.add_static(f"{TAB}/static", STATIC)
    add_api_routes(app)
