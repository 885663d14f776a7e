"""Whose feed a request is for: the owner of a personal token, or a person signed in with
Microsoft. An API token is nobody's own, so it opens no feed."""

from __future__ import annotations

from aiohttp import hdrs, web

from bot.api.auth import REALM, bearer_secret
from bot.api.errors import ApiError
from bot.appkeys import ENTRA, PERSONAL_TOKENS, STORE
from bot.auth.entra import EntraTokenError, EntraUnavailable
from bot.tab.viewer import is_jwt


async def person_of(request: web.Request) -> str:
    """The caller's email. Raises 401 without a credential that checks out, 403 for an API
    token or an account without an email, 503 when Entra's keys cannot be fetched now."""
    secret = bearer_secret(request)
    if secret is None:
        raise _unauthorized("send your personal token or Microsoft sign-in token: Authorization: Bearer ...")
    if is_jwt(secret):
        return await _signed_in(request, secret)
    email = await request.app[PERSONAL_TOKENS].owner(secret)
    if email is not None:
        return email
    if await request.app[STORE].authenticate(secret) is not None:
        raise ApiError(403, "forbidden", "an API token is nobody's own; your feed takes the token the tray "
                                         "got by pairing, or your Microsoft sign-in")
    raise _unauthorized("the token is unknown or revoked")


async def _signed_in(request: web.Request, token: str) -> str:
    validator = request.app.get(ENTRA)
    if validator is None:
        raise _unauthorized("this service does not sign people in with Microsoft (local mode); pair the tray instead")
    try:
        user = await validator.validate(token)
    except EntraTokenError as exc:
        raise _unauthorized(f"the Microsoft sign-in token is refused: {exc.reason}") from exc
    except EntraUnavailable as exc:
        raise ApiError(503, "unavailable", "cannot check the Microsoft sign-in token now; try again") from exc
    if user.email is None:
        raise ApiError(403, "forbidden", "your Microsoft account has no email address that rotations could name")
    return user.email


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={hdrs.WWW_AUTHENTICATE: f'{REALM}, error="invalid_token"'})
