"""Bearer tokens: who is calling, and may they change things.

`Authorization: Bearer rota_...` on every API call; calendar feeds also take `?token=`
because calendar apps cannot send headers. A read-only token may read everything and
change nothing; a tray's personal token opens only its owner's feed (`bot.feed`), and is
refused here. The secret itself is never logged, nor echoed in an error.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from bot.api.errors import ApiError
from bot.appkeys import PERSONAL_TOKENS, STORE, TOKEN
from bot.storage import Token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QUERY_TOKEN = "token"
REALM = 'Bearer realm="rota"'


def is_write(method: str) -> bool:
    return method.upper() not in SAFE_METHODS


async def authorize(request: web.Request, *, query_token: bool) -> Token:
    """The token this request carries, checked against the store and the method.
    Raises 401 without a valid token, 403 for a change asked with a read-only one."""
    secret = bearer_secret(request) or (request.query.get(QUERY_TOKEN) if query_token else None)
    if not secret:
        raise ApiError(401, "unauthorized", "send an API token: Authorization: Bearer rota_...", headers={
            hdrs.WWW_AUTHENTICATE: REALM,
        })
    token = await request.app[STORE].authenticate(secret)
    if token is None:
        await refuse_personal_token(request, secret)
        raise ApiError(401, "unauthorized", "the API token is unknown or revoked", headers={
            hdrs.WWW_AUTHENTICATE: f'{REALM}, error="invalid_token"',
        })
    if is_write(request.method) and not token.admin:
        raise ApiError(403, "forbidden", f"token {token.name!r} is read-only; changes need an admin token")
    request[TOKEN] = token
    return token


async def refuse_personal_token(request: web.Request, secret: str) -> None:
    """A tray's personal token is valid, but only for its owner's feed: 403 here, not 401."""
    personal = request.app.get(PERSONAL_TOKENS)
    if personal is not None and await personal.owner(secret) is not None:
        raise ApiError(403, "forbidden", "a personal token reads only its owner's feed, under /api/v1/me/")


def bearer_secret(request: web.Request) -> str | None:
    scheme, _, secret = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def actor(request: web.Request) -> str:
    """How the audit log names whoever made a change through the API."""
    return f"token:{request[TOKEN].name}"
