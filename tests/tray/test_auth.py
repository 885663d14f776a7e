"""Where the token comes from: the paired token on disk, or msal run off the event loop, in
the browser where one opens and with a device code at once where none does."""

from __future__ import annotations

import stat
import threading
import webbrowser

import pytest

from tests.tray.fake_msal import DEVICE_LOGIN, MESSAGE, USER_CODE, FakeMsal
from tray.auth import Credentials, DeviceCode, MicrosoftSignIn, PairedToken, SignInError, browser_available

SCOPES = ["api://rota/Feed.Read"]


def test_the_paired_token_is_kept_for_its_owner_only_and_forgotten_on_sign_out(tmp_path):
    PairedToken(tmp_path).save("personal-token-0123456789abcdef")
    assert PairedToken(tmp_path).load() == "personal-token-0123456789abcdef"
    assert stat.S_IMODE((tmp_path / "token.bin").stat().st_mode) & 0o077 == 0
    PairedToken(tmp_path).forget()
    assert PairedToken(tmp_path).load() is None


def sign_in(app: FakeMsal, *, browser: bool = True) -> MicrosoftSignIn:
    return MicrosoftSignIn(SCOPES, lambda: app, browser=lambda: browser)


class Announced:
    def __init__(self) -> None:
        self.codes: list[DeviceCode] = []

    async def __call__(self, device_code: DeviceCode) -> None:
        self.codes.append(device_code)


async def test_a_cached_account_gets_its_token_silently_off_the_event_loop():
    app = FakeMsal(accounts=[{"username": "alice@example.com"}])
    assert await sign_in(app).token() == "silent-for-alice@example.com"
    assert threading.get_ident() not in app.threads


async def test_without_an_account_there_is_no_token_until_sign_in():
    assert await sign_in(FakeMsal()).token() is None


async def test_where_a_browser_opens_sign_in_uses_it():
    app, announced = FakeMsal(), Announced()
    assert await sign_in(app, browser=True).sign_in(announced) == "from-microsoft"
    assert "acquire_token_interactive" in app.calls and "initiate_device_flow" not in app.calls
    assert announced.codes == []


async def test_without_a_browser_the_device_code_is_used_at_once_and_shown():
    app, announced = FakeMsal(), Announced()
    assert await sign_in(app, browser=False).sign_in(announced) == "from-device-code"
    assert "acquire_token_interactive" not in app.calls, "msal would wait out its timeout for a browser"
    assert announced.codes == [DeviceCode(USER_CODE, DEVICE_LOGIN, MESSAGE)]
    assert threading.get_ident() not in app.threads


async def test_a_browser_sign_in_that_cannot_start_falls_back_to_a_device_code():
    app, announced = FakeMsal(interactive_error=OSError("cannot listen on localhost")), Announced()
    assert await sign_in(app, browser=True).sign_in(announced) == "from-device-code"
    assert app.calls == ["acquire_token_interactive", "initiate_device_flow", "acquire_token_by_device_flow"]
    assert [code.code for code in announced.codes] == [USER_CODE]


async def test_the_browser_is_looked_for_off_the_event_loop():
    threads = []

    def browser() -> bool:
        threads.append(threading.get_ident())
        return False

    await MicrosoftSignIn(SCOPES, FakeMsal, browser=browser).sign_in(Announced())
    assert threads and threading.get_ident() not in threads


async def test_a_refused_sign_in_says_why():
    refused = FakeMsal(result={"error": "access_denied", "error_description": "The user cancelled."})
    with pytest.raises(SignInError, match="The user cancelled."):
        await sign_in(refused).sign_in(Announced())


def no_browser_found() -> object:
    raise webbrowser.Error("could not locate runnable browser")


def found() -> object:
    return object()


@pytest.mark.parametrize(
    ("platform", "environ", "find", "expected"),
    [
        ("linux", {}, found, False),
        ("linux", {"DISPLAY": ""}, found, False),
        ("linux", {"DISPLAY": ":0"}, found, True),
        ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, found, True),
        ("linux", {"DISPLAY": ":0"}, no_browser_found, False),
        ("win32", {}, found, True),
        ("darwin", {}, found, True),
        ("darwin", {}, no_browser_found, False),
    ],
)
def test_a_browser_is_available_with_a_display_where_python_finds_one(platform, environ, find, expected):
    assert browser_available(platform, environ, find) is expected


def test_a_linux_session_without_a_display_does_not_even_look_for_a_browser():
    looked = []
    assert not browser_available("linux", {"HOME": "/home/alice"}, lambda: looked.append(True))
    assert looked == []


async def test_credentials_prefer_microsoft_then_the_paired_token_and_sign_out_clears_both(tmp_path):
    paired = PairedToken(tmp_path)
    paired.save("paired-token-0123456789abcdef")
    app = FakeMsal(accounts=[{"username": "alice@example.com"}])
    credentials = Credentials(paired, sign_in(app))
    assert await credentials.token() == "silent-for-alice@example.com"
    await credentials.sign_out()
    assert app.accounts == [] and await credentials.token() is None


async def test_in_local_mode_sign_in_points_to_pairing(tmp_path):
    credentials = Credentials(PairedToken(tmp_path))
    assert not credentials.can_sign_in
    with pytest.raises(SignInError, match="--pair"):
        await credentials.sign_in(Announced())
