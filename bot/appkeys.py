"""Every key the service keeps on its application and requests, typed, in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.settings import Settings
from bot.storage import Store, Token

if TYPE_CHECKING:
    from bot.api.table import ApiRoute

#: What the service was started with.
SETTINGS = web.AppKey("settings", Settings)
#: "Now", as an aware UTC datetime; tests put a clock they move by hand here.
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
#: The open store (set up and closed by the app's cleanup context).
STORE = web.AppKey("store", Store)
#: Every API route registered, in order: the OpenAPI document is built from these.
API_ROUTES: web.AppKey[list[ApiRoute]] = web.AppKey("api_routes")

#: The API token the request authenticated with.
TOKEN = web.RequestKey("token", Token)
