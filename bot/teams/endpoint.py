"""`POST /api/messages` and the Teams boundary's place in the service.

The request is authenticated before anything reads it further: the SDK checks the token
(see `auth.py`) and every way it can fail becomes a 401 with the reason in the project's
JSON error shape — the SDK itself would let most of them escape as a 500. Only when the
Bot Framework's signing keys cannot be fetched is the answer 503, so the Connector retries.

Local mode (no `MicrosoftAppId`) checks no token, as the Bot Framework Emulator expects,
and therefore refuses to start on anything but loopback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import requests
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.api.errors import ApiError
from bot.appkeys import ACTION_ROUTER, CHAT_HANDLER, CLOCK, SETTINGS, TEAMS, TEAMS_ROSTER, TEAMS_SENDER
from bot.settings import Settings
from bot.teams.auth import bot_authentication, header_problem, refusal_reason
from bot.teams.binding import check_binding
from bot.teams.handler import Domain, RotaBot
from bot.teams.roster import TeamsRoster
from bot.teams.sender import TeamsSender

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


@dataclass(frozen=True)
class TeamsBoundary:
    adapter: CloudAdapter
    bot: RotaBot
    sender: TeamsSender
    roster: TeamsRoster
    local_mode: bool

    async def answer(self, request: web.Request) -> web.Response:
        activity = await _read_activity(request)
        authenticated = await self._authenticate(activity, request.headers.get("Authorization"))
        invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if invoke is None:
            return web.Response(status=200)
        if invoke.body is None:
            return web.Response(status=int(invoke.status))
        return web.json_response(invoke.body, status=int(invoke.status))

    async def _authenticate(self, activity: Activity, header: str | None) -> AuthenticateRequestResult:
        problem = None if self.local_mode else header_problem(header)
        if problem is not None:
            raise _refused(problem)
        try:
            return await self.adapter.bot_framework_authentication.authenticate_request(activity, header)
        except requests.RequestException as exc:
            log.warning("cannot fetch the Bot Framework signing keys: %s", exc)
            raise ApiError(503, "unavailable", "cannot check the token now (signing keys unreachable); try again")
        except Exception as exc:
            raise _refused(refusal_reason(exc)) from exc


def _refused(reason: str) -> ApiError:
    log.warning("refused a Bot Framework request: %s", reason)
    return ApiError(401, "unauthorized", reason, headers={"WWW-Authenticate": "Bearer"})


async def _read_activity(request: web.Request) -> Activity:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "a Bot Framework activity is sent as application/json")
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_request", "the body is not JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise ApiError(400, "bad_request", "the body is not a Bot Framework activity (no type)")
    return Activity().deserialize(body)


def build_boundary(settings: Settings, *, domain: Domain, clock: Callable[[], datetime]) -> TeamsBoundary:
    adapter = CloudAdapter(bot_authentication(settings))
    roster = TeamsRoster(adapter, settings.app_id)
    bot = RotaBot(domain, roster, clock)
    adapter.on_turn_error = bot.on_error
    sender = TeamsSender(adapter, settings.app_id, clock=clock)
    return TeamsBoundary(adapter, bot, sender, roster, settings.local_mode)


async def teams_context(app: web.Application) -> AsyncIterator[None]:
    """The cleanup context: refuse an unsafe local mode, then make the boundary."""
    settings = app[SETTINGS]
    check_binding(settings)
    if settings.local_mode:
        log.warning("local mode: no MicrosoftAppId, so Bot Framework requests are not authenticated "
                    "(listening on %s only)", settings.host)  # fmt: skip
    domain = Domain(chat=lambda: app[CHAT_HANDLER], actions=lambda: app[ACTION_ROUTER])
    boundary = build_boundary(settings, domain=domain, clock=app[CLOCK])
    app[TEAMS] = boundary
    app[TEAMS_SENDER] = boundary.sender
    app[TEAMS_ROSTER] = boundary.roster
    try:
        yield
    finally:
        await boundary.sender.close()


async def messages(request: web.Request) -> web.Response:
    return await request.app[TEAMS].answer(request)


def add_routes(app: web.Application) -> None:
    app.router.add_post(MESSAGES_PATH, messages)
