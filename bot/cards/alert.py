"""The alert card: what fired, how bad, since when, where it stands, and the buttons.

One pure function of the domain alert. Every copy (the direct message to whoever was
paged, the rotation's channel) is this card, rebuilt and replaced in place whenever the
alert changes, so everybody sees who did what. Times are absolute, in the viewer's zone:
the card is not redrawn as time passes, so "5 minutes ago" would soon be wrong.

Buttons are `Action.Execute` with verbs `alert.ack`, `alert.resolve`, `alert.escalate`
and `alert.snooze`; `data` carries the alert id and repeats the verb. A resolved alert
keeps its links and loses its buttons.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.alerts.model import Alert, AlertState, EventKind, Severity
from bot.cards.elements import Element, adaptive_card, column, columns, container, execute, facts, text
from bot.cards.wording import People, person, stamp, zone_note

ACK_VERB = "alert.ack"
RESOLVE_VERB = "alert.resolve"
ESCALATE_VERB = "alert.escalate"
SNOOZE_VERB = "alert.snooze"
#: Snooze choices: the value sent in `data["until"]`, and the button's title.
SNOOZE_CHOICES = {"30m": "30 minutes", "2h": "2 hours", "business": "Until business hours"}
MAX_LABELS = 12
MAX_DESCRIPTION = 600
MAX_LINKS = 6

_SEVERITY_LOOK = {
    Severity.CRITICAL: ("Attention", "attention"),
    Severity.HIGH: ("Attention", "attention"),
    Severity.WARNING: ("Warning", "warning"),
    Severity.INFO: ("Accent", "emphasis"),
}
_STATE_COLOR = {
    AlertState.TRIGGERED: "Attention",
    AlertState.ACKNOWLEDGED: "Good",
    AlertState.SNOOZED: "Warning",
    AlertState.HELD: "Default",
    AlertState.RESOLVED: "Good",
}


def alert_card(*, alert: Alert, viewer_zone: str, people: People | None = None, snooze_until_business: bool = True,
               note: str | None = None, extra_data: Mapping[str, object] | None = None) -> Element:
    """The card for `alert` as seen from `viewer_zone`. `snooze_until_business` offers the
    "until business hours" snooze (only a rotation with business hours has it); `note` is
    shown under the state (e.g. why it reached this person); `extra_data` goes into every
    button's data beside the alert id."""
    zone = ZoneInfo(viewer_zone)
    body: list[Element] = [
        _header(alert),
        text(alert.title, size="Medium", weight="Bolder", spacing="Small"),
        text(state_line(alert, zone, people), color=_STATE_COLOR[alert.state], weight="Bolder", spacing="Small"),
    ]
    if note:
        body.append(text(note, isSubtle=True, spacing="Small"))
    if alert.description.strip():
        body.append(container([text(_shorten(alert.description.strip(), MAX_DESCRIPTION))], style="emphasis"))
    body.append(facts(_facts(alert, zone)))
    if alert.labels:
        body.append(_labels(alert.labels))
    if alert.links:
        body.append(text(" · ".join(f"[{link.name}]({link.url})" for link in alert.links[:MAX_LINKS]),
                         spacing="Medium"))
    body.append(text(zone_note(zone), size="Small", isSubtle=True))
    body.extend(_buttons(alert, snooze_until_business, dict(extra_data or {})))
    return adaptive_card(body)


def severity_badge(severity: Severity) -> Element:
    """`● CRITICAL` in the severity's colour."""
    color, _ = _SEVERITY_LOOK[severity]
    return text(f"● {severity.value.upper()}", weight="Bolder", color=color, size="Small")


def _header(alert: Alert) -> Element:
    _, style = _SEVERITY_LOOK[alert.severity]
    rotation = text(f"{alert.rotation} · {alert.integration}", size="Small", isSubtle=True,
                    horizontalAlignment="Right")
    return container([columns(column([severity_badge(alert.severity)], "auto"), column([rotation]))],
                     style=style, bleed=True)


def state_line(alert: Alert, zone: ZoneInfo, people: People | None = None) -> str:
    """Where the alert stands, with who and when: "Acknowledged by Bob at 09:12"."""
    def at(instant: datetime) -> str:
        return clock(instant, zone, alert.starts_at)

    if alert.state is AlertState.RESOLVED:
        assert alert.resolved_at is not None
        who = "the source" if alert.resolved_by is None else person(alert.resolved_by, people)
        return f"✔ Resolved by {who} at {at(alert.resolved_at)}"
    if alert.state is AlertState.ACKNOWLEDGED:
        assert alert.acknowledged_at is not None
        return f"✔ Acknowledged by {person(alert.acknowledged_by, people)} at {at(alert.acknowledged_at)}"
    if alert.state is AlertState.SNOOZED:
        assert alert.snoozed_until is not None
        return f"◔ Snoozed until {at(alert.snoozed_until)}{_by(alert, EventKind.SNOOZED, people)}"
    if alert.state is AlertState.HELD:
        assert alert.held_until is not None
        return f"☾ Outside business hours: held until {at(alert.held_until)}"
    return f"▲ Firing, not acknowledged{_paged(alert)}"


def _by(alert: Alert, kind: EventKind, people: People | None) -> str:
    actor = next((event.actor for event in reversed(alert.timeline) if event.kind is kind), None)
    return "" if actor is None else f" by {person(actor, people)}"


def _paged(alert: Alert) -> str:
    paged = [event for event in alert.timeline if event.kind in (EventKind.NOTIFIED, EventKind.ESCALATED)]
    if not paged:
        return ""
    return f" · escalated to {paged[-1].detail}" if paged[-1].kind is EventKind.ESCALATED else f" · paged {paged[-1].detail}"


def clock(instant: datetime, zone: ZoneInfo, reference: datetime) -> str:
    """`09:12` on the reference's local day, `Tue 3 Mar 09:12` on any other."""
    local = instant.astimezone(zone)
    if local.date() == reference.astimezone(zone).date():
        return f"{local:%H:%M}"
    return stamp(instant, zone)


def _facts(alert: Alert, zone: ZoneInfo) -> list[tuple[str, str]]:
    pairs = [("Since", stamp(alert.starts_at, zone))]
    if alert.count > 1:
        pairs.append(("Repeats", f"{alert.count} times, last {clock(alert.last_seen, zone, alert.starts_at)}"))
    if alert.snoozed_until is None and alert.held_until is not None and alert.state is not AlertState.HELD:
        pairs.append(("Digest", f"listed at {clock(alert.held_until, zone, alert.starts_at)}"))
    return pairs


def _labels(labels: Mapping[str, str]) -> Element:
    shown = list(labels.items())[:MAX_LABELS]
    pairs = [(name, _shorten(value, 120)) for name, value in shown]
    if len(labels) > MAX_LABELS:
        pairs.append(("…", f"{len(labels) - MAX_LABELS} more labels"))
    return container([text("Labels", size="Small", weight="Bolder", isSubtle=True), facts(pairs, spacing="None")],
                     spacing="Medium")


def _buttons(alert: Alert, snooze_until_business: bool, extra: dict[str, object]) -> list[Element]:
    """Two rows of two, so that every title fits a phone or a narrow chat pane."""
    if alert.state is AlertState.RESOLVED:
        return []
    data = {"alert": alert.id, **extra}
    first = [execute("Resolve", RESOLVE_VERB, data)]
    if alert.state is not AlertState.ACKNOWLEDGED:
        first.insert(0, execute("Acknowledge", ACK_VERB, data, style="positive"))
    second = [execute("Escalate", ESCALATE_VERB, data)]
    if alert.state is not AlertState.HELD:
        second.append(_snooze(data, snooze_until_business))
    return [_action_set(first, spacing="Medium"), _action_set(second, spacing="Small")]


def _action_set(actions: list[Element], **style: object) -> Element:
    return {"type": "ActionSet", "actions": actions, **style}


def _snooze(data: dict[str, object], until_business: bool) -> Element:
    choices = [(until, title) for until, title in SNOOZE_CHOICES.items() if until_business or until != "business"]
    return {
        "type": "Action.ShowCard",
        "title": "Snooze",
        "card": adaptive_card(
            [text("Snooze for how long? Escalation starts again from the first step afterwards.", size="Small",
                  isSubtle=True)],
            [execute(title, SNOOZE_VERB, {**data, "until": until}) for until, title in choices],
        ),
    }


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
