"""A Bot Connector on loopback: where the bot sends its messages, and where Teams' side of a
test sends activities from.

It speaks the v3 REST shapes the bot uses (send, reply in a thread, update, create a 1:1,
the roster as Teams' `TeamsChannelAccount`, a team's channels), records every request,
and can misbehave: answer the next N requests with 503/429, or be down altogether
(connection refused, by closing its port and opening the same one again later). With
`token_check` set it refuses requests whose bearer token the check rejects, as the real
Connector refuses a bot without a valid Entra token.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.reference import load_reference

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Person:
    """A Teams user as the roster answers for them."""

    teams_id: str
    name: str
    email: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def account(self, tenant_id: str) -> dict[str, Any]:
        """The shape of Teams' `TeamsChannelAccount`."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.teams_id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.email,
            "givenName": given,
            "surname": surname or None,
            "tenantId": tenant_id,
            "userRole": "user",
        }


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    authorization: str | None
    answered: int
    #: The id the Connector gave the activity it created (a send, a reply), else None.
    created_id: str | None = None


@dataclass(frozen=True)
class Failure:
    status: int
    retry_after: str | None = None
    path_part: str = "/activities"


class FakeConnector:
    def __init__(self, *, tenant_id: str = "72f988bf-0000-4000-8000-000000000001") -> None:
        self.tenant_id = tenant_id
        self.people: dict[str, Person] = {}
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.recorded: list[Recorded] = []
        self.token_check: Callable[[str | None], bool] | None = None
        #: Ids of the activities in the conversations here (those sent, and any a test adds).
        self.activity_ids: set[str] = set()
        self.port: int | None = None
        self._failures: list[Failure] = []
        self._ids = itertools.count(1_767_000_000_000)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._changed = asyncio.Condition()

    # --- running -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The serviceUrl activities carry (with the trailing slash Teams uses)."""
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members", self._members)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/v3/teams/{team}/conversations", self._team_channels)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self._open(0)

    async def _open(self, port: int) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await self._site.start()
        self.port = self._runner.addresses[-1][1]

    async def go_down(self) -> None:
        """Refuse connections until `come_back`."""
        assert self._site is not None
        await self._site.stop()
        self._site = None

    async def come_back(self) -> None:
        await self._open(self.port or 0)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None, *,
                  path_part: str = "/activities") -> None:  # fmt: skip
        """Answer the next `count` requests whose path contains `path_part` (by default: sends
        and updates of activities, not roster look-ups) with `status`."""
        self._failures.extend(Failure(status, retry_after, path_part) for _ in range(count))

    # --- the directory ------------------------------------------------------------------

    def add_person(self, email: str, name: str | None = None, *, teams_id: str | None = None,
                   aad_object_id: str | None = None) -> Person:  # fmt: skip
        person = Person(
            teams_id=teams_id or f"29:{uuid.uuid5(uuid.NAMESPACE_URL, email)}",
            name=name or email.split("@")[0].title(),
            email=email,
            aad_object_id=aad_object_id or str(uuid.uuid5(uuid.NAMESPACE_DNS, email)),
        )
        self.people[person.teams_id] = person
        return person

    @staticmethod
    def personal_conversation(teams_id: str) -> str:
        """The id of the 1:1 chat `POST /v3/conversations` opens with this person."""
        return f"a:{uuid.uuid5(uuid.NAMESPACE_OID, teams_id).hex}"

    def add_team(self, team_id: str, channels: list[tuple[str, str | None]]) -> None:
        """Channels as (id, name); the General channel has the team's id and no name."""
        self.channels[team_id] = [{"id": cid, "name": name} for cid, name in channels]

    # --- what was received --------------------------------------------------------------

    def messages(self) -> list[Recorded]:
        """Activities the bot sent or updated, in order."""
        return [r for r in self.recorded if "/activities" in r.path and r.answered < 300]

    def posted(self) -> list[dict[str, Any]]:
        return [r.body for r in self.messages() if r.method == "POST"]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Until `predicate()` holds, woken by each request received (no polling)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    # --- Teams' side: sending to the bot ---------------------------------------------------

    def from_reference(self, name: str, **changes: Any) -> dict[str, Any]:
        """A reference payload with its serviceUrl pointed here (and any top-level changes)."""
        activity = copy.deepcopy(load_reference(f"payloads/{name}"))
        activity["serviceUrl"] = self.url
        activity.update(changes)
        return activity

    async def send_to_bot(self, bot_url: str, activity: dict[str, Any], *, token: str | None = None,
                          headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
        """POST an activity to the bot's endpoint as the Connector would: status and JSON body."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{bot_url}/api/messages", data=json.dumps(activity), headers=sent) as response:
                text = await response.text()
                return response.status, json.loads(text) if text else None

    # --- the v3 REST API ---------------------------------------------------------------------

    async def _gate(self, request: web.Request, body: Any) -> web.Response | None:
        """Authentication and injected failures, before the request is served."""
        refusal: web.Response | None = None
        if self.token_check is not None:
            header = request.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else None
            if not self.token_check(token):
                refusal = web.json_response({"message": "Authorization has been denied for this request."},
                                            status=401)  # fmt: skip
        if refusal is None and self._failures and self._failures[0].path_part in request.path:
            failure = self._failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            body_out = {"error": {"code": "ServiceError", "message": "Unavailable"}}
            refusal = web.json_response(body_out, status=failure.status, headers=headers)
        if refusal is not None:
            await self._record(request, body, refusal.status)
        return refusal

    async def _record(self, request: web.Request, body: Any, status: int, created_id: str | None = None) -> None:
        info = request.match_info
        self.recorded.append(Recorded(request.method, request.path, info.get("conversation"), info.get("activity"),
                                      body, request.headers.get("Authorization"), status, created_id))  # fmt: skip
        async with self._changed:
            self._changed.notify_all()

    async def _serve(self, request: web.Request, answer: Callable[[Any], web.Response]) -> web.Response:
        body = await request.json() if request.can_read_body else None
        refused = await self._gate(request, body)
        if refused is not None:
            return refused
        response = answer(body)
        created = None
        if response.status == 201 and "/activities" in request.path:
            created = json.loads(response.text).get("id")
        await self._record(request, body, response.status, created)
        return response

    async def _send(self, request: web.Request) -> web.Response:
        def answer(body: Any) -> web.Response:
            if not isinstance(body, dict) or body.get("type") not in {"message", "typing", "invoke", "event"}:
                return _error(400, "BadArgument", "Activity type is required")
            activity_id = str(next(self._ids))
            self.activity_ids.add(activity_id)
            return web.json_response({"id": activity_id}, status=201)

        return await self._serve(request, answer)

    async def _update(self, request: web.Request) -> web.Response:
        def answer(body: Any) -> web.Response:
            activity_id = request.match_info["activity"]
            if activity_id not in self.activity_ids:
                return _error(404, "ActivityNotFoundInConversation", "Unknown activity")
            return web.json_response({"id": activity_id})

        return await self._serve(request, answer)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        def answer(body: Any) -> web.Response:
            members = (body or {}).get("members") or []
            if len(members) != 1 or members[0].get("id") not in self.people:
                return _error(400, "BadArgument", "A 1:1 conversation needs one known member")
            conversation = self.personal_conversation(members[0]["id"])
            return web.json_response({"id": conversation, "activityId": None, "serviceUrl": self.url}, status=201)

        return await self._serve(request, answer)

    async def _members(self, request: web.Request) -> web.Response:
        return await self._serve(request, lambda _: web.json_response(
            [p.account(self.tenant_id) for p in self.people.values()]))  # fmt: skip

    async def _member(self, request: web.Request) -> web.Response:
        def answer(_: Any) -> web.Response:
            person = self.people.get(request.match_info["member"])
            if person is None:
                return _error(404, "MemberNotFoundInConversation", "The member is not in the conversation")
            return web.json_response(person.account(self.tenant_id))

        return await self._serve(request, answer)

    async def _team_channels(self, request: web.Request) -> web.Response:
        def answer(_: Any) -> web.Response:
            channels = self.channels.get(request.match_info["team"])
            if channels is None:
                return _error(404, "NotFound", "Team not found")
            return web.json_response({"conversations": channels})

        return await self._serve(request, answer)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Cards attached to a sent activity."""
    return [a["content"] for a in activity.get("attachments") or () if a.get("contentType") == ADAPTIVE_CARD]
