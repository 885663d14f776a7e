"""What the tray shows: a pure function of (my feed, now, connection state, settings, and
a device code waiting to be entered while the person signs in).

No display and no I/O here: `view()` returns the icon state, the tooltip and the menu as
plain values, `icon.py` draws them, and tests read them directly. `apply()` folds a stream
event into the feed, and `new_alerts()` says which alerts deserve a pop-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from shared.feed import (
    Alert,
    AlertEvent,
    AlertState,
    FeedEvent,
    MyFeed,
    PingEvent,
    RotationNow,
    Shift,
    ShiftChangedEvent,
)
from shared.oncall import Layer
from tray.reminders import DEFAULT_LEADS, PRESETS, Lead, Leads, leads_from_feed
from tray.timeline import merged, next_midnight, primary, span, when

if TYPE_CHECKING:
    from tray.auth import DeviceCode

#: "Starts soon" (amber) this long before a primary shift starts.
DEFAULT_SOON = timedelta(hours=1)
#: How many of my next shifts the menu lists.
NEXT_SHIFTS = 5
TEAMS_URL = "https://teams.microsoft.com/"

StreamEvent = FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent


class Connection(StrEnum):
    """Where the live stream stands; `SIGNED_OUT` means there is no token to connect with."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"
    SIGNED_OUT = "signed-out"


class IconState(StrEnum):
    ON_DUTY = "on-duty"
    STARTS_SOON = "starts-soon"
    OFF_DUTY = "off-duty"
    OFFLINE = "offline"


class Action(StrEnum):
    """What a menu item does; the argument (a URL, an alert id, a lead key) travels with it."""

    OPEN_URL = "open-url"
    ACKNOWLEDGE = "acknowledge"
    ACKNOWLEDGE_ALL = "acknowledge-all"
    TOGGLE_LEAD = "toggle-lead"
    USE_ROTA_LEADS = "use-rota-leads"
    SIGN_IN = "sign-in"
    SIGN_OUT = "sign-out"
    QUIT = "quit"


@dataclass(frozen=True)
class MenuEntry:
    """One menu line. No action: an information line, shown greyed out."""

    text: str = ""
    action: Action | None = None
    argument: str | None = None
    checked: bool | None = None
    enabled: bool = True
    children: tuple[MenuEntry, ...] = ()
    separator: bool = False
    heading: bool = False


SEPARATOR = MenuEntry(separator=True)


@dataclass(frozen=True)
class Duty:
    """My own duty at an instant: the primary shift I am in, or the next one."""

    state: IconState
    current: Shift | None
    next: Shift | None


@dataclass(frozen=True)
class TrayView:
    state: IconState
    duty: IconState
    tooltip: str
    menu: tuple[MenuEntry, ...]


@dataclass(frozen=True)
class Settings:
    """What the person chose, as far as the view is concerned."""

    zone: ZoneInfo
    #: The reminder times chosen on this computer (`--lead`, the menu); None: Rota's.
    leads: tuple[Lead, ...] | None
    soon: timedelta = DEFAULT_SOON
    can_sign_in: bool = False


def reminder_leads(feed: MyFeed | None, local: tuple[Lead, ...] | None) -> Leads:
    """When to remind: the times chosen on this computer win; without them, my reminder
    times in Rota by rotation, as the feed (or its copy in the cache) carries them; from a
    service that sends none, the tray's defaults."""
    if local is not None:
        return local
    if feed is None or feed.reminders is None:
        return DEFAULT_LEADS
    return leads_from_feed(feed.reminders)


def shown_leads(feed: MyFeed | None, local: tuple[Lead, ...] | None) -> tuple[Lead, ...]:
    """The reminder times the menu shows switched on: each one that applies to a rotation of mine."""
    leads = reminder_leads(feed, local)
    if isinstance(leads, Mapping):
        return tuple(sorted({lead for chosen in leads.values() for lead in chosen}, key=Lead.sort_key))
    return tuple(leads)


def duty(feed: MyFeed | None, now: datetime, soon: timedelta = DEFAULT_SOON) -> Duty:
    """On duty while a primary shift of mine covers `now`; starting soon within `soon` of the next."""
    shifts = primary(merged(feed.shifts)) if feed else []
    current = next((s for s in shifts if s.start <= now < s.end), None)
    upcoming = next((s for s in shifts if s.start > now), None)
    if current is not None:
        return Duty(IconState.ON_DUTY, current, upcoming)
    if upcoming is not None and upcoming.start - now <= soon:
        return Duty(IconState.STARTS_SOON, None, upcoming)
    return Duty(IconState.OFF_DUTY, None, upcoming)


def icon_state(feed: MyFeed | None, now: datetime, connection: Connection, soon: timedelta = DEFAULT_SOON) -> IconState:
    if connection in (Connection.OFFLINE, Connection.UNAUTHORIZED, Connection.SIGNED_OUT):
        return IconState.OFFLINE
    return duty(feed, now, soon).state


def next_change(feed: MyFeed | None, now: datetime, zone: ZoneInfo, soon: timedelta = DEFAULT_SOON) -> datetime:
    """The next instant at which the view would change without any new event: a shift
    edge, the start of "soon", a rotation's handoff, or local midnight (today/tomorrow)."""
    instants = [next_midnight(now, zone)]
    if feed is not None:
        for shift in merged(feed.shifts):
            instants += [shift.start - soon, shift.start, shift.end]
        instants += [rotation.until for rotation in feed.rotations if rotation.until]
    return min(at for at in instants if at > now)


def view(
    feed: MyFeed | None,
    now: datetime,
    connection: Connection,
    settings: Settings,
    device_code: DeviceCode | None = None,
) -> TrayView:
    """The icon, tooltip and menu; a device code being waited for takes the place of the
    connection's problem in both, since entering it is what the person has to do."""
    mine = duty(feed, now, settings.soon)
    state = icon_state(feed, now, connection, settings.soon)
    headline = _headline(mine, now, settings.zone)
    problem = _device_code_prompt(device_code) if device_code else _problem(feed, connection, now, settings.zone)
    tooltip = f"Rota: {headline}" + (f" · {problem}" if problem else "")
    return TrayView(state=state, duty=mine.state, tooltip=tooltip, menu=menu(feed, now, connection, settings, headline, problem))


def _headline(mine: Duty, now: datetime, zone: ZoneInfo) -> str:
    if mine.current is not None:
        return f"on duty in {mine.current.rotation} until {when(mine.current.end, now, zone)}"
    if mine.next is not None:
        prefix = "starts soon" if mine.state is IconState.STARTS_SOON else "off duty"
        return f"{prefix}, next shift {when(mine.next.start, now, zone)} ({mine.next.rotation})"
    return "off duty, no shift ahead"


def _problem(feed: MyFeed | None, connection: Connection, now: datetime, zone: ZoneInfo) -> str | None:
    age = f" (shifts as of {when(feed.generated_at, now, zone)})" if feed else ""
    return {
        Connection.OFFLINE: f"cannot reach Rota{age}",
        Connection.UNAUTHORIZED: f"sign-in expired{age}",
        Connection.SIGNED_OUT: "not signed in",
        Connection.CONNECTING: None if feed else "connecting",
    }.get(connection)


def _device_code_prompt(device_code: DeviceCode) -> str:
    """The code first: a tooltip cut short (Windows keeps 127 characters) still shows it."""
    return f"to sign in, enter {device_code.code} at {device_code.url}"


def menu(
    feed: MyFeed | None,
    now: datetime,
    connection: Connection,
    settings: Settings,
    headline: str,
    problem: str | None,
) -> tuple[MenuEntry, ...]:
    """The whole menu, top to bottom."""
    status = [MenuEntry(_sentence(headline), heading=True)]
    if problem:
        status.append(MenuEntry(_sentence(problem), heading=True))
    return (
        *status,
        SEPARATOR,
        *_on_duty_section(feed, now, settings.zone),
        SEPARATOR,
        *_next_shifts_section(feed, now, settings.zone),
        SEPARATOR,
        *_actions(feed, connection, settings),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _on_duty_section(feed: MyFeed | None, now: datetime, zone: ZoneInfo) -> list[MenuEntry]:
    rotations = feed.rotations if feed else []
    if not rotations:
        return [MenuEntry("No rotations")]
    return [MenuEntry("On duty now", heading=True)] + [
        MenuEntry(_rotation_line(rotation, feed.people if feed else {}, now, zone)) for rotation in rotations
    ]


def _rotation_line(rotation: RotationNow, people: dict[str, str], now: datetime, zone: ZoneInfo) -> str:
    who = people.get(rotation.primary, rotation.primary) if rotation.primary else "nobody (gap)"
    line = f"{rotation.name}: {who}"
    if rotation.until is not None:
        line += f" until {when(rotation.until, now, zone)}"
        if rotation.until <= now:
            line += " (out of date)"
    if rotation.secondary:
        line += f" (secondary {people.get(rotation.secondary, rotation.secondary)})"
    return line


def _next_shifts_section(feed: MyFeed | None, now: datetime, zone: ZoneInfo) -> list[MenuEntry]:
    shifts = [s for s in merged(feed.shifts) if s.end > now][:NEXT_SHIFTS] if feed else []
    if not shifts:
        return [MenuEntry("No shifts ahead")]
    lines = []
    for shift in shifts:
        layer = "" if shift.layer is Layer.PRIMARY else " (secondary)"
        lines.append(MenuEntry(f"{span(shift.start, shift.end, now, zone)} · {shift.rotation}{layer}"))
    return [MenuEntry("My next shifts", heading=True), *lines]


def _actions(feed: MyFeed | None, connection: Connection, settings: Settings) -> list[MenuEntry]:
    links = feed.links if feed else None
    online = connection is Connection.ONLINE
    return [
        MenuEntry("Open Teams", Action.OPEN_URL, (links.teams if links else None) or TEAMS_URL),
        MenuEntry("Open schedule", Action.OPEN_URL, links.schedule if links else None, enabled=bool(links and links.schedule)),
        _alerts_entry(open_alerts(feed), online),
        MenuEntry("Reminder times", children=_lead_entries(feed, settings.leads)),
        SEPARATOR,
        _sign_entry(connection, settings),
        MenuEntry("Quit", Action.QUIT),
    ]


def summary(shown: TrayView) -> list[str]:
    """The menu's information as terminal lines (for `rota-tray --once`), with open alerts."""
    lines = []
    for entry in shown.menu:
        if entry.separator or entry.action is not None or entry.text == "Reminder times":
            continue
        if entry.children:
            lines.append(entry.text.replace("Acknowledge my open alerts", "Open alerts"))
            lines += [f"  {child.text}" for child in entry.children if child.action is Action.ACKNOWLEDGE]
        elif entry.enabled:
            lines.append(entry.text if entry.heading else f"  {entry.text}")
    return lines


def open_alerts(feed: MyFeed | None) -> list[Alert]:
    return [alert for alert in (feed.alerts if feed else []) if alert.state is AlertState.OPEN]


def _alerts_entry(alerts: list[Alert], online: bool) -> MenuEntry:
    if not alerts:
        return MenuEntry("Acknowledge my open alerts", enabled=False)
    items = tuple(
        MenuEntry(f"[{alert.severity}] {alert.rotation}: {alert.title}", Action.ACKNOWLEDGE, alert.id, enabled=online)
        for alert in alerts
    )
    everything = MenuEntry(f"Acknowledge all {len(alerts)}", Action.ACKNOWLEDGE_ALL, enabled=online)
    return MenuEntry(f"Acknowledge my open alerts ({len(alerts)})", children=(*items, SEPARATOR, everything))


def _lead_entries(feed: MyFeed | None, local: tuple[Lead, ...] | None) -> tuple[MenuEntry, ...]:
    """Checkboxes for the reminder times; a click makes them a choice of this computer's,
    which Rota's times (when the feed carries them) can replace again."""
    chosen = shown_leads(feed, local)
    offered = list(PRESETS) + [lead for lead in chosen if lead not in PRESETS]
    boxes = tuple(MenuEntry(lead.label, Action.TOGGLE_LEAD, lead.key, checked=lead in chosen) for lead in offered)
    if feed is None or feed.reminders is None:
        return boxes
    if local is None:
        return (MenuEntry("As set in Rota"), *boxes)
    return (*boxes, SEPARATOR, MenuEntry("Use my times in Rota", Action.USE_ROTA_LEADS))


def _sign_entry(connection: Connection, settings: Settings) -> MenuEntry:
    if connection is Connection.SIGNED_OUT:
        return MenuEntry("Sign in", Action.SIGN_IN, enabled=settings.can_sign_in)
    return MenuEntry("Sign out", Action.SIGN_OUT)


def toggled(leads: tuple[Lead, ...], key: str) -> tuple[Lead, ...]:
    """The lead set after the "Reminder times" item `key` was clicked."""
    lead = Lead.parse(key)
    chosen = [existing for existing in leads if existing != lead]
    if len(chosen) == len(leads):
        chosen.append(lead)
    return tuple(sorted(chosen, key=Lead.sort_key))


def apply(feed: MyFeed | None, event: StreamEvent) -> MyFeed | None:
    """The feed after a stream event (a snapshot replaces it; a change patches it)."""
    if isinstance(event, FeedEvent):
        return event.data
    if feed is None or isinstance(event, PingEvent):
        return feed
    if isinstance(event, ShiftChangedEvent):
        change = event.data
        name = change.rotation.name
        rotations = [change.rotation if r.name == name else r for r in feed.rotations]
        if change.rotation not in rotations:
            rotations.append(change.rotation)
        shifts = [s for s in feed.shifts if s.rotation != name] + [s for s in change.shifts if s.person == feed.user]
        return feed.model_copy(update={"rotations": rotations, "shifts": sorted(shifts, key=lambda s: s.start)})
    alert = event.data
    alerts = [a for a in feed.alerts if a.id != alert.id]
    if alert.state is not AlertState.RESOLVED:
        alerts.append(alert)
    return feed.model_copy(update={"alerts": alerts})


def new_alerts(before: MyFeed | None, after: MyFeed | None) -> list[Alert]:
    """Alerts that became open for me: new ones, or ones back from acknowledged or snoozed."""
    known = {alert.id for alert in open_alerts(before)}
    return [alert for alert in open_alerts(after) if alert.id not in known]
