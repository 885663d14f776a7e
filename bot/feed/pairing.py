"""Pairing a tray in local mode: a one-time code from the bot, traded for a personal token.

`Pairing` is the chat service's `PairingCodes` (the `tray` command) and what
`POST /api/v1/pair` calls. A code is valid for ten minutes and once; a new code replaces
the person's previous one. Failed attempts are counted per caller address: after a few
in a short while that address is refused, even with a good code, until the window has
passed, so codes cannot be guessed by trying.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.chat.ports import PairingCode
from bot.feed.codes import new_code, normalize_code
from bot.storage import Conflict
from bot.storage.tray import Paired, TrayStore

Clock = Callable[[], datetime]

CODE_LIFETIME = timedelta(minutes=10)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
#: Addresses remembered at most; the longest quiet ones are forgotten first.
MAX_ADDRESSES = 10_000
#: A freshly drawn code that is already stored (vanishingly rare) is drawn again.
DRAWS = 3
#: How the audit log names a code issued through the chat's `tray` command.
CHAT_ACTOR = "teams:"


class PairingRefused(Exception):
    """The code is no good (`retry_after` None), or this address must wait (`retry_after`)."""

    def __init__(self, message: str, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class FailedAttempts:
    """Failures per address over a sliding window, with a bounded memory."""

    def __init__(self, clock: Clock, limit: int = MAX_FAILURES, window: timedelta = FAILURE_WINDOW,
                 max_addresses: int = MAX_ADDRESSES) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._max = max_addresses
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def wait_for(self, address: str) -> timedelta | None:
        """How long `address` must wait before its next try (None: it may try now)."""
        recent = self._recent(address)
        if len(recent) < self._limit:
            return None
        return recent[0] + self._window - self._clock()

    def failed(self, address: str) -> None:
        recent = self._recent(address)
        recent.append(self._clock())
        self._failures[address] = recent
        self._failures.move_to_end(address)
        while len(self._failures) > self._max:
            self._failures.popitem(last=False)

    def _recent(self, address: str) -> deque[datetime]:
        recent = self._failures.get(address, deque())
        cutoff = self._clock() - self._window
        while recent and recent[0] <= cutoff:
            recent.popleft()
        return recent


class Pairing:
    """Issues codes and trades them for personal tokens."""

    def __init__(self, tray: TrayStore, clock: Clock, attempts: FailedAttempts | None = None,
                 lifetime: timedelta = CODE_LIFETIME) -> None:
        self._tray = tray
        self._clock = clock
        self._attempts = attempts or FailedAttempts(clock)
        self._lifetime = lifetime

    async def issue(self, person: str, *, actor: str | None = None) -> PairingCode:
        """A new code for `person` (who asked for it in chat, unless `actor` says otherwise)."""
        actor = actor or f"{CHAT_ACTOR}{person}"
        for _ in range(DRAWS - 1):
            try:
                return await self._issue_once(person, actor)
            except Conflict:
                continue
        return await self._issue_once(person, actor)

    async def _issue_once(self, person: str, actor: str) -> PairingCode:
        code, expires_at = new_code(), self._clock() + self._lifetime
        await self._tray.issue_code(person, normalize_code(code), expires_at, actor=actor)
        return PairingCode(code=code, expires_at=expires_at)

    async def redeem(self, code: str, address: str) -> Paired:
        """The personal token the code pairs, for a caller at `address`. Raises PairingRefused."""
        wait = self._attempts.wait_for(address)
        if wait is not None:
            raise PairingRefused("too many wrong pairing codes from this address; try again later", wait)
        paired = await self._tray.redeem_code(normalize_code(code))
        if paired is None:
            self._attempts.failed(address)
            raise PairingRefused("the pairing code is unknown, used or expired; ask the bot for a new one with `tray`")
        return paired
