"""Microsoft Entra ID's token side on loopback, as msal's client-credentials flow uses it.

Served over HTTPS (msal refuses a plain-http authority) with a certificate signed by a
throwaway CA made here (`LoopbackCertificate`); clients are told to trust `ca_path`:
msal through a `requests` session that ignores REQUESTS_CA_BUNDLE (which would otherwise
win over its `verify`), aiohttp through `client_context()`.

Endpoints (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
- `GET /{tenant}/v2.0/.well-known/openid-configuration`: the tenant's metadata msal reads
  before anything else (an unknown tenant answers 400 `invalid_tenant`, as Entra does);
- `GET /common/discovery/instance`: instance metadata (msal reads it unless
  `instance_discovery=False`);
- `POST /{tenant}/oauth2/v2.0/token`: `grant_type=client_credentials`, `client_id`,
  `client_secret`, `scope=<resource>/.default` → a bearer token for that resource.
"""

from __future__ import annotations

import datetime as dt
import secrets
import ssl
import uuid
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TENANT = "7c1d2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"
CLIENT_ID = "0e8f5d2c-3b4a-4c1d-9e8f-7a6b5c4d3e2f"
CLIENT_SECRET = "graph-test-secret-not-real"
TOKEN_LIFETIME = 3599


@dataclass(frozen=True)
class LoopbackCertificate:
    """A CA and a server certificate for 127.0.0.1 it signed, as PEM files."""

    ca_path: Path
    cert_path: Path
    key_path: Path

    @classmethod
    def create(cls, directory: Path) -> LoopbackCertificate:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("Rota test CA")
        ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, is_ca=True)
        server_key = ec.generate_private_key(ec.SECP256R1())
        server = _certificate(_name("127.0.0.1"), ca_name, server_key.public_key(), ca_key, is_ca=False)
        paths = cls(directory / "test-ca.pem", directory / "server.pem", directory / "server-key.pem")
        paths.ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        paths.cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        paths.key_path.write_bytes(
            server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return paths

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_path))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: x509.Name, issuer: x509.Name, public_key: Any, signing_key: ec.EllipticCurvePrivateKey, *, is_ca: bool
) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@dataclass
class FakeEntra:
    """One app registration (`client_id`, `client_secret`) known in `tenants`."""

    tenants: set[str] = field(default_factory=lambda: {TENANT})
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    #: Every token request's form, in order (msal's cache shows as few of them).
    token_requests: list[dict[str, str]] = field(default_factory=list)
    #: Access token → the scope it was issued for.
    issued: dict[str, str] = field(default_factory=dict)
    server: TestServer | None = None
    #: The login base URL once started (`https://127.0.0.1:port`).
    login_url: str = ""

    async def start(self, certificate: LoopbackCertificate) -> str:
        """Serve on a loopback port; returns the login base URL (`https://127.0.0.1:port`)."""
        self.server = TestServer(self._app(), host="127.0.0.1")
        await self.server.start_server(ssl=certificate.server_context())
        self.login_url = str(self.server.make_url("")).rstrip("/")
        return self.login_url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def accepts(self, token: str, scope: str) -> bool:
        """Whether `token` was issued here for `scope` (what a resource server checks)."""
        return self.issued.get(token) == scope

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/common/discovery/instance", self._instance)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._configuration)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        return app

    async def _instance(self, request: web.Request) -> web.Response:
        host = request.url.host
        return web.json_response(
            {
                "tenant_discovery_endpoint": f"{request.url.origin()}/{TENANT}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            }
        )

    async def _configuration(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if tenant not in self.tenants:
            return _error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{request.url.origin()}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "tenant_region_scope": "EU",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.token_requests.append(form)
        if request.match_info["tenant"] not in self.tenants:
            return _error(400, "invalid_tenant", "AADSTS90002: Tenant not found.")
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            form.get("client_secret", ""), self.client_secret
        ):
            return _error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default") or " " in scope.strip():
            return _error(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.")
        token = secrets.token_urlsafe(32)
        self.issued[token] = scope
        return web.json_response(
            {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME, "access_token": token}
        )


def _error(status: int, code: str, description: str) -> web.Response:
    """Entra's error body (RFC 6749 section 5.2, with its own extras)."""
    body = {
        "error": code,
        "error_description": description,
        "error_codes": [int(description[6:].split(":")[0])] if description.startswith("AADSTS") else [],
        "timestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }
    return web.json_response(body, status=status)
