"""`rota integration add|list`: a webhook made from the command line works, and its secret
is printed once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.storage import Store
from bot.storage.alerts import AlertStore

EXAMPLE = Path(__file__).parents[2] / "examples" / "rotations.yaml"
ENV = {"ROTA_PUBLIC_URL": "https://rota.example.com/"}


def rota(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner(env=ENV).invoke(cli, ["--database-url", database_url, *args], catch_exceptions=False)
    return result.exit_code, result.output


def authenticates(database_url: str, integration_id: int, secret: str) -> bool:
    async def check() -> bool:
        store = await Store.open(database_url)
        try:
            return await AlertStore(store.engine).authenticate_integration(integration_id, [secret]) is not None
        finally:
            await store.close()

    return asyncio.run(check())


def test_add_prints_url_and_secret_as_json_and_the_secret_works(database_url: str) -> None:
    rota(database_url, "apply", str(EXAMPLE))

    code, out = rota(database_url, "integration", "add", "data-platform", "--kind", "alertmanager", "--json")

    assert code == 0, out
    created = json.loads(out)
    assert set(created) == {"id", "url", "secret"}
    assert created["url"] == f"https://rota.example.com/api/alerts/{created['id']}"
    assert authenticates(database_url, created["id"], created["secret"])
    assert not authenticates(database_url, created["id"], created["secret"] + "x")


def test_list_shows_every_integration_but_no_secret(database_url: str) -> None:
    rota(database_url, "apply", str(EXAMPLE))
    _, text = rota(database_url, "integration", "add", "data-platform", "--kind", "grafana", "--name", "grafana-prod")
    secret = text.strip().splitlines()[-1]

    code, out = rota(database_url, "integration", "list")

    assert code == 0 and secret.startswith("rotahook_")
    assert "data-platform  grafana  grafana-prod  https://rota.example.com/api/alerts/1  created" in out
    assert secret not in out


def test_a_deleted_integration_refuses_its_secret(sqlite_url: str) -> None:
    rota(sqlite_url, "apply", str(EXAMPLE))
    created = json.loads(rota(sqlite_url, "integration", "add", "data-platform", "--kind", "generic", "--json")[1])

    deleted = rota(sqlite_url, "integration", "delete", "data-platform", str(created["id"]))
    again = rota(sqlite_url, "integration", "delete", "data-platform", str(created["id"]))

    assert deleted == (0, f"deleted integration {created['id']} of data-platform\n")
    assert again == (1, f"Error: integration {created['id']} does not exist\n")
    assert rota(sqlite_url, "integration", "list")[1] == ""


def test_refusals_say_what_is_wrong(sqlite_url: str) -> None:
    rota(sqlite_url, "apply", str(EXAMPLE))
    rota(sqlite_url, "integration", "add", "data-platform", "--kind", "generic")

    unknown = rota(sqlite_url, "integration", "add", "nope", "--kind", "generic")
    twice = rota(sqlite_url, "integration", "add", "data-platform", "--kind", "generic")
    kind = rota(sqlite_url, "integration", "add", "data-platform", "--kind", "nagios")

    assert unknown == (1, "Error: rotation 'nope' does not exist\n")
    assert twice[0] == 1 and "already has an integration named 'generic'" in twice[1]
    assert kind[0] == 2 and "'nagios' is not one of" in kind[1]
