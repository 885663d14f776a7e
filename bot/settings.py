"""Service settings, read once by the entry point (never at import time).

Bot Framework settings keep their standard names (`MicrosoftAppId`, `MicrosoftAppPassword`,
`MicrosoftAppTenantId`, `MicrosoftAppType`) so the same environment works for any
Bot Framework host; Rota's own settings are prefixed `ROTA_`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./rota.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3978
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    database_url: str = DEFAULT_DATABASE_URL
    #: The address Teams and calendar apps use to reach the service (links, ICS URLs).
    public_url: str | None = None
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    app_type: str = "MultiTenant"
    #: Where the Bot Framework's signing keys are published, who issues its tokens, and where
    #: the bot gets its own tokens; empty means the public Microsoft cloud. Set for a sovereign
    #: or private cloud, or for tests that stand in for Microsoft on loopback.
    bot_openid_metadata_url: str = ""
    bot_token_issuer: str = ""
    bot_login_url: str = ""
    #: A CA bundle trusted for `bot_login_url` (a TLS-inspecting proxy, a test authority).
    bot_login_ca_bundle: str = ""
    #: Where Entra ID publishes the keys that sign users' tokens (the tab's Teams sign-in);
    #: empty means the public cloud's. Set for another cloud, or a test's stand-in tenant.
    entra_metadata_url: str = ""
    #: Microsoft Graph (the Teams tag of each rotation) and the Entra login its app-only
    #: tokens come from; another cloud, or stand-ins on loopback, change them.
    graph_url: str = DEFAULT_GRAPH_URL
    graph_login_url: str = DEFAULT_LOGIN_URL
    #: A CA bundle trusted for both (a TLS-inspecting proxy, a test authority).
    graph_ca_bundle: str = ""
    #: Keep each bound rotation's Teams tag in sync (needs `TeamworkTag.ReadWrite.All`).
    graph_tags: bool = True

    @property
    def local_mode(self) -> bool:
        """No Microsoft credentials: the bot trusts loopback callers, as the Emulator expects."""
        return not self.app_id

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from an environment mapping (the entry point passes `os.environ`)."""
        port_text = env.get("ROTA_PORT")
        port = int(port_text) if port_text and port_text.isdigit() else DEFAULT_PORT
        app_type = env.get("MicrosoftAppType") or "MultiTenant"
        if app_type not in APP_TYPES:
            raise ValueError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}, not {app_type!r}")
        return cls(
            host=env.get("ROTA_HOST") or DEFAULT_HOST,
            port=port,
            database_url=env.get("ROTA_DATABASE_URL") or DEFAULT_DATABASE_URL,
            public_url=env.get("ROTA_PUBLIC_URL") or None,
            app_id=env.get("MicrosoftAppId", ""),
            app_password=env.get("MicrosoftAppPassword", ""),
            app_tenant_id=env.get("MicrosoftAppTenantId", ""),
            app_type=app_type,
            bot_openid_metadata_url=env.get("ROTA_BOT_OPENID_METADATA_URL", ""),
            bot_token_issuer=env.get("ROTA_BOT_TOKEN_ISSUER", ""),
            bot_login_url=env.get("ROTA_BOT_LOGIN_URL", ""),
            bot_login_ca_bundle=env.get("ROTA_BOT_CA_BUNDLE", ""),
            entra_metadata_url=env.get("ROTA_ENTRA_METADATA_URL", ""),
            graph_url=env.get("ROTA_GRAPH_URL") or DEFAULT_GRAPH_URL,
            graph_login_url=env.get("ROTA_GRAPH_LOGIN_URL") or DEFAULT_LOGIN_URL,
            graph_ca_bundle=env.get("ROTA_GRAPH_CA_BUNDLE", ""),
            graph_tags=env.get("ROTA_GRAPH_TAGS", "on").strip().lower() not in ("off", "false", "no", "0"),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """Command-line flags win over the environment; None means "not given"."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
