"""`rota-tray` in a terminal: pairing, `--once`, and its answers to mistakes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from tests.tray.factories import feed, shift
from tests.tray.fake_msal import MESSAGE, USER_CODE, FakeMsal
from tests.tray.fake_service import PAIRING_CODE, FakeService
from tray.auth import Credentials, MicrosoftSignIn, PairedToken
from tray.cache import Cache
from tray.cli import _sign_in, main
from tray.notify import Notice
from tray.timeline import span, when

UTC = ZoneInfo("UTC")
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)
SOON = shift(NOW + timedelta(minutes=30), NOW + timedelta(hours=8))


def run(*args: str):
    return CliRunner().invoke(main, [*args, "--tz", "UTC"], catch_exceptions=False)


@pytest.fixture
async def service():
    fake = FakeService(feed(SOON))
    await fake.start()
    yield fake
    await fake.stop()


async def test_pair_then_once_prints_my_state_and_next_shifts(service, tmp_path):
    result = await asyncio.to_thread(run, "--url", service.url, "--pair", PAIRING_CODE, "--once", "--config-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Paired as alice@example.com."
    now = datetime.now(timezone.utc)
    assert lines[1] == f"Starts soon, next shift {when(SOON.start, now, UTC)} (data-platform)"
    assert lines[lines.index("My next shifts") + 1] == f"  {span(SOON.start, SOON.end, now, UTC)} · data-platform"


async def test_once_while_rota_is_down_answers_from_the_last_copy(service, tmp_path):
    await asyncio.to_thread(run, "--url", service.url, "--pair", PAIRING_CODE, "--once", "--config-dir", str(tmp_path))
    await service.stop()
    result = await asyncio.to_thread(run, "--once", "--config-dir", str(tmp_path))
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith("Cannot reach Rota (shifts as of ")


def test_once_before_pairing_says_how_to_pair(tmp_path):
    result = run("--url", "http://127.0.0.1:9", "--once", "--config-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "rota-tray --pair CODE" in result.output


async def test_a_wrong_pairing_code_is_refused_with_what_to_do(service, tmp_path):
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["--url", service.url, "--pair", "NOPE-NOPE", "--once", "--config-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "ask the bot for a new one" in result.output


def test_reminder_times_given_once_are_remembered(tmp_path):
    run("--url", "http://127.0.0.1:9", "--lead", "2h", "--lead", "end-5m", "--once", "--config-dir", str(tmp_path))
    saved = Cache(tmp_path).load_settings()
    assert (saved.url, saved.leads) == ("http://127.0.0.1:9", ["2h", "end-5m"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lead", "soonish"], "is not a lead time"),
        (["--grace", "a while"], "is not a duration"),
        (["--tz", "Mars/Olympus"], "is not an IANA time zone"),
    ],
)
def test_mistakes_on_the_command_line_say_what_to_write(tmp_path, args, message):
    result = CliRunner().invoke(main, [*args, "--once", "--config-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output


class Notices:
    def __init__(self) -> None:
        self.shown: list[Notice] = []

    async def show(self, notice: Notice) -> None:
        self.shown.append(notice)


async def test_sign_in_without_a_browser_prints_the_device_code_and_shows_it_as_a_notification(tmp_path, capsys):
    msal, notices = FakeMsal(), Notices()
    microsoft = MicrosoftSignIn(["api://rota/Feed.Read"], lambda: msal, browser=lambda: False)
    await _sign_in(Credentials(PairedToken(tmp_path), microsoft), notices)
    assert capsys.readouterr().out.splitlines() == [MESSAGE]
    assert notices.shown == [Notice(f"Sign in to Rota: code {USER_CODE}", MESSAGE)]
    assert "acquire_token_interactive" not in msal.calls


async def test_sign_in_where_the_service_pairs_says_how_to_pair(tmp_path):
    with pytest.raises(click.ClickException, match="--pair"):
        await _sign_in(Credentials(PairedToken(tmp_path)), Notices())
