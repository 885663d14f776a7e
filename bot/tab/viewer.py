"""Who is looking at the tab: an API token's holder, or a person signed in through Teams.

Both arrive as `Authorization: Bearer ...`. Rota's API tokens start with `rota_`; anything
shaped like a JWT is taken for a Teams single sign-on token and checked with Entra ID.
A token's holder may change every rotation if the token is an admin token; a signed-in
person may change the rotations they own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import hdrs, web

from bot.api.auth import REALM, actor, authorize, bearer_secret
from bot.api.errors import ApiError
from bot.appkeys import ENTRA
from bot.auth.entra import EntraTokenError, EntraUnavailable, EntraUser
from bot.storage.store import TOKEN_PREFIX

#: How the audit log names a change made by someone signed in through Teams (as chat does).
TEAMS_ACTOR = "teams:"


class Via(StrEnum):
    TOKEN = "token"
    TEAMS = "teams"


@dataclass(frozen=True)
class Viewer:
    """`email` is whose shifts the page highlights (None for a token: the page asks)."""

    name: str
    email: str | None
    via: Via
    admin: bool
    actor: str

    def may_change(self, owners: Collection[str]) -> bool:
        return self.admin or (self.email is not None and self.email in owners)


async def viewer_of(request: web.Request) -> Viewer:
    """The viewer this request is from. Raises 401 without a credential that checks out,
    403 for a change asked with a read-only token, 503 when Entra's keys are unreachable."""
    secret = bearer_secret(request)
    if secret is not None and is_jwt(secret):
        return _signed_in(await _entra_user(request, secret))
    token = await authorize(request, query_token=False)
    return Viewer(name=token.name, email=None, via=Via.TOKEN, admin=token.admin, actor=actor(request))


def is_jwt(secret: str) -> bool:
    return not secret.startswith(TOKEN_PREFIX) and secret.count(".") == 2


async def _entra_user(request: web.Request, token: str) -> EntraUser:
    validator = request.app.get(ENTRA)
    if validator is None:
        raise _unauthorized("Teams sign-in is not set up on this service (no MicrosoftAppId); use an API token")
    try:
        return await validator.validate(token)
    except EntraTokenError as exc:
        raise _unauthorized(f"the Teams sign-in token is refused: {exc.reason}") from exc
    except EntraUnavailable as exc:
        raise ApiError(503, "unavailable", "cannot check the Teams sign-in token now; try again") from exc


def _signed_in(user: EntraUser) -> Viewer:
    return Viewer(
        name=user.name or user.email or "you",
        email=user.email,
        via=Via.TEAMS,
        admin=False,
        actor=f"{TEAMS_ACTOR}{user.email or user.object_id}",
    )


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={hdrs.WWW_AUTHENTICATE: f'{REALM}, error="invalid_token"'})
