"""Feeds and shifts for the tray's tests, written the way the service would send them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from shared.feed import Alert, AlertState, Links, MyFeed, ReminderLeads, RotationNow, Severity, Shift
from shared.oncall import Layer, Reason

ME = "alice@example.com"
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


def at(text: str, zone: ZoneInfo = PARIS) -> datetime:
    """A wall-clock time in `zone`, as an aware instant (fold=0 like the engine)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def shift(
    start: datetime,
    end: datetime | None = None,
    *,
    rotation: str = "data-platform",
    layer: Layer = Layer.PRIMARY,
    reason: Reason = Reason.REGULAR,
    person: str = ME,
) -> Shift:
    return Shift(
        rotation=rotation,
        person=person,
        start=start,
        end=end or start + timedelta(days=7),
        layer=layer,
        reason=reason,
    )


def alert(id: str = "a-1", state: AlertState = AlertState.OPEN, title: str = "Nightly ETL failed") -> Alert:
    return Alert(
        id=id,
        rotation="data-platform",
        title=title,
        severity=Severity.CRITICAL,
        state=state,
        url="https://teams.microsoft.com/l/message/19:abc/1",
    )


def feed(
    *shifts: Shift,
    generated_at: datetime | None = None,
    rotations: list[RotationNow] | None = None,
    alerts: list[Alert] | None = None,
    schedule: str | None = "http://127.0.0.1:3978/schedule",
    reminders: dict[str, ReminderLeads] | None = None,
) -> MyFeed:
    names = sorted({s.rotation for s in shifts} | {"data-platform"} | set(reminders or {}))
    return MyFeed(
        user=ME,
        generated_at=generated_at or (min((s.start for s in shifts), default=at("2026-03-02 09:00")) - timedelta(days=1)),
        until=max((s.end for s in shifts), default=at("2026-04-01 00:00")) + timedelta(days=28),
        rotations=rotations
        if rotations is not None
        else [
            RotationNow(name=name, timezone="Europe/Paris", primary="bob@example.com", secondary=None, until=at("2026-03-02 12:00"))
            for name in names
        ],
        shifts=list(shifts),
        alerts=alerts or [],
        people={"bob@example.com": "Bob Martin", ME: "Alice Durand"},
        links=Links(teams="https://teams.microsoft.com/l/team/19:abc", schedule=schedule),
        reminders=reminders,
    )


def leads(before_start: list[str], before_end: list[str] | None = None) -> ReminderLeads:
    """Reminder times as the service writes them in a feed (`15m`, `evening 18:00`)."""
    return ReminderLeads(before_start=before_start, before_end=before_end or [])
