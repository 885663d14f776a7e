"""The tray's endpoints (their contract is `shared/feed.py`), in the API's route table.

The `/me/` routes take a personal token or a Microsoft sign-in token and check it
themselves (`identity.person_of`), which is why the table lists them as needing no API
token; every other route of the API refuses a personal token. Pairing and the sign-in
options need no token at all: they are how a tray gets one.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from bot.alerts.model import AlertStateError
from bot.alerts.service import NotAllowed, Verb
from bot.api.errors import ApiError
from bot.api.table import ApiRoute, register
from bot.appkeys import ALERTS, CLOCK, FEED, FEED_SETTINGS, PAIRING, SETTINGS
from bot.feed import stream
from bot.feed.build import feed_alert
from bot.feed.identity import person_of
from bot.feed.pairing import PairingRefused
from bot.settings import Settings
from shared import feed
from shared.feed import Links, MyFeed, PairRequest, PairResponse, SignInOptions

V1 = "/api/v1"
#: The delegated scope the service's Entra app exposes (as for the Teams tab's sign-in).
SCOPE = "access_as_user"
#: The personal app's Schedule tab in the Teams app manifest (`manifest/template.json`).
SCHEDULE_TAB = "schedule"
TAG = "tray"


def links_for(settings: Settings) -> Links:
    """The tray's "Open Teams" opens the chat with Rota (where alert cards are posted, so
    alerts link there too); its "Open schedule" opens the Schedule tab: in Teams, where
    the person is signed in already (a deep link to the personal app's `schedule` tab; the
    app's manifest id is the bot's app id), or in local mode the page in a browser, which
    asks for an API token."""
    if not settings.app_id:
        return Links(teams=None, schedule=f"{settings.base_url}/tab/schedule")
    teams = f"https://teams.microsoft.com/l/chat/0/0?users=28:{settings.app_id}"
    schedule = f"https://teams.microsoft.com/l/entity/{settings.app_id}/{SCHEDULE_TAB}?label=Schedule"
    return Links(teams=teams, schedule=schedule)


def sign_in_options(settings: Settings) -> SignInOptions:
    """Pairing in local mode; otherwise msal against the service's own Entra app."""
    if settings.local_mode:
        return SignInOptions(mode="pairing")
    host = urlsplit(settings.public_url).netloc if settings.public_url else ""
    resource = f"api://{host}/{settings.app_id}" if host else settings.app_id
    tenant = settings.app_tenant_id or "organizations"
    return SignInOptions(mode="microsoft", client_id=settings.app_id,
                         authority=f"{settings.graph_login_url.rstrip('/')}/{tenant}", scopes=[f"{resource}/{SCOPE}"])


async def my_shifts(request: web.Request) -> MyFeed:
    """My rotations with who is on duty now and until when, my primary and secondary
    shifts over the coming weeks, and the open alerts handed to me. Takes a personal token
    or a Microsoft sign-in token."""
    return await request.app[FEED].feed(await person_of(request))


async def my_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: my whole feed first, then `shift-changed`, `alert` and `ping`
    (see shared/feed.py). Takes a personal token or a Microsoft sign-in token."""
    user = await person_of(request)
    async with request.app[FEED].subscription(user) as subscription:
        return await stream.serve(request, subscription, request.app[FEED_SETTINGS], request.app[CLOCK])


async def acknowledge_my_alert(request: web.Request, id: int) -> feed.Alert:
    """Acknowledge one of my open alerts; answers it as it is now (acknowledging again
    changes nothing). 404 for an alert that is not mine. Takes a personal token or a
    Microsoft sign-in token."""
    user = await person_of(request)
    mine = {alert.id: alert for alert in (await request.app[FEED].feed(user)).alerts}
    current = mine.get(str(id))
    if current is None:
        raise ApiError(404, "not_found", f"you have no open alert {id}")
    if current.state is feed.AlertState.ACKNOWLEDGED:
        return current
    try:
        stored = await request.app[ALERTS].apply(id, Verb.ACK, user, actor=f"tray:{user}")
    except NotAllowed as exc:
        raise ApiError(403, "forbidden", exc.reason) from exc
    except AlertStateError as exc:
        raise ApiError(409, "conflict", exc.message) from exc
    return feed_alert(stored.alert, links_for(request.app[SETTINGS]))


async def tray_sign_in(request: web.Request) -> SignInOptions:
    """How the tray signs in here: `pairing` (local mode) or `microsoft` with the Entra app to use."""
    return sign_in_options(request.app[SETTINGS])


async def pair(request: web.Request, body: PairRequest) -> PairResponse:
    """Trade the pairing code the bot gave in chat (`tray`) for a personal token (local
    mode). 400 for a code that is unknown, used or expired; 429 after too many wrong ones."""
    pairing = request.app.get(PAIRING)
    if pairing is None:
        raise ApiError(400, "bad_request", "this service signs trays in with Microsoft, not with pairing codes")
    try:
        paired = await pairing.redeem(body.code, request.remote or "")
    except PairingRefused as exc:
        if exc.retry_after is None:
            raise ApiError(400, "bad_request", exc.message, "code") from exc
        retry = str(max(1, math.ceil(exc.retry_after.total_seconds())))
        raise ApiError(429, "too_many_requests", exc.message, headers={hdrs.RETRY_AFTER: retry}) from exc
    return PairResponse(token=paired.secret, user=paired.person)


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", f"{V1}/me/shifts", my_shifts, "My feed", TAG, reply=MyFeed, public=True),
    ApiRoute("GET", f"{V1}/me/stream", my_stream, "My feed, live", TAG, media_type=stream.MEDIA_TYPE, public=True),
    ApiRoute("GET", f"{V1}/tray/sign-in", tray_sign_in, "How the tray signs in", TAG, reply=SignInOptions,
             public=True),
    ApiRoute("POST", f"{V1}/me/alerts/{{id}}/acknowledge", acknowledge_my_alert, "Acknowledge my alert", TAG,
             reply=feed.Alert, public=True),
    ApiRoute("POST", f"{V1}/pair", pair, "Pair a tray", TAG, body=PairRequest, reply=PairResponse, public=True),
)


def add_routes(app: web.Application) -> None:
    """The tray's routes. The contract names the alert `{id}`: that path parameter is
    registered with the table's others first."""
    register(app, ROUTES)
