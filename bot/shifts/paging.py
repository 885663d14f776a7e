"""What an alert meant for the person on duty, read from its timeline: when it arrived,
whether it paged them, whether that was out of hours, and how long it took to acknowledge.

A held alert (not urgent, outside business hours) waited for the morning's digest: it did
not page anyone at night, so it is not counted as a page. Out of hours means outside the
rotation's business hours; a rotation that set none is measured against office hours
(Monday to Friday, 09:00 to 18:00 in its zone), since "out of hours" needs hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.alerts.model import Alert, EventKind
from bot.alerts.urgency import BusinessHours, is_business_hours


def office_hours(hours: BusinessHours | None, zone: str) -> BusinessHours:
    """The rotation's business hours, or office hours in its zone."""
    return hours if hours is not None else BusinessHours(zone)


def received_at(alert: Alert) -> datetime:
    """When Rota heard of the alert (its first timeline entry)."""
    return alert.timeline[0].at if alert.timeline else alert.starts_at


def paged(alert: Alert) -> bool:
    """It reached a person at once rather than waiting for a digest (or was released from
    waiting when it turned urgent)."""
    kinds = [event.kind for event in alert.timeline]
    return EventKind.HELD not in kinds or EventKind.RELEASED in kinds


def out_of_hours(alert: Alert, hours: BusinessHours) -> bool:
    return not is_business_hours(hours, received_at(alert))


def time_to_acknowledge(alert: Alert) -> timedelta | None:
    """From arrival to the first acknowledgement (or to a person's resolve, when nobody
    acknowledged first); None when no person ever took it."""
    taken = (EventKind.ACKNOWLEDGED, EventKind.RESOLVED)
    first = next((event for event in alert.timeline if event.kind in taken and event.actor), None)
    return None if first is None else first.at - received_at(alert)
