"""The tab's JSON routes, in the API's route table (so in its OpenAPI document).

They take an API token like every route, or a Teams single sign-on token (see `viewer.py`),
which is why the table lists them as needing no API token: they check the caller themselves.
"""

from __future__ import annotations

from aiohttp import web

from bot.alerts.model import Alert
from bot.api.errors import ApiError
from bot.api.table import ApiRoute, register
from bot.appkeys import ALERTS, CLOCK, STORE
from bot.storage import NotFound
from bot.storage.teams import TeamsStore
from bot.tab.schedule import (
    V1,
    RecentAlertOut,
    RecentAlertsQuery,
    ScheduleOut,
    ScheduleQuery,
    Scope,
    in_view,
    person_calendar,
    recent_alerts,
    rotation_schedule,
    viewer_out,
)
from bot.tab.viewer import Viewer, viewer_of
from shared.api_models import SpanIn, SpanOut
from shared.rotation import Rotation, ValidationError

SCHEDULE = f"{V1}/schedule"


def _teams(request: web.Request) -> TeamsStore:
    return TeamsStore(request.app[STORE].engine, clock=request.app[CLOCK])


async def tab_schedule(request: web.Request, query: ScheduleQuery) -> ScheduleOut:
    """Who is on duty now and every shift over [from, to) in the rotations in view: those
    bound to the team's channels (`team`), else the viewer's own, else all. Takes an API
    token or, inside Teams, the Teams sign-in token, as `Authorization: Bearer ...`."""
    viewer = await viewer_of(request)
    teams = _teams(request)
    rotations, scope, chosen = await _in_view(request, viewer, query.team)
    by_name = {r.name: r for r in rotations}
    now = request.app[CLOCK]()
    return ScheduleOut(
        viewer=viewer_out(viewer),
        now=now,
        start=query.start,
        end=query.end,
        scope=scope,
        rotations=[
            rotation_schedule(r, by_name, await teams.owners(r.name), viewer, now, query) for r in chosen
        ],
        my_calendar=person_calendar(viewer),
    )


async def tab_recent_alerts(request: web.Request, query: RecentAlertsQuery) -> list[RecentAlertOut]:
    """The newest alerts, with their state, in the rotations in view (chosen as for the
    schedule, from `team` and the viewer). Takes an API token or, inside Teams, the
    Teams sign-in token, as `Authorization: Bearer ...`."""
    viewer = await viewer_of(request)
    _, scope, chosen = await _in_view(request, viewer, query.team)
    store = request.app[ALERTS].alerts
    if scope is Scope.ALL:
        return recent_alerts((stored.alert for stored in await store.list_alerts(limit=query.limit)), query.limit)
    found: list[Alert] = []
    for rotation in chosen:
        try:
            found.extend(stored.alert for stored in await store.list_alerts(rotation.name, limit=query.limit))
        except NotFound:
            continue  # deleted since it was listed: it has no alerts left to show
    return recent_alerts(found, query.limit)


async def _in_view(request: web.Request, viewer: Viewer,
                   team: str | None) -> tuple[list[Rotation], Scope, list[Rotation]]:
    """Every rotation, and which of them the tab shows this viewer (see `in_view`)."""
    rotations = await request.app[STORE].list_rotations()
    bound = None
    if team is not None:
        bound = [binding.rotation for binding in await _teams(request).bindings(team_id=team)]
    scope, chosen = in_view(rotations, bound, viewer)
    return rotations, scope, chosen


async def tab_add_override(request: web.Request, name: str, body: SpanIn) -> SpanOut:
    """`person` takes the primary duty over [start, end). For an admin API token, or a
    rotation owner's Teams sign-in token."""
    viewer = await _changer(request, name)
    return SpanOut.model_validate(await request.app[STORE].add_override(name, body.to_override(), viewer.actor))


async def tab_add_time_off(request: web.Request, name: str, body: SpanIn) -> SpanOut:
    """A member is away over [start, end): the next available member covers. For an admin
    API token, or a rotation owner's Teams sign-in token."""
    viewer = await _changer(request, name)
    store = request.app[STORE]
    if body.person not in (await store.get_rotation(name)).members:
        raise ValidationError("person", f"{body.person} is not a member of {name}")
    return SpanOut.model_validate(await store.add_time_off(name, body.to_time_off(), viewer.actor))


async def _changer(request: web.Request, name: str) -> Viewer:
    viewer = await viewer_of(request)
    if not viewer.may_change(await _teams(request).owners(name)):
        raise ApiError(403, "forbidden", f"only the owners of {name} (or an admin token) may change it")
    return viewer


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", SCHEDULE, tab_schedule, "The Schedule tab's view", "schedule tab", query=ScheduleQuery,
             reply=ScheduleOut, public=True),
    ApiRoute("GET", f"{SCHEDULE}/alerts", tab_recent_alerts, "The Schedule tab's recent alerts", "schedule tab",
             query=RecentAlertsQuery, reply=RecentAlertOut, many=True, public=True),
    ApiRoute("POST", f"{SCHEDULE}/{{name}}/overrides", tab_add_override, "Add an override from the tab", "schedule tab",
             status=201, body=SpanIn, reply=SpanOut, public=True),
    ApiRoute("POST", f"{SCHEDULE}/{{name}}/time-off", tab_add_time_off, "Add time off from the tab", "schedule tab",
             status=201, body=SpanIn, reply=SpanOut, public=True),
)


def add_api_routes(app: web.Application) -> None:
    register(app, ROUTES)
