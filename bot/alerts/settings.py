"""A rotation's alert settings: its escalation policy and its urgency rules, as one value.

Stored as JSON beside the rotation and edited through the API, so the JSON form lives
here with the value: `to_dict` and `from_dict` are inverses, and `from_dict` runs the
domain's own validation, raising `ValidationError` naming the field to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.alerts.model import Severity
from bot.alerts.policy import DEFAULT_POLICY, EscalationPolicy, EscalationStep, Mention, StepKind
from bot.alerts.urgency import WEEKDAYS, BusinessHours, UrgencyRules
from shared.rotation import ValidationError


@dataclass(frozen=True)
class AlertSettings:
    """What a rotation does with its alerts. The defaults page at any hour (no business
    hours), treat critical and high as urgent, and escalate primary → secondary → channel."""

    policy: EscalationPolicy = DEFAULT_POLICY
    rules: UrgencyRules = field(default_factory=UrgencyRules)

    def to_dict(self) -> dict:
        hours = self.rules.business_hours
        return {
            "escalation": {"steps": [_step_dict(step) for step in self.policy.steps], "repeat": self.policy.repeat},
            "business_hours": None if hours is None else _hours_dict(hours),
            "urgent": sorted((severity.value for severity in self.rules.urgent), key=_severity_rank),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> AlertSettings:
        if not isinstance(data, Mapping):
            raise ValidationError("settings", "must be an object")
        escalation = data.get("escalation") or {}
        steps = tuple(_step(item) for item in escalation.get("steps", ()))
        policy = EscalationPolicy(steps, escalation.get("repeat", 0))
        hours = data.get("business_hours")
        urgent = data.get("urgent", [severity.value for severity in UrgencyRules().urgent])
        if not isinstance(urgent, (list, tuple)):
            raise ValidationError("urgent", "must be a list of severities")
        rules = UrgencyRules(None if hours is None else _hours(hours), frozenset(urgent))
        return cls(policy, rules)


def _severity_rank(value: str) -> int:
    return Severity(value).rank


def _step_dict(step: EscalationStep) -> dict:
    data: dict = {"kind": step.kind.value, "wait_minutes": step.wait_minutes}
    if step.kind is StepKind.PERSON:
        data["person"] = step.person
    if step.kind is StepKind.CHANNEL:
        data["mention"] = step.mention.value
    return data


def _step(data: object) -> EscalationStep:
    if not isinstance(data, Mapping):
        raise ValidationError("steps", "each step is an object with kind and wait_minutes")
    return EscalationStep(data.get("kind"), data.get("wait_minutes"), data.get("person"),
                          data.get("mention") or Mention.TAG)


def _hours_dict(hours: BusinessHours) -> dict:
    return {
        "timezone": hours.timezone,
        "days": ",".join(WEEKDAYS[day] for day in sorted(hours.days)),
        "start": f"{hours.start:%H:%M}",
        "end": f"{hours.end:%H:%M}",
    }


def _hours(data: object) -> BusinessHours:
    if not isinstance(data, Mapping):
        raise ValidationError("business_hours", "must be an object with timezone, days, start and end")
    return BusinessHours.parse(data.get("timezone"), data.get("days", "mon-fri"), data.get("start", "09:00"),
                               data.get("end", "18:00"))
