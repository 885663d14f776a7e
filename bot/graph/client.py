"""The few Microsoft Graph v1.0 calls Rota makes: a team's tags and their members.

`GET/POST /teams/{team-id}/tags`, `GET/POST /teams/{team-id}/tags/{tag-id}/members`,
`DELETE /teams/{team-id}/tags/{tag-id}/members/{member-id}` (application permission
`TeamworkTag.ReadWrite.All`). Every failure is a `GraphError` that says whether trying
again can help and, in words for the people who read `who`, what went wrong.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
from yarl import URL

#: Graph's limit on a tag's display name.
MAX_TAG_NAME = 40
#: Graph's limit on the members given when a tag is created.
MAX_MEMBERS_AT_CREATION = 25
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
PERMISSION = "TeamworkTag.ReadWrite.All"
#: The error code of a failed sign-in (no HTTP answer from Graph itself).
SIGN_IN = "sign-in"


class GraphError(Exception):
    """A Graph call that failed. `status` is None when no HTTP answer came (network,
    sign-in); `code` is Graph's (or msal's) error code."""

    def __init__(self, message: str, *, status: int | None, code: str | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @property
    def reason(self) -> str:
        """Why the tag could not be updated, as `who` says it."""
        if self.status == 403:
            return f"Rota lacks the Microsoft Graph permission {PERMISSION} (an administrator must grant it)"
        if self.status is None and self.code == SIGN_IN:
            return f"Rota could not sign in to Microsoft Graph ({self})"
        if self.status == 401:
            return "Microsoft Graph refused Rota's token (HTTP 401)"
        if self.status is None:
            return f"{self} (Rota keeps trying)"
        if self.status == 404:
            return "Microsoft Graph does not know this team or tag (is Rota still installed in the team?)"
        if self.status == 429 or self.status >= 500:
            return f"Microsoft Graph is not answering (HTTP {self.status}); Rota keeps trying"
        return f"Microsoft Graph refused the change (HTTP {self.status}: {self})"


@dataclass(frozen=True)
class TeamRef:
    """A team as Graph knows it: its Microsoft 365 group id, in its tenant."""

    team_id: str
    tenant_id: str


@dataclass(frozen=True)
class Tag:
    id: str
    display_name: str


@dataclass(frozen=True)
class TagMember:
    """`id` names the membership (for DELETE); `user_id` is the person's Entra object id."""

    id: str
    user_id: str
    display_name: str | None = None


class TokenSource(Protocol):
    async def token(self, tenant: str) -> str: ...


class TagGraph(Protocol):
    """What the tag sync needs from Graph (a fake in tests, `GraphClient` in service)."""

    async def list_tags(self, team: TeamRef) -> list[Tag]: ...

    async def create_tag(self, team: TeamRef, name: str, user_ids: list[str]) -> Tag: ...

    async def list_members(self, team: TeamRef, tag_id: str) -> list[TagMember]: ...

    async def add_member(self, team: TeamRef, tag_id: str, user_id: str) -> TagMember: ...

    async def remove_member(self, team: TeamRef, tag_id: str, member_id: str) -> None: ...


class GraphClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, tokens: TokenSource) -> None:
        self._session = session
        self._base = URL(base_url.rstrip("/"))
        self._tokens = tokens

    async def list_tags(self, team: TeamRef) -> list[Tag]:
        items = await self._list(team, self._tags_url(team))
        return [Tag(id=item["id"], display_name=item.get("displayName", "")) for item in items]

    async def create_tag(self, team: TeamRef, name: str, user_ids: list[str]) -> Tag:
        if not 1 <= len(user_ids) <= MAX_MEMBERS_AT_CREATION:
            raise ValueError(f"a tag is created with 1 to {MAX_MEMBERS_AT_CREATION} members")
        body = {"displayName": name, "members": [{"userId": user_id} for user_id in user_ids]}
        item = await self._call("POST", team, self._tags_url(team), body)
        return Tag(id=item["id"], display_name=item.get("displayName", name))

    async def list_members(self, team: TeamRef, tag_id: str) -> list[TagMember]:
        items = await self._list(team, self._members_url(team, tag_id))
        return [_member(item) for item in items]

    async def add_member(self, team: TeamRef, tag_id: str, user_id: str) -> TagMember:
        item = await self._call("POST", team, self._members_url(team, tag_id), {"userId": user_id})
        return _member(item)

    async def remove_member(self, team: TeamRef, tag_id: str, member_id: str) -> None:
        await self._call("DELETE", team, self._members_url(team, tag_id).joinpath(_segment(member_id), encoded=True))

    def _tags_url(self, team: TeamRef) -> URL:
        return self._base.joinpath("teams", _segment(team.team_id), "tags", encoded=True)

    def _members_url(self, team: TeamRef, tag_id: str) -> URL:
        return self._tags_url(team).joinpath(_segment(tag_id), "members", encoded=True)

    async def _list(self, team: TeamRef, url: URL) -> list[dict[str, Any]]:
        """Every page of a collection, following `@odata.nextLink`."""
        items: list[dict[str, Any]] = []
        next_url: URL | None = url
        while next_url is not None:
            page = await self._call("GET", team, next_url)
            items.extend(page.get("value", []))
            link = page.get("@odata.nextLink")
            next_url = URL(link, encoded=True) if link else None
        return items

    async def _call(self, method: str, team: TeamRef, url: URL, body: Any = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self._tokens.token(team.tenant_id)}"}
        try:
            async with self._session.request(
                method, url, json=body, headers=headers, timeout=REQUEST_TIMEOUT
            ) as response:
                if response.status >= 400:
                    raise await _error(response)
                if response.status == 204 or response.content_length == 0:
                    return {}
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise GraphError(f"Microsoft Graph did not answer ({type(error).__name__})", status=None) from error


def _segment(value: str) -> str:
    """One path segment: Graph's ids are base64, whose '/' and '+' must be escaped."""
    return quote(value, safe="")


def _member(item: dict[str, Any]) -> TagMember:
    return TagMember(id=item["id"], user_id=item.get("userId", ""), display_name=item.get("displayName"))


async def _error(response: aiohttp.ClientResponse) -> GraphError:
    """Graph's error body is `{"error": {"code": ..., "message": ...}}`; anything else
    (a proxy's HTML page) still gives the status."""
    try:
        detail = (await response.json(content_type=None)).get("error") or {}
    except (ValueError, aiohttp.ContentTypeError, AttributeError):
        detail = {}
    message = str(detail.get("message") or response.reason or "no reason given")[:200]
    return GraphError(
        message, status=response.status, code=detail.get("code"), retry_after=_retry_after(response.headers)
    )


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
