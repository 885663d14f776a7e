"""Microsoft Entra ID user tokens: is this token one of our users', and who are they.

Teams gives a tab a token for Rota's own API (`authentication.getAuthToken()`), and the
tray can get one with msal; both arrive as `Authorization: Bearer <JWT>`. A token is
accepted when:

* it is signed (RS256) with a key the tenant publishes: the OpenID metadata names the
  `jwks_uri`; the keys are cached, refreshed daily, and fetched again when a token names
  an unknown key id — at most once per `REFETCH_INTERVAL`, so made-up key ids cannot make
  the service fetch on every request;
* its issuer is Entra's for the token's own tenant: `https://login.microsoftonline.com/{tid}/v2.0`
  (v2 tokens) or `https://sts.windows.net/{tid}/` (v1 tokens), and that tenant is allowed
  (one tenant for a single-tenant app, any for a multi-tenant one);
* its audience is the app: its id (v2) or its Application ID URI `api://{host}/{appId}` (v1);
* it is within its lifetime, give or take a small leeway, by the service's clock;
* it is a person's (delegated, with `scp`), not an application's.

Keys are fetched with aiohttp, never blocking the event loop. Nothing here logs a token.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from aiohttp import web

from bot.appkeys import CLOCK, ENTRA, SETTINGS
from shared.rotation import EMAIL_PATTERN, normalize_email

log = logging.getLogger(__name__)

COMMON_METADATA_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
V2_ISSUER = "https://login.microsoftonline.com/{tid}/v2.0"
V1_ISSUER = "https://sts.windows.net/{tid}/"
ALGORITHMS = ("RS256",)
DEFAULT_LEEWAY = timedelta(minutes=2)
#: An unknown key id fetches the keys again, but not more often than this.
REFETCH_INTERVAL = timedelta(minutes=5)
#: Keys are fetched again this long after the last fetch, even when every key id is known.
KEYS_MAX_AGE = timedelta(hours=24)
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)
#: Claims that may carry the person's sign-in name, most telling first.
NAME_CLAIMS = ("upn", "preferred_username", "email", "unique_name")
#: Guests' user principal names (`alice_contoso.com#EXT#@fabrikam...`) are not their email.
GUEST_MARK = "#ext#"
MAX_EMAIL = 254

Clock = Callable[[], datetime]


class EntraTokenError(Exception):
    """The token is refused; `reason` says why, in words fit for a 401 (never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EntraUnavailable(Exception):
    """The tenant's signing keys cannot be fetched now: try again later (503, not 401)."""


@dataclass(frozen=True)
class EntraUser:
    """A signed-in person. `email` is their sign-in name (UPN) when it is an address, which
    is how rotations name people; None for a guest or an account without one."""

    object_id: str
    tenant_id: str
    email: str | None
    name: str | None


@dataclass(frozen=True)
class EntraConfig:
    """What a token must be for: `audiences` (see `app_audiences`), and `tenants` it may
    come from (empty: any tenant, as for a multi-tenant app)."""

    audiences: frozenset[str]
    tenants: frozenset[str] = frozenset()
    metadata_url: str = COMMON_METADATA_URL
    leeway: timedelta = DEFAULT_LEEWAY


def app_audiences(app_id: str, host: str | None) -> frozenset[str]:
    """The app's id (v2 tokens) and, with the public host, its ID URI `api://{host}/{appId}` (v1)."""
    audiences = {app_id}
    if host:
        audiences.add(f"api://{host}/{app_id}")
    return frozenset(audiences)


class EntraValidator:
    """Checks Entra user tokens against one app's audiences; one per service, keys shared."""

    def __init__(self, session: aiohttp.ClientSession, config: EntraConfig, *, clock: Clock) -> None:
        require_safe_url(config.metadata_url)
        self._config = config
        self._clock = clock
        self._keys = SigningKeys(session, config.metadata_url, clock)

    async def validate(self, token: str) -> EntraUser:
        """The person the token is for. Raises EntraTokenError (refused) or
        EntraUnavailable (the keys cannot be fetched now)."""
        header = _header(token)
        key = await self._keys.key(header["kid"])
        claims = self._decode(token, key)
        check_lifetime(claims, self._clock(), self._config.leeway)
        check_issuer(claims, self._config.tenants)
        if "scp" not in claims:
            raise EntraTokenError("the token is an application's, not a person's")
        return user_of(claims)

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        """Signature, algorithm and audience; lifetime and issuer are checked after, by our rules."""
        options = {
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
            "verify_iss": False,
            "require": ["exp", "iss", "aud", "tid", "oid"],
        }
        try:
            return jwt.decode(token, key.key, algorithms=list(ALGORITHMS), audience=sorted(self._config.audiences),
                              options=options)  # type: ignore[arg-type]  # fmt: skip
        except jwt.InvalidSignatureError as exc:
            raise EntraTokenError("the token's signature does not match the tenant's key") from exc
        except jwt.InvalidAudienceError as exc:
            raise EntraTokenError("the token is for another application") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise EntraTokenError(f"the token has no {exc.claim!r} claim") from exc
        except jwt.PyJWTError as exc:
            raise EntraTokenError("the token is malformed") from exc


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise EntraTokenError("the token is not a JWT") from exc
    if header.get("alg") not in ALGORITHMS:
        raise EntraTokenError(f"the token is signed with {header.get('alg')!r}; only RS256 is accepted")
    if not isinstance(header.get("kid"), str):
        raise EntraTokenError("the token names no signing key")
    return header


def check_lifetime(claims: Mapping[str, Any], now: datetime, leeway: timedelta) -> None:
    """Not expired and already valid, within `leeway` either way."""
    expires = _instant(claims, "exp")
    if now - leeway >= expires:
        raise EntraTokenError("the token has expired")
    if "nbf" in claims and now + leeway < _instant(claims, "nbf"):
        raise EntraTokenError("the token is not valid yet")


def _instant(claims: Mapping[str, Any], name: str) -> datetime:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EntraTokenError(f"the token's {name!r} claim is not a time")
    return datetime.fromtimestamp(value, timezone.utc)


def check_issuer(claims: Mapping[str, Any], tenants: frozenset[str]) -> None:
    """Issued by Entra for the token's own tenant, and that tenant is one we serve."""
    tenant = claims["tid"]
    if claims["iss"] not in {V2_ISSUER.format(tid=tenant), V1_ISSUER.format(tid=tenant)}:
        raise EntraTokenError("the token's issuer is not Entra ID for its tenant")
    if tenants and tenant not in tenants:
        raise EntraTokenError("the token's tenant is not one this service serves")


def user_of(claims: Mapping[str, Any]) -> EntraUser:
    return EntraUser(
        object_id=str(claims["oid"]),
        tenant_id=str(claims["tid"]),
        email=sign_in_email(claims),
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
    )


def sign_in_email(claims: Mapping[str, Any]) -> str | None:
    """The first claim that holds a plain address (not a guest's mangled UPN), lower-cased."""
    for name in NAME_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and len(value) <= MAX_EMAIL and GUEST_MARK not in value.lower() \
                and EMAIL_PATTERN.fullmatch(value):
            return normalize_email(value)
    return None


@dataclass
class SigningKeys:
    """The tenant's published signing keys by key id, fetched when first needed."""

    session: aiohttp.ClientSession
    metadata_url: str
    clock: Clock
    _keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    _fetched: datetime | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def key(self, kid: str) -> jwt.PyJWK:
        async with self._lock:
            if self._due(KEYS_MAX_AGE) or (kid not in self._keys and self._due(REFETCH_INTERVAL)):
                await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise EntraTokenError("the token is signed with a key the tenant does not publish") from None

    def _due(self, age: timedelta) -> bool:
        return self._fetched is None or self.clock() - self._fetched >= age

    async def _refresh(self) -> None:
        metadata = await self._fetch_json(self.metadata_url)
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise EntraUnavailable("the OpenID metadata names no jwks_uri")
        require_safe_url(jwks_uri)
        self._keys = signing_keys(await self._fetch_json(jwks_uri))
        self._fetched = self.clock()
        log.info("fetched %d Entra signing keys", len(self._keys))

    async def _fetch_json(self, url: str) -> dict[str, Any]:
        try:
            async with self.session.get(url, timeout=FETCH_TIMEOUT) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise EntraUnavailable(f"cannot fetch {url}: {exc}") from exc
        if not isinstance(body, dict):
            raise EntraUnavailable(f"{url} did not answer a JSON object")
        return body


def signing_keys(jwks: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """The usable RSA signing keys of a JWKS document, by key id; others are skipped."""
    keys: dict[str, jwt.PyJWK] = {}
    for entry in jwks.get("keys") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str) or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError:
            log.warning("skipped an unusable signing key %r", entry["kid"])
    return keys


def require_safe_url(url: str) -> None:
    """Keys are fetched over HTTPS; plain HTTP only on loopback (a test's stand-in tenant)."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return
    raise ValueError(f"Entra metadata and keys must be fetched over https, not from {url!r}")


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


async def entra_context(app: web.Application) -> AsyncIterator[None]:
    """The cleanup context: with an app id, a validator for its users' tokens (and the HTTP
    session its keys are fetched with); without one (local mode), nobody signs in with Entra."""
    settings = app[SETTINGS]
    if settings.local_mode:
        yield
        return
    public_host = urlsplit(settings.public_url).netloc if settings.public_url else None
    config = EntraConfig(
        audiences=app_audiences(settings.app_id, public_host),
        tenants=frozenset(t for t in [settings.app_tenant_id] if t),
        metadata_url=settings.entra_metadata_url or COMMON_METADATA_URL,
    )
    async with aiohttp.ClientSession() as session:
        app[ENTRA] = EntraValidator(session, config, clock=app[CLOCK])
        yield
