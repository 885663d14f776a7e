"""Pairing a tray in local mode: the code from chat's `tray` (or `rota tray pair`) is traded
once, within ten minutes, for a personal token; wrong codes are limited per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from bot.appkeys import PAIRING, STORE
from bot.cli import cli
from bot.feed.api import sign_in_options
from bot.feed.pairing import FAILURE_WINDOW, MAX_FAILURES
from bot.settings import Settings
from tests.api.conftest import Api
from tests.feed.conftest import ALICE, pair
from tests.storage.conftest import FakeClock

PAIR = "/api/v1/pair"


async def exchange(client, code: str) -> tuple[int, dict]:
    return await Api(client, None).call("POST", PAIR, json={"code": code})


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_code_from_chat_pairs_a_tray_once(client, admin: Api, clock: FakeClock):
    assert await Api(client, None).ok("GET", "/api/v1/tray/sign-in") == {
        "mode": "pairing", "client_id": None, "authority": None, "scopes": []}
    code = await client.app[PAIRING].issue(ALICE)

    status, paired = await exchange(client, code.code.lower().replace("-", ""))
    again, refused = await exchange(client, code.code)
    mine = await Api(client, paired["token"]).ok("GET", "/api/v1/me/shifts")

    assert status == 200 and paired["user"] == ALICE
    assert len(code.code) == 9 and code.code[4] == "-"
    assert code.expires_at == clock() + timedelta(minutes=10)
    assert mine["user"] == ALICE
    assert (again, refused["error"]["field"]) == (400, "code")


async def test_codes_are_kept_hashed(client, admin: Api):
    code = await client.app[PAIRING].issue(ALICE)
    alice = await pair(client, "bob@example.com")

    async with client.app[STORE].engine.connect() as connection:
        stored = [row[0] for row in await connection.execute(text("SELECT code_hash FROM tray_pairing_codes"))]
        secrets = [row[0] for row in await connection.execute(text("SELECT secret_hash FROM tray_tokens"))]

    assert code.code.replace("-", "") not in "".join(stored)
    assert alice.secret not in "".join(secrets) and all(len(value) == 64 for value in stored + secrets)


async def test_an_expired_code_and_an_unknown_one_are_refused(client, admin: Api, clock: FakeClock):
    code = await client.app[PAIRING].issue(ALICE)
    clock.advance(timedelta(minutes=10))

    assert (await exchange(client, code.code))[0] == 400
    assert (await exchange(client, "ABCD-EFGH"))[0] == 400


async def test_a_new_code_replaces_the_one_before(client, admin: Api):
    first = await client.app[PAIRING].issue(ALICE)
    second = await client.app[PAIRING].issue(ALICE)

    assert (await exchange(client, first.code))[0] == 400
    assert (await exchange(client, second.code))[0] == 200


async def test_too_many_wrong_codes_lock_the_address_out_for_a_while(client, admin: Api, clock: FakeClock):
    code = await client.app[PAIRING].issue(ALICE)
    wrong = [(await exchange(client, f"WRNG-{n:04d}"))[0] for n in range(MAX_FAILURES)]

    response = await client.post(PAIR, json={"code": code.code})
    clock.advance(FAILURE_WINDOW - timedelta(seconds=1))
    still = (await exchange(client, code.code))[0]
    clock.advance(timedelta(seconds=1))
    status, paired = await exchange(client, (await client.app[PAIRING].issue(ALICE)).code)

    assert wrong == [400] * MAX_FAILURES
    assert response.status == 429 and response.headers["Retry-After"] == str(int(FAILURE_WINDOW.total_seconds()))
    assert still == 429
    assert (status, paired["user"]) == (200, ALICE)


def test_the_command_line_prints_a_code_that_pairs(sqlite_url: str):
    runner = CliRunner()
    issued = runner.invoke(cli, ["--database-url", sqlite_url, "tray", "pair", "Alice@Example.com"])
    revoked = runner.invoke(cli, ["--database-url", sqlite_url, "tray", "revoke", ALICE])

    assert issued.exit_code == 0, issued.output
    assert issued.output.splitlines()[-1].count("-") == 1
    assert "alice@example.com" in issued.output
    assert revoked.exit_code == 0 and "0 personal tokens" in revoked.output


def test_with_microsoft_credentials_the_tray_signs_in_with_msal():
    settings = Settings(app_id="00000000-0000-0000-0000-00000000abcd", app_password="x",
                        app_tenant_id="11111111-1111-1111-1111-111111111111", public_url="https://rota.example.com")

    options = sign_in_options(settings)

    assert options.mode == "microsoft"
    assert options.client_id == settings.app_id
    assert options.authority == f"https://login.microsoftonline.com/{settings.app_tenant_id}"
    assert options.scopes == [f"api://rota.example.com/{settings.app_id}/access_as_user"]
