"""Where the tray's bearer token comes from.

Two ways, as the service says (`GET /api/v1/tray/sign-in`):

* Local mode: the bot gives a pairing code in chat, `rota-tray --pair CODE` exchanges it
  for a personal token (`tray.feed_client.pair`), kept here.
* Microsoft: msal's `PublicClientApplication` signs the person in with their Microsoft
  account, in the browser, or with a device code when no browser can be opened; its
  token cache lives in the config directory.

Whether a browser can be opened is decided before msal is asked: msal's interactive
sign-in does not fail without one, it logs a warning and waits for its redirect until the
timeout. So the device code is used at once where Python's `webbrowser` finds no browser
or, on Linux, the session has no display (neither DISPLAY nor WAYLAND_DISPLAY).

Secrets on disk (the personal token, msal's cache) are kept with the platform's
protection where it has one (DPAPI on Windows, the Keychain on macOS, libsecret on
Linux), through msal-extensions' persistence, and otherwise in a file only its owner can
read. msal's calls block on the network and on the person, so they run in a worker
thread, never on the event loop.

msal-extensions is imported only where it is used: for Microsoft sign-in, and for the
personal token where the platform may protect it. Its package imports msal, and msal
imports requests; on Linux its libsecret storage imports PyGObject. A tray that pairs, in
a Linux session without libsecret, would otherwise carry all of them (some 11 MB, a good
part of its idle resident memory) only to keep its token in the owner-only file anyway.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib.util
import logging
import os
import sys
import webbrowser
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

from shared.feed import PairRequest, PairResponse, SignInOptions
from tray.cache import write_atomic
from tray.feed_client import Unauthorized, body

if TYPE_CHECKING:
    from msal_extensions.persistence import BasePersistence

log = logging.getLogger(__name__)

PAIR_PATH = "/api/v1/pair"
SIGN_IN_PATH = "/api/v1/tray/sign-in"
TOKEN_FILE = "token.bin"
MSAL_CACHE_FILE = "msal-cache.bin"
#: The library PyGObject's Secret typelib loads: msal-extensions' storage on Linux.
LIBSECRET = "libsecret-1.so.0"
UNPROTECTED = "no platform protection for %s (%s); keeping it in a file only you can read"
#: How long the browser sign-in waits for the person before it gives up.
INTERACTIVE_TIMEOUT = 300


class SignInError(Exception):
    """Signing in did not give a token; the message is msal's description."""


def platform_may_protect() -> bool:
    """Whether msal-extensions may find the platform's protected storage here; False only
    where it certainly cannot, found without importing it or PyGObject: on Linux without
    PyGObject or without the libsecret library, and on platforms it does not know."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    if not sys.platform.startswith("linux") or importlib.util.find_spec("gi") is None:
        return False
    try:
        ctypes.CDLL(LIBSECRET)
    except OSError:
        return False
    return True


def protected_persistence(path: Path) -> BasePersistence:
    """The platform's protected storage for `path`, or an owner-only file where there is none."""
    from msal_extensions import FilePersistence, build_encrypted_persistence

    path.parent.mkdir(parents=True, exist_ok=True)
    if not platform_may_protect():
        log.info(UNPROTECTED, path.name, "not on this system")
        return FilePersistence(str(path))
    try:
        return build_encrypted_persistence(str(path))
    except (ValueError, ImportError, RuntimeError, OSError) as exc:
        log.info(UNPROTECTED, path.name, exc)
        return FilePersistence(str(path))


class SecretStore(Protocol):
    """One secret kept on disk; `load` answers None when none was saved."""

    def load(self) -> str | None: ...
    def save(self, secret: str) -> None: ...


class OwnerOnlyFile:
    """A secret in a file only its owner can read: the text alone, as msal-extensions'
    FilePersistence keeps it, so that either reads what the other wrote."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def load(self) -> str | None:
        try:
            return self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def save(self, secret: str) -> None:
        write_atomic(self._path, secret)


class ProtectedStore:
    """A secret in the platform's protected storage, through msal-extensions."""

    def __init__(self, persistence: BasePersistence) -> None:
        self._persistence = persistence

    def load(self) -> str | None:
        from msal_extensions.persistence import PersistenceNotFound

        try:
            return self._persistence.load()
        except PersistenceNotFound:
            return None

    def save(self, secret: str) -> None:
        self._persistence.save(secret)


def secret_store(path: Path) -> SecretStore:
    """The platform's protected storage for `path` where it has one, else an owner-only file."""
    if not platform_may_protect():
        log.info(UNPROTECTED, path.name, "not on this system")
        return OwnerOnlyFile(path)
    persistence = protected_persistence(path)
    return ProtectedStore(persistence) if persistence.is_encrypted else OwnerOnlyFile(path)


class PairedToken:
    """The personal token from pairing."""

    def __init__(self, directory: Path) -> None:
        self._store = secret_store(directory / TOKEN_FILE)
        self._path = directory / TOKEN_FILE

    def load(self) -> str | None:
        return self._store.load() or None

    def save(self, token: str) -> None:
        self._store.save(token)

    def forget(self) -> None:
        """Blank the secret first (the Keychain and libsecret keep it apart from the file)."""
        if self._path.exists():
            self._store.save("")
        self._path.unlink(missing_ok=True)


@dataclass(frozen=True)
class DeviceCode:
    """A device-code sign-in waiting for the person: the page to open, the code to enter
    there, and Entra's own sentence saying both."""

    code: str
    url: str
    message: str


#: Shows a device code to the person (terminal, notification, the icon's menu).
Announce = Callable[[DeviceCode], Awaitable[None]]


def browser_available(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    find: Callable[[], object] = webbrowser.get,
) -> bool:
    """Whether a browser can be opened for the interactive sign-in: not in a Linux session
    without a display, nor where `webbrowser` finds none. It may start a process (Python
    asks xdg-settings for the default browser), so call it off the event loop."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    if platform.startswith("linux") and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        find()
    except webbrowser.Error:
        return False
    return True


class MsalApp(Protocol):
    """The part of msal.PublicClientApplication the tray uses."""

    def get_accounts(self) -> list[dict[str, Any]]: ...
    def acquire_token_silent(self, scopes: list[str], account: dict[str, Any]) -> dict[str, Any] | None: ...
    def acquire_token_interactive(self, scopes: list[str], **kwargs: Any) -> dict[str, Any]: ...
    def initiate_device_flow(self, scopes: list[str]) -> dict[str, Any]: ...
    def acquire_token_by_device_flow(self, flow: dict[str, Any]) -> dict[str, Any]: ...
    def remove_account(self, account: dict[str, Any]) -> None: ...


def msal_app(options: SignInOptions, directory: Path) -> MsalApp:
    import msal
    from msal_extensions import PersistedTokenCache

    cache = PersistedTokenCache(protected_persistence(directory / MSAL_CACHE_FILE))
    return msal.PublicClientApplication(options.client_id, authority=options.authority, token_cache=cache)


class MicrosoftSignIn:
    """Tokens for the service's API from the person's Microsoft account."""

    def __init__(self, scopes: list[str], app: Callable[[], MsalApp], browser: Callable[[], bool] = browser_available) -> None:
        self._scopes = scopes
        self._make_app = app
        self._app: MsalApp | None = None
        self._browser = browser

    async def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(method, *args, **kwargs)

    async def _msal(self) -> MsalApp:
        if self._app is None:
            self._app = await asyncio.to_thread(self._make_app)
        return self._app

    async def token(self) -> str | None:
        """A valid access token from the cache (refreshed silently), or None: sign in first."""
        app = await self._msal()
        accounts = await self._call(app.get_accounts)
        if not accounts:
            return None
        result = await self._call(app.acquire_token_silent, self._scopes, account=accounts[0])
        return result.get("access_token") if result else None

    async def sign_in(self, announce: Announce) -> str:
        """Sign in in the browser; where none can be opened, with a device code that
        `announce` shows to the person."""
        app = await self._msal()
        if await self._call(self._browser):
            try:
                result = await self._call(
                    app.acquire_token_interactive, self._scopes, prompt="select_account", timeout=INTERACTIVE_TIMEOUT
                )
            except (RuntimeError, OSError, ValueError) as exc:
                log.info("browser sign-in is not possible here (%s); using a device code", exc)
                result = await self._device_code(app, announce)
        else:
            log.info("no browser can be opened here; signing in with a device code")
            result = await self._device_code(app, announce)
        return _access_token(result)

    async def _device_code(self, app: MsalApp, announce: Announce) -> dict[str, Any]:
        flow = await self._call(app.initiate_device_flow, self._scopes)
        if "user_code" not in flow or "verification_uri" not in flow:
            raise SignInError(flow.get("error_description", "the device code could not be started"))
        code, url = flow["user_code"], flow["verification_uri"]
        await announce(DeviceCode(code, url, flow.get("message") or f"To sign in, open {url} and enter the code {code}."))
        return await self._call(app.acquire_token_by_device_flow, flow)

    async def sign_out(self) -> None:
        app = await self._msal()
        for account in await self._call(app.get_accounts):
            await self._call(app.remove_account, account)


def _access_token(result: dict[str, Any]) -> str:
    if "access_token" not in result:
        raise SignInError(result.get("error_description") or result.get("error") or "sign-in failed")
    return result["access_token"]


class Credentials:
    """The token the feed client sends: Microsoft's when signed in that way, else the paired one."""

    def __init__(self, paired: PairedToken, microsoft: MicrosoftSignIn | None = None) -> None:
        self.paired = paired
        self.microsoft = microsoft

    @property
    def can_sign_in(self) -> bool:
        return self.microsoft is not None

    async def token(self) -> str | None:
        if self.microsoft is not None:
            token = await self.microsoft.token()
            if token is not None:
                return token
        return self.paired.load()

    async def sign_in(self, announce: Announce) -> None:
        """Sign in with Microsoft; a device code, when one is used, goes to `announce`."""
        if self.microsoft is None:
            raise SignInError("this service pairs: ask the bot for a code with `tray`, then run rota-tray --pair CODE")
        await self.microsoft.sign_in(announce)

    async def sign_out(self) -> None:
        self.paired.forget()
        if self.microsoft is not None:
            await self.microsoft.sign_out()


async def pair(session: aiohttp.ClientSession, base_url: str, code: str) -> PairResponse:
    """Exchange the code the bot gave in chat for a personal token (local mode)."""
    request = PairRequest(code=code.strip())
    async with session.post(base_url.rstrip("/") + PAIR_PATH, json=request.model_dump()) as response:
        if response.status in (400, 404):
            raise Unauthorized("the pairing code is unknown or has expired; ask the bot for a new one with `tray`")
        return PairResponse.model_validate_json(await body(response))


async def sign_in_options(session: aiohttp.ClientSession, base_url: str) -> SignInOptions:
    """How this service wants the tray to sign in; a service without the endpoint pairs."""
    async with session.get(base_url.rstrip("/") + SIGN_IN_PATH) as response:
        if response.status == 404:
            return SignInOptions(mode="pairing")
        return SignInOptions.model_validate_json(await body(response))
