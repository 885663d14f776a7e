"""Who the bot trusts, and how it proves who it is: the SDK's authentication from `Settings`.

Incoming requests are checked by botbuilder (`ConfigurationBotFrameworkAuthentication`):
signature against the published keys, endorsements, issuer, audience, expiry, and the
`serviceurl` claim. The SDK raises many kinds of errors for a bad token; `refusal_reason`
says in words which one it was, for the 401 answer.

Outgoing tokens (client credentials from Entra) come from `AppCredentialsFactory`: one
msal application per audience, kept for the life of the service so its token cache is
reused, and fed off the event loop so a token request never blocks the service.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msal import ConfidentialClientApplication

from bot.settings import Settings

PUBLIC_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
PUBLIC_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
PUBLIC_LOGIN_PREFIX = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
MULTI_TENANT_AUTHORITY = AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
TOKEN_TIMEOUT = 15.0


class TokenUnavailable(Exception):
    """Entra could not be reached for the bot's own token (worth retrying later)."""


@dataclass(frozen=True)
class SdkConfiguration:
    """The attribute names `ConfigurationBotFrameworkAuthentication` reads, filled in full so
    that every endpoint (public cloud, sovereign cloud or a test's loopback stand-in) is
    explicit in one place."""

    APP_ID: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    APP_PASSWORD: str = field(default="", repr=False)
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    OAUTH_URL: str = AuthenticationConstants.OAUTH_URL
    CALLER_ID: str = CallerIdConstants.public_azure_channel
    VALIDATE_AUTHORITY: bool = True


def login_url(settings: Settings) -> str:
    """Where the bot asks Entra for its tokens: the configured URL, else the bot's tenant
    (single-tenant apps) or the Bot Framework's own tenant."""
    if settings.bot_login_url:
        return settings.bot_login_url.rstrip("/")
    tenant = settings.app_tenant_id if settings.app_type == "SingleTenant" else MULTI_TENANT_AUTHORITY
    return f"{PUBLIC_LOGIN_PREFIX}{tenant}"


def sdk_configuration(settings: Settings) -> SdkConfiguration:
    return SdkConfiguration(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=login_url(settings),
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.bot_token_issuer or PUBLIC_ISSUER,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.bot_openid_metadata_url or PUBLIC_METADATA_URL,
    )


def bot_authentication(settings: Settings) -> BotFrameworkAuthentication:
    """The SDK's authentication for this service. Managed identities keep the SDK's own
    credentials; passwords use `AppCredentialsFactory`."""
    if settings.app_id and settings.app_type != "UserAssignedMSI" and not settings.app_password:
        raise ValueError("MicrosoftAppPassword is required when MicrosoftAppId is set")
    if settings.app_type == "SingleTenant" and not settings.app_tenant_id:
        raise ValueError("MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant")
    factory = None if settings.app_type == "UserAssignedMSI" else AppCredentialsFactory(settings)
    return ConfigurationBotFrameworkAuthentication(sdk_configuration(settings), credentials_factory=factory)


class AppCredentialsFactory(ServiceClientCredentialsFactory):
    """Client-credential tokens for the bot's own app id, one cached msal app per audience."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._credentials: dict[tuple[str, str], _AppCredentials] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(app_id) and app_id == self._settings.app_id

    async def is_authentication_disabled(self) -> bool:
        return self._settings.local_mode

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> MicrosoftAppCredentials:
        if self._settings.local_mode:
            return MicrosoftAppCredentials.empty()
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("this service only holds credentials for its own app id")
        key = (oauth_scope, login_endpoint)
        credentials = self._credentials.get(key)
        if credentials is None:
            credentials = _AppCredentials(self._settings, oauth_scope, login_endpoint)
            self._credentials[key] = credentials
        await credentials.refresh()
        return credentials


class _AppCredentials(MicrosoftAppCredentials):
    """MicrosoftAppCredentials whose msal app trusts the configured authority and CA bundle.
    The SDK reads the token synchronously while sending; `refresh` fills msal's cache in a
    thread first, so that read is a cache hit."""

    def __init__(self, settings: Settings, oauth_scope: str, authority: str) -> None:
        super().__init__(settings.app_id, settings.app_password, settings.app_tenant_id or None, oauth_scope)
        self.oauth_endpoint = authority
        self._ca_bundle = settings.bot_login_ca_bundle
        self._lock = threading.Lock()

    async def refresh(self) -> None:
        try:
            await asyncio.to_thread(self.get_access_token)
        except (requests.RequestException, ValueError) as exc:
            raise TokenUnavailable(f"cannot get a token from {self.oauth_endpoint}: {exc}") from exc

    def get_access_token(self, force_refresh: bool = False) -> str:
        with self._lock:
            if self.app is None:
                self.app = ConfidentialClientApplication(
                    client_id=self.microsoft_app_id,
                    client_credential=self.microsoft_app_password,
                    authority=self.oauth_endpoint,
                    instance_discovery=False,
                    http_client=_pinned_session(self._ca_bundle) if self._ca_bundle else None,
                    timeout=TOKEN_TIMEOUT,
                )
        return super().get_access_token(force_refresh)


class _PinnedSession(requests.Session):
    """A session whose CA bundle wins over REQUESTS_CA_BUNDLE (requests lets the environment
    override a session's `verify`)."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> dict:
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        merged["verify"] = self.verify
        return merged


def _pinned_session(ca_bundle: str) -> requests.Session:
    session = _PinnedSession()
    session.verify = ca_bundle
    return session


# --- why a request was refused ------------------------------------------------------------


def header_problem(header: str | None) -> str | None:
    """What is wrong with the Authorization header's shape, before any token check."""
    if not header:
        return "no Authorization header: the Bot Framework sends a bearer token with every request"
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token.strip() or " " in token.strip():
        return "the Authorization header is not 'Bearer <token>'"
    return None


def refusal_reason(error: Exception) -> str:
    """Words for a token the SDK refused (by the error's type, never its message text)."""
    match error:
        case jwt.ExpiredSignatureError():
            return "the token has expired"
        case jwt.ImmatureSignatureError():
            return "the token is not valid yet"
        case jwt.InvalidSignatureError():
            return "the token's signature does not verify with the Bot Framework's published keys"
        case jwt.DecodeError():
            return "the token is malformed"
        case jwt.PyJWTError():
            return "the token is invalid"
        case LookupError():
            return "the token is signed with a key the Bot Framework does not publish"
        case PermissionError():
            return f"the token is not for this bot: {error}"
    return "the token could not be verified"
