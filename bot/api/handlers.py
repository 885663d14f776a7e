"""The API's handlers: thin, each a read or one change through the store, then a reply model.

Requests arrive validated (see `table.py`); domain errors (`ValidationError`, `NotFound`,
`Conflict`) are left to the error middleware. The engine is called here with the
rotations it needs, including the one named as secondary, so answers match `rota who`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from bot import ics
from bot.api.auth import actor
from bot.api.openapi import build_document
from bot.appkeys import API_ROUTES, CLOCK, STORE
from bot.storage import Conflict, NotFound, Store
from shared.api_models import (
    AtQuery,
    AuditEntryOut,
    AuditQuery,
    Health,
    MemberIn,
    MembersIn,
    OnCallOut,
    RotationIn,
    RotationOut,
    SegmentOut,
    SpanIn,
    SpanOut,
    WindowQuery,
)
from shared.oncall import on_call, shifts
from shared.rotation import Rotation, SecondaryKind, ValidationError

log = logging.getLogger(__name__)

MembersChange = Callable[[tuple[str, ...]], tuple[str, ...]]
#: Seconds the database has to answer a health check.
HEALTH_TIMEOUT = 5


@cache
def service_version() -> str:
    try:
        return version("rota")
    except PackageNotFoundError:
        return "0+unknown"


def _store(request: web.Request) -> Store:
    return request.app[STORE]


def _now(request: web.Request) -> datetime:
    return request.app[CLOCK]()


# --- service ------------------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    """Ready when the database answers; 503 (with the same shape) while it does not, or
    not within a few seconds, so that a load balancer stops sending traffic here."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            await _store(request).ping()
    except Exception:
        log.warning("health check: the database does not answer", exc_info=True)
        return _health("unavailable", 503)
    return _health("ok", 200)


def _health(state: str, status: int) -> web.Response:
    reply = Health(status=state, database=state, version=service_version())
    return web.json_response(reply.model_dump(mode="json"), status=status)


async def openapi_document(request: web.Request) -> web.Response:
    """This document."""
    return web.json_response(build_document(tuple(request.app[API_ROUTES]), service_version()))


# --- rotations ------------------------------------------------------------------------------


async def list_rotations(request: web.Request) -> list[RotationOut]:
    """All rotations, by name."""
    return [RotationOut.from_rotation(r) for r in await _store(request).list_rotations()]


async def create_rotation(request: web.Request, body: RotationIn) -> RotationOut:
    """Create a rotation; 409 if the name is taken or the secondary rotation does not exist."""
    stored = await _store(request).create_rotation(body.to_rotation(), actor(request))
    return RotationOut.from_rotation(stored)


async def get_rotation(request: web.Request, name: str) -> RotationOut:
    """One rotation with its overrides and time off."""
    return RotationOut.from_rotation(await _store(request).get_rotation(name))


async def replace_rotation(request: web.Request, name: str, body: RotationIn) -> RotationOut:
    """Replace a rotation's settings and members; its overrides and time off are kept.
    The name in the body must be the one in the path (rotations are not renamed)."""
    if body.name != name:
        raise ValidationError("name", f"must be {name!r}, the rotation in the path; rotations cannot be renamed")
    stored = await _store(request).update_rotation(body.to_rotation(), actor(request))
    return RotationOut.from_rotation(stored)


async def delete_rotation(request: web.Request, name: str) -> None:
    """Delete a rotation; 409 while another rotation names it as its secondary."""
    await _store(request).delete_rotation(name, actor(request))


# --- members ------------------------------------------------------------------------------------


async def replace_members(request: web.Request, name: str, body: MembersIn) -> RotationOut:
    """Set the complete list of members, in rotation order."""
    return await _change_members(request, name, lambda _current: tuple(body.members))


async def add_member(request: web.Request, name: str, body: MemberIn) -> RotationOut:
    """Add one member at `position` (default: last); 409 if they are already a member."""
    return await _change_members(request, name, lambda current: inserted(current, body.person, body.position))


async def remove_member(request: web.Request, name: str, email: str) -> RotationOut:
    """Remove one member; a rotation keeps at least one (422 for the last)."""
    return await _change_members(request, name, lambda current: removed(current, email))


async def _change_members(request: web.Request, name: str, change: MembersChange) -> RotationOut:
    store = _store(request)
    current = await store.get_rotation(name)
    changed = replace(current, members=change(current.members), _cache={})
    return RotationOut.from_rotation(await store.update_rotation(changed, actor(request)))


def inserted(members: tuple[str, ...], person: str, position: int | None) -> tuple[str, ...]:
    if person in members:
        raise Conflict(f"{person} is already a member")
    at = len(members) if position is None else position
    if at > len(members):
        raise ValidationError("position", f"must be at most {len(members)}, the number of members")
    return (*members[:at], person, *members[at:])


def removed(members: tuple[str, ...], person: str) -> tuple[str, ...]:
    if person not in members:
        raise NotFound("member", person)
    return tuple(m for m in members if m != person)


# --- overrides and time off ----------------------------------------------------------------------


async def list_overrides(request: web.Request, name: str) -> list[SpanOut]:
    """The rotation's overrides, in creation order (the later one wins an overlap)."""
    return [SpanOut.model_validate(o) for o in (await _store(request).get_rotation(name)).overrides]


async def add_override(request: web.Request, name: str, body: SpanIn) -> SpanOut:
    """`person` takes the primary duty over [start, end), member or not."""
    return SpanOut.model_validate(await _store(request).add_override(name, body.to_override(), actor(request)))


async def delete_override(request: web.Request, name: str, override_id: int) -> None:
    """Remove one override."""
    await _store(request).delete_override(name, override_id, actor(request))


async def list_time_off(request: web.Request, name: str) -> list[SpanOut]:
    """The rotation's time off."""
    return [SpanOut.model_validate(t) for t in (await _store(request).get_rotation(name)).time_off]


async def add_time_off(request: web.Request, name: str, body: SpanIn) -> SpanOut:
    """A member is away over [start, end): the next available member covers."""
    store = _store(request)
    rotation = await store.get_rotation(name)
    if body.person not in rotation.members:
        raise ValidationError("person", f"{body.person} is not a member of {name}")
    return SpanOut.model_validate(await store.add_time_off(name, body.to_time_off(), actor(request)))


async def delete_time_off(request: web.Request, name: str, time_off_id: int) -> None:
    """Remove one period of time off."""
    await _store(request).delete_time_off(name, time_off_id, actor(request))


# --- questions ---------------------------------------------------------------------------------------


async def rotation_on_call(request: web.Request, name: str, query: AtQuery) -> OnCallOut:
    """Who is on duty at `at` (default now), and over which period that answer holds."""
    rotation, others = await _with_secondary(_store(request), name)
    return OnCallOut.model_validate(on_call(rotation, query.at or _now(request), others))


async def all_on_call(request: web.Request, query: AtQuery) -> list[OnCallOut]:
    """Who is on duty at `at` (default now) in every rotation, by rotation name."""
    rotations = {r.name: r for r in await _store(request).list_rotations()}
    at = query.at or _now(request)
    return [OnCallOut.model_validate(on_call(r, at, rotations)) for r in rotations.values()]


async def rotation_shifts(request: web.Request, name: str, query: WindowQuery) -> list[SegmentOut]:
    """The effective segments of every layer over [from, to), overrides and time off applied."""
    rotation, others = await _with_secondary(_store(request), name)
    return [SegmentOut.model_validate(s) for s in shifts(rotation, query.start, query.end, others)]


async def audit_log(request: web.Request, query: AuditQuery) -> list[AuditEntryOut]:
    """Who changed what, newest first."""
    return [AuditEntryOut.model_validate(e) for e in await _store(request).audit_log(query.rotation, query.limit)]


async def _with_secondary(store: Store, name: str) -> tuple[Rotation, dict[str, Rotation]]:
    """The rotation, and the rotation named as its secondary (if any) for the engine's `others`."""
    rotation = await store.get_rotation(name)
    secondary = rotation.secondary
    if secondary.kind is not SecondaryKind.ROTATION or secondary.rotation is None:
        return rotation, {}
    other = await store.get_rotation(secondary.rotation)
    return rotation, {other.name: other}


# --- calendar feeds -----------------------------------------------------------------------------------


async def rotation_calendar(request: web.Request, name: str) -> web.Response:
    """The rotation's primary shifts as an iCalendar feed, 4 weeks back to 26 weeks ahead."""
    rotation, others = await _with_secondary(_store(request), name)
    now = _now(request)
    start, end = ics.feed_window(now)
    duties = ics.rotation_duties(rotation, shifts(rotation, start, end, others))
    return _calendar(ics.rotation_calendar(rotation, duties, start, now), name)


async def person_calendar(request: web.Request, email: str) -> web.Response:
    """One person's duties in every rotation, primary and secondary, as an iCalendar feed."""
    store = _store(request)
    person = await store.get_person(email)
    rotations = {r.name: r for r in await store.list_rotations()}
    now = _now(request)
    start, end = ics.feed_window(now)
    duties = ics.person_duties(person.email, rotations, start, end)
    return _calendar(ics.person_calendar(person.email, duties, start, now), "duties")


def _calendar(body: bytes, filename: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=ics.MEDIA_TYPE,
        charset="utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}.ics"'},
    )
