"""Every request the API refuses: the right 4xx, a JSON reason naming the field, the status
documented in the OpenAPI document, and nothing stored (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import make_mocked_request

from bot.app import MAX_BODY
from shared.api_models import ErrorBody
from tests.api.conftest import Api, rotation_body

ROTATIONS = "/api/v1/rotations"
DP = f"{ROTATIONS}/data-platform"
SPAN = {"person": "alice@example.com", "start": "2026-03-25T09:00:00+01:00", "end": "2026-03-26T09:00:00+01:00"}
CODES = {400: "bad_json", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
         422: "validation_error"}

#: (method, path, body: JSON value or raw bytes or None, status, field)
REFUSED: list[tuple[str, str, Any, int, str | None]] = [
    ("POST", ROTATIONS, rotation_body("x", members="alice@example.com"), 422, "members"),
    ("POST", ROTATIONS, rotation_body("x", members=["alice@example.com", 7]), 422, "members.1"),
    ("POST", ROTATIONS, rotation_body("x", timezone="Mars/Olympus_Mons"), 422, "timezone"),
    ("POST", ROTATIONS, rotation_body("x", members=[]), 422, "members"),
    ("POST", ROTATIONS, rotation_body("x", members=["a@example.com", "A@example.com"]), 422, "members"),
    ("POST", ROTATIONS, rotation_body("x", shift="3x"), 422, "shift"),
    ("POST", ROTATIONS, rotation_body("x", shift="53w"), 422, "shift"),
    ("POST", ROTATIONS, rotation_body("x", shift=1), 422, "shift"),
    ("POST", ROTATIONS, rotation_body("x", handoff="next monday"), 422, "handoff"),
    ("POST", ROTATIONS, rotation_body("x", handoff="2026-02-30 12:00"), 422, "handoff"),
    ("POST", ROTATIONS, rotation_body("x", colour="blue"), 422, "colour"),
    ("POST", ROTATIONS, rotation_body("x", secondary="x"), 422, "secondary"),
    ("POST", ROTATIONS, rotation_body("x", secondary="ghost"), 409, None),
    ("POST", ROTATIONS, rotation_body(), 409, None),
    ("POST", ROTATIONS, rotation_body("Data Platform"), 422, "name"),
    ("POST", ROTATIONS, [rotation_body("x")], 422, None),
    ("POST", ROTATIONS, b'{"name": "x",', 400, None),
    ("POST", ROTATIONS, b"", 400, None),
    ("POST", ROTATIONS, b" " * (MAX_BODY + 1), 413, None),
    ("PUT", DP, rotation_body("renamed"), 422, "name"),
    ("PUT", f"{ROTATIONS}/ghost", rotation_body("ghost"), 404, None),
    ("GET", f"{ROTATIONS}/ghost", None, 404, None),
    ("GET", f"{ROTATIONS}/Data!", None, 422, "name"),
    ("DELETE", DP, None, 409, None),
    ("POST", f"{DP}/overrides", {**SPAN, "end": "2026-03-24T09:00:00+01:00"}, 422, "end"),
    ("POST", f"{DP}/overrides", {**SPAN, "end": SPAN["start"]}, 422, "end"),
    ("POST", f"{DP}/overrides", {**SPAN, "start": "2026-03-25T09:00:00"}, 422, "start"),
    ("POST", f"{DP}/overrides", {**SPAN, "start": "1900-01-01T00:00:00Z"}, 422, "start"),
    ("POST", f"{DP}/overrides", {**SPAN, "start": "0001-01-01T00:00:00+05:00"}, 422, "start"),
    ("POST", f"{DP}/overrides", {**SPAN, "person": 42}, 422, "person"),
    ("POST", f"{DP}/overrides", {"person": "alice@example.com"}, 422, "start"),
    ("POST", f"{ROTATIONS}/ghost/overrides", SPAN, 404, None),
    ("DELETE", f"{DP}/overrides/999", None, 404, None),
    ("DELETE", f"{DP}/overrides/99999999999", None, 422, "override_id"),
    ("POST", f"{DP}/time-off", {**SPAN, "person": "zed@example.com"}, 422, "person"),
    ("DELETE", f"{DP}/time-off/abc", None, 422, "time_off_id"),
    ("DELETE", f"{DP}/time-off/5", None, 404, None),
    ("POST", f"{DP}/members", {"person": "alice@example.com"}, 409, None),
    ("POST", f"{DP}/members", {"person": "zed@example.com", "position": 9}, 422, "position"),
    ("POST", f"{DP}/members", {"person": "zed@example.com", "position": -1}, 422, "position"),
    ("DELETE", f"{DP}/members/zed@example.com", None, 404, None),
    ("DELETE", f"{ROTATIONS}/dev-week/members/erin@example.com", None, 422, "members"),
    ("PUT", f"{DP}/members", {"members": []}, 422, "members"),
    ("PUT", f"{DP}/members", ["alice@example.com"], 422, None),
    ("GET", f"{DP}/on-call?at=tomorrow", None, 422, "at"),
    ("GET", f"{DP}/on-call?at=2026-03-25T12:00:00", None, 422, "at"),
    ("GET", f"{DP}/on-call?at=1700000000", None, 422, "at"),
    ("GET", f"{DP}/on-call?at=2200-01-01T00:00:00Z", None, 422, "at"),
    ("GET", f"{ROTATIONS}/ghost/on-call", None, 404, None),
    ("GET", f"{DP}/shifts?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z", None, 422, "to"),
    ("GET", f"{DP}/shifts?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", None, 422, "to"),
    ("GET", f"{DP}/shifts?from=2026-02-01T00:00:00Z", None, 422, "to"),
    ("GET", "/api/v1/audit?limit=0", None, 422, "limit"),
    ("GET", "/api/v1/audit?limit=many", None, 422, "limit"),
    ("GET", "/api/v1/people/nobody@example.com/calendar.ics", None, 404, None),
    ("GET", "/api/v1/people/not-an-email/calendar.ics", None, 422, "email"),
    ("GET", f"{ROTATIONS}/ghost/calendar.ics", None, 404, None),
]
UNROUTED = [("GET", "/api/v1/nothing-here", None, 404, None), ("PATCH", DP, {}, 405, None)]


async def _call(api: Api, method: str, path: str, body: Any) -> tuple[int, Any]:
    if isinstance(body, bytes):
        return await api.call(method, path, data=body)
    return await api.call(method, path, json=body)


async def _documented_statuses(api: Api, document: dict, method: str, path: str) -> set[str]:
    """The statuses the OpenAPI document lists for the operation that serves this request."""
    match = await api.client.app.router.resolve(make_mocked_request(method, path))
    return set(document["paths"][match.route.resource.canonical][method.lower()]["responses"])


async def test_refused_requests_answer_4xx_with_a_reason_and_change_nothing(api: Api) -> None:
    await api.ok("POST", ROTATIONS, json=rotation_body())
    await api.ok("POST", ROTATIONS, json=rotation_body("dev-week", members=["erin@example.com"],
                                                       secondary="data-platform"))
    document = await api.ok("GET", "/api/v1/openapi.json")
    before = await api.state()

    for method, path, body, status, field in REFUSED + UNROUTED:
        answer = await _call(api, method, path, body)
        assert answer[0] == status, (method, path, answer)
        error = ErrorBody.model_validate(answer[1]).error
        assert set(answer[1]) == {"error"} and set(answer[1]["error"]) == {"code", "message", "field"}
        assert (error.code, error.field) == (CODES[status], field), (method, path, answer)
        assert error.message
        if (method, path, body, status, field) in REFUSED:
            assert str(status) in await _documented_statuses(api, document, method, path), (method, path)

    assert await api.state() == before
