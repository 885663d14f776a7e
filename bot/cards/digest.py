"""The business-hours digest: the alerts held outside business hours, in one card.

Posted at the start of business hours to the person on duty and the rotation's channel.
The alerts still waiting come first, each with `Acknowledge` and `Resolve`; then those
someone took meanwhile, then those resolved meanwhile (often all of them: the digest
then says so). The card is rebuilt from the alerts' current states whenever one of its
buttons is pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.alerts.model import Alert, AlertState
from bot.cards.alert import ACK_VERB, RESOLVE_VERB, clock, severity_badge, state_line
from bot.cards.elements import Element, adaptive_card, column, columns, container, execute, heading, text
from bot.cards.wording import People, stamp, zone_note

WAITING = (AlertState.TRIGGERED, AlertState.HELD)


def digest_card(*, rotation: str, at: datetime, alerts: Sequence[Alert], viewer_zone: str, digest_key: str,
                people: People | None = None) -> Element:
    """`alerts` as they are now, in the order the digest lists them (most severe first)."""
    zone = ZoneInfo(viewer_zone)
    waiting = [alert for alert in alerts if alert.state in WAITING]
    settled = [alert for alert in alerts if alert.state not in WAITING]
    body: list[Element] = [
        heading(f"Held outside business hours · {rotation}"),
        text(f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} waited for business hours, which started "
             f"{stamp(at, zone)}.", isSubtle=True, spacing="Small"),
    ]
    if waiting:
        body.append(text(f"Waiting for someone ({len(waiting)})", weight="Bolder", spacing="Medium"))
        body.extend(_waiting(alert, zone, digest_key) for alert in waiting)
    else:
        body.append(text("Nothing is waiting: every held alert was dealt with or resolved before business hours.",
                         color="Good", weight="Bolder", spacing="Medium"))
    if settled:
        body.append(text(f"Dealt with meanwhile ({len(settled)})", weight="Bolder", spacing="Medium"))
        body.extend(_settled(alert, zone, people) for alert in settled)
    body.append(text(zone_note(zone), size="Small", isSubtle=True))
    return adaptive_card(body)


def _waiting(alert: Alert, zone: ZoneInfo, digest_key: str) -> Element:
    data = {"alert": alert.id, "digest": digest_key}
    repeats = f" · {alert.count} times" if alert.count > 1 else ""
    return container([
        columns(column([severity_badge(alert.severity)], "auto"),
                column([text(alert.title, weight="Bolder")])),
        text(f"since {stamp(alert.starts_at, zone)}{repeats}", size="Small", isSubtle=True, spacing="None"),
        {"type": "ActionSet", "actions": [execute("Acknowledge", ACK_VERB, data, style="positive"),
                                          execute("Resolve", RESOLVE_VERB, data)]},
    ], separator=True)


def _settled(alert: Alert, zone: ZoneInfo, people: People | None) -> Element:
    since = clock(alert.starts_at, zone, alert.starts_at)
    return container([
        columns(column([severity_badge(alert.severity)], "auto"),
                column([text(f"{alert.title} (since {since})")])),
        text(state_line(alert, zone, people), size="Small", isSubtle=True, spacing="None"),
    ], separator=True)
