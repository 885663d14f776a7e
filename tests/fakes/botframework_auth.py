"""The Bot Framework's token side on loopback: its OpenID metadata and signing keys, a way
to mint channel tokens (valid and forged), and the Entra token endpoint the bot asks for
its own outgoing tokens.

Both servers run in threads of their own: botbuilder fetches the metadata with a blocking
call inside the event loop, so metadata served from that loop would never answer. The
Entra endpoint is HTTPS (msal refuses a plain-http authority) with a self-signed
certificate made here; `ca_bundle` is the file the bot is told to trust.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
CONNECTOR_AUDIENCE = "https://api.botframework.com"
ENDORSEMENTS = ["msteams"]
APP_ID = "6f3b0c8e-6d9a-4b7e-9c41-2f5d7a1e0b93"
APP_PASSWORD = "test-client-secret-not-real"
TENANT = "botframework.com"

Route = Callable[["_Handler"], tuple[int, Any]]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class BotFrameworkAuth:
    """Start with `start()`, stop with `close()`; `settings()` is what the bot needs to trust it."""

    def __init__(self, directory: Path, *, app_id: str = APP_ID, app_password: str = APP_PASSWORD) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.key = new_key()
        self.kid = f"rota-test-{uuid.uuid4().hex[:8]}"
        self.endorsements = list(ENDORSEMENTS)
        self.issued: list[str] = []
        self.token_requests: list[dict[str, list[str]]] = []
        self._entra_key = new_key()
        self._nonce = uuid.uuid4().hex
        self._directory = directory
        self._servers: list[ThreadingHTTPServer] = []

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        metadata = self._serve({
            f"/{self._nonce}/v1/.well-known/openidconfiguration": self._openid_configuration,
            f"/{self._nonce}/v1/.well-known/keys": self._keys,
        })  # fmt: skip
        self.metadata_base = f"http://127.0.0.1:{metadata.server_address[1]}/{self._nonce}"
        entra = self._serve({
            f"/{TENANT}/v2.0/.well-known/openid-configuration": self._tenant_configuration,
            f"/{TENANT}/oauth2/v2.0/token": self._token,
        }, tls=self._tls_context())  # fmt: skip
        self.login_base = f"https://127.0.0.1:{entra.server_address[1]}"

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    @property
    def metadata_url(self) -> str:
        return f"{self.metadata_base}/v1/.well-known/openidconfiguration"

    @property
    def login_url(self) -> str:
        return f"{self.login_base}/{TENANT}"

    @property
    def ca_bundle(self) -> str:
        return str(self._directory / "entra-cert.pem")

    def settings(self) -> dict[str, str]:
        """`Settings` fields for a bot with credentials that trusts this stand-in."""
        return {
            "app_id": self.app_id,
            "app_password": self.app_password,
            "bot_openid_metadata_url": self.metadata_url,
            "bot_token_issuer": ISSUER,
            "bot_login_url": self.login_url,
            "bot_login_ca_bundle": self.ca_bundle,
        }

    # --- tokens -------------------------------------------------------------------------------

    def mint(
        self,
        *,
        serviceurl: str,
        aud: str | None = None,
        iss: str = ISSUER,
        exp: float | None = None,
        kid: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        **claims: Any,
    ) -> str:
        """A channel token as the Bot Connector sends it; every part can be made wrong."""
        now = time.time()
        payload = {"iss": iss, "aud": aud or self.app_id, "serviceurl": serviceurl, "nbf": int(now) - 60,
                   "exp": int(exp if exp is not None else now + 3600), "iat": int(now) - 60, **claims}  # fmt: skip
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def is_issued(self, token: str | None) -> bool:
        """Whether the Entra endpoint here gave the bot this token (the Connector's check)."""
        return token is not None and token in self.issued

    # --- the endpoints ---------------------------------------------------------------------------

    def _openid_configuration(self, _: _Handler) -> tuple[int, Any]:
        return 200, {
            "issuer": ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": f"{self.metadata_base}/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def _keys(self, _: _Handler) -> tuple[int, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return 200, {"keys": [{**jwk, "use": "sig", "kid": self.kid, "endorsements": self.endorsements}]}

    def _tenant_configuration(self, _: _Handler) -> tuple[int, Any]:
        return 200, {
            "issuer": f"{self.login_base}/{TENANT}/v2.0",
            "authorization_endpoint": f"{self.login_base}/{TENANT}/oauth2/v2.0/authorize",
            "token_endpoint": f"{self.login_base}/{TENANT}/oauth2/v2.0/token",
        }

    def _token(self, handler: _Handler) -> tuple[int, Any]:
        form = parse_qs(handler.body.decode())
        self.token_requests.append(form)
        if form.get("client_id") != [self.app_id] or form.get("client_secret") != [self.app_password]:
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}
        now = int(time.time())
        token = jwt.encode({"aud": CONNECTOR_AUDIENCE, "iss": f"https://sts.windows.net/{uuid.UUID(int=0)}/",
                            "appid": self.app_id, "nbf": now, "exp": now + 3600},
                           self._entra_key, algorithm="RS256")  # fmt: skip
        self.issued.append(token)
        return 200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token}

    # --- plumbing ------------------------------------------------------------------------------------

    def _serve(self, routes: dict[str, Route], *, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"routes": routes})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), name="botframework-auth", daemon=True).start()
        self._servers.append(server)
        return server

    def _tls_context(self) -> ssl.SSLContext:
        key = new_key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Rota test Entra")])
        now = dt.datetime.now(dt.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        cert_path = Path(self.ca_bundle)
        key_path = self._directory / "entra-key.pem"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))  # fmt: skip
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}
    body: bytes = b""

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        route = self.routes.get(urlsplit(self.path).path)
        status, payload = route(self) if route else (404, {"error": "not_found"})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server signature
        """Quiet: the test output is for assertions."""
