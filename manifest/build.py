"""`rota manifest build`: the Teams app package for one deployment of Rota.

The manifest is built as a dict: `template.json` holds what every deployment shares (names,
descriptions, scopes), and `build_manifest` adds what depends on the deployment — the
bot's app id, the public host the tabs are served from and single sign-on trusts, the
version — and the command lists, made from the chat command table so the compose box
offers exactly what the bot understands. The result is checked against the official
v1.29 schema (kept beside this file, identical to Microsoft's) with a draft-7 validator:
the schema says draft-04 but uses `const` and `if`/`then`, which draft-04 validators skip.
The icons are checked against Teams' rules before anything is written.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from bot.chat.table import manifest_command_lists
from manifest.icons import ACCENT, COLOR_FILE, HERE, OUTLINE_FILE, IconError, check_color, check_outline

TEMPLATE = HERE / "template.json"
SCHEMA = HERE / "teams-manifest.schema.json"
MANIFEST_FILE = "manifest.json"
GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
#: The schema's `semver` definition: MAJOR.MINOR.PATCH, no leading zeros.
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MAX_HOST = 253
FALLBACK_VERSION = "1.0.0"
#: Where the tabs live on the service (see `bot/tab/`).
SCHEDULE_PATH = "/tab/schedule"
CONFIG_PATH = "/tab/config"
ABOUT_PATH = "/tab/about"
#: Resource-specific consent, granted per team when the app is installed there.
RESOURCE_SPECIFIC = (
    # Channel messages in the teams it is installed in: questions for the person on duty.
    "ChannelMessage.Read.Group",
    # The team's members, to know people by their Entra ids and emails.
    "TeamMember.Read.Group",
    # The rotation's tag (@data-oncall) kept to exactly the person on duty, without a tenant-wide grant.
    "TeamworkTag.ReadWrite.Group",
)


class ManifestError(ValueError):
    """The package cannot be built as asked; the message says why and what to change."""


@dataclass(frozen=True)
class Package:
    """The three files of the zip, checked."""

    manifest: dict[str, Any]
    color: bytes
    outline: bytes

    def files(self) -> Iterator[tuple[str, bytes]]:
        yield MANIFEST_FILE, (json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n").encode()
        yield COLOR_FILE, self.color
        yield OUTLINE_FILE, self.outline


def check_app_id(app_id: str) -> str:
    """The bot's Microsoft App ID (a GUID), lower-cased."""
    value = app_id.strip()
    if not GUID.fullmatch(value):
        raise ManifestError(f"--app-id must be the bot's Microsoft App ID, a GUID such as "
                            f"00000000-0000-0000-0000-000000000000; {app_id!r} is not one")  # fmt: skip
    return value.lower()


def check_host(host: str) -> str:
    """The public DNS name the service answers on (with a port only if it is not 443),
    lower-cased: no scheme, no path, not an IP address (single sign-on needs a name)."""
    value = host.strip().lower()
    if "://" in value:
        raise ManifestError(f"--host is the host name alone, without {value.split('://')[0]}://: e.g. rota.example.com")
    if any(mark in value for mark in "/?#@ "):
        raise ManifestError(f"--host is a host name, with no path, query or user: {host!r}")
    name, port = _split_port(value)
    labels = name.split(".")
    if not name or len(name) > MAX_HOST or not all(DNS_LABEL.fullmatch(label) for label in labels):
        raise ManifestError(f"--host must be a DNS name (letters, digits, hyphens, dots): {host!r}")
    if labels[-1].isdigit():
        raise ManifestError(f"--host must be a DNS name, not an IP address: Teams single sign-on needs one ({host!r})")
    if len(labels) < 2 and name != "localhost":
        raise ManifestError(f"--host must be a fully qualified name such as rota.example.com, not {host!r}")
    return f"{name}:{port}" if port else name


def _split_port(value: str) -> tuple[str, str | None]:
    name, colon, port = value.partition(":")
    if not colon:
        return name, None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ManifestError(f"--host has a port that is not a number from 1 to 65535: {value!r}")
    return name, None if int(port) == 443 else str(int(port))


def check_version(text: str) -> str:
    if not SEMVER.fullmatch(text.strip()):
        raise ManifestError(f"--version must be MAJOR.MINOR.PATCH (e.g. 1.4.0), not {text!r}")
    return text.strip()


def default_version() -> str:
    """The installed Rota's version when it is a plain MAJOR.MINOR.PATCH, else 1.0.0."""
    try:
        installed = version("rota")
    except PackageNotFoundError:
        return FALLBACK_VERSION
    return installed if SEMVER.fullmatch(installed) else FALLBACK_VERSION


def build_manifest(app_id: str, host: str, app_version: str) -> dict[str, Any]:
    """The manifest for a deployment; arguments must already be checked."""
    base = f"https://{host}"
    template = copy.deepcopy(_template())
    manifest: dict[str, Any] = {
        "$schema": template.pop("$schema"),
        "manifestVersion": template.pop("manifestVersion"),
        "version": app_version,
        "id": app_id,
        **template,
    }
    manifest["developer"].update(
        websiteUrl=f"{base}{ABOUT_PATH}",
        privacyUrl=f"{base}{ABOUT_PATH}#privacy",
        termsOfUseUrl=f"{base}{ABOUT_PATH}#terms",
    )
    manifest["accentColor"] = ACCENT
    manifest["bots"] = [{"botId": app_id, **manifest["bots"][0], "commandLists": manifest_command_lists()}]
    manifest["configurableTabs"][0]["configurationUrl"] = f"{base}{CONFIG_PATH}"
    schedule = next(tab for tab in manifest["staticTabs"] if tab["entityId"] == "schedule")
    schedule.update(contentUrl=f"{base}{SCHEDULE_PATH}?inTeams=1", websiteUrl=f"{base}{SCHEDULE_PATH}")
    manifest["validDomains"] = [host]
    manifest["webApplicationInfo"] = {"id": app_id, "resource": f"api://{host}/{app_id}"}
    manifest["authorization"] = {
        "permissions": {"resourceSpecific": [{"name": name, "type": "Application"} for name in RESOURCE_SPECIFIC]}
    }
    return manifest


@cache
def _template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


@cache
def schema_validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def schema_problems(manifest: dict[str, Any]) -> list[str]:
    """Every way the manifest breaks the official schema, as `path: message`."""
    errors = sorted(schema_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}" for error in errors]


def build_package(app_id: str, host: str, app_version: str | None = None, icons: Path = HERE) -> Package:
    """Checked inputs, the manifest, the icons: everything the zip holds. Raises ManifestError."""
    manifest = build_manifest(check_app_id(app_id), check_host(host), check_version(app_version or default_version()))
    problems = schema_problems(manifest)
    if problems:
        listed = "\n  ".join(problems)
        raise ManifestError(f"the manifest does not validate against the Teams schema v1.29:\n  {listed}")
    color, outline = (icons / COLOR_FILE).read_bytes(), (icons / OUTLINE_FILE).read_bytes()
    try:
        check_color(color)
        check_outline(outline)
    except IconError as exc:
        raise ManifestError(str(exc)) from exc
    return Package(manifest, color, outline)


def zip_bytes(package: Package) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in package.files():
            archive.writestr(name, data)
    return buffer.getvalue()


def write_zip(package: Package, out: Path) -> None:
    """Whole or not at all: written beside `out`, then moved into place."""
    out = out.resolve()
    descriptor, temporary = tempfile.mkstemp(prefix=".rota-teams-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(zip_bytes(package))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
