"""The `rota` command line on a real database: apply, who, shifts, export, tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "rotations.yaml"


def rota(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--database-url", database_url, *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_newcomer_applies_the_example_and_asks_who(database_url: str) -> None:
    code, out = rota(database_url, "apply", str(EXAMPLE))
    assert code == 0, out
    assert "+ rotation data-platform" in out and "+ owner data-platform: alice@example.com" in out
    assert "4 change(s) applied" in out

    code, out = rota(database_url, "who", "data-platform", "--at", "2026-04-08T09:00:00+02:00", "--json")
    assert code == 0, out
    # week of 2026-04-06 is carol's regular week (alice, bob, carol from 2026-03-02)
    assert json.loads(out) == {
        "rotation": "data-platform",
        "primary": "carol@example.com",
        "secondary": "alice@example.com",
        "start": "2026-04-06T10:00:00+00:00",
        "end": "2026-04-13T10:00:00+00:00",
    }


def test_applying_twice_changes_nothing(database_url: str) -> None:
    rota(database_url, "apply", str(EXAMPLE))
    code, out = rota(database_url, "apply", str(EXAMPLE))
    assert code == 0 and out.strip() == "no changes"


def test_dry_run_plans_without_writing(database_url: str) -> None:
    code, out = rota(database_url, "apply", "--dry-run", str(EXAMPLE))
    assert code == 0 and "planned (dry run)" in out
    code, out = rota(database_url, "who", "data-platform")
    assert code == 1 and "does not exist" in out


def test_export_then_apply_round_trips(database_url: str, tmp_path: Path) -> None:
    rota(database_url, "apply", str(EXAMPLE))
    exported = tmp_path / "exported.yaml"
    code, _ = rota(database_url, "export", "-o", str(exported))
    assert code == 0
    code, out = rota(database_url, "apply", str(exported))
    assert out.strip() == "no changes"


def test_owners_follow_the_file_and_are_exported(database_url: str, tmp_path: Path) -> None:
    rota(database_url, "apply", str(EXAMPLE))
    edited = tmp_path / "owners.yaml"
    edited.write_text(EXAMPLE.read_text().replace("owners: [alice@example.com]", "owners: [bob@example.com]"))

    code, out = rota(database_url, "apply", str(edited))
    _, exported = rota(database_url, "export", "data-platform")

    assert code == 0, out
    assert "- owner data-platform: alice@example.com" in out and "+ owner data-platform: bob@example.com" in out
    assert "owners:\n  - bob@example.com" in exported


def test_who_text_names_the_person_and_the_local_end(sqlite_url: str) -> None:
    rota(sqlite_url, "apply", str(EXAMPLE))
    code, out = rota(sqlite_url, "who", "data-platform", "--at", "2026-04-01T09:00")
    assert code == 0
    assert out.strip() == (
        "data-platform: carol@example.com (override) is on duty until Thu 2026-04-02 00:00 CEST; "
        "secondary alice@example.com"
    )


def test_shifts_json_lists_both_layers(sqlite_url: str) -> None:
    rota(sqlite_url, "apply", str(EXAMPLE))
    code, out = rota(
        sqlite_url, "shifts", "data-platform", "--from", "2026-03-30T12:00+02:00", "--to", "2026-04-06T12:00+02:00", "--json"
    )
    assert code == 0, out
    segments = json.loads(out)
    primary = [(s["person"], s["reason"]) for s in segments if s["layer"] == "primary"]
    assert primary == [
        ("bob@example.com", "regular"),
        ("carol@example.com", "override"),
        ("bob@example.com", "regular"),
        ("carol@example.com", "covering-time-off"),
    ]
    assert {s["layer"] for s in segments} == {"primary", "secondary"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["who", "nope"], "rotation 'nope' does not exist"),
        (["who", "data-platform", "--at", "yesterday"], "is not an ISO-8601 date-time"),
        (["shifts", "data-platform", "--from", "2026-05-01", "--to", "2026-04-01"], "end: must be after start"),
        (["who", "data-platform", "--at", "9999-01-01T00:00"], "between 1970 and 2199"),
    ],
)
def test_mistakes_get_a_reason_and_a_nonzero_exit(sqlite_url: str, args: list[str], message: str) -> None:
    rota(sqlite_url, "apply", str(EXAMPLE))
    code, out = rota(sqlite_url, *args)
    assert code != 0
    assert message in out


def test_bad_file_changes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("Europe/Paris", "Europe/Atlantis"))
    code, out = rota(sqlite_url, "apply", str(bad))
    assert code == 1 and "IANA" in out
    code, out = rota(sqlite_url, "rotations")
    assert out == ""


def test_token_secret_is_alone_on_the_last_line(database_url: str) -> None:
    code, out = rota(database_url, "token", "create", "--name", "grafana")
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("rota_") and " " not in secret
    code, out = rota(database_url, "token", "list")
    assert "grafana  read-only" in out and secret not in out
    code, out = rota(database_url, "token", "revoke", "grafana")
    assert code == 0
    assert "grafana" not in rota(database_url, "token", "list")[1]
