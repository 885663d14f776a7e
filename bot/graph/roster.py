"""Who owns a team, asked of Microsoft Graph (the Bot Connector cannot tell owners apart).

`GET /teams/{team-id}/members` lists the team's `conversationMember`s; an owner's `roles`
holds "owner". It needs the application permission `TeamMember.Read.All` (or the team's
resource-specific consent `TeamMember.Read.Group`). The answer is kept a few minutes per
team, since one change in chat asks it once and team ownership rarely moves. A failure
only means "not an owner": the rotation's own owners can still make the change, and the
refusal says who can. It is logged once until Graph answers again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp

from bot.conversations import ChatUser, ConversationRecord
from bot.graph.client import GraphClient, GraphError, TeamRef
from bot.graph.context import ssl_for, why_no_tags
from bot.graph.token import GraphTokens, http_client_for, scope_for
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: How long a team's owners are trusted before Graph is asked again.
OWNERS_TTL = timedelta(minutes=5)
PERMISSION = "TeamMember.Read.All"
OWNER_ROLE = "owner"


@dataclass(frozen=True)
class TeamOwners:
    """The owners of one team: Entra object ids and emails (lower-cased)."""

    user_ids: frozenset[str]
    emails: frozenset[str]

    def include(self, user: ChatUser) -> bool:
        if user.aad_object_id and user.aad_object_id in self.user_ids:
            return True
        return bool(user.email) and user.email.casefold() in self.emails


class MembersGraph(Protocol):
    """What the roster needs from Graph (`RosterClient` in service)."""

    async def team_owners(self, team: TeamRef) -> TeamOwners: ...


class RosterClient(GraphClient):
    """The Graph client, with the team's members besides its tags."""

    async def team_owners(self, team: TeamRef) -> TeamOwners:
        url = self._base.joinpath("teams", team.team_id, "members")
        members = await self._list(team, url)
        owners = [m for m in members if OWNER_ROLE in (m.get("roles") or [])]
        return TeamOwners(
            user_ids=frozenset(str(m["userId"]) for m in owners if m.get("userId")),
            emails=frozenset(str(m["email"]).casefold() for m in owners if m.get("email")),
        )


@dataclass(frozen=True)
class _Cached:
    owners: TeamOwners
    fetched_at: datetime


class GraphTeamRoster:
    """`bot.chat.ports.TeamRoster` answered by Graph, cached for `ttl` per team."""

    def __init__(
        self,
        graph: MembersGraph,
        *,
        clock: Callable[[], datetime],
        default_tenant: str = "",
        ttl: timedelta = OWNERS_TTL,
    ) -> None:
        self._graph = graph
        self._clock = clock
        self._default_tenant = default_tenant
        self._ttl = ttl
        self._cache: dict[str, _Cached] = {}
        self._failing: set[str] = set()

    async def is_team_owner(self, conversation: ConversationRecord, user: ChatUser) -> bool:
        team = self._team_of(conversation)
        if team is None:
            return False
        owners = await self._owners(team)
        return owners is not None and owners.include(user)

    def _team_of(self, conversation: ConversationRecord) -> TeamRef | None:
        tenant = conversation.tenant_id or self._default_tenant
        if not conversation.team_aad_group_id or not tenant:
            return None
        return TeamRef(conversation.team_aad_group_id, tenant)

    async def _owners(self, team: TeamRef) -> TeamOwners | None:
        """The team's owners, from the cache while fresh; None when Graph cannot say."""
        now = self._clock()
        cached = self._cache.get(team.team_id)
        if cached is not None and now - cached.fetched_at < self._ttl:
            return cached.owners
        try:
            owners = await self._graph.team_owners(team)
        except GraphError as error:
            self._failed(team, error)
            return None
        self._failing.discard(team.team_id)
        self._cache[team.team_id] = _Cached(owners, now)
        return owners

    def _failed(self, team: TeamRef, error: GraphError) -> None:
        if team.team_id in self._failing:
            return
        self._failing.add(team.team_id)
        logger.warning(
            "cannot tell the owners of team %s, so only rotation owners may change its rotations: %s",
            team.team_id,
            why_not_read(error),
        )


def why_not_read(error: GraphError) -> str:
    """Why the team's members could not be read, for the operator's log."""
    if error.status == 403:
        return (
            f"Rota lacks the Microsoft Graph permission {PERMISSION} "
            "(or the team's consent to TeamMember.Read.Group); an administrator must grant it"
        )
    return error.reason


@asynccontextmanager
async def graph_roster(settings: Settings, clock: Callable[[], datetime]) -> AsyncIterator[GraphTeamRoster | None]:
    """The roster with its own HTTP session while open; None without Graph credentials
    (local mode), where only a rotation's owners may change it."""
    if why_no_tags(replace(settings, graph_tags=True)) is not None:
        yield None
        return
    tokens = GraphTokens(
        client_id=settings.app_id,
        client_secret=settings.app_password,
        login_url=settings.graph_login_url,
        scope=scope_for(settings.graph_url),
        http_client=http_client_for(settings.graph_ca_bundle),
    )
    connector = aiohttp.TCPConnector(ssl=ssl_for(settings.graph_ca_bundle))
    async with aiohttp.ClientSession(connector=connector) as session:
        client = RosterClient(session, settings.graph_url, tokens)
        yield GraphTeamRoster(client, clock=clock, default_tenant=settings.app_tenant_id)
