"""Microsoft Graph v1.0's Teams tag endpoints on loopback, with state kept in memory.

Shapes follow the published docs (reference payloads `graph-teamworktag-*.json`):
- `GET /v1.0/teams/{team-id}/tags` → 200 `{"value": [tag, ...]}` (+ `@odata.nextLink`);
- `POST /v1.0/teams/{team-id}/tags` `{"displayName", "members": [{"userId"}]}` → 201 tag
  (display name at most 40 characters, 1 to 25 members, each a member of the team);
- `GET /v1.0/teams/{team-id}/tags/{tag-id}/members` → 200 `{"value": [member, ...]}`;
- `POST .../members` `{"userId"}` → 201 member;
- `DELETE .../members/{member-id}` → 204;
- `GET /v1.0/teams/{team-id}/members` → 200 `{"value": [conversationMember, ...]}`
  (`aadUserConversationMember`: `roles` holds "owner" for an owner, `userId`, `email`).
Every request needs a bearer token the given check accepts (else 401
`InvalidAuthenticationToken`). `forbid()` answers 403 as Graph does when the app lacks
`TeamworkTag.ReadWrite.All`; `fail_next()` injects outages (503, 429 with Retry-After).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes.entra import LoopbackCertificate

MAX_NAME = 40
MAX_MEMBERS = 25
FORBIDDEN_MESSAGE = (
    "Missing role permissions on the request. API requires one of 'TeamworkTag.Read.All, "
    "TeamworkTag.ReadWrite.All'. Roles on the request ''."
)


@dataclass
class FakeTag:
    id: str
    display_name: str
    description: str | None = None
    #: Membership id → the member's Entra object id.
    members: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeTeam:
    id: str
    tenant_id: str
    #: The team's people: Entra object id → display name. Only they can be tagged.
    people: dict[str, str]
    tags: dict[str, FakeTag] = field(default_factory=dict)
    #: The Entra object ids of the team's owners.
    owners: set[str] = field(default_factory=set)
    #: Entra object id → email, for the people Graph knows one of.
    emails: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    retry_after: str | None = None


class FakeGraph:
    """`accepts(token, scope)` tells whether a bearer token was issued for this Graph
    (`scope` is `https://<its host>/.default`, what a client asks the login endpoint for)."""

    def __init__(self, accepts: Callable[[str, str], bool], *, page_size: int = 100) -> None:
        self._accepts = accepts
        self.page_size = page_size
        self.teams: dict[str, FakeTeam] = {}
        self.requests: list[tuple[str, str]] = []
        self._failures: list[Failure] = []
        self._forbidden = False
        self.server: TestServer | None = None
        self.url = ""
        self.scope = ""

    # --- running ---------------------------------------------------------------------------

    async def start(self, certificate: LoopbackCertificate) -> str:
        """Serve on a loopback port; returns the Graph base URL (`https://.../v1.0`)."""
        self.server = TestServer(self._app(), host="127.0.0.1")
        await self.server.start_server(ssl=certificate.server_context())
        self.url = str(self.server.make_url("/v1.0"))
        self.scope = f"{self.server.make_url('').origin()}/.default"
        return self.url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    # --- state and failures ------------------------------------------------------------------

    def add_team(
        self, team_id: str, tenant_id: str, people: dict[str, str], *,
        owners: set[str] | None = None, emails: dict[str, str] | None = None,
    ) -> FakeTeam:  # fmt: skip
        self.teams[team_id] = FakeTeam(team_id, tenant_id, dict(people), owners=set(owners or ()),
                                       emails=dict(emails or {}))  # fmt: skip
        return self.teams[team_id]

    def tag(self, team_id: str, name: str) -> FakeTag | None:
        return next((t for t in self.teams[team_id].tags.values() if t.display_name == name), None)

    def tagged(self, team_id: str, name: str) -> set[str] | None:
        """The Entra object ids the named tag holds (None: no such tag)."""
        tag = self.tag(team_id, name)
        return None if tag is None else set(tag.members.values())

    def forbid(self, forbidden: bool = True) -> None:
        """Answer every call 403, as for an app without `TeamworkTag.ReadWrite.All`."""
        self._forbidden = forbidden

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None) -> None:
        self._failures.extend(Failure(status, retry_after) for _ in range(count))

    # --- the endpoints -------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        base = "/v1.0/teams/{team}/tags"
        app.router.add_get(base, self._list_tags)
        app.router.add_post(base, self._create_tag)
        app.router.add_get(base + "/{tag}/members", self._list_members)
        app.router.add_post(base + "/{tag}/members", self._add_member)
        app.router.add_delete(base + "/{tag}/members/{member}", self._remove_member)
        app.router.add_get("/v1.0/teams/{team}/members", self._list_team_members)
        return app

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Bearer token first, then injected failures, then the team must exist."""
        self.requests.append((request.method, request.path))
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not self._accepts(token, self.scope):
            return _error(401, "InvalidAuthenticationToken", "Access token validation failure.")
        if self._forbidden:
            return _error(403, "Forbidden", FORBIDDEN_MESSAGE)
        if self._failures:
            failure = self._failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return _error(failure.status, "ServiceUnavailable", "Service is temporarily unavailable.", headers)
        if request.match_info.get("team") not in self.teams:
            return _error(404, "NotFound", "No team found with Group Id.")
        return await handler(request)

    async def _list_tags(self, request: web.Request) -> web.Response:
        team = self.teams[request.match_info["team"]]
        return self._page(request, [_tag_json(team, tag, listed=True) for tag in team.tags.values()])

    async def _create_tag(self, request: web.Request) -> web.Response:
        team = self.teams[request.match_info["team"]]
        body = await request.json()
        name = body.get("displayName")
        user_ids = [m.get("userId") for m in body.get("members") or []]
        if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
            return _error(400, "BadRequest", f"displayName must have 1 to {MAX_NAME} characters.")
        if not 0 < len(user_ids) <= MAX_MEMBERS:
            return _error(400, "BadRequest", f"A tag is created with 1 to {MAX_MEMBERS} members.")
        if any(user_id not in team.people for user_id in user_ids):
            return _error(400, "BadRequest", "A tag member must be a member of the team.")
        if any(t.display_name.casefold() == name.casefold() for t in team.tags.values()):
            return _error(409, "Conflict", "A tag with this name already exists.")
        tag = FakeTag(_opaque_id(team.id, uuid.uuid4().hex), name, body.get("description"))
        for user_id in user_ids:
            tag.members[_opaque_id(tag.id, user_id)] = user_id
        team.tags[tag.id] = tag
        return web.json_response(_tag_json(team, tag, listed=False), status=201)

    async def _list_members(self, request: web.Request) -> web.Response:
        team, tag = self._team_and_tag(request)
        if tag is None:
            return _error(404, "NotFound", "Tag not found.")
        return self._page(request, [_member_json(team, member_id, user_id) for member_id, user_id in tag.members.items()])

    async def _add_member(self, request: web.Request) -> web.Response:
        team, tag = self._team_and_tag(request)
        if tag is None:
            return _error(404, "NotFound", "Tag not found.")
        user_id = (await request.json()).get("userId")
        if user_id not in team.people:
            return _error(400, "BadRequest", "A tag member must be a member of the team.")
        if user_id in tag.members.values():
            return _error(409, "Conflict", "The user is already a member of the tag.")
        member_id = _opaque_id(tag.id, user_id)
        tag.members[member_id] = user_id
        return web.json_response(_member_json(team, member_id, user_id), status=201)

    async def _remove_member(self, request: web.Request) -> web.Response:
        _team, tag = self._team_and_tag(request)
        if tag is None or tag.members.pop(request.match_info["member"], None) is None:
            return _error(404, "NotFound", "Tag member not found.")
        return web.Response(status=204)

    async def _list_team_members(self, request: web.Request) -> web.Response:
        team = self.teams[request.match_info["team"]]
        return self._page(request, [_team_member_json(team, user_id) for user_id in team.people])

    def _team_and_tag(self, request: web.Request) -> tuple[FakeTeam, FakeTag | None]:
        team = self.teams[request.match_info["team"]]
        return team, team.tags.get(request.match_info["tag"])

    def _page(self, request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        """One page of `items`, with `@odata.nextLink` to the next when there is one."""
        skip = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {"value": items[skip : skip + self.page_size]}
        if skip + self.page_size < len(items):
            body["@odata.nextLink"] = str(request.url.with_query({"$skiptoken": str(skip + self.page_size)}))
        return web.json_response(body)


def _opaque_id(*parts: str) -> str:
    """Graph's tag and membership ids are base64 of '#'-joined ids (see the reference)."""
    return base64.b64encode("##".join(parts).encode()).decode()


def _tag_json(team: FakeTeam, tag: FakeTag, *, listed: bool) -> dict[str, Any]:
    body = {
        "@odata.type": "#microsoft.graph.teamworkTag",
        "id": tag.id,
        "teamId": team.id,
        "displayName": tag.display_name,
        "memberCount": len(tag.members),
        "tagType": "standard",
    }
    if listed:
        body["description"] = tag.description
    return body


def _member_json(team: FakeTeam, member_id: str, user_id: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.teamworkTagMember",
        "id": member_id,
        "displayName": team.people[user_id],
        "tenantId": team.tenant_id,
        "userId": user_id,
    }


def _team_member_json(team: FakeTeam, user_id: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "id": _opaque_id(team.id, user_id),
        "roles": ["owner"] if user_id in team.owners else [],
        "displayName": team.people[user_id],
        "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
        "userId": user_id,
        "email": team.emails.get(user_id),
        "tenantId": team.tenant_id,
    }


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Graph's error body: `{"error": {"code", "message", "innerError"}}`."""
    inner = {"date": "2026-03-02T09:00:00", "request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    return web.json_response(body, status=status, headers=headers)
