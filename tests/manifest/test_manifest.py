"""The Teams app package: the manifest validates against Microsoft's v1.29 schema (draft-7,
so `const` counts), lists the chat commands of the table, points the tabs and single sign-on
at the host given; bad ids and hosts are refused with the reason and nothing is written;
the icons follow Teams' rules and read on its light and dark themes."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator, Draft7Validator
from PIL import Image

from bot.chat.table import COMMANDS, MANIFEST_MAX_COMMANDS, Scope
from bot.cli import cli
from manifest.build import SCHEMA, ManifestError, build_package, check_host, zip_bytes
from manifest.icons import ACCENT, IconError, check_color, check_outline, png_bytes, rgba_pixels
from tests.reference import REFERENCE, load_reference

APP_ID = "3A9E6C4B-2D1F-4E8A-B7C6-5D4E3F2A1B0C"
HOST = "rota.example.com"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "manifest"
#: Teams' canvas behind app icons in its light and dark themes, and the tint it gives outlines.
THEMES = {"light": ((245, 245, 245), (66, 66, 66)), "dark": ((31, 31, 31), (255, 255, 255))}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return build_package(APP_ID, HOST, "1.4.0").manifest


def test_the_manifest_validates_against_the_official_schema_under_draft_7(manifest: dict) -> None:
    validator = Draft7Validator(load_reference("teams-manifest.schema.json"))

    assert [error.message for error in validator.iter_errors(manifest)] == []
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["version"] == "1.4.0"


def test_draft_7_is_what_catches_an_old_manifest_version(manifest: dict) -> None:
    """The reason the build validates with Draft7Validator: draft-04 ignores `const`."""
    schema = load_reference("teams-manifest.schema.json")
    old = {**manifest, "manifestVersion": "1.17"}

    assert Draft4Validator(schema).is_valid(old)
    assert not Draft7Validator(schema).is_valid(old)


def test_the_schema_shipped_with_the_build_is_microsofts_unchanged() -> None:
    assert SCHEMA.read_bytes() == (REFERENCE / "teams-manifest.schema.json").read_bytes()


def test_the_bot_lists_the_table_s_commands_per_scope(manifest: dict) -> None:
    bot = manifest["bots"][0]
    lists = {tuple(entry["scopes"]): [c["title"] for c in entry["commands"]] for entry in bot["commandLists"]}

    for scope, teams_scopes in ((Scope.CHANNEL, ("team", "groupChat")), (Scope.PERSONAL, ("personal",))):
        expected = [c.name for c in COMMANDS if c.in_menu and c.allowed_in(scope)][:MANIFEST_MAX_COMMANDS]
        assert lists[teams_scopes] == expected
    assert "who" in lists[("team", "groupChat")] and "my shifts" in lists[("personal",)]
    described = {c["title"]: c["description"] for entry in bot["commandLists"] for c in entry["commands"]}
    assert described["who"] == next(c.description for c in COMMANDS if c.name == "who")
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["botId"] == APP_ID.lower()


def test_the_tabs_and_single_sign_on_point_at_the_host(manifest: dict) -> None:
    app_id = APP_ID.lower()
    assert manifest["id"] == app_id
    assert manifest["webApplicationInfo"] == {"id": app_id, "resource": f"api://{HOST}/{app_id}"}
    assert manifest["validDomains"] == [HOST]
    assert manifest["configurableTabs"][0]["configurationUrl"] == f"https://{HOST}/tab/config"
    schedule = next(tab for tab in manifest["staticTabs"] if tab["entityId"] == "schedule")
    assert (schedule["name"], schedule["scopes"]) == ("Schedule", ["personal"])
    assert schedule["contentUrl"] == f"https://{HOST}/tab/schedule?inTeams=1"
    assert all(url.startswith(f"https://{HOST}/") for url in manifest["developer"].values() if "://" in url)
    permissions = {p["name"]: p["type"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]}
    assert permissions == {"ChannelMessage.Read.Group": "Application", "TeamMember.Read.Group": "Application",
                           "TeamworkTag.ReadWrite.Group": "Application"}  # fmt: skip
    assert manifest["accentColor"] == ACCENT


@pytest.mark.parametrize(
    ("host", "expected"),
    [("Rota.Example.com", "rota.example.com"), ("rota.example.com:443", "rota.example.com"),
     ("rota.example.com:8443", "rota.example.com:8443"), ("localhost:53000", "localhost:53000")],
)
def test_a_host_is_a_dns_name_with_a_port_only_when_not_443(host: str, expected: str) -> None:
    assert check_host(host) == expected


@pytest.mark.parametrize(
    ("app_id", "host", "reason"),
    [
        ("not-a-guid", HOST, "GUID"),
        ("3a9e6c4b2d1f4e8ab7c65d4e3f2a1b0c", HOST, "GUID"),
        ("{3a9e6c4b-2d1f-4e8a-b7c6-5d4e3f2a1b0c}", HOST, "GUID"),
        (APP_ID, "https://rota.example.com", "without https://"),
        (APP_ID, "rota.example.com/tab", "no path"),
        (APP_ID, "rota.example.com:99999", "port"),
        (APP_ID, "rota.example.com:http", "port"),
        (APP_ID, "10.1.2.3", "not an IP address"),
        (APP_ID, "rota", "fully qualified"),
        (APP_ID, "*.example.com", "DNS name"),
        (APP_ID, "rota_bot.example.com", "DNS name"),
        (APP_ID, "-rota.example.com", "DNS name"),
        (APP_ID, "", "DNS name"),
    ],
)
def test_bad_ids_and_hosts_are_refused_with_the_reason_and_nothing_is_written(
    tmp_path: Path, app_id: str, host: str, reason: str
) -> None:
    out = tmp_path / "rota-teams.zip"

    result = CliRunner().invoke(cli, ["manifest", "build", "--app-id", app_id, "--host", host, "--out", str(out)])

    assert result.exit_code != 0
    assert reason in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.2.3", "1.0.0-beta"])
def test_a_version_that_is_not_major_minor_patch_is_refused(version: str) -> None:
    with pytest.raises(ManifestError, match="MAJOR.MINOR.PATCH"):
        build_package(APP_ID, HOST, version)


def test_the_command_writes_a_zip_teams_accepts(tmp_path: Path) -> None:
    out = tmp_path / "rota-teams.zip"

    result = CliRunner().invoke(cli, ["manifest", "build", "--app-id", APP_ID, "--host", HOST, "--out", str(out),
                                      "--version", "2.0.1"])  # fmt: skip

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        written = json.loads(archive.read("manifest.json"))
        check_color(archive.read(written["icons"]["color"]))
        check_outline(archive.read(written["icons"]["outline"]))
    assert Draft7Validator(load_reference("teams-manifest.schema.json")).is_valid(written)
    assert written["version"] == "2.0.1"
    assert [p.name for p in tmp_path.iterdir()] == ["rota-teams.zip"]


def test_the_package_is_the_same_for_the_same_inputs() -> None:
    first = build_package(APP_ID, HOST, "1.0.0")
    assert build_package(APP_ID, HOST, "1.0.0").manifest == first.manifest
    with zipfile.ZipFile(io.BytesIO(zip_bytes(first))) as archive:
        assert archive.read("color.png") == first.color


def _icon(size: int, colour: tuple[int, int, int, int], dot: tuple[int, int, int, int] | None = None) -> bytes:
    image = Image.new("RGBA", (size, size), colour)
    if dot is not None:
        image.putpixel((size // 2, size // 2), dot)
    return png_bytes(image)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_icon(32, (255, 255, 255, 255)), "transparent background"),
        (_icon(32, (255, 255, 255, 0), dot=(200, 30, 30, 255)), "white on transparent"),
        (_icon(32, (255, 255, 255, 0)), "empty"),
        (_icon(48, (255, 255, 255, 0), dot=(255, 255, 255, 255)), "32×32"),
        (b"GIF89a not a png", "not an image"),
    ],
)
def test_an_outline_icon_breaking_teams_rules_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(IconError, match=reason):
        check_outline(data)


def test_a_colour_icon_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(IconError, match="192×192"):
        check_color(_icon(96, (10, 127, 140, 255)))


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_icons_read_on_teams_light_and_dark_themes() -> None:
    """The tile stands out from both canvases (3:1, WCAG's figure for graphics), the white
    symbol reads on the tile (4.5:1); a preview of both icons on both themes is saved."""
    package = build_package(APP_ID, HOST, "1.0.0")
    color = Image.open(io.BytesIO(package.color)).convert("RGBA")
    outline = Image.open(io.BytesIO(package.outline)).convert("RGBA")
    tile = color.getpixel((4, 4))

    for canvas, _tint in THEMES.values():
        assert _contrast(tile, canvas) >= 3
    assert _contrast(tile, (255, 255, 255)) >= 4.5
    assert 0.08 < sum(1 for *_, a in rgba_pixels(outline) if a > 128) / 32**2 < 0.6
    _save_preview(color, outline, ARTIFACTS / "icons-preview.png")


def _save_preview(color: Image.Image, outline: Image.Image, path: Path) -> None:
    """Each theme's row: the colour icon, the outline tinted as Teams tints it (large, then
    at its real size), and the colour icon at the 32 px Teams also shows it at."""
    preview = Image.new("RGBA", (560, 2 * 224))
    for row, (canvas, tint) in enumerate(THEMES.values()):
        panel = Image.new("RGBA", (560, 224), (*canvas, 255))
        panel.alpha_composite(color, (16, 16))
        for size, x in ((192, 224), (32, 432)):
            mask = outline.getchannel("A").resize((size, size), Image.Resampling.NEAREST)
            tinted = Image.new("RGBA", (size, size), (*tint, 0))
            tinted.putalpha(mask)
            panel.alpha_composite(tinted, (x, 16))
        panel.alpha_composite(color.resize((32, 32), Image.Resampling.LANCZOS), (480, 16))
        preview.alpha_composite(panel, (0, row * 224))
    path.parent.mkdir(parents=True, exist_ok=True)
    preview.save(path)


def test_what_the_schema_refuses_is_not_built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import manifest.build as build

    template = json.loads(build.TEMPLATE.read_text())
    template["name"]["short"] = "Rota, the on-call and duty rotation bot"
    monkeypatch.setattr(build, "_template", lambda: template)

    with pytest.raises(ManifestError, match="name/short: .* is too long"):
        build_package(APP_ID, HOST, "1.0.0")
