"""Alerts at every stage of their life, on one known morning, for card tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.alerts.model import Alert, IncomingAlert, IntegrationKind, Link, Severity
from bot.cards.alert import alert_card
from bot.cards.digest import digest_card

ALICE, BOB = "alice@example.com", "bob@example.com"
PEOPLE = {ALICE: "Alice Martin", BOB: "Bob Smith"}
ZONE = "Europe/Paris"
#: Monday 2026-03-02 08:05 UTC: 09:05 in Paris.
T0 = datetime(2026, 3, 2, 8, 5, tzinfo=timezone.utc)
ROTATION = "data-platform"


def notice(key: str = "etl-orders", *, severity: Severity = Severity.CRITICAL,
           title: str = "Nightly ETL job orders failed") -> IncomingAlert:
    return IncomingAlert(
        dedup_key=key, title=title, severity=severity,
        description="The orders job exited with status 1 after 42 minutes: relation \"staging.orders\" "
                    "does not exist.",
        labels={"alertname": "NightlyETLFailed", "job": "orders", "severity": "page", "team": "data"},
        links=(Link("Runbook", "https://runbooks.example.com/etl"),
               Link("Dashboard", "https://grafana.example.com/d/etl")),
        starts_at=T0 - timedelta(minutes=3),
    )


def fired(at: datetime = T0, **changes) -> Alert:
    alert = Alert.open(notice(**changes), rotation=ROTATION, integration=IntegrationKind.ALERTMANAGER, at=at)
    return Alert.from_dict({**alert.to_dict(), "id": 42}).escalate(at, "the primary, Alice Martin")


def stages() -> dict[str, Alert]:
    """Every state a card shows, each a step further than the one before."""
    triggered = fired().repeat(T0 + timedelta(minutes=4)).repeat(T0 + timedelta(minutes=7))
    held = Alert.from_dict({**Alert.open(notice("drift", severity=Severity.WARNING,
                                                title="Feature drift above threshold on churn model"),
                                         rotation=ROTATION, integration=IntegrationKind.GRAFANA,
                                         at=T0).to_dict(), "id": 43}).hold(T0, T0 + timedelta(hours=23))
    return {
        "triggered": triggered,
        "acknowledged": triggered.acknowledge(T0 + timedelta(minutes=7), BOB),
        "snoozed": triggered.snooze(T0 + timedelta(minutes=8), T0 + timedelta(minutes=38), ALICE),
        "held": held,
        "escalated": triggered.escalate(T0 + timedelta(minutes=12), "the secondary, Bob Smith"),
        "resolved": triggered.acknowledge(T0 + timedelta(minutes=7), BOB).resolve_by_source(T0 + timedelta(hours=26)),
    }


def cards() -> dict[str, dict]:
    found = {f"alert-{name}": alert_card(alert=alert, viewer_zone=ZONE, people=PEOPLE)
             for name, alert in stages().items()}
    found["digest"] = digest()
    found["digest-all-resolved"] = digest_card(rotation=ROTATION, at=T0, viewer_zone=ZONE, digest_key="d1",
                                               alerts=[stages()["resolved"]], people=PEOPLE)
    return found


def digest() -> dict:
    s = stages()
    other = Alert.from_dict({**fired(key="disk", severity=Severity.HIGH, title="Disk 91% full on db1").to_dict(),
                             "id": 44})
    return digest_card(rotation=ROTATION, at=T0, viewer_zone=ZONE, digest_key="d1", people=PEOPLE,
                       alerts=[other, s["held"], s["acknowledged"], s["resolved"]])
