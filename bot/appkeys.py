"""Every key the service keeps on its application and requests, typed, in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.conversations import ActionRouter, ChatHandler, Sender
from bot.settings import Settings
from bot.storage import Store, Token

if TYPE_CHECKING:
    from bot.alerts.service import AlertService
    from bot.api.table import ApiRoute
    from bot.auth.entra import EntraValidator
    from bot.feed.hub import FeedHub
    from bot.feed.pairing import Pairing
    from bot.feed.stream import FeedSettings
    from bot.storage.tray import TrayStore
    from bot.teams.endpoint import TeamsBoundary
    from bot.teams.roster import TeamsRoster
    from bot.graph.sync import TagSync
    from bot.outbox import Outbox, OutboxWorker
    from bot.timers import TimerService
    from bot.shifts.services import Services as ShiftServices

#: What the service was started with.
SETTINGS = web.AppKey("settings", Settings)
#: "Now", as an aware UTC datetime; tests put a clock they move by hand here.
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
#: The open store (set up and closed by the app's cleanup context).
STORE = web.AppKey("store", Store)
#: Every API route registered, in order: the OpenAPI document is built from these.
API_ROUTES: web.AppKey[list[ApiRoute]] = web.AppKey("api_routes")
#: The Teams boundary behind `POST /api/messages` (adapter and activity handler).
TEAMS: web.AppKey[TeamsBoundary] = web.AppKey("teams")
#: Sends proactive messages to Teams; the outbox worker's only way out.
TEAMS_SENDER: web.AppKey[Sender] = web.AppKey("teams_sender")
#: Teams ids ↔ emails, a conversation's members, 1:1 chats the bot opens.
TEAMS_ROSTER: web.AppKey[TeamsRoster] = web.AppKey("teams_roster")
#: The chat service, as the Teams boundary calls it.
CHAT_HANDLER: web.AppKey[ChatHandler] = web.AppKey("chat_handler")
#: Card button presses, routed by verb prefix; each area registers its prefix at start-up.
ACTION_ROUTER = web.AppKey("action_router", ActionRouter)
#: The alerts service: webhook intake, pages, card buttons, escalation and digests.
ALERTS: web.AppKey[AlertService] = web.AppKey("alerts")

#: Proactive messages: `await app[OUTBOX].enqueue(message)`; `activity_id_for(key)` once sent.
OUTBOX: web.AppKey[Outbox] = web.AppKey("outbox")
#: The outbox's worker in this replica (None without a Teams sender); tests that move the
#: clock by hand call its `run_due(now)`.
OUTBOX_WORKER: web.AppKey[OutboxWorker | None] = web.AppKey("outbox_worker")
#: The timers: `await app[TIMERS].register(source)` at start-up, `poke(name)` after a change.
TIMERS: web.AppKey[TimerService] = web.AppKey("timers")
#: The Teams tag sync (None when Graph is not configured): `tag_status(rotation)` for `who`.
GRAPH_TAGS: web.AppKey[TagSync | None] = web.AppKey("graph_tags")
#: Checks Entra ID user tokens (the tab's Teams sign-in); absent in local mode.
ENTRA: web.AppKey[EntraValidator] = web.AppKey("entra")
#: The shift lifecycle (handovers, routine duties, reminders, post-mortems, reports).
SHIFTS: web.AppKey[ShiftServices] = web.AppKey("shifts")
#: The tray's feed: each person's open streams, refreshed after every change; `feed(email)`.
FEED: web.AppKey[FeedHub] = web.AppKey("feed")
#: How the tray's streams behave (ping interval, send timeout); a test may set its own before start.
FEED_SETTINGS: web.AppKey[FeedSettings] = web.AppKey("feed_settings")
#: The trays' personal tokens: `owner(secret)` is the email of the person it belongs to, or None.
PERSONAL_TOKENS: web.AppKey[TrayStore] = web.AppKey("personal_tokens")
#: Pairing codes for trays, in local mode only: the chat's `tray` and `POST /api/v1/pair`.
PAIRING: web.AppKey[Pairing] = web.AppKey("pairing")

#: The API token the request authenticated with.
TOKEN = web.RequestKey("token", Token)
