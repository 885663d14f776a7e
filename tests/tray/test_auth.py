"""Where the token comes from: the paired token on disk, or msal run off the event loop."""

from __future__ import annotations

import stat
import threading

import pytest

from tray.auth import Credentials, MicrosoftSignIn, PairedToken, SignInError

SCOPES = ["api://rota/Feed.Read"]


def test_the_paired_token_is_kept_for_its_owner_only_and_forgotten_on_sign_out(tmp_path):
    PairedToken(tmp_path).save("personal-token-0123456789abcdef")
    assert PairedToken(tmp_path).load() == "personal-token-0123456789abcdef"
    assert stat.S_IMODE((tmp_path / "token.bin").stat().st_mode) & 0o077 == 0
    PairedToken(tmp_path).forget()
    assert PairedToken(tmp_path).load() is None


class FakeMsal:
    """Stands for msal.PublicClientApplication; records the thread of every call."""

    def __init__(self, *, accounts=(), browser=True, result=None):
        self.accounts = list(accounts)
        self.browser = browser
        self.result = result or {"access_token": "from-microsoft"}
        self.threads = []
        self.announced_flow = None

    def _called(self):
        self.threads.append(threading.get_ident())

    def get_accounts(self):
        self._called()
        return self.accounts

    def acquire_token_silent(self, scopes, account):
        self._called()
        return {"access_token": f"silent-for-{account['username']}"}

    def acquire_token_interactive(self, scopes, **kwargs):
        self._called()
        if not self.browser:
            raise RuntimeError("Found no browser in current environment")
        return self.result

    def initiate_device_flow(self, scopes):
        self._called()
        return {"user_code": "ABCD-EFGH", "message": "To sign in, open https://microsoft.com/devicelogin and enter ABCD-EFGH"}

    def acquire_token_by_device_flow(self, flow):
        self._called()
        return {"access_token": "from-device-code"}

    def remove_account(self, account):
        self._called()
        self.accounts.remove(account)


def sign_in(app: FakeMsal, announced: list[str]) -> MicrosoftSignIn:
    return MicrosoftSignIn(SCOPES, lambda: app, announce=announced.append)


async def test_a_cached_account_gets_its_token_silently_off_the_event_loop():
    app = FakeMsal(accounts=[{"username": "alice@example.com"}])
    assert await sign_in(app, []).token() == "silent-for-alice@example.com"
    assert threading.get_ident() not in app.threads


async def test_without_an_account_there_is_no_token_until_sign_in():
    assert await sign_in(FakeMsal(), []).token() is None


async def test_sign_in_uses_the_browser():
    assert await sign_in(FakeMsal(), []).sign_in() == "from-microsoft"


async def test_without_a_browser_sign_in_falls_back_to_a_device_code_shown_to_the_person():
    announced = []
    assert await sign_in(FakeMsal(browser=False), announced).sign_in() == "from-device-code"
    assert announced == ["To sign in, open https://microsoft.com/devicelogin and enter ABCD-EFGH"]


async def test_a_refused_sign_in_says_why():
    refused = FakeMsal(result={"error": "access_denied", "error_description": "The user cancelled."})
    with pytest.raises(SignInError, match="The user cancelled."):
        await sign_in(refused, []).sign_in()


async def test_credentials_prefer_microsoft_then_the_paired_token_and_sign_out_clears_both(tmp_path):
    paired = PairedToken(tmp_path)
    paired.save("paired-token-0123456789abcdef")
    app = FakeMsal(accounts=[{"username": "alice@example.com"}])
    credentials = Credentials(paired, sign_in(app, []))
    assert await credentials.token() == "silent-for-alice@example.com"
    await credentials.sign_out()
    assert app.accounts == [] and await credentials.token() is None


async def test_in_local_mode_sign_in_points_to_pairing(tmp_path):
    credentials = Credentials(PairedToken(tmp_path))
    assert not credentials.can_sign_in
    with pytest.raises(SignInError, match="--pair"):
        await credentials.sign_in()
