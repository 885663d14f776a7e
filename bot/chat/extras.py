"""Commands answered by other parts of Rota: `ack` (alerts), `tray` (pairing), `report`
(the shift reports). When that part is not set up, the command says so."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.cards.wording import when
from bot.chat.commands import Ack, Report, Tray
from bot.chat.context import Caller, Env, Refused, load_rotations, rotations_in_view
from bot.chat.ports import ReportRequest
from bot.chat.replies import say
from bot.chat.table import Scope
from bot.conversations import Reply


async def acknowledge(env: Env, caller: Caller, command: Ack) -> list[Reply]:
    alerts = env.more.alerts
    if alerts is None:
        raise Refused("Alerts aren't set up in this Rota yet, so there is nothing to acknowledge.",
                      "An operator can connect monitoring to Rota's alert webhooks.")  # fmt: skip
    return [await alerts.acknowledge(command.alert, caller.require_email(), caller.conversation)]


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
