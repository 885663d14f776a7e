"""`rota-tray`: the desktop tray client.

\b
    rota-tray --url http://127.0.0.1:3978 --pair K7P2-QX9M   # once, with the code the bot gave in chat
    rota-tray                                                # the icon, its menu and the reminders
    rota-tray --lead evening-18:00 --lead 1h --lead end-15m  # when to remind (remembered)
    rota-tray --once                                         # my state and next shifts in the terminal

The URL and the reminder times given here are remembered in the config directory.
Without reminder times of its own, the tray reminds at your reminder times in Rota.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
import webbrowser
from datetime import timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import click

from shared.feed import SignInOptions
from shared.rotation import ValidationError, load_zone
from tray.app import Options, SystemClock, TrayApp, device_code_notice
from tray.auth import Credentials, DeviceCode, MicrosoftSignIn, PairedToken, SignInError, msal_app, pair, sign_in_options
from tray.cache import Cache, config_dir
from tray.feed_client import FeedClient, FeedError, SignedOut, Unauthorized
from tray.icon import TrayIcon, load_pystray, save_icons
from tray.notify import DesktopNotifications, Notifications, Notifier
from tray.reminders import Lead, LeadError, parse_duration
from tray.state import Connection, Settings, summary, view

DEFAULT_URL = "http://127.0.0.1:3978"
NOT_SIGNED_IN = "Not signed in: ask the bot for a pairing code (`tray`), then run rota-tray --pair CODE."
log = logging.getLogger("tray")


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    try:
        return parse_duration(value)
    except LeadError as exc:
        raise click.BadParameter(str(exc)) from None


def _leads(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Lead, ...]:
    try:
        return tuple(Lead.parse(text) for text in value)
    except LeadError as exc:
        raise click.BadParameter(str(exc)) from None


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> ZoneInfo:
    if value is None:
        import tzlocal

        return tzlocal.get_localzone()
    try:
        return load_zone(value)
    except ValidationError as exc:
        raise click.BadParameter(exc.message) from None


@click.command(help=__doc__)
@click.option("--url", help=f"The Rota service (remembered; default {DEFAULT_URL}).")
@click.option("--pair", "code", metavar="CODE", help="Pair with the code the bot gave you in chat (`tray`).")
@click.option("--sign-in", "sign_in", is_flag=True, help="Sign in with your Microsoft account now.")
@click.option("--lead", "leads", multiple=True, callback=_leads, metavar="WHEN",
              help="When to remind: 1h, 15m, end-15m, evening-18:00 (repeat; remembered; wins over "
              "your reminder times in Rota). Default: your times in Rota; from a service that does "
              "not send them, evening-18:00, 1h, 15m and end-15m.")
@click.option("--grace", default="10m", callback=_duration, show_default=True,
              help="A reminder missed by more than this (asleep, switched off) is not shown late.")
@click.option("--soon", default="1h", callback=_duration, show_default=True,
              help="How long before a shift the icon turns amber.")
@click.option("--tz", "zone", callback=_zone, metavar="ZONE", help="Your IANA time zone (default: the system's).")
@click.option("--once", is_flag=True, help="Print my state and next shifts, then exit.")
@click.option("--no-icon", is_flag=True, help="No tray icon: reminders and alerts as notifications only.")
@click.option("--config-dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to keep the cache and settings (default: your config directory).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debugging).")
def main(
    url: str | None,
    code: str | None,
    sign_in: bool,
    leads: tuple[Lead, ...],
    grace: timedelta,
    soon: timedelta,
    zone: ZoneInfo,
    once: bool,
    no_icon: bool,
    directory: Path | None,
    verbose: int,
) -> None:
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    cache = Cache(directory or config_dir())
    saved = cache.remember(url=url, leads=[lead.key for lead in leads] or None)
    chosen = leads or _saved_leads(saved.leads)
    if chosen is not None:
        chosen = tuple(sorted(chosen, key=Lead.sort_key))
    options = Options(url=saved.url or DEFAULT_URL, zone=zone, leads=chosen, grace=grace, soon=soon)
    credentials = Credentials(PairedToken(cache.directory))
    if code:
        asyncio.run(_pair(options.url, code, credentials))
    credentials = asyncio.run(_with_microsoft(options.url, cache, credentials))
    if sign_in:
        asyncio.run(_sign_in(credentials, Notifier(None, _native_notifications(cache))))
    if once:
        sys.exit(asyncio.run(_once(options, cache, credentials)))
    _run(options, cache, credentials, no_icon)


def _saved_leads(keys: list[str] | None) -> tuple[Lead, ...] | None:
    """The reminder times chosen on this computer before; None: none, Rota's apply."""
    if keys is None:
        return None
    try:
        return tuple(Lead.parse(key) for key in keys)
    except LeadError:
        log.warning("the saved reminder times cannot be read; using your reminder times in Rota")
        return None


async def _pair(url: str, code: str, credentials: Credentials) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        try:
            answer = await pair(session, url, code)
        except (aiohttp.ClientError, FeedError, Unauthorized) as exc:
            raise click.ClickException(f"pairing failed: {exc}") from None
    credentials.paired.save(answer.token)
    click.echo(f"Paired as {answer.user}.")


async def _with_microsoft(url: str, cache: Cache, credentials: Credentials) -> Credentials:
    """Ask the service how to sign in (remembering the answer for offline starts)."""
    saved = cache.load_settings()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            options = await sign_in_options(session, url)
        if options.mode == "microsoft":
            saved = cache.remember(client_id=options.client_id, authority=options.authority, scopes=options.scopes)
    except (aiohttp.ClientError, asyncio.TimeoutError, FeedError, ValueError) as exc:
        log.info("cannot ask the service how to sign in (%s); using what was saved", exc)
    if not (saved.client_id and saved.authority and saved.scopes):
        return credentials
    sign_in = SignInOptions(mode="microsoft", client_id=saved.client_id, authority=saved.authority, scopes=saved.scopes)
    microsoft = MicrosoftSignIn(sign_in.scopes, lambda: msal_app(sign_in, cache.directory))
    return Credentials(credentials.paired, microsoft)


async def _sign_in(credentials: Credentials, notifier: Notifications) -> None:
    """`--sign-in`, before any icon exists: a device code goes to the terminal and to a
    native notification (for a tray started from the desktop, whose output nobody sees)."""

    async def announce(device_code: DeviceCode) -> None:
        click.echo(device_code.message)
        await notifier.show(device_code_notice(device_code))

    try:
        await credentials.sign_in(announce)
    except SignInError as exc:
        raise click.ClickException(f"sign-in failed: {exc}") from None


async def _once(options: Options, cache: Cache, credentials: Credentials) -> int:
    """Print the state from a fresh feed, or from the cache when the service is unreachable."""
    connection = Connection.ONLINE
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        client = FeedClient(session, options.url, credentials.token, on_event=lambda e: None, on_connection=lambda c: None)
        try:
            feed = await client.fetch()
            cache.save_feed(feed)
        except SignedOut:
            feed, connection = cache.load_feed(), Connection.SIGNED_OUT
            click.echo(NOT_SIGNED_IN, err=True)
        except Unauthorized:
            feed, connection = cache.load_feed(), Connection.UNAUTHORIZED
            click.echo("Rota refused the saved token. " + NOT_SIGNED_IN, err=True)
        except (aiohttp.ClientError, asyncio.TimeoutError, FeedError, ValueError) as exc:
            feed, connection = cache.load_feed(), Connection.OFFLINE
            log.info("cannot reach %s: %s", options.url, exc)
    settings = Settings(zone=options.zone, leads=options.leads, soon=options.soon)
    shown = view(feed, SystemClock().now(), connection, settings)
    click.echo("\n".join(summary(shown)))
    return 0 if feed is not None else 1


def _run(options: Options, cache: Cache, credentials: Credentials, no_icon: bool) -> None:
    """The icon's GUI loop on the main thread (macOS requires it), asyncio beside it."""
    pystray = None if no_icon else load_pystray()
    if pystray is None:
        _run_headless(options, cache, credentials)
        return
    loop = asyncio.new_event_loop()
    holder: dict[str, TrayApp] = {}
    icon = TrayIcon(pystray, on_action=lambda entry: holder["app"].request(loop, entry))
    app = _app(options, cache, credentials, icon=icon)
    holder["app"] = app
    log.info("tray icon backend: %s (notifications: %s)", icon.backend, icon.has_notification)
    worker = threading.Thread(target=_loop_until_done, args=(loop, app, icon), name="rota-feed", daemon=True)
    icon.run(setup=worker.start)
    if worker.is_alive():
        loop.call_soon_threadsafe(app.stop)
        worker.join(timeout=5)


def _loop_until_done(loop: asyncio.AbstractEventLoop, app: TrayApp, icon: TrayIcon) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(app.run())
    finally:
        icon.stop()
        loop.close()


def _run_headless(options: Options, cache: Cache, credentials: Credentials) -> None:
    async def run() -> None:
        app = _app(options, cache, credentials, icon=None)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, app.stop)
        await app.run()

    asyncio.run(run())


def _native_notifications(cache: Cache) -> DesktopNotifications:
    return DesktopNotifications(webbrowser.open, partial(save_icons, cache.directory / "icons"))


def _app(options: Options, cache: Cache, credentials: Credentials, icon: TrayIcon | None) -> TrayApp:
    return TrayApp(
        options,
        cache,
        credentials,
        Notifier(icon, _native_notifications(cache)),
        show=icon.show if icon else (lambda shown: None),
        open_url=webbrowser.open,
        on_quit=icon.stop if icon else (lambda: None),
        echo=click.echo,
    )
