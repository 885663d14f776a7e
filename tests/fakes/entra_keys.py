"""A stand-in Entra ID tenant for user tokens: RSA signing keys, the OpenID metadata and the
JWKS they are published in (over loopback HTTP), and tokens minted as Entra mints them.

Shapes follow https://learn.microsoft.com/entra/identity-platform/access-tokens:
v1 tokens (what Teams single sign-on gives a tab by default) have `iss`
`https://sts.windows.net/{tid}/`, `aud` the Application ID URI `api://{host}/{appId}`, and
`upn`; v2 tokens have `iss` `https://login.microsoftonline.com/{tid}/v2.0`, `aud` the app id,
and `preferred_username`. Both carry `oid`, `tid`, `scp`, `name`, `exp`, `nbf`, `iat`.
The JWKS entries carry `kty`, `use`, `kid`, `n`, `e` (and Entra's `x5t`), as published at
`https://login.microsoftonline.com/common/discovery/v2.0/keys`.

`rotate()` publishes a new key (Entra rolls keys over this way); `unpublished_key()` is a key
of the right shape nobody published; `jwks_fetches` counts how often the keys were read.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TENANT = "5b7c2d1e-8f3a-4c6b-9d0e-1a2b3c4d5e6f"
APP_ID = "3a9e6c4b-2d1f-4e8a-b7c6-5d4e3f2a1b0c"
HOST = "rota.example.com"
APP_ID_URI = f"api://{HOST}/{APP_ID}"
SCOPE = "access_as_user"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def new(cls) -> SigningKey:
        return cls(uuid.uuid4().hex[:27], rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        thumbprint = base64.urlsafe_b64encode(self.kid.encode()).decode().rstrip("=")
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": thumbprint, "n": public["n"], "e": public["e"]}


@dataclass(frozen=True)
class Person:
    upn: str = "alice@example.com"
    name: str = "Alice Martin"
    object_id: str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


ALICE = Person()


@dataclass
class FakeTenant:
    """Serve with `await tenant.start()`; `metadata_url` is what the validator is given."""

    tenant_id: str = TENANT
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.new()])
    jwks_fetches: int = 0
    _server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/{tenant}/discovery/v2.0/keys", self._jwks)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def metadata_url(self) -> str:
        return self._url(f"/{self.tenant_id}/v2.0/.well-known/openid-configuration")

    def _url(self, path: str) -> str:
        assert self._server is not None, "start the tenant first"
        return str(self._server.make_url(path))

    async def _metadata(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response({
            "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
            "authorization_endpoint": f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            "jwks_uri": self._url(f"/{tenant}/discovery/v2.0/keys"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
        })

    async def _jwks(self, _request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        return web.json_response({"keys": [key.jwk() for key in self.keys]})

    def rotate(self) -> SigningKey:
        """Publish a new signing key beside the old ones; tokens signed with it follow."""
        key = SigningKey.new()
        self.keys.append(key)
        return key

    @staticmethod
    def unpublished_key() -> SigningKey:
        return SigningKey.new()

    def mint(
        self,
        now: datetime,
        *,
        person: Person = ALICE,
        version: str = "1.0",
        key: SigningKey | None = None,
        lifetime: timedelta = timedelta(minutes=75),
        **claims: Any,
    ) -> str:
        """A token for `person` valid from `now`; `claims` override or (with None) remove any."""
        issued = int(now.astimezone(timezone.utc).timestamp())
        body: dict[str, Any] = {
            "aud": APP_ID_URI if version == "1.0" else APP_ID,
            "iss": (f"https://sts.windows.net/{self.tenant_id}/" if version == "1.0"
                    else f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"),  # fmt: skip
            "iat": issued,
            "nbf": issued,
            "exp": issued + int(lifetime.total_seconds()),
            "name": person.name,
            "oid": person.object_id,
            "tid": self.tenant_id,
            "scp": SCOPE,
            "sub": uuid.uuid5(uuid.NAMESPACE_URL, person.upn).hex,
            "ver": version,
            "upn" if version == "1.0" else "preferred_username": person.upn,
        }
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        signer = key or self.keys[-1]
        return jwt.encode(body, signer.private, algorithm="RS256", headers={"kid": signer.kid, "typ": "JWT"})
