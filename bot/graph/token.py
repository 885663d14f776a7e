"""App-only tokens for Microsoft Graph: msal's client-credentials flow, off the event loop.

msal is synchronous (it uses `requests`), and even building its application fetches the
tenant's OpenID metadata, so every msal call runs in the loop's default executor. One
msal application per tenant (Graph tokens are issued by the tenant that owns the team),
all sharing one token cache: a token is fetched again only when it nears expiry.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import msal
import requests

from bot.graph.client import SIGN_IN, GraphError


def scope_for(graph_url: str) -> str:
    """`https://graph.microsoft.com/v1.0` → `https://graph.microsoft.com/.default`."""
    scheme, _, rest = graph_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/.default"


def http_client_for(ca_bundle: str | None) -> requests.Session | None:
    """A session that trusts `ca_bundle` for the login endpoint, or None for msal's own.

    `requests` lets REQUESTS_CA_BUNDLE in the environment win over a session's `verify`;
    a session that ignores the environment is the only way to make the setting hold."""
    if not ca_bundle:
        return None
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle
    return session


class GraphTokens:
    """Bearer tokens for Graph, per tenant. Never logs or returns the client secret."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        login_url: str,
        scope: str,
        http_client: requests.Session | None = None,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._login_url = login_url.rstrip("/")
        self._scopes = [scope]
        self._http_client = http_client
        self._cache = msal.TokenCache()
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}
        self._building = asyncio.Lock()

    async def token(self, tenant: str) -> str:
        """A valid access token for Graph in `tenant`. Raises GraphError (retryable)."""
        app = await self._app(tenant)
        result = await _off_loop(app.acquire_token_for_client, scopes=self._scopes)
        if "access_token" not in result:
            raise GraphError(
                str(result.get("error") or "no token and no reason given"),
                status=None,
                code=SIGN_IN,
            )
        return str(result["access_token"])

    async def _app(self, tenant: str) -> msal.ConfidentialClientApplication:
        async with self._building:
            if tenant not in self._apps:
                self._apps[tenant] = await _off_loop(self._build, tenant)
            return self._apps[tenant]

    def _build(self, tenant: str) -> msal.ConfidentialClientApplication:
        """Runs in the executor: msal reads the tenant's metadata here."""
        try:
            return msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_secret,
                authority=f"{self._login_url}/{tenant}",
                token_cache=self._cache,
                http_client=self._http_client,
                instance_discovery=False,
            )
        except (ValueError, requests.RequestException) as error:
            raise GraphError(
                f"the login endpoint for tenant {tenant} did not answer as expected ({type(error).__name__})",
                status=None,
                code=SIGN_IN,
            ) from error


async def _off_loop(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking `function` in the default executor; network errors become GraphError."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, functools.partial(function, *args, **kwargs))
    except requests.RequestException as error:
        raise GraphError(f"the login endpoint did not answer ({type(error).__name__})", status=None, code=SIGN_IN) from error
