"""Local mode (no Microsoft credentials) checks no token, so it may only listen on loopback.

Kept free of botbuilder so `rota serve` can refuse a bad `--host` before loading the SDK.
"""

from __future__ import annotations

import ipaddress

from bot.settings import Settings

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class UnsafeBinding(ValueError):
    """The service would accept unauthenticated Bot Framework requests from other machines."""


def is_loopback(host: str) -> bool:
    """True for a name or address that only this machine can reach ("" and 0.0.0.0 are not)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(settings: Settings) -> None:
    """Raise `UnsafeBinding` when local mode would listen beyond loopback."""
    if settings.local_mode and not is_loopback(settings.host):
        raise UnsafeBinding(
            f"refusing to listen on {settings.host!r} without Microsoft credentials: local mode checks no "
            "token, so it only listens on loopback (127.0.0.1). Set MicrosoftAppId and MicrosoftAppPassword "
            "to serve Teams, or use --host 127.0.0.1."
        )
