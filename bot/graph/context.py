"""The Teams tag sync as a resource of the application: its HTTP session, its tokens,
and its timer source, poked whenever this process commits a change that can move who is
on duty or which teams a rotation has (a swap, cover, time off, a member, a binding), so
the tag follows within moments rather than at the next handoff."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.appkeys import CLOCK, GRAPH_TAGS, SETTINGS, STORE, TIMERS
from bot.feed.commits import Commit, watch
from bot.graph.client import GraphClient
from bot.graph.sync import TagSync
from bot.graph.token import GraphTokens, http_client_for, scope_for
from bot.settings import Settings
from bot.storage.outbox import TagStateStore, engine_of
from bot.storage.teams import TeamsStore
from bot.timers.pokes import Pokes

logger = logging.getLogger(__name__)

#: Writes to these tables can change a tag's members, its team or its name.
TAG_TABLES = frozenset({"rotations", "rotation_members", "overrides", "time_off", "teams_channel_bindings",
                        "graph_tag_names"})


def why_no_tags(settings: Settings) -> str | None:
    """Why the tag sync cannot run with these settings, or None when it can."""
    if not settings.graph_tags:
        return "ROTA_GRAPH_TAGS is off"
    if settings.app_type == "UserAssignedMSI":
        return "a managed identity bot has no client secret for Graph"
    if not settings.app_id or not settings.app_password:
        return "Graph needs the bot's MicrosoftAppId and MicrosoftAppPassword"
    return None


def ssl_for(ca_bundle: str) -> ssl.SSLContext | bool:
    """The system's trust store, or the configured CA bundle."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True


async def graph_context(app: web.Application) -> AsyncIterator[None]:
    """Started after the timers. `app[GRAPH_TAGS]` is None when tags are not kept."""
    settings = app[SETTINGS]
    reason = why_no_tags(settings)
    if reason is not None:
        logger.info("Teams tags are not kept in sync: %s", reason)
        app[GRAPH_TAGS] = None
        yield
        return
    tokens = GraphTokens(
        client_id=settings.app_id,
        client_secret=settings.app_password,
        login_url=settings.graph_login_url,
        scope=scope_for(settings.graph_url),
        http_client=http_client_for(settings.graph_ca_bundle),
    )
    engine = engine_of(app[STORE])
    connector = aiohttp.TCPConnector(ssl=ssl_for(settings.graph_ca_bundle))
    async with aiohttp.ClientSession(connector=connector) as session:
        sync = TagSync(
            app[STORE],
            TeamsStore(engine, clock=app[CLOCK]),
            TagStateStore(engine),
            GraphClient(session, settings.graph_url, tokens),
            clock=app[CLOCK],
            default_tenant=settings.app_tenant_id,
        )
        app[GRAPH_TAGS] = sync
        timers = app[TIMERS]
        await timers.register(sync)
        pokes = Pokes()

        def committed(_commit: Commit) -> None:
            pokes.start(timers.poke(sync.name))

        stop_watching = watch(engine, TAG_TABLES, committed)
        try:
            yield
        finally:
            stop_watching()
            await pokes.close()
            timers.unregister(sync.name)
