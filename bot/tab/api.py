"""The tab's JSON routes, in the API's route table (so in its OpenAPI document).

They take an API token like every route, or a Teams single sign-on token (see `viewer.py`),
which is why the table lists them as needing no API token: they check the caller themselves.
"""

from __future__ import annotations

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.table import ApiRoute, register
from bot.appkeys import CLOCK, STORE
from bot.storage.teams import TeamsStore
from bot.tab.schedule import (
    V1,
    ScheduleOut,
    ScheduleQuery,
    in_view,
    person_calendar,
    rotation_schedule,
    viewer_out,
)
from bot.tab.viewer import Viewer, viewer_of
from shared.api_models import SpanIn, SpanOut
from shared.rotation import ValidationError

SCHEDULE = f"{V1}/schedule"


def _teams(request: web.Request) -> TeamsStore:
    return TeamsStore(request.app[STORE].engine, clock=request.app[CLOCK])


async def tab_schedule(request: web.Request, query: ScheduleQuery) -> ScheduleOut:
    """Who is on duty now and every shift over [from, to) in the rotations in view: those
    bound to the team's channels (`team`), else the viewer's own, else all. Takes an API
    token or, inside Teams, the Teams sign-in token, as `Authorization: Bearer ...`."""
    viewer = await viewer_of(request)
    teams = _teams(request)
    rotations = await request.app[STORE].list_rotations()
    bound = None
    if query.team is not None:
        bound = [binding.rotation for binding in await teams.bindings(team_id=query.team)]
    scope, chosen = in_view(rotations, bound, viewer)
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
    ApiRoute("POST", f"{SCHEDULE}/{{name}}/overrides", tab_add_override, "Add an override from the tab", "schedule tab",
             status=201, body=SpanIn, reply=SpanOut, public=True),
    ApiRoute("POST", f"{SCHEDULE}/{{name}}/time-off", tab_add_time_off, "Add time off from the tab", "schedule tab",
             status=201, body=SpanIn, reply=SpanOut, public=True),
)


def add_api_routes(app: web.Application) -> None:
    register(app, ROUTES)
