"""A stand-in for msal.PublicClientApplication in the tray's tests: no network, no browser."""

from __future__ import annotations

import threading

from tests.tray.waiting import WAIT

DEVICE_LOGIN = "https://microsoft.com/devicelogin"
USER_CODE = "ABCD-EFGH"
MESSAGE = f"To sign in, use a web browser to open the page {DEVICE_LOGIN} and enter the code {USER_CODE} to authenticate."


class FakeMsal:
    """Records the name and thread of every call.

    `interactive_error`, when given, is what the browser sign-in raises (as msal does when
    it cannot listen for the redirect). `device_code_entered`, when given, holds the
    device-code flow until it is set, as the person entering the code would.
    """

    def __init__(self, *, accounts=(), result=None, interactive_error=None, device_code_entered=None):
        self.accounts = list(accounts)
        self.result = result or {"access_token": "from-microsoft"}
        self.interactive_error = interactive_error
        self.device_code_entered = device_code_entered
        self.calls = []
        self.threads = []

    def _called(self, name):
        self.calls.append(name)
        self.threads.append(threading.get_ident())

    def get_accounts(self):
        self._called("get_accounts")
        return self.accounts

    def acquire_token_silent(self, scopes, account):
        self._called("acquire_token_silent")
        return {"access_token": f"silent-for-{account['username']}"}

    def acquire_token_interactive(self, scopes, **kwargs):
        self._called("acquire_token_interactive")
        if self.interactive_error is not None:
            raise self.interactive_error
        return self.result

    def initiate_device_flow(self, scopes):
        self._called("initiate_device_flow")
        return {"user_code": USER_CODE, "device_code": "device-code", "verification_uri": DEVICE_LOGIN, "message": MESSAGE}

    def acquire_token_by_device_flow(self, flow):
        self._called("acquire_token_by_device_flow")
        if self.device_code_entered is not None and not self.device_code_entered.wait(WAIT):
            return {"error": "expired_token", "error_description": "The device code expired."}
        return {"access_token": "from-device-code"}

    def remove_account(self, account):
        self._called("remove_account")
        self.accounts.remove(account)
