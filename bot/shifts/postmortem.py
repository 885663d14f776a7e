"""Post-mortems: after a critical alert is resolved, whoever handled it is asked for a short
summary and a link to the write-up; what they give is kept beside the alert.

Whoever handled it: the person who resolved it; for an alert its source resolved (as most
monitoring incidents end), the person who acknowledged it, or else whoever was on duty
when it ended. Only recent alerts are asked about: a service started after a long pause
does not ask about last month's incidents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.model import Alert, AlertState, Severity
from shared.rotation import ValidationError

#: Resolved longer ago than this, an alert is not asked about any more.
ASK_WITHIN = timedelta(days=3)
MAX_SUMMARY = 2000
MAX_LINK = 2000
_URL = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)


@dataclass(frozen=True)
class Postmortem:
    """The prompt about alert `alert_id`, and the answer once given."""

    alert_id: int
    rotation: str
    title: str
    asked_of: str
    asked_at: datetime
    message_key: str
    summary: str | None = None
    link: str | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


def wants_postmortem(alert: Alert, now: datetime) -> bool:
    """A critical alert resolved recently, by a person or by its source."""
    return (alert.severity is Severity.CRITICAL and alert.state is AlertState.RESOLVED
            and alert.resolved_at is not None and now - alert.resolved_at <= ASK_WITHIN)  # fmt: skip


def handled_by(alert: Alert) -> str | None:
    """Who took the alert in hand: who resolved it, else who acknowledged it (None: nobody
    did, and the person on duty when it ended is the one to ask)."""
    return alert.resolved_by or alert.acknowledged_by


def to_ask(alerts: Iterable[Alert], asked: set[int], now: datetime) -> list[Alert]:
    """The alerts to ask about now, oldest first."""
    wanted = [a for a in alerts if a.id is not None and a.id not in asked and wants_postmortem(a, now)]
    return sorted(wanted, key=lambda a: (a.resolved_at, a.id))


def checked_answer(summary: object, link: object) -> tuple[str, str | None]:
    """The summary (required) and link (optional, http or https), tidied; ValidationError
    names the field to fix."""
    if not isinstance(summary, str) or not summary.strip():
        raise ValidationError("summary", "write a sentence or two about what happened")
    summary = summary.strip()
    if len(summary) > MAX_SUMMARY:
        raise ValidationError("summary", f"keep it to {MAX_SUMMARY} characters and put the rest in the write-up")
    if link is None or (isinstance(link, str) and not link.strip()):
        return summary, None
    if not isinstance(link, str) or len(link.strip()) > MAX_LINK or not _URL.fullmatch(link.strip()):
        raise ValidationError("link", "give the write-up's address, starting with https://")
    return summary, link.strip()
