"""`POST /api/alerts/{integration}`: where Alertmanager, Grafana and any JSON sender post.

The integration's secret may come the way each sender sends it: `Authorization: Bearer
<secret>` (Alertmanager's `http_config.authorization`, the generic default), Grafana's
webhook contact point with a custom `Authorization: <scheme> <secret>` header, or HTTP
basic auth with the secret as the password. The order of refusals is fixed so nothing is
read, parsed or stored for a request that is refused:

* 404 for an integration that does not exist, 401 for a missing or wrong secret;
* 413 for a body over the service's limit (1 MiB, `client_max_size`), read no further;
* 400 for a body that is not JSON or not the integration's shape, with the parser's reason;
* 503 (with Retry-After) when the database cannot take the alert, so the sender retries.

The answer, 200 with what became of each notice, is sent only after the transaction that
stores the alerts has committed. No other 5xx is answered for anything a sender can send.
"""

from __future__ import annotations

import base64
import binascii
import logging

from aiohttp import hdrs, web
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.alerts.parsers import PayloadError, decode_json, parse
from bot.api.errors import ApiError
from bot.appkeys import ALERTS
from bot.storage import NotFound
from bot.storage.alerts import MAX_SECRET_LENGTH

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/alerts/{integration}"
REALM = 'Bearer realm="rota-alerts"'
#: Integration ids are 32-bit on every backend; longer text is no id.
MAX_ID_DIGITS = 10
RETRY_AFTER_SECONDS = "30"


def add_webhook_route(app: web.Application) -> None:
    app.router.add_post(WEBHOOK_PATH, receive_webhook)


async def receive_webhook(request: web.Request) -> web.Response:
    """Store what the source says, then answer; the pages follow in the background."""
    service = request.app[ALERTS]
    integration_id = _integration_id(request.match_info["integration"])
    presented = presented_secrets(request.headers.get(hdrs.AUTHORIZATION))
    try:
        integration = await service.authenticate(integration_id, presented)
    except NotFound:
        raise ApiError(404, "not_found", f"there is no integration {integration_id}") from None
    if integration is None:
        message = "send the integration's secret, e.g. Authorization: Bearer rotahook_..." if not presented else \
            "the integration's secret does not match"
        raise ApiError(401, "unauthorized", message, headers={hdrs.WWW_AUTHENTICATE: REALM})
    raw = await request.read()
    try:
        notices = parse(integration.kind, decode_json(raw))
    except PayloadError as exc:
        raise ApiError(400, "bad_payload", f"not a {integration.kind} alert: {exc.reason}") from None
    try:
        received = await service.receive(integration, notices)
    except (OperationalError, DBAPIError, OSError) as exc:
        log.warning("could not store alerts from integration %s: %s", integration.id, type(exc).__name__)
        raise ApiError(503, "unavailable", "the alerts could not be stored just now; send them again",
                       headers={hdrs.RETRY_AFTER: RETRY_AFTER_SECONDS}) from exc
    return web.json_response({"alerts": [{"id": r.alert_id, "outcome": r.outcome.value} for r in received]})


def _integration_id(text: str) -> int:
    if not text.isdigit() or len(text) > MAX_ID_DIGITS or not 1 <= int(text) <= 2**31 - 1:
        raise ApiError(404, "not_found", "there is no such integration; the URL ends with its number")
    return int(text)


def presented_secrets(header: str | None) -> list[str]:
    """The secrets an Authorization header may carry: the credentials after any scheme
    (`Bearer`, or a scheme chosen in Grafana), a bare value, or basic auth's password
    (and user name, for senders that only fill that in)."""
    if not header or len(header) > 4 * MAX_SECRET_LENGTH:
        return []
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return [scheme]
    if scheme.lower() != "basic":
        return [credentials]
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return []
    user, _, password = decoded.partition(":")
    return [secret for secret in (password, user) if secret]
