"""The URL map of the public API: each route, what it takes and what it answers.

Only mapping here; the handlers are in `handlers.py`, the glue in `table.py`.
"""

from __future__ import annotations

from aiohttp import web

from bot import ics
from bot.api import handlers as h
from bot.api.table import ApiRoute, register
from shared import api_models as m

V1 = "/api/v1"
ROTATION = f"{V1}/rotations/{{name}}"

ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/healthz", h.health, "Readiness", "service", reply=m.Health, public=True, other_replies=(503,)),
    ApiRoute("GET", f"{V1}/openapi.json", h.openapi_document, "This OpenAPI document", "service", public=True),
    ApiRoute("GET", f"{V1}/rotations", h.list_rotations, "List rotations", "rotations", reply=m.RotationOut, many=True),
    ApiRoute("POST", f"{V1}/rotations", h.create_rotation, "Create a rotation", "rotations",
             status=201, body=m.RotationIn, reply=m.RotationOut),
    ApiRoute("GET", ROTATION, h.get_rotation, "Read a rotation", "rotations", reply=m.RotationOut),
    ApiRoute("PUT", ROTATION, h.replace_rotation, "Replace a rotation", "rotations", body=m.RotationIn, reply=m.RotationOut),
    ApiRoute("DELETE", ROTATION, h.delete_rotation, "Delete a rotation", "rotations", status=204),
    ApiRoute("PUT", f"{ROTATION}/members", h.replace_members, "Replace the members", "members",
             body=m.MembersIn, reply=m.RotationOut),
    ApiRoute("POST", f"{ROTATION}/members", h.add_member, "Add a member", "members", body=m.MemberIn, reply=m.RotationOut),
    ApiRoute("DELETE", f"{ROTATION}/members/{{email}}", h.remove_member, "Remove a member", "members",
             reply=m.RotationOut),
    ApiRoute("GET", f"{ROTATION}/overrides", h.list_overrides, "List overrides", "overrides", reply=m.SpanOut, many=True),
    ApiRoute("POST", f"{ROTATION}/overrides", h.add_override, "Add an override", "overrides",
             status=201, body=m.SpanIn, reply=m.SpanOut),
    ApiRoute("DELETE", f"{ROTATION}/overrides/{{override_id}}", h.delete_override, "Delete an override", "overrides",
             status=204),
    ApiRoute("GET", f"{ROTATION}/time-off", h.list_time_off, "List time off", "time off", reply=m.SpanOut, many=True),
    ApiRoute("POST", f"{ROTATION}/time-off", h.add_time_off, "Add time off", "time off",
             status=201, body=m.SpanIn, reply=m.SpanOut),
    ApiRoute("DELETE", f"{ROTATION}/time-off/{{time_off_id}}", h.delete_time_off, "Delete time off", "time off",
             status=204),
    ApiRoute("GET", f"{ROTATION}/on-call", h.rotation_on_call, "Who is on duty", "on call",
             query=m.AtQuery, reply=m.OnCallOut),
    ApiRoute("GET", f"{V1}/on-call", h.all_on_call, "Who is on duty in every rotation", "on call",
             query=m.AtQuery, reply=m.OnCallOut, many=True),
    ApiRoute("GET", f"{ROTATION}/shifts", h.rotation_shifts, "Shifts in a window", "on call",
             query=m.WindowQuery, reply=m.SegmentOut, many=True),
    ApiRoute("GET", f"{V1}/audit", h.audit_log, "Audit log", "audit", query=m.AuditQuery, reply=m.AuditEntryOut, many=True),
    ApiRoute("GET", f"{ROTATION}/calendar.ics", h.rotation_calendar, "A rotation's calendar feed", "calendars",
             media_type=ics.MEDIA_TYPE, query_token=True),
    ApiRoute("GET", f"{V1}/people/{{email}}/calendar.ics", h.person_calendar, "A person's calendar feed", "calendars",
             media_type=ics.MEDIA_TYPE, query_token=True),
)


def add_routes(app: web.Application) -> None:
    register(app, ROUTES)
