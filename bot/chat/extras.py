"""Commands answered by other parts of Rota: `ack` (alerts), `tray` (pairing), `report`
(the shift reports). When that part is not set up, the command says so."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.cards.wording import when
from bot.chat.commands import Ack, IntegrationAdd, Report, Tray
from bot.chat.context import (
    Caller,
    Env,
    Refused,
    load_rotations,
    require_manager,
    rotations_in_view,
    working_rotation,
)
from bot.chat.ports import ReportRequest
from bot.chat.replies import say
from bot.chat.table import Scope
from bot.conversations import Reply
from bot.storage import Conflict


async def acknowledge(env: Env, caller: Caller, command: Ack) -> list[Reply]:
    alerts = env.more.alerts
    if alerts is None:
        raise Refused("Alerts aren't set up in this Rota yet, so there is nothing to acknowledge.",
                      "An operator can connect monitoring to Rota's alert webhooks.")  # fmt: skip
    return [await alerts.acknowledge(command.alert, caller.require_email(), caller.conversation)]


#: How each kind of monitoring sends the secret (README, "Alerts from monitoring").
SECRET_HINTS = {
    "alertmanager": "In Alertmanager's webhook receiver: http_config: {authorization: {credentials: SECRET}}.",
    "grafana": "In Grafana's webhook contact point: the Authorization header, or basic auth with the secret as "
               "the password.",
    "generic": "Send it as “Authorization: Bearer SECRET” with the JSON {title, severity, dedup_key, description, "
               "labels, links, status}.",
}


async def integration_add(env: Env, caller: Caller, command: IntegrationAdd) -> list[Reply]:
    """A webhook for monitoring, made by an owner of the rotation in a personal chat (so
    that the secret, shown once, is seen by them alone)."""
    alerts = env.more.alerts
    if alerts is None:
        raise Refused("Alerts aren't set up in this Rota, so it has no webhooks to give.",
                      "An operator can create them with “rota integration add”.")  # fmt: skip
    rotations = await load_rotations(env)
    rotation = rotations.get(command.rotation) if command.rotation else await working_rotation(env, caller, rotations)
    await require_manager(env, caller, rotation.name, f"Adding a webhook to {rotation.name}")
    name = command.name or command.kind
    try:
        url, secret = await alerts.add_integration(rotation.name, command.kind, name, caller.actor)
    except Conflict:
        raise Refused(f"{rotation.name} has a webhook named {name} already.",
                      f"Give this one a name: integration add {command.kind} {rotation.name} {name}-2") from None
    return [say(f"A {command.kind} webhook for {rotation.name}, named {name}. Keep the secret: I show it once "
                f"and keep only its hash.\nURL: {url}\nSecret: {secret}\n{SECRET_HINTS[command.kind]}")]


async def pairing_code(env: Env, caller: Caller, command: Tray) -> list[Reply]:
    pairing = env.more.pairing
    if pairing is None:
        raise Refused("Pairing codes for the tray aren't available here.",
                      "Sign in to the tray client with your Microsoft account instead.")  # fmt: skip
    code = await pairing.issue(caller.require_email())
    expires = when(code.expires_at, ZoneInfo(caller.zone), env.clock())
    return [say(f"Your tray pairing code is {code.code}. Type it into the tray client before {expires}.")]


async def report(env: Env, caller: Caller, command: Report) -> list[Reply]:
    reporter = env.more.reports
    if reporter is None:
        raise Refused("Reports aren't ready yet: they are coming with the shift reports.",
                      "Until then, “schedule” shows the shifts ahead.")  # fmt: skip
    rotations = await load_rotations(env)
    if command.rotation is None and caller.scope is Scope.PERSONAL:
        chosen = rotations.of_member(caller.email) if caller.email else []
    else:
        chosen = await rotations_in_view(env, caller, rotations, command.rotation)
    request = ReportRequest(rotations=[r.name for r in chosen], start=command.start, end=command.end,
                            period=command.period, viewer=caller.email, viewer_zone=caller.zone)  # fmt: skip
    return await reporter.report(request)
