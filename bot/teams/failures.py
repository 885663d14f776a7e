"""What a failed call to the Bot Connector means for the caller: retry later, or give up.

Outages (5xx, 429, 408, timeouts, refused connections, Entra unreachable) are retryable,
with the Connector's `Retry-After` when it gives one; answers that will never succeed
(403: the bot was removed, 404: the conversation is gone, 400: a malformed message) are not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.conversations import DeliveryError
from bot.teams.auth import TokenUnavailable

RETRYABLE_STATUSES = frozenset({408, 429})

#: Errors `connector_failure` knows; anything else is a bug and propagates as it is.
CONNECTOR_ERRORS = (HttpOperationError, ClientRequestError, TokenUnavailable, asyncio.TimeoutError, PermissionError)


def connector_failure(error: BaseException, *, now: Callable[[], datetime]) -> DeliveryError:
    """A `DeliveryError` for one of `CONNECTOR_ERRORS`."""
    if isinstance(error, HttpOperationError):
        return _answered(error, now)
    if isinstance(error, asyncio.TimeoutError):
        return DeliveryError("the Bot Connector did not answer in time", retryable=True)
    if isinstance(error, ClientRequestError):
        return DeliveryError(f"cannot reach the Bot Connector: {error}", retryable=True)
    if isinstance(error, TokenUnavailable):
        return DeliveryError(str(error), retryable=True)
    return DeliveryError(f"the bot's credentials were refused: {error}", retryable=False)


def _answered(error: HttpOperationError, now: Callable[[], datetime]) -> DeliveryError:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    retryable = status >= 500 or status in RETRYABLE_STATUSES
    headers = getattr(response, "headers", None) or {}
    detail = _error_code(error)
    message = f"the Bot Connector answered {status}" + (f" ({detail})" if detail else "")
    return DeliveryError(message, retryable=retryable, retry_after=retry_after(headers, now()) if retryable else None)


def _error_code(error: HttpOperationError) -> str | None:
    body = getattr(error, "error", None)
    inner = getattr(body, "error", None)
    return getattr(inner, "code", None) or None


def retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds to wait, from `Retry-After` as delta-seconds or an HTTP date."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
