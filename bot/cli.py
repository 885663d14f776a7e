"""`rota`: run the service and operate on the database directly, with no service needed.

Every command that reads or writes rotations opens the database named by
`--database-url` (or `ROTA_DATABASE_URL`), so an operator can script Rota from cron or
CI. Settings are read here, once, and passed down explicitly.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.alerts.model import IntegrationKind
from bot.feed.pairing import Pairing
from bot.rotafile import (
    RotafileError,
    apply_plan,
    current_duties,
    current_owners,
    current_rotations,
    export_rotations,
    load_rotafile,
    plan_changes,
)
from bot.settings import DEFAULT_DATABASE_URL, Settings
from bot.storage import Conflict, NotFound, Store
from bot.storage.alerts import AlertStore
from bot.storage.store import utc_now
from bot.storage.tray import TrayStore
from shared.oncall import OnCall, Segment, on_call, shifts
from shared.rotation import Rotation, SecondaryKind, ValidationError

T = TypeVar("T")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rota")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="ROTA_DATABASE_URL",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="SQLAlchemy URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB.",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str) -> None:
    """Rota: on-call and duty rotations for Microsoft Teams."""
    ctx.obj = {"database_url": database_url}


# --- the service ---------------------------------------------------------------------------


@cli.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1, or ROTA_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 3978, or ROTA_PORT).")
@click.option("--database-url", "serve_database_url", default=None, help="Overrides the group option.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, serve_database_url: str | None) -> None:
    """Start the service (Bot Framework endpoint, webhooks, API)."""
    from bot.app import run
    from bot.teams.binding import check_binding

    try:
        settings = Settings.from_env(os.environ).with_overrides(
            host=host,
            port=port,
            database_url=serve_database_url or ctx.obj["database_url"],
        )
        check_binding(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    run(settings)


@cli.command()
@click.option("--url", default="http://127.0.0.1:3978", show_default=True, help="The running bot.")
@click.option("--as", "email", default=None, help="Who you are (an email; default: your login @example.com).")
@click.option("--name", default=None, help="Your display name (default: from the email).")
@click.option("--channel", default=None, metavar="[TEAM/]CHANNEL",
              help="Talk in a team's channel (mentioning the bot) instead of a 1:1 chat.")  # fmt: skip
@click.option("--timezone", "zone", default=None, help="IANA zone to report (default: this machine's).")
def chat(url: str, email: str | None, name: str | None, channel: str | None, zone: str | None) -> None:
    """Talk to a running bot from the terminal, as Teams would (local mode)."""
    import tzlocal

    from bot import chatclient

    user = chatclient.person(email or f"{_actor().removeprefix('cli:')}@example.com", name)
    place = chatclient.channel_place(channel) if channel else chatclient.personal_place(user)
    try:
        asyncio.run(chatclient.run(url, user, place, zone or tzlocal.get_localzone_name() or "UTC"))
    except KeyboardInterrupt:
        click.echo()


# --- config as code --------------------------------------------------------------------------


@cli.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
@click.pass_context
def apply(ctx: click.Context, file: Any, dry_run: bool) -> None:
    """Create or update rotations to match FILE (YAML). Applying twice changes nothing."""
    try:
        desired = load_rotafile(file.read())
    except RotafileError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from exc

    async def work(store: Store) -> list[str]:
        owners = await current_owners(store, [item.rotation.name for item in desired])
        plan = plan_changes(desired, await current_rotations(store), await current_duties(store), owners)
        if not dry_run:
            await apply_plan(store, plan, _actor())
        return plan.lines

    lines = _with_store(ctx, work)
    if not lines:
        click.echo("no changes")
        return
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} change(s) {'planned (dry run)' if dry_run else 'applied'}")


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to a file, not stdout.")
@click.pass_context
def export(ctx: click.Context, names: tuple[str, ...], output: str | None) -> None:
    """Write the rotations (all, or NAMES) in the format `rota apply` reads."""

    async def work(store: Store) -> tuple[list[Rotation], dict, dict]:
        duties = await current_duties(store)
        rotations = [await store.get_rotation(name) for name in names] if names else await store.list_rotations()
        return rotations, duties, await current_owners(store, [rotation.name for rotation in rotations])

    text = export_rotations(*_with_store(ctx, work))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


# --- questions ---------------------------------------------------------------------------------


@cli.command()
@click.argument("rotation")
@click.option("--at", "at_text", help="ISO-8601 instant (default now); without an offset, local to the rotation.")
@click.option("--json", "as_json", is_flag=True, help="Print {rotation, primary, secondary, start, end}.")
@click.pass_context
def who(ctx: click.Context, rotation: str, at_text: str | None, as_json: bool) -> None:
    """Who is on duty in ROTATION now (or --at an instant), and until when."""
    target, others = _with_store(ctx, lambda store: _load_with_secondary(store, rotation))
    at = _parse_instant(at_text, target, "--at") if at_text else datetime.now(timezone.utc)
    answer = _domain(lambda: on_call(target, at, others))
    if as_json:
        click.echo(json.dumps(_on_call_json(answer)))
    else:
        click.echo(_describe_on_call(answer, target))


@cli.command("shifts")
@click.argument("rotation")
@click.option("--from", "from_text", required=True, help="ISO-8601 start of the window.")
@click.option("--to", "to_text", required=True, help="ISO-8601 end of the window.")
@click.option("--json", "as_json", is_flag=True, help="Print a list of {person, start, end, layer, reason}.")
@click.pass_context
def shifts_command(ctx: click.Context, rotation: str, from_text: str, to_text: str, as_json: bool) -> None:
    """The effective shifts of ROTATION over a window, overrides and time off applied."""
    target, others = _with_store(ctx, lambda store: _load_with_secondary(store, rotation))
    start = _parse_instant(from_text, target, "--from")
    end = _parse_instant(to_text, target, "--to")
    if end - start > timedelta(days=3660):
        raise click.BadParameter("the window may span at most ten years", param_hint="--to")
    segments = _domain(lambda: shifts(target, start, end, others))
    if as_json:
        click.echo(json.dumps([_segment_json(s) for s in segments], indent=2))
        return
    zone = target.zone
    for s in segments:
        person = s.person or "(nobody)"
        click.echo(
            f"{_local(s.start, zone)}  {_local(s.end, zone)}  {s.layer.value:<9}  {person:<32}  {s.reason.value}"
        )


@cli.command("rotations")
@click.pass_context
def list_rotations(ctx: click.Context) -> None:
    """List the rotations with their settings."""
    for r in _with_store(ctx, lambda store: store.list_rotations()):
        secondary = r.secondary.to_text() or "none"
        click.echo(f"{r.name}  {r.shift}  {r.timezone}  handoff {r.handoff:%Y-%m-%d %H:%M}  "
                   f"secondary {secondary}  members {', '.join(r.members)}")


# --- API tokens -------------------------------------------------------------------------------


@cli.group()
def token() -> None:
    """API tokens (stored hashed; the secret is shown once)."""


@token.command("create")
@click.option("--name", required=True, help="What the token is for, e.g. grafana or alice-laptop.")
@click.option("--admin", is_flag=True, help="Allow changes; without it the token can only read.")
@click.pass_context
def token_create(ctx: click.Context, name: str, admin: bool) -> None:
    """Create a token; its secret is printed alone on the last line."""
    created, secret = _with_store(ctx, lambda store: store.create_token(name, admin, actor=_actor()))
    scope = "admin (read and change)" if created.admin else "read-only"
    click.echo(f"created {scope} token {created.name!r}; keep the secret, it is not shown again:")
    click.echo(secret)


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """List live tokens (never their secrets)."""
    for t in _with_store(ctx, lambda store: store.list_tokens()):
        used = t.last_used.isoformat(timespec="seconds") if t.last_used else "never"
        click.echo(f"{t.name}  {'admin' if t.admin else 'read-only'}  created {t.created:%Y-%m-%d}  last used {used}")


@token.command("revoke")
@click.argument("name")
@click.pass_context
def token_revoke(ctx: click.Context, name: str) -> None:
    """Revoke the token NAME at once."""
    _with_store(ctx, lambda store: store.revoke_token(name, actor=_actor()))
    click.echo(f"revoked {name}")


# --- the tray ------------------------------------------------------------------------------------


@cli.group()
def tray() -> None:
    """Desktop tray clients: pairing codes and personal tokens."""


@tray.command("pair")
@click.argument("email")
@click.pass_context
def tray_pair(ctx: click.Context, email: str) -> None:
    """Print a one-time code that pairs EMAIL's tray (as `tray` in chat does); it is on the last line."""
    code = _with_store(ctx, lambda store: Pairing(TrayStore(store.engine), utc_now).issue(email, actor=_actor()))
    person = email.strip().lower()
    click.echo(f"pairing code for {person}, for `rota-tray --pair CODE`, valid once until "
               f"{code.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(code.code)


@tray.command("revoke")
@click.argument("email")
@click.pass_context
def tray_revoke(ctx: click.Context, email: str) -> None:
    """Revoke every personal token of EMAIL's trays at once (a lost laptop)."""
    count = _with_store(ctx, lambda store: TrayStore(store.engine).revoke(email, actor=_actor()))
    click.echo(f"revoked {count} personal token{'' if count == 1 else 's'} of {email.strip().lower()}")


# --- the Teams app package ----------------------------------------------------------------------


@cli.group("manifest")
def manifest_group() -> None:
    """The Teams app package (manifest and icons) to upload to Teams."""


@manifest_group.command("build")
@click.option("--app-id", required=True, help="The bot's Microsoft App ID (a GUID), as in MicrosoftAppId.")
@click.option("--host", required=True, help="The public DNS name of the service, e.g. rota.example.com.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=Path("rota-teams.zip"),
              show_default=True, help="Where to write the zip.")  # fmt: skip
@click.option("--version", "app_version", help="The app's version, MAJOR.MINOR.PATCH (default: Rota's).")
def manifest_build(app_id: str, host: str, out: Path, app_version: str | None) -> None:
    """Build the zip to upload to Teams; checked against the official schema first."""
    from manifest.build import ManifestError, build_package, write_zip

    try:
        package = build_package(app_id, host, app_version)
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from exc
    write_zip(package, out)
    click.echo(f"wrote {out} (manifest {package.manifest['version']} for {package.manifest['validDomains'][0]})")


# --- alert integrations ---------------------------------------------------------------------------


@cli.group()
def integration() -> None:
    """Webhooks that monitoring posts alerts to (stored hashed; the secret is shown once)."""


@integration.command("add")
@click.argument("rotation")
@click.option("--kind", required=True, type=click.Choice([kind.value for kind in IntegrationKind]),
              help="How the webhook's body is read.")
@click.option("--name", default=None, help="What it is for, unique in the rotation (default: the kind).")
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "url", "secret"}.')
@click.pass_context
def integration_add(ctx: click.Context, rotation: str, kind: str, name: str | None, as_json: bool) -> None:
    """Create a webhook for ROTATION and print its URL and secret."""
    created, secret = _with_store(ctx, lambda store: AlertStore(store.engine).create_integration(
        rotation, IntegrationKind(kind), name or kind, _actor()))
    url = created.url(_public_url())
    if as_json:
        click.echo(json.dumps({"id": created.id, "url": url, "secret": secret}))
        return
    click.echo(f"created {kind} integration {created.name!r} for {rotation}; keep the secret, it is not shown again:")
    click.echo(f"url: {url}")
    click.echo(secret)


@integration.command("list")
@click.argument("rotation", required=False)
@click.pass_context
def integration_list(ctx: click.Context, rotation: str | None) -> None:
    """List the webhooks (of ROTATION, or all), never their secrets."""
    base = _public_url()
    for i in _with_store(ctx, lambda store: AlertStore(store.engine).list_integrations(rotation)):
        click.echo(f"{i.id}  {i.rotation}  {i.kind.value}  {i.name}  {i.url(base)}  created {i.created:%Y-%m-%d}")


@integration.command("delete")
@click.argument("rotation")
@click.argument("integration_id", type=click.IntRange(1))
@click.pass_context
def integration_delete(ctx: click.Context, rotation: str, integration_id: int) -> None:
    """Delete a webhook of ROTATION (a leaked secret); its alerts stay."""
    _with_store(ctx, lambda store: AlertStore(store.engine).delete_integration(rotation, integration_id, _actor()))
    click.echo(f"deleted integration {integration_id} of {rotation}")


def _public_url() -> str:
    """The address sources reach the service at (ROTA_PUBLIC_URL, else host and port)."""
    try:
        return Settings.from_env(os.environ).base_url
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


# --- helpers ---------------------------------------------------------------------------------


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _with_store(ctx: click.Context, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the database, run one unit of work, close it; domain errors become messages."""

    async def runner() -> T:
        store = await Store.open(ctx.obj["database_url"])
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(runner())
    except NotFound as exc:
        raise click.ClickException(f"{exc.kind} {exc.key!r} does not exist") from exc
    except (Conflict, RotafileError) as exc:
        raise click.ClickException(str(exc)) from exc
    except ValidationError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot open the database: {exc}") from exc


def _domain(compute: Callable[[], T]) -> T:
    try:
        return compute()
    except ValidationError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from exc


async def _load_with_secondary(store: Store, name: str) -> tuple[Rotation, dict[str, Rotation]]:
    rotation = await store.get_rotation(name)
    others: dict[str, Rotation] = {}
    if rotation.secondary.kind is SecondaryKind.ROTATION and rotation.secondary.rotation:
        other = await store.get_rotation(rotation.secondary.rotation)
        others[other.name] = other
    return rotation, others


def _parse_instant(text: str, rotation: Rotation, hint: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO-8601 date-time", param_hint=hint) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=rotation.zone)
    return value.astimezone(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def _on_call_json(answer: OnCall) -> dict[str, str | None]:
    return {
        "rotation": answer.rotation,
        "primary": answer.primary,
        "secondary": answer.secondary,
        "start": _iso(answer.start),
        "end": _iso(answer.end),
    }


def _segment_json(segment: Segment) -> dict[str, str | None]:
    return {
        "person": segment.person,
        "start": _iso(segment.start),
        "end": _iso(segment.end),
        "layer": segment.layer.value,
        "reason": segment.reason.value,
    }


def _local(value: datetime, zone: Any) -> str:
    return value.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def _describe_on_call(answer: OnCall, rotation: Rotation) -> str:
    zone = rotation.zone
    until = f"until {_local(answer.end, zone)}" if answer.end else "with no end in sight"
    if answer.primary is None:
        line = f"{answer.rotation}: nobody is on duty ({answer.primary_reason.value}) {until}"
    else:
        note = "" if answer.primary_reason.value == "regular" else f" ({answer.primary_reason.value})"
        line = f"{answer.rotation}: {answer.primary}{note} is on duty {until}"
    if rotation.secondary.kind is not SecondaryKind.NONE:
        line += f"; secondary {answer.secondary or 'nobody'}"
    return line


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
