"""Small factories for alert tests: a firing notice and a fresh alert at a fixed instant."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.alerts.model import Alert, IncomingAlert, IntegrationKind, Link, Severity, SourceStatus

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
ALICE = "alice@example.com"
BOB = "bob@example.com"


def notice(*, key: str = "disk-full-db1", status: SourceStatus = SourceStatus.FIRING,
           severity: Severity = Severity.CRITICAL, title: str = "Disk almost full on db1",
           starts_at: datetime | None = T0) -> IncomingAlert:
    return IncomingAlert(
        dedup_key=key, title=title, status=status, severity=severity,
        description="/var is 97% full", labels={"alertname": "DiskFull", "instance": "db1"},
        annotations={"summary": title}, links=(Link("Runbook", "https://runbooks.example.com/disk"),),
        starts_at=starts_at,
    )


def new_alert(at: datetime = T0, **changes) -> Alert:
    return Alert.open(notice(**changes), rotation="data-platform", integration=IntegrationKind.ALERTMANAGER, at=at)
