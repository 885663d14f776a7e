"""The alert as a value, and every change to it as a pure function returning a new one.

An `IncomingAlert` is what a source said (one notice from Alertmanager, Grafana or a
generic JSON sender); an `Alert` is what Rota keeps: the source's content, deduplicated
by key, plus our own state (triggered, acknowledged, snoozed, held, resolved), who did
what, how far the escalation has gone, and a timeline of every change.

Transitions (`acknowledge`, `resolve`, `snooze`, `escalate`, ...) validate the current
state and raise `AlertStateError` with a sentence fit to show the person who pressed the
button; malformed values raise the shared `ValidationError`, which names the field.
Instants are timezone-aware and kept in UTC; nothing here reads a clock.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from shared.rotation import ValidationError, normalize_email, to_utc, validate_name

#: Size caps: generous for real monitoring payloads, small enough for a card and a row.
MAX_KEY = 256
MAX_TITLE = 500
MAX_TEXT = 20_000
MAX_NAME = 256
MAX_LABEL_VALUE = 4_096
MAX_ENTRIES = 100
MAX_LINKS = 20
MAX_URL = 2_048
MAX_LINK_NAME = 100
MAX_ESCALATION_STEP = 10_000
MAX_SNOOZE = timedelta(days=30)

#: An absolute http(s) URL: the only kind a card may open.
URL_PATTERN = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)


class Severity(StrEnum):
    """How bad it is, from most to least urgent."""

    CRITICAL = "critical"
    HIGH = "high"
    WARNING = "warning"
    INFO = "info"

    @classmethod
    def normalize(cls, value: object, default: Severity | None = None) -> Severity:
        """Read the many ways sources spell severity ("page", "P1", "error", "sev2", 3 ...).

        Missing or unrecognised values give `default` (warning unless told), so an alert
        with a home-grown severity label is still delivered rather than refused."""
        fallback = cls.WARNING if default is None else default
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return fallback
        if isinstance(value, int) and not 0 <= value <= 9 or isinstance(value, str) and len(value) > 64:
            return fallback
        word = re.sub(r"[\s_\-.]", "", str(value)).lower()
        return _SEVERITY_WORDS.get(word, fallback)

    @property
    def rank(self) -> int:
        """0 for critical up to 3 for info: lower is more urgent."""
        return list(Severity).index(self)


_SEVERITY_SYNONYMS: dict[Severity, tuple[str, ...]] = {
    Severity.CRITICAL: ("critical", "crit", "page", "emergency", "emerg", "fatal", "disaster", "alert",
                        "p0", "p1", "sev0", "sev1", "s1", "1", "blocker"),
    Severity.HIGH: ("high", "error", "err", "major", "severe", "urgent", "p2", "sev2", "s2", "2"),
    Severity.WARNING: ("warning", "warn", "medium", "moderate", "minor", "average", "p3", "sev3", "s3", "3"),
    Severity.INFO: ("info", "information", "informational", "low", "notice", "debug", "none", "ok",
                    "trivial", "p4", "p5", "sev4", "sev5", "s4", "s5", "4", "5"),
}
_SEVERITY_WORDS = {word: severity for severity, words in _SEVERITY_SYNONYMS.items() for word in words}


class IntegrationKind(StrEnum):
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    GENERIC = "generic"


class SourceStatus(StrEnum):
    """What the source says: still firing, or resolved."""

    FIRING = "firing"
    RESOLVED = "resolved"


class AlertState(StrEnum):
    """What Rota says: where the alert stands with the people on duty."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    HELD = "held"
    RESOLVED = "resolved"


class EventKind(StrEnum):
    CREATED = "created"
    REPEATED = "repeated"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    SNOOZED = "snoozed"
    UNSNOOZED = "unsnoozed"
    RESOLVED = "resolved"
    RESOLVED_BY_SOURCE = "resolved-by-source"
    HELD = "held"
    RELEASED = "released"
    DIGESTED = "digested"


class AlertStateError(Exception):
    """A transition the alert's current state does not allow.

    `message` is a sentence for the person who asked (shown on the card or in chat);
    `action` and `state` let callers tell cases apart without reading the text."""

    def __init__(self, action: str, state: AlertState, message: str) -> None:
        super().__init__(message)
        self.action = action
        self.state = state
        self.message = message


def check_text(value: object, field_name: str, limit: int, *, required: bool = False) -> str:
    """A string that fits its cap and can be stored anywhere (no NUL, no lone surrogate)."""
    if not isinstance(value, str):
        raise ValidationError(field_name, "must be a string")
    if required and not value.strip():
        raise ValidationError(field_name, "must not be empty")
    if len(value) > limit:
        raise ValidationError(field_name, f"is {len(value)} characters long; the limit is {limit}")
    if "\x00" in value or not _encodable(value):
        raise ValidationError(field_name, "contains a character that cannot be stored (NUL or a lone surrogate)")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_mapping(value: object, field_name: str, value_limit: int) -> dict[str, str]:
    """Labels and annotations: at most MAX_ENTRIES string-to-string pairs, each capped."""
    if not isinstance(value, Mapping):
        raise ValidationError(field_name, "must be an object of names to strings")
    if len(value) > MAX_ENTRIES:
        raise ValidationError(field_name, f"has {len(value)} entries; the limit is {MAX_ENTRIES}")
    checked: dict[str, str] = {}
    for name, text in value.items():
        check_text(name, f"{field_name} name", MAX_NAME, required=True)
        checked[name] = check_text(text, f"{field_name}.{name}", value_limit)
    return checked


def format_instant(at: datetime) -> str:
    """How an instant reads in a sentence (cards show local times; errors use UTC)."""
    return at.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Link:
    """A named link shown as a button: runbook, dashboard, silence, source."""

    name: str
    url: str

    def __post_init__(self) -> None:
        check_text(self.name, "links name", MAX_LINK_NAME, required=True)
        check_text(self.url, f"links.{self.name}", MAX_URL, required=True)
        if not URL_PATTERN.fullmatch(self.url):
            raise ValidationError(f"links.{self.name}", f"{self.url[:80]!r} is not an http(s) URL")


@dataclass(frozen=True)
class TimelineEvent:
    """One change in an alert's life. `actor` is a person's email, or None for Rota or the source."""

    at: datetime
    kind: EventKind
    actor: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", to_utc(self.at, "at"))
        object.__setattr__(self, "kind", EventKind(self.kind))
        if self.actor is not None:
            object.__setattr__(self, "actor", normalize_email(self.actor, "actor"))
        check_text(self.detail, "detail", MAX_TITLE)

    def to_dict(self) -> dict:
        return {"at": self.at.isoformat(), "kind": self.kind.value, "actor": self.actor, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: Mapping) -> TimelineEvent:
        return cls(datetime.fromisoformat(data["at"]), EventKind(data["kind"]), data.get("actor"),
                   data.get("detail", ""))


def _validate_content(value: IncomingAlert | Alert) -> None:
    """The fields a source provides, checked the same way on notices and on stored alerts."""
    set_ = object.__setattr__
    set_(value, "dedup_key", check_text(value.dedup_key, "dedup_key", MAX_KEY, required=True))
    set_(value, "title", check_text(value.title, "title", MAX_TITLE, required=True).strip())
    set_(value, "severity", _enum(Severity, value.severity, "severity"))
    set_(value, "description", check_text(value.description, "description", MAX_TEXT))
    set_(value, "labels", check_mapping(value.labels, "labels", MAX_LABEL_VALUE))
    set_(value, "annotations", check_mapping(value.annotations, "annotations", MAX_TEXT))
    links = tuple(value.links)
    if len(links) > MAX_LINKS:
        raise ValidationError("links", f"has {len(links)} links; the limit is {MAX_LINKS}")
    if not all(isinstance(link, Link) for link in links):
        raise ValidationError("links", "must be a list of named links")
    set_(value, "links", links)


def _enum(kind: type, value: object, field_name: str):
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValidationError(field_name, f"{value!r} is not one of {allowed}") from None


@dataclass(frozen=True, kw_only=True)
class IncomingAlert:
    """One alert as a source reported it, already reduced to Rota's vocabulary."""

    dedup_key: str
    title: str
    status: SourceStatus = SourceStatus.FIRING
    severity: Severity = Severity.WARNING
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    annotations: dict[str, str] = field(default_factory=dict, hash=False)
    links: tuple[Link, ...] = ()
    starts_at: datetime | None = None

    def __post_init__(self) -> None:
        _validate_content(self)
        object.__setattr__(self, "status", _enum(SourceStatus, self.status, "status"))
        if self.starts_at is not None:
            object.__setattr__(self, "starts_at", to_utc(self.starts_at, "starts_at"))


@dataclass(frozen=True, kw_only=True)
class Alert:
    """An alert Rota keeps, deduplicated by `dedup_key` while it is open.

    Escalation bookkeeping: `escalation_step` is how many steps of the rotation's policy
    (counting repeats) have been paged since the escalation clock last started, i.e. the
    index of the next step to page; `escalation_since` is when the last one was paged, or
    when the clock (re)started (creation, end of a snooze, the digest)."""

    rotation: str
    integration: IntegrationKind
    dedup_key: str
    title: str
    severity: Severity
    source_status: SourceStatus
    starts_at: datetime
    last_seen: datetime
    escalation_since: datetime
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    annotations: dict[str, str] = field(default_factory=dict, hash=False)
    links: tuple[Link, ...] = ()
    count: int = 1
    state: AlertState = AlertState.TRIGGERED
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    snoozed_until: datetime | None = None
    held_until: datetime | None = None
    escalation_step: int = 0
    timeline: tuple[TimelineEvent, ...] = ()
    id: int | None = None

    def __post_init__(self) -> None:
        _validate_content(self)
        set_ = object.__setattr__
        if self.id is not None and (not is_whole_number(self.id) or self.id < 1):
            raise ValidationError("id", "must be a positive whole number")
        validate_name(self.rotation, "rotation")
        set_(self, "integration", _enum(IntegrationKind, self.integration, "integration"))
        set_(self, "source_status", _enum(SourceStatus, self.source_status, "source_status"))
        set_(self, "state", _enum(AlertState, self.state, "state"))
        for name in ("starts_at", "last_seen", "escalation_since"):
            set_(self, name, to_utc(getattr(self, name), name))
        for name in ("acknowledged_at", "resolved_at", "snoozed_until", "held_until"):
            if getattr(self, name) is not None:
                set_(self, name, to_utc(getattr(self, name), name))
        for name in ("acknowledged_by", "resolved_by"):
            if getattr(self, name) is not None:
                set_(self, name, normalize_email(getattr(self, name), name))
        if not is_whole_number(self.count) or self.count < 1:
            raise ValidationError("count", "must be a whole number of at least 1")
        if not is_whole_number(self.escalation_step) or not 0 <= self.escalation_step <= MAX_ESCALATION_STEP:
            raise ValidationError("escalation_step", f"must be a whole number from 0 to {MAX_ESCALATION_STEP}")
        set_(self, "timeline", tuple(self.timeline))
        if not all(isinstance(event, TimelineEvent) for event in self.timeline):
            raise ValidationError("timeline", "must be a list of timeline events")
        self._check_state_fields()

    def _check_state_fields(self) -> None:
        """The fields each state needs, so a stored alert can never be half-transitioned."""
        state = self.state
        if state is AlertState.ACKNOWLEDGED and (self.acknowledged_by is None or self.acknowledged_at is None):
            raise ValidationError("acknowledged_by", "an acknowledged alert names who acknowledged it and when")
        if state is AlertState.RESOLVED and self.resolved_at is None:
            raise ValidationError("resolved_at", "a resolved alert says when it was resolved")
        if (state is AlertState.SNOOZED) != (self.snoozed_until is not None):
            raise ValidationError("snoozed_until", "is set exactly when the alert is snoozed")
        if state is AlertState.HELD and self.held_until is None:
            raise ValidationError("held_until", "a held alert says until when")

    # reading ---------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """Open alerts deduplicate new notices with the same key; resolved ones do not."""
        return self.state is not AlertState.RESOLVED

    @property
    def resolved_by_source(self) -> bool:
        return self.state is AlertState.RESOLVED and self.resolved_by is None

    @property
    def in_digest(self) -> bool:
        """Held at some point and not yet reported in a business-hours digest."""
        return self.held_until is not None

    @property
    def digested_at(self) -> datetime | None:
        """When the business-hours digest that lists it was delivered (None: none does).
        Only a new alert is held (`hold`), so at most one digest ever lists it."""
        return next((event.at for event in self.timeline if event.kind is EventKind.DIGESTED), None)

    # creating ----------------------------------------------------------------------------
    @classmethod
    def open(cls, incoming: IncomingAlert, *, rotation: str, integration: IntegrationKind,
             at: datetime, id: int | None = None) -> Alert:
        """A new alert from a firing notice, received at `at`."""
        if incoming.status is not SourceStatus.FIRING:
            raise AlertStateError("open", AlertState.RESOLVED, "A resolved notice cannot open a new alert.")
        return cls(
            id=id, rotation=rotation, integration=integration, dedup_key=incoming.dedup_key,
            title=incoming.title, severity=incoming.severity, description=incoming.description,
            labels=incoming.labels, annotations=incoming.annotations, links=incoming.links,
            source_status=SourceStatus.FIRING, starts_at=incoming.starts_at or at, last_seen=at,
            escalation_since=at, timeline=(TimelineEvent(at, EventKind.CREATED, None, f"from {integration}"),),
        )

    # transitions -------------------------------------------------------------------------
    def repeat(self, seen_at: datetime, incoming: IncomingAlert | None = None) -> Alert:
        """The source fired the same key again: count it, and take its newest content.

        Consecutive repeats share one timeline entry, so a chatty source cannot grow the
        timeline without bound."""
        self._refuse_resolved("repeat", "A resolved alert does not repeat; a new notice opens a new alert.")
        changes: dict = {"count": self.count + 1, "last_seen": max(self.last_seen, to_utc(seen_at, "seen_at"))}
        if incoming is not None:
            if incoming.dedup_key != self.dedup_key:
                raise ValidationError("dedup_key", "a repeat must carry the alert's own key")
            changes.update(title=incoming.title, severity=incoming.severity, description=incoming.description,
                           labels=incoming.labels, annotations=incoming.annotations, links=incoming.links)
        event = TimelineEvent(seen_at, EventKind.REPEATED, None, f"seen {self.count + 1} times")
        timeline = self.timeline
        if timeline and timeline[-1].kind is EventKind.REPEATED:
            timeline = timeline[:-1]
        return dataclasses.replace(self, timeline=timeline + (event,), **changes)

    def acknowledge(self, at: datetime, by: str) -> Alert:
        """Someone takes it: escalation stops. Ends a snooze; a held alert stays in the digest."""
        self._refuse_resolved("acknowledge", "there is nothing left to acknowledge.")
        if self.state is AlertState.ACKNOWLEDGED:
            raise AlertStateError(
                "acknowledge", self.state,
                f"{self.acknowledged_by} already acknowledged this alert at {format_instant(self.acknowledged_at)}.")
        person = normalize_email(by, "by")
        return self._change(TimelineEvent(at, EventKind.ACKNOWLEDGED, person), state=AlertState.ACKNOWLEDGED,
                            acknowledged_by=person, acknowledged_at=to_utc(at, "at"), snoozed_until=None)

    def resolve(self, at: datetime, by: str) -> Alert:
        """A person closes it, whatever the source still says."""
        self._refuse_resolved("resolve", "there is nothing left to resolve.")
        person = normalize_email(by, "by")
        return self._change(TimelineEvent(at, EventKind.RESOLVED, person), state=AlertState.RESOLVED,
                            resolved_by=person, resolved_at=to_utc(at, "at"), snoozed_until=None)

    def resolve_by_source(self, at: datetime) -> Alert:
        """The source says it is over. Repeated resolved notices change nothing; one that
        follows a person's resolve is still recorded, so the card can say the source agrees."""
        if self.source_status is SourceStatus.RESOLVED:
            return self
        event = TimelineEvent(at, EventKind.RESOLVED_BY_SOURCE)
        if self.state is AlertState.RESOLVED:
            return self._change(event, source_status=SourceStatus.RESOLVED)
        return self._change(event, state=AlertState.RESOLVED, source_status=SourceStatus.RESOLVED,
                            resolved_by=None, resolved_at=to_utc(at, "at"), snoozed_until=None)

    def snooze(self, at: datetime, until: datetime, by: str) -> Alert:
        """Quiet until `until`; then the escalation starts over from the first step."""
        self._refuse_resolved("snooze", "there is nothing left to snooze.")
        if self.state is AlertState.HELD:
            raise AlertStateError("snooze", self.state,
                                  f"This alert is held until {format_instant(self.held_until)} "
                                  "and will be delivered then; there is no need to snooze it.")
        at, until = to_utc(at, "at"), to_utc(until, "until")
        if until <= at:
            raise ValidationError("until", "a snooze must end in the future")
        if until - at > MAX_SNOOZE:
            raise ValidationError("until", f"a snooze lasts at most {MAX_SNOOZE.days} days")
        person = normalize_email(by, "by")
        return self._change(TimelineEvent(at, EventKind.SNOOZED, person, f"until {until.isoformat()}"),
                            state=AlertState.SNOOZED, snoozed_until=until, acknowledged_by=None,
                            acknowledged_at=None)

    def unsnooze(self, at: datetime) -> Alert:
        """The snooze is over: back to triggered, escalation from the first step."""
        if self.state is not AlertState.SNOOZED:
            raise AlertStateError("unsnooze", self.state, f"This alert is {self.state}, not snoozed.")
        return self._change(TimelineEvent(at, EventKind.UNSNOOZED), state=AlertState.TRIGGERED,
                            snoozed_until=None, escalation_step=0, escalation_since=to_utc(at, "at"))

    def escalate(self, at: datetime, to: str, actor: str | None = None) -> Alert:
        """Record that the next step of the policy was paged (`to` says whom, for the timeline).

        Rota's own escalation (`actor` None) only moves a triggered alert; the first page
        goes on the timeline as "notified". A person pressing Escalate (`actor` set) may
        escalate an acknowledged, snoozed or held alert too: it is triggered again."""
        self._refuse_resolved("escalate", "there is nobody left to escalate it to.")
        if actor is None and self.state is not AlertState.TRIGGERED:
            raise AlertStateError("escalate", self.state, f"This alert is {self.state}; it does not escalate.")
        person = None if actor is None else normalize_email(actor, "actor")
        first_page = person is None and self.escalation_step == 0
        kind = EventKind.NOTIFIED if first_page else EventKind.ESCALATED
        detail = check_text(to, "to", MAX_TITLE, required=True)
        return self._change(TimelineEvent(at, kind, person, detail), state=AlertState.TRIGGERED,
                            escalation_step=self.escalation_step + 1, escalation_since=to_utc(at, "at"),
                            acknowledged_by=None, acknowledged_at=None, snoozed_until=None,
                            held_until=self.held_until if self.state is not AlertState.HELD else None)

    def notified(self, at: datetime, whom: str) -> Alert:
        """Record a delivery that is not an escalation step (a channel copy, a reminder)."""
        return self._change(TimelineEvent(at, EventKind.NOTIFIED, None, check_text(whom, "whom", MAX_TITLE)))

    def hold(self, at: datetime, until: datetime) -> Alert:
        """Not urgent and outside business hours: wait for the digest at `until`."""
        if self.state is not AlertState.TRIGGERED or self.escalation_step != 0:
            raise AlertStateError("hold", self.state, "Only a new alert that has not paged anyone can be held.")
        at, until = to_utc(at, "at"), to_utc(until, "until")
        if until <= at:
            raise ValidationError("until", "an alert is held until a future instant")
        return self._change(TimelineEvent(at, EventKind.HELD, None, f"until {until.isoformat()}"),
                            state=AlertState.HELD, held_until=until)

    def release(self, at: datetime) -> Alert:
        """Urgent after all (a repeat raised its severity): it stops waiting for the digest
        and escalates from the first step, now."""
        if self.state is not AlertState.HELD:
            raise AlertStateError("release", self.state, f"This alert is {self.state}, not waiting for a digest.")
        return self._change(TimelineEvent(at, EventKind.RELEASED, None, f"now {self.severity}: no longer waits"),
                            state=AlertState.TRIGGERED, held_until=None, escalation_step=0,
                            escalation_since=to_utc(at, "at"))

    def digested(self, at: datetime) -> Alert:
        """Reported in the business-hours digest. A still-held alert counts the digest as
        its first page and escalates from there; one settled meanwhile is only marked."""
        if self.held_until is None:
            raise AlertStateError("digest", self.state, "This alert is not waiting for a digest.")
        if self.state is AlertState.HELD:
            return self._change(TimelineEvent(at, EventKind.DIGESTED, None, "delivered in the digest"),
                                state=AlertState.TRIGGERED, held_until=None, escalation_step=1,
                                escalation_since=to_utc(at, "at"))
        return self._change(TimelineEvent(at, EventKind.DIGESTED, None, f"listed in the digest as {self.state}"),
                            held_until=None)

    # helpers -----------------------------------------------------------------------------
    def _change(self, event: TimelineEvent, **changes) -> Alert:
        return dataclasses.replace(self, timeline=self.timeline + (event,), **changes)

    def _refuse_resolved(self, action: str, consequence: str) -> None:
        if self.state is not AlertState.RESOLVED:
            return
        who = "its source" if self.resolved_by is None else self.resolved_by
        raise AlertStateError(
            action, self.state,
            f"This alert was already resolved by {who} at {format_instant(self.resolved_at)}; {consequence}")

    # JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready form (ISO 8601 instants, enum values), the inverse of `from_dict`."""
        data = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, StrEnum):
                value = value.value
            elif item.name == "links":
                value = [{"name": link.name, "url": link.url} for link in value]
            elif item.name == "timeline":
                value = [event.to_dict() for event in value]
            elif isinstance(value, dict):
                value = dict(value)
            data[item.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> Alert:
        """Rebuild an alert from `to_dict` output; raises ValidationError for bad content."""
        values = dict(data)
        for item in dataclasses.fields(cls):
            value = values.get(item.name)
            if isinstance(value, str) and item.name in _INSTANT_FIELDS:
                values[item.name] = _parse_instant(value, item.name)
        values["links"] = tuple(Link(**link) for link in values.get("links", ()))
        values["timeline"] = tuple(TimelineEvent.from_dict(event) for event in values.get("timeline", ()))
        return cls(**values)


_INSTANT_FIELDS = frozenset({"starts_at", "last_seen", "escalation_since", "acknowledged_at", "resolved_at",
                             "snoozed_until", "held_until"})


def _parse_instant(text: str, field_name: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field_name, f"{text!r} is not an ISO 8601 instant") from None


def is_whole_number(value: object) -> bool:
    """An int that is not a bool (JSON true must not count as 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


class Outcome(StrEnum):
    """What a notice from the source did, so the service knows whether to page or update cards."""

    CREATED = "created"
    REPEATED = "repeated"
    RESOLVED = "resolved"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Intake:
    alert: Alert | None
    outcome: Outcome


def intake(latest: Alert | None, incoming: IncomingAlert, *, rotation: str,
           integration: IntegrationKind, at: datetime) -> Intake:
    """Apply one notice to the latest stored alert with the same key (or None).

    * open alert + firing → repeated (one alert, a counter, no new page);
    * open alert + resolved → resolved by source;
    * a resolved notice with no open alert → recorded on the latest alert when its source
      had not said so yet, otherwise ignored (nothing to resolve);
    * a firing notice with no open alert → a new alert, except when a person resolved the
      latest alert while its source kept firing and this notice belongs to that same firing
      episode (same start): the source is only repeating what was already dealt with.
    """
    if latest is not None and latest.is_open:
        if incoming.status is SourceStatus.FIRING:
            return Intake(latest.repeat(at, incoming), Outcome.REPEATED)
        return Intake(latest.resolve_by_source(at), Outcome.RESOLVED)
    if incoming.status is SourceStatus.RESOLVED:
        if latest is not None and latest.source_status is SourceStatus.FIRING:
            return Intake(latest.resolve_by_source(at), Outcome.RESOLVED)
        return Intake(None, Outcome.IGNORED)
    if _same_episode(latest, incoming):
        return Intake(None, Outcome.IGNORED)
    return Intake(Alert.open(incoming, rotation=rotation, integration=integration, at=at), Outcome.CREATED)


def _same_episode(latest: Alert | None, incoming: IncomingAlert) -> bool:
    return (latest is not None and latest.source_status is SourceStatus.FIRING
            and incoming.starts_at is not None and incoming.starts_at == latest.starts_at)
